# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Source mapping sets: raw HR rows in, vault persons out (for internal use).

A mapping set names, for each vault field, one expression over ``row``. Person fields:
``id``, ``name.<x>``, ``email``, ``manager``, ``custom.<x>``. Contract fields: ``id``, ``start``,
``end``, ``department.code``, ``department.name``, ``title.code``, ``title.name``, ``location``
and any further name. Only mapped fields reach the vault. No I/O here: rows come in as data.
"""

from __future__ import annotations

import datetime

from ansible_collections.jml.provisioning.plugins.module_utils.expressions import (
    ExpressionError, compile_mapping,
)

PERSON_FIELDS = ("id", "name", "email", "manager", "custom")
DEFAULT_DATE_FIELDS = ("start", "end")
DEFAULT_DATE_FORMAT = "%Y-%m-%d"


class MappingError(ValueError):
    """The mapping set itself is wrong (not the data); nothing can be collected."""


class Rejection(object):
    """One rejected row: where it is and which field is wrong. Never the row's content."""

    __slots__ = ("source", "file", "line", "field", "problem", "person")

    def __init__(self, source, file, line, field, problem, person=None):
        self.source, self.file, self.line = source, file, line
        self.field, self.problem, self.person = field, problem, person

    def as_dict(self):
        return {"source": self.source, "file": self.file, "row": self.line, "field": self.field,
                "problem": self.problem, "person": self.person}

    def __str__(self):
        field = " field %s:" % self.field if self.field else ""
        return "%s:%s:%s %s" % (self.file, self.line, field, self.problem)


class _RowProblem(Exception):
    def __init__(self, field, problem):
        Exception.__init__(self, problem)
        self.field, self.problem = field, problem


class MappingSet(object):
    """A compiled mapping set for one source."""

    def __init__(self, spec, label="mapping"):
        if not isinstance(spec, dict):
            raise MappingError("%s must be a dictionary with 'person' and optionally 'contract'" % label)
        unknown = set(spec) - {"person", "contract", "required", "date_format", "date_fields"}
        if unknown:
            raise MappingError("%s: unknown keys %s" % (label, ", ".join(sorted(unknown))))
        try:
            self.person = compile_mapping(spec.get("person") or {}, "%s.person" % label)
            self.contract = compile_mapping(spec.get("contract") or {}, "%s.contract" % label)
        except ExpressionError as exc:
            raise MappingError(str(exc))
        if "id" not in self.person:
            raise MappingError("%s.person must map 'id' (the person key)" % label)
        for field in self.person:
            if field.split(".", 1)[0] not in PERSON_FIELDS:
                raise MappingError("%s.person.%s: not a vault person field; use one of %s, or custom.%s"
                                   % (label, field, ", ".join(PERSON_FIELDS), field))
            if field in ("name", "custom"):
                raise MappingError("%s.person.%s: map the sub-fields (%s.<x>), not the whole object"
                                   % (label, field, field))
        self.date_format = spec.get("date_format") or DEFAULT_DATE_FORMAT
        self.date_fields = set(DEFAULT_DATE_FIELDS) | set(spec.get("date_fields") or ())
        self.required = list(spec.get("required") or [])
        for field in self.required:
            scope, dummy, name = field.partition(".")
            if scope not in ("person", "contract") or not name:
                raise MappingError("%s.required: %r must be person.<field> or contract.<field>" % (label, field))
            if name not in (self.person if scope == "person" else self.contract):
                raise MappingError("%s.required: %r is not mapped" % (label, field))

    def columns_used(self, part):
        """Columns the ``person`` or ``contract`` expressions read from ``row``."""
        exprs = self.person if part == "person" else self.contract
        used = {}
        for field, expr in exprs.items():
            for column in expr.referenced_items("row"):
                used.setdefault(column, field)
        return used

    def _map(self, exprs, part, scope):
        out = {}
        for field, expr in exprs.items():
            try:
                value = expr(**scope)
            except ExpressionError as exc:
                # Jinja's message quotes the data ("no attribute 'Jansen'"): name the error kind only.
                raise _RowProblem("%s.%s" % (part, field), "mapping expression failed on this row (%s)"
                                  % (exc.kind or "error"))
            value = _clean(value)
            if value is not None and part == "contract" and field in self.date_fields:
                value = self._date(value, "%s.%s" % (part, field))
            _put(out, field, value)
        for required in self.required:
            scope_name, dummy, field = required.partition(".")
            if scope_name == part and _get(out, field) is None:
                raise _RowProblem(required, "required value is empty")
        return out

    def _date(self, value, field):
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value.strftime("%Y-%m-%d")
        try:
            return datetime.datetime.strptime(str(value).strip(), self.date_format).date().isoformat()
        except ValueError:
            raise _RowProblem(field, "not a date in the format %s" % self.date_format)

    def map_person(self, row, contract_rows=()):
        """Person fields of one row (``contracts`` in scope: that person's raw contract rows)."""
        person = self._map(self.person, "person", {"row": row, "contracts": list(contract_rows)})
        person["id"] = str(person["id"]) if person.get("id") is not None else None
        if person["id"] is None:
            raise _RowProblem("person.id", "required value is empty")
        return person

    def person_id(self, row):
        """The person id of a row, or None: lets a rejected row keep its previous vault record."""
        try:
            value = _clean(self.person["id"](row=row, contracts=[]))
        except ExpressionError:
            return None
        return None if value is None else str(value)

    def map_contract(self, row):
        return self._map(self.contract, "contract", {"row": row})


