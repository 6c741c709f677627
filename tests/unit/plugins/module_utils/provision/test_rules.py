# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Business rules and group memberships: pure data in, data out."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.provision import _memberships as memberships
from ansible_collections.jml.provisioning.plugins.module_utils.provision.rules import (
    Entitlements, RuleError, compile_rules, entitlements, group_dn, group_names, managed_groups, resolve_names,
    rules_scope,
)
from ansible_collections.jml.provisioning.plugins.module_utils.provision import lifecycle

TODAY = datetime.date(2026, 6, 1)
GROUPS = "ou=groups,dc=example,dc=test"
PEOPLE = "ou=people,dc=example,dc=test"


def person(pid, *departments):
    return {"id": pid, "contracts": [{"id": "%s-%d" % (pid, i), "start": "2020-0%d-01" % (i + 1), "end": None,
                                      "department": {"code": d}} for i, d in enumerate(departments)]}


def granted(rules, somebody):
    status = lifecycle.evaluate(somebody, TODAY, lifecycle.Policy())
    return entitlements(rules, rules_scope(somebody, status, {}, TODAY.isoformat()), TODAY)


RULES = compile_rules([
    {"name": "staff", "when": "true", "groups": ["staff"]},
    {"name": "sales", "when": "contract.department.code == 'SALES'", "groups": ["sales", "cn=crm,ou=apps,dc=x"],
     "attributes": {"employeeType": "'seller'"}},
    {"name": "ict-any", "when": "contract.department.code == 'ICT'", "any_contract": True, "groups": ["ict"]},
], GROUPS)


def test_group_names_are_placed_under_the_base_and_dns_stay():
    assert group_dn("sales", GROUPS) == "cn=sales,%s" % GROUPS
    assert group_dn("cn=crm,ou=apps,dc=x", GROUPS) == "cn=crm,ou=apps,dc=x"
    with pytest.raises(RuleError, match="no groups base"):
        group_dn("sales", None)


def test_rules_must_be_named_unique_and_grant_something():
    with pytest.raises(RuleError, match="needs a name"):
        compile_rules([{"when": "true", "groups": ["a"]}], GROUPS)
    with pytest.raises(RuleError, match="defined twice"):
        compile_rules([{"name": "a", "groups": ["a"]}, {"name": "a", "groups": ["b"]}], GROUPS)
    with pytest.raises(RuleError, match="grants nothing"):
        compile_rules([{"name": "a", "when": "true"}], GROUPS)
    with pytest.raises(RuleError, match="unknown keys"):
        compile_rules([{"name": "a", "groups": ["a"], "if": "x"}], GROUPS)


def test_primary_contract_rules_and_any_contract_rules():
    # Primary contract is SALES (earliest start); the second contract is ICT.
    got = granted(RULES, person("1", "SALES", "ICT"))
    assert got.rules == ["staff", "sales", "ict-any"]
    assert got.attributes == {"employeeType": ["seller"]}
    only_primary = granted(RULES, person("2", "ICT", "SALES"))
    assert only_primary.rules == ["staff", "ict-any"]  # sales looks at the primary contract only
    assert managed_groups(RULES)["cn=crm,ou=apps,dc=x"] == "cn=crm,ou=apps,dc=x"


@pytest.mark.parametrize("flag, matched", [
    ("false", True), ("False", True), ("no", True), ("0", True), ("x", True), (["x"], True), (1, True),
    ("", False), (None, False), (False, False), (0, False), ([], False), ({}, False),
])
def test_a_condition_holds_as_jinja_would_have_it_a_false_string_included(flag, matched):
    # Jinja2's truth ({% if %}), as lifecycle.exclude and the vault lookup's where: until 13 a
    # rule took the strings "false", "False", "no" and "0" for false, nothing else did.
    rules = compile_rules([
        {"name": "plain", "when": "person.flag", "groups": ["p"]},
        {"name": "guarded", "when": "contract.department.code == 'SALES' and person.flag", "groups": ["g"]},
        {"name": "jinja", "when": "person.flag if true", "groups": ["j"]},
        {"name": "any", "when": "contract.department.code == 'SALES' and person.flag", "any_contract": True,
         "groups": ["a"]},
    ], GROUPS)
    expected = ["plain", "guarded", "jinja", "any"] if matched else []
    assert granted(rules, dict(person("1", "SALES"), flag=flag)).rules == expected


