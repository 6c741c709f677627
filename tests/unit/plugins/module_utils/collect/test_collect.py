# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Collect: every source through its mapping set into one vault document, and the real HelloID demo."""

from __future__ import annotations

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.collect import vault_doc
from ansible_collections.jml.provisioning.plugins.module_utils.collect.collect import (
    CollectError, SourceData, collect, read_source,
)
from ansible_collections.jml.provisioning.plugins.module_utils.sources.rows import SourceRows

MAPPING = {
    "required": ["person.name.family"],
    "person": {"id": "row.Code", "name.family": "row.Last"},
    "contract": {"start": "row.Start"},
}
NOW = "2026-11-26T02:00:00Z"


def source(name, **extra):
    return dict({"name": name, "type": "csv", "persons": {"path": "%s.csv" % name}, "mapping": MAPPING}, **extra)


def rows(name, *records):
    """Persons rows (Code, Last, Start) of one source; no contracts file."""
    header = ["Code", "Last", "Start"]
    return SourceData(SourceRows("%s.csv" % name, header,
                                 [(line, dict(zip(header, record)), None) for line, record in enumerate(records, 2)]))


def test_collect_builds_a_vault_document_with_source_counts():
    result = collect([source("hr")], {"hr": rows("hr", ["2", "B", "2020-01-01"], ["1", "A", "2020-01-01"],
                                                 ["3", "", "2020-01-01"])}, None, NOW)
    document = result.document
    assert document["format"] == "jml.provisioning/vault/v1"
    assert document["collected_at"] == NOW
    assert list(document["persons"]) == ["1", "2"]
    assert document["sources"] == [{"name": "hr", "type": "csv", "collected_at": NOW, "persons": 2, "rejected": 1}]
    assert result.changes == {"joined": ["1", "2"], "left": [], "changed": {}, "purged": []}
    assert [r.line for r in result.rejections] == [4]


def test_a_person_rejected_now_but_in_the_previous_vault_keeps_the_previous_record():
    before = collect([source("hr")], {"hr": rows("hr", ["1", "A", "2020-01-01"], ["2", "B", "2020-01-01"])},
                     None, NOW).document
    result = collect([source("hr")], {"hr": rows("hr", ["1", "A", "2020-01-01"], ["2", "", "2021-01-01"])},
                     before, NOW)
    assert result.kept == ["2"]
    assert result.document["persons"]["2"] == before["persons"]["2"]
    assert result.changes == {"joined": [], "left": [], "changed": {}, "purged": []}
    assert [(r.line, r.person) for r in result.rejections] == [(3, "2")]


def test_a_rejected_person_not_in_the_previous_vault_is_left_out():
    result = collect([source("hr")], {"hr": rows("hr", ["1", "", "2020-01-01"])}, {"persons": {}}, NOW)
    assert result.document["persons"] == {}
    assert result.kept == []


def test_person_ids_colliding_across_sources_are_an_error():
    with pytest.raises(CollectError, match="'1' comes from both source hr and source contractors"):
        collect([source("hr"), source("contractors")],
                {"hr": rows("hr", ["1", "A", "2020-01-01"]),
                 "contractors": rows("contractors", ["1", "Z", "2020-01-01"])}, None, NOW)


def test_persons_from_several_sources_are_merged():
    result = collect([source("hr"), source("contractors")],
                     {"hr": rows("hr", ["1", "A", "2020-01-01"]),
                      "contractors": rows("contractors", ["c1", "Z", "2020-01-01"])}, None, NOW)
    assert {pid: p["source"] for pid, p in result.document["persons"].items()} == {"1": "hr", "c1": "contractors"}


def test_source_names_must_be_unique():
    with pytest.raises(CollectError, match="unique"):
        collect([source("hr"), source("hr")], {"hr": rows("hr")}, None, NOW)


def test_a_mapping_error_is_a_collect_error():
    with pytest.raises(CollectError, match="source hr mapping.person must map 'id'"):
        collect([source("hr", mapping={"person": {"name.family": "row.Last"}})], {"hr": rows("hr")}, None, NOW)


def test_a_contracts_file_needs_the_persons_key():
    contracts = SourceRows("c.csv", ["Code", "Start"], [])
    with pytest.raises(CollectError, match="persons.key"):
        collect([source("hr", contracts={"path": "c.csv"})], {"hr": SourceData(rows("hr").persons, contracts)}, None, NOW)


