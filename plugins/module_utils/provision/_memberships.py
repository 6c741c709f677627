# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Group memberships: who should be in each managed group, who is, and one batch per group.

Pure (for internal use). Memberships are compared per person, not per DN string: an account
that moves in this run is still the same member (the directory's referential integrity renames
its memberships). Only managed accounts are counted: members that are not accounts of this run
(service accounts, people outside the managed scope) are never revoked. A ``groupOfNames``
needs at least one member, so a group that would become empty keeps a placeholder member.
"""

from __future__ import annotations

from ansible_collections.jml.provisioning.plugins.module_utils.provision import dn as dnlib


class GroupBatch(object):
    """All changes of one group, applied as one modify (or one add when the group is created)."""

    __slots__ = ("dn", "add", "remove", "add_placeholder", "remove_placeholder", "create", "operations",
                 "attributes", "moved")

    def __init__(self, dn):
        self.dn = dn
        self.add, self.remove = [], []
        self.add_placeholder = self.remove_placeholder = self.create = False
        self.operations = []
        self.attributes = {}  # a created group's attributes besides objectClass, RDN and members
        # Accounts this run moves: the group holds their old DN, or the new one once the directory's
        # refint renamed it (slapd's runs in the background; many directories have none). The
        # adapter reads the group again after the moves and writes whichever DN it then holds.
        # person -> (DNs the group held for them when read, their DN after this run, held DNs to
        # remove only once the directory confirms no entry is there)
        self.moved = {}


def new_group_attributes(dn, lookup=None, extra=None):
    """What a group this run creates carries besides objectClass, RDN and members: the name rules
    look it up by (AD would invent a sAMAccountName such as ``$624E9B7E-...``, and the next run
    would not find it), and the target's ``extra`` attributes of a created group (AD: its
    ``groupType`` when one is configured, else the DC's default)."""
    attributes = {}
    if lookup:
        attributes[lookup] = [dnlib.rdn_value(dn)]
    for attribute, values in (extra or {}).items():
        attributes[attribute] = list(values)
    return attributes


class MembershipChange(object):
    __slots__ = ("kind", "person", "account_dn", "group", "rules", "batch")

    def __init__(self, kind, person, account_dn, group, rules, batch):
        self.kind, self.person, self.account_dn = kind, person, account_dn
        self.group, self.rules, self.batch = group, rules, batch


class _Owners(object):
    """Whose member value is which: by the account's current DN, and, where the RDN is the login
    (unique in the directory: ``uid=jan.jansen``), by RDN for a DN a move left behind in a
    directory without refint (a stale DN). The RDN index is built on the first member value that
    is no current DN (most groups hold only current DNs: at 100k accounts it would cost ~0.1 s)."""

    def __init__(self, managed, rdn_is_login, placeholder_key):
        self.managed = managed
        self.by_current_dn = dict((dnlib.normalise(current), pid) for pid, (current, dummy) in managed.items()
                                  if current)
        # A new account's DN that a group already lists: left behind by an account deleted by hand
        # in a directory without refint. The group holds it already (adding it would be refused
        # as attributeOrValueExists), and the new account would get that membership unasked:
        # it is the new account's membership, granted or revoked by the rules like any other.
        for pid, (current, final) in managed.items():
            if not current and final:
                self.by_current_dn.setdefault(dnlib.normalise(final), pid)
        self.rdn_is_login, self.placeholder_key = rdn_is_login, placeholder_key
        self._by_rdn = None
        # The first RDNs of the accounts judged: a member whose first RDN is none of them is nobody's
        # here (neither a current DN nor a stale one). An incremental cycle judges a few hundred of
        # 100k accounts: most members are skipped without a full normalise (measured at 10k:
        # held() 0.16 -> 0.04 s profiled).
        self.first_rdns = set(dnlib.rdn_key(dnlib.first_rdn(key)) for key in self.by_current_dn)

    def by_rdn(self):
        if self._by_rdn is None:
            self._by_rdn = dict((dnlib.rdn_key(dnlib.first_rdn(current)), pid)
                                for pid, (current, dummy) in self.managed.items() if current)
        return self._by_rdn

    def held(self, members):
        """``(person -> [member values], persons holding a value that is not their current DN)``."""
        held, stale = {}, set()
        first_rdns = self.first_rdns
        for member in members:
            head = dnlib.plain_rdn_key(member.split(",", 1)[0])
            if head is not None and head not in first_rdns:
                continue
            key = dnlib.normalise(member)
            pid = self.by_current_dn.get(key)
            if pid is None:
                if not self.rdn_is_login or key == self.placeholder_key:
                    continue
                pid = self.by_rdn().get(dnlib.normalise(dnlib.first_rdn(member)))
                if pid is None:
                    continue
                stale.add(pid)
            held.setdefault(pid, []).append(member)
        return held, stale


