# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Generated: every expression shape the fast paths take, over every kind of operand, gives what
plain Jinja2 gives - the same value (type included), the same truth as ``{% if %}``, or an error
in both. The reference never touches ``Expression``: it is the same sandboxed environment (same
filters, same undefined) compiling the source itself."""

from __future__ import annotations

import datetime
import functools
import itertools

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.provision import rules as ruleslib
from ansible_collections.jml.provisioning.plugins.module_utils.expressions.expression import (
    ExpressionError, compile_expression, is_true, jinja_environment, make_scope,
)

# Operands: bound as v.a and v.b; MISSING leaves the key out (Jinja2's undefined).
MISSING = object()
VALUES = [
    MISSING, None, "", "false", "False", "x", "0", "12", "Jan de Vries", 0, 1, 2.5, True, False,
    [], ["x", 1], ("x",), {}, {"x": "y", "keys": "k"}, {"name": {"given": "Jan"}},
]
# Constants as Jinja2 source, including tuple and list literals.
CONSTANTS = ["'x'", "''", "'false'", "0", "1", "2.5", "true", "false", "none", "['x', 1]", "('x', 1)", "('x',)", "[]",
             "()"]
OPERATORS = ["==", "!=", "<", ">", "<=", ">=", "in", "not in"]

# Shapes over one operand A.
UNARY = [
    "A", "(A)", "v['a']", "not A", "not not A", "A ~ ''", "A ~ 'x' ~ 1 ~ none ~ true", "'[' ~ A ~ ']'",
    "A[1:]", "A[:2]", "A[::-1]", "A[1:3:1]", "A[true:]", "A[::0]",
    "A | lower", "A | upper", "A | trim", "A | ascii", "A | slug", "A | slug('_')", "A | initials",
    "A | initials('.')", "A | family_name", "A | family_name('P')", "A | filetime", "A | shadow_expire",
    "A | ascii | lower", "A | lower('x')",
    "A.startswith('x')", "A.endswith(('x', 'e'))", "A.startswith(['x'])", "A.startswith(1)", "A.lower()",
    "A.upper()", "A.strip()", "A.lower('x')", "A.lower().startswith('j')",
    "A.x", "A.x.y", "A['x']", "A.keys", "A.items", "A.get", "A.pop", "A.count", "A.real", "A.upper",
    "A.name.given", "A['name']['given']", "A.__class__",
    "A if A else 'no'", "A if A", "'yes' if not A else A",
    "A == A", "A in [A]", "A ~ A",
    "nobody", "nobody.x", "nobody['x'].y", "A in nobody", "nobody ~ A", "range", "n.real", "n > A",
    "'Jan'.lower() == A", "'Jan de Vries' | slug == A", "A ~ 'x' == 'xx'", "(A if A else 'x') in ['x', 1]",
    "A[1:] == A[1:]", "(A | lower) ~ (A[:1] if n > 1 else '')",
]
# Shapes over two operands A and B (B may also be a constant).
BINARY = [f"A {op} B" for op in OPERATORS] + [
    "A and B", "A or B", "not A and B", "not (A or B)", "A and B or 'z'", "A if B else 'no'", "A ~ B",
    "A ~ '-' ~ B", "A == 'x' and B", "A in ['x', 1] and B",
]


def _source(shape, a, b="v.b"):
    return shape.replace("A", a).replace("B", b)


def _scope(a, b=MISSING):
    return {"v": dict((k, x) for k, x in (("a", a), ("b", b)) if x is not MISSING), "n": 2}


def _canon(value):
    """Equal values of different types (1, True, 1.0; a list and a tuple) are different results."""
    return type(value).__name__, repr(value)


@functools.lru_cache(maxsize=None)
def _reference(source):
    env = jinja_environment()
    return (env.compile_expression(source, undefined_to_none=True),
            env.from_string(f"{{% if ({source}) %}}T{{% else %}}F{{% endif %}}"))  # if-tags take no bare a-if-b


@functools.lru_cache(maxsize=None)
def _compiled(source):
    return compile_expression(source, "generated")


def _jinja(source, names):
    value_of, truth_of = _reference(source)
    try:
        value = value_of(**names)
    except Exception:  # the sandbox's own errors, TypeError, ValueError...
        return "error"
    return _canon(value), truth_of.render(**names) == "T"


def _engine(source, names):
    expression = _compiled(source)
    scope = make_scope(**names)
    try:
        value = expression.evaluate(scope)
    except ExpressionError:
        with pytest.raises(ExpressionError):  # a condition fails exactly where its value does
            expression.test(scope)
        return "error"
    truth = expression.test(scope)
    assert truth is is_true(value)
    return _canon(value), truth


def _sources():
    """(source, both): ``both`` binds v.b too, else only v.a varies."""
    sources = [(_source(shape, "v.a"), False) for shape in UNARY]
    for shape in BINARY:
        sources.append((_source(shape, "v.a"), True))
        for constant in CONSTANTS:
            sources.extend([(_source(shape, "v.a", constant), False), (_source(shape, constant, "v.a"), False)])
    # Constants on their own and with each other: folded or not, the same value.
    sources.extend((constant, False) for constant in CONSTANTS)
    sources.extend((f"{left} {op} {right}", False) for left, op, right in itertools.product(CONSTANTS, OPERATORS, CONSTANTS))
    return sources


SOURCES = _sources()
OPERANDS = {False: [(a, MISSING) for a in VALUES], True: list(itertools.product(VALUES, repeat=2))}


# Lists of records, and what is no list of records, under Jinja2's sequence filters and dict literals.
SEQUENCES = [
    MISSING, None, "", "xy", 0, [], (), ["x"], ["", "x", 0, 1], [{}], [{"m": "a"}], [{"m": ""}, {"m": "b"}],
    [{"m": None}, {"m": 0}, {"m": "c"}], [{"keys": 1}], [{}, "x"], [{"m": 1}, None], ({"m": "t"},), {"m": 1},
    [{"m": {"n": 1}}], [{"m": [1]}], [[1], {"m": 2}],
]
SEQUENCE_SHAPES = [
    "A | first", "A | list", "A | select | first", "A | select | list", "A | reject | list", "A | reject | first",
    "A | map(attribute='m') | first", "A | map(attribute='m') | list", "A | map(attribute='m') | select | first",
    "(A | map(attribute='m') | select | first) or none", "A | map(attribute='m') | reject | list",
    "A | map(attribute='keys') | list", "A | map(attribute='m.n') | list", "A | map(attribute='0') | list",
    "A | map(attribute='m', default='d') | list", "A | map('lower') | list", "A | select('odd') | list",
    "A | map(attribute='m') | select | list | first", "(A | first) ~ 'x'", "A | first | lower",
    "{'a': A}", "{'a': A, 'b': 1, 'a': 2}", "{'family': A, 'family_prefix': 'van'} | family_name",
    "{'x': A | first}", "{'a': [A]}", "{1: A}", "{} ", "{'a': A}['a']", "{'a': A} | list",
]


def test_the_generated_cases_are_thousands():
    assert sum(len(OPERANDS[both]) for dummy, both in SOURCES) > 10000


@pytest.mark.parametrize("source, both", SOURCES, ids=[source for source, dummy in SOURCES])
def test_the_engine_gives_what_jinja_gives(source, both):
    # One test per expression, every operand inside it: 20,000 pytest items would take a minute.
    differences = []
    for a, b in OPERANDS[both]:
        names = _scope(a, b)
        engine, jinja = _engine(source, names), _jinja(source, names)
        if engine != jinja:
            differences.append(f"v.a={a!r} v.b={b!r}: engine {engine!r}, jinja {jinja!r}")
    assert not differences, "\n".join(differences)


@pytest.mark.parametrize("shape", SEQUENCE_SHAPES)
def test_sequence_filters_and_dict_literals_give_what_jinja_gives(shape):
    source = _source(shape, "v.a")
    differences = []
    for a in SEQUENCES:
        names = _scope(a)
        engine, jinja = _engine(source, names), _jinja(source, names)
        if engine != jinja:
            differences.append(f"v.a={a!r}: engine {engine!r}, jinja {jinja!r}")
    assert not differences, "\n".join(differences)


def test_the_mapping_idioms_take_the_fast_path():
    for source in ("(contracts | map(attribute='Manager') | select | first) or none",
                   "row.N ~ ' ' ~ ({'family': row.L, 'convention': row.C} | family_name)", "contracts | list"):
        assert _compiled(source).closure is not None, source
    for source in ("contracts | map(attribute='Manager')", "contracts | select", "x | map(attribute='a.b') | first"):
        assert _compiled(source).closure is None, source  # a generator, or a lookup left to Jinja2


# Rules: the index and the guarded rest decide exactly what the condition's Jinja2 truth decides.
RULE_CONDITIONS = ["v.a == 'x'", "v.a in ['x', 1]", "v.a in ('x', 1)", "v.a == 1", "v.a == 'x' and v.b",
                   "v.a in ['x', 0] and not v.b", "v.a == 'x' and v.b | slug == 'x'", "v.b and v.a == 'x'",
                   "v.a == 'x' and v.b.startswith('f')", "v.a", "v.a == 'x' or v.b", "v.a.real == 1"]


@pytest.mark.parametrize("condition, any_contract", list(itertools.product(RULE_CONDITIONS, [False, True])))
def test_rules_match_exactly_where_the_condition_is_true_in_jinja(condition, any_contract):
    specs = [{"name": "r", "when": condition.replace("v.", "contract.v."), "groups": ["g"], "any_contract": any_contract}]
    rules = ruleslib.compile_rules(specs, "ou=groups,dc=x")
    today = datetime.date(2026, 1, 1)
    for a, b in itertools.product(VALUES, repeat=2):
        contract = dict(_scope(a, b), start="2020-01-01", end=None)
        scope = make_scope(person={}, contract=contract, contracts=[contract])
        expected = _jinja(condition, _scope(a, b))
        try:
            matched = ruleslib.entitlements(rules, scope, today).rules == ["r"]
        except ExpressionError:
            matched = "error"
        assert matched == ("error" if expected == "error" else expected[1]), (a, b)
