# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sealed plans: fingerprints that ignore what is not a change, signatures that catch every edit."""

from __future__ import annotations

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.provision import approval
from ansible_collections.jml.provisioning.plugins.module_utils.provision.correlation import Account
from ansible_collections.jml.provisioning.plugins.module_utils.provision.plan import Operation

KEY = b"k" * 32


def sealed(**fingerprints):
    prints = dict({"vault": "v", "config": "c", "directory": "d"}, **fingerprints)
    return approval.Approval(digest="p", fingerprints=prints, reference_date="2026-12-03",
                             target="ldap_accounts ldap://dc1 ou=people", operations=2, summary={"create": 2})


def test_the_directory_fingerprint_ignores_order_and_case_but_not_values():
    a = Account("uid=a,ou=people", {"mail": ["a@x", "b@x"], "cn": ["A"]})
    b = Account("uid=b,ou=people", {"cn": ["B"]})
    groups = {"cn=staff": {"dn": "cn=staff", "exists": True, "members": {"uid=a,ou=people", "uid=b,ou=people"}}}
    first = approval.directory_fingerprint([a, b], groups)
    shuffled = [Account("UID=b,ou=people", {"CN": ["B"]}), Account("uid=a,ou=people", {"cn": ["A"], "mail": ["b@x", "a@x"]})]
    assert approval.directory_fingerprint(shuffled, groups) == first
    assert approval.directory_fingerprint([a, Account("uid=b,ou=people", {"cn": ["Bee"]})], groups) != first
    assert approval.directory_fingerprint([a, b], {"cn=staff": dict(groups["cn=staff"], members={"uid=a,ou=people"})}) != first
    assert approval.directory_fingerprint([a], groups) != first


def test_the_plan_digest_is_of_what_the_operations_do_whatever_their_order():
    create = Operation("create", "1", "uid=a,ou=people", "joiner", modifications={"cn": ["A"], "objectClass": ["top"]})
    grant = Operation("grant", "1", "cn=staff", "rule staff", changes={"member": [[], ["uid=a", "uid=b"]]})
    digest = approval.plan_digest([create, grant])
    assert approval.plan_digest([grant, create]) == digest
    assert approval.plan_digest([create, Operation("grant", "1", "cn=staff", "rule staff",
                                                   changes={"member": [[], ["uid=b", "uid=a"]]})]) == digest
    assert approval.plan_digest([create]) != digest
    assert approval.plan_digest([create, Operation("grant", "1", "cn=admins", "rule staff",
                                                   changes={"member": [[], ["uid=a", "uid=b"]]})]) != digest


def test_a_sealed_plan_unseals_with_its_key_only_and_any_edit_breaks_it():
    document = {"approval": approval.seal(sealed(), KEY)}
    assert approval.unseal(document, KEY) == sealed()
    with pytest.raises(approval.ApprovalError, match="signed with another key"):
        approval.unseal(document, b"o" * 32)
    for field, value in (("digest", "q"), ("reference_date", "2026-12-04"), ("target", "elsewhere"), ("operations", 1)):
        edited = {"approval": dict(document["approval"], **{field: value})}
        with pytest.raises(approval.ApprovalError, match="the plan was changed after it was written"):
            approval.unseal(edited, KEY)
    edited = {"approval": dict(document["approval"], fingerprints=dict(document["approval"]["fingerprints"], vault="w"))}
    with pytest.raises(approval.ApprovalError, match="signature does not match"):
        approval.unseal(edited, KEY)


def test_what_cannot_be_approved_says_why():
    with pytest.raises(approval.ApprovalError, match="holds no sealed plan"):
        approval.unseal({"actions": []}, KEY, "approved_plan /x")
    with pytest.raises(approval.ApprovalError, match="not signed"):
        approval.unseal({"approval": approval.seal(sealed(), None)}, KEY)
    with pytest.raises(approval.ApprovalError, match="no key to check its signature"):
        approval.unseal({"approval": approval.seal(sealed(), KEY)}, None)
    incomplete = approval.seal(sealed(), KEY)
    del incomplete["fingerprints"]["directory"]
    with pytest.raises(approval.ApprovalError, match="incomplete"):
        approval.unseal({"approval": incomplete}, KEY)


def test_changed_inputs_are_named_in_order_and_worded_for_operators():
    assert approval.changed_inputs(sealed(), {"vault": "v", "config": "c"}) == []
    assert approval.changed_inputs(sealed(), {"vault": "w", "config": "c", "directory": "e"}) == ["vault", "directory"]
    assert approval.refusal(["config", "plan"]) == (
        "the approved plan no longer matches: the configuration (options or rules), the plan itself changed "
        "since it was computed (run the check again and approve its new plan)")
