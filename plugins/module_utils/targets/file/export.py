# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The export file of ``file_accounts``: parse, render, and apply a plan to its rows (for internal use).

Pure: text in, text out, no file system. The previous export is the target's directory: every
row with a login is an ``Account`` under a pseudo-DN ``<username column>=<login>,ou=accounts,o=file``
(never written to the file), so the DN-based planner runs unchanged. A row without an anchor
value is nobody's: it is kept in its place, and, while the header stays the same, byte for byte
(the text it was read from is kept with it).

Cells are text in CSV (a list value is joined with the group separator, the ``groups`` cell is
the group names joined with it) and JSON values in JSON Lines (a list for several values or
groups, a boolean for ``active``, null for none).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Dict, List, Optional

from ansible_collections.jml.provisioning.plugins.module_utils.provision import dn as dnlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision.correlation import Account

ACCOUNTS_DN = "ou=accounts,o=file"  # the pseudo container of every row's account
GROUPS_BASE = "ou=groups,o=file"    # a rule's group name N is the group cn=N,<GROUPS_BASE>
FORMATS = ("csv", "jsonl")
QUOTING = {"minimal": csv.QUOTE_MINIMAL, "all": csv.QUOTE_ALL}
# The action a changed row has in the delta file, the strongest of its operations first.
DELTA_ACTIONS = ("create", "delete", "disable", "enable", "update")
ACTION_COLUMN = "action"
NEWLINE = "\n"


class ExportError(ValueError):
    """The export cannot be parsed (or a row cannot be applied); the message names file and row."""


class Layout(object):
    """What the export looks like: its format, managed columns in order, and the CSV dialect."""

    def __init__(self, columns, username, anchor, active="active", groups=None, file_format="csv",
                 delimiter=",", quoting="minimal", quotechar='"', group_separator=";", name="the export"):
        if file_format not in FORMATS:
            raise ExportError(f"format must be one of {', '.join(FORMATS)}, got {file_format!r}")
        if quoting not in QUOTING:
            raise ExportError(f"csv.quoting must be one of {', '.join(QUOTING)}, got {quoting!r}")
        if file_format == "csv" and (len(delimiter) != 1 or len(quotechar) != 1):
            raise ExportError("csv.delimiter and csv.quotechar must be one character each")
        if file_format == "csv" and (not group_separator or group_separator == delimiter):
            raise ExportError("csv.group_separator must be set and differ from csv.delimiter")
        self.columns = list(columns)
        self.username, self.anchor, self.active, self.groups = username, anchor, active, groups
        self.format = file_format
        self.delimiter, self.quoting, self.quotechar = delimiter, quoting, quotechar
        self.group_separator = group_separator
        self.name = name
        lowered = [c.lower() for c in self.columns]
        if len(set(lowered)) != len(lowered):
            raise ExportError("columns: a column is named twice (names are case-insensitive)")
        missing = [c for c in (username, anchor, active, groups) if c and c.lower() not in lowered]
        if missing:
            raise ExportError(f"columns must include {', '.join(missing)}")

    def dn(self, login: str) -> str:
        return dnlib.build(self.username, login, ACCOUNTS_DN)

    def column(self, attribute: str, header: List[str]) -> str:
        """The column an attribute is written to: the header's spelling, else the layout's."""
        key = attribute.lower()
        for name in list(header) + self.columns:
            if name.lower() == key:
                return name
        return attribute


class Row(object):
    """One record of the export: cells (column -> value, in order), the text it was read from
    (None once changed, or when new) and its row number (1 = the first after the header)."""

    __slots__ = ("cells", "raw", "number")

    def __init__(self, cells, raw=None, number=0):
        self.cells, self.raw, self.number = cells, raw, number


class Export(object):
    """A parsed export: header (CSV; JSON Lines: the managed columns), rows, and the header's text."""

    def __init__(self, header, rows, header_raw=None):
        self.header, self.rows, self.header_raw = list(header), list(rows), header_raw


# ---- parsing -------------------------------------------------------------------------------

def parse(text: Optional[str], layout: Layout) -> Export:
    """The export in ``text`` (None or empty: no export yet); ``ExportError`` names the row."""
    if not text or not text.strip():
        return Export(layout.columns, [])
    if layout.format == "jsonl":
        return _parse_jsonl(text, layout)
    return _parse_csv(text, layout)


