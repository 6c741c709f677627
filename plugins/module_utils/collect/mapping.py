# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Source mapping sets: raw HR rows in, vault persons out (for internal use).

A mapping set names, for each vault field, one expression over ``row``. Person fields:
``id``, ``name.<x>``, ``email``, ``manager``, ``custom.<x>``. Contract fields: ``id``, ``start``,
``end``, ``department.code``, ``department.name``, ``title.code``, ``title.name``, ``location``
and any further name (``on_leave``: true while HR says the person is on leave in it). Absence
fields (person-level dated leave, ``absences: [{start, end, reason}]``): ``start``, ``end``,
``reason``. Only mapped fields reach the vault. No I/O here: rows come in as data.
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.jml.provisioning.plugins.module_utils.collect.fill import compile_fill
from ansible_collections.jml.provisioning.plugins.module_utils.expressions.expression import (
    ExpressionError, compile_mapping, make_scope,
)
from ansible_collections.jml.provisioning.plugins.module_utils.sources.rows import RowProblem, visible

PERSON_FIELDS = ("id", "name", "email", "manager", "custom")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")  # C0 controls but tab, CR, LF; bidi overrides
DEFAULT_DATE_FIELDS = ("start", "end")
ABSENCE_FIELDS = ("start", "end", "reason")  # what IT needs of a leave: when, and a code (never a diagnosis)
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
_ABSENT = object()


class MappingError(ValueError):
    """The mapping set itself is wrong (not the data); nothing can be collected."""


class Rejection(object):
    """One rejected row: where it is and which field is wrong. Never the row's content."""

    __slots__ = ("source", "file", "line", "field", "problem", "person", "key", "unreadable")

    def __init__(self, source, file, line, field, problem, person=None, key=None, unreadable=None):
        self.source, self.file, self.line = source, file, line
        self.field, self.problem, self.person = field, visible(problem), person
        self.key = key  # a broken contract row: the person key it could still be read for
        # Nobody can tell whose row it is: it could not be read as a whole, or its key is empty.
        self.unreadable = (isinstance(problem, RowProblem) and person is None and key is None) \
            if unreadable is None else unreadable

    def as_dict(self):
        return {"source": self.source, "file": self.file, "row": self.line, "field": self.field,
                "problem": self.problem, "person": self.person}

    def __str__(self):
        field = f" field {self.field}:" if self.field else ""
        return visible(f"{self.file}:{self.line}:{field} {self.problem}")


class _RowProblem(Exception):
    def __init__(self, field, problem):
        Exception.__init__(self, problem)
        self.field, self.problem = field, problem


