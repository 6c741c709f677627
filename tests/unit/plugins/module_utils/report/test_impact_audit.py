# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The impact report links a run to its audit entries: the run id and the audit file."""

from __future__ import annotations

import json

from ansible_collections.jml.provisioning.plugins.module_utils.report import impact

SUMMARY = dict((key, 0) for key in impact.SUMMARY_KEYS)
RUN = {"summary": dict(SUMMARY, create=1), "actions": [{"action": "create", "person": "1", "dn": "uid=a", "changes": {},
                                                        "reason": "joiner"}],
       "check_mode": False, "run_id": "6f1c2b8e-run", "changed": True,
       "audit": {"enabled": True, "dir": "/var/lib/jml/audit", "file": "/var/lib/jml/audit/audit-2026-12-03.jsonl",
                 "entries": 1, "expired": []}}


def test_markdown_and_html_name_the_run_and_its_audit_file():
    markdown = impact.render_markdown(RUN, "ldap1")
    assert "Run 6f1c2b8e-run: 1 audit entries in /var/lib/jml/audit/audit-2026-12-03.jsonl" in markdown
    page = impact.render_html(RUN, "ldap1")
    assert "<span data-run-id>6f1c2b8e-run</span>" in page
    assert "<span data-audit-entries>1</span>" in page
    assert "<span data-audit-file>/var/lib/jml/audit/audit-2026-12-03.jsonl</span>" in page
    document = json.loads(impact.render_json(RUN, "ldap1"))
    assert document["targets"]["ldap1"]["run_id"] == "6f1c2b8e-run"
    assert document["targets"]["ldap1"]["audit"]["file"].endswith("audit-2026-12-03.jsonl")


def test_a_check_mode_run_has_no_run_and_no_audit_file():
    check = dict(RUN, check_mode=True, run_id=None, audit=dict(RUN["audit"], file=None, entries=0))
    markdown = impact.render_markdown(check, "ldap1")
    assert "Run " not in markdown and "audit entries" not in markdown
    assert "data-audit-file" not in impact.render_html(check, "ldap1")
    assert "data-run-id" not in impact.render_html(check, "ldap1")


def test_a_real_run_that_wrote_no_entry_says_so():
    quiet = dict(RUN, audit=dict(RUN["audit"], file=None, entries=0))
    assert "Run 6f1c2b8e-run: no audit entries\n" in impact.render_markdown(quiet, "ldap1")


def test_a_result_without_a_run_id_renders_as_before():
    old = dict(RUN)
    del old["run_id"], old["audit"]
    assert "Run " not in impact.render_markdown(old, "ldap1")
    assert "data-run-id" not in impact.render_html(old, "ldap1")


def test_a_hostile_audit_path_is_escaped():
    hostile = dict(RUN, run_id="<b>x</b>|`@all", audit=dict(RUN["audit"], file="/tmp/<script>|x"))
    markdown = impact.render_markdown(hostile, "ldap1")
    assert "<script>" not in markdown and "<b>" not in markdown and "@all" not in markdown
    assert "/tmp/&lt;script&gt;|x" in impact.render_html(hostile, "ldap1")