def _records(text, layout):
    """``(line number, fields, raw text)`` per CSV record, the raw text exactly as read."""
    buffer = []

    def lines():
        for line in io.StringIO(text, newline=""):
            buffer.append(line)
            yield line
    reader = csv.reader(lines(), delimiter=layout.delimiter, quotechar=layout.quotechar, strict=True)
    start = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ExportError(f"{layout.name} line {reader.line_num}: not CSV as configured: {exc}")
        raw = "".join(buffer)
        del buffer[:]
        yield start, fields, raw
        start = reader.line_num + 1


def _parse_csv(text, layout):
    records = _records(text, layout)
    header, header_raw = None, None
    rows = []
    for line, fields, raw in records:
        if not fields:
            if header is not None:
                rows.append(Row({}, raw, line))  # a blank line: no record, but kept where it is
            continue
        if header is None:
            header, header_raw = fields, raw
            lowered = [h.lower() for h in header]
            if len(set(lowered)) != len(lowered):
                raise ExportError(f"{layout.name} line {line}: the header names a column twice")
            for needed in (layout.username, layout.anchor):
                if needed.lower() not in lowered:
                    raise ExportError(f"{layout.name} line {line}: the header has no {needed!r} column: not an "
                                      f"export of this target (format {layout.format}, delimiter {layout.delimiter!r})")
            continue
        if len(fields) != len(header):
            raise ExportError(f"{layout.name} line {line}: {len(fields)} fields where the header has {len(header)}")
        rows.append(Row(dict(zip(header, fields)), raw, line))
    if header is None:
        return Export(layout.columns, [])
    export = Export(header, rows, header_raw)
    _check_logins(export, layout)
    return export


def _parse_jsonl(text, layout):
    rows = []
    for number, line in enumerate(io.StringIO(text, newline=""), 1):
        if not line.strip():
            rows.append(Row({}, line, number))  # a blank line: no record, but kept where it is
            continue
        try:
            cells = json.loads(line)
        except ValueError as exc:
            raise ExportError(f"{layout.name} line {number}: not JSON: {exc}")
        if not isinstance(cells, dict):
            raise ExportError(f"{layout.name} line {number}: a JSON object per line expected, got {type(cells).__name__}")
        rows.append(Row(cells, line, number))
    export = Export(layout.columns, rows)
    _check_logins(export, layout)
    return export


def _check_logins(export, layout):
    """Every managed row has a login, and no login is on two rows: the pseudo-DN is the key."""
    seen = {}
    for row in export.rows:
        login = cell_text(row.cells.get(_key(row.cells, layout.username)))
        anchor = cell_text(row.cells.get(_key(row.cells, layout.anchor)))
        if not login:
            if anchor:
                raise ExportError(f"{layout.name} line {row.number}: {layout.anchor} {anchor} has no {layout.username}")
            continue
        key = dnlib.normalise(layout.dn(login))
        if key in seen:
            raise ExportError(f"{layout.name} line {row.number}: {layout.username} {login} is also on line {seen[key]}")
        seen[key] = row.number


def _key(cells, column):
    """The key of ``column`` in ``cells`` (case-insensitive), or ``column``."""
    if column in cells:
        return column
    key = column.lower()
    for name in cells:
        if name.lower() == key:
            return name
    return column


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(cell_text(v) for v in value)
    return str(value)


def cell_values(value, separator=None) -> List[str]:
    """A cell as the engine's values: none, one, or (a JSON list; split CSV text) several."""
    if value is None:
        return []
    if isinstance(value, list):
        return [t for t in (cell_text(v) for v in value) if t != ""]
    text = cell_text(value)
    if separator is not None:
        return [part.strip() for part in text.split(separator) if part.strip()]
    return [text] if text != "" else []


def group_names(row: Row, layout: Layout) -> List[str]:
    if not layout.groups:
        return []
    separator = layout.group_separator if layout.format == "csv" else None
    return cell_values(row.cells.get(_key(row.cells, layout.groups)), separator)


def account_of(row: Row, layout: Layout) -> Optional[Account]:
    """The row's account (attributes: lower-case column -> values), or None without a login."""
    login = cell_text(row.cells.get(_key(row.cells, layout.username)))
    if not login:
        return None
    groups = layout.groups.lower() if layout.groups else None
    attrs = {}
    for column, value in row.cells.items():
        key = column.lower()
        if key == groups:
            attrs[key] = group_names(row, layout)
        elif isinstance(value, str):  # the common case (every CSV cell): one value or none
            attrs[key] = [value] if value else []
        else:
            attrs[key] = cell_values(value)
    return Account(layout.dn(login), attrs)


def accounts(export: Export, layout: Layout) -> List[Account]:
    return [a for a in (account_of(row, layout) for row in export.rows) if a is not None]


