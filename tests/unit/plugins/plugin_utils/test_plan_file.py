# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The plan file is written action by action: one JSON document, the outcome indented with its
keys sorted as before, each action on a line of its own."""

from __future__ import annotations

import io
import json

import pytest

from ansible_collections.jml.provisioning.plugins.plugin_utils.plan_file import write_plan

OUTCOME = {"summary": {"create": 2, "grant": 1}, "approval": None, "changed": True,
           "alerts": {"sent": 0, "failed": []}, "thresholds": {}, "zz": [1, {"text": "two\nlines"}]}
ACTIONS = [
    {"action": "create", "person": "E1", "dn": "uid=zoe,ou=people,dc=example,dc=test", "reason": "active",
     "changes": {"cn": [None, ["Zoë \"Z\" d'Arc"]], "mail": [None, ["zoe@example.test"]]}},
    {"action": "grant", "person": "E1", "dn": "uid=zoe,ou=people,dc=example,dc=test", "reason": "rule staff",
     "group": "cn=staff,ou=groups,dc=example,dc=test", "changes": {}},
    {},
]


def written(outcome, actions):
    handle = io.BytesIO()
    write_plan(handle, outcome, iter(actions))
    return handle.getvalue().decode("utf-8")


def whole(outcome, actions):
    return json.dumps(dict(outcome, actions=actions, actions_truncated=0), indent=1, ensure_ascii=False,
                      sort_keys=True)


@pytest.mark.parametrize("actions", [[], ACTIONS[:1], ACTIONS], ids=["none", "one", "several"])
def test_the_streamed_plan_reads_as_the_whole_document(actions):
    assert json.loads(written(OUTCOME, actions)) == json.loads(whole(OUTCOME, actions))


def test_the_outcome_is_laid_out_as_before_and_each_action_is_one_line():
    text = written(OUTCOME, ACTIONS)
    lines = text.splitlines()
    at = lines.index(' "actions": [')
    assert [json.loads(line.rstrip(",")) for line in lines[at + 1:at + 1 + len(ACTIONS)]] == ACTIONS
    assert lines[at + 1 + len(ACTIONS)] == " ],"
    outcome_only = dict(OUTCOME, actions=[], actions_truncated=0)
    assert text.replace(text[text.index("[\n  "):text.index("\n ]") + 3], "[]") == json.dumps(
        outcome_only, indent=1, ensure_ascii=False, sort_keys=True)
    assert written(OUTCOME, []) == whole(OUTCOME, [])


def test_an_outcome_that_holds_the_placeholder_text_is_still_written_whole():
    odd = dict(OUTCOME, note="\u0000jml.provisioning actions\u0000")
    assert written(odd, ACTIONS) == whole(odd, ACTIONS)
