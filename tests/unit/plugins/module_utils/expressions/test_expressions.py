# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Expressions: one sandboxed Jinja2 environment, a dotted-path fast path, the collection's filters."""

from __future__ import annotations

import random
import unicodedata

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.expressions.expression import (
    _TRANSLITERATE_TABLE, ExpressionError, compile_expression, compile_mapping, family_name, initials, is_true, make_scope,
    slug, to_ascii,
)

PERSON = {"id": "10023", "name": {"given": "José", "family": "Müller"}, "contracts": []}


def evaluate(source, **scope):
    return compile_expression(source, "test")(**scope)


# The fast path and the Jinja path ------------------------------------------------------------

def test_a_plain_dotted_path_skips_jinja_and_anything_else_compiles():
    assert compile_expression("person.name.given", "l")._path == ["person", "name", "given"]
    assert compile_expression("(person.name.given)", "l")._path is None


@pytest.mark.parametrize("path", [
    "person",
    "person.id",
    "person.name.given",
    "person.name.missing",
    "person.missing.deeper",
    "person.name.given.deeper",   # walking into a string
    "nobody.at.all",
])
def test_dotted_path_fast_path_and_jinja_path_give_the_same_result(path):
    fast = compile_expression(path, "fast")(person=PERSON)
    jinja = compile_expression("(%s)" % path, "jinja")(person=PERSON)
    assert fast == jinja


def test_fast_path_and_jinja_agree_on_a_column_named_like_a_dict_method():
    row = {"keys": "K"}
    assert compile_expression("row.keys", "fast")(row=row) == compile_expression("(row.keys)", "jinja")(row=row)


def test_undefined_values_come_back_as_none():
    assert evaluate("row.Missing ~ ''", row={}) == ""
    assert evaluate("row['No such column']", row={}) is None


def test_names_in_scope_are_keywords():
    assert evaluate("person.name.given ~ ' ' ~ person.name.family", person=PERSON) == "José Müller"
    assert evaluate("n if n > 1 else ''", n=1) == ""
    assert evaluate("n if n > 1 else ''", n=3) == 3


# Filters ---------------------------------------------------------------------------------------

def test_ascii_transliterates_letters_nfkd_does_not_decompose():
    assert to_ascii("Łukasz Øster-Straße") == "Lukasz Oster-Strasse"
    assert to_ascii("José Müller Ærø") == "Jose Muller AEro"
    assert to_ascii(None) is None


def test_ascii_of_every_character_is_the_transliterate_decompose_and_drop_marks_algorithm():
    # to_ascii's short paths (ASCII as is; marks dropped with the rest of what is not ASCII)
    # against the algorithm spelled out, on every code point of the BMP and on mixed strings
    def spelled_out(text):
        decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE_TABLE))
        return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).encode("ascii", "ignore").decode("ascii")
    characters = [chr(cp) for cp in range(0x10000) if not 0xD800 <= cp < 0xE000]
    assert [to_ascii(ch) for ch in characters] == [spelled_out(ch) for ch in characters]
    rng = random.Random(7)
    pool = characters[:0x250] + list("ŁØßẞÆŒĐÐÞĦıĿŦĸ\u2018\u2019\u201a\u201c\u201d–—李ﬁ①Ǆ\u0301\u0308\u00a0")
    for dummy in range(5000):
        text = "".join(rng.choice(pool) for dummy in range(rng.randrange(0, 12)))
        assert to_ascii(text) == spelled_out(text), repr(text)
    assert to_ascii(12) == "12" and to_ascii("Jansen") == "Jansen"


def test_slug_is_lower_case_ascii_words():
    assert slug("Jan de Vries") == "jan-de-vries"
    assert slug("  Łukasz  Øster-Straße ") == "lukasz-oster-strasse"
    assert slug("Jan de Vries", ".") == "jan.de.vries"
    assert slug(None) is None