def members(export: Export, layout: Layout, groups: Dict[str, str]) -> Dict[str, dict]:
    """``{normalised group DN: {dn, exists, members}}``: a file's group is a name in the rows'
    groups cells, so every group exists and its members are the rows that name it."""
    found = dict((key, {"dn": dn, "exists": True, "members": []}) for key, dn in groups.items())
    for row in export.rows:
        login = cell_text(row.cells.get(_key(row.cells, layout.username)))
        if not login:
            continue
        for name in group_names(row, layout):
            key = dnlib.normalise(dnlib.build("cn", name, GROUPS_BASE))
            if key in found:
                found[key]["members"].append(layout.dn(login))
    return found


# ---- rendering -----------------------------------------------------------------------------

def header_of(layout: Layout, previous: Export) -> List[str]:
    """The managed columns in their order, then the previous export's other columns (kept)."""
    managed = set(c.lower() for c in layout.columns)
    return layout.columns + [c for c in previous.header if c.lower() not in managed]


def render(export: Export, layout: Layout) -> str:
    """The export's text; a row still holding its raw text is written as it was read."""
    if layout.format == "jsonl":
        return "".join(_line(row.raw) if row.raw is not None else (_jsonl_row(row, layout, export.header)
                                                                   if row.cells else NEWLINE)
                       for row in export.rows)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=layout.delimiter, quotechar=layout.quotechar,
                        quoting=QUOTING[layout.quoting], lineterminator=NEWLINE)
    if export.header_raw is not None:
        out.write(_line(export.header_raw))
    else:
        writer.writerow(export.header)
    for row in export.rows:
        if row.raw is not None:
            out.write(_line(row.raw))
        elif not row.cells:
            out.write(NEWLINE)
        else:
            writer.writerow([_csv_cell(row.cells.get(_key(row.cells, column)), layout) for column in export.header])
    return out.getvalue()


def _line(raw):
    return raw if raw.endswith(("\n", "\r")) else raw + NEWLINE


def _csv_cell(value, layout):
    if isinstance(value, list):
        return layout.group_separator.join(cell_text(v) for v in value)
    return cell_text(value)


def _jsonl_row(row, layout, header):
    ordered = {}
    for column in header:
        ordered[column] = row.cells.get(_key(row.cells, column))
    for column, value in row.cells.items():
        if _key(ordered, column) not in ordered:
            ordered[column] = value
    return json.dumps(ordered, ensure_ascii=False, sort_keys=False) + NEWLINE


def _cell(values, layout, column):
    """The engine's values (a list of text) as a cell of ``column``."""
    if layout.format == "csv":
        return layout.group_separator.join(values)
    if column.lower() == layout.active.lower() and len(values) == 1 and values[0].lower() in ("true", "false"):
        return values[0].lower() == "true"
    if not values:
        return None
    return values[0] if len(values) == 1 else list(values)


# ---- applying a plan -----------------------------------------------------------------------

class Applied(object):
    """The outcome of ``apply``: the new export, the operations done, the failures, and the
    changed rows for the delta file (``[(action, row)]``, in the order of the export)."""

    def __init__(self, export, done, failures, delta):
        self.export, self.done, self.failures, self.delta = export, done, failures, delta


def apply(previous: Export, operations: list, layout: Layout) -> Applied:
    """The export after ``operations`` (in apply order), from the previous one; unmanaged rows
    stay where they were. One failing operation never stops the others (the later operations
    of the same account are skipped)."""
    header = header_of(layout, previous)
    same_header = [c.lower() for c in header] == [c.lower() for c in previous.header] and previous.header_raw is not None
    rows = [Row(dict(r.cells), r.raw if (same_header or layout.format == "jsonl") else None, r.number)
            for r in previous.rows]
    index = {}
    for row in rows:
        login = cell_text(row.cells.get(_key(row.cells, layout.username)))
        if login:
            index[dnlib.normalise(layout.dn(login))] = row
    state = _State(rows, index, header, layout)
    done, failures, broken = [], [], set()
    for op in operations:
        if op.person is not None and op.person in broken:
            failures.append({"person": op.person, "action": op.action, "dn": op.dn,
                             "error": "skipped: an earlier operation on this account failed"})
            continue
        try:
            state.apply(op)
        except ExportError as exc:
            failures.append({"person": op.person, "action": op.action, "dn": op.dn, "error": str(exc)})
            if op.person is not None:
                broken.add(op.person)
            continue
        done.append(op)
    kept = [row for row in rows if id(row) not in state.deleted]
    order = dict((id(row), i) for i, row in enumerate(rows))
    delta = sorted(((state.strongest(row), row) for row in rows + state.created if id(row) in state.touched),
                   key=lambda item: order.get(id(item[1]), len(rows)))
    export = Export(header, kept + state.created, previous.header_raw if same_header else None)
    return Applied(export, done, failures, delta)


