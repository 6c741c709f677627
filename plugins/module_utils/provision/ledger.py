# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The identifier ledger: who was issued which login, UPN and mail address, and when (for internal use).

The directory only knows who holds an identifier *now*: once a leaver's account is deleted, their
login and mail address look free, and the next namesake would get them (and the leaver's mail).
The ledger remembers every value of a target's unique attributes with its owner (a vault person
id), when it was first issued, last seen on the owner's account, and released (the run that found
the owner without an account on the target). A released identifier stays reserved for its owner
during a quarantine per attribute (default: forever for mail addresses and UPNs, a year for
anything else); a rehired owner gets it back.

Pure: a ledger section is a plain dict ``{identifiers: {key: entry}}``, the date is an input.
Keys are ``unique_key``s (case-insensitive; ``mail`` and ``proxyAddresses`` one namespace), so
the ledger compares values as the naming does.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Set, Tuple

from ansible_collections.jml.provisioning.plugins.module_utils.provision._naming import unique_key

FORMAT = "jml.provisioning/ledger/v1"
FOREVER = None
# Days an identifier stays reserved for its owner after release, by attribute (lower case).
DEFAULT_QUARANTINE = {"mail": FOREVER, "proxyaddresses": FOREVER, "userprincipalname": FOREVER}
DEFAULT_QUARANTINE_DAYS = 365  # any other attribute (the login)


class LedgerError(ValueError):
    """The ledger's options or its file are unusable; the message names which."""


def entry_key(attribute: str, value: str) -> str:
    namespace, text = unique_key(attribute, value)
    return f"{namespace}|{text}"


def quarantine_policy(option: Optional[dict]) -> Dict[str, Optional[int]]:
    """``ledger.quarantine_days`` (attribute -> days, null: forever) over the defaults."""
    policy = dict(DEFAULT_QUARANTINE)
    for name, days in (option or {}).items():
        if isinstance(days, str) and days.strip().isdigit():
            days = int(days)  # a templated number
        if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 0):
            raise LedgerError(f"ledger.quarantine_days.{name} must be a number of days (0 or more) or null (forever)")
        policy[str(name).lower()] = days
    return policy


def empty() -> dict:
    return {"identifiers": {}}


def check_section(section, where="ledger") -> dict:
    """A target's section as read from the file, checked enough that planning cannot trip on it."""
    if section is None:
        return empty()
    if not isinstance(section, dict) or not isinstance(section.get("identifiers"), dict):
        raise LedgerError(f"{where}: not a ledger section (no identifiers mapping)")
    for key, entry in section["identifiers"].items():
        if not isinstance(entry, dict) or not entry.get("person") or not entry.get("value"):
            raise LedgerError(f"{where}: entry {key!r} has no person or value")
    return section