class MappingSet(object):
    """A compiled mapping set for one source."""

    def __init__(self, spec, label="mapping", lookups=None):
        if not isinstance(spec, dict):
            raise MappingError(f"{label} must be a dictionary with 'person' and optionally 'contract'")
        self.lookups = lookups or {}
        self._fills = {}
        self._dates = {}
        unknown = set(spec) - {"person", "contract", "absence", "required", "date_format", "date_fields", "allowed"}
        if unknown:
            raise MappingError(f"{label}: unknown keys {', '.join(sorted(unknown))}")
        try:
            self.person = compile_mapping(spec.get("person") or {}, f"{label}.person")
            self.contract = compile_mapping(spec.get("contract") or {}, f"{label}.contract")
            self.absence = compile_mapping(spec.get("absence") or {}, f"{label}.absence")
        except ExpressionError as exc:
            raise MappingError(str(exc))
        for field in self.absence:
            if field not in ABSENCE_FIELDS:
                raise MappingError(f"{label}.absence.{field}: not an absence field; use {', '.join(ABSENCE_FIELDS)} "
                                   "(the vault keeps only what IT needs of a leave)")
        if self.absence and "start" not in self.absence:
            raise MappingError(f"{label}.absence must map 'start' (and 'end': empty means open-ended)")
        if "id" not in self.person:
            raise MappingError(f"{label}.person must map 'id' (the person key)")
        for field in self.person:
            if field.split(".", 1)[0] not in PERSON_FIELDS:
                raise MappingError(f"{label}.person.{field}: not a vault person field; use one of {', '.join(PERSON_FIELDS)}, or custom.{field}")
            if field in ("name", "custom"):
                raise MappingError(f"{label}.person.{field}: map the sub-fields ({field}.<x>), not the whole object")
        self.date_format = spec.get("date_format") or DEFAULT_DATE_FORMAT
        self.date_fields = set(DEFAULT_DATE_FIELDS) | set(spec.get("date_fields") or ())
        self.required = list(spec.get("required") or [])
        for field in self.required:
            scope, dummy, name = field.partition(".")
            if scope not in ("person", "contract") or not name:
                raise MappingError(f"{label}.required: {field!r} must be person.<field> or contract.<field>")
            if name not in (self.person if scope == "person" else self.contract):
                raise MappingError(f"{label}.required: {field!r} is not mapped")
        self.allowed = {}
        for field, values in (spec.get("allowed") or {}).items():
            scope, dummy, name = field.partition(".")
            if scope not in ("person", "contract") or name not in (self.person if scope == "person" else self.contract):
                raise MappingError(f"{label}.allowed: {field!r} must name a mapped person.<field> or contract.<field>")
            if not isinstance(values, (list, tuple)):
                raise MappingError(f"{label}.allowed.{field} must be a list of values")
            self.allowed[field] = set(str(v) for v in values)

    def columns_used(self, part):
        """Columns the ``person`` or ``contract`` expressions read from ``row``."""
        exprs = self._exprs(part)
        used = {}
        for field, expr in exprs.items():
            for column in expr.referenced_items("row"):
                used.setdefault(column, field)
        return used

    def _exprs(self, part):
        return self.person if part == "person" else self.absence if part == "absence" else self.contract

    def _plan(self, part):
        """How to fill one record: ``(label, keys, expression, is_date, column)`` per field, then
        the required and allowed checks of this part; ``_map`` compiles it once (``compile_fill``)."""
        # ``row.Column`` (most fields) is read straight from the row: the same value as the
        # expression's walk, without its call (2.3 million at 100k persons).
        fields = [(f"{part}.{field}", tuple(field.split(".")), expr,
                   (part == "contract" and field in self.date_fields) or (part == "absence" and field != "reason"),
                   expr.column_of("row"))
                  for field, expr in self._exprs(part).items()]
        required = [(name, tuple(name.split(".")[1:])) for name in self.required if name.startswith(part + ".")]
        allowed = [(name, tuple(name.split(".")[1:]), values) for name, values in self.allowed.items()
                   if name.startswith(part + ".")]
        return fields, required, allowed

    def _map(self, part, scope):
        fill = self._fills.get(part)
        if fill is None:
            fields, required, allowed = self._plan(part)
            fill = self._fills[part] = compile_fill(fields, required, allowed, dict(
                RowProblem=_RowProblem, ExpressionError=ExpressionError, ABSENT=_ABSENT, control=_CONTROL.search,
                control_problem=_control_problem, dates=self._dates, date=self._date, get_keys=_get_keys,
                put_keys=_put_keys))
        row = scope.get("row")
        return fill(scope, row, type(row) is dict)  # pylint: disable=unidiomatic-typecheck

    def _date(self, value, field):
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value.strftime("%Y-%m-%d")
        text = str(value).strip()
        parsed = self._dates.get(text)  # HR exports repeat a few thousand dates over many rows
        if parsed is None:
            try:
                parsed = datetime.datetime.strptime(text, self.date_format).date().isoformat()
            except ValueError:
                raise _RowProblem(field, f"not a date in the format {self.date_format}")
            self._dates[text] = parsed
        return parsed

    def map_person(self, row, contract_rows=()):
        """Person fields of one row (``contracts`` in scope: that person's raw contract rows)."""
        person = self._map("person", make_scope(row=row, contracts=list(contract_rows), lookups=self.lookups))
        person["id"] = str(person["id"]) if person.get("id") is not None else None
        if person["id"] is None:
            raise _RowProblem("person.id", "required value is empty")
        return person

    def person_id(self, row):
        """The person id of a row, or None: lets a rejected row keep its previous vault record."""
        try:
            value = _clean(self.person["id"](row=row, contracts=[], lookups=self.lookups))
        except ExpressionError:
            return None
        return None if value is None else str(value)

    def map_contract(self, row, parent=None):
        """Contract fields of one contract record; ``parent`` is the person's row."""
        contract = self._map("contract", make_scope(row=row, parent=parent or {}, lookups=self.lookups))
        if contract.get("on_leave") not in (None, True, False):
            # "N" would be true as a condition: HR's codes are compared in the mapping, not guessed.
            raise _RowProblem("contract.on_leave", "must be true or false; compare HR's code in the mapping, "
                                                   "e.g. row.Status in ['LOA', 'SABBATICAL']")
        if "on_leave" in contract and contract["on_leave"] is None:
            contract["on_leave"] = False
        return contract

    def map_absence(self, row, parent=None):
        """One dated absence ``{start, end[, reason]}`` of a record, or None when it has none
        (every field empty: a person row without leave). ``end`` empty: open-ended."""
        absence = self._map("absence", make_scope(row=row, parent=parent or {}, lookups=self.lookups))
        if all(value is None for value in absence.values()):
            return None
        if absence.get("start") is None:
            raise _RowProblem("absence.start", "required value is empty")
        if absence.get("end") is not None and absence["end"] < absence["start"]:
            raise _RowProblem("absence.end", "is before absence.start")
        absence.setdefault("end", None)
        if absence.get("reason") is not None:
            absence["reason"] = str(absence["reason"])
        return absence


