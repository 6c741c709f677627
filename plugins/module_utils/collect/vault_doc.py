# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The vault document, format ``jml.provisioning/vault/v1`` (for internal use).

Pure functions: build a document, parse and check one, and compare two snapshots. Reading,
decrypting and writing files is the controller's job (``plugin_utils/vault_file.py``).
"""

from __future__ import annotations

import gc
import itertools
import json
from typing import Dict, Iterable, Iterator, Optional

try:  # optional: the same JSON, 8x faster (see _encoded)
    import orjson
except ImportError:  # pragma: no cover - json's own encoder writes it then
    orjson = None

FORMAT = "jml.provisioning/vault/v1"


class VaultFormatError(ValueError):
    """The text is not a vault of a format this collection reads."""


def build(persons: Dict[str, dict], sources: list, collected_at: str) -> dict:
    """A vault document; persons sorted by id so equal content gives equal bytes."""
    return {
        "format": FORMAT,
        "collected_at": collected_at,
        "sources": sources,
        "persons": dict(sorted(persons.items())),
    }


# One encoder for the whole text and its pieces. check_circular: the document is our own JSON
# data, never circular (0.1 s of 0.75 s at 100k persons).
_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=False, separators=(",", ":"), check_circular=False).encode
PERSONS_PER_PIECE = 2000


def dumps(document: dict) -> str:
    return _ENCODE(document) + "\n"


def dump_pieces(document: dict, per_piece: int = PERSONS_PER_PIECE) -> Iterator[bytes]:
    """``dumps(document)`` as UTF-8 bytes, in pieces of ``per_piece`` persons (written by orjson
    where it is installed: the same document, see ``_encoded``).

    At 100k persons the one-shot text is a 56 MB string and then its 56 MB of bytes, alive
    together with the document; in pieces the encrypted write never holds more than one."""
    yield b"{"
    for index, (key, value) in enumerate(document.items()):
        head = _utf8(("," if index else "") + _ENCODE(key) + ":")
        if key != "persons" or not isinstance(value, dict) or not value:
            yield head + _encoded(value)
            continue
        yield head + b"{"
        items, separator = iter(value.items()), b""
        while True:
            batch = dict(itertools.islice(items, per_piece))
            if not batch:
                break
            yield separator + _encoded(batch)[1:-1]
            separator = b","
        yield b"}"
    yield b"}\n"


def _encoded(value) -> bytes:
    """``value`` as the vault's JSON, UTF-8. With orjson installed, orjson writes it: at 100k persons
    0.09 s for the 55 MB where json's C encoder takes 0.71 s (bench/results/collect-2026-12-07.md),
    a tenth of the whole collect. The bytes are json's but for the spelling of a few float exponents
    (``1.5e-7`` for ``1.5e-07``: the same number); what orjson refuses (an integer over 64 bits, a
    key that is not text, a lone surrogate of undecodable input, a date object) json writes, as
    before. NaN and Infinity, which orjson would write as null, are kept out of a vault upstream:
    JSON and HTTP sources read them as empty, and so does the mapping's filler for a field's
    value (sources/json_file.py, collect/fill.py); only one nested in a list or an object that a
    lookup table gives a field would still be written as null."""
    if orjson is not None:
        try:
            return orjson.dumps(value, option=orjson.OPT_PASSTHROUGH_DATETIME)
        except TypeError:  # orjson.JSONEncodeError is one
            pass
    return _utf8(_ENCODE(value))


def _utf8(text):
    # What to_bytes does with the text of dumps(): lone surrogates of undecodable input go back as their bytes.
    return text.encode("utf-8", "surrogateescape")


def loads(text: str, name: str = "vault") -> dict:
    # JSON makes containers, never garbage: with the collector on, its passes over the growing
    # document cost 0.02 s of a 0.136 s vault read at 10k persons (CPU, fresh process).
    collecting = gc.isenabled()
    gc.disable()
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise VaultFormatError(f"{name} is not a vault document (invalid JSON: {exc})")
    finally:
        if collecting:
            gc.enable()
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else type(document).__name__
        raise VaultFormatError(f"{name} has format {found!r}; this collection reads {FORMAT}")
    if not isinstance(document.get("persons"), dict):
        raise VaultFormatError(f"{name} has no 'persons' mapping")
    return document


def share_strings(records: Iterable[dict]) -> None:
    """Make equal text values of ``records`` (the vault's persons, nested dicts and lists of dicts
    included) one object each, in place. JSON makes a new string for every value: at 100k persons
    1.8 million of them, 104 MiB, for 450k distinct texts (departments, titles, dates, managers,
    common names), 27 MiB. A target's run holds the persons until it ends, so that is its peak
    memory (planning a 100k first provisioning in one process: 576 -> 525 MiB, after the creates'
    shared values of provision/shared_values.py took it from 645 to 576); the cost is one walk,
    ~0.9 s at 100k on a slow machine, which only a full reconcile or a cycle pays (an unchanged
    incremental run reads no vault). Keys are shared by json already."""
    memo: Dict[str, str] = {}
    keep = memo.setdefault
    stack = list(records)
    pop, push = stack.pop, stack.append
    while stack:  # a stack, not recursion: the walk's function calls cost a third more
        record = pop()
        for key, value in record.items():
            kind = value.__class__
            if kind is str:
                record[key] = keep(value, value)  # replacing a value keeps the dict's size and order
            elif kind is dict:
                push(value)
            elif kind is list:
                for item in value:
                    if item.__class__ is dict:
                        push(item)


def _comparable_sources(sources):
    return [dict((k, v) for k, v in s.items() if k != "collected_at") for s in sources or []]


def same_content(old: Optional[dict], new: dict) -> bool:
    """True when two documents differ at most in their collection timestamps."""
    if old is None:
        return False
    return old.get("persons") == new.get("persons") and \
        _comparable_sources(old.get("sources")) == _comparable_sources(new.get("sources"))


def _changed_fields(before, after, prefix=""):
    fields = []
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key), after.get(key)
        if b == a:
            continue
        if isinstance(b, dict) and isinstance(a, dict):
            fields.extend(_changed_fields(b, a, prefix + key + "."))
        else:
            fields.append(prefix + key)
    return fields


def person_changes(old_persons: Dict[str, dict], new_persons: Dict[str, dict]) -> Dict[str, list]:
    """``{joined: [ids], left: [ids], changed: {id: [field names]}}`` between two snapshots."""
    old_persons = old_persons or {}
    joined = sorted(pid for pid in new_persons if pid not in old_persons)
    left = sorted(pid for pid in old_persons if pid not in new_persons)
    changed = {}
    for pid, person in new_persons.items():
        before = old_persons.get(pid)
        if before is not None and before != person:
            changed[pid] = _changed_fields(before, person)
    return {"joined": joined, "left": left, "changed": dict(sorted(changed.items()))}
