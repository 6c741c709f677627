# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Absences: a person on leave is suspended (disabled, never deleted), and enabled on return."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.notify import alerts
from ansible_collections.jml.provisioning.plugins.module_utils.provision import plan as planlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision.correlation import Account
from ansible_collections.jml.provisioning.plugins.module_utils.provision.lifecycle import (
    ACTIVE, DELETE, LEAVER, PREHIRE, SUSPENDED, Policy, evaluate,
)

TODAY = datetime.date(2026, 6, 15)
PEOPLE = "ou=people,dc=example,dc=test"
GROUPS = "ou=groups,dc=example,dc=test"
STAFF = "cn=staff,%s" % GROUPS
LOCK = "pwdAccountLockedTime"
LOCKED = "000001010000Z"


def day(offset):
    return None if offset is None else (TODAY + datetime.timedelta(days=offset)).isoformat()


def person(pid="1", start=-100, end=None, absences=None, on_leave=None, returned=None, contracts=None):
    contract = {"id": "%s-1" % pid, "start": day(start), "end": day(end), "department": {"code": "SALES"}}
    if on_leave is not None:
        contract["on_leave"] = on_leave
    if returned is not None:
        contract["returned"] = day(returned)
    found = {"id": pid, "source": "hr", "name": {"given": "Jan", "family": "Jansen", "display": "Jan Jansen"},
             "contracts": contracts if contracts is not None else [contract]}
    if absences is not None:
        found["absences"] = [{"start": day(s), "end": day(e)} for s, e in absences]
    return found


def status(somebody, today=TODAY, **policy):
    return evaluate(somebody, today, Policy(**policy))


# Lifecycle ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("absences, expected", [
    ([(-10, 10)], SUSPENDED),        # covers today
    ([(0, 0)], SUSPENDED),           # start and end days are leave days
    ([(-10, None)], SUSPENDED),      # open-ended
    ([(-10, -1)], ACTIVE),           # ended yesterday: back today
    ([(1, 30)], ACTIVE),             # planned, not yet
    ([], ACTIVE),
])
def test_a_dated_absence_that_covers_the_day_suspends(absences, expected):
    assert status(person(absences=absences)).state == expected


def test_the_reason_says_since_and_until():
    assert status(person(absences=[(-10, 10)])).reason == "suspended: on leave since %s until %s" % (day(-10), day(10))
    assert status(person(absences=[(-10, None)])).reason == "suspended: on leave since %s" % day(-10)


def test_hr_status_on_every_running_contract_suspends_and_one_at_work_keeps_the_person_active():
    assert status(person(on_leave=True)).state == SUSPENDED
    assert status(person(on_leave=True)).reason == "suspended: contract 1-1 on leave (HR status)"
    assert status(person(on_leave=False)).state == ACTIVE
    two = [{"id": "a", "start": day(-100), "end": None, "on_leave": True},
           {"id": "b", "start": day(-50), "end": None, "on_leave": False}]
    assert status(person(contracts=two)).state == ACTIVE  # active wins
    ended = [{"id": "a", "start": day(-100), "end": None, "on_leave": True},
             {"id": "b", "start": day(-300), "end": day(-200), "on_leave": False}]
    assert status(person(contracts=ended)).state == SUSPENDED  # an ended contract is not at work


def test_an_absence_is_the_persons_it_suspends_all_contracts():
    two = [{"id": "a", "start": day(-100), "end": None}, {"id": "b", "start": day(-50), "end": None}]
    somebody = person(contracts=two)
    somebody["absences"] = [{"start": day(-1), "end": None}]
    assert status(somebody).state == SUSPENDED


def test_a_leaver_is_a_leaver_whatever_their_leave_and_retention_never_runs_during_a_leave():
    assert status(person(end=-5, absences=[(-30, None)])).state == LEAVER
    assert status(person(end=-400, absences=[(-500, None)]), delete_after_days=30).state == DELETE
    # on leave for years with a running contract: suspended, never in state delete
    assert status(person(start=-3000, absences=[(-2000, None)]), delete_after_days=30).state == SUSPENDED


def test_during_grace_days_a_person_whose_leave_ran_to_the_end_stays_suspended():
    assert status(person(end=-2, on_leave=True), grace_days=5).state == SUSPENDED
    assert status(person(end=-2, absences=[(-30, None)]), grace_days=5).state == SUSPENDED
    assert status(person(end=-2, on_leave=False), grace_days=5).state == ACTIVE


