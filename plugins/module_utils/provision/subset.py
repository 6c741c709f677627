# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Incremental cycles with changes: plan only the persons something changed for (for internal use).

A full reconcile leaves a *base* for the next cycles (``base``): the change mark of what it read,
every account's DN and anchor value, the managed groups as read, a digest of each person's vault
record, each person's next lifecycle date, the ids it planned operations or problems for, and its
correlation counts. A later cycle asks the target what changed since the mark (accounts with a
newer stamp, the DNs there now, the groups' stamps) and plans only the *dirty* ids (``dirty``):

- persons whose vault record differs, who joined or left the vault, whose lifecycle date is due;
- persons the base planned something for (applied, failed or blocked: their state is checked);
- the persons of every account changed, added, moved or deleted in the directory, by its anchor
  value before and after, and of every member a changed group gained or lost;
- the direct reports of all of these (a manager's move changes their ``manager``).

Every other person's inputs are those of the base, which planned nothing for them: a full plan
would plan nothing for them again. They are left out of the reads (the dirty persons' accounts are
looked up by anchor) but not out of the result: the correlation report, the unchanged count and the
base of percentage thresholds are the base's with the dirty ids' entries replaced (``merge``), so
the result is the full reconcile's. The integration tests compare both on random change sets.

Everything here is data in, data out.
"""

from __future__ import annotations

import hashlib
import marshal
from typing import Dict, Iterable, List, Optional, Set

from ansible_collections.jml.provisioning.plugins.module_utils.provision import incremental
from ansible_collections.jml.provisioning.plugins.module_utils.provision.correlation import conflict_key, person_value


def digest(person: dict) -> str:
    """A vault record's digest: marshal is ~20x faster than a sorted JSON dump, and the collect
    writes records in a stable order (a reordered record is only a needless dirty id). Format 2:
    from 3 on, marshal writes a back-reference for an object whose reference count is above one,
    so the bytes of one record changed with what else held its strings (measured: 994 of 1,000
    persons dirty after a full run had planned them)."""
    return hashlib.blake2b(marshal.dumps(person, 2), digest_size=8).hexdigest()


def _fold(values: Iterable[str]) -> Set[str]:
    return set(str(v).lower() for v in values if v is not None)


def base(persons: Dict[str, dict], accounts: list, groups: Optional[Dict[str, dict]], plan, mark: dict,
         anchor: tuple, due: Dict[str, str], digests: Optional[Dict[str, str]] = None) -> dict:
    """What a full reconcile leaves for the next incremental cycles (stored encrypted);
    ``anchor``: ``(person field, account attribute)``; ``digests``: the accounts'
    (``approval.account_digests``), when its plan was sealed."""
    field, anchor_attribute = anchor
    pending = set(op.person for op in plan.operations if op.person) | \
        set(p["person"] for p in plan.problems if p.get("person"))
    correlation = plan.correlation
    vanished = [a.first(anchor_attribute) for a in correlation.vanished]
    return {
        "mark": mark,
        # lower-case DN -> the anchor value it carried (folded), or None: what a deletion is traced by
        "accounts": dict((a.dn.lower(), (a.first(anchor_attribute) or "").lower() or None) for a in accounts),
        "groups": groups or {},
        "records": dict((pid, digest(person)) for pid, person in persons.items()),
        # The anchor values that are not the id itself: how the account of a person who leaves
        # the vault is found (the id is, for the usual anchor on ``id``).
        "anchors": dict((pid, value.lower()) for pid, value in
                        ((pid, person_value(person, field)) for pid, person in persons.items())
                        if value is not None and value.lower() != pid.lower()),
        "due": due,
        "pending": sorted(str(p) for p in pending),
        "matched": sorted(correlation.matched),
        "vanished": sorted(_fold(vanished)),
        "unchanged": sorted(_fold(plan.unchanged_ids)),
        "report": dict(correlation.report(), suspended=sorted(plan.suspended)),
        "digests": digests,
    }


def touched_dns(previous: dict, changes: dict) -> Set[str]:
    """The accounts (lower-case DNs) changed, added, renamed or deleted since the base."""
    touched = set(a.dn.lower() for a in changes["changed"])
    touched.update(key for key in previous.get("accounts") or {} if key not in changes["present"])
    return touched


def changed_groups(previous: dict, stamps: Dict[str, Optional[str]], touched: Set[str]) -> List[str]:
    """The managed groups to read again: their stamp differs from the base's, or they held an
    account that was deleted or renamed since - OpenLDAP's refint rewrites such members without
    a new stamp on the group (measured: slapd 2.5, entryCSN and modifyTimestamp unchanged)."""
    recorded = (previous.get("mark") or {}).get("groups") or {}
    groups = previous.get("groups") or {}
    stale = set(key for key, stamp in stamps.items() if stamp != recorded.get(key))
    for key, info in groups.items():
        if key not in stale and any(m.lower() in touched for m in info.get("members") or ()):
            stale.add(key)
    return sorted(stale)


class Dirty(object):
    """The ids an incremental cycle plans (``ids``: vault person ids, and the folded anchor values of
    accounts whose person left the vault), the anchor values whose accounts it reads, the account
    DNs it touched, and the context persons it places without judging (their reports' managers)."""

    def __init__(self):
        self.ids: Set[str] = set()
        self.values: Set[str] = set()
        self.touched: Set[str] = set()
        self.context: Set[str] = set()


def dirty(previous: dict, persons: Dict[str, dict], today: str, changes: dict, groups_now: Dict[str, dict],
          anchor: tuple) -> Dirty:
    """Which ids an incremental cycle must plan (see the module's docstring)."""
    field, attribute = anchor
    found = Dirty()
    records = previous.get("records") or {}
    ids = found.ids
    ids.update(previous.get("pending") or ())
    for pid, person in persons.items():
        if records.get(pid) != digest(person):
            ids.add(pid)
    left = [pid for pid in records if pid not in persons]  # their accounts are found by anchor
    ids.update(left)  # as the id their reports still name as manager
    ids.update(pid for pid, day in (previous.get("due") or {}).items() if day <= today and pid in persons)
    accounts = previous.get("accounts") or {}
    values = found.values
    anchors = previous.get("anchors") or {}
    values.update(anchors.get(pid, pid.lower()) for pid in left)
    for account in changes["changed"]:
        key = account.dn.lower()
        found.touched.add(key)
        values.update(_fold(account.values(attribute)))
        before = accounts.get(key)
        if before:
            values.add(before)
    present = changes["present"]
    for key, value in accounts.items():
        if key not in present:
            found.touched.add(key)
            if value:
                values.add(value)
    by_dn = dict((a.dn.lower(), (a.first(attribute) or "").lower() or None) for a in changes["changed"])
    for key, info in groups_now.items():
        old = _fold((previous.get("groups") or {}).get(key, {}).get("members") or ())
        for member in old ^ _fold(info.get("members") or ()):
            value = by_dn.get(member) or accounts.get(member)
            if value:
                values.add(value)
    # anchor values -> the persons who carry them (several, when the anchor is not the id)
    by_value = {}
    for pid, person in persons.items():
        value = person_value(person, field)
        if value is not None:
            by_value.setdefault(value.lower(), []).append(pid)
    for value in values:
        ids.update(by_value.get(value) or [value])  # nobody: an account whose person left the vault
    for pid in list(ids):
        if pid in persons:
            value = person_value(persons[pid], field)
            if value is not None:
                values.add(value.lower())
                ids.update(by_value.get(value.lower()) or ())
    # the reports of every dirty person, and the managers of every dirty person as context
    reports = {}
    for pid, person in persons.items():
        manager = person.get("manager")
        if manager:
            reports.setdefault(manager, []).append(pid)
    for pid in list(ids):
        ids.update(reports.get(pid) or ())
    for pid in ids:
        manager = persons.get(pid, {}).get("manager") if pid in persons else None
        if manager and manager in persons and manager not in ids:
            found.context.add(manager)
    for pid in ids | found.context:
        if pid in persons:
            value = person_value(persons[pid], field)
            if value is not None:
                values.add(value.lower())
    return found


def persons_of(persons: Dict[str, dict], found: Dirty) -> Dict[str, dict]:
    """The persons an incremental cycle places, in the vault's order (correlation reports in it)."""
    wanted = found.ids | found.context
    return dict((pid, person) for pid, person in persons.items() if pid in wanted)


def named(found: Dirty, persons: Dict[str, dict], accounts: list, attribute: str) -> List[str]:
    """The ids to judge: dirty persons in the vault, and dirty anchor values some account carries."""
    carried = set()
    for account in accounts:
        carried.update(_fold(account.values(attribute)))
    return sorted(pid for pid in found.ids if pid in persons or pid.lower() in carried)


def merge(previous: dict, plan, found: Dirty, accounts: list, judged: Iterable[str], anchor_attribute: str) -> dict:
    """The full reconcile's correlation report, unchanged count and threshold base: the base's with
    the judged ids' and the read accounts' entries replaced by this cycle's."""
    judged = set(judged)
    folded = _fold(judged)
    touched = found.touched | set(a.dn.lower() for a in accounts)
    old = previous.get("report") or {}
    correlation = plan.correlation
    report = correlation.report()

    def ids(base_list, new_list):
        return sorted(set(i for i in base_list if i not in judged) | set(i for i in new_list if i in judged))

    def dns(base_list, new_list):
        return sorted(set(d for d in base_list if d.lower() not in touched) | set(new_list))

    def involved(conflict):
        persons = conflict.get("persons") or [conflict.get("person")]
        return any(p in judged for p in persons) or any(d.lower() in touched for d in conflict.get("accounts") or ())

    matched = set(previous.get("matched") or ())
    vanished_now = _fold(a.first(anchor_attribute) for a in correlation.vanished)
    merged = dict(report)
    merged["correlated"] = len(matched - judged) + len(set(correlation.matched) & judged)
    merged["uncorrelated_persons"] = ids(old.get("uncorrelated_persons") or (), report["uncorrelated_persons"])
    merged["uncorrelated_accounts"] = dns(old.get("uncorrelated_accounts") or (), report["uncorrelated_accounts"])
    merged["vanished"] = dns(old.get("vanished") or (), report["vanished"])
    merged["conflicts"] = sorted([c for c in old.get("conflicts") or () if not involved(c)] +
                                 [c for c in report["conflicts"] if involved(c)], key=conflict_key)
    merged["suspended"] = ids(old.get("suspended") or (), plan.suspended)
    vanished = _fold(previous.get("vanished") or ())
    managed = len(matched - judged) + len(vanished - folded) + len(set(correlation.matched) & judged) + \
        len(vanished_now & folded)
    unchanged = len(_fold(previous.get("unchanged") or ()) - folded) + plan.unchanged
    return {"correlation": merged, "managed": managed, "unchanged": unchanged}


# Each person's next lifecycle date (the base keeps them; a cycle recomputes its own persons').
person_due = incremental.due_dates