def test_rules_behind_one_guard_are_remembered_per_value_and_fail_as_rule_by_rule():
    # The bucket of 'Internal' remembers its outcome per department code: the same answer as the
    # rule-by-rule path for every person, a failure still names the first failing rule.
    rules = compile_rules([
        {"name": "d1-%d" % i, "when": "contract.type == 'Internal' and contract.department.code.startswith('D%d')" % i,
         "groups": ["g%d" % i]} for i in range(3)] + [
        {"name": "title", "when": "contract.type == 'Internal' and contract.title == 'boss'", "groups": ["b"]},
    ], GROUPS)

    def internal(pid, code, title=None):
        somebody = person(pid, code)
        somebody["contracts"][0].update(type="Internal", title=title)
        return somebody
    for code, title, expected in [("D1x", None, ["d1-1"]), ("D2", "boss", ["d1-2", "title"]), ("D1y", "boss", ["d1-1", "title"]),
                                  ("D1x", None, ["d1-1"]), ("E", None, [])]:
        assert granted(rules, internal(code + str(title), code, title)).rules == expected
    failing = internal("x", 12)  # 12.startswith: the first rule fails, rule by rule as before
    with pytest.raises(ValueError, match="rule d1-0 when"):
        granted(rules, failing)


def test_an_any_contract_rule_needs_its_whole_condition_on_one_contract():
    # Decided per contract by the bucket its guard value chose: the guard met on one contract and
    # the rest on another is no match; met together on the second contract is.
    rules = compile_rules([
        {"name": "any-%d" % i, "when": "contract.type == 'Internal' and contract.department.code.startswith('D%d')" % i,
         "any_contract": True, "groups": ["g%d" % i]} for i in range(2)], GROUPS)
    somebody = person("1", "D1", "D0")
    somebody["contracts"][0]["type"] = "External"
    assert granted(rules, somebody).rules == []
    somebody["contracts"][1]["type"] = "Internal"
    assert granted(rules, somebody).rules == ["any-0"]
    somebody["contracts"][0]["type"] = "Internal"
    assert granted(rules, somebody).rules == ["any-0", "any-1"]


def _info(name, *members, exists=True):
    dn = "cn=%s,%s" % (name, GROUPS)
    return {dn.lower(): {"dn": dn, "exists": exists, "members": list(members)}}


def _entitled(*groups, rules=("staff",)):
    out = Entitlements()
    out.groups.update("cn=%s,%s" % (g, GROUPS.lower()) for g in groups)
    out.rules.extend(rules)
    return out


def test_memberships_grant_revoke_and_never_touch_unmanaged_members():
    managed = {"1": ("uid=a,%s" % PEOPLE, "uid=a,%s" % PEOPLE), "2": ("uid=b,%s" % PEOPLE, "uid=b,%s" % PEOPLE),
               "3": (None, "uid=c,%s" % PEOPLE)}
    groups = _info("staff", "uid=a,%s" % PEOPLE, "uid=b,%s" % PEOPLE, "uid=svc,ou=system,dc=x")
    entitled = {"1": _entitled("staff"), "2": _entitled(rules=()), "3": _entitled("staff")}
    rules = compile_rules([{"name": "staff", "groups": ["staff"]}], GROUPS)
    changes, batches, report, problems = memberships.plan(managed, entitled, groups, rules, "cn=nobody", False)
    assert [(c.kind, c.person) for c in changes] == [("grant", "3"), ("revoke", "2")]
    [batch] = batches
    assert batch.add == ["uid=c,%s" % PEOPLE] and batch.remove == ["uid=b,%s" % PEOPLE]
    assert not batch.add_placeholder and not batch.remove_placeholder
    assert report == {"staff": {"gain": ["3"], "lose": ["2"]}}
    assert problems == []


