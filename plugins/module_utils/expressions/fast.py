# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Common expression shapes as plain Python closures (for internal use).

Rule conditions and mappings are mostly field paths, constants, ``==``/``!=``/``in``, ``and``/
``or``/``not`` and a few string methods. Running those through a Jinja2 template costs ~3 us a
call, which at 100 rules x 100,000 persons is half a minute; the same shapes as closures cost a
fraction of that; so do ``~``, slices, ``a if b else c``, ordering comparisons, dict literals,
the collection's own filters and ``map(attribute=...)``/``select``/``reject`` under ``first`` or
``list`` (``contracts | map(attribute='Manager') | select | first``: HR mappings' idiom).
Anything else (other filters, tests, arithmetic, other calls) returns None here and stays with
Jinja2, and so does any value a closure does not mimic (``Fallback``), so behaviour never
depends on this module: the tests compare both on the same expressions.
Semantics follow Jinja2's: a missing field is "undefined", which compares unequal to everything,
is in nothing, and is false; what is not a dict's key (``name.upper``, ``n.real``, ``row.keys``)
is looked up by the sandboxed environment itself. The fast path may only be faster, never
different: tests/unit/plugins/module_utils/test_expression_equivalence.py checks every shape
here against plain Jinja2 over every kind of operand.
"""

from __future__ import annotations

import functools

try:
    from jinja2 import Undefined, nodes
    HAS_JINJA2 = True
except ImportError:  # pragma: no cover
    HAS_JINJA2 = False

_STRING_METHODS = frozenset(("startswith", "endswith", "lower", "upper", "strip"))
_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Undefined(object):
    """Stands for Jinja2's undefined inside a closure; never escapes (evaluate() maps it to None)."""

    __slots__ = ()

    def __bool__(self):
        return False

    def __eq__(self, other):
        return other is self

    def __hash__(self):
        return 0


UNDEFINED = _Undefined()


class UnsupportedCall(Exception):
    """A string method called on something that is not a string: Jinja2 raises there too."""


class Fallback(Exception):
    """A value this closure does not mimic (a filter given an undefined value, a slice of a
    number...): the caller evaluates the whole expression with Jinja2 instead."""


# Filters of Jinja2 whose plain-text behaviour a closure repeats exactly.
_TEXT_FILTERS = {"lower": str.lower, "upper": str.upper, "trim": str.strip}
_ORDER = {"gt": lambda a, b: a > b, "lt": lambda a, b: a < b, "gteq": lambda a, b: a >= b, "lteq": lambda a, b: a <= b}


def _text(value):
    """What Jinja2's ``~`` makes of a value: its str(), and undefined as the empty string."""
    return "" if value is UNDEFINED else value if isinstance(value, str) else str(value)


def path_of(node):
    """``('person', 'name', 'given')`` for ``person.name.given`` / ``person['name']...``, else None."""
    keys = []
    while True:
        if isinstance(node, nodes.Getattr):
            keys.append(node.attr)
            node = node.node
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            keys.append(node.arg.value)
            node = node.node
        elif isinstance(node, nodes.Name) and node.ctx == "load":
            keys.append(node.name)
            return tuple(reversed(keys))
        else:
            return None


def path_walker(path, environment=None):
    """``f(scope)`` -> the value at ``path``, or UNDEFINED. ``environment``: the sandboxed
    environment that looks up what is no dict's key (without it such a lookup is a Fallback)."""
    return _walker(path, environment)


def _walker(path, environment):
    head, rest = path[0], path[1:]

    def walk(scope):
        value = scope.get(head, UNDEFINED)
        for key in rest:
            # Exactly dict (JSON data): a subclass may answer attributes its own way, so Jinja2 is asked.
            if type(value) is dict:  # pylint: disable=unidiomatic-typecheck
                found = value.get(key, UNDEFINED)
                if found is not UNDEFINED or key not in _DICT_ATTRIBUTES:  # a miss no dict method shadows
                    value = found
                    continue
            value = _attribute(value, key, environment)
        return value
    return walk


def _attribute(value, key, environment):
    """``value.key`` where ``key`` is no key of ``value``: Jinja2 finds methods and attributes
    there (``name.upper``, ``n.real``, ``row.keys``), through the sandbox's own rules.

    ``value.key`` and ``value['key']`` differ only for objects with both items and attributes,
    which JSON data (dicts, lists, strings, numbers) never are: one lookup serves both."""
    if value is UNDEFINED or value is None:  # None has no public attribute: undefined either way
        return UNDEFINED
    if environment is None:
        if hasattr(value, key):
            raise Fallback()
        return UNDEFINED
    found = environment.getattr(value, key)
    return UNDEFINED if isinstance(found, Undefined) else found


def _constant(node):
    if isinstance(node, nodes.Const):
        return True, node.value
    if isinstance(node, (nodes.List, nodes.Tuple)):
        values = []
        for item in node.items:
            ok, value = _constant(item)
            if not ok:
                return False, None
            values.append(value)
        return True, (values if isinstance(node, nodes.List) else tuple(values))  # ('a', 'b') stays a tuple
    return False, None


def _fresh(value):
    """A copy of a literal's lists: Jinja2 builds a new list per call, and a caller may change it."""
    if isinstance(value, list):
        return [_fresh(item) for item in value]
    if isinstance(value, tuple) and any(isinstance(item, (list, tuple)) for item in value):
        return tuple(_fresh(item) for item in value)
    return value


def _mutable(value):
    return isinstance(value, list) or isinstance(value, tuple) and any(_mutable(item) for item in value)


def _cannot_fail(closure):
    """Mark a closure that always returns (a constant, a path walked with the sandbox's help)."""
    closure.cannot_fail = True
    return closure


def _compare(op, left, right):
    if op in _ORDER:
        order = _ORDER[op]

        def ordered(scope):
            a, b = left(scope), right(scope)
            numbers = isinstance(a, (int, float)) and isinstance(b, (int, float))
            if not (numbers or isinstance(a, str) and isinstance(b, str)):
                raise Fallback()
            return order(a, b)
        return ordered
    if op == "eq":
        return lambda scope: left(scope) == right(scope)
    if op == "ne":
        return lambda scope: left(scope) != right(scope)
    if op in ("in", "notin"):
        # A path or a constant cannot fail, so skipping it when nothing can contain it changes no
        # outcome; it saves a walk per rule on the common "department in missing list" miss.
        skip_left = getattr(left, "cannot_fail", False)

        def contains(scope):
            if skip_left:
                container = right(scope)
                item = UNDEFINED if container is UNDEFINED else left(scope)
            else:
                item, container = left(scope), right(scope)  # both, in Jinja2's order: either may fail
            if container is UNDEFINED:
                found = False  # Jinja2's undefined iterates as empty
            else:
                try:
                    found = item in container
                except TypeError:  # 'a' in none, 'a' in 12: Jinja2 fails too, with its own message
                    raise Fallback()
            return found if op == "in" else not found
        return contains
    return None


def compile_node(node, filters=None, environment=None):
    """A closure ``f(scope)`` computing ``node`` as Jinja2 would, or None when not supported.
    ``filters``: the collection's own filters (plain functions), usable in closures too;
    ``environment``: the sandboxed environment, for attributes that are no dict's keys."""
    if not HAS_JINJA2:
        return None
    return _compile(node, filters or {}, environment)


def _compile(node, filters, environment):
    sub = functools.partial(_compile, filters=filters, environment=environment)
    ok, value = _constant(node)
    if ok:
        return _cannot_fail((lambda scope: _fresh(value)) if _mutable(value) else (lambda scope: value))
    path = path_of(node)
    if path is not None:
        walk = _walker(path, environment)
        # Without an environment a walk may raise Fallback (an attribute only Jinja2 can find).
        return walk if environment is None else _cannot_fail(walk)
    if isinstance(node, nodes.Compare) and len(node.ops) == 1:
        left, right = sub(node.expr), sub(node.ops[0].expr)
        if left is None or right is None:
            return None
        return _compare(node.ops[0].op, left, right)
    if isinstance(node, nodes.And):
        left, right = sub(node.left), sub(node.right)
        if left is None or right is None:
            return None
        return lambda scope: left(scope) and right(scope)
    if isinstance(node, nodes.Or):
        left, right = sub(node.left), sub(node.right)
        if left is None or right is None:
            return None
        return lambda scope: left(scope) or right(scope)
    if isinstance(node, nodes.Not):
        inner = sub(node.node)
        return None if inner is None else (lambda scope: not inner(scope))
    if (isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr) and node.node.attr in _STRING_METHODS
            and not node.kwargs and node.dyn_args is None and node.dyn_kwargs is None):
        target = sub(node.node.node)
        args = [_constant(a) for a in node.args]
        if target is None or not all(ok for ok, dummy in args):
            return None
        method, values = node.node.attr, [v for dummy, v in args]

        def call(scope):
            subject = target(scope)
            if not isinstance(subject, str):
                raise UnsupportedCall(f"{method}() on a {'missing value' if subject is UNDEFINED else type(subject).__name__}")
            try:
                return getattr(subject, method)(*values)
            except (TypeError, ValueError):  # startswith(1), lower('x'): Jinja2 words the error
                raise Fallback()
        return call
    return _compile_more(node, sub, filters)