def test_read_source_names_the_source_when_a_file_cannot_be_read(tmp_path):
    with pytest.raises(CollectError, match="source hr: .*nowhere.csv"):
        read_source({"name": "hr", "persons": {"path": str(tmp_path / "nowhere.csv")}})


def test_read_source_refuses_unknown_types():
    with pytest.raises(CollectError, match="type xml is not supported"):
        read_source({"name": "hr", "type": "xml", "persons": {"path": "x"}})


# The real HelloID demo export with the demo inventory's mapping -----------------------------------

def test_demo_collects_33_persons(demo_collect):
    assert len(demo_collect.document["persons"]) == 33
    assert demo_collect.document["sources"][0]["persons"] == 33
    assert demo_collect.document["sources"][0]["rejected"] == 2


def test_demo_rejects_vladimir_for_his_impossible_contract_date(demo_collect):
    assert [r.as_dict() for r in demo_collect.rejections] == [
        {"source": "helloid", "file": "T4E_HelloID_Contracts.csv", "row": 27, "field": "contract.start",
         "problem": "not a date in the format %d-%m-%Y", "person": "VladimirA"},
        {"source": "helloid", "file": "T4E_HELLOID_Persons.csv", "row": 25, "field": None,
         "problem": "person rejected because one of its contract rows was rejected", "person": "VladimirA"},
    ]
    assert "VladimirA" not in demo_collect.document["persons"]


def test_demo_amir_has_two_contracts(demo_collect):
    amir = demo_collect.document["persons"]["AmirA"]
    assert [(c["id"], c["start"], c["end"]) for c in amir["contracts"]] == \
        [("AmirA-1", "2013-06-18", None), ("AmirA-2", "2018-08-01", None)]
    assert amir["manager"] == "BurgmansT"
    assert amir["custom"] == {"employee_number": "7208495", "blocked": False}


def test_demo_bianca_is_shown_with_her_partners_name(demo_collect):
    name = demo_collect.document["persons"]["BiancaM"]["name"]
    assert name["convention"] == "1"
    assert name["display"] == "Bianca Hartman"


def test_demo_collected_again_over_its_own_vault_changes_nothing(demo_collect, demo_source):
    rows_again = read_source(demo_source)
    again = collect([demo_source], {"helloid": rows_again}, demo_collect.document, "2026-01-02T00:00:00Z")
    assert vault_doc.same_content(demo_collect.document, again.document)
    assert again.changes == {"joined": [], "left": [], "changed": {}, "purged": []}
    assert again.kept == []


# --- several sources, merge, retention, thresholds (issue 3) ---

from ansible_collections.jml.provisioning.plugins.module_utils.collect.collect import (  # noqa: E402
    evaluate_thresholds, merge_persons, purge_expired,
)
import datetime  # noqa: E402


def person(pid, source, email=None, given=None, contracts=None):
    return {"id": pid, "source": source, "email": email, "name": {"given": given, "family": "F"},
            "contracts": contracts or [{"id": pid + "-1", "start": "2020-01-01", "end": None}]}


def test_ids_colliding_across_sources_are_an_error_without_merge():
    with pytest.raises(CollectError, match="comes from both source a and source b"):
        merge_persons([("a", {"1": person("1", "a")}), ("b", {"1": person("1", "b")})], None)


def test_merge_on_a_key_gives_one_person_with_both_sources_contracts():
    a = {"1": person("1", "a", email="jan@x", given="Jan")}
    b = {"B7": person("B7", "b", email="JAN@x", given="Johannes", contracts=[{"id": "B7-1", "start": "2024-01-01"}])}
    merged = merge_persons([("a", a), ("b", b)], {"key": "email", "precedence": ["a", "b"], "fields": {}})
    assert list(merged) == ["1"]
    one = merged["1"]
    assert one["name"]["given"] == "Jan" and one["sources"] == ["a", "b"]
    assert [(c["id"], c["source"]) for c in one["contracts"]] == [("1-1", "a"), ("B7-1", "b")]


