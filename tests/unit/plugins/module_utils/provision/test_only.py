# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``only``: a run limited to named persons is the full plan cut to their own operations."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.provision import plan as planlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision import reconcile
from ansible_collections.jml.provisioning.plugins.module_utils.provision.correlation import Account
from ansible_collections.jml.provisioning.plugins.module_utils.provision.port import Target

TODAY = datetime.date(2026, 6, 15)
PEOPLE = "ou=people,dc=example,dc=test"
GROUPS = "ou=groups,dc=example,dc=test"
STAFF = "cn=staff,%s" % GROUPS
SALES = "cn=sales,%s" % GROUPS
RULES = [{"name": "staff", "when": "true", "groups": ["staff"]},
         {"name": "sales", "when": "contract.department.code == 'SALES'", "groups": ["sales"]}]


def person(pid, given, family="Jansen", department="SALES", end=None, manager=None):
    return {"id": pid, "source": "hr", "manager": manager,
            "name": {"given": given, "family": family, "display": "%s %s" % (given, family)},
            "contracts": [{"id": "%s-1" % pid, "start": "2020-01-01", "end": end,
                           "department": {"code": department}, "title": {"code": "AM"}}]}


def account(uid, pid, department="SALES", container=PEOPLE, **more):
    attrs = {"uid": [uid], "employeenumber": [pid], "cn": [uid], "sn": ["Jansen"], "givenname": [uid.split(".")[0].title()],
             "mail": ["%s@example.test" % uid], "departmentnumber": [department], "title": ["AM"]}
    attrs.update(more)
    return Account("uid=%s,%s" % (uid, container), attrs)


def population():
    """Pending changes for several people at once: a joiner (1), a mover (2: SALES -> ICT, loses
    sales), a leaver still in the vault (3), one who left it (4: only their account is left),
    an unchanged colleague (5), and a second joiner whose login clashes with 1's (6)."""
    persons = dict((p["id"], p) for p in [
        person("1", "Jan"), person("2", "Bert", department="ICT"), person("3", "Cor", end="2026-01-01"),
        person("5", "Eva"), person("6", "Jan", family="Jansen")])
    persons["5"]["name"]["display"] = "eva.jansen"
    accounts = [account("bert.jansen", "2", cn=["Bert Jansen"]), account("cor.jansen", "3", cn=["Cor Jansen"]),
                account("dirk.jansen", "4", cn=["Dirk Jansen"]), account("eva.jansen", "5"),
                Account("uid=svc-backup,%s" % PEOPLE, {"uid": ["svc-backup"], "cn": ["svc"]})]
    groups = {
        STAFF.lower(): {"dn": STAFF, "exists": True, "members": [a.dn for a in accounts[:4]]},
        SALES.lower(): {"dn": SALES, "exists": True, "members": [a.dn for a in accounts[:4]]},
    }
    return persons, accounts, groups


@pytest.fixture
def config(make_config):
    return make_config(rules=RULES, groups={"base": GROUPS})


def build(config, only=None, persons=None, accounts=None, groups=None):
    everyone, existing, held = population()
    return planlib.build(everyone if persons is None else persons, existing if accounts is None else accounts, config,
                         TODAY, taken_names={}, groups=held if groups is None else groups, only=only)


def by_person(plan):
    found = {}
    for op in plan.operations:
        found.setdefault(op.person, []).append(op.as_dict())
    return found


def test_without_only_the_plan_is_the_full_plan(config):
    assert by_person(build(config, only=None)) == by_person(build(config))
    assert set(by_person(build(config))) == {"1", "2", "3", "4", "6"}


@pytest.mark.parametrize("named", [["1"], ["2"], ["3"], ["4"], ["6"], ["1", "4"], ["2", "3", "6"]])
def test_the_named_persons_operations_are_exactly_their_operations_in_the_full_plan(config, named):
    full, limited = by_person(build(config)), by_person(build(config, only=named))
    assert set(limited) == set(named)
    for pid in named:
        assert limited[pid] == full[pid]


def test_a_named_joiner_gets_the_name_the_full_run_gives_uniqueness_sees_everyone(config):
    # 1 and 6 are both Jan Jansen; in the full plan 1 (sorted first) is jan.jansen, 6 jan.jansen2.
    [create] = [op for op in build(config, only=["6"]).operations if op.action == "create"]
    assert create.dn == "uid=jan.jansen2,%s" % PEOPLE


def test_a_membership_operation_shows_its_member_value_and_shares_its_reason(config):
    # Derived when asked (Operation.changes), not held per operation: the same as it was spelt.
    plan = build(config)
    grants = [op for op in plan.operations if op.action == "grant"]
    revokes = [op for op in plan.operations if op.action == "revoke"]
    assert grants and revokes
    for op in grants:
        assert op.as_dict()["changes"] == {"member of " + op.group: [None, op.dn]}
    for op in revokes:
        assert op.as_dict()["changes"] == {"member of " + op.group: [op.dn, None]}
    staff = [op for op in grants if op.rules == ("staff",)]
    assert len(staff) >= 2 and staff[0].reason == "rule staff"
    assert all(op.reason is staff[0].reason and op.rules is staff[0].rules for op in staff)


