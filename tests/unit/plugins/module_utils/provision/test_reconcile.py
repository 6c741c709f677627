# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One reconcile run: plan, check thresholds, apply (unless check mode), report.

The target is a small in-memory double of the three calls ``reconcile.run`` makes; no directory.
"""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.provision import reconcile
from ansible_collections.jml.provisioning.plugins.module_utils.provision.correlation import Account
from ansible_collections.jml.provisioning.plugins.module_utils.provision.plan import Operation
from ansible_collections.jml.provisioning.plugins.module_utils.provision.port import Target

TODAY = datetime.date(2026, 6, 15)
PEOPLE = "ou=people,dc=example,dc=test"


class FakeTarget(Target):
    """Holds accounts in memory; ``failing`` person ids make their operations fail."""

    def __init__(self, accounts=(), taken=None, failing=()):
        self.accounts = list(accounts)
        self.taken = taken or {}
        self.failing = set(failing)
        self.applied = []

    def read_accounts(self):
        return list(self.accounts)

    def taken_names(self):
        self.names_read = getattr(self, "names_read", 0) + 1
        return self.taken

    def apply(self, operations):
        self.applied.append(list(operations))
        done = [op for op in operations if op.person not in self.failing]
        failed = [{"person": op.person, "action": op.action, "dn": op.dn, "error": "refused by the fake"}
                  for op in operations if op.person in self.failing]
        return done, failed


def person(pid, given, end=None):
    return {"id": pid, "name": {"given": given, "family": "Jansen", "display": "%s Jansen" % given},
            "contracts": [{"id": "%s-1" % pid, "start": "2020-01-01", "end": end}]}


def existing(uid, pid):
    return Account("uid=%s,%s" % (uid, PEOPLE), {"uid": [uid], "employeenumber": [pid], "givenname": ["X"]})


PERSONS = {"1": person("1", "Anna"), "2": person("2", "Bert"), "3": person("3", "Cor", end="2026-01-01")}
ACCOUNTS = [existing("cor.jansen", "3")]


@pytest.fixture
def config(make_config):
    return make_config(attributes={"givenName": "person.name.given"})


def test_a_real_run_applies_the_whole_ordered_plan_once(config):
    target = FakeTarget(ACCOUNTS)
    result, operations = reconcile.run(PERSONS, config, target, TODAY)
    assert target.applied == [operations]
    assert [(op.action, op.person) for op in operations] == [("disable", "3"), ("create", "1"), ("create", "2"),
                                                             ("update", "3")]
    assert result["changed"] is True
    assert result["summary"] == {"create": 2, "enable": 0, "move": 0, "update": 1, "disable": 1, "delete": 0,
                                 "grant": 0, "revoke": 0, "unchanged": 0, "failed": 0}
    assert result["actions"] == [op.as_dict() for op in operations]
    assert result["actions_truncated"] == 0
    assert result["correlation"]["correlated"] == 1
    assert result["failures"] == [] and result["failed"] is False
    assert result["reference_date"] == "2026-06-15"


def test_check_mode_returns_the_same_result_and_applies_nothing(config):
    target = FakeTarget(ACCOUNTS)
    checked, checked_ops = reconcile.run(PERSONS, config, target, TODAY, check_mode=True)
    assert target.applied == []
    real, real_ops = reconcile.run(PERSONS, config, FakeTarget(ACCOUNTS), TODAY)
    assert (checked.pop("applied"), real.pop("applied")) == (0, 4)
    assert checked == real
    assert [op.as_dict() for op in checked_ops] == [op.as_dict() for op in real_ops]


def test_nothing_to_do_calls_no_apply_and_is_not_changed(config):
    target = FakeTarget([existing("anna.jansen", "1")])
    result, operations = reconcile.run({"1": person("1", "X")}, config, target, TODAY)
    assert operations == [] and target.applied == []
    assert result["changed"] is False
    assert result["summary"]["unchanged"] == 1


@pytest.mark.parametrize("check_mode", [False, True])
def test_an_exceeded_threshold_stops_with_the_full_result_and_applies_nothing(config, check_mode):
    target = FakeTarget(ACCOUNTS)
    result, dummy = reconcile.run(PERSONS, config, target, TODAY, check_mode=check_mode,
                                  thresholds={"create": {"count": 1}})
    assert target.applied == []
    assert result["changed"] is False
    assert result["stopped"] == {"reason": "threshold", "exceeded": ["create"]}
    assert result["failed"] is True and "create 2 > 1" in result["msg"]
    assert result["failures"] == [] and result["summary"]["failed"] == 0, "a stop is not a failed operation"
    assert result["thresholds"] == {"create": {"count": 2, "limit": 1, "exceeded": True}}
    assert result["summary"]["create"] == 2
    assert [a["action"] for a in result["actions"]] == ["disable", "create", "create", "update"]


def test_an_overridden_threshold_is_reported_and_the_plan_applied(config):
    target = FakeTarget(ACCOUNTS)
    result, operations = reconcile.run(PERSONS, config, target, TODAY, thresholds={"create": {"count": 1}},
                                       override_thresholds=True)
    assert target.applied == [operations]
    assert result["thresholds"]["create"]["exceeded"] is True


def test_a_threshold_not_exceeded_lets_the_run_apply(config):
    target = FakeTarget(ACCOUNTS)
    result, dummy = reconcile.run(PERSONS, config, target, TODAY, thresholds={"disable": {"count": 1}})
    assert len(target.applied) == 1
    assert result["thresholds"] == {"disable": {"count": 1, "limit": 1, "exceeded": False}}


def test_failures_from_apply_are_in_failed_and_counted(config):
    target = FakeTarget(ACCOUNTS, failing={"2"})
    result, dummy = reconcile.run(PERSONS, config, target, TODAY)
    assert result["failures"] == [{"person": "2", "action": "create", "dn": "uid=bert.jansen,%s" % PEOPLE,
                                   "error": "refused by the fake"}]
    assert result["failed"] is True
    assert result["summary"]["failed"] == 1
    assert result["summary"]["create"] == 2


def test_plan_problems_are_failures_too(make_config):
    config = make_config(username={"candidates": ["person.name.given"], "max_tries": 1})
    target = FakeTarget(taken={"uid": ["anna"]})
    result, operations = reconcile.run({"1": person("1", "Anna"), "2": person("2", "Bert")}, config, target, TODAY)
    assert [op.person for op in operations] == ["2"]
    assert [(f["person"], f["action"]) for f in result["failures"]] == [("1", "create")]
    assert result["summary"]["failed"] == 1


def test_actions_are_cut_to_max_actions_but_the_whole_plan_is_returned(config):
    result, operations = reconcile.run(PERSONS, config, FakeTarget(ACCOUNTS), TODAY, check_mode=True, max_actions=1)
    assert len(result["actions"]) == 1
    assert result["actions_truncated"] == 3
    assert len(operations) == 4


def test_diff_item_shows_only_changes_with_null_before_on_create_and_dn_on_renames():
    create = Operation("create", "1", "uid=a,%s" % PEOPLE, "joiner", changes={"cn": [None, "A"]})
    move = Operation("move", "1", "uid=a,%s" % PEOPLE, "mover", new_dn="uid=a,ou=hr,%s" % PEOPLE)
    delete = Operation("delete", "1", "uid=a,%s" % PEOPLE, "leaver")
    assert reconcile.diff_item(create) == ("create uid=a,%s" % PEOPLE, None, {"cn": "A"})
    assert reconcile.diff_item(move) == ("move uid=a,%s" % PEOPLE, {"dn": "uid=a,%s" % PEOPLE},
                                         {"dn": "uid=a,ou=hr,%s" % PEOPLE})
    assert reconcile.diff_item(delete) == ("delete uid=a,%s" % PEOPLE, {}, None)


class GroupsTarget(FakeTarget):
    """A directory holding one group, found by sAMAccountName; records the look-ups it answers."""

    def __init__(self, *args, **kwargs):
        FakeTarget.__init__(self, *args, **kwargs)
        self.lookups, self.read = [], []

    def find_groups(self, names):
        self.lookups.append(list(names))
        return {"sales-eu": ["CN=Sales Team EU,OU=Regions,DC=example,DC=test"]}

    def read_groups(self, groups):
        self.read.append(sorted(groups.values()))
        return dict((key, {"dn": dn, "exists": "Regions" in dn, "members": []}) for key, dn in groups.items())


def test_groups_named_by_a_looked_up_name_are_found_in_one_call_before_planning(make_config):
    config = make_config(attributes={"givenName": "person.name.given"},
                         groups={"base": "OU=Groups,DC=example,DC=test", "lookup": "sAMAccountName",
                                 "create_missing": True, "group_type": -2147483646},
                         rules=[{"name": "sales", "groups": ["Sales-EU", "staff"]}, {"name": "eu", "groups": ["SALES-EU"]}])
    target = GroupsTarget()
    result, operations = reconcile.run({"1": person("1", "Anna")}, config, target, TODAY)
    assert target.lookups == [["Sales-EU", "staff"]]
    assert target.read == [["CN=Sales Team EU,OU=Regions,DC=example,DC=test", "cn=staff,OU=Groups,DC=example,DC=test"]]
    grants = dict((op.group, op.batch) for op in operations if op.action == "grant")
    assert not grants["CN=Sales Team EU,OU=Regions,DC=example,DC=test"].create
    created = grants["cn=staff,OU=Groups,DC=example,DC=test"]
    assert created.create and created.attributes == {"sAMAccountName": ["staff"], "groupType": ["-2147483646"]}
    assert result["rules"] == {"sales": {"gain": ["1"], "lose": []}, "eu": {"gain": ["1"], "lose": []}}
    assert config.rules[0].names == ("Sales-EU", "staff")  # the compiled config is left as it was


def test_the_directory_names_are_read_once_between_planning_passes_and_only_for_a_new_login(config):
    noop = FakeTarget([existing("anna.jansen", "1")])
    reconcile.run({"1": person("1", "Anna")}, config, noop, TODAY)
    assert getattr(noop, "names_read", 0) == 0  # an unchanged run never reads them
    joiners = FakeTarget(taken={"uid": ["anna.jansen"]})
    result, operations = reconcile.run({"1": person("1", "Anna"), "2": person("2", "Bert")}, config, joiners, TODAY)
    assert joiners.names_read == 1
    assert sorted(op.dn for op in operations if op.action == "create") == [
        "uid=anna.jansen2,%s" % PEOPLE, "uid=bert.jansen,%s" % PEOPLE]


def _approved(result, **changed):
    from ansible_collections.jml.provisioning.plugins.module_utils.provision.approval import Approval
    sealed = result["approval"]
    prints = dict({"vault": "v", "config": "c"}, **sealed["fingerprints"])
    prints.update(changed)
    return Approval(digest=changed.pop("digest", sealed["digest"]), fingerprints=prints,
                    reference_date=result["reference_date"], target="fake")


def test_an_approved_plan_is_applied_over_its_threshold_and_only_while_it_is_the_plan(config):
    limits = {"create": {"count": 1}}
    checked, dummy = reconcile.run(PERSONS, config, FakeTarget(ACCOUNTS), TODAY, check_mode=True, thresholds=limits,
                                   fingerprint=True)
    assert checked["stopped"]["reason"] == "threshold" and sorted(checked["approval"]) == ["digest", "fingerprints"]
    target = FakeTarget(ACCOUNTS)
    result, operations = reconcile.run(PERSONS, config, target, TODAY, thresholds=limits, approved=_approved(checked))
    assert target.applied == [operations] and result["approval"]["approved"] is True and "stopped" not in result

    # The directory is no longer the one the plan was computed from: nothing is applied.
    moved_on = FakeTarget(ACCOUNTS + [existing("anna.jansen", "1")])
    result, dummy = reconcile.run(PERSONS, config, moved_on, TODAY, approved=_approved(checked))
    assert moved_on.applied == [] and result["failed"] is True and result["changed"] is False
    assert result["stopped"] == {"reason": "approval", "changed": ["directory"]}
    assert result["msg"].endswith("; nothing was written") and result["approval"]["approved"] is False

    # Same directory, another plan (the HR data the shell did not catch, a directory answer): refused as "plan".
    other = dict(PERSONS, **{"4": person("4", "Dirk")})
    target = FakeTarget(ACCOUNTS)
    result, dummy = reconcile.run(other, config, target, TODAY, check_mode=True, approved=_approved(checked))
    assert target.applied == [] and result["stopped"] == {"reason": "approval", "changed": ["plan"]}