def test_merge_field_precedence_picks_the_named_source_per_field():
    a = {"1": person("1", "a", email="jan@x", given="Jan")}
    b = {"1": person("1", "b", email="jan@x", given="Johannes")}
    merged = merge_persons([("a", a), ("b", b)], {"key": "id", "precedence": ["a", "b"],
                                                  "fields": {"name.given": ["b", "a"]}})
    assert merged["1"]["name"]["given"] == "Johannes"
    assert merged["1"]["email"] == "jan@x"


def test_merge_falls_back_to_the_next_source_when_the_winner_has_no_value():
    a = {"1": person("1", "a", email=None, given="Jan")}
    b = {"1": person("1", "b", email="jan@b", given="J")}
    merged = merge_persons([("a", a), ("b", b)], {"key": "id", "precedence": ["a", "b"], "fields": {}})
    assert merged["1"]["email"] == "jan@b" and merged["1"]["name"]["given"] == "Jan"


def test_merge_naming_an_unknown_source_is_an_error():
    with pytest.raises(CollectError, match="unknown sources: c"):
        merge_persons([("a", {}), ("b", {})], {"key": "id", "precedence": ["c"], "fields": {}})


def test_retention_purges_only_persons_whose_last_contract_ended_long_enough_ago():
    today = datetime.date(2026, 11, 26)
    persons = {
        "old": person("old", "a", contracts=[{"start": "2010-01-01", "end": "2020-01-01"}]),
        "recent": person("recent", "a", contracts=[{"start": "2010-01-01", "end": "2026-10-01"}]),
        "open": person("open", "a", contracts=[{"start": "2010-01-01", "end": "2015-01-01"},
                                               {"start": "2016-01-01", "end": None}]),
        "none": person("none", "a", contracts=[]),
    }
    kept, purged = purge_expired(persons, today, 365)
    assert purged == ["old"] and sorted(kept) == ["none", "open", "recent"]
    assert purge_expired(persons, today, None) == (persons, [])


def test_source_thresholds_count_percent_and_min_persons():
    changes = {"joined": ["a"], "left": ["x", "y", "z"], "changed": {"b": ["email"]}}
    report = evaluate_thresholds(changes, 10, 8, {"removed": {"count": 5, "percent": 20}, "added": {"count": 5},
                                                  "min_persons": 9}, True)
    assert report == {"removed": {"count": 3, "limit": 2, "exceeded": True},
                      "added": {"count": 1, "limit": 5, "exceeded": False},
                      "min_persons": {"count": 8, "limit": 9, "exceeded": True}}


def test_source_thresholds_need_a_previous_vault_except_min_persons():
    changes = {"joined": ["a"] * 100, "left": [], "changed": {}}
    assert evaluate_thresholds(changes, 0, 100, {"added": {"count": 5}, "min_persons": 1}, False) == {
        "min_persons": {"count": 100, "limit": 1, "exceeded": False}}


def test_an_empty_export_is_stopped_by_removed_threshold():
    before = collect([source("hr")], {"hr": rows("hr", ["1", "A", "2020-01-01"], ["2", "B", "2020-01-01"])},
                     None, NOW).document
    result = collect([source("hr")], {"hr": rows("hr")}, before, NOW, thresholds={"removed": {"percent": 10}})
    assert result.thresholds["removed"] == {"count": 2, "limit": 0, "exceeded": True}


def test_max_rejected_as_count_and_percentage():
    data = {"hr": rows("hr", ["1", "", "2020-01-01"], ["2", "B", "2020-01-01"], ["3", "", "2020-01-01"])}
    with pytest.raises(CollectError, match="2 rows rejected, more than max_rejected 1"):
        collect([source("hr", max_rejected="1")], data, None, NOW)
    with pytest.raises(CollectError, match="more than max_rejected 50%"):
        collect([source("hr", max_rejected="50%")], data, None, NOW)
    assert len(collect([source("hr", max_rejected="70%")], data, None, NOW).rejections) == 2


def test_collect_with_retention_reports_purged_separately_from_left():
    old = [("1", "A", "2010-01-01")]
    mapping = dict(MAPPING, contract={"start": "row.Start", "end": "'2011-01-01'"})
    data = {"hr": rows("hr", *[list(r) for r in old])}
    result = collect([source("hr", mapping=mapping)], data, None, NOW, today=datetime.date(2026, 1, 1),
                     retention_days=30)
    assert result.purged == ["1"] and result.document["persons"] == {}
    assert result.changes["left"] == [] and result.changes["purged"] == ["1"]