def test_persons_the_same_rules_grant_share_one_entitlements_object(config, make_config):
    persons, accounts, groups = population()
    planner = planlib._Planner(persons, accounts, config, TODAY, {}, groups)
    planner.place()
    planner.reconcile()
    by_rules = {}
    for pid, granted in planner.entitled.items():
        by_rules.setdefault(tuple(granted.rules), set()).add(id(granted))
    assert by_rules[("staff", "sales")] and all(len(ids) == 1 for rules, ids in by_rules.items() if rules)
    assert len(by_rules[("staff", "sales")]) == 1
    # A rule that sets attributes: their values are the person's own, so nothing is shared.
    valued = make_config(rules=[dict(RULES[0], attributes={"description": "person.name.given"})],
                         groups={"base": GROUPS})
    planner = planlib._Planner(persons, accounts, valued, TODAY, {}, groups)
    planner.place()
    planner.reconcile()
    objects = [g for g in planner.entitled.values() if g.rules]
    assert len(set(map(id, objects))) == len(objects) > 1


def test_a_group_batch_holds_only_the_named_persons_member_changes(config):
    plan = build(config, only=["2"])
    [revoke] = [op for op in plan.operations if op.action == "revoke"]
    assert (revoke.person, revoke.group) == ("2", SALES)
    batch = revoke.batch
    # The full plan revokes 3 and 4 from sales too: not in this run's write.
    assert batch.remove == ["uid=bert.jansen,%s" % PEOPLE] and batch.add == []
    assert [op.person for op in batch.operations] == ["2"]
    assert not batch.add_placeholder  # 3, 4 and 5 stay members
    assert plan.rules == {"staff": {"gain": [], "lose": []}, "sales": {"gain": [], "lose": ["2"]}}


def test_the_placeholder_follows_the_members_the_cut_batch_leaves(config):
    persons, accounts, groups = population()
    groups[SALES.lower()]["members"] = ["uid=bert.jansen,%s" % PEOPLE]
    # Full plan: 2 leaves sales and 1 and 6 join it - no placeholder. Only 2: the group would be
    # empty - the placeholder keeps it a valid groupOfNames.
    full = build(config, groups=groups)
    [batch] = set(op.batch for op in full.operations if op.group == SALES)
    assert not batch.add_placeholder
    [revoke] = [op for op in build(config, only=["2"], groups=groups).operations if op.group == SALES]
    assert revoke.batch.add_placeholder and revoke.batch.remove == ["uid=bert.jansen,%s" % PEOPLE]


def test_a_leaver_who_left_the_vault_is_named_by_the_anchor_of_their_account(config):
    plan = build(config, only=["4"])
    assert [(op.action, op.person) for op in plan.operations] == [
        ("disable", "4"), ("revoke", "4"), ("revoke", "4")]
    assert plan.only_unknown == []


def test_ids_that_name_nobody_are_reported_the_others_are_not(config):
    # 4 left the vault but has an account; svc-backup carries no anchor; 99 is nobody.
    assert build(config, only=["1", "4", "99", "svc-backup"]).only_unknown == ["99", "svc-backup"]


def test_a_manager_link_names_where_the_manager_is_after_this_run(make_config):
    config = make_config()
    persons = dict((p["id"], p) for p in [
        person("10", "Mia", manager="20"),    # a joiner whose manager is a joiner too
        person("11", "Nik", manager="21"),    # a joiner whose manager is moved by the full plan
        person("20", "Olga"), person("21", "Paul", department="ICT")])
    accounts = [account("paul.jansen", "21", cn=["Paul Jansen"])]
    full = dict((op.person, op) for op in planlib.build(persons, accounts, config, TODAY, taken_names={}).operations
                if op.action == "create")
    assert full["10"].modifications["manager"] == ("uid=olga.jansen,%s" % PEOPLE,)
    limited = planlib.build(persons, accounts, config, TODAY, taken_names={}, only=["10", "11"])
    created = dict((op.person, op) for op in limited.operations if op.action == "create")
    assert set(created) == {"10", "11"}
    assert "manager" not in created["10"].modifications  # Olga's account is not made by this run
    assert created["11"].modifications["manager"] == (accounts[0].dn,)
    assert limited.unset_links == [{"person": "10", "manager": "20"}]
    both = planlib.build(persons, accounts, config, TODAY, taken_names={}, only=["10", "20"])
    assert [op.modifications.get("manager") for op in both.operations if op.person == "10"] == [
        ("uid=olga.jansen,%s" % PEOPLE,)]
    assert both.unset_links == []


