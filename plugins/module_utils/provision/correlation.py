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

Reviewed decisions (``decisions.py``) are applied first: a ``link`` takes its person and account
out of the automatic correlation (it wins over the anchors), an ``ignore``d account is never
seen by it, a ``never_link`` person's matches are released and left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field as _field
from typing import Dict, Iterable, List, Optional, Set, Tuple

from ansible_collections.jml.provisioning.plugins.module_utils.provision import dn as dnlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision import decisions as decisionslib
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
    ignored: List[str] = _field(default_factory=list)           # DNs an ``ignore`` decision names
    never_linked: Set[str] = _field(default_factory=set)        # persons a ``never_link`` decision names: no account
    left_alone: List[str] = _field(default_factory=list)        # DNs a decision released: not managed, not vanished
    decided: List[dict] = _field(default_factory=list)          # each decision and its effect, in file order

    def report(self) -> dict:
        return {
            "correlated": len(self.matched),
            "uncorrelated_persons": sorted(self.uncorrelated_persons),
            "uncorrelated_accounts": sorted(self.uncorrelated_accounts),
            "vanished": sorted(a.dn for a in self.vanished),
            # In a stable order (an incremental cycle merges its conflicts into the last full run's).
            "conflicts": sorted(self.conflicts, key=conflict_key),
            "ignored": sorted(self.ignored),
            "decisions": {"applied": len(self.decided),
                          "redundant": sum(1 for d in self.decided if d["effect"] == "redundant"),
                          "entries": self.decided},
        }


def conflict_key(conflict: dict):
    return (conflict.get("persons") or [conflict.get("person")], conflict.get("accounts") or [],
            conflict.get("anchor") or "", conflict.get("problem") or "")


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
              outside: Iterable[Account] = (), decisions: Optional[decisionslib.Decisions] = None) -> Correlation:
    """Correlate ``persons`` (id -> person) with ``accounts`` (list of Account) over ``anchors``
    (list of ``(person_field, account_attribute)``). ``outside``: accounts found outside the
    managed scope with a joiner's anchor, which make that person a conflict. ``decisions``: the
    reviewed decisions, validated here (``DecisionError``) and applied before the anchors."""
    if decisions is None or not decisions.entries:
        return _automatic(persons, accounts, anchors, outside)
    return _decided(persons, accounts, anchors, outside, decisions)


def _anchored_by(person, account, anchors):
    """The first anchor attribute on which ``account`` carries ``person``'s value, or None."""
    for field, attribute in anchors:
        value = person_value(person, field)
        if value is not None and value.lower() in (v.lower() for v in account.values(attribute)):
            return attribute
    return None


def _decided(persons, accounts, anchors, outside, decisions):
    by_key = decisionslib.resolve(decisions, persons, accounts)
    links = dict((d.key, d) for d in decisions.of_kind("link"))
    ignored = set(d.key for d in decisions.of_kind("ignore"))
    decided_persons = set(d.person for d in decisions.entries if d.person is not None)
    linked_persons = set(d.person for d in links.values())
    first = anchors[0] if anchors else None
    seen = _SeenOnDecided(persons, accounts, anchors, by_key, links, decided_persons, linked_persons)
    _identity_clashes(decisions, seen.owners, by_key, anchors, decided_persons)
    decided_ids = set(id(a) for a in by_key.values())
    pool = [a for a in accounts if id(a) not in decided_ids]
    result = _automatic(dict((pid, p) for pid, p in persons.items() if pid not in linked_persons), pool, anchors, outside)
    # An account left over with a linked person's first anchor value (the person's second account)
    # is theirs, not a leaver's: left alone rather than disabled as vanished.
    linked_values = {}
    if first:
        for pid in linked_persons:
            value = person_value(persons[pid], first[0])
            if value is not None:
                linked_values[value.lower()] = pid
    also = {}
    if linked_values:
        for account in list(result.vanished):
            pid = linked_values.get((account.first(first[1]) or "").lower())
            if pid is not None:
                result.vanished.remove(account)
                result.left_alone.append(account.dn)
                also.setdefault(pid, []).append(account.dn)
    unaided = seen.unaided(ignored)
    for decision in decisions.entries:
        entry = dict(decision.as_dict(), index=decision.index)
        if decision.kind == "link":
            account = by_key[decision.key]
            result.matched[decision.person] = account
            entry["account"] = account.dn
            attribute = _anchored_by(persons[decision.person], account, anchors)
            if attribute and unaided.get(decision.person) is account:
                entry.update(effect="redundant", detail=f"the anchor {attribute} finds this account too: the decision can go")
            else:
                entry.update(effect="linked", detail="linked by decision, over the anchors")
            others = sorted(seen.overruled.get(decision.key, ()))
            if others:
                entry["detail"] += "; it wins over the anchors of person(s) %s" % ", ".join(others)
            if decision.person in also:
                entry["detail"] += ("; account(s) %s also carry the person's %s: left alone"
                                    % ("; ".join(sorted(also[decision.person])), first[1]))
        elif decision.kind == "ignore":
            account = by_key[decision.key]
            result.ignored.append(account.dn)
            entry.update(account=account.dn, effect="ignored", detail="never touched, not counted as vanished or uncorrelated")
            carried = sorted(set(pid for value in (account.values(first[1]) if first else [])
                                 for pid in seen.owners.get(value.lower(), [])))
            if carried:  # the person is correlated without it: a joiner if it was their only account
                entry["detail"] += "; it carries the %s of person(s) %s, who are correlated without it" % (
                    first[1], ", ".join(carried))
        else:
            pid = decision.person
            result.never_linked.add(pid)
            account = result.matched.pop(pid, None)
            if account is not None:
                result.left_alone.append(account.dn)
                entry.update(effect="left alone", detail=f"the anchors find {account.dn}: not managed, left as it is")
            elif pid in result.conflicted_persons:
                entry.update(effect="no account", detail="in a correlation conflict: left alone")
            else:
                if pid in result.uncorrelated_persons:
                    result.uncorrelated_persons.remove(pid)
                entry.update(effect="no account", detail="no account is created")
        result.decided.append(entry)
    return result


