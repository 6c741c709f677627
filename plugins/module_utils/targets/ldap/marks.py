# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Change marks of an LDAP directory: did anything a reconcile reads change since the last run?
(for internal use)

Every entry carries a change stamp the server sets on each write: OpenLDAP's ``entryCSN``
(always there with ``lastmod``, no overlay needed), Active Directory's ``uSNChanged``. A run's
mark is what its reads saw: the highest stamp among the accounts and the DNs that carry it, how
many accounts there were and a digest of their DNs, and each managed group's stamp. Nothing
changed since when, asked of the directory in three cheap reads:

- no account has a stamp above the mark's, and the ones at the mark still carry it (an entry
  changed, added, renamed or moved into the filter has a newer stamp; a directory restored from
  an older backup no longer has the mark's entries at the mark's stamp);
- the same accounts are there: a deletion leaves no stamp behind (OpenLDAP keeps no tombstones
  without accesslog), so their DNs are listed without attributes, counted and digested;
- each managed group still has its stamp (a member added or removed by hand changes it).

A directory that replicates says it in one read: the stamp of its newest write anywhere
(``write_stamps``: OpenLDAP's ``contextCSN``, kept by syncprov; AD's ``highestCommittedUSN`` with
the controller's ``invocationId``). A mark keeps that stamp, read before the run's reads, for the
naming contexts that hold everything the run reads (``server_stamp``). When it is still the
same, nothing was written there since, and the three reads are not needed; when it is not (any
write: a password change, another tool, this run's own writes), the three reads decide. Its one
assumption: a write below the scope changes the stamp of the naming context that holds the scope.
A glued subordinate database below it keeps its own stamp unless syncprov sits on the superior.
The same stamp tells when the mark means nothing here (``foreign_stamps``): AD read on another
controller, or on one restored since; a ``contextCSN`` that went back (a restored database).
"""

from __future__ import annotations

import hashlib
from typing import Dict, Iterable, List, Optional, Set, Tuple

from ansible_collections.jml.provisioning.plugins.module_utils.provision import dn as dnlib

STAMPS = {"openldap": "entryCSN", "ad": "uSNChanged"}
_MASK = (1 << 64) - 1


def stamp_attribute(flavour: Optional[str]) -> str:
    return STAMPS.get(flavour or "openldap", "entryCSN")


def stamp_key(attribute: str, value):
    """How stamps compare: ``uSNChanged`` as a number, ``entryCSN`` as its fixed-width text."""
    if value is None:
        return None
    return int(value) if attribute.lower() == "usnchanged" else str(value)


class DnDigest(object):
    """An order-free digest of a set of DNs (the server pages them in its own order)."""

    def __init__(self):
        self.count, self._sum = 0, 0

    def add(self, dn: str) -> None:
        self.count += 1
        digest = hashlib.blake2b(dn.lower().encode("utf-8"), digest_size=8).digest()
        self._sum = (self._sum + int.from_bytes(digest, "big")) & _MASK

    @property
    def value(self) -> str:
        return "%016x" % self._sum


class Highest(object):
    """The highest stamp seen and the DNs that carry it."""

    def __init__(self, attribute: str):
        self.attribute, self.key, self.value, self.dns = attribute, None, None, []

    def add(self, dn: str, values: List[str]) -> None:
        if not values:
            return
        key = stamp_key(self.attribute, values[0])
        if self.key is None or key > self.key:
            self.key, self.value, self.dns = key, values[0], [dn]
        elif key == self.key:
            self.dns.append(dn)


def mark(attribute: str, highest: Highest, accounts: DnDigest, groups: Dict[str, Optional[str]],
         resolved: Optional[Dict[str, str]] = None) -> dict:
    """The mark of one run's reads (plain data, stored encrypted with the state)."""
    return {"stamp": attribute, "highest": highest.value, "at_highest": sorted(d.lower() for d in highest.dns),
            "accounts": {"count": accounts.count, "digest": accounts.value}, "groups": dict(groups),
            "resolved": dict(resolved or {})}


def newer_filter(search_filter: str, attribute: str, highest: Optional[str]) -> str:
    """The accounts whose stamp is at or above the mark's (all accounts when it had none)."""
    wanted = "(%s>=%s)" % (attribute, highest) if highest is not None else "(%s=*)" % attribute
    return "(&%s%s)" % (search_filter, wanted)


def compare_newer(previous: dict, found: Iterable[Tuple[str, dict]]) -> Optional[str]:
    """Why the entries at or above the mark's stamp say something changed, or None."""
    attribute = previous["stamp"].lower()
    expected = set(previous.get("at_highest") or ())
    seen = set()
    for dn, attrs in found:
        values = attrs.get(attribute) or [None]
        if dn.lower() not in expected or values[0] != previous["highest"]:
            return f"{dn} changed since the last run"
        seen.add(dn.lower())
    if seen != expected:
        return "the entries the last run saw last changed are gone or were restored"
    return None


def went_back(at_highest: Iterable[str], present: Set[str], newer: Dict[str, Optional[str]]) -> Optional[str]:
    """Why the accounts read now say the directory went back to before the mark (a restored
    backup), or None. ``at_highest``: the lower-case DNs that carried the mark's stamp; ``present``:
    every account's lower-case DN now; ``newer``: the accounts at or above the mark's stamp."""
    at_highest = list(at_highest)
    for dn in at_highest:
        if dn in present and dn not in newer:  # it carried the mark's stamp, now an older one
            return "%s carries an older change stamp than the last run saw (a restored backup)" % dn
    if at_highest and not newer and not present.intersection(at_highest):
        # Nothing at or above the mark's stamp, not even the entries that carried it: deleted since,
        # or a database restored from before the mark (whose other entries went back unseen). Only
        # a full read can tell; it costs one full run in the first case.
        return ("the accounts the last run saw written last are gone and nothing was written since "
                "(deleted, or a restored backup)")
    return None


def compare_groups(previous: dict, now: Dict[str, Optional[str]]) -> Optional[str]:
    for key, stamp in sorted((previous.get("groups") or {}).items()):
        if now.get(key) != stamp:
            return f"the group {key} changed since the last run"
    return None


def server_stamp(stamps: Optional[dict], dns: Iterable[str]) -> Optional[dict]:
    """The part of ``write_stamps`` that covers every DN a run reads (its scope, its groups, its
    group lookup base), or None when some DN lies in no naming context that keeps a stamp (then
    only the three reads can tell). AD's stamp is the whole controller's: it covers them all."""
    if not stamps:
        return None
    if stamps.get("kind") != "contextCSN":
        return dict(stamps)
    contexts = stamps.get("contexts") or {}
    kept = {}
    for dn in dns:
        holders = [context for context in contexts if dnlib.is_under(dn, context)]
        if not holders:
            return None
        # The deepest context holding it (a subordinate database advertised on its own), and every
        # context below it: a subtree read reads them too.
        deepest = max(holders, key=len)
        for context in [deepest] + [c for c in contexts if c != deepest and dnlib.is_under(c, dn)]:
            if not contexts[context]:
                return None  # that context keeps no contextCSN (no syncprov)
            kept[context] = list(contexts[context])
    return {"kind": "contextCSN", "contexts": kept} if kept else None


def same_server_stamp(previous: Optional[dict], now: Optional[dict]) -> bool:
    """Whether the directory wrote nothing, where ``previous`` looked, since it was taken."""
    if not previous or not now or previous.get("kind") != now.get("kind"):
        return False
    if previous["kind"] != "contextCSN":
        return previous == now
    contexts = now.get("contexts") or {}
    return all(context in contexts and contexts[context] == values
               for context, values in (previous.get("contexts") or {}).items()) and bool(previous.get("contexts"))


def foreign_stamps(previous: Optional[dict], now: Optional[dict]) -> Optional[str]:
    """Why the mark's change stamps mean nothing on the server read now, or None. AD's
    ``uSNChanged`` is each domain controller's own counter: read on another controller (a DNS
    name that resolves to several) or on one restored from a backup (a new ``invocationId``),
    "above the mark's" says nothing about what changed. OpenLDAP's ``entryCSN`` carries the time
    and the writing server's id, and a replica keeps the provider's: it compares across servers;
    but a ``contextCSN`` older than the mark's is a database restored from before it, whose
    entries went back to stamps below the mark's."""
    if not previous or not now or now.get("kind") != previous.get("kind"):
        return None
    if previous["kind"] == "contextCSN":
        return _older_context(previous.get("contexts") or {}, now.get("contexts") or {})
    if (previous.get("server") or "").lower() != (now.get("server") or "").lower():
        return ("the run reads another domain controller than the last run (%s, not %s): its uSNChanged "
                "stamps are its own" % (now.get("server"), previous.get("server")))
    if previous.get("invocation") != now.get("invocation"):
        return "the domain controller's invocationId changed since the last run (restored from a backup)"
    return None


def _older_context(previous: Dict[str, list], now: Dict[str, list]) -> Optional[str]:
    # contextCSN holds one CSN per writing server (time#count#server id#modifier, fixed width): each
    # only grows, so one that went back, or a server's that is gone, is a restored database.
    for context, values in sorted(previous.items()):
        if not now.get(context):
            continue  # not advertised or no contextCSN now (syncprov gone, an ACL): nothing to compare
        newest = dict((_csn_server(csn), csn) for csn in now[context])
        for csn in values:
            if newest.get(_csn_server(csn), "") < csn:  # gone ("") or older
                # syncprov saves the contextCSN it keeps in memory at its checkpoint and on a clean
                # stop: a slapd killed in between may come back with an older one. A full reconcile is
                # right for both; the reason names both.
                return ("the contextCSN of %s is older than the last run's (restored from a backup, or "
                        "a server stopped before it saved its contextCSN): its entries' stamps went back" % context)
    return None


def _csn_server(csn: str) -> str:
    parts = str(csn).split("#")
    return parts[2] if len(parts) == 4 else ""


def describe_server_stamp(stamp: dict) -> str:
    if stamp.get("kind") == "contextCSN":
        return "nothing was written to %s since the last run (contextCSN)" % ", ".join(sorted(stamp["contexts"]))
    return "nothing was written to this domain controller since the last run (highestCommittedUSN)"
