# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The LDAP adapter's group look-up and group creation, as far as they are pure (the requests
themselves are tested against Samba AD in tests/integration/test_ad_samba.py)."""

from __future__ import annotations

from ansible_collections.jml.provisioning.plugins.module_utils.memberships import GroupBatch
from ansible_collections.jml.provisioning.plugins.module_utils.plan import Operation
from ansible_collections.jml.provisioning.plugins.module_utils.targets import ldap


def test_filter_values_are_escaped():
    assert ldap._filter_value("sales (EU)*\\") == "sales \\28EU\\29\\2a\\5c"
    assert ldap._filter_value("Ærø-team") == "Ærø-team"


def _grant(batch, person="1"):
    op = Operation("grant", person, "CN=%s,OU=People,DC=x" % person, "rule", group=batch.dn, batch=batch)
    batch.operations.append(op)
    return op


def test_only_groups_created_with_attributes_of_their_own_wait_for_add_groups():
    plain, named, existing = GroupBatch("CN=a,DC=x"), GroupBatch("CN=b,DC=x"), GroupBatch("CN=c,DC=x")
    plain.create = named.create = True
    named.attributes = {"sAMAccountName": ["b"]}
    existing.attributes = {"sAMAccountName": ["c"]}  # exists already: a modify, never an add
    assert [ldap._own_attributes(_grant(b)) for b in (plain, named, existing)] == [False, True, False]
    assert not ldap._own_attributes(Operation("create", "1", "CN=1,DC=x", "joiner"))


class _RecordingConnection(object):
    """Records adds; refuses the DNs in ``refuse`` like a directory would."""

    def __init__(self, refuse=()):
        self.adds, self.refuse, self.result = [], set(refuse), {}

    def add(self, dn, attributes=None):
        self.adds.append((dn, attributes))
        ok = dn not in self.refuse
        self.result = {"result": 0 if ok else 68, "description": "success" if ok else "entryAlreadyExists"}
        return ok


def test_add_groups_creates_each_group_once_with_its_members_and_skips_broken_accounts():
    batch = GroupBatch("CN=Sales EU,OU=Groups,DC=x")
    batch.create, batch.attributes = True, {"sAMAccountName": ["Sales EU"], "groupType": ["-2147483644"]}
    ops = [_grant(batch, "1"), _grant(batch, "2"), _grant(batch, "3")]
    conn = _RecordingConnection()
    done, failed = ldap.add_groups(conn, ops, {"object_class": "group", "placeholder_member": ""}, broken={"2"})
    assert conn.adds == [("CN=Sales EU,OU=Groups,DC=x", {
        "objectClass": ["group"], "cn": ["Sales EU"], "member": ["CN=1,OU=People,DC=x", "CN=3,OU=People,DC=x"],
        "sAMAccountName": ["Sales EU"], "groupType": ["-2147483644"]})]
    assert done == [ops[0], ops[2]]
    assert [(f["person"], f["error"]) for f in failed] == [("2", "skipped: an earlier operation on this account failed")]


def test_a_refused_group_add_fails_every_grant_it_carried():
    batch = GroupBatch("CN=x,DC=x")
    batch.create, batch.attributes = True, {"sAMAccountName": ["x"]}
    ops = [_grant(batch, "1"), _grant(batch, "2")]
    done, failed = ldap.add_groups(_RecordingConnection(refuse={"CN=x,DC=x"}), ops)
    assert done == [] and [f["error"] for f in failed] == ["add group: entryAlreadyExists"] * 2
