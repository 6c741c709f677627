# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Plan: vault persons + accounts + config + date -> the ordered operations of one run."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.provision import plan as planlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision.correlation import Account
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap.config import build_target_config

TODAY = datetime.date(2026, 6, 15)
PEOPLE = "ou=people,dc=example,dc=test"
BASE = "dc=example,dc=test"
DISABLED = "ou=disabled,dc=example,dc=test"
LOCK = "pwdAccountLockedTime"
LOCKED = "000001010000Z"
BY_DEPARTMENT = "'ou=' ~ contract.department.code ~ ',%s'" % PEOPLE


def day(offset):
    return None if offset is None else (TODAY + datetime.timedelta(days=offset)).isoformat()


def person(pid, given="Jan", family="Jansen", department="SALES", start=-100, end=None, manager=None, **extra):
    return dict({
        "id": pid, "source": "hr", "manager": manager,
        "name": {"given": given, "family": family, "display": "%s %s" % (given, family)},
        "contracts": [{"id": "%s-1" % pid, "start": day(start), "end": day(end),
                       "department": {"code": department}, "title": {"code": "AM"}}],
    }, **extra)


def people(*persons):
    return dict((p["id"], p) for p in persons)


def accounts_created_by(plan):
    """The accounts a directory would hold after applying the plan's creates."""
    return [Account(op.dn, dict((a.lower(), list(v)) for a, v in op.modifications.items()))
            for op in plan.operations if op.action == "create"]


def account_of(plan, pid, **changes):
    """The account a create in ``plan`` made for ``pid``, with attributes changed (None deletes)."""
    [created] = [a for a in accounts_created_by(plan) if a.first("employeeNumber") == pid]
    new_dn = changes.pop("dn", None)
    attrs = dict(created.attrs)
    for name, value in changes.items():
        if value is None:
            attrs.pop(name.lower(), None)
        else:
            attrs[name.lower()] = value if isinstance(value, list) else [value]
    return Account(new_dn or created.dn, attrs)


def actions(plan):
    return [(op.action, op.person) for op in plan.operations]


def build(persons, accounts=(), config=None, today=TODAY, taken=None):
    return planlib.build(persons, list(accounts), config, today, taken_names=taken or {})


@pytest.fixture
def config(make_config):
    return make_config()


# Joiners -------------------------------------------------------------------------------------------

def test_a_joiner_is_created_with_rdn_object_classes_anchor_and_mapped_attributes(config):
    plan = build(people(person("1")), config=config)
    [op] = plan.operations
    assert (op.action, op.person, op.dn) == ("create", "1", "uid=jan.jansen,%s" % PEOPLE)
    # a create's values are tuples: repeated ones are shared (provision/shared_values.py)
    assert op.modifications == {
        "objectClass": ("inetOrgPerson",),
        "uid": ("jan.jansen",),
        "employeeNumber": ("1",),
        "cn": ("Jan Jansen",),
        "sn": ("Jansen",),
        "givenName": ("Jan",),
        "mail": ("jan.jansen@example.test",),
        "departmentNumber": ("SALES",),
        "title": ("AM",),
    }
    assert op.changes["cn"] == [None, "Jan Jansen"]
    assert "objectClass" not in op.changes
    assert op.reason == "active: contract 1-1 runs"
    assert plan.counts()["create"] == 1


def test_a_manager_created_in_the_same_run_is_resolved_to_its_new_dn(config):
    plan = build(people(person("2", given="Piet", family="Pietersen", manager="1"), person("1", given="Anna")),
                 config=config)
    created = dict((op.person, op) for op in plan.operations)
    assert created["2"].modifications["manager"] == (created["1"].dn,) == ("uid=anna.jansen,%s" % PEOPLE,)
    assert "manager" not in created["1"].modifications


def test_a_manager_without_an_account_leaves_manager_empty(config):
    plan = build(people(person("2", manager="nobody")), config=config)
    assert "manager" not in plan.operations[0].modifications


