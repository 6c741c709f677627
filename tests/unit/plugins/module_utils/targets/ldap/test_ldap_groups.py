# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The LDAP adapter's group look-up and group requests, as far as they are pure (the requests
themselves are tested against Samba AD in tests/integration/test_ad_samba.py)."""

from __future__ import annotations

from ansible_collections.jml.provisioning.plugins.module_utils.provision._memberships import GroupBatch
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import directory as ldap
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import _ber as ber


def test_filter_values_are_escaped():
    assert ldap._filter_value("sales (EU)*\\") == "sales \\28EU\\29\\2a\\5c"
    assert ldap._filter_value("Ærø-team") == "Ærø-team"


def test_a_created_group_is_one_add_with_its_members_and_attributes_of_its_own():
    batch = GroupBatch("CN=Sales EU,OU=Groups,DC=x")
    batch.create, batch.attributes = True, {"sAMAccountName": ["Sales EU"], "groupType": ["-2147483644"]}
    batch.add = ["CN=1,OU=People,DC=x", "CN=3,OU=People,DC=x"]
    what, request = ldap._batch_request(batch, "member", "", "group", "cn")
    assert what == "add group"
    assert request == ber.add_request("CN=Sales EU,OU=Groups,DC=x", {
        "sAMAccountName": ["Sales EU"], "groupType": ["-2147483644"], "objectClass": ["group"],
        "member": ["CN=1,OU=People,DC=x", "CN=3,OU=People,DC=x"], "cn": ["Sales EU"]})


def test_an_existing_group_is_one_modify_whatever_its_attributes():
    batch = GroupBatch("CN=c,DC=x")
    batch.attributes = {"sAMAccountName": ["c"]}  # exists already: never re-added
    batch.add, batch.remove = ["CN=1,DC=x"], ["CN=2,DC=x"]
    what, request = ldap._batch_request(batch, "member", "", "group", "cn")
    assert what == "modify group"
    assert request == ber.modify_request("CN=c,DC=x", [("add", "member", ["CN=1,DC=x"]),
                                                       ("delete", "member", ["CN=2,DC=x"])])