def _control_problem(label, value):
    # NUL and other control characters are no part of a name, a code or a date: a directory
    # refuses them, a terminal or a report would hide them.
    raise _RowProblem(label, f"contains a control character (U+{ord(_CONTROL.search(value).group()):04X})")


def _clean(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _put_keys(target, keys, value):
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value


def _get_keys(source, keys):
    for key in keys:
        if not isinstance(source, dict):
            return None
        source = source.get(key)
    return source


def _check_columns(mapping, part, rows, source):
    if rows.columns is None:
        return  # free-form JSON records: fields may be absent per record
    missing = [(col, field) for col, field in sorted(mapping.columns_used(part).items()) if col not in rows.columns]
    if missing:
        raise MappingError("%s: source %s: column %s used by mapping %s.%s is missing (columns: %s)"
                           % (rows.name, source, missing[0][0], part, missing[0][1], ", ".join(rows.columns)))


def _key(row, column):
    value = row.get(column)
    return str(value).strip() if value is not None else ""


class _Contracts(object):
    """Where a person's contract (or absence: ``part``) records come from: a joined file, a nested
    list, or the row itself."""

    def __init__(self, source, mapping, contract_rows, contract_key, contracts_field, person_file, part="contract"):
        self.source, self.mapping, self.part = source, mapping, part
        self.rows, self.key, self.field, self.person_file = contract_rows, contract_key, contracts_field, person_file
        self.grouped = {}
        self.rejections = []
        self.broken = {}  # person key -> (file, line) of a contract row of theirs that could not be read
        if contract_rows is None:
            return
        _check_columns(mapping, part, contract_rows, source)
        if contract_rows.columns is not None and contract_key not in contract_rows.columns:
            raise MappingError(f"{contract_rows.name}: source {source}: {part} key column {contract_key} is missing")
        for line, row, problem in contract_rows.rows:
            if row is None:
                key = _key(getattr(problem, "partial", None) or {}, contract_key)
                if key:  # whose it is can be read: that person is rejected whole (and keeps their record)
                    self.broken.setdefault(key, (contract_rows.name, line))
                self.rejections.append(Rejection(source, contract_rows.name, line, None, problem, None,
                                                 key=key or None))
                continue
            key = _key(row, contract_key)
            if not key:
                self.rejections.append(Rejection(source, contract_rows.name, line, contract_key, "required value is empty",
                                                 unreadable=True))
                continue
            self.grouped.setdefault(key, []).append((contract_rows.name, line, row))

    def raw(self, key, row, line):
        """``[(file, origin, record)]`` of one person; a malformed nested list raises _RowProblem."""
        if self.rows is not None:
            return self.grouped.get(key, []) if key is not None else []
        if self.field:
            nested = row.get(self.field)
            if nested is None:
                return []
            if not isinstance(nested, list) or not all(isinstance(c, dict) for c in nested):
                raise _RowProblem(self.field, f"is not a list of {self.part} objects")
            return [(self.person_file, "%s.%s[%d]" % (line, self.field, i), c) for i, c in enumerate(nested, 1)]
        return [(self.person_file, line, row)]

    def orphans(self, used_keys):
        for key, joined in self.grouped.items():
            if key not in used_keys:
                for name, line, dummy in joined:
                    yield Rejection(self.source, name, line, self.key, f"no person with this key in {self.person_file}")


def collect_persons(source, mapping, persons_rows, contract_rows=None, person_key=None, contract_key=None,
                    contracts_field=None, absence_rows=None, absence_key=None, absences_field=None):
    """Map one source's records to vault persons.

    Contracts come from ``contract_rows`` joined on ``contract_key`` = ``person_key``, from the list
    in each person record's ``contracts_field`` (JSON/HTTP), or else from the person row itself.
    Returns ``(persons, rejections)``; a person with any rejected contract is rejected whole, so
    a bad row never silently strips a contract. Duplicate person ids are a ``MappingError``
    naming both rows.

    Absences (with an ``absence`` mapping) come the same ways: ``absence_rows`` joined on
    ``absence_key`` (one row per absence), the list in ``absences_field``, or the person row
    itself (at most one absence, none when its fields are empty); a person with a rejected
    absence row is rejected whole too (and keeps their previous record).
    """
    _check_columns(mapping, "person", persons_rows, source)
    if person_key and persons_rows.columns is not None and person_key not in persons_rows.columns:
        raise MappingError(f"{persons_rows.name}: source {source}: person key column {person_key} is missing")
    contracts = _Contracts(source, mapping, contract_rows, contract_key, contracts_field, persons_rows.name)
    absences = _Contracts(source, mapping, absence_rows, absence_key or person_key, absences_field, persons_rows.name,
                          part="absence") if mapping.absence else None
    if absences is not None and absence_rows is None and not absences_field:
        _check_columns(mapping, "absence", persons_rows, source)  # absence columns of the person rows
    rejections = list(contracts.rejections) + (absences.rejections if absences else [])
    persons, origin, used_keys = {}, {}, set()
    for line, row, problem in persons_rows.rows:
        if row is None:
            partial = getattr(problem, "partial", None) or {}
            guess = mapping.person_id(partial) if partial else None
            if partial and person_key:
                used_keys.add(_key(partial, person_key))  # its contracts are not orphans either
            rejections.append(Rejection(source, persons_rows.name, line, None, problem, guess or None))
            continue
        key = _key(row, person_key) if person_key else None
        used_keys.add(key)  # even if this row is rejected: its contracts are not orphans
        broken = [(part, records.broken[key]) for part, records in (("contract", contracts), ("absence", absences))
                  if key and records is not None and key in records.broken]
        if broken:
            part, (name, where) = broken[0]
            rejections.append(Rejection(source, persons_rows.name, line, None,
                                        f"person rejected because its {part} row {name}:{where} could not be read", mapping.person_id(row)))
            continue
        try:
            raw = contracts.raw(key, row, line)
            person = mapping.map_person(row, [r for dummy, dummy2, r in raw])
        except _RowProblem as exc:
            guess = mapping.person_id(row)
            rejections.append(Rejection(source, persons_rows.name, line, exc.field, exc.problem, guess,
                                        unreadable=guess is None))
            continue
        pid = person["id"]
        # One rule for person keys everywhere (collect, merge, correlation): surrounding spaces are
        # not part of it and case does not tell two persons apart - ids that differ only in case
        # are one key, so two rows with them are a duplicate, never two persons in conflict forever.
        folded = str(pid).lower()
        if folded in origin:
            first_line, first_id = origin[folded]
            raise MappingError("source %s: duplicate person id %r in %s rows %s and %s%s"
                               % (source, pid, persons_rows.name, first_line, line,
                                  "" if first_id == pid else " (as %r: ids that differ only in case are one key)"
                                  % first_id))
        origin[folded] = (line, pid)
        mapped, bad = [], None
        for name, where, record in raw:
            try:
                mapped.append(mapping.map_contract(record, parent=row))
            except _RowProblem as exc:
                bad = Rejection(source, name, where, exc.field, exc.problem, pid)
                break
        leave, part = [], "contract"
        if bad is None and absences is not None:
            part = "absence"
            try:
                raw_absences = absences.raw(key, row, line)
            except _RowProblem as exc:
                bad, raw_absences = Rejection(source, persons_rows.name, line, exc.field, exc.problem, pid), []
            for name, where, record in raw_absences:
                try:
                    absence = mapping.map_absence(record, parent=row)
                except _RowProblem as exc:
                    bad = Rejection(source, name, where, exc.field, exc.problem, pid)
                    break
                if absence is not None:
                    leave.append(absence)
        if bad is not None:
            rejections.append(bad)
            rejections.append(Rejection(source, persons_rows.name, line, None,
                                        f"person rejected because one of its {part} rows was rejected", pid))
            continue
        for index, contract in enumerate(mapped, 1):
            contract["id"] = "%s-%d" % (pid, index) if contract.get("id") is None else str(contract["id"])
        person["source"] = source
        person["contracts"] = mapped
        if absences is not None:
            person["absences"] = sorted(leave, key=lambda a: (a["start"], a["end"] or "9999-12-31"))
        persons[pid] = person
    rejections.extend(contracts.orphans(used_keys))
    if absences is not None:
        rejections.extend(absences.orphans(used_keys))
    return persons, rejections
