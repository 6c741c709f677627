# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One mapping part's record filler, generated as straight-line Python (for internal use).

Filling a record is the collect's inner loop: fields x records, 2.3 million field values at
100,000 persons. A generic loop over the fields pays per value for unpacking its plan, testing
the key depth and the kind of field; the same steps written out once per mapping part, with the
column names and labels as constants, do not. Measured on the bench's 100k export (2 vCPU AMD
EPYC, in-process, best of five): ``collect_persons`` took 1.91 s instead of the loop's 2.29 s.

The generated code is built only from ``repr()`` of the mapping's own names (columns, vault
keys, labels) and references to objects passed in, never from data, and does exactly what
``MappingSet._map`` did field by field (tests/unit/plugins/module_utils/collect/test_fill.py
compares the two on random rows), but for two fixes: a list or a dict in a date field is a
rejected row, where the loop stopped the collect with a TypeError, and a NaN or an infinite number
is empty, as JSON has no such number.
"""

from __future__ import annotations

import math


def _not_plain(column, absent):
    return absent


def _line(lines, depth, text):
    lines.append("    " * depth + text)


def compile_fill(fields, required, allowed, names):
    """``fill(scope, row, plain)`` -> the part's record (a dict), raising ``names['RowProblem']``.

    ``fields``: ``(label, keys, expression, is_date, column)`` in mapping order; ``required``:
    ``(label, keys)``; ``allowed``: ``(label, keys, values)``. ``names``: the helpers the code
    calls: ``RowProblem``, ``ExpressionError``, ``ABSENT``, ``control`` (a regex search),
    ``control_problem`` (raise for a control character),
    ``dates`` (the memo dict), ``date`` (parse one date or raise), ``get_keys``, ``put_keys``.
    """
    env = dict(names, isfinite=math.isfinite, not_plain=_not_plain)
    # A row that is not exactly a dict is read by the expressions only (its class may answer its own way).
    lines = ["def fill(scope, row, plain):", "    out = {}", "    get = row.get if plain else not_plain"]
    # A sub-dict (``name`` of ``name.given``) is held in a local once made, unless a one-key field
    # of the same name could replace it; then every store looks it up again, as the loop did.
    flat = set(field[1][0] for field in fields if len(field[1]) == 1)
    made = {}
    for index, (label, keys, expression, is_date, column) in enumerate(fields):
        env[f"E{index}"], env[f"L{index}"] = expression, label
        if column is not None:
            _line(lines, 1, f"v = get({column!r}, ABSENT)")
            _line(lines, 1, "if v is ABSENT:")
            depth = 2
        else:
            depth = 1
        _line(lines, depth, "try:")
        _line(lines, depth + 1, f"v = E{index}.evaluate(scope)")
        _line(lines, depth, "except ExpressionError as exc:")
        # Jinja's message quotes the data ("no attribute 'Jansen'"): name the error kind only.
        _line(lines, depth + 1, f"raise RowProblem(L{index}, 'mapping expression failed on this row (%s)' % "
                                "(exc.kind or 'error'))")
        _line(lines, 1, "if isinstance(v, str):")
        _line(lines, 2, "v = v.strip() or None")
        _line(lines, 2, "if v is not None and control(v):")
        _line(lines, 3, f"control_problem(L{index}, v)")
        # NaN and Infinity (a lookup's .nan, a computed value) are no value JSON can hold: empty.
        _line(lines, 1, "elif isinstance(v, float) and not isfinite(v):")
        _line(lines, 2, "v = None")
        if is_date:
            _line(lines, 1, "if v is not None:")
            # HR exports repeat a few thousand dates; a list or a dict there is no date (a rejection).
            _line(lines, 2, f"v = (dates.get(v) if isinstance(v, str) else None) or date(v, L{index})")
        if len(keys) == 1:
            _line(lines, 1, f"out[{keys[0]!r}] = v")
        elif len(keys) == 2 and keys[0] not in flat:
            local = made.get(keys[0])
            if local is None:
                local = made[keys[0]] = f"d{len(made)}"
                _line(lines, 1, f"{local} = out.setdefault({keys[0]!r}, {{}})")
            _line(lines, 1, f"{local}[{keys[1]!r}] = v")
        elif len(keys) == 2:
            _line(lines, 1, f"out.setdefault({keys[0]!r}, {{}})[{keys[1]!r}] = v")
        else:
            env[f"K{index}"] = keys
            _line(lines, 1, f"put_keys(out, K{index}, v)")
    for index, (label, keys) in enumerate(required):
        env[f"RL{index}"], env[f"RK{index}"] = label, keys
        _line(lines, 1, f"if get_keys(out, RK{index}) is None:")
        _line(lines, 2, f"raise RowProblem(RL{index}, 'required value is empty')")
    for index, (label, keys, values) in enumerate(allowed):
        env[f"AL{index}"], env[f"AK{index}"], env[f"AV{index}"] = label, keys, values
        _line(lines, 1, f"v = get_keys(out, AK{index})")
        _line(lines, 1, f"if v is not None and str(v) not in AV{index}:")
        _line(lines, 2, f"raise RowProblem(AL{index}, 'value is not one of the allowed codes')")
    _line(lines, 1, "return out")
    code = compile("\n".join(lines) + "\n", "<jml mapping fill>", "exec")
    exec(code, env)  # pylint: disable=exec-used  # the code above: repr()s of names, no data
    return env["fill"]
