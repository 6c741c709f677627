# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A run's progress lines and its bounded result (AWX stores every event)."""

from __future__ import annotations

from ansible_collections.jml.provisioning.plugins.plugin_utils.results import (
    RUNNER_RESULT_LIMIT, bounded_changes, bounded_outcome, result_size_warning, runner_result_limit,
)
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


def test_a_result_near_the_size_awx_drops_warns_with_the_way_out():
    # ansible-runner replaces a result over MAX_EVENT_RES (700,000 characters of str(result)) by {}.
    assert RUNNER_RESULT_LIMIT == 700000
    assert result_size_warning({"actions": ["x" * 100] * 100}, "ldap_accounts") is None
    warning = result_size_warning({"actions": ["x" * 1000] * 600}, "ldap_accounts")
    assert warning.startswith("ldap_accounts: this result is 60") and "lower max_actions" in warning
    assert result_size_warning({"a": "x" * 90}, "n", limit=100) == (
        "n: this result is 99 characters; AWX and ansible-runner keep no result over 100 (MAX_EVENT_RES), "
        "so lower max_actions (the plan file keeps every action)")


def test_the_limit_is_the_jobs_own_when_awx_sets_it():
    assert runner_result_limit({}) == runner_result_limit({"MAX_EVENT_RES": "lots"}) == 700000
    assert runner_result_limit({"MAX_EVENT_RES": "20000"}) == 20000