def _bare(node):
    """A filter called without arguments of any kind (``| select``, ``| first``)."""
    return not node.args and not node.kwargs and node.dyn_args is None and node.dyn_kwargs is None


def _record_attribute(node):
    """The key of ``map(attribute='Key')``, or None for any other call of ``map``: dotted or
    numeric attributes, ``default=`` and filter names stay with Jinja2."""
    if node.args or node.dyn_args is not None or node.dyn_kwargs is not None or len(node.kwargs) != 1:
        return None
    keyword = node.kwargs[0]
    ok, key = _constant(keyword.value)
    if keyword.key != "attribute" or not ok or not isinstance(key, str) or not key.isidentifier():
        return None
    return key


def _sequence(node, sub):
    """``f(scope)`` -> the items of ``node`` as a list, for a consumer (``first``, ``list``).

    ``map(attribute=...)``, ``select`` and ``reject`` give Jinja2 a generator, which only a
    consumer turns into a value: they compile here, under one, and nowhere else. Anything but a
    list or tuple of exactly-dict records (strings, dicts, undefined) is a Fallback."""
    if isinstance(node, nodes.Filter) and node.node is not None and node.name in ("select", "reject") and _bare(node):
        inner = _sequence(node.node, sub)
        if inner is None:
            return None
        keep = node.name == "select"
        return lambda scope: [item for item in inner(scope) if bool(item) is keep]  # Jinja2 tests bool(item)
    if isinstance(node, nodes.Filter) and node.node is not None and node.name == "map":
        key, inner = _record_attribute(node), _sequence(node.node, sub)
        if key is None or inner is None:
            return None

        def mapped(scope):
            out = []
            for record in inner(scope):
                if type(record) is not dict:  # pylint: disable=unidiomatic-typecheck
                    raise Fallback()
                found = record.get(key, UNDEFINED)
                if found is UNDEFINED and key in _DICT_ATTRIBUTES:  # Jinja2 would find the method
                    raise Fallback()
                out.append(found)
            return out
        return mapped
    value = sub(node)
    if value is None:
        return None

    def items(scope):
        found = value(scope)
        if not isinstance(found, (list, tuple)):
            raise Fallback()
        return found
    return items


