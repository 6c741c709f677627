# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The vault document: build, parse, compare snapshots."""

from __future__ import annotations

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.collect import vault_doc


def person(pid, display="Jan Jansen", department="SALES"):
    return {"id": pid, "source": "hr", "name": {"given": "Jan", "display": display},
            "contracts": [{"id": "%s-1" % pid, "start": "2020-01-01", "end": None, "department": {"code": department}}]}


def document(persons, at="2026-11-26T02:00:00Z"):
    sources = [{"name": "hr", "type": "csv", "collected_at": at, "persons": len(persons), "rejected": 0}]
    return vault_doc.build(persons, sources, at)


def test_build_sorts_persons_by_id_so_equal_content_gives_equal_bytes():
    one = document({"2": person("2"), "1": person("1")})
    other = document({"1": person("1"), "2": person("2")})
    assert list(one["persons"]) == ["1", "2"]
    assert vault_doc.dumps(one) == vault_doc.dumps(other)


def test_dumps_and_loads_round_trip_unicode():
    doc = document({"1": person("1", display="José Müller")})
    text = vault_doc.dumps(doc)
    assert "José Müller" in text and text.endswith("\n")
    assert vault_doc.loads(text) == doc


@pytest.mark.parametrize("count", [0, 1, 2, 3, 7])
def test_dump_pieces_are_the_bytes_of_dumps(count):
    persons = dict(("p%d" % i, person("p%d" % i, display="José \udcff Müller %d" % i)) for i in range(count))
    doc = dict(document(persons), extra={"after": "persons"})
    pieces = list(vault_doc.dump_pieces(doc, per_piece=2))
    assert b"".join(pieces) == vault_doc.dumps(doc).encode("utf-8", "surrogateescape")
    assert len(pieces) >= 3 + (count + 1) // 2  # persons a batch at a time


@pytest.mark.parametrize("text, message", [
    ("{not json", "invalid JSON"),
    ('{"format": "other/v9", "persons": {}}', "has format 'other/v9'"),
    ("[]", "has format 'list'"),
    ('{"format": "jml.provisioning/vault/v1"}', "no 'persons'"),
])
def test_loads_refuses_what_is_not_a_v1_vault(text, message):
    with pytest.raises(vault_doc.VaultFormatError, match=message):
        vault_doc.loads(text, name="vault.json")


def test_same_content_ignores_collection_timestamps():
    old = document({"1": person("1")}, at="2026-11-25T02:00:00Z")
    new = document({"1": person("1")}, at="2026-11-26T02:00:00Z")
    assert vault_doc.same_content(old, new)


def test_same_content_sees_person_and_source_changes():
    old = document({"1": person("1")})
    assert not vault_doc.same_content(old, document({"1": person("1", department="HR")}))
    assert not vault_doc.same_content(old, dict(old, sources=[dict(old["sources"][0], rejected=1)]))
    assert not vault_doc.same_content(None, old)


def test_person_changes_lists_joined_left_and_changed_field_names():
    old = {"1": person("1"), "2": person("2"), "3": person("3")}
    new = {"1": person("1"), "2": person("2", display="Jan de Jansen", department="HR"), "4": person("4")}
    assert vault_doc.person_changes(old, new) == {
        "joined": ["4"],
        "left": ["3"],
        "changed": {"2": ["contracts", "name.display"]},
    }


def test_person_changes_against_nothing_is_all_joiners():
    assert vault_doc.person_changes(None, {"1": person("1")}) == {"joined": ["1"], "left": [], "changed": {}}


def test_person_changes_names_added_and_removed_fields():
    before = {"1": {"id": "1", "email": "a@x", "name": {"given": "Jan"}}}
    after = {"1": {"id": "1", "name": {"given": "Jan", "family": "Jansen"}, "custom": {"x": 1}}}
    assert vault_doc.person_changes(before, after)["changed"] == {"1": ["custom", "email", "name.family"]}


RICH = {"p1": {"id": "p1", "name": {"display": "Zoë O'Brien-Ångström \"Q\" \\ </script> \u2028\u2029\x7f"},
               "custom": {"n": 7, "big": 2 ** 63 - 1, "neg": -2 ** 63, "f": 0.25, "e": 1e16, "t": True, "z": None,
                          "list": [1, "two", [3.5, {"x": None}]], "ctl": "a\x00\x01\x1f\tb\nc"}},
        "p2": {"id": "p2", "name": {"display": "李小龍 😀"}, "contracts": []}}


@pytest.mark.parametrize("persons, orjson_writes", [
    (RICH, True),
    (dict(RICH, p3={"id": "p3", "custom": {"huge": 2 ** 70}}), False),   # over 64 bits: json writes that batch
    (dict(RICH, p3={"id": "p3", "custom": {1: "int key"}}), False),     # a key that is not text
    (dict(RICH, p3={"id": "p3", "name": {"display": "undecodable \udcff"}}), False),  # a lone surrogate
])
def test_orjson_writes_the_bytes_json_writes_and_json_takes_what_orjson_refuses(monkeypatch, persons, orjson_writes):
    orjson = pytest.importorskip("orjson")
    doc = document(persons)
    fast = b"".join(vault_doc.dump_pieces(doc, per_piece=1))
    monkeypatch.setattr(vault_doc, "orjson", None)
    plain = b"".join(vault_doc.dump_pieces(doc, per_piece=1))
    assert fast == plain == vault_doc.dumps(doc).encode("utf-8", "surrogateescape")
    batch = dict(list(doc["persons"].items())[-1:])
    try:
        orjson.dumps(batch)
        refused = False
    except TypeError:
        refused = True
    assert refused is not orjson_writes


def test_a_float_orjson_spells_otherwise_reads_back_the_same():
    pytest.importorskip("orjson")
    doc = document({"p1": {"id": "p1", "custom": {"small": 1.5e-7, "tiny": 5e-324}}})
    text = b"".join(vault_doc.dump_pieces(doc)).decode("utf-8")
    assert "1.5e-7" in text  # json would write 1.5e-07
    assert vault_doc.loads(text) == doc


def test_share_strings_makes_equal_texts_one_object_and_changes_nothing_else():
    text = vault_doc.dumps(vault_doc.build({
        "1": {"id": "1", "name": {"given": "Jan", "family": "Jansen"}, "manager": "3", "custom": {"n": 7, "on": True},
              "contracts": [{"id": "1-1", "start": "2024-01-01", "department": {"code": "SALES"}, "tags": ["a", "a"]},
                            {"id": "1-2", "start": "2024-01-01", "end": None, "department": {"code": "SALES"}}]},
        "2": {"id": "2", "name": {"given": "Jan", "family": "de Vries"}, "manager": "3",
              "contracts": [{"id": "2-1", "start": "2024-01-01", "department": {"code": "SALES"}}]},
    }, [], "2026-12-08T00:00:00Z"))
    document, expected = vault_doc.loads(text), vault_doc.loads(text)
    one, two = document["persons"]["1"], document["persons"]["2"]
    assert one["name"]["given"] is not two["name"]["given"]  # json makes a string per value

    vault_doc.share_strings(document["persons"].values())

    assert document == expected and vault_doc.dumps(document) == text  # same content, same order
    assert one["name"]["given"] is two["name"]["given"]
    assert one["manager"] is two["manager"]
    assert one["contracts"][0]["start"] is one["contracts"][1]["start"] is two["contracts"][0]["start"]
    assert one["contracts"][1]["department"]["code"] is two["contracts"][0]["department"]["code"]
    assert one["contracts"][0]["tags"] == ["a", "a"]  # lists of texts are left as they are
