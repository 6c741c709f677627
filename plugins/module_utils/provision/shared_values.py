# -*- coding: utf-8 -*-
# Copyright: (c) 2026, jml.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A first provisioning's attribute values, held once.

Each create holds its attributes until the run ends (plan file, diff, audit trail, alerts). At 100k
joiners that is 1.2 million one-value lists, most of them repeating a few thousand values (a
department, a title, an employee type, common given and family names): 80 MiB as lists against
~20 MiB as one tuple per distinct value, shared. Tuples because they are shared: nothing can append
to another create's values. An attribute whose values keep differing (mail, uid, cn) stops being
looked up once that is clear (nine in ten values differ), so its memo stays small. The accounts
read has its own memo, inlined in the BER decoder's hot loop and keyed by the raw bytes
(targets/ldap/_ber.py, ``decode_entry``); this one runs once per create value.
"""

from __future__ import annotations

from typing import Dict, Optional, Sequence, Tuple

# Every this many distinct values of an attribute, its memo is dropped when nine in ten values differ.
_PROBE = 1024


class SharedValues:
    """``freeze(attribute, values)``: the values as a tuple, the same tuple for the same one text."""

    __slots__ = ("_memos", "_seen")

    def __init__(self):
        self._memos: Dict[str, Optional[Dict[str, Tuple[str]]]] = {}  # attribute -> text -> (text,); None: distinct
        self._seen: Dict[str, int] = {}  # attribute -> values frozen so far

    def freeze(self, attribute: str, values: Sequence) -> tuple:
        if len(values) != 1 or type(values[0]) is not str:  # pylint: disable=unidiomatic-typecheck
            return tuple(values)
        memo = self._memos.get(attribute, _NEW)
        if memo is None:
            return (values[0],)
        if memo is _NEW:
            memo = self._memos[attribute] = {}
        seen = self._seen[attribute] = self._seen.get(attribute, 0) + 1
        value = values[0]
        shared = memo.get(value)
        if shared is None:
            shared = memo[value] = (value,)
            if len(memo) % _PROBE == 0 and len(memo) * 10 > seen * 9:
                self._memos[attribute] = None  # nine in ten differ: the memo would cost what it saves
        return shared


_NEW = object()
