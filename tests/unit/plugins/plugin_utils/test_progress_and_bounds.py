# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A run's progress lines and its bounded result (AWX stores every event)."""

from __future__ import annotations

from ansible_collections.jml.provisioning.plugins.plugin_utils.results import bounded_changes, bounded_outcome
from ansible_collections.jml.provisioning.plugins.plugin_utils.target_action import progress_line


def test_one_line_per_phase_with_its_time():
    assert progress_line("ldap_accounts", "dc1", "read", {"accounts": 9146}, 0.42) == \
        "ldap_accounts [dc1]: read 9,146 accounts (0.4 s)"
    summary = {"create": 3, "update": 0, "unchanged": 1200, "failed": 1}
    counts = {"summary": summary, "failures": 1, "stopped": False, "check_mode": True}
    assert progress_line("scim_accounts", None, "planned", counts, 1.0) == \
        "scim_accounts: planned create 3, unchanged 1,200; 1 operation(s) would fail (check mode: nothing is written) (1.0 s)"
    assert "stopped by a threshold" in progress_line("x", "h", "planned", {"summary": {}, "failures": 0, "stopped": True,
                                                                           "check_mode": False}, 0)
    assert progress_line("x", "h", "applied", {"applied": 11, "failed": 1, "operations": 12}, 2.25) == \
        "x [h]: applied 11 of 12, 1 failed (2.2 s)"
    assert progress_line("x", "h", "unknown", {}, 0) is None


def test_every_list_of_a_target_result_is_bounded_with_its_count():
    outcome = {"failures": [{"n": i} for i in range(5)], "actions": [1, 2],
               "correlation": {"correlated": 9, "uncorrelated_accounts": list("abcdef"), "uncorrelated_persons": ["1"],
                               "vanished": [], "conflicts": []},
               "rules": {"staff": {"gain": list("abcd"), "lose": []}}}
    shown = bounded_outcome(outcome, 3)
    assert shown["failures"] == [{"n": 0}, {"n": 1}, {"n": 2}] and shown["failures_truncated"] == 2
    assert shown["correlation"]["uncorrelated_accounts"] == ["a", "b", "c"]
    assert shown["correlation"]["truncated"] == {"uncorrelated_accounts": 3}
    assert shown["rules"]["staff"] == {"gain": ["a", "b", "c"], "gain_truncated": 1, "lose": []}
    assert outcome["correlation"]["uncorrelated_accounts"] == list("abcdef"), "the whole outcome (the plan file's) is kept"
    small = bounded_outcome(outcome, 10)
    assert small["failures_truncated"] == 0 and "truncated" not in small["correlation"]


def test_collect_changes_are_bounded_and_counted():
    shown, counts = bounded_changes({"joined": ["1", "2", "3"], "left": [], "changed": {"4": ["a"], "5": ["b"]},
                                     "purged": []}, 2)
    assert shown == {"joined": ["1", "2"], "left": [], "changed": {"4": ["a"], "5": ["b"]}, "purged": []}
    assert counts == {"joined": 3, "left": 0, "changed": 2, "purged": 0}