class _State(object):
    """The rows while a plan is applied: indexed by pseudo-DN, renamed, created, deleted."""

    def __init__(self, rows, index, header, layout):
        self.rows, self.index, self.header, self.layout = rows, index, header, layout
        self.renamed = {}   # normalised old DN -> normalised new DN (this run's moves)
        self.created, self.deleted = [], set()
        self.touched = {}   # id(row) -> the actions done on it

    def strongest(self, row):
        actions = self.touched[id(row)]
        return next((a for a in DELTA_ACTIONS if a in actions), "update")

    def row(self, dn, renamed_first=False):
        key = dnlib.normalise(dn)
        if renamed_first and key in self.renamed:
            key = self.renamed[key]
        row = self.index.get(key)
        if row is None or id(row) in self.deleted:
            raise ExportError(f"no row of {self.layout.name} has {self.layout.username} {dnlib.rdn_value(dn)}")
        return row

    def set(self, row, modifications):
        for attribute, values in modifications.items():
            if attribute.lower() == "objectclass":
                continue
            column = self.layout.column(attribute, self.header)
            row.cells[_key(row.cells, column)] = _cell(list(values), self.layout, column)
        row.raw = None

    def touch(self, row, action):
        self.touched.setdefault(id(row), set()).add(action)
        row.raw = None

    def apply(self, op):
        action = op.action
        if action == "create":
            key = dnlib.normalise(op.dn)
            if key in self.index and id(self.index[key]) not in self.deleted:
                raise ExportError(f"a row with {self.layout.username} {dnlib.rdn_value(op.dn)} is already there")
            row = Row(dict((column, None if self.layout.format == "jsonl" else "") for column in self.header))
            self.set(row, op.modifications)
            if self.layout.groups and self.layout.format == "jsonl":
                row.cells[_key(row.cells, self.layout.groups)] = []
            self.index[key] = row
            self.created.append(row)
            self.touch(row, action)
        elif action in ("update", "enable", "disable", "move"):
            row = self.row(op.dn)
            self.set(row, op.modifications)
            if op.new_dn:
                self.rename(row, op.dn, op.new_dn)
            self.touch(row, "update" if action == "move" else action)
        elif action == "delete":
            row = self.row(op.dn)
            self.deleted.add(id(row))
            del self.index[dnlib.normalise(op.dn)]
            self.touch(row, action)
        elif action in ("grant", "revoke"):
            row = self.row(op.dn, renamed_first=action == "revoke")
            self.membership(row, dnlib.rdn_value(op.group), action == "grant")
            self.touch(row, "update")
        elif action == "relink":
            return  # groups are held per row: a renamed row keeps its groups cell
        else:
            raise ExportError(f"a file target has no {action} operation")

    def rename(self, row, old, new):
        login = dnlib.rdn_value(new)
        row.cells[_key(row.cells, self.layout.username)] = login
        old_key, new_key = dnlib.normalise(old), dnlib.normalise(new)
        if old_key != new_key:
            held = self.index.get(new_key)
            if held is not None and held is not row and id(held) not in self.deleted:
                raise ExportError(f"a row with {self.layout.username} {login} is already there")
            del self.index[old_key]
            self.renamed[old_key] = new_key
        self.index[new_key] = row

    def membership(self, row, name, granted):
        layout = self.layout
        if not layout.groups:
            raise ExportError("rules grant groups but the export has no groups column")
        column = _key(row.cells, layout.groups)
        names = group_names(row, layout)
        key = name.lower()
        names = [n for n in names if n.lower() != key]
        if granted:
            names.append(name)
        names.sort(key=str.lower)
        row.cells[column] = layout.group_separator.join(names) if layout.format == "csv" else names


def delta_export(applied: Applied, layout: Layout) -> Export:
    """The changed rows only, each with an ``action`` column (create, update, disable, enable, delete)."""
    header = [ACTION_COLUMN] + [c for c in applied.export.header if c.lower() != ACTION_COLUMN]
    rows = []
    for action, row in applied.delta:
        cells = {ACTION_COLUMN: action}
        cells.update((k, v) for k, v in row.cells.items() if k.lower() != ACTION_COLUMN)
        rows.append(Row(cells))
    return Export(header, rows)