def test_a_prehire_is_created_locked(config):
    plan = build(people(person("1", start=5)), config=config)
    [op] = plan.operations
    assert op.action == "create"
    assert op.modifications[LOCK] == [LOCKED]
    assert op.reason == "joiner: contract 1-1 starts %s" % day(5)


def test_a_future_joiner_gets_nothing_yet(config):
    plan = build(people(person("1", start=60)), config=config)
    assert plan.operations == [] and plan.unchanged == 0


def test_two_identical_joiners_in_one_run_get_different_names(config):
    plan = build(people(person("1"), person("2")), config=config)
    assert [op.dn for op in plan.operations] == ["uid=jan.jansen,%s" % PEOPLE, "uid=jan.jansen2,%s" % PEOPLE]
    assert plan.operations[1].modifications["mail"] == ("jan.jansen2@example.test",)


def test_a_joiner_avoids_names_taken_in_the_directory_in_any_unique_attribute(config):
    plan = build(people(person("1")), config=config, taken={"uid": ["jan.jansen2"], "mail": ["Jan.Jansen@example.test"]})
    assert plan.operations[0].dn == "uid=jan.jansen3,%s" % PEOPLE


def test_planning_never_calls_out_for_names_it_says_when_it_needs_them(config):
    first = build(people(person("1")), config=config)
    unchanged = planlib.build(people(person("1")), accounts_created_by(first), config, TODAY,
                              taken_names=planlib.NAMES_UNKNOWN)
    assert not unchanged.names_needed and unchanged.unchanged == 1
    joiner = planlib.build(people(person("1"), person("2")), accounts_created_by(first), config, TODAY,
                           taken_names=planlib.NAMES_UNKNOWN)
    assert joiner.names_needed and joiner.operations == []


def test_unique_attributes_match_mapped_attributes_case_insensitively(make_config):
    config = make_config(username={"candidates": ["person.name.given ~ '.' ~ person.name.family ~ "
                                                  "(n if n > 1 else '')"], "unique_attributes": ["uid", "MAIL"]})
    plan = build(people(person("1")), config=config, taken={"mail": ["jan.jansen@example.test"]})
    assert plan.operations[0].dn == "uid=jan.jansen2,%s" % PEOPLE


def test_a_person_who_cannot_be_named_is_a_problem_and_the_run_goes_on(make_config):
    config = make_config(username={"candidates": ["person.name.given"], "max_tries": 2})
    plan = build(people(person("1"), person("2", given="Piet")), config=config, taken={"uid": ["jan"]})
    assert actions(plan) == [("create", "2")]
    assert plan.problems == [{"person": "1", "action": "create", "dn": None,
                              "error": "no free username after 2 tries (last tried: jan)"}]
    assert plan.counts()["failed"] == 1


# Idempotence -----------------------------------------------------------------------------------------

def test_a_second_plan_over_what_the_first_created_does_nothing(config):
    persons = people(person("1", given="Anna"), person("2", manager="1"), person("3", start=5), person("4"))
    first = build(persons, config=config)
    assert [op.action for op in first.operations] == ["create"] * 4
    second = build(persons, accounts_created_by(first), config=config)
    assert second.operations == []
    assert second.unchanged == 4
    assert second.counts() == dict(dict.fromkeys(planlib.SUMMARY_KEYS, 0), unchanged=4)


def test_the_demo_vault_planned_twice_with_the_demo_target_does_nothing_the_second_time(demo_collect,
                                                                                        demo_target_options):
    config = build_target_config(demo_target_options)
    persons = demo_collect.document["persons"]
    first = build(persons, config=config)
    assert first.problems == []
    assert first.operations and set(op.action for op in first.operations) == {"create"}
    blocked = sorted(pid for pid, p in persons.items() if p["custom"]["blocked"])
    assert blocked == ["OlegF"]  # excluded by the demo's lifecycle.exclude
    assert not set(blocked) & set(op.person for op in first.operations)
    second = build(persons, accounts_created_by(first), config=config)
    assert second.operations == []
    assert second.unchanged == len(first.operations)