def test_a_joiner_who_starts_on_leave_is_a_prehire_then_suspended():
    joiner = person(start=5, absences=[(5, 60)])
    assert status(joiner).state == PREHIRE
    assert status(joiner, TODAY + datetime.timedelta(days=5)).state == SUSPENDED
    assert status(joiner).wants_account and not status(joiner).enabled


def test_suspend_disabled_in_the_policy_ignores_leave():
    assert status(person(absences=[(-10, None)]), suspend=False).state == ACTIVE


def test_a_return_is_recognised_for_the_enable_but_not_across_a_rehire():
    back = status(person(absences=[(-20, -1)]))
    assert back.state == ACTIVE and back.returned == "returned from leave: absence ended %s" % day(-1)
    assert back.reason == "active: contract 1-1 runs"
    assert status(person(on_leave=False, returned=0)).returned == \
        "returned from leave: contract 1-1 back from leave (HR status, %s)" % day(0)
    rehired = person(start=-3, absences=[(-400, -300)])
    assert status(rehired).returned is None


# Plan --------------------------------------------------------------------------------------------

def build(persons, accounts=(), config=None, today=TODAY, groups=None):
    return planlib.build(dict((p["id"], p) for p in persons), list(accounts), config, today, taken_names={},
                         groups=groups)


def created(plan):
    return [Account(op.dn, dict((a.lower(), list(v)) for a, v in op.modifications.items()))
            for op in plan.operations if op.action == "create"]


def test_going_on_leave_disables_with_the_suspended_event_and_coming_back_enables(make_config):
    config = make_config()
    [account] = created(build([person()], config=config))
    plan = build([person(absences=[(-1, 30)])], [account], config)
    [op] = plan.operations
    assert (op.action, op.event, op.reason) == ("disable", "suspended", "suspended: on leave since %s until %s"
                                                % (day(-1), day(30)))
    assert op.modifications == {LOCK: [LOCKED]}
    assert op.as_dict()["event"] == "suspended"
    assert plan.counts()["disable"] == 1 and plan.counts()["suspend"] == 1
    locked = Account(account.dn, dict(account.attrs, **{LOCK.lower(): [LOCKED]}))
    assert build([person(absences=[(-1, 30)])], [locked], config).operations == []  # second run: nothing
    back = build([person(absences=[(-20, -1)])], [locked], config)
    [op] = back.operations
    assert (op.action, op.event, op.reason) == ("enable", "resumed", "returned from leave: absence ended %s" % day(-1))
    assert back.counts()["enable"] == 1 and back.counts()["resume"] == 1


def test_a_suspended_persons_account_disabled_by_hand_already_is_left_as_it_is(make_config):
    config = make_config()
    [account] = created(build([person()], config=config))
    locked = Account(account.dn, dict(account.attrs, **{LOCK.lower(): [LOCKED]}))
    plan = build([person(on_leave=True)], [locked], config)
    assert plan.operations == [] and plan.unchanged == 1


def test_a_suspended_joiner_is_created_disabled(make_config):
    plan = build([person(absences=[(-5, None)])], config=make_config())
    [op] = plan.operations
    assert op.action == "create" and op.modifications[LOCK] == [LOCKED] and op.event is None
    assert op.reason.startswith("suspended: on leave since")


def test_retention_never_deletes_a_suspended_account(make_config):
    config = make_config(lifecycle={"delete_after_days": 30, "delete_accounts": True})
    [account] = created(build([person()], config=config))
    plan = build([person(start=-3000, absences=[(-2000, None)])], [account], config)
    assert [op.action for op in plan.operations] == ["disable"]


def _with_groups(make_config, **suspend):
    return make_config(rules=[{"name": "staff", "groups": ["staff"]}], groups={"base": GROUPS},
                       lifecycle={"suspend": suspend})


