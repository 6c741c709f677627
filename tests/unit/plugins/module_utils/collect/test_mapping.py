# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Mapping sets: raw rows in, vault persons and rejections out; a broken mapping stops everything."""

from __future__ import annotations

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.collect.mapping import (
    MappingError, MappingSet, Rejection, collect_persons,
)
from ansible_collections.jml.provisioning.plugins.module_utils.sources.rows import SourceRows

CANARY = "CANARY-7f3a"

PERSON_MAPPING = {
    "id": "row.Code",
    "name.given": "row.First",
    "name.family": "row.Last",
    "email": "row.Mail",
}
CONTRACT_MAPPING = {
    "start": "row.Start",
    "end": "row.End",
    "department.code": "row.Dept",
}


def source_rows(name, header, *records, first_line=2):
    """``SourceRows`` as the CSV reader returns them; a record that is a string is a problem row."""
    rows = []
    for line, record in enumerate(records, first_line):
        if isinstance(record, str):
            rows.append((line, None, record))
        else:
            rows.append((line, dict(zip(header, record)), None))
    return SourceRows(name, list(header), rows)


def persons_file(*records):
    return source_rows("persons.csv", ["Code", "First", "Last", "Mail"], *records)


def contracts_file(*records):
    return source_rows("contracts.csv", ["Code", "Start", "End", "Dept"], *records)


def mapping(person=None, contract=None, **spec):
    return MappingSet(dict(spec, person=person or PERSON_MAPPING, contract=contract or CONTRACT_MAPPING))


def collect(persons, contracts=None, **spec):
    key = "Code" if contracts is not None else None
    return collect_persons("hr", mapping(**spec), persons, contracts, person_key=key, contract_key=key)


# The mapping set itself ------------------------------------------------------------------------

@pytest.mark.parametrize("person, message", [
    ({"name.given": "row.First"}, "must map 'id'"),
    ({"id": "row.Code", "phone": "row.Phone"}, "person.phone: not a vault person field"),
    ({"id": "row.Code", "name": "row.First"}, "map the sub-fields"),
    ({"id": "row.("}, "mapping.person.id"),
])
def test_a_wrong_person_mapping_is_a_mapping_error(person, message):
    with pytest.raises(MappingError, match=message):
        MappingSet({"person": person})


def test_unknown_mapping_keys_and_unmapped_required_fields_are_errors():
    with pytest.raises(MappingError, match="unknown keys persons"):
        MappingSet({"person": {"id": "row.Code"}, "persons": {}})
    with pytest.raises(MappingError, match="'person.email' is not mapped"):
        MappingSet({"person": {"id": "row.Code"}, "required": ["person.email"]})
    with pytest.raises(MappingError, match="must be person.<field> or contract.<field>"):
        MappingSet({"person": {"id": "row.Code"}, "required": ["email"]})
    with pytest.raises(MappingError, match="dictionary"):
        MappingSet(["person"])


def test_a_missing_mapped_column_names_the_column_and_the_file():
    persons = source_rows("persons.csv", ["Code", "First", "Mail"], ["1", "Jan", "j@x"])
    with pytest.raises(MappingError) as info:
        collect(persons)
    assert "Last" in str(info.value) and "persons.csv" in str(info.value)
    assert "person.name.family" in str(info.value)


def test_a_missing_contract_column_names_the_column_and_the_file():
    contracts = source_rows("contracts.csv", ["Code", "Start", "End"], ["1", "2020-01-01", ""])
    with pytest.raises(MappingError, match="contracts.csv.*column Dept"):
        collect(persons_file(["1", "Jan", "Jansen", "j@x"]), contracts)


def test_a_missing_join_key_column_is_a_mapping_error():
    contracts = source_rows("contracts.csv", ["Start", "End", "Dept"], ["2020-01-01", "", "S"])
    with pytest.raises(MappingError, match="contracts.csv.*key column Code"):
        collect(persons_file(["1", "Jan", "Jansen", "j@x"]), contracts)


# Persons and contracts ---------------------------------------------------------------------------