# Movers, leavers, rehires --------------------------------------------------------------------------

def test_a_mover_gets_an_update_of_only_the_changed_attributes(config):
    first = build(people(person("1")), config=config)
    plan = build(people(person("1", department="HR")), [account_of(first, "1")], config=config)
    [op] = plan.operations
    assert (op.action, op.dn) == ("update", "uid=jan.jansen,%s" % PEOPLE)
    assert op.modifications == {"departmentNumber": ["HR"]}
    assert op.changes == {"departmentNumber": ["SALES", "HR"]}


def test_an_attribute_that_became_empty_is_deleted(config):
    first = build(people(person("1")), config=config)
    changed = person("1")
    changed["contracts"][0]["title"] = {}
    plan = build(people(changed), [account_of(first, "1")], config=config)
    assert plan.operations[0].modifications == {"title": []}
    assert plan.operations[0].changes == {"title": ["AM", None]}


def test_a_changed_container_expression_moves_the_account(make_config):
    config = make_config(container=BY_DEPARTMENT)
    first = build(people(person("1")), config=config)
    assert first.operations[0].dn == "uid=jan.jansen,ou=SALES,%s" % PEOPLE
    plan = build(people(person("1", department="HR")), [account_of(first, "1")], config=config)
    move, update = plan.operations
    assert (move.action, move.dn, move.new_dn) == ("move", "uid=jan.jansen,ou=SALES,%s" % PEOPLE,
                                                   "uid=jan.jansen,ou=HR,%s" % PEOPLE)
    assert move.reason.startswith("mover: ")
    assert (update.action, update.dn, update.modifications) == \
        ("update", "uid=jan.jansen,ou=HR,%s" % PEOPLE, {"departmentNumber": ["HR"]})


def test_placing_sees_the_account_when_an_expression_reads_it(make_config):
    # The account's view is left out of placing only when no placing expression reads ``account``.
    config = make_config(container="'ou=' ~ (account.departmentnumber or contract.department.code) ~ ',%s'" % PEOPLE)
    first = build(people(person("1")), config=config)
    assert first.operations[0].dn == "uid=jan.jansen,ou=SALES,%s" % PEOPLE
    plan = build(people(person("1", department="HR")), [account_of(first, "1")], config=config)
    assert [op.action for op in plan.operations] == ["update"]  # stays where account.departmentnumber puts it
    assert planlib._reads_account(config) and not planlib._reads_account(make_config(container=BY_DEPARTMENT))


def test_a_leaver_is_disabled_with_the_lock_attribute(config):
    first = build(people(person("1")), config=config)
    plan = build(people(person("1", end=-1)), [account_of(first, "1")], config=config)
    [op] = plan.operations
    assert (op.action, op.dn, op.new_dn) == ("disable", "uid=jan.jansen,%s" % PEOPLE, None)
    assert op.modifications == {LOCK: [LOCKED]}
    assert op.changes == {LOCK: [None, LOCKED]}
    assert op.reason == "leaver: last contract ended %s" % day(-1)


def test_a_leaver_already_locked_is_unchanged(config):
    first = build(people(person("1")), config=config)
    plan = build(people(person("1", end=-1)), [account_of(first, "1", **{LOCK: LOCKED})], config=config)
    assert plan.operations == [] and plan.unchanged == 1