@pytest.mark.parametrize("revoke", [False, True])
def test_memberships_are_kept_by_default_or_revoked_and_granted_again(make_config, revoke):
    config = _with_groups(make_config, revoke_groups=revoke)
    [account] = created(build([person()], config=config, groups={STAFF: {"dn": STAFF, "exists": True, "members": []}}))
    groups = {STAFF: {"dn": STAFF, "exists": True, "members": [account.dn]}}
    plan = build([person(on_leave=True)], [account], config, groups=groups)
    expected = [("disable", "suspended")] + ([("revoke", None)] if revoke else [])
    assert [(op.action, op.event) for op in plan.operations] == expected
    if revoke:
        assert plan.operations[1].reason == "no rule grants it any more (suspended)"
        assert plan.rules == {"staff": {"gain": [], "lose": ["1"]}}
    locked = Account(account.dn, dict(account.attrs, **{LOCK.lower(): [LOCKED]}))
    away = {STAFF: {"dn": STAFF, "exists": True, "members": [] if revoke else [account.dn]}}
    back = build([person(on_leave=False, returned=0)], [locked], config, groups=away)
    assert [(op.action, op.event) for op in back.operations] == [("enable", "resumed")] + (
        [("grant", None)] if revoke else [])


def test_a_leaver_still_loses_memberships_whatever_the_suspend_option(make_config):
    config = _with_groups(make_config, revoke_groups=False)
    [account] = created(build([person()], config=config, groups={STAFF: {"dn": STAFF, "exists": True, "members": []}}))
    plan = build([person(end=-1, on_leave=True)], [account], config,
                 groups={STAFF: {"dn": STAFF, "exists": True, "members": [account.dn]}})
    assert [(op.action, op.event, op.reason) for op in plan.operations] == [
        ("disable", None, "leaver: last contract ended %s" % day(-1)),
        ("revoke", None, "no rule grants it any more (leaver)")]


def test_suspend_enabled_false_keeps_persons_on_leave_active_on_that_target(make_config):
    config = make_config(lifecycle={"suspend": {"enabled": False}})
    [account] = created(build([person()], config=config))
    assert build([person(on_leave=True)], [account], config).operations == []


def test_suspensions_count_toward_disable_and_have_their_own_threshold(make_config):
    config = make_config()
    accounts = created(build([person("1"), person("2")], config=config))
    plan = build([person("1", on_leave=True), person("2", end=-1)], accounts, config)
    report = planlib.evaluate_thresholds(plan, {"disable": {"count": 1}, "suspend": {"count": 0}})
    assert report["disable"] == {"count": 2, "limit": 1, "exceeded": True}
    assert report["suspend"] == {"count": 1, "limit": 0, "exceeded": True}


def test_an_unknown_threshold_action_still_fails(make_config):
    with pytest.raises(ValueError, match="unknown action 'sleep'"):
        make_config(thresholds={"sleep": 1})


# Alerts ------------------------------------------------------------------------------------------

def test_alerts_see_suspended_and_resumed_not_disabled_and_enabled():
    ops = [planlib.Operation("disable", "1", "uid=a,%s" % PEOPLE, "suspended: on leave", event="suspended"),
           planlib.Operation("enable", "2", "uid=b,%s" % PEOPLE, "returned from leave: absence ended", event="resumed"),
           planlib.Operation("disable", "3", "uid=c,%s" % PEOPLE, "leaver: last contract ended")]
    assert [e["kind"] for e in alerts.events_from_run(ops)] == ["suspended", "resumed", "disabled"]
    config = alerts.compile_config({"from": "jml@example.test", "rules": [
        {"name": "hr", "events": ["suspended", "resumed"], "to": ["hr@example.test"]}]})
    [message], undeliverable = alerts.plan_messages(alerts.events_from_run(ops), {}, config, TODAY)
    assert message.events == ["suspended", "resumed"] and undeliverable == []
    assert "Account suspended (on leave) (1)" in message.body
    assert "Account enabled (returned from leave) (1)" in message.body
    assert "1 suspended, 1 resumed" in message.subject


def test_with_the_move_strategy_a_leave_moves_to_the_disabled_ou_and_the_return_moves_back(make_config):
    disabled = "ou=disabled,dc=example,dc=test"
    config = make_config(disable={"strategy": ["lock", "move"], "disabled_dn": disabled}, search_base="dc=example,dc=test")
    [account] = created(build([person()], config=config))
    [op] = build([person(absences=[(-1, None)])], [account], config).operations
    assert (op.action, op.event, op.new_dn) == ("disable", "suspended", "uid=jan.jansen,%s" % disabled)
    away = Account(op.new_dn, dict(account.attrs, **{LOCK.lower(): [LOCKED]}))
    [op] = build([person(absences=[(-10, -1)])], [away], config).operations
    assert (op.action, op.event, op.new_dn) == ("enable", "resumed", account.dn)