def _clean(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _put(target, dotted, value):
    keys = dotted.split(".")
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value


def _get(source, dotted):
    for key in dotted.split("."):
        if not isinstance(source, dict):
            return None
        source = source.get(key)
    return source


def _check_columns(mapping, part, rows, source):
    missing = [(col, field) for col, field in sorted(mapping.columns_used(part).items()) if col not in rows.columns]
    if missing:
        raise MappingError("%s: source %s: column %s used by mapping %s.%s is missing (columns: %s)"
                           % (rows.name, source, missing[0][0], part, missing[0][1], ", ".join(rows.columns)))


def collect_persons(source, mapping, persons_rows, contract_rows=None, person_key=None, contract_key=None):
    """Map one source's rows to vault persons.

    ``persons_rows``/``contract_rows`` are ``SourceRows``. Contracts join on ``contract_key``
    (a contract column) = ``person_key`` (a person column); without a contracts file each person
    row also yields one contract. Returns ``(persons, rejections)``; a person with any rejected
    row is rejected whole, so a bad row never silently strips a contract. Duplicate person ids
    are a ``MappingError`` naming both rows.
    """
    _check_columns(mapping, "person", persons_rows, source)
    if person_key and person_key not in persons_rows.columns:
        raise MappingError("%s: source %s: person key column %s is missing" % (persons_rows.name, source, person_key))
    rejections = []
    grouped = {}
    bad_keys = set()
    if contract_rows is not None:
        _check_columns(mapping, "contract", contract_rows, source)
        if contract_key not in contract_rows.columns:
            raise MappingError("%s: source %s: contract key column %s is missing"
                               % (contract_rows.name, source, contract_key))
        for line, row, problem in contract_rows.rows:
            if row is None:
                rejections.append(Rejection(source, contract_rows.name, line, None, problem))
                continue
            key = (row.get(contract_key) or "").strip()
            if not key:
                rejections.append(Rejection(source, contract_rows.name, line, contract_key, "required value is empty"))
                continue
            try:
                contract = mapping.map_contract(row)
            except _RowProblem as exc:
                rejections.append(Rejection(source, contract_rows.name, line, exc.field, exc.problem))
                bad_keys.add(key)
                continue
            grouped.setdefault(key, []).append((line, row, contract))

    persons = {}
    origin = {}
    used_keys = set()
    for line, row, problem in persons_rows.rows:
        if row is None:
            rejections.append(Rejection(source, persons_rows.name, line, None, problem))
            continue
        key = (row.get(person_key) or "").strip() if person_key else None
        used_keys.add(key)  # even if this row is rejected: its contracts are not orphans
        joined = grouped.get(key, []) if key is not None else []
        try:
            person = mapping.map_person(row, [entry[1] for entry in joined])
            if contract_rows is None:
                contracts = [mapping.map_contract(row)]
            else:
                contracts = [entry[2] for entry in joined]
        except _RowProblem as exc:
            rejections.append(Rejection(source, persons_rows.name, line, exc.field, exc.problem,
                                        mapping.person_id(row)))
            continue
        pid = person["id"]
        if pid in origin:
            raise MappingError("source %s: duplicate person id %r in %s rows %d and %d"
                               % (source, pid, persons_rows.name, origin[pid], line))
        origin[pid] = line
        if key in bad_keys:
            rejections.append(Rejection(source, persons_rows.name, line, None,
                                        "person rejected because one of its contract rows was rejected", pid))
            continue
        for index, contract in enumerate(contracts, 1):
            if contract.get("id") is None:
                contract["id"] = "%s-%d" % (pid, index)
            else:
                contract["id"] = str(contract["id"])
        person["source"] = source
        person["contracts"] = contracts
        persons[pid] = person
    for key, joined in grouped.items():
        if key not in used_keys:
            for entry in joined:
                rejections.append(Rejection(source, contract_rows.name, entry[0], contract_key,
                                            "no person with this key in %s" % persons_rows.name))
    return persons, rejections