def test_a_moved_account_is_still_the_same_member():
    managed = {"1": ("uid=a,ou=old,dc=x", "uid=a,ou=new,dc=x")}
    changes, dummy, dummy2, dummy3 = memberships.plan(
        managed, {"1": _entitled("staff")}, _info("staff", "UID=A, OU=old, DC=x"),
        compile_rules([{"name": "staff", "groups": ["staff"]}], GROUPS), "cn=nobody", False)
    # Still a member, no entitlement change: the membership follows the move (the adapter writes
    # the new DN only where the directory's refint did not rename it already).
    [change] = changes
    assert (change.kind, change.account_dn) == ("relink", "uid=a,ou=new,dc=x")
    assert change.batch.moved == {"1": (["UID=A, OU=old, DC=x"], "uid=a,ou=new,dc=x", [])}
    assert change.batch.add == [] and change.batch.remove == []


def test_where_members_follow_renames_a_moved_member_needs_nothing():
    """SCIM groups hold members by id: a renamed account is still the member it was."""
    managed = {"1": ("userName=a,ou=Users", "userName=a2,ou=Users")}
    changes, batches, dummy2, dummy3 = memberships.plan(
        managed, {"1": _entitled("staff")}, _info("staff", "userName=a,ou=Users"),
        compile_rules([{"name": "staff", "groups": ["staff"]}], GROUPS), None, False, members_follow=True)
    assert changes == [] and batches == []


def test_a_moved_account_that_loses_a_group_is_revoked_by_the_dn_the_group_holds():
    managed = {"1": ("uid=a,ou=old,dc=x", "uid=a,ou=new,dc=x")}
    changes, dummy, dummy2, dummy3 = memberships.plan(
        managed, {"1": _entitled()}, _info("staff", "uid=a,ou=old,dc=x"),
        compile_rules([{"name": "staff", "groups": ["staff"]}], GROUPS), "cn=nobody", False)
    [change] = changes
    assert (change.kind, change.account_dn) == ("revoke", "uid=a,ou=old,dc=x")


def test_the_last_member_leaving_leaves_a_placeholder_and_the_next_grant_removes_it():
    rules = compile_rules([{"name": "staff", "groups": ["staff"]}], GROUPS)
    managed = {"1": ("uid=a,dc=x", "uid=a,dc=x")}
    dummy, [batch], dummy2, dummy3 = memberships.plan(managed, {"1": _entitled(rules=())}, _info("staff", "uid=a,dc=x"),
                                                      rules, "cn=nobody", False)
    assert batch.remove == ["uid=a,dc=x"] and batch.add_placeholder
    dummy, [batch], dummy2, dummy3 = memberships.plan(managed, {"1": _entitled("staff")}, _info("staff", "cn=nobody"),
                                                      rules, "cn=nobody", False)
    assert batch.add == ["uid=a,dc=x"] and batch.remove_placeholder


def test_a_missing_group_is_created_on_request_or_reported():
    rules = compile_rules([{"name": "staff", "groups": ["staff"]}], GROUPS)
    managed = {"1": (None, "uid=a,dc=x")}
    dummy, batches, dummy2, problems = memberships.plan(managed, {"1": _entitled("staff")},
                                                        _info("staff", exists=False), rules, "cn=nobody", False)
    assert batches == [] and problems[0]["error"].startswith("managed group cn=staff")
    dummy, [batch], dummy2, problems = memberships.plan(managed, {"1": _entitled("staff")},
                                                        _info("staff", exists=False), rules, "cn=nobody", True)
    assert batch.create and batch.add == ["uid=a,dc=x"] and problems == []