def _consume(node, sub):
    """``| first`` and ``| list`` over a list, or over ``map``/``select``/``reject``."""
    items = _sequence(node.node, sub)
    if items is None:
        return None
    if node.name == "first":
        def first(scope):
            found = items(scope)
            return found[0] if found else UNDEFINED  # Jinja2: undefined, "No first item"
        return first

    def listed(scope):
        found = items(scope)
        if any(item is UNDEFINED for item in found):  # Jinja2 keeps an undefined object in the list
            raise Fallback()
        return list(found)
    return listed


def _dict_literal(node, sub):
    """``{'family': row.LastName, ...}``: a new dict per call, as Jinja2 builds one."""
    pairs = []
    for pair in node.items:
        ok, key = _constant(pair.key)
        value = sub(pair.value)
        if not ok or value is None or isinstance(key, (list, dict)):
            return None
        pairs.append((key, value))

    def literal(scope):
        out = {}
        for key, value in pairs:
            found = value(scope)
            if found is UNDEFINED:  # Jinja2 keeps an undefined object as the value
                raise Fallback()
            out[key] = found
        return out
    return literal


def _compile_more(node, sub, filters):
    """Concatenation, filters, dict literals, conditional expressions and slices."""
    if isinstance(node, nodes.Dict):
        return _dict_literal(node, sub)
    if (isinstance(node, nodes.Filter) and node.node is not None and node.name in ("first", "list") and _bare(node)
            and node.name not in filters):
        return _consume(node, sub)
    if isinstance(node, nodes.Concat):
        parts = [sub(item) for item in node.nodes]
        if any(part is None for part in parts):
            return None

        def concat(scope):
            out = []
            for part in parts:
                value = part(scope)
                out.append(value if type(value) is str else _text(value))  # pylint: disable=unidiomatic-typecheck
            return "".join(out)
        return concat
    if (isinstance(node, nodes.Filter) and node.node is not None and not node.kwargs and node.dyn_args is None
            and node.dyn_kwargs is None and (node.name in filters or node.name in _TEXT_FILTERS)):
        target = sub(node.node)
        args = [_constant(a) for a in node.args]
        if target is None or not all(ok for ok, dummy in args):
            return None
        values = [v for dummy, v in args]
        if node.name in filters:
            own = filters[node.name]

            def apply(scope):
                value = target(scope)
                if value is UNDEFINED:
                    raise Fallback()
                try:
                    return own(value, *values)
                except Exception:  # filetime('x'): the error is Jinja2's to report, as ExpressionError
                    raise Fallback()
            return apply
        if values:
            return None
        text_filter = _TEXT_FILTERS[node.name]

        def apply_text(scope):
            value = target(scope)
            if not isinstance(value, str):
                raise Fallback()
            return text_filter(value)
        return apply_text
    if isinstance(node, nodes.CondExpr):
        test, then = sub(node.test), sub(node.expr1)
        otherwise = sub(node.expr2) if node.expr2 is not None else (lambda scope: UNDEFINED)
        if test is None or then is None or otherwise is None:
            return None
        return lambda scope: then(scope) if test(scope) else otherwise(scope)
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Slice):
        target = sub(node.node)
        bounds = [_constant(b) if b is not None else (True, None) for b in (node.arg.start, node.arg.stop, node.arg.step)]
        if target is None or not all(ok and (v is None or isinstance(v, int)) for ok, v in bounds):
            return None
        part = slice(*[v for dummy, v in bounds])

        def sliced(scope):
            value = target(scope)
            if not isinstance(value, (str, list, tuple)) or part.step == 0:  # [::0] fails in Jinja2
                raise Fallback()
            return value[part]
        return sliced
    return None


