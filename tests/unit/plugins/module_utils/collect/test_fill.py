# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The generated record filler does what the field-by-field loop it replaced did, on every kind of field."""

from __future__ import annotations

import math
import random

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.collect import mapping as mapping_mod
from ansible_collections.jml.provisioning.plugins.module_utils.collect.fill import compile_fill
from ansible_collections.jml.provisioning.plugins.module_utils.collect.mapping import MappingSet
from ansible_collections.jml.provisioning.plugins.module_utils.expressions.expression import (
    ExpressionError, compile_expression, make_scope,
)

SPEC = {
    "date_format": "%d-%m-%Y",
    "required": ["person.name.family", "contract.start"],
    "allowed": {"contract.type": ["F", "P"]},
    "person": {
        "id": "row.Code",
        "name.given": "row.First",
        "name.family": "row.Last",
        "email": "row.Mail | lower",
        "name.display": "row.First ~ ' ' ~ row.Last",
        "custom.level": "row['Level']",
        "custom.deep.er": "row.Deep",
        "manager": "(contracts | map(attribute='Boss') | select | first) or none",
    },
    "contract": {
        "start": "row.Start",
        "end": "row.End",
        "type": "row.Type",
        "department.code": "row.Dept",
        "department.name": "row.DeptName or 'unknown'",
    },
}


def reference_map(mapping, part, scope):
    """The loop ``MappingSet._map`` ran before the filler was generated, step for step."""
    fields, required, allowed = mapping._plan(part)  # pylint: disable=protected-access
    out, row = {}, scope.get("row")
    plain = type(row) is dict  # pylint: disable=unidiomatic-typecheck
    for label, keys, expr, is_date, column in fields:
        value = row.get(column, mapping_mod._ABSENT) if plain and column is not None else mapping_mod._ABSENT  # pylint: disable=protected-access
        if value is mapping_mod._ABSENT:  # pylint: disable=protected-access
            try:
                value = expr.evaluate(scope)
            except ExpressionError as exc:
                raise mapping_mod._RowProblem(label, "mapping expression failed on this row (%s)" % (exc.kind or "error"))  # pylint: disable=protected-access
        if isinstance(value, str):
            value = value.strip() or None
            if value is not None and mapping_mod._CONTROL.search(value):  # pylint: disable=protected-access
                raise mapping_mod._RowProblem(label, "contains a control character (U+%04X)"  # pylint: disable=protected-access
                                              % ord(mapping_mod._CONTROL.search(value).group()))  # pylint: disable=protected-access
        elif isinstance(value, float) and not math.isfinite(value):  # the second fix: no NaN in a vault
            value = None
        if value is not None and is_date:  # the one fix: a list or a dict there was a TypeError
            value = (mapping._dates.get(value) if isinstance(value, str) else None) or mapping._date(value, label)  # pylint: disable=protected-access
        if len(keys) == 1:
            out[keys[0]] = value
        elif len(keys) == 2:
            out.setdefault(keys[0], {})[keys[1]] = value
        else:
            mapping_mod._put_keys(out, keys, value)  # pylint: disable=protected-access
    for name, keys in required:
        if mapping_mod._get_keys(out, keys) is None:  # pylint: disable=protected-access
            raise mapping_mod._RowProblem(name, "required value is empty")  # pylint: disable=protected-access
    for name, keys, values in allowed:
        value = mapping_mod._get_keys(out, keys)  # pylint: disable=protected-access
        if value is not None and str(value) not in values:
            raise mapping_mod._RowProblem(name, "value is not one of the allowed codes")  # pylint: disable=protected-access
    return out


def outcome(call):
    try:
        result = call()
    except mapping_mod._RowProblem as exc:  # pylint: disable=protected-access
        return ("rejected", exc.field, exc.problem)
    return ("mapped", list(result.items()), repr(result))  # key order too: the vault's bytes follow it


