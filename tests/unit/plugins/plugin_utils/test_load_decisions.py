# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shell's reading of decisions_file: none, a file, and a file that cannot be read."""

from __future__ import annotations

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.provision.decisions import DecisionError
from ansible_collections.jml.provisioning.plugins.plugin_utils.results import bounded_outcome
from ansible_collections.jml.provisioning.plugins.plugin_utils.decisions_file import load_decisions


def test_no_path_no_decisions_and_a_file_is_parsed_with_its_name_in_messages(tmp_path):
    assert load_decisions(None) is None and load_decisions("") is None
    path = tmp_path / "d.yml"
    path.write_text("- {decision: never_link, person: '1', reason: r, author: a}\n")
    [entry] = load_decisions(str(path)).entries
    assert entry.kind == "never_link"
    path.write_text("- {decision: never_link, person: '1', reason: r}\n")
    with pytest.raises(DecisionError) as caught:
        load_decisions(str(path))
    assert str(caught.value) == "decisions_file %s: decisions[0] (never_link): author is required (a non-empty text)" % path


@pytest.mark.parametrize("content", [None, b"decisions: [\n", b"\xff\xfe"])
def test_a_missing_or_unreadable_file_is_an_error_naming_it(tmp_path, content):
    path = tmp_path / "d.yml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DecisionError) as caught:
        load_decisions(str(path))
    assert str(caught.value).startswith("decisions_file %s cannot be read: " % path)


def test_the_ignored_list_is_bounded_like_the_other_correlation_lists():
    outcome = {"failures": [], "correlation": {"ignored": ["a", "b", "c"], "decisions": {"applied": 3}}}
    shown = bounded_outcome(outcome, 2)["correlation"]
    assert shown["ignored"] == ["a", "b"] and shown["truncated"] == {"ignored": 1}
    assert shown["decisions"] == {"applied": 3}


def test_the_decisions_entries_are_bounded_and_their_counts_kept():
    outcome = {"failures": [], "correlation": {"decisions": {"applied": 3, "redundant": 0, "entries": [1, 2, 3]}}}
    shown = bounded_outcome(outcome, 2)["correlation"]
    assert shown["decisions"] == {"applied": 3, "redundant": 0, "entries": [1, 2]}
    assert shown["truncated"] == {"decisions": 1}
    assert outcome["correlation"]["decisions"]["entries"] == [1, 2, 3]  # the plan file's copy is whole
