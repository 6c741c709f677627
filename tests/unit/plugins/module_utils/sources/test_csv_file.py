# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""CSV reader: header, rows with the line they start on, encodings, and rows that do not fit."""

from __future__ import annotations

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.sources.csv_file import read_csv
from ansible_collections.jml.provisioning.plugins.module_utils.sources.rows import SourceError


@pytest.fixture
def write(tmp_path):
    def write(data, name="people.csv"):
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)
    return write


def test_rows_are_dicts_with_the_line_they_start_on(write):
    rows = read_csv(write(b"Id,Name\n1,Jan\n2,Piet\n"))
    assert rows.name == "people.csv"
    assert rows.columns == ["Id", "Name"]
    assert rows.rows == [(2, {"Id": "1", "Name": "Jan"}, None), (3, {"Id": "2", "Name": "Piet"}, None)]


def test_utf8_bom_declared_as_utf8_is_stripped_from_the_first_header(write):
    rows = read_csv(write(b"\xef\xbb\xbfId;Name\r\n1;Jos\xc3\xa9\r\n"), delimiter=";", encoding="utf-8")
    assert rows.columns == ["Id", "Name"]
    assert rows.rows == [(2, {"Id": "1", "Name": "José"}, None)]


def test_utf8_sig_reads_a_bom_file(write):
    rows = read_csv(write(b"\xef\xbb\xbfId;Name\n1;Jos\xc3\xa9\n"), delimiter=";", encoding="utf-8-sig")
    assert rows.columns == ["Id", "Name"]
    assert rows.rows[0][1] == {"Id": "1", "Name": "José"}


def test_cp1252_export(write):
    rows = read_csv(write(b"Id,Name\n1,Ren\xe9\n"), encoding="cp1252")
    assert rows.rows == [(2, {"Id": "1", "Name": "René"}, None)]


def test_a_wrong_encoding_names_the_file_and_the_line(write):
    path = write(b"Id,Name\n1,Jan\n2,Ren\xe9\n")
    with pytest.raises(SourceError) as info:
        read_csv(path, encoding="utf-8")
    message = str(info.value)
    assert message.startswith("people.csv:3:")
    assert "utf-8" in message and "encoding" in message


def test_an_unknown_encoding_names_the_file(write):
    with pytest.raises(SourceError, match="people.csv.*unknown encoding 'utf-9'"):
        read_csv(write(b"Id\n1\n"), encoding="utf-9")


def test_a_missing_file_names_the_path(tmp_path):
    path = str(tmp_path / "nowhere.csv")
    with pytest.raises(SourceError, match="nowhere.csv: cannot read"):
        read_csv(path)


def test_a_duplicate_header_is_refused(write):
    with pytest.raises(SourceError, match=r"people.csv:1: column 'Id' appears twice"):
        read_csv(write(b"Id,Name, Id\n1,Jan,1\n"))


def test_header_names_are_stripped(write):
    assert read_csv(write(b" Id , Name\n1,Jan\n")).columns == ["Id", "Name"]


def test_a_row_with_the_wrong_number_of_fields_is_kept_as_a_problem_with_its_line(write):
    rows = read_csv(write(b"Id,Name\n1,Jan\n2,Piet,extra\n3\n4,Klaas\n"))
    assert rows.rows == [
        (2, {"Id": "1", "Name": "Jan"}, None),
        (3, None, "has 3 fields where the header has 2"),
        (4, None, "has 1 fields where the header has 2"),
        (5, {"Id": "4", "Name": "Klaas"}, None),
    ]


def test_a_quoted_multi_line_field_keeps_the_line_numbers_right(write):
    rows = read_csv(write(b'Id,Note\n1,"line one\nline two"\n2,plain\n3,"a\n\nb"\n4,last\n'))
    assert [(line, row["Id"]) for line, row, dummy in rows.rows] == [(2, "1"), (4, "2"), (5, "3"), (8, "4")]
    assert rows.rows[0][1]["Note"] == "line one\nline two"


def test_blank_lines_are_skipped_but_counted(write):
    rows = read_csv(write(b"Id\n1\n\n   \n2\n"))
    assert [(line, row) for line, row, dummy in rows.rows] == [(2, {"Id": "1"}), (5, {"Id": "2"})]


def test_a_header_only_file_has_no_rows(write):
    rows = read_csv(write(b"Id,Name\n"))
    assert rows.columns == ["Id", "Name"] and rows.rows == []


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf"])
def test_an_empty_file_is_an_error(write, data):
    with pytest.raises(SourceError, match="people.csv: the file is empty"):
        read_csv(write(data))


def test_an_unclosed_quote_names_the_file(write):
    with pytest.raises(SourceError, match=r"^people.csv:\d+:"):
        read_csv(write(b'Id,Name\n1,"Jan\n'))