CELLS = ["", "  ", "Jan", " Anna ", "ÉLODIE", "x\x00y", "a\u202eb", "01-02-2024", "31-02-2024", "2024-01-01",
         "F", "P", "Q", None, 7, 3.5, float("nan"), float("-inf"), True, ["a"], {"k": "v"}]
COLUMNS = ["Code", "First", "Last", "Mail", "Level", "Deep", "Boss", "Start", "End", "Type", "Dept", "DeptName"]


def random_row(rng):
    row = {}
    for column in COLUMNS:
        if rng.random() < 0.9:  # sometimes the column is missing: the expression decides
            row[column] = rng.choice(CELLS)
    return row


@pytest.mark.parametrize("seed", range(4))
def test_the_filler_equals_the_loop_on_random_rows(seed):
    rng = random.Random(seed)
    generated, reference = MappingSet(SPEC), MappingSet(SPEC)
    for dummy in range(500):
        row = random_row(rng)
        person_scope = make_scope(row=row, contracts=[random_row(rng)], lookups={})
        contract_scope = make_scope(row=row, parent={}, lookups={})
        for part, scope in (("person", person_scope), ("contract", contract_scope)):
            assert outcome(lambda: generated._map(part, scope)) == \
                outcome(lambda: reference_map(reference, part, scope))  # pylint: disable=protected-access


def test_a_row_that_is_not_a_dict_is_read_by_the_expressions():
    class Row(dict):
        """A dict subclass: never read straight, as before."""
    mapping = MappingSet({"person": {"id": "row.Code", "name.family": "row.Last"}})
    scope = make_scope(row=Row(Code=" 42 ", Last="Smit"), contracts=[], lookups={})
    assert mapping._map("person", scope) == {"id": "42", "name": {"family": "Smit"}}  # pylint: disable=protected-access


def test_a_one_key_field_next_to_sub_fields_of_the_same_name_stores_as_the_loop_did():
    fields = [("contract.department.code", ("department", "code"), compile_expression("row.A", "a"), False, "A"),
              ("contract.department", ("department",), compile_expression("row.B", "b"), False, "B"),
              ("contract.department.name", ("department", "name"), compile_expression("row.C", "c"), False, "C"),
              ("contract.x.y.z", ("x", "y", "z"), compile_expression("row.D", "d"), False, "D")]
    names = dict(RowProblem=mapping_mod._RowProblem, ExpressionError=ExpressionError,  # pylint: disable=protected-access
                 ABSENT=mapping_mod._ABSENT, control=mapping_mod._CONTROL.search,  # pylint: disable=protected-access
                 control_problem=mapping_mod._control_problem, dates={}, date=None,  # pylint: disable=protected-access
                 get_keys=mapping_mod._get_keys, put_keys=mapping_mod._put_keys)  # pylint: disable=protected-access
    fill = compile_fill(fields, [], [], names)
    row = {"A": "a", "B": {"kept": 1}, "C": "c", "D": "d"}
    assert fill(make_scope(row=row), row, True) == {"department": {"kept": 1, "name": "c"}, "x": {"y": {"z": "d"}}}


def test_names_are_constants_of_the_code_never_code():
    tricky = "x'); import os; os_system('false'); ('"
    mapping = MappingSet({"person": {"id": "row['%s']" % tricky.replace("'", "\\'"), "custom." + tricky: "row.B"}})
    scope = make_scope(row={tricky: "1", "B": "b"}, contracts=[], lookups={})
    assert mapping._map("person", scope) == {"id": "1", "custom": {tricky: "b"}}  # pylint: disable=protected-access


@pytest.mark.parametrize("value", [["01-02-2024"], {"date": "01-02-2024"}])
def test_a_list_or_a_dict_in_a_date_field_rejects_the_row_naming_the_field(value):
    mapping = MappingSet(SPEC)
    assert outcome(lambda: mapping.map_contract({"Start": value, "Type": "F"})) == \
        ("rejected", "contract.start", "not a date in the format %d-%m-%Y")