def test_disable_strategy_move_moves_a_leaver_under_disabled_dn(make_config):
    config = make_config(search_base=BASE, disable={"strategy": ["move"], "disabled_dn": DISABLED})
    first = build(people(person("1")), config=config)
    plan = build(people(person("1", end=-1)), [account_of(first, "1")], config=config)
    [op] = plan.operations
    assert (op.action, op.dn, op.new_dn) == ("disable", "uid=jan.jansen,%s" % PEOPLE, "uid=jan.jansen,%s" % DISABLED)
    assert op.modifications == {}
    again = build(people(person("1", end=-1)), [account_of(first, "1", dn=op.new_dn)], config=config)
    assert again.operations == []


def test_disable_strategy_lock_and_move_does_both_in_one_operation(make_config):
    config = make_config(search_base=BASE, disable={"strategy": ["lock", "move"], "disabled_dn": DISABLED})
    first = build(people(person("1")), config=config)
    [op] = build(people(person("1", end=-1)), [account_of(first, "1")], config=config).operations
    assert (op.action, op.new_dn, op.modifications) == ("disable", "uid=jan.jansen,%s" % DISABLED, {LOCK: [LOCKED]})


def test_a_rehire_of_a_locked_account_is_enabled(config):
    first = build(people(person("1")), config=config)
    plan = build(people(person("1")), [account_of(first, "1", **{LOCK: LOCKED})], config=config)
    [op] = plan.operations
    assert (op.action, op.dn, op.new_dn) == ("enable", "uid=jan.jansen,%s" % PEOPLE, None)
    assert op.modifications == {LOCK: []}
    assert op.changes == {LOCK: [LOCKED, None]}


def test_a_rehire_under_disabled_dn_is_enabled_and_moved_back(make_config):
    config = make_config(search_base=BASE, disable={"strategy": ["move"], "disabled_dn": DISABLED})
    first = build(people(person("1")), config=config)
    parked = account_of(first, "1", dn="uid=jan.jansen,%s" % DISABLED)
    [op] = build(people(person("1")), [parked], config=config).operations
    assert (op.action, op.dn, op.new_dn) == ("enable", parked.dn, "uid=jan.jansen,%s" % PEOPLE)


def test_a_rehire_within_the_window_keeps_the_account_locked(config):
    first = build(people(person("1")), config=config)
    rehired = person("1")
    rehired["contracts"] = [{"id": "1-1", "start": day(-400), "end": day(-200)},
                            {"id": "1-2", "start": day(5), "end": None, "department": {"code": "SALES"},
                             "title": {"code": "AM"}}]
    plan = build(people(rehired), [account_of(first, "1", **{LOCK: LOCKED})], config=config)
    assert plan.operations == []


def test_a_vanished_account_is_disabled(config):
    gone = Account("uid=gone,%s" % PEOPLE, {"uid": ["gone"], "employeenumber": ["99"]})
    plan = build({}, [gone], config=config)
    [op] = plan.operations
    assert (op.action, op.person, op.dn, op.modifications) == ("disable", "99", gone.dn, {LOCK: [LOCKED]})
    assert op.reason == "leaver: no longer in the vault"
    assert plan.managed == 1


def test_vanished_ignore_leaves_vanished_accounts_alone(make_config):
    gone = Account("uid=gone,%s" % PEOPLE, {"uid": ["gone"], "employeenumber": ["99"]})
    assert build({}, [gone], config=make_config(lifecycle={"vanished": "ignore"})).operations == []


def test_a_vanished_account_is_moved_with_disable_strategy_move(make_config):
    config = make_config(search_base=BASE, disable={"strategy": ["move"], "disabled_dn": DISABLED})
    gone = Account("uid=gone,%s" % PEOPLE, {"uid": ["gone"], "employeenumber": ["99"]})
    [op] = build({}, [gone], config=config).operations
    assert op.new_dn == "uid=gone,%s" % DISABLED
    parked = Account("uid=gone,%s" % DISABLED, {"uid": ["gone"], "employeenumber": ["99"]})
    assert build({}, [parked], config=config).operations == []


