# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Collecting leave: HR's on_leave status per contract, and dated absences (a file with one row per
absence, a nested list, or columns of the person row), validated with file, row and field."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.collect.collect import (
    CollectError, SourceData, collect,
)
from ansible_collections.jml.provisioning.plugins.module_utils.collect.mapping import (
    MappingError, MappingSet, collect_persons,
)
from ansible_collections.jml.provisioning.plugins.module_utils.sources.rows import RowProblem, SourceRows

NOW = "2026-11-26T02:00:00Z"
TODAY = datetime.date(2026, 11, 26)
PERSON = {"id": "row.Code", "name.family": "row.Last"}
CONTRACT = {"start": "row.Start", "on_leave": "row.Status in ['LOA', 'SAB']"}
ABSENCE = {"start": "row.From", "end": "row.To", "reason": "row.Kind"}


def rows(name, header, *records):
    return SourceRows(name, list(header), [(line, dict(zip(header, r)), None) for line, r in enumerate(records, 2)])


def persons(*records):
    return rows("persons.csv", ["Code", "Last", "Start", "Status"], *records)


def absences(*records):
    return rows("absences.csv", ["Code", "From", "To", "Kind"], *records)


def mapping(**spec):
    return MappingSet(dict({"person": PERSON, "contract": CONTRACT}, **spec))


def test_the_hr_status_maps_to_on_leave_true_or_false():
    found, rejections = collect_persons("hr", mapping(), persons(["1", "A", "2020-01-01", "LOA"],
                                                                 ["2", "B", "2020-01-01", "ACT"]))
    assert rejections == []
    assert found["1"]["contracts"][0]["on_leave"] is True
    assert found["2"]["contracts"][0]["on_leave"] is False


def test_on_leave_must_be_a_boolean_and_the_rejection_names_file_row_and_field():
    raw = MappingSet({"person": PERSON, "contract": {"start": "row.Start", "on_leave": "row.Status"}})
    found, [rejection, whole] = collect_persons("hr", raw, persons(["1", "A", "2020-01-01", "N"]))
    assert found == {}
    assert str(rejection).startswith("persons.csv:2: field contract.on_leave: must be true or false")
    assert "'N'" not in str(rejection)  # never the row's content


def test_absences_from_a_file_with_one_row_per_absence_are_grouped_per_person_and_sorted():
    found, rejections = collect_persons(
        "hr", mapping(absence=ABSENCE), persons(["1", "A", "2020-01-01", "ACT"], ["2", "B", "2020-01-01", "ACT"]),
        absence_rows=absences(["1", "2026-12-01", "", "PARENTAL"], ["1", "2026-01-05", "2026-01-09", "OTHER"]),
        person_key="Code")
    assert rejections == []
    assert found["1"]["absences"] == [{"start": "2026-01-05", "end": "2026-01-09", "reason": "OTHER"},
                                      {"start": "2026-12-01", "end": None, "reason": "PARENTAL"}]
    assert found["2"]["absences"] == []


@pytest.mark.parametrize("record, field, problem", [
    (["1", "", "2026-01-09", "X"], "absence.start", "required value is empty"),
    (["1", "5-1-2026", "", "X"], "absence.start", "not a date in the format %Y-%m-%d"),
    (["1", "2026-01-05", "2026-13-01", "X"], "absence.end", "not a date in the format %Y-%m-%d"),
    (["1", "2026-01-05", "2026-01-04", "X"], "absence.end", "is before absence.start"),
])
def test_a_bad_absence_row_is_rejected_by_file_row_and_field_and_its_person_with_it(record, field, problem):
    found, rejections = collect_persons("hr", mapping(absence=ABSENCE), persons(["1", "A", "2020-01-01", "ACT"]),
                                        absence_rows=absences(["1", "2026-02-01", "", "X"], record), person_key="Code")
    assert found == {}
    assert str(rejections[0]) == "absences.csv:3: field %s: %s" % (field, problem)
    assert rejections[1].problem == "person rejected because one of its absence rows was rejected"


def test_an_absence_row_for_nobody_is_an_orphan():
    found, rejections = collect_persons("hr", mapping(absence=ABSENCE), persons(["1", "A", "2020-01-01", "ACT"]),
                                        absence_rows=absences(["9", "2026-02-01", "", "X"]), person_key="Code")
    assert "1" in found
    assert str(rejections[0]) == "absences.csv:2: field Code: no person with this key in persons.csv"


def test_absence_columns_of_the_person_row_give_at_most_one_absence():
    header = ["Code", "Last", "Start", "Status", "From", "To", "Kind"]
    found, rejections = collect_persons("hr", mapping(absence=ABSENCE), rows(
        "persons.csv", header, ["1", "A", "2020-01-01", "ACT", "2026-12-01", "", ""],
        ["2", "B", "2020-01-01", "ACT", "", "", ""]))
    assert rejections == []
    assert found["1"]["absences"] == [{"start": "2026-12-01", "end": None, "reason": None}]
    assert found["2"]["absences"] == []


def test_a_missing_absence_column_of_the_person_rows_names_the_column_and_the_file():
    with pytest.raises(MappingError, match="persons.csv: source hr: column From used by mapping absence.start is missing"):
        collect_persons("hr", mapping(absence=ABSENCE), persons(["1", "A", "2020-01-01", "ACT"]))


