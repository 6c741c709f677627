# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Expressions of mappings, username candidates and rules (for internal use).

Expressions use the syntax of Ansible's ``when:`` (Jinja2 expressions, not ``{{ }}``
templates). Each is compiled once per run in a sandboxed environment. A plain dotted
path such as ``person.name.given`` skips Jinja2 entirely: it is by far the commonest
expression and a dictionary walk is ~20x cheaper than a template call. Only what is no dict's
key (``name.upper``) is asked of the sandbox, so the value is Jinja2's. Every condition is
tested by ``Expression.test`` with one truth, ``is_true``: Jinja2's own.
"""

from __future__ import annotations

import datetime
import zoneinfo
import re
import unicodedata

from ansible_collections.jml.provisioning.plugins.module_utils.expressions import fast

try:
    from jinja2 import ChainableUndefined, TemplateSyntaxError, Undefined, nodes
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    HAS_JINJA2 = True
except ImportError:  # pragma: no cover - reported by the plugins with missing_required_lib
    HAS_JINJA2 = False


class ExpressionError(ValueError):
    """An expression could not be compiled or evaluated; the message names it.

    ``kind`` is the class name of the underlying error, for reports that must not quote data.
    """

    def __init__(self, message, kind=None):
        ValueError.__init__(self, message)
        self.kind = kind


# Letters NFKD does not decompose into a base letter plus accents.
_TRANSLITERATION = {
    "Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "ß": "ss", "ẞ": "SS", "Æ": "AE", "æ": "ae",
    "Œ": "OE", "œ": "oe", "Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Þ": "TH", "þ": "th",
    "Ħ": "H", "ħ": "h", "ı": "i", "Ŀ": "L", "ŀ": "l", "Ŧ": "T", "ŧ": "t", "ĸ": "k",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
}
_TRANSLITERATE_TABLE = str.maketrans(_TRANSLITERATION)


def to_ascii(value):
    """Transliterate to ASCII: ``Łukasz Øster-Straße`` -> ``Lukasz Oster-Strasse``."""
    if value is None:
        return None
    text = str(value)
    if text.isascii():  # most names: nothing to transliterate, decompose or drop
        return text
    # NFKD splits accents off as combining marks; they, like everything else not ASCII, are dropped.
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE_TABLE))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def slug(value, separator="-"):
    """Lower-case ASCII words joined by ``separator``: ``Jan de Vries`` -> ``jan-de-vries``."""
    if value is None:
        return None
    words = re.split(r"[^a-z0-9]+", to_ascii(value).lower())
    return separator.join(w for w in words if w)


def initials(value, separator=""):
    """First letters of the words of a name: ``Jan Pieter`` -> ``JP``."""
    if value is None:
        return None
    return separator.join(w[0] for w in re.split(r"[\s\-.]+", str(value)) if w)


# HR systems code the naming convention as letters or (HelloID) as 0-3.
_CONVENTIONS = {"0": "B", "1": "P", "2": "PB", "3": "BP", "B": "B", "P": "P", "PB": "PB", "BP": "BP"}


def _joined(prefix, value):
    """``van Dijk``: the non-empty of a prefix and a name, by one space."""
    prefix, value = (prefix or "").strip(), (value or "").strip()
    return f"{prefix} {value}" if prefix and value else prefix or value


def family_name(name, convention=None):
    """The family name to show under a naming convention.

    ``name`` is a dict with ``family``, ``family_prefix``, ``partner``, ``partner_prefix`` and
    optionally ``convention``: B (birth name), P (partner's), BP (birth - partner's),
    PB (partner's - birth). Falls back to the birth name when the partner's name is empty.
    """
    if not isinstance(name, dict):
        return name
    code = _CONVENTIONS.get(str(convention if convention is not None else name.get("convention") or "B").upper(), "B")

    birth = _joined(name.get("family_prefix"), name.get("family"))
    partner = _joined(name.get("partner_prefix"), name.get("partner"))
    if not partner:
        return birth or None
    return {"B": birth, "P": partner, "BP": f"{birth} - {partner}", "PB": f"{partner} - {birth}"}[code]


_FILETIME_EPOCH = datetime.datetime(1601, 1, 1, tzinfo=datetime.timezone.utc)


def filetime(value, time_zone=None, end_of_day=True):
    """A date as a Windows file time (AD ``accountExpires``): 100 ns ticks since 1601-01-01 UTC.

    ``end_of_day``: the account works through that day, so it expires at the next midnight, in
    ``time_zone`` (an IANA name such as ``Europe/Amsterdam``; default: the controller's own time
    zone), not in UTC: a Dutch employee's last day ends at midnight in Amsterdam.
    No date means "never" (0x7FFFFFFFFFFFFFFF)."""
    if isinstance(time_zone, bool):  # filetime(false), the 0.1.0 signature
        time_zone, end_of_day = None, time_zone
    if not value:  # None, "" or undefined: no end date
        return "9223372036854775807"
    day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])
    if end_of_day:
        day = day + datetime.timedelta(days=1)
    midnight = datetime.datetime(day.year, day.month, day.day)
    if time_zone:
        try:
            zone = zoneinfo.ZoneInfo(str(time_zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"filetime: unknown time zone {time_zone!r} ({exc})")
        moment = midnight.replace(tzinfo=zone)
    else:
        moment = midnight.astimezone()  # a naive time is the controller's local time
    delta = moment - _FILETIME_EPOCH
    return str((delta.days * 86400 + delta.seconds) * 10000000)


_UNIX_EPOCH = datetime.date(1970, 1, 1)


def shadow_expire(value):
    """A date as ``shadowExpire`` (RFC 2307: days since 1970-01-01 on which the account stops
    working): the day after the last working day, so the account works through it. No date gives
    no value (the attribute is absent: never expires)."""
    if not value:
        return None
    day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])
    return str((day + datetime.timedelta(days=1) - _UNIX_EPOCH).days)


FILTERS = {"ascii": to_ascii, "slug": slug, "initials": initials, "family_name": family_name, "filetime": filetime,
           "shadow_expire": shadow_expire}

# Jinja2 literals look like names but are values: they never take the dotted-path shortcut.
_LITERALS = frozenset(("true", "false", "none", "True", "False", "None"))
_DOTTED_PATH = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*$")


if HAS_JINJA2:
    class _Environment(ImmutableSandboxedEnvironment):
        """Dict keys win over dict methods: ``row.keys`` is the column "keys", as on the fast path."""

        def getattr(self, obj, attribute):
            if isinstance(obj, dict) and attribute in obj:
                return obj[attribute]
            return ImmutableSandboxedEnvironment.getattr(self, obj, attribute)


def _make_environment():
    env = _Environment(undefined=ChainableUndefined)
    env.filters.update(FILTERS)
    return env


_ENVIRONMENT = None


def _environment():
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        _ENVIRONMENT = _make_environment()
    return _ENVIRONMENT


def jinja_environment():
    """The one sandboxed environment every expression compiles in (the fast paths look up
    attributes through it, the equivalence tests compile their reference with it)."""
    return _environment()


def is_true(value) -> bool:
    """The one notion of truth of every condition (rules' ``when``, ``lifecycle.exclude``, the
    vault lookup's ``where``): Jinja2's ``{% if %}``, i.e. Python truthiness of the value, with
    undefined (None here) false. A non-empty string is true, ``"false"`` and ``"0"`` included."""
    return bool(value)


def make_scope(**names):
    """The names an expression sees, with Jinja2's globals (``range``, ``dict``...) merged in once.

    Build it once per record and pass it to ``Expression.evaluate`` for every field: merging the
    globals per expression call was a third of the cost of a Jinja2 expression.
    """
    scope = dict(_environment().globals) if HAS_JINJA2 else {}
    scope.update(names)
    return scope


class Expression(object):
    """A compiled expression: ``evaluate(scope)`` with a ``make_scope`` dict, or call it with names."""

    __slots__ = ("source", "label", "node", "_path", "_walk", "_template", "_fast")

    def __init__(self, source, label):
        self.source = source
        self.label = label
        self._path = self._walk = None
        self._template = None
        self._fast = None
        self.node = None
        match = _DOTTED_PATH.match(source) if isinstance(source, str) else None
        if match and match.group(1).split(".")[0] not in _LITERALS:
            self._path = match.group(1).split(".")
            # What is no dict's key (``name.upper``) the sandbox looks up, as Jinja2 would.
            self._walk = fast.path_walker(tuple(self._path), _environment() if HAS_JINJA2 else None)
            return
        if not HAS_JINJA2:
            raise ExpressionError(f"jinja2 is required to evaluate {label}")
        try:
            self.node = _environment().parse("{{ %s }}" % source).body[0].nodes[0]
            self._fast = fast.compile_node(self.node, FILTERS, _environment())
            # Jinja2's code generation is ~0.7 ms an expression (100 rules: a tenth of a run that
            # finds nothing changed). With a closure it is only a fallback, made when first needed;
            # without one it is made now, so an unknown filter or test is a configuration error.
            if self._fast is None:
                self._template = self._compile()
        except TemplateSyntaxError as exc:
            raise ExpressionError(f"{label}: invalid expression {source!r}: {exc.message}")

    def _compile(self):
        return _environment().compile_expression(str(self.source), undefined_to_none=True)._template

    def evaluate(self, scope):
        """The value for ``scope`` (from ``make_scope``); None when undefined."""
        if self._walk is not None:
            try:
                value = self._walk(scope)
            except fast.Fallback:  # only without jinja2: an attribute no dict holds (``name.upper``)
                raise ExpressionError(f"jinja2 is required to evaluate {self.label}")
            return None if value is fast.UNDEFINED else value
        if self._fast is not None:
            try:
                value = self._fast(scope)
            except fast.UnsupportedCall as exc:
                raise ExpressionError(f"{self.label}: expression {self.source!r} failed: {exc}",
                                      kind="UndefinedError")
            except fast.Fallback:
                value = self._render(scope)
            return None if value is fast.UNDEFINED else value
        return self._render(scope)

    def column_of(self, name):
        """``Col`` when the expression is exactly ``name.Col`` (``row.LastName``), else None."""
        if self._path is not None and len(self._path) == 2 and self._path[0] == name:
            return self._path[1]
        return None

    def reads(self, name) -> bool:
        """Whether the expression uses the variable ``name`` at all (``account``, ``account.mail``)."""
        if self._path is not None:
            return self._path[0] == name
        return any(found.name == name for found in self.node.find_all(nodes.Name))

    @property
    def closure(self):
        """The fast path's closure of a non-path expression (``fast.compile_node``), or None."""
        return self._fast

    def test(self, scope) -> bool:
        """The expression as a condition (see ``is_true``), for ``scope`` from ``make_scope``."""
        return is_true(self.evaluate(scope))

    def _render(self, scope):
        """The value through Jinja2 itself."""
        try:
            if self._template is None:  # a closure's fallback: compiled on its first use
                self._template = self._compile()
            context = self._template.new_context(scope, shared=True)  # scope already holds the globals
            for dummy in self._template.root_render_func(context):
                pass
            value = context.vars["result"]
        except Exception as exc:  # any error inside the user's expression is a config/data error
            raise ExpressionError(f"{self.label}: expression {self.source!r} failed: {exc}",
                                  kind=type(exc).__name__)
        return None if isinstance(value, Undefined) else value

    def __call__(self, **names):
        # Jinja2's globals only when a template may run (also as the fast path's fallback), or
        # when a path starts at one (``range``).
        plain = self._path is not None and self._path[0] in names
        return self.evaluate(names if plain else make_scope(**names))

    def referenced_items(self, name):
        """Keys read from ``name`` (``row.Col`` or ``row['Col']``): used to check CSV headers."""
        if self._path is not None:
            return {self._path[1]} if self._path[0] == name and len(self._path) > 1 else set()
        found = set()
        tree = _environment().parse("{{ %s }}" % self.source)
        called = set(id(call.node) for call in tree.find_all(nodes.Call))  # row.get(...) is a method
        for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
            if id(node) in called:
                continue
            if isinstance(node.node, nodes.Name) and node.node.name == name:
                if isinstance(node, nodes.Getattr):
                    found.add(node.attr)
                elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                    found.add(node.arg.value)
        return found


def compile_expression(source, label):
    """Compile one expression; ``label`` names it in errors (e.g. ``mapping person.id``)."""
    if source is None or (isinstance(source, str) and not source.strip()):
        raise ExpressionError(f"{label}: empty expression")
    if not isinstance(source, str):
        raise ExpressionError(f"{label}: expression must be a string, got {type(source).__name__}")
    return Expression(source, label)


def compile_mapping(mapping, label):
    """Compile a ``{field: expression}`` dict, keeping its order."""
    if not isinstance(mapping, dict):
        raise ExpressionError(f"{label} must be a dictionary of field: expression")
    return dict((str(field), compile_expression(src, f"{label}.{field}")) for field, src in mapping.items())