def test_an_uncorrelated_account_is_untouched(config):
    service = Account("uid=svc-backup,%s" % PEOPLE, {"uid": ["svc-backup"], "cn": ["backup"]})
    plan = build(people(person("1")), [service], config=config)
    assert service.dn not in [op.dn for op in plan.operations]
    assert plan.correlation.report()["uncorrelated_accounts"] == [service.dn]


def test_a_person_in_a_conflict_gets_no_new_account(config):
    a = Account("uid=a,%s" % PEOPLE, {"uid": ["a"], "employeenumber": ["1"]})
    b = Account("uid=b,%s" % PEOPLE, {"uid": ["b"], "employeenumber": ["1"]})
    plan = build(people(person("1")), [a, b], config=config)
    assert plan.correlation.conflicts
    assert plan.operations == []


# Delete ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("delete_accounts, expected", [(True, [("delete", "1")]), (False, [])])
def test_delete_state_deletes_only_when_deletion_is_on(make_config, delete_accounts, expected):
    config = make_config(lifecycle={"delete_after_days": 30, "delete_accounts": delete_accounts})
    first = build(people(person("1")), config=config)
    plan = build(people(person("1", start=-400, end=-31)), [account_of(first, "1")], config=config)
    assert actions(plan) == expected
    assert plan.unchanged == 0
    if expected:
        assert plan.operations[0].dn == "uid=jan.jansen,%s" % PEOPLE


def test_a_person_in_delete_state_without_an_account_gets_nothing(make_config):
    config = make_config(lifecycle={"delete_after_days": 30, "delete_accounts": True})
    assert build(people(person("1", start=-400, end=-31)), config=config).operations == []


# Comparing like the directory compares --------------------------------------------------------------

def test_attribute_name_case_does_not_cause_updates(make_config):
    config = make_config(attributes={"GIVENNAME": "person.name.given", "Mail": "username ~ '@example.test'"})
    existing = Account("uid=jan.jansen,%s" % PEOPLE, {"uid": ["jan.jansen"], "employeenumber": ["1"],
                                                      "givenname": ["Jan"], "mail": ["jan.jansen@example.test"]})
    plan = build(people(person("1")), [existing], config=config)
    assert plan.operations == [] and plan.unchanged == 1


def test_the_order_of_multi_valued_attributes_does_not_cause_updates(make_config):
    config = make_config(attributes={"description": "['staff', contract.department.code]"})
    existing = Account("uid=jan.jansen,%s" % PEOPLE, {"uid": ["jan.jansen"], "employeenumber": ["1"],
                                                      "description": ["SALES", "staff"]})
    assert build(people(person("1")), [existing], config=config).operations == []
    moved_on = build(people(person("1", department="HR")), [existing], config=config)
    assert moved_on.operations[0].modifications == {"description": ["staff", "HR"]}


def test_a_dn_valued_manager_is_compared_case_insensitively(config):
    first = build(people(person("1", given="Anna"), person("2", manager="1")), config=config)
    shouting = "UID=Anna.Jansen, OU=People,DC=Example,DC=Test"
    accounts = [account_of(first, "1"), account_of(first, "2", manager=shouting)]
    assert build(people(person("1", given="Anna"), person("2", manager="1")), accounts, config=config).operations == []


def test_create_only_attributes_are_not_updated(make_config):
    config = make_config(create_only=["departmentNumber"])
    first = build(people(person("1")), config=config)
    assert first.operations[0].modifications["departmentNumber"] == ("SALES",)
    assert build(people(person("1", department="HR")), [account_of(first, "1")], config=config).operations == []


def test_an_excluded_person_is_not_touched(make_config):
    config = make_config(lifecycle={"exclude": "person.custom.blocked"})
    first = build(people(person("1")), config=make_config())
    blocked = person("1", end=-1, custom={"blocked": True})
    plan = build(people(blocked, person("2", custom={"blocked": True})), [account_of(first, "1")], config=config)
    assert plan.operations == [] and plan.unchanged == 0