def test_without_a_contracts_file_each_person_row_is_one_contract():
    persons = source_rows("persons.csv", ["Code", "First", "Last", "Mail", "Start", "End", "Dept"],
                          ["1", "Jan", "Jansen", "", "2020-01-01", "", "SALES"])
    found, rejections = collect(persons)
    assert rejections == []
    assert found == {"1": {
        "id": "1", "name": {"given": "Jan", "family": "Jansen"}, "email": None, "source": "hr",
        "contracts": [{"id": "1-1", "start": "2020-01-01", "end": None, "department": {"code": "SALES"}}],
    }}


def test_contracts_join_on_the_key_and_ids_default_to_person_id_and_number():
    found, rejections = collect(
        persons_file(["1", "Jan", "Jansen", "j@x"], ["2", "Piet", "Pietersen", "p@x"]),
        contracts_file(["1", "2020-01-01", "", "SALES"], ["2", "2021-01-01", "2021-12-31", "HR"],
                       ["1", "2022-01-01", "", "IT"]))
    assert rejections == []
    assert [(c["id"], c["department"]["code"]) for c in found["1"]["contracts"]] == [("1-1", "SALES"), ("1-2", "IT")]
    assert [(c["id"], c["end"]) for c in found["2"]["contracts"]] == [("2-1", "2021-12-31")]


def test_a_mapped_contract_id_is_kept_as_text():
    contract = dict(CONTRACT_MAPPING, id="row.Code ~ '-' ~ 7")
    found, dummy = collect(persons_file(["1", "Jan", "Jansen", "j@x"]),
                           contracts_file(["1", "2020-01-01", "", "SALES"]), contract=contract)
    assert found["1"]["contracts"][0]["id"] == "1-7"


def test_a_person_without_contract_rows_has_no_contracts():
    found, dummy = collect(persons_file(["1", "Jan", "Jansen", "j@x"]), contracts_file())
    assert found["1"]["contracts"] == []


def test_person_expressions_see_that_persons_raw_contract_rows():
    person = dict(PERSON_MAPPING, manager="(contracts | map(attribute='Dept') | select | first) or none")
    found, dummy = collect(persons_file(["1", "Jan", "Jansen", "j@x"], ["2", "Piet", "P", "p@x"]),
                           contracts_file(["1", "2020-01-01", "", ""], ["1", "2021-01-01", "", "BOSS"]),
                           person=person)
    assert found["1"]["manager"] == "BOSS"
    assert found["2"]["manager"] is None


def test_blank_values_become_none_and_are_stripped():
    found, dummy = collect(persons_file(["  1 ", " Jan ", "Jansen", "   "]), contracts_file())
    assert found["1"]["id"] == "1"
    assert found["1"]["name"]["given"] == "Jan"
    assert found["1"]["email"] is None


def test_a_duplicate_person_id_names_both_rows():
    with pytest.raises(MappingError, match=r"duplicate person id '1' in persons.csv rows 2 and 4"):
        collect(persons_file(["1", "Jan", "Jansen", ""], ["2", "Piet", "P", ""], ["1", "Jan", "Again", ""]))


def test_ids_that_differ_only_in_case_or_spaces_are_one_key_so_a_duplicate():
    with pytest.raises(MappingError, match=r"duplicate person id 'jan1' in persons.csv rows 2 and 3 \(as 'JAN1'"):
        collect(persons_file(["JAN1", "Jan", "Jansen", ""], [" jan1 ", "Jan", "Again", ""]))


# Dates -------------------------------------------------------------------------------------------

def test_dates_default_to_iso():
    found, dummy = collect(persons_file(["1", "Jan", "Jansen", ""]), contracts_file(["1", "2020-02-29", "", "S"]))
    assert found["1"]["contracts"][0]["start"] == "2020-02-29"


def test_a_day_month_year_format_accepts_unpadded_dates():
    found, rejections = collect(persons_file(["1", "Jan", "Jansen", ""]),
                                contracts_file(["1", "6-8-1968", "31-12-2030", "S"]), date_format="%d-%m-%Y")
    assert rejections == []
    assert found["1"]["contracts"][0]["start"] == "1968-08-06"
    assert found["1"]["contracts"][0]["end"] == "2030-12-31"


