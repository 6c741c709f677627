# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every source reader returns (for internal use)."""

from __future__ import annotations

import codecs
import os


class SourceError(Exception):
    """A source cannot be read at all; the message names the file (and line where known)."""

    def __init__(self, message):
        Exception.__init__(self, visible(message))


class RowProblem(str):
    """Why a row could not be read as a whole (its text), with ``partial``: the fields that could
    still be read in place (a line cut short keeps its first fields), from which the person key
    may be guessed, so that person keeps their previous record rather than becoming a leaver."""

    def __new__(cls, text, partial=None):
        made = str.__new__(cls, text)
        made.partial = dict(partial or {})
        return made


_INVISIBLE = dict((code, f"\\u{code:04x}") for code in list(range(0, 32)) + [0x7F, 0xFEFF, 0x200B, 0x200E, 0x200F]
                  if chr(code) not in "\t")


def visible(text):
    """``text`` with invisible characters (NUL, a BOM, controls) written as ``\\uXXXX``: an error
    message must show what is there, never hide it or break the terminal."""
    return str(text).translate(_INVISIBLE)


class SourceRows(object):
    """Rows of one file or page set.

    ``rows`` is a list of ``(line, row_dict_or_None, problem_or_None)``: a row that could not be
    split into fields keeps its line number and a problem, so it is rejected with its origin.
    ``digest`` is a SHA-256 of the raw bytes read (file, or every page in order): equal digests
    mean the source did not change, which lets an unchanged collect stop early.
    """

    __slots__ = ("name", "columns", "rows", "digest")

    def __init__(self, name, columns, rows, digest=None):
        self.name = name
        self.columns = columns
        self.rows = rows
        self.digest = digest


def decode_text(name, raw, encoding):
    """Bytes of a file as text, or a ``SourceError`` naming the file, line and offending byte."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise SourceError(f"{name}: unknown encoding {encoding!r}")
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise SourceError("%s:%d: cannot decode as %s (byte 0x%02x at offset %d); set the source's encoding"
                          % (name, line, encoding, raw[exc.start], exc.start))


def read_text_file(path, encoding):
    """``(raw bytes, text)`` of a whole file: decoding errors name the line, a leading BOM is
    dropped (exports carry one even when declared plain UTF-8), an unreadable file is named."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}")
    text = decode_text(os.path.basename(path), raw, encoding)
    return raw, text[1:] if text.startswith("\ufeff") else text