def test_exclude_is_true_as_any_condition_is_a_false_string_included(make_config):
    config = make_config(lifecycle={"exclude": "person.custom.blocked"})
    plan = build(people(person("1", custom={"blocked": "false"}), person("2", custom={"blocked": ""}),
                        person("3", custom={"blocked": 0})), config=config)
    assert sorted(op.person for op in plan.operations if op.action == "create") == ["2", "3"]


def test_an_expression_failing_for_one_person_is_a_problem_and_the_run_goes_on(make_config):
    config = make_config(attributes={"cn": "person.name.display", "description": "person.name.display + 1"})
    plan = build(people(person("1")), config=config)
    assert plan.operations == []
    [problem] = plan.problems
    assert (problem["person"], problem["action"]) == ("1", "create")
    assert "attributes.description" in problem["error"]


# Order, counts and thresholds ---------------------------------------------------------------------

def test_operations_are_ordered_moves_first_then_create_update_delete(make_config):
    """Every account reaches its final DN before a create or update writes a DN-valued attribute."""
    config = make_config(container=BY_DEPARTMENT, lifecycle={"delete_after_days": 30, "delete_accounts": True})
    base = build(people(person("e"), person("m"), person("l"), person("d")), config=config)
    accounts = [account_of(base, "e", **{LOCK: LOCKED}), account_of(base, "m"), account_of(base, "l"),
                account_of(base, "d")]
    persons = people(person("j", given="Joiner"), person("e"), person("m", department="HR"),
                     person("l", end=-1), person("d", start=-400, end=-31))
    plan = build(persons, accounts, config=config)
    assert actions(plan) == [("enable", "e"), ("move", "m"), ("disable", "l"), ("create", "j"),
                             ("update", "m"), ("delete", "d")]
    assert plan.counts() == {"create": 1, "enable": 1, "move": 1, "update": 1, "disable": 1, "delete": 1,
                             "grant": 0, "revoke": 0, "unchanged": 0, "failed": 0,
                             "suspend": 0, "resume": 0}
    assert plan.managed == 4


def test_operation_as_dict_has_the_contract_keys(make_config):
    config = make_config(container=BY_DEPARTMENT)
    first = build(people(person("1")), config=config)
    move = build(people(person("1", department="HR")), [account_of(first, "1")], config=config).operations[0]
    assert move.as_dict() == {"action": "move", "person": "1", "dn": "uid=jan.jansen,ou=SALES,%s" % PEOPLE,
                              "changes": {}, "reason": move.reason, "new_dn": "uid=jan.jansen,ou=HR,%s" % PEOPLE}
    assert "new_dn" not in first.operations[0].as_dict()


def _leavers_plan(config, managed=10, leaving=3):
    base = build(people(*[person(str(i), given="P%d" % i) for i in range(managed)]), config=config)
    accounts = accounts_created_by(base)
    persons = people(*[person(str(i), given="P%d" % i, end=-1 if i < leaving else None) for i in range(managed)])
    return build(persons, accounts, config=config)


def test_thresholds_by_count_and_percent_of_managed_accounts(config):
    plan = _leavers_plan(config)
    assert plan.counts()["disable"] == 3
    assert planlib.evaluate_thresholds(plan, {"disable": {"count": 3}}) == \
        {"disable": {"count": 3, "limit": 3, "exceeded": False}}
    assert planlib.evaluate_thresholds(plan, {"disable": {"count": 2}}) == \
        {"disable": {"count": 3, "limit": 2, "exceeded": True}}
    assert planlib.evaluate_thresholds(plan, {"disable": {"percent": 20}}) == \
        {"disable": {"count": 3, "limit": 2, "exceeded": True}}
    assert planlib.evaluate_thresholds(plan, {"disable": {"percent": 30}})["disable"]["exceeded"] is False


