# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""JSON reader: records at a dotted path with their index, encodings, and documents that do not fit."""

from __future__ import annotations

import json

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.sources.json_file import find_records, lookup, read_json
from ansible_collections.jml.provisioning.plugins.module_utils.sources.rows import SourceError

PERSON = {"id": "1", "name": "Jan", "contracts": [{"start": "2024-01-01", "department": {"code": "IT"}}]}


@pytest.fixture
def write(tmp_path):
    def write(data, name="people.json"):
        path = tmp_path / name
        path.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode("utf-8"))
        return str(path)
    return write


def test_a_list_document_gives_records_with_their_1_based_index(write):
    rows = read_json(write([PERSON, {"id": "2"}]))
    assert rows.name == "people.json"
    assert rows.columns is None  # free-form records: no header check
    assert rows.rows == [(1, PERSON, None), (2, {"id": "2"}, None)]


def test_nested_lists_and_objects_are_kept_as_they_are(write):
    record = read_json(write([PERSON])).rows[0][1]
    assert record["contracts"][0]["department"] == {"code": "IT"}


def test_records_at_a_dotted_path(write):
    rows = read_json(write({"meta": {"count": 1}, "data": {"employees": [PERSON]}}), records="data.employees")
    assert rows.rows == [(1, PERSON, None)]


def test_a_numeric_path_part_indexes_a_list(write):
    rows = read_json(write({"results": [{"items": [PERSON]}]}), records="results.0.items")
    assert rows.rows == [(1, PERSON, None)]


def test_a_record_that_is_not_an_object_is_kept_as_a_problem_with_its_index(write):
    rows = read_json(write([PERSON, "oops", None, [1], {"id": "5"}]))
    assert rows.rows == [(1, PERSON, None), (2, None, "is not an object"), (3, None, "is not an object"),
                         (4, None, "is not an object"), (5, {"id": "5"}, None)]


def test_an_empty_list_has_no_rows(write):
    assert read_json(write([])).rows == []


def test_a_utf8_bom_is_stripped(write):
    rows = read_json(write(b'\xef\xbb\xbf[{"name": "Jos\xc3\xa9"}]'))
    assert rows.rows == [(1, {"name": "Jos\u00e9"}, None)]


def test_another_encoding(write):
    rows = read_json(write('[{"name": "Ren\u00e9"}]'.encode("cp1252")), encoding="cp1252")
    assert rows.rows == [(1, {"name": "Ren\u00e9"}, None)]


def test_a_wrong_encoding_names_the_file_and_the_line(write):
    with pytest.raises(SourceError) as info:
        read_json(write(b'[\n{"name": "Ren\xe9"}\n]'))
    message = str(info.value)
    assert message.startswith("people.json:2: cannot decode as utf-8 (byte 0xe9")
    assert "set the source's encoding" in message


def test_an_unknown_encoding_names_the_file(write):
    with pytest.raises(SourceError, match="people.json: unknown encoding 'utf-9'"):
        read_json(write([]), encoding="utf-9")


def test_a_missing_file_names_the_path(tmp_path):
    with pytest.raises(SourceError, match="nowhere.json: cannot read: No such file"):
        read_json(str(tmp_path / "nowhere.json"))


def test_malformed_json_gives_line_and_column(write):
    with pytest.raises(SourceError) as info:
        read_json(write(b'[\n  {"id": "1"},\n  {"id": "2",}\n]'))
    assert str(info.value) == "people.json:3:14: malformed JSON: Expecting property name enclosed in double quotes"


def test_an_empty_file_is_refused(write):
    with pytest.raises(SourceError, match="people.json: the file is empty"):
        read_json(write(b"\xef\xbb\xbf \n"))


def test_a_missing_key_on_the_path_names_it_and_where_it_was_looked_for(write):
    with pytest.raises(SourceError) as info:
        read_json(write({"data": {"people": []}}), records="data.employees")
    assert str(info.value) == "people.json: records path data.employees: no key 'employees' in data"


def test_a_missing_first_key_is_looked_for_in_the_document(write):
    with pytest.raises(SourceError) as info:
        read_json(write({"items": []}), records="data.employees")
    assert str(info.value) == "people.json: records path data.employees: no key 'data' in the document"


def test_a_path_through_a_value_that_is_not_an_object(write):
    with pytest.raises(SourceError) as info:
        read_json(write({"data": "none"}), records="data.employees")
    assert str(info.value) == "people.json: records path data.employees: data is a string, not an object"


def test_a_list_index_out_of_range(write):
    with pytest.raises(SourceError, match=r"records path results\.3: results is a list of 1, '3' is not an index in it"):
        read_json(write({"results": [[]]}), records="results.3")


def test_a_path_that_is_not_a_list(write):
    with pytest.raises(SourceError) as info:
        read_json(write({"data": {"employees": {"id": "1"}}}), records="data.employees")
    assert str(info.value) == "people.json: records path data.employees: is an object, not a list"


def test_an_object_document_without_a_path_names_the_keys_holding_lists(write):
    with pytest.raises(SourceError) as info:
        read_json(write({"meta": {}, "employees": [], "data": []}))
    assert str(info.value) == ("people.json: the document is an object, not a list of records; set records to the "
                               "path of the list of records (keys holding a list: data, employees)")


def test_a_scalar_document_is_refused(write):
    with pytest.raises(SourceError, match="people.json: the document is a number, not a list of records$"):
        read_json(write(b"42"))


def test_lookup_returns_the_default_for_any_missing_part():
    document = {"links": {"next": "/p/2"}, "items": [{"id": 1}]}
    assert lookup(document, "links.next") == "/p/2"
    assert lookup(document, "items.0.id") == 1
    assert lookup(document, "links.prev") is None
    assert lookup(document, "items.x") is None
    assert lookup([1, 2], "next", "none") == "none"
    assert lookup(document, None) is document


def test_find_records_names_the_root_as_told():
    with pytest.raises(ValueError, match="no key 'data' in the body"):
        find_records({}, "data", "the body")


def test_nan_and_infinity_are_read_as_empty(write):
    # Not JSON numbers (RFC 8259), but Python's json writes them and reads them back; a vault never holds them.
    rows = read_json(write(b'[{"id": "1", "fte": NaN, "hours": [Infinity, -Infinity, 1.5]}]'))
    assert rows.rows == [(1, {"id": "1", "fte": None, "hours": [None, None, 1.5]}, None)]