def paths_read(node):
    """The field paths a closure compiled from ``node`` reads from its scope, in a fixed order.

    Each path is walked whole (``contract.department.code``), so the closure's value is a function
    of these paths' values alone: a caller may remember it per distinct values (see
    ``rules._Bucket``). A string method reads its subject's path (``code`` of ``code.startswith``).
    """
    found = []

    def visit(item):
        if _constant(item)[0]:
            return
        path = path_of(item)
        if path is not None:
            if path not in found:
                found.append(path)
        elif isinstance(item, nodes.Call) and isinstance(item.node, nodes.Getattr):
            for child in [item.node.node] + list(item.args):
                visit(child)
        else:
            for child in item.iter_child_nodes():
                visit(child)
    visit(node)
    return tuple(found)


def equality_guard(node):
    """``(path, values, whole)`` when the condition needs ``path`` to be one of ``values``.

    ``path == 'x'`` and ``path in ['x', 'y']`` are guards, and so is the first such comparison of
    an ``and``; ``whole`` tells whether the guard is the entire condition. Rules are indexed by
    their guard, so a person is only checked against rules whose guard their value meets.
    """
    if not HAS_JINJA2:
        return None
    if isinstance(node, nodes.Compare) and len(node.ops) == 1 and node.ops[0].op in ("eq", "in"):
        path = path_of(node.expr)
        ok, value = _constant(node.ops[0].expr)
        if path is None or not ok:
            return None
        values = [value] if node.ops[0].op == "eq" else value
        if not isinstance(values, (list, tuple)) or not all(isinstance(v, (str, int)) and not isinstance(v, bool)
                                                            for v in values):
            return None
        return path, frozenset(values), True
    if isinstance(node, nodes.And):
        guard = equality_guard(node.left) or equality_guard(node.right)
        return (guard[0], guard[1], False) if guard else None
    return None


def guarded_rest(node, filters=None, environment=None):
    """For ``<guard> and <rest>``: ``rest`` compiled, or None. Once the rule index has checked
    the guard, ``a and b`` is ``b``, so only ``rest`` needs evaluating (same value, same errors
    as Jinja2: ``a`` is a plain comparison and cannot fail)."""
    if not HAS_JINJA2 or not isinstance(node, nodes.And):
        return None
    guard = equality_guard(node.left)
    if guard is None or not guard[2]:
        return None
    return compile_node(node.right, filters, environment)