def test_a_moving_manager_who_is_not_named_keeps_the_link_at_their_current_dn(make_config):
    config = make_config(container="'ou=' ~ (contract.department.code | lower) ~ ',%s'" % PEOPLE)
    persons = dict((p["id"], p) for p in [person("11", "Nik", manager="21"), person("21", "Paul", department="ICT")])
    manager = account("paul.jansen", "21", department="ICT", container="ou=sales," + PEOPLE, cn=["Paul Jansen"])
    full = planlib.build(persons, [manager], config, TODAY, taken_names={})
    assert ("move", "21") in [(op.action, op.person) for op in full.operations]
    [create] = [op for op in full.operations if op.action == "create"]
    assert create.modifications["manager"] == ("uid=paul.jansen,ou=ict,%s" % PEOPLE,)
    limited = planlib.build(persons, [manager], config, TODAY, taken_names={}, only=["11"])
    [create] = limited.operations
    assert create.modifications["manager"] == (manager.dn,)
    assert limited.unset_links == []


def test_problems_of_persons_who_are_not_named_are_not_this_runs(make_config):
    config = make_config(username={"candidates": ["person.name.given"], "max_tries": 2})
    persons = {"1": person("1", "Jan"), "2": person("2", "Piet"), "3": person("3", "Jan", family="Smit")}
    full = planlib.build(persons, [], config, TODAY, taken_names={"uid": ["jan"]})
    assert [p["person"] for p in full.problems] == ["1", "3"]  # no free username
    limited = planlib.build(persons, [], config, TODAY, taken_names={"uid": ["jan"]}, only=["2", "3"])
    assert [p["person"] for p in limited.problems] == ["3"]
    assert [(op.action, op.person) for op in limited.operations] == [("create", "2")]


def test_counts_are_the_subsets_and_percentages_keep_the_whole_target_as_base(config):
    plan = build(config, only=["4"])
    assert plan.counts()["disable"] == 1 and plan.counts()["unchanged"] == 0
    assert plan.managed == 4  # 2, 3, 4, 5: the accounts of the whole target
    assert planlib.evaluate_thresholds(plan, {"disable": {"percent": 25}}) == {
        "disable": {"count": 1, "limit": 1, "exceeded": False}}
    assert planlib.evaluate_thresholds(plan, {"disable": 1}) == {"disable": {"count": 1, "limit": 1, "exceeded": False}}


# The run around the plan -----------------------------------------------------------------------

class Directory(Target):
    """The population in memory; records what it is asked and what is applied."""

    def __init__(self, missing=()):
        self.persons, self.accounts, self.groups = population()
        self.missing = set(missing)
        self.applied, self.asked_containers = [], []

    def read_accounts(self):
        return list(self.accounts)

    def taken_names(self):
        return {"uid": [a.first("uid") for a in self.accounts]}

    def read_groups(self, groups):
        return self.groups

    def missing_containers(self, containers):
        self.asked_containers.append(sorted(containers))
        return set(c for c in containers if c.lower() in self.missing)

    def apply(self, operations):
        self.applied.extend(operations)
        return list(operations), []


@pytest.mark.parametrize("check_mode", [True, False])
def test_an_unknown_id_stops_the_run_before_any_write_in_check_mode_too(config, check_mode):
    target = Directory()
    with pytest.raises(ValueError, match=r"only names 77, 99, which is neither a person in the vault nor the anchor "
                                         r"\(employeeNumber\) of an account whose person left it"):
        reconcile.run(target.persons, config, target, TODAY, check_mode=check_mode, only=["1", "99", "77"])
    assert target.applied == []


def test_check_mode_equals_the_run_and_the_result_says_it_was_limited(config):
    planned, dummy = reconcile.run(Directory().persons, config, Directory(), TODAY, check_mode=True, only=["4", "1"])
    target = Directory()
    applied, dummy = reconcile.run(target.persons, config, target, TODAY, only=[4, "1", " 1 ", ""])
    assert planned["only"] == applied["only"] == {"persons": ["1", "4"], "count": 2, "unset_links": []}
    for key in ("summary", "actions", "rules", "thresholds", "failures", "correlation"):
        assert planned[key] == applied[key], key
    assert set(op.person for op in target.applied) == {"1", "4"}
    assert planned["correlation"]["vanished"] == ["uid=dirk.jansen,%s" % PEOPLE]  # the whole target's
    full, dummy = reconcile.run(Directory().persons, config, Directory(), TODAY, check_mode=True)
    assert full["only"] is None


def test_containers_are_made_for_the_named_persons_only(make_config):
    config = make_config(container="'ou=' ~ (contract.department.code | lower) ~ ',%s'" % PEOPLE,
                         create_containers=True)
    target = Directory(missing={"ou=sales," + PEOPLE, "ou=ict," + PEOPLE})
    result, operations = reconcile.run(target.persons, config, target, TODAY, check_mode=True, only=["2"])
    assert [(op.action, op.dn) for op in operations if op.action == "container"] == [("container", "ou=ict," + PEOPLE)]
    assert target.asked_containers[0] == ["ou=ict," + PEOPLE]


def test_an_empty_only_is_everyone(config):
    for empty in (None, [], [""], ["  "]):
        result, dummy = reconcile.run(Directory().persons, config, Directory(), TODAY, check_mode=True, only=empty)
        assert result["only"] is None and result["summary"]["create"] == 2
