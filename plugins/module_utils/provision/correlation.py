# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Correlation: which existing account belongs to which vault person (for internal use).

Anchors are tried in order (e.g. ``id`` <-> ``employeeNumber``, then ``email`` <-> ``mail``); the
first anchor with a match wins. Never a guess: a person matching several accounts, or an account
claimed by several persons, is a conflict and both sides are left alone. Accounts whose first
anchor attribute holds a value no vault person has are ``vanished`` (a person who left every
source); accounts with no anchor value at all are ``uncorrelated`` (orphans, never touched).
"""

from __future__ import annotations

from dataclasses import dataclass, field as _field
from typing import Dict, Iterable, List, Optional, Set, Tuple

from ansible_collections.jml.provisioning.plugins.module_utils.records import SLOTS


@dataclass(eq=False, **SLOTS)  # identity, not value, tells two accounts apart
class Account:
    """One account as the target holds it: its key (a DN) and attributes (lower-cased names ->
    list of str values)."""

    dn: str
    attrs: Dict[str, List[str]]

    def first(self, name: str) -> Optional[str]:
        values = self.attrs.get(name.lower())
        return values[0] if values else None

    def values(self, name: str) -> List[str]:
        return self.attrs.get(name.lower()) or []


def person_value(person: dict, path: str) -> Optional[str]:
    value = person
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return None if value is None else str(value)


@dataclass(eq=False, **SLOTS)
class Correlation:
    matched: Dict[str, Account] = _field(default_factory=dict)       # person id -> Account
    uncorrelated_persons: List[str] = _field(default_factory=list)   # person ids
    uncorrelated_accounts: List[str] = _field(default_factory=list)  # DNs
    vanished: List[Account] = _field(default_factory=list)
    conflicts: List[dict] = _field(default_factory=list)             # {person(s), accounts, anchor}
    conflicted_persons: Set[str] = _field(default_factory=set)  # left alone because of a conflict: never a new account

    def report(self) -> dict:
        return {
            "correlated": len(self.matched),
            "uncorrelated_persons": sorted(self.uncorrelated_persons),
            "uncorrelated_accounts": sorted(self.uncorrelated_accounts),
            "vanished": sorted(a.dn for a in self.vanished),
            "conflicts": self.conflicts,
        }


def _outside_conflicts(result, remaining, outside, anchor, blocked):
    """Uncorrelated persons whose first anchor an account outside the managed scope carries: a
    conflict (the person is left alone), never a second account."""
    field, attribute = anchor
    index = {}
    for account in outside:
        for value in account.values(attribute):
            index.setdefault(value.lower(), []).append(account)
    for pid in sorted(remaining):
        value = person_value(remaining[pid], field)
        found = index.get(value.lower()) if value is not None else None
        if found:
            result.conflicts.append({"person": pid, "accounts": sorted(a.dn for a in found), "anchor": attribute,
                                     "problem": "an account outside the managed scope carries the person's anchor"})
            result.conflicted_persons.add(pid)
            result.uncorrelated_persons.remove(pid)


def correlate(persons: Dict[str, dict], accounts: List[Account], anchors: List[Tuple[str, str]],
              outside: Iterable[Account] = ()) -> Correlation:
    """Correlate ``persons`` (id -> person) with ``accounts`` (list of Account) over ``anchors``
    (list of ``(person_field, account_attribute)``). ``outside``: accounts found outside the
    managed scope with a joiner's anchor, which make that person a conflict."""
    result = Correlation()
    claimed = {}   # account dn -> person id
    blocked = set()  # account DNs in a conflict
    remaining = dict(persons)
    for field, attribute in anchors:
        index = {}
        for account in accounts:
            if account.dn in blocked:
                continue  # a conflict is never resolved by a later anchor either
            for value in account.values(attribute):
                index.setdefault(value.lower(), []).append(account)
        for pid in list(remaining):
            value = person_value(remaining[pid], field)
            if value is None:
                continue
            found = index.get(value.lower())
            if not found:
                continue
            del remaining[pid]
            if len(found) > 1:
                result.conflicts.append({"person": pid, "accounts": sorted(a.dn for a in found),
                                         "anchor": attribute, "problem": "one person, several accounts"})
                blocked.update(a.dn for a in found)
                result.conflicted_persons.add(pid)
                continue
            account = found[0]
            if account.dn in claimed:
                other = claimed[account.dn]
                result.conflicts.append({"persons": sorted([other, pid]), "accounts": [account.dn],
                                         "anchor": attribute, "problem": "several persons, one account"})
                blocked.add(account.dn)
                result.matched.pop(other, None)
                result.conflicted_persons.update((other, pid))
                continue
            claimed[account.dn] = pid
            result.matched[pid] = account
    result.uncorrelated_persons = sorted(remaining)
    if outside:
        _outside_conflicts(result, remaining, outside, anchors[0], blocked)
    first_attribute = anchors[0][1] if anchors else None
    for account in accounts:
        if account.dn in claimed or account.dn in blocked:
            continue
        if first_attribute and account.values(first_attribute):
            result.vanished.append(account)
        else:
            result.uncorrelated_accounts.append(account.dn)
    return result
