# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The LDAP adapter of the target port: OpenLDAP and Active Directory (for internal use).

It answers the engine's bulk calls with the paged reads and pipelined writes of ``ldap``, scoped
by ``ldap_accounts``'s options, and remembers per run what it has asked (held DNs, missing
containers), so the planning passes and the pre-flight never ask the directory twice.
"""

from __future__ import annotations

from typing import Callable, Dict, Iterable, List, Optional, Set, Tuple

from ansible_collections.jml.provisioning.plugins.module_utils.provision import dn as dnlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision.correlation import Account
from ansible_collections.jml.provisioning.plugins.module_utils.provision.plan import Operation
from ansible_collections.jml.provisioning.plugins.module_utils.provision.port import Target
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import directory as ldaptarget
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import marks


class LdapTarget(Target):
    """The target port over one ldap3 connection, for ``ldap_accounts``'s validated options."""

    def __init__(self, conn, options, config):
        self.conn, self.options, self.config = conn, options, config
        self.held = {}  # normalised DN -> held by an object (asked once per run, reused by the pre-flight)
        self.absent = {}  # normalised container DN -> missing (likewise)
        # What the reads saw, for change_mark (incremental cycles): the stamps are read along.
        self.stamp = marks.stamp_attribute(options.get("flavour"))
        self._highest, self._dns, self._group_stamps, self._resolved = None, None, {}, {}
        # The directory's newest-write stamp, read before the reads it vouches for (see marks).
        self._write_stamps, self._refreshed = None, None
        self._untrusted = ""  # why changes_since could not trust the mark

    @property
    def _scope(self):
        return self.options["search_base"] or self.options["accounts_dn"]

    def _read_write_stamps(self) -> Optional[dict]:
        return ldaptarget.write_stamps(self.conn, self.options.get("flavour") or "openldap")

    def _read_dns(self, groups: Iterable[str]) -> List[str]:
        """Every base a reconcile reads under: the scope, where names are unique, where anchors
        are looked up, where groups are found, and the managed groups."""
        options = self.options
        dns = [self._scope, options["username"].get("unique_base"), (options.get("anchor") or {}).get("lookup_base"),
               self.config.group_lookup_base]
        return [dn for dn in dns if dn] + list(groups)

    def read_accounts(self) -> List[Account]:
        options, stamp = self.options, self.stamp.lower()
        self._write_stamps = self._read_write_stamps()
        highest, dns = marks.Highest(self.stamp), marks.DnDigest()
        accounts = []
        for dn, attrs in ldaptarget.paged_entries(self.conn, self._scope, options["search_filter"],
                                                  list(self.config.read_attributes()) + [self.stamp],
                                                  options["connection"]["page_size"]):
            highest.add(dn, attrs.pop(stamp, None))  # the stamp is the mark's, never the plan's
            dns.add(dn)
            accounts.append(Account(dn, attrs))
        self._highest, self._dns = highest, dns
        return accounts

    def taken_names(self) -> Dict[str, List[str]]:
        username = self.options["username"]
        base = username.get("unique_base") or self.options["search_base"] or self.options["accounts_dn"]
        return ldaptarget.read_taken(self.conn, base, self.config.unique_attributes,
                                     self.options["connection"]["page_size"])

    def read_groups(self, groups: Iterable[str]) -> Dict[str, dict]:
        found = ldaptarget.read_groups(self.conn, groups, self.options["groups"]["member_attribute"])
        # update, not replace: a cycle reads only the groups that changed, the others keep their stamps
        self._group_stamps.update(self._stamps_of(dict((key, group["dn"]) for key, group in found.items())))
        return found

    def find_groups(self, names: Iterable[str]) -> Dict[str, str]:
        names = sorted(set(names))
        found = ldaptarget.find_groups(self.conn, self.config.group_lookup_base, self.options["groups"]["object_class"],
                                       self.config.group_lookup, names, self.options["connection"]["page_size"])
        self._resolved = {"names": names, "found": found}
        return found

    def _stamps_of(self, groups: Dict[str, str]) -> Dict[str, Optional[str]]:
        """Each group's change stamp (None: it does not exist)."""
        return dict((key, ldaptarget.entry_stamp(self.conn, dn, self.stamp)) for key, dn in groups.items())

    def change_mark(self) -> Optional[dict]:
        if self._highest is None:
            return None
        found = marks.mark(self.stamp, self._highest, self._dns, self._group_stamps, self._resolved)
        server = marks.server_stamp(self._write_stamps, self._read_dns(self._group_stamps))
        if server:
            found["server"] = server
        return found

    def refreshed_mark(self) -> Optional[dict]:
        return self._refreshed

    def untrusted_mark(self) -> str:
        return self._untrusted

    def changes_since(self, mark: dict) -> Optional[dict]:
        """What changed since ``mark`` (an incremental cycle): the accounts with a stamp at or above
        it (read whole), the DNs of the accounts there now (deletions leave no stamp), and each
        managed group's stamp; None when the mark cannot be trusted (another flavour's, or a
        directory restored to before it: an entry that carried the mark's stamp now has an older one)."""
        options = self.options
        if (mark.get("stamp") or "").lower() != self.stamp.lower():
            return None
        page, stamp = options["connection"]["page_size"], self.stamp.lower()
        changed, stamps = [], {}
        self._write_stamps = self._read_write_stamps()
        self._untrusted = marks.foreign_stamps(mark.get("server"), self._write_stamps) or ""
        if self._untrusted:
            return None
        for dn, attrs in ldaptarget.paged_entries(
                self.conn, self._scope, marks.newer_filter(options["search_filter"], self.stamp, mark.get("highest")),
                list(self.config.read_attributes()) + [self.stamp], page):
            stamps[dn.lower()] = (attrs.pop(stamp, None) or [None])[0]
            changed.append(Account(dn, attrs))
        present = set(dn.lower() for dn, dummy in ldaptarget.paged_entries(self.conn, self._scope, options["search_filter"],
                                                                           ["1.1"], page))
        self._untrusted = marks.went_back(mark.get("at_highest") or (), present, stamps) or ""
        if self._untrusted:
            return None
        groups = self._stamps_of(dict((key, key) for key in mark.get("groups") or {}))
        # What change_mark gives after this cycle (the directory as it is now, for a later run that
        # finds nothing changed): the newest stamps, every account's DN, the groups' stamps, and
        # the group names as this cycle resolves them (find_groups, after this call).
        highest, dns = marks.Highest(self.stamp), marks.DnDigest()
        for account in changed:
            highest.add(account.dn, [stamps[account.dn.lower()]] if stamps.get(account.dn.lower()) else [])
        for dn in present:
            dns.add(dn)
        self._highest = highest if highest.value is not None else None
        self._dns, self._group_stamps, self._resolved = dns, dict(groups), {}
        return {"changed": changed, "present": present, "group_stamps": groups}

    def accounts_with(self, attribute: str, values: Iterable[str]) -> List[Account]:
        """The accounts in the managed scope whose ``attribute`` holds one of ``values``."""
        options = self.options
        return ldaptarget.accounts_with(self.conn, self._scope, options["search_filter"], attribute, values,
                                        self.config.read_attributes(), options["connection"]["page_size"])

    def unchanged_since(self, mark: dict) -> Tuple[bool, str]:
        """Three reads (see ``marks``): the accounts at or above the mark's stamp, the accounts'
        DNs (deletions leave no stamp), the managed groups' stamps - and the group names again."""
        options = self.options
        if (mark.get("stamp") or "").lower() != self.stamp.lower():
            return False, "the mark is another flavour's"
        now = self._read_write_stamps()  # before the reads: a write during them changes it
        if marks.same_server_stamp(mark.get("server"), now):
            return True, marks.describe_server_stamp(mark["server"])
        why = marks.foreign_stamps(mark.get("server"), now)
        if why:
            return False, why
        page = options["connection"]["page_size"]
        newer = ldaptarget.paged_entries(self.conn, self._scope,
                                         marks.newer_filter(options["search_filter"], self.stamp, mark.get("highest")),
                                         [self.stamp], page)
        why = marks.compare_newer(mark, newer)
        if why:
            return False, why
        dns = marks.DnDigest()
        for dn, dummy in ldaptarget.paged_entries(self.conn, self._scope, options["search_filter"], ["1.1"], page):
            dns.add(dn)
        if {"count": dns.count, "digest": dns.value} != mark.get("accounts"):
            return False, "accounts were added or deleted since the last run"
        groups = dict((key, key) for key in mark.get("groups") or {})
        why = marks.compare_groups(mark, self._stamps_of(groups))
        if why:
            return False, why
        resolved = mark.get("resolved") or {}
        if resolved.get("names") and self.find_groups(resolved["names"]) != resolved.get("found"):
            return False, "a group the rules name now resolves to another entry"
        # Proven the long way: the stamp read before these reads vouches for the next run.
        server = marks.server_stamp(now, self._read_dns(mark.get("groups") or {}))
        if server and server != mark.get("server"):
            self._refreshed = dict(mark, server=server)
        return True, ""

    def anchored_outside(self, values: Iterable[str]) -> List[Account]:
        options = self.options
        scope = options["search_base"] or options["accounts_dn"]
        base = options["anchor"].get("lookup_base") or dnlib.domain(scope) or scope
        if dnlib.normalise(base) == dnlib.normalise(scope):
            return []  # the managed scope is the whole naming context: nothing is outside
        return ldaptarget.anchored_outside(self.conn, base, scope, self.config.anchors[0][1], values,
                                           self.config.read_attributes(), options["connection"]["page_size"],
                                           object_filter=options["search_filter"])

    def missing_containers(self, containers: Iterable[str]) -> Set[str]:
        """Asked once per container and run: create_containers and the pre-flight both ask."""
        return _asked_once(self.absent, containers, dnlib.normalise,
                           lambda unknown: ldaptarget.missing_containers(self.conn, unknown))

    def held_dns(self, dns: Iterable[str]) -> Set[str]:
        """Asked once per DN and run: the planning passes and the pre-flight both ask."""
        return _asked_once(self.held, dns, lambda key: key,
                           lambda unknown: ldaptarget.held_dns(self.conn, unknown, self.options["connection"]["page_size"]))

    def preflight(self, operations: List[Operation]) -> List[Tuple[Operation, str]]:
        """What the directory would refuse, read-only: a new DN (joiner, mover) in a container that
        does not exist, or held by an object this run does not manage."""
        for op in operations:
            if op.action == "delete":
                # Objects under the account (AD: Exchange's ActiveSync devices) are deleted with it.
                op.children = len(ldaptarget.children_of(self.conn, op.dn, self.options["connection"]["page_size"]))
        placed = [(op, op.placed_dn) for op in operations if op.placed_dn]
        if not placed:
            return []
        made = set(dnlib.normalise(op.dn) for op in operations if op.action == "container")
        missing = set(dn for dn in self.missing_containers(set(dnlib.parent(dn) for op, dn in placed))
                      if dnlib.normalise(dn) not in made)
        held = self.held_dns(set(dnlib.normalise(dn) for op, dn in placed))
        blocked = []
        for op, dn in placed:
            if dnlib.parent(dn) in missing:
                blocked.append((op, f"the container {dnlib.parent(dn)} does not exist"))
            elif dnlib.normalise(dn) in held and dnlib.normalise(dn) != dnlib.normalise(op.dn):  # not itself
                blocked.append((op, f"{dn} is already held by an object this run does not manage"))
        return blocked

    def apply(self, operations: List[Operation]) -> Tuple[List[Operation], List[dict]]:
        password = self.options["initial_password"]
        tree_delete = any(op.action == "delete" and op.children for op in operations) and \
            ldaptarget.supports_tree_delete(self.conn)
        return ldaptarget.apply(self.conn, operations, password["attribute"], password["length"],
                                self.options["groups"], password["must_change"], tree_delete=tree_delete,
                                anchor_attribute=self.config.anchors[0][1])


def _asked_once(cache: Dict[str, bool], items: Iterable[str], key: Callable[[str], str],
                look_up: Callable[[List[str]], Set[str]]) -> Set[str]:
    """The ``items`` the directory answers yes for, each asked at most once per run: ``cache``
    keeps ``key(item) -> answer``, ``look_up(unknown)`` returns the unknown items that are yes."""
    items = list(items)
    unknown = [item for item in items if key(item) not in cache]
    if unknown:
        found = look_up(unknown)
        cache.update((key(item), item in found) for item in unknown)
    return set(item for item in items if cache[key(item)])