def test_initials_are_the_first_letters_of_the_words():
    assert initials("Jan Pieter") == "JP"
    assert initials("Anne-Marie van Dijk") == "AMvD"
    assert initials("Jan Pieter", ".") == "J.P"
    assert initials(None) is None


def test_filters_work_inside_expressions():
    assert evaluate("person.name.family | ascii", person=PERSON) == "Muller"
    assert evaluate("'Jan de Vries' | slug('.')", person=PERSON) == "jan.de.vries"
    assert evaluate("'Jan Pieter' | initials", person=PERSON) == "JP"
    name = {"family": "Vries", "family_prefix": "de", "partner": "Berg", "convention": "BP"}
    assert evaluate("person.name | family_name", person={"name": name}) == "de Vries - Berg"


NAME = {"family": "Vries", "family_prefix": "de", "partner": "Berg", "partner_prefix": "van der"}


@pytest.mark.parametrize("convention, expected", [
    ("B", "de Vries"),
    ("P", "van der Berg"),
    ("BP", "de Vries - van der Berg"),
    ("PB", "van der Berg - de Vries"),
    ("bp", "de Vries - van der Berg"),
    # HelloID codes the convention as a number: 0=B, 1=P, 2=PB, 3=BP
    ("0", "de Vries"),
    ("1", "van der Berg"),
    ("2", "van der Berg - de Vries"),
    ("3", "de Vries - van der Berg"),
    (3, "de Vries - van der Berg"),
])
def test_family_name_follows_the_naming_convention(convention, expected):
    assert family_name(NAME, convention) == expected
    assert family_name(dict(NAME, convention=convention)) == expected


@pytest.mark.parametrize("convention", ["B", "P", "BP", "PB", "0", "1", "2", "3"])
def test_family_name_falls_back_to_the_birth_name_without_a_partner(convention):
    name = {"family": "Vries", "family_prefix": "van", "partner": "", "partner_prefix": None}
    assert family_name(name, convention) == "van Vries"


def test_family_name_defaults_to_the_birth_name_and_ignores_blank_prefixes():
    assert family_name({"family": "Jansen", "family_prefix": "  ", "partner": "Berg"}) == "Jansen"
    assert family_name({"family": "Jansen", "partner": "Berg", "convention": "unknown"}) == "Jansen"
    assert family_name({}) is None
    assert family_name("not a dict") == "not a dict"


# The sandbox ----------------------------------------------------------------------------------

@pytest.mark.parametrize("source", ["row.__class__.__mro__", "(row.__class__.__mro__)", "row.items.__globals__",
                                    "(row.__class__.__mro__ | string)"])
def test_sandbox_attribute_escapes_yield_nothing(source):
    assert evaluate(source, row={"A": "x"}) in (None, "")


@pytest.mark.parametrize("source", ["row.__class__.__mro__[1].__subclasses__()",
                                    "''.__class__.__mro__[1].__subclasses__()",
                                    "row.update({'A': 'changed'})"])
def test_sandbox_refuses_unsafe_calls(source):
    row = {"A": "x"}
    with pytest.raises(ExpressionError, match="unsafe"):
        evaluate(source, row=row)
    assert row == {"A": "x"}


# Errors ---------------------------------------------------------------------------------------

def test_a_syntax_error_names_the_label_and_the_expression():
    with pytest.raises(ExpressionError) as info:
        compile_expression("row.A ~", "mapping person.id")
    assert "mapping person.id" in str(info.value)
    assert "row.A ~" in str(info.value)


def test_an_evaluation_error_names_the_label():
    expression = compile_expression("row.A + 1", "mapping person.custom.x")
    with pytest.raises(ExpressionError, match="mapping person.custom.x"):
        expression(row={"A": "x"})


@pytest.mark.parametrize("source", [None, "", "   ", 42])
def test_empty_or_non_string_expressions_are_refused(source):
    with pytest.raises(ExpressionError, match="attributes.cn"):
        compile_expression(source, "attributes.cn")