def test_absences_nested_in_json_records():
    record = {"Code": "1", "Last": "A", "Start": "2020-01-01", "Status": "ACT",
              "leave": [{"From": "2026-12-01", "To": "2027-01-31"}]}
    records = SourceRows("persons.json", None, [(1, record, None)])
    found, rejections = collect_persons("hr", mapping(absence={"start": "row.From", "end": "row.To"}), records,
                                        absences_field="leave")
    assert rejections == []
    assert found["1"]["absences"] == [{"start": "2026-12-01", "end": "2027-01-31"}]


@pytest.mark.parametrize("absence, message", [
    ({"start": "row.From", "diagnosis": "row.Why"}, "absence.diagnosis: not an absence field"),
    ({"end": "row.To"}, "must map 'start'"),
])
def test_an_absence_mapping_keeps_only_what_it_needs(absence, message):
    with pytest.raises(MappingError, match=message):
        mapping(absence=absence)


def _source(**extra):
    return dict({"name": "hr", "type": "csv", "persons": {"path": "p.csv", "key": "Code"},
                 "mapping": {"person": PERSON, "contract": CONTRACT}}, **extra)


def test_an_absences_file_without_an_absence_mapping_is_a_collect_error():
    data = SourceData(persons(["1", "A", "2020-01-01", "ACT"]), absences=absences())
    with pytest.raises(CollectError, match="no 'absence' part"):
        collect([_source(absences={"path": "a.csv"})], {"hr": data}, None, NOW, today=TODAY)


def test_the_collect_remembers_the_day_it_saw_a_return_from_a_status_leave():
    first = collect([_source()], {"hr": SourceData(persons(["1", "A", "2020-01-01", "LOA"]))}, None, NOW, today=TODAY)
    assert "returned" not in first.document["persons"]["1"]["contracts"][0]
    later = TODAY + datetime.timedelta(days=3)
    back = collect([_source()], {"hr": SourceData(persons(["1", "A", "2020-01-01", "ACT"]))}, first.document, NOW,
                   today=later)
    assert back.document["persons"]["1"]["contracts"][0]["returned"] == later.isoformat()
    assert back.changes["changed"] == {"1": ["contracts"]}
    again = collect([_source()], {"hr": SourceData(persons(["1", "A", "2020-01-01", "ACT"]))}, back.document, NOW,
                    today=later + datetime.timedelta(days=1))
    assert again.document["persons"]["1"]["contracts"][0]["returned"] == later.isoformat()
    assert again.changes["changed"] == {}


def test_merged_persons_carry_the_absences_of_every_source():
    acme = dict(_source(name="acme"), mapping={"person": PERSON, "contract": CONTRACT, "absence": ABSENCE})
    hr = dict(_source(), mapping={"person": PERSON, "contract": CONTRACT, "absence": ABSENCE})
    header = ["Code", "Last", "Start", "Status", "From", "To", "Kind"]
    data = {"hr": SourceData(rows("p.csv", header, ["1", "A", "2020-01-01", "ACT", "2026-12-01", "", "P"])),
            "acme": SourceData(rows("q.csv", header, ["1", "A", "2021-01-01", "ACT", "2026-01-01", "2026-01-02", ""]))}
    result = collect([hr, acme], data, None, NOW, merge={"key": "id"}, today=TODAY)
    merged = result.document["persons"]["1"]
    assert [(a["start"], a["source"]) for a in merged["absences"]] == [("2026-01-01", "acme"), ("2026-12-01", "hr")]


def test_an_unreadable_absence_row_never_ends_a_leave_the_person_keeps_the_previous_record():
    spec = _source(absences={"path": "a.csv"}, max_rejected="5",
                   mapping={"person": PERSON, "contract": CONTRACT, "absence": ABSENCE})
    first = collect([spec], {"hr": SourceData(persons(["1", "A", "2020-01-01", "ACT"]),
                                              absences=absences(["1", "2026-11-01", "", "PARENTAL"]))},
                    None, NOW, today=TODAY)
    assert first.document["persons"]["1"]["absences"] == [{"start": "2026-11-01", "end": None, "reason": "PARENTAL"}]
    broken = SourceRows("absences.csv", ["Code", "From", "To", "Kind"], [(2, None, RowProblem("unterminated quote"))])
    again = collect([spec], {"hr": SourceData(persons(["1", "A", "2020-01-01", "ACT"]), absences=broken)},
                    first.document, NOW, today=TODAY)
    assert again.kept == ["1"]
    assert again.document["persons"]["1"]["absences"] == first.document["persons"]["1"]["absences"]


def test_a_garbled_contract_or_absence_row_nobody_can_tell_the_owner_of_is_unreadable():
    """Before: the joined file's RowProblem was turned into text, so it never counted as unreadable
    and the collect went on without max_rejected (a person could silently lose a contract)."""
    garbled = SourceRows("contracts.csv", ["Code", "Start", "Status"], [(2, None, RowProblem("unterminated quote"))])
    dummy, [rejection] = collect_persons("hr", mapping(), persons(["1", "A", "2020-01-01", "ACT"]), garbled,
                                         person_key="Code", contract_key="Code")
    assert rejection.unreadable
    with pytest.raises(CollectError, match="whose it is cannot be told"):
        collect([dict(_source(), contracts={"path": "c.csv"})],
                {"hr": SourceData(persons(["1", "A", "2020-01-01", "ACT"]), garbled)}, None, NOW, today=TODAY)