def _values(value) -> List[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        return [str(v) for v in value if v not in (None, "")]
    return [str(value)] if value != "" else []


@dataclass
class Change:
    """What ``update`` did to a section: counts for the result."""

    recorded: int = 0   # identifiers new to the ledger
    released: int = 0   # identifiers whose owner has no account any more
    restored: int = 0   # released identifiers seen on their owner's account again


def update(section: dict, held: Dict[str, Dict[str, List[str]]], keep: Iterable[str], today: datetime.date,
           gone: Optional[Dict[str, Dict[str, List[str]]]] = None) -> Change:
    """Record what each person holds after this run and release what nobody holds any more.

    ``held``: person id -> {attribute: values} of their account after the run (the first run seeds
    the ledger from the existing correlated accounts: the same call); ``keep``: persons whose
    entries are left as they are (in a correlation conflict: not known to have no account);
    ``gone``: person id -> values of the accounts this run deleted (recorded if new, and released).
    An identifier recorded for one person is never re-assigned to another here: the naming never
    issues it to anyone else, so another holder is an account made outside the collection.
    """
    identifiers = section.setdefault("identifiers", {})
    date = today.isoformat()
    change = Change()
    seen = set()
    accounts = [(person, values, True) for person, values in sorted(held.items())]
    accounts += [(person, values, False) for person, values in sorted((gone or {}).items())]
    for person, attributes, still in accounts:
        for attribute, values in sorted(attributes.items()):
            for value in _values(values):
                if attribute.lower() == "proxyaddresses" and not value.lower().startswith("smtp:"):
                    continue  # X500: and other address types are not issued identifiers
                key = entry_key(attribute, value)
                entry = identifiers.get(key)
                if entry is None:
                    identifiers[key] = {"value": value, "attribute": attribute, "person": person,
                                        "first_issued": date, "last_seen": date, "released": None}
                    change.recorded += 1
                elif not still:
                    continue
                elif entry["person"] == person:
                    if entry.get("released"):
                        change.restored += 1
                    entry.update(last_seen=date, released=None)
                else:
                    continue
                if still:
                    seen.add(key)
    keep = set(keep)
    for key, entry in identifiers.items():
        if key in seen or entry.get("released") or entry["person"] in keep:
            continue
        entry["released"] = date
        change.released += 1
    return change


def _quarantine_ends(entry, policy) -> Optional[datetime.date]:
    """The last day ``entry`` is reserved, or None: forever (or still held)."""
    if not entry.get("released"):
        return None
    days = policy.get(str(entry.get("attribute", "")).lower(), DEFAULT_QUARANTINE_DAYS)
    if days is FOREVER:
        return None
    return datetime.date.fromisoformat(entry["released"]) + datetime.timedelta(days=days)


def reserved(section: dict, today: datetime.date, policy: Dict[str, Optional[int]]) -> Dict[Tuple[str, str], str]:
    """``{unique_key: person}`` of every identifier held, or released and still in quarantine on ``today``."""
    out = {}
    for key, entry in section.get("identifiers", {}).items():
        if entry.get("released"):
            ends = _quarantine_ends(entry, policy)
            if ends is not None and today > ends:
                continue
        namespace, dummy, text = key.partition("|")  # the key is the unique_key (entry_key)
        out[(namespace, text)] = entry["person"]
    return out


def own_logins(section: dict, attribute: str) -> Dict[str, List[str]]:
    """person -> the values of ``attribute`` (the login) ever issued to them, the latest seen first:
    what a rehire gets back (when the directory has it free)."""
    found = {}
    wanted = attribute.lower()
    for entry in section.get("identifiers", {}).values():
        if str(entry.get("attribute", "")).lower() == wanted:
            found.setdefault(entry["person"], []).append(entry)

    def latest_first(entries):
        return [e["value"] for e in sorted(entries, key=lambda e: (e.get("last_seen") or "", e["value"]), reverse=True)]
    return dict((person, latest_first(entries)) for person, entries in found.items())


@dataclass
class Reservations:
    """What the planner needs from the ledger: values reserved per owner, and each person's logins."""

    held: Dict[Tuple[str, str], str] = field(default_factory=dict)
    logins: Dict[str, List[str]] = field(default_factory=dict)

    def taken_for(self, keys: Set[Tuple[str, str]], person: Optional[str]) -> Set[Tuple[str, str]]:
        """The ``keys`` reserved for someone other than ``person``."""
        held = self.held
        return set(k for k in keys if k in held and held[k] != person)


def reservations(section: dict, today: datetime.date, policy: Dict[str, Optional[int]], login_attribute: str) -> Reservations:
    return Reservations(reserved(section, today, policy), own_logins(section, login_attribute))


def counts(section: dict, change: Change, today: datetime.date, policy) -> dict:
    """The result's ``ledger``: what this run recorded and released, and how many are reserved."""
    return {"recorded": change.recorded, "released": change.released, "restored": change.restored,
            "reserved": len(reserved(section, today, policy)), "identifiers": len(section.get("identifiers", {}))}