def test_an_unknown_filter_fails_at_compile_time():
    with pytest.raises(ExpressionError, match="regex_replace"):
        compile_expression("row.A | regex_replace('x')", "l")


def test_compile_mapping_keeps_order_and_labels_fields():
    mapping = compile_mapping({"b": "row.B", "a": "row.A"}, "source x mapping.person")
    assert list(mapping) == ["b", "a"]
    assert mapping["a"].label == "source x mapping.person.a"
    with pytest.raises(ExpressionError, match="source x mapping.person.bad"):
        compile_mapping({"bad": "row.("}, "source x mapping.person")
    with pytest.raises(ExpressionError, match="dictionary"):
        compile_mapping(["row.A"], "m")


# referenced_items -----------------------------------------------------------------------------

def test_referenced_items_finds_attribute_and_item_access():
    expression = compile_expression("row.A ~ row['B c'] ~ other.X ~ (row.D | upper)", "l")
    assert expression.referenced_items("row") == {"A", "B c", "D"}
    assert expression.referenced_items("other") == {"X"}


def test_referenced_items_of_the_fast_path():
    assert compile_expression("row.A", "l").referenced_items("row") == {"A"}
    assert compile_expression("row", "l").referenced_items("row") == set()
    assert compile_expression("person.id", "l").referenced_items("row") == set()


@pytest.mark.parametrize("value, truth", [
    ("false", True), ("0", True), ("no", True), (" ", True), ([0], True), ({"a": None}, True), (0.1, True),
    ("", False), (None, False), (0, False), (0.0, False), (False, False), ([], False), ((), False), ({}, False),
])
def test_one_truth_for_every_condition_jinja_s(value, truth):
    assert is_true(value) is truth
    assert compile_expression("v.flag", "path").test(make_scope(v={"flag": value})) is truth
    assert compile_expression("v.flag and true", "fast").test(make_scope(v={"flag": value})) is truth
    assert compile_expression("v.flag | list", "jinja").test(make_scope(v={"flag": [value]})) is True


def test_an_undefined_condition_is_false_and_a_failing_one_an_error():
    assert compile_expression("v.missing.deeper", "t").test(make_scope(v={})) is False
    assert compile_expression("'x' in v.missing", "t").test(make_scope(v={})) is False
    with pytest.raises(ExpressionError):
        compile_expression("'x' in v.none", "t").test(make_scope(v={"none": None}))  # as in Jinja2


def test_a_path_through_a_value_finds_what_jinja_finds():
    assert compile_expression("v.n.real", "t")(v={"n": 3}) == 3
    assert compile_expression("v.s.upper", "t")(v={"s": "a"})() == "A"
    assert compile_expression("v.d.keys", "t")(v={"d": {"keys": "k"}}) == "k"  # a key wins over a method
    assert compile_expression("range", "t")() is make_scope()["range"]  # a path may start at a global


def test_referenced_items_does_not_take_a_method_for_a_column():
    expression = compile_expression("row.get('Middle Name', '')", "l")
    assert expression(row={"Middle Name": "x"}) == "x"
    assert "get" not in expression.referenced_items("row")


@pytest.mark.parametrize("source, expected", [("true", True), ("True", True), ("false", False), ("none", None)])
def test_literals_are_values_not_names(source, expected):
    assert compile_expression(source, "t")(true="a name", none="a name") is expected


def test_an_unknown_filter_or_test_is_a_configuration_error_at_once():
    for source in ("person.name | no_such_filter", "person.name is no_such_test", "(x | first) | nope"):
        with pytest.raises(ExpressionError, match="invalid expression"):
            compile_expression(source, "mapping.person.x")


def test_a_closures_fallback_compiles_jinja2_when_first_needed():
    expression = compile_expression("v.a[1:]", "x")  # a slice of a number: the closure falls back
    assert expression.closure is not None
    with pytest.raises(ExpressionError):
        expression(v={"a": 12})
    assert expression(v={"a": "abc"}) == "bc"
