# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""CSV reader: rows as dicts with their origin (file name and line) (for internal use)."""

from __future__ import annotations

import hashlib
import csv
import io
import os

from ansible_collections.jml.provisioning.plugins.module_utils.sources.rows import (
    RowProblem, SourceError, SourceRows, read_text_file,
)


def read_csv(path, delimiter=",", encoding="utf-8", quotechar='"'):
    """Read a whole CSV file: header names (BOM and blanks stripped) and rows with line numbers."""
    name = os.path.basename(path)
    raw, text = read_text_file(path, encoding)  # never a BOM in the first column's name
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise SourceError(f"{name}: the file is empty (no header line)")
    except csv.Error as exc:
        raise SourceError(f"{name}:1: {exc}")
    header = [h.strip() for h in header]
    seen = set()
    for column in header:
        if column in seen:
            raise SourceError(f"{name}:1: column {column!r} appears twice in the header")
        seen.add(column)
    rows = []
    width = len(header)
    try:
        line = reader.line_num
        for record in reader:
            start, line = line + 1, reader.line_num
            if not record or (len(record) == 1 and not record[0].strip()):
                continue  # blank line
            if len(record) != width:
                # A line cut short keeps its first fields in place; with more fields than the header
                # (a delimiter inside a value) any of them may have shifted, so none is trusted.
                partial = dict(zip(header, record[:-1])) if len(record) < width else {}
                rows.append((start, None, RowProblem("has %d fields where the header has %d"
                                                     % (len(record), width), partial)))
                continue
            rows.append((start, dict(zip(header, record)), None))
    except csv.Error as exc:
        # Where the broken record starts (an unbalanced quote: the line it opened on), not where
        # the reader gave up (often the end of the file).
        raise SourceError("%s:%d: %s (the record that starts on line %d cannot be read; nothing after it is "
                          "trusted)" % (name, line + 1, exc, line + 1))
    return SourceRows(name=name, columns=header, rows=rows, digest=hashlib.sha256(raw).hexdigest())
