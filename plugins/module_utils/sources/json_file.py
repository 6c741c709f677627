# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""JSON reader: the records of a JSON document with their 1-based index (for internal use).

The records are a list inside the document, found by a dotted path (``data.employees``; a numeric
part indexes a list: ``results.0.items``), or the document itself when no path is given. Records
stay as they are (nested lists and objects included); one that is not an object is kept as a
problem with its index, so it is rejected with its origin instead of failing the whole file.
"""

from __future__ import annotations

import hashlib
import json
import os

from ansible_collections.jml.provisioning.plugins.module_utils.sources.rows import SourceError, SourceRows, read_text_file

_NO_VALUE = object()


def json_type(value):
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _step(value, part):
    """``value[part]`` for an object key or a list index, ``_NO_VALUE`` when there is none."""
    if isinstance(value, dict):
        return value.get(part, _NO_VALUE)
    if isinstance(value, list):
        try:
            index = int(part)
        except ValueError:
            return _NO_VALUE
        return value[index] if -len(value) <= index < len(value) else _NO_VALUE
    return _NO_VALUE


def lookup(document, path, default=None):
    """The value at a dotted path, or ``default`` when any part is missing (no error)."""
    value = document
    for part in (path.split(".") if path else []):
        value = _step(value, part)
        if value is _NO_VALUE:
            return default
    return value


def find_records(document, path, where="the document"):
    """The list of records at a dotted ``path`` of ``document`` (the document itself when None).

    Raises ``ValueError`` with a message such as ``records path data.employees: no key
    'employees' in data``; ``where`` names the root in messages ("the document", "the body").
    """
    value = document
    parts = path.split(".") if path else []
    for number, part in enumerate(parts):
        container = ".".join(parts[:number]) or where
        found = _step(value, part)
        if found is _NO_VALUE:
            if isinstance(value, dict):
                problem = f"no key {part!r} in {container}"
            elif isinstance(value, list):
                problem = f"{container} is a list of {len(value)}, {part!r} is not an index in it"
            else:
                problem = f"{container} is {json_type(value)}, not an object"
            raise ValueError(f"records path {path}: {problem}")
        value = found
    if not isinstance(value, list):
        if path:
            raise ValueError(f"records path {path}: is {json_type(value)}, not a list")
        hint = ""
        if isinstance(value, dict):
            keys = sorted(k for k, v in value.items() if isinstance(v, list))
            hint = "; set records to the path of the list of records (%s)" % (
                "keys holding a list: %s" % ", ".join(keys) if keys else "no key holds a list")
        raise ValueError(f"{where} is {json_type(value)}, not a list of records{hint}")
    return value


def record_rows(records, origin=None):
    """``(origin, record, problem)`` for each record; ``origin(index)`` names it (default: the 1-based index)."""
    rows = []
    for index, record in enumerate(records, 1):
        label = origin(index) if origin else index
        if isinstance(record, dict):
            rows.append((label, record, None))
        else:
            rows.append((label, None, "is not an object"))
    return rows


def non_finite_as_empty(name):
    """What ``NaN``, ``Infinity`` and ``-Infinity`` in a JSON source are: empty. No JSON number is
    one (RFC 8259), Python's parser takes them all the same, and a vault never holds them."""
    return None


def read_json(path, records=None, encoding="utf-8"):
    """Read a whole JSON file: the records at the dotted path ``records`` with their 1-based index.

    ``columns`` is None: JSON records are free-form, so no header check applies.
    """
    name = os.path.basename(path)
    raw, text = read_text_file(path, encoding)
    if not text.strip():
        raise SourceError(f"{name}: the file is empty (no JSON document)")
    try:
        document = json.loads(text, parse_constant=non_finite_as_empty)
    except json.JSONDecodeError as exc:
        raise SourceError("%s:%d:%d: malformed JSON: %s" % (name, exc.lineno, exc.colno, exc.msg))
    except RecursionError:
        raise SourceError(f"{name}: malformed JSON: nested too deeply")
    try:
        items = find_records(document, records)
    except ValueError as exc:
        raise SourceError(f"{name}: {exc}")
    return SourceRows(name=name, columns=None, rows=record_rows(items), digest=hashlib.sha256(raw).hexdigest())