def test_further_date_fields_are_converted_too():
    contract = dict(CONTRACT_MAPPING, probation_end="row.Dept")
    found, dummy = collect(persons_file(["1", "Jan", "Jansen", ""]), contracts_file(["1", "1-2-2020", "", "3-4-2020"]),
                           contract=contract, date_format="%d-%m-%Y", date_fields=["probation_end"])
    assert found["1"]["contracts"][0]["probation_end"] == "2020-04-03"


# Rejections --------------------------------------------------------------------------------------

def test_an_empty_required_field_is_rejected_with_file_line_and_field():
    found, rejections = collect(persons_file(["1", "Jan", "Jansen", ""], ["2", "Piet", " ", ""]),
                                required=["person.name.family"])
    assert list(found) == ["1"]
    [rejection] = rejections
    assert (rejection.source, rejection.file, rejection.line, rejection.field, rejection.person) == \
        ("hr", "persons.csv", 3, "person.name.family", "2")
    assert str(rejection) == "persons.csv:3: field person.name.family: required value is empty"


def test_an_empty_person_id_is_rejected():
    dummy, [rejection] = collect(persons_file(["", "Jan", "Jansen", ""]))
    assert (rejection.line, rejection.field, rejection.person) == (2, "person.id", None)


def test_an_unparseable_date_is_rejected():
    dummy, rejections = collect(persons_file(["1", "Jan", "Jansen", ""]),
                                contracts_file(["1", "8-17-2005", "", "S"]), date_format="%d-%m-%Y")
    assert rejections[0].as_dict() == {"source": "hr", "file": "contracts.csv", "row": 2, "field": "contract.start",
                                       "problem": "not a date in the format %d-%m-%Y", "person": "1"}


def test_a_person_whose_contract_row_is_rejected_is_rejected_whole():
    found, rejections = collect(
        persons_file(["1", "Jan", "Jansen", ""], ["2", "Piet", "P", ""]),
        contracts_file(["1", "2020-01-01", "", "S"], ["1", "not a date", "", "S"], ["2", "2020-01-01", "", "S"]))
    assert list(found) == ["2"]
    assert [(r.file, r.line, r.field, r.person) for r in rejections] == [
        ("contracts.csv", 3, "contract.start", "1"),
        ("persons.csv", 2, None, "1"),
    ]
    assert "contract rows was rejected" in rejections[1].problem


def test_a_contract_row_with_an_unknown_key_is_rejected():
    found, rejections = collect(persons_file(["1", "Jan", "Jansen", ""]),
                                contracts_file(["1", "2020-01-01", "", "S"], ["99", "2020-01-01", "", "S"]))
    assert list(found) == ["1"]
    [rejection] = rejections
    assert (rejection.file, rejection.line, rejection.field) == ("contracts.csv", 3, "Code")
    assert "no person with this key in persons.csv" in rejection.problem


def test_a_contract_row_without_a_key_is_rejected():
    dummy, [rejection] = collect(persons_file(["1", "Jan", "Jansen", ""]), contracts_file([" ", "2020-01-01", "", "S"]))
    assert (rejection.file, rejection.line, rejection.field) == ("contracts.csv", 2, "Code")


def test_rows_the_reader_could_not_split_are_rejected_with_their_line():
    found, rejections = collect(persons_file(["1", "Jan", "Jansen", ""], "has 3 fields where the header has 4"))
    assert list(found) == ["1"]
    assert [(r.file, r.line, r.problem) for r in rejections] == \
        [("persons.csv", 3, "has 3 fields where the header has 4")]


def test_a_rejected_person_row_does_not_make_its_contracts_orphans():
    dummy, rejections = collect(persons_file(["1", "Jan", "", ""]), contracts_file(["1", "2020-01-01", "", "S"]),
                                required=["person.name.family"])
    assert [(r.file, r.field) for r in rejections] == [("persons.csv", "person.name.family")]