class _SeenOnDecided(object):
    """What the decided accounts and the linked persons share with everyone else, found in one
    pass over the accounts and one over the persons (not one per decision):

    - ``owners``: first anchor value (lower) -> persons with it, for the values decided accounts carry;
    - ``overruled``: linked account key -> undecided persons whose later anchors (mail) it carries
      (the link wins over them);
    - ``unaided(ignored)``: the matches the anchors alone would make for the linked persons, from
      a correlation of only the accounts and persons that could touch them (a decision the anchors
      make by themselves is redundant). Fewer competitors can only add conflicts there, so a
      link is never called redundant when the full correlation would not make it.
    """

    def __init__(self, persons, accounts, anchors, by_key, links, decided_persons, linked_persons):
        self.persons, self.accounts, self.anchors = persons, accounts, anchors
        carried = {}  # (anchor index, lower value) -> decided account keys carrying it
        for key, account in by_key.items():
            for index, (dummy, attribute) in enumerate(anchors):
                for value in account.values(attribute):
                    carried.setdefault((index, value.lower()), []).append(key)
        wanted = set()  # (anchor index, lower value) of the linked persons
        for pid in linked_persons:
            for index, (field, dummy) in enumerate(anchors):
                value = person_value(persons[pid], field)
                if value is not None:
                    wanted.add((index, value.lower()))
        # The accounts that carry a linked person's value could make (or spoil) their match.
        self.near = [a for a in accounts if any((i, v.lower()) in wanted for i, (dummy, attribute) in enumerate(anchors)
                                                for v in a.values(attribute))] if wanted else []
        near_values = set((i, v.lower()) for a in self.near for i, (dummy, attribute) in enumerate(anchors)
                          for v in a.values(attribute))
        self.owners, self.overruled, self.competitors = {}, {}, set(linked_persons)
        for pid, person in persons.items():
            for index, (field, dummy) in enumerate(anchors):
                value = person_value(person, field)
                if value is None:
                    continue
                lower = value.lower()
                keys = carried.get((index, lower))
                if keys and index == 0:
                    self.owners.setdefault(lower, []).append(pid)
                elif keys and pid not in decided_persons:
                    for key in keys:
                        if key in links:
                            self.overruled.setdefault(key, set()).add(pid)
                if (index, lower) in near_values:
                    self.competitors.add(pid)
        self.has_links = bool(links)

    def unaided(self, ignored):
        if not self.has_links:
            return {}
        accounts = [a for a in self.near if dnlib.normalise(a.dn) not in ignored]
        persons = dict((pid, self.persons[pid]) for pid in self.competitors)
        return _automatic(persons, accounts, self.anchors, ()).matched


def _identity_clashes(decisions, owners, by_key, anchors, decided_persons):
    """A link to an account that carries ANOTHER vault person's first anchor value (their
    employee number) would take that person's account from them: an error unless a decision is
    made for that person too (a link to their own account, or never_link) - a typo in a person
    id must not hand one person's account to another."""
    if not anchors:
        return
    attribute = anchors[0][1]
    for decision in decisions.of_kind("link"):
        account = by_key[decision.key]
        for value in account.values(attribute):
            for pid in owners.get(value.lower(), []):
                if pid != decision.person and pid not in decided_persons:
                    raise decisionslib.DecisionError(
                        "%s: account %s carries person %s's %s (%s): linking it to person %s would take it from "
                        "them; decide for person %s too (link them to their own account, or never_link), or correct "
                        "the account's %s" % (decision.label(decisions.source), account.dn, pid, attribute, value,
                                              decision.person, pid, attribute))


def _automatic(persons, accounts, anchors, outside):
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