def test_the_stricter_of_count_and_percent_applies(config):
    plan = _leavers_plan(config)
    report = planlib.evaluate_thresholds(plan, {"disable": {"count": 10, "percent": 20}, "delete": {"count": 0},
                                                "create": 5, "update": {}})
    assert report == {"create": {"count": 0, "limit": 5, "exceeded": False},
                      "delete": {"count": 0, "limit": 0, "exceeded": False},
                      "disable": {"count": 3, "limit": 2, "exceeded": True}}


def test_percent_of_an_empty_directory_uses_a_base_of_one(config):
    plan = build(people(person("1")), config=config)
    assert plan.managed == 0
    assert planlib.evaluate_thresholds(plan, {"create": {"percent": 100}}) == \
        {"create": {"count": 1, "limit": 1, "exceeded": False}}


def test_a_threshold_for_an_unknown_action_is_refused(config):
    with pytest.raises(ValueError, match="unknown action 'disabel'"):
        planlib.evaluate_thresholds(planlib.Plan(), {"disabel": 1})


def test_as_values_treats_none_empty_and_lists_as_ldap_values():
    assert planlib.as_values(None) == []
    assert planlib.as_values("  ") == []
    assert planlib.as_values(["a", "", None, 3]) == ["a", "3"]
    assert planlib.as_values(True) == ["TRUE"]
    assert planlib.as_values(datetime.date(2026, 1, 2)) == ["2026-01-02"]
    # Text is stripped, but an escaped trailing space (an RDN value ending in a space) stays.
    assert planlib.as_values(" Jan \t") == ["Jan"]
    assert planlib.as_values("Jan\\ ") == ["Jan\\ "]
    assert planlib.as_values("Jan\\ \t") == ["Jan\\ "]
    assert planlib.as_values("Jan\\\t") == ["Jan\\"]


# Renaming the login name (only when configured) -----------------------------------------------------

def _after_name_change(config):
    first = build(people(person("1")), config=config)
    account = account_of(first, "1")
    return build(people(person("1", family="Vries", given="Jan")), [account], config=config)


def test_a_name_change_never_renames_the_login_by_default(config):
    plan = _after_name_change(config)
    assert actions(plan) == [("update", "1")]
    assert set(plan.operations[0].changes) == {"cn", "sn"}  # display attributes only, mail follows uid


def test_a_name_change_renames_login_and_its_derived_names_when_configured(config):
    config.rename_usernames = True
    plan = _after_name_change(config)
    assert actions(plan) == [("move", "1"), ("update", "1")]
    move, update = plan.operations
    assert move.new_dn == "uid=jan.vries,%s" % PEOPLE and move.reason.startswith("rename")
    assert update.dn == move.new_dn and update.changes["mail"] == ["jan.jansen@example.test", "jan.vries@example.test"]


def test_renaming_keeps_the_current_login_when_the_candidates_still_give_it(config):
    config.rename_usernames = True
    first = build(people(person("1")), config=config)
    again = build(people(person("1")), [account_of(first, "1")], config=config,
                  taken={"uid": ["jan.jansen"], "mail": ["jan.jansen@example.test"]})
    assert again.operations == []


def test_a_link_to_a_moved_manager_is_written_after_the_move(make_config):
    # Not left to the directory: slapd's refint renames links in the background and loses one when
    # the linking entry is renamed at the same moment; many directories have no refint at all.
    config = make_config(container=BY_DEPARTMENT)
    first = build(people(person("boss"), person("1", manager="boss")), config=config)
    boss, report = account_of(first, "boss"), account_of(first, "1")
    plan = build(people(person("boss", department="HR"), person("1", manager="boss")), [boss, report], config=config)
    assert actions(plan) == [("move", "boss"), ("update", "1"), ("update", "boss")]
    moved = [op for op in plan.operations if op.action == "move"][0].new_dn
    assert [op for op in plan.operations if op.person == "1"][0].modifications == {"manager": [moved]}