def _assert_no_content(rejections):
    assert rejections
    for rejection in rejections:
        assert isinstance(rejection, Rejection)
        assert CANARY not in str(rejection)
        assert CANARY not in repr(rejection.as_dict())


def test_rejections_never_contain_row_content():
    dummy, rejections = collect(
        persons_file(["1", CANARY, "", CANARY],          # empty required field
                     ["2", CANARY, "Pietersen", CANARY],  # its contract has a bad date
                     "has 2 fields where the header has 4"),
        contracts_file(["2", CANARY, "", CANARY],        # bad date
                       ["3", "2020-01-01", "", CANARY]),  # unknown key
        required=["person.name.family"])
    assert len(rejections) == 5
    _assert_no_content(rejections)


def test_a_failing_expression_does_not_leak_the_row_value_into_the_rejection():
    person = dict(PERSON_MAPPING, **{"custom.gender": "{'M': 'male', 'V': 'female'}[row.First].upper()"})
    found, rejections = collect(persons_file(["1", CANARY, "Jansen", ""]), person=person)
    assert found == {}
    _assert_no_content(rejections)


def test_lookups_resolve_code_lists_in_expressions():
    units = {"EN_ICT": {"ExternalId": "EN_ICT", "DisplayName": "ICT", "ManagerExternalId": "AmirA"}}
    contract = dict(CONTRACT_MAPPING, **{"department.name": "lookups.units[row.Dept].DisplayName",
                                         "department.manager": "lookups.units[row.Dept].ManagerExternalId"})
    mapping = MappingSet({"person": PERSON_MAPPING, "contract": contract}, lookups={"units": units})
    found, dummy = collect_persons("hr", mapping, persons_file(["1", "Jan", "Jansen", ""]),
                                   contracts_file(["1", "2020-01-01", "", "EN_ICT"], ["1", "2021-01-01", "", "NOPE"]),
                                   "Code", "Code")
    first, second = found["1"]["contracts"]
    assert first["department"] == {"code": "EN_ICT", "name": "ICT", "manager": "AmirA"}
    assert second["department"] == {"code": "NOPE", "name": None, "manager": None}


def test_allowed_values_reject_unknown_codes():
    mapping = MappingSet({"person": PERSON_MAPPING, "contract": CONTRACT_MAPPING,
                          "allowed": {"contract.department.code": ["SALES", "ICT"]}})
    found, rejections = collect_persons("hr", mapping, persons_file(["1", "Jan", "Jansen", ""], ["2", "P", "P", ""]),
                                        contracts_file(["1", "2020-01-01", "", "SALES"], ["2", "2020-01-01", "", "X"]),
                                        "Code", "Code")
    assert list(found) == ["1"]
    assert (rejections[0].field, rejections[0].problem) == ("contract.department.code",
                                                            "value is not one of the allowed codes")


def test_allowed_must_name_a_mapped_field():
    with pytest.raises(MappingError, match="allowed"):
        MappingSet({"person": PERSON_MAPPING, "allowed": {"contract.nope": ["A"]}})


def test_nested_contracts_of_json_records_are_mapped_with_their_origin():
    rows = SourceRows("api", None, [
        (1, {"code": "1", "last": "Jansen", "jobs": [{"from": "2020-01-01"}, {"from": "2021-01-01"}]}, None),
        (2, {"code": "2", "last": "Bad", "jobs": [{"from": "not a date"}]}, None),
        (3, {"code": "3", "last": "NoList", "jobs": "oops"}, None),
    ])
    mapping = MappingSet({"person": {"id": "row.code", "name.family": "row.last"},
                          "contract": {"start": "row['from']", "id": "parent.code ~ '/' ~ row['from']"}})
    found, rejections = collect_persons("api", mapping, rows, contracts_field="jobs")
    assert [c["id"] for c in found["1"]["contracts"]] == ["1/2020-01-01", "1/2021-01-01"]
    assert [(r.line, r.field) for r in rejections] == [("2.jobs[1]", "contract.start"), (2, None), (3, "jobs")]