def plan(managed, entitled, groups_info, rules, placeholder, create_missing, rdn_is_login=False,
         members_follow=False):
    """Membership changes, batches, the per-rule report and problems.

    ``managed``: person -> (current DN or None for a new account, DN after this run);
    ``entitled``: person -> ``rules.Entitlements`` (their ``groups`` are normalised DNs; a person
    absent from it is not judged this run and keeps their memberships);
    ``groups_info``: normalised DN -> {dn, exists, members}; ``rules``: compiled rules;
    ``rdn_is_login``: the accounts' RDN is their unique login, so a member DN with an account's
    RDN at another place is that account's stale DN (cleaned up: ``relink``);
    ``members_follow``: a group holds its members by an identifier a rename keeps (SCIM's ``id``),
    so a moved account stays a member as it is: nothing to relink.
    """
    names = dict((rule.name, set(dnlib.normalise(dn) for dn in rule.groups)) for rule in rules)
    report = dict((rule.name, {"gain": [], "lose": []}) for rule in rules)
    changes, batches, problems = [], [], []
    placeholder_key = dnlib.normalise(placeholder) if placeholder else None
    owners = _Owners(managed, rdn_is_login, placeholder_key)
    moving = set() if members_follow else set(
        pid for pid, (current, final) in managed.items() if current and dnlib.normalise(current) != dnlib.normalise(final))
    wanted_by_group = {}  # one pass over the persons, not one per group
    for pid, granted in entitled.items():
        if pid in managed:
            for key in granted.groups:
                wanted_by_group.setdefault(key, set()).add(pid)
    for key in sorted(groups_info):
        info = groups_info[key]
        members = list(info.get("members") or [])
        held, stale = owners.held(members)
        holders = set(held)
        wanted = wanted_by_group.get(key, set())
        keep = set(pid for pid in holders if pid not in entitled)  # persons we do not judge this run
        grants = sorted(wanted - holders)
        revokes = sorted(holders - wanted - keep)
        # Still members, but under another DN than the one they have after this run (a move, or a
        # stale DN left by an earlier move): the membership follows the account.
        relinks = sorted(pid for pid in holders - set(revokes) if pid in moving or pid in stale or len(held[pid]) > 1)
        if not grants and not revokes and not relinks:
            continue
        if not info.get("exists") and not create_missing:
            for pid in grants:
                problems.append({"person": pid, "action": "grant", "dn": info["dn"],
                                 "error": f"managed group {info['dn']} does not exist (set groups.create_missing)"})
            continue
        batch = GroupBatch(info["dn"])
        batch.create = not info.get("exists")
        for pid in relinks + revokes:
            current = dnlib.normalise(managed[pid][0] or "")
            # (DNs the group holds for the account, the DN after this run, held DNs that are not
            # the account's current one: removed only once the directory confirms nothing is there)
            batch.moved[pid] = (list(held[pid]), managed[pid][1],
                                [m for m in held[pid] if dnlib.normalise(m) != current])
        for pid in grants:
            granting = [name for name in entitled[pid].rules if key in names[name]]
            change = MembershipChange("grant", pid, managed[pid][1], info["dn"], granting, batch)
            batch.add.append(managed[pid][1])
            changes.append(change)
            for name in granting:
                report[name]["gain"].append(pid)
        for pid in relinks:
            changes.append(MembershipChange("relink", pid, managed[pid][1], info["dn"], [], batch))
        for pid in revokes:
            losing = [name for name, groups in names.items() if key in groups]
            # The DN the group holds (before a move), not the account's DN after this run.
            change = MembershipChange("revoke", pid, held[pid][0], info["dn"], losing, batch)
            batch.remove.extend(held[pid])
            changes.append(change)
            for name in losing:
                report[name]["lose"].append(pid)
        has_placeholder = placeholder_key is not None and placeholder_key in set(dnlib.normalise(m) for m in members)
        remaining = len([m for m in members if dnlib.normalise(m) != placeholder_key]) + len(grants) - len(revokes)
        batch.add_placeholder = placeholder_key is not None and remaining == 0 and not has_placeholder
        batch.remove_placeholder = has_placeholder and remaining > 0
        batches.append(batch)
    for entry in report.values():
        entry["gain"] = sorted(set(entry["gain"]))
        entry["lose"] = sorted(set(entry["lose"]))
    return changes, batches, report, problems
