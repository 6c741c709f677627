# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The closure fast path gives exactly what Jinja2 gives, and the rule index exactly what
evaluating every rule gives."""

from __future__ import annotations

import datetime
import itertools

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.expressions.expression import (
    ExpressionError, compile_expression, make_scope,
)
from ansible_collections.jml.provisioning.plugins.module_utils.provision import rules as ruleslib

EXPRESSIONS = [
    "contract.department.code == 'SALES'",
    "contract.department.code != 'SALES'",
    "contract.department.code in ['SALES', 'ICT']",
    "contract.department.code not in ('SALES', 'ICT')",
    "'ICT' in contract.department.code",
    "contract.missing.field == 'x'",
    "contract.missing.field != 'x'",
    "contract.missing in ['x']",
    "'x' in contract.missing",
    "person.custom.blocked",
    "not person.custom.blocked",
    "person.custom.blocked and contract.department.code == 'SALES'",
    "person.custom.blocked or contract.department.code == 'SALES'",
    "person['name']['given'] == 'Jan'",
    "contract.department.code.startswith('SA')",
    "contract.department.code.lower() == 'sales'",
    "true", "false", "none", "42", "[1, 2]",
    "contract.title.code == none",
    "contract == none",
    "person.name.given ~ '.' ~ contract.department.code",
    "person.name.given ~ contract.missing ~ 1 ~ none ~ true",
    "'ou=div' ~ contract.department.code[1:4] ~ ',dc=x'",
    "contract.department.code[:2]", "contract.department.code[::-1]", "contract.missing[1:3]",
    "person.name | family_name", "person.name.given | ascii | lower", "contract.missing | ascii",
    "person.name.given | upper", "contract.title.code | lower", "person.name.given | initials",
    "(person.name.given | slug) ~ (n if n > 1 else '')", "n if n >= 2 else 'one'", "'x' if contract.missing",
    "n < 2", "n > 'a'", "person.name.given > 'K'",
]
SCOPES = [
    {"person": {"name": {"given": "Jan", "family": "Jansen", "partner": "Berg", "convention": "3"},
                "custom": {"blocked": True}},
     "contract": {"department": {"code": "SALES"}, "title": {"code": None}}, "n": 1},
    {"person": {"name": {"given": "Łukasz Piet", "family": "Øster"}, "custom": {"blocked": False}},
     "contract": {"department": {"code": "ICT-OPS"}, "title": {"code": "AM"}}, "n": 3},
    {"person": {"name": {}, "custom": {}}, "contract": None},
    {"person": {"name": {"given": 7}, "custom": {}}, "contract": {"department": {"code": 12}}, "n": "2"},
]


def _jinja(expression, scope):
    slow = compile_expression(expression, "slow")
    slow._fast = None  # force the template path
    try:
        return slow.evaluate(make_scope(**scope))
    except ExpressionError:
        return "error"


def _fast(expression, scope):
    try:
        return compile_expression(expression, "fast").evaluate(make_scope(**scope))
    except ExpressionError:
        return "error"


@pytest.mark.parametrize("expression, scope", list(itertools.product(EXPRESSIONS, range(len(SCOPES)))))
def test_the_fast_path_agrees_with_jinja(expression, scope):
    assert _fast(expression, SCOPES[scope]) == _jinja(expression, SCOPES[scope])


def test_shapes_outside_the_fast_path_still_work_through_jinja():
    expression = compile_expression("contract.department.code | lower ~ '-' ~ (1 + 2)", "x")
    assert expression._fast is None
    assert expression(contract={"department": {"code": "SALES"}}) == "sales-3"


def test_the_rule_index_matches_evaluating_every_rule():
    specs = [
        {"name": "a", "when": "contract.department.code == 'SALES'", "groups": ["a"]},
        {"name": "b", "when": "contract.department.code in ['ICT', 'SALES']", "groups": ["b"]},
        {"name": "c", "when": "contract.department.code == 'ICT' and person.custom.blocked", "groups": ["c"]},
        {"name": "d", "when": "person.custom.blocked or contract.title.code == 'AM'", "groups": ["d"]},
        {"name": "e", "when": "contract.department.code.startswith('IC')", "groups": ["e"]},
        {"name": "f", "when": "contract.department.code == 'ICT'", "any_contract": True, "groups": ["f"]},
        {"name": "g", "when": "true", "groups": ["g"]},
    ]
    indexed = ruleslib.compile_rules(specs, "ou=groups,dc=x")
    assert [r.guard is not None for r in indexed] == [True, True, True, False, False, True, False]
    today = datetime.date(2026, 1, 1)
    for department, blocked, title in itertools.product(["SALES", "ICT", "HR"], [True, False], ["AM", None]):
        contract = {"start": "2020-01-01", "end": None, "department": {"code": department}, "title": {"code": title}}
        scope = make_scope(person={"custom": {"blocked": blocked}}, contract=contract, contracts=[contract])
        fast_result = ruleslib.entitlements(indexed, scope, today).rules
        naive = [spec["name"] for spec in specs
                 if (any(_jinja(spec["when"], {"person": {"custom": {"blocked": blocked}}, "contract": c})
                         for c in [contract]) if spec.get("any_contract")
                     else _jinja(spec["when"], {"person": {"custom": {"blocked": blocked}}, "contract": contract}))
                 and _jinja(spec["when"], {"person": {"custom": {"blocked": blocked}}, "contract": contract}) != "error"]
        assert fast_result == naive, (department, blocked, title)


def test_any_contract_rules_are_indexed_per_active_contract():
    specs = [
        {"name": "ict", "when": "contract.department.code == 'ICT'", "any_contract": True, "groups": ["ict"]},
        {"name": "ict-am", "when": "contract.department.code == 'ICT' and contract.title.code == 'AM'",
         "any_contract": True, "groups": ["ict-am"]},
        {"name": "anyone", "when": "contract.title.code != 'X'", "any_contract": True, "groups": ["anyone"]},
        {"name": "primary-ict", "when": "contract.department.code == 'ICT'", "groups": ["p"]},
    ]
    indexed = ruleslib.compile_rules(specs, "ou=groups,dc=x")
    today = datetime.date(2026, 1, 1)

    def contract(code, title, end=None):
        return {"start": "2020-01-01", "end": end, "department": {"code": code}, "title": {"code": title}}

    for contracts, expected in [
        ([contract("HR", "AM"), contract("ICT", "AM")], ["ict", "ict-am", "anyone"]),
        ([contract("HR", "AM"), contract("ICT", "DEV")], ["ict", "anyone"]),
        ([contract("ICT", "AM", end="2025-01-01"), contract("HR", "AM")], ["anyone", "primary-ict"]),  # ICT ended
        ([contract("ICT", "X")], ["ict", "primary-ict"]),
        ([contract("HR", "AM", end="2025-01-01")], []),  # no active contract, primary still HR
    ]:
        scope = make_scope(person={}, contract=contracts[0], contracts=contracts)
        assert ruleslib.entitlements(indexed, scope, today).rules == expected, contracts