def test_looked_up_names_stay_names_until_the_directory_gives_their_dns():
    rules = compile_rules([{"name": "sales", "groups": ["Sales-EU", "cn=crm,ou=apps,dc=x"]},
                           {"name": "all", "groups": ["sales-eu", "staff"]}], GROUPS, lookup=True)
    assert rules[0].names == ("Sales-EU",) and rules[0].groups == ["cn=crm,ou=apps,dc=x"]
    assert group_names(rules) == ["Sales-EU", "staff"]  # each once, whatever the case
    resolved = resolve_names(rules, {"sales-eu": ["CN=Sales Team EU,OU=Regions,DC=x"]}, GROUPS)
    assert resolved[0].groups == ["cn=crm,ou=apps,dc=x", "CN=Sales Team EU,OU=Regions,DC=x"]
    assert resolved[1].groups == ["CN=Sales Team EU,OU=Regions,DC=x", "cn=staff,%s" % GROUPS]  # to be created
    assert managed_groups(resolved)["cn=sales team eu,ou=regions,dc=x"] == "CN=Sales Team EU,OU=Regions,DC=x"
    assert granted(resolved, person("1", "X")).rules == ["sales", "all"]
    assert group_names(resolved) == []


def test_a_name_two_groups_hold_or_one_with_nowhere_to_create_it_is_an_error():
    rules = compile_rules([{"name": "sales", "groups": ["sales"]}], GROUPS, lookup=True)
    with pytest.raises(RuleError, match="sAMAccountName of 2 groups .*name it by DN"):
        resolve_names(rules, {"sales": ["cn=a,dc=x", "cn=b,dc=x"]}, GROUPS, lookup="sAMAccountName")
    with pytest.raises(RuleError, match="no group has sAMAccountName 'sales', and no groups base"):
        resolve_names(rules, {}, None, lookup="sAMAccountName")


def test_a_created_group_carries_its_lookup_name_and_group_type():
    extra = {"groupType": ["-2147483644"]}
    assert memberships.new_group_attributes("CN=Sales EU,OU=Groups,DC=x", "sAMAccountName", extra) == {
        "sAMAccountName": ["Sales EU"], "groupType": ["-2147483644"]}
    assert memberships.new_group_attributes("cn=staff,dc=x") == {}


def test_a_stale_member_dn_of_a_managed_account_is_relinked_where_the_rdn_is_the_login():
    # An earlier move without refint left uid=a,ou=old in the group; the account is uid=a,ou=new.
    managed = {"1": ("uid=a,ou=new,dc=x", "uid=a,ou=new,dc=x")}
    rules = compile_rules([{"name": "staff", "groups": ["staff"]}], GROUPS)
    changes, dummy, dummy2, dummy3 = memberships.plan(
        managed, {"1": _entitled("staff")}, _info("staff", "uid=a,ou=old,dc=x"), rules, "cn=nobody", False,
        rdn_is_login=True)
    [change] = changes
    assert change.kind == "relink"
    assert change.batch.moved["1"] == (["uid=a,ou=old,dc=x"], "uid=a,ou=new,dc=x", ["uid=a,ou=old,dc=x"])
    # Where the RDN is a display name (cn=Jan Jansen), a namesake elsewhere is somebody else.
    changes, dummy, dummy2, dummy3 = memberships.plan(
        managed, {"1": _entitled("staff")}, _info("staff", "uid=a,ou=old,dc=x"), rules, "cn=nobody", False)
    assert [c.kind for c in changes] == ["grant"]


def test_a_new_account_at_a_dn_a_group_still_lists_is_that_member_already():
    """Without refint, an account deleted by hand stays listed in its groups; a joiner created at
    the same DN holds that membership already: no grant (the directory would refuse it as
    attributeOrValueExists), and a revoke when the rules do not grant it."""
    rules = compile_rules([{"name": "staff", "groups": ["staff"]}], GROUPS)
    managed = {"1": (None, "uid=a,ou=people,dc=x")}
    changes, batches, dummy2, dummy3 = memberships.plan(
        managed, {"1": _entitled("staff")}, _info("staff", "UID=A,ou=people,dc=x"), rules, "cn=nobody", False,
        rdn_is_login=True)
    assert changes == [] and batches == []
    changes, dummy, dummy2, dummy3 = memberships.plan(
        managed, {"1": _entitled()}, _info("staff", "UID=A,ou=people,dc=x"), rules, "cn=nobody", False)
    assert [(c.kind, c.account_dn) for c in changes] == [("revoke", "UID=A,ou=people,dc=x")]
