"""When an incremental cycle may skip a run or plan only what changed (pure logic)."""

import datetime

from ansible_collections.jml.provisioning.plugins.module_utils.provision import incremental, lifecycle
from ansible_collections.jml.provisioning.plugins.module_utils.provision.correlation import Account
from ansible_collections.jml.provisioning.plugins.module_utils.provision import subset

TODAY = datetime.date(2026, 12, 4)
INPUTS = {"target": "ldap_accounts ldap://x ou=people", "config": "c1", "vault": "v1"}
MARK = {"stamp": "entryCSN", "highest": "x", "at_highest": [], "accounts": {}, "groups": {}}


def state(**changes):
    recorded = incremental.record(INPUTS, TODAY, {"summary": {"unchanged": 3, "failed": 0}, "failures": []}, MARK,
                                  "2026-12-10", True)
    recorded.update(changes)
    return recorded


def test_a_converged_state_with_the_same_inputs_before_the_due_date_may_skip():
    assert incremental.decide(state(), INPUTS, TODAY, 1).skip
    assert incremental.decide(state(), INPUTS, TODAY + datetime.timedelta(days=1), 30).skip


def test_every_changed_input_makes_a_full_run_and_says_why():
    cases = [
        (None, INPUTS, TODAY, 1, "no state recorded yet"),
        (state(converged=False), INPUTS, TODAY, 1, "the last run wrote"),
        (state(), dict(INPUTS, config="c2"), TODAY, 1, "the configuration changed"),
        (state(), dict(INPUTS, vault="v2"), TODAY, 1, "the vault changed"),
        (state(), dict(INPUTS, target="other"), TODAY, 1, "the target changed"),
        (state(), INPUTS, TODAY - datetime.timedelta(days=1), 1, "before the last run's"),
        (state(), INPUTS, TODAY + datetime.timedelta(days=1), 1, "a full reconcile is due"),
        (state(), INPUTS, TODAY, 0, "a full reconcile is due"),
        (state(), INPUTS, datetime.date(2026, 12, 10), 30, "lifecycle may change on 2026-12-10"),
        (state(marked=False), INPUTS, TODAY, 1, "keeps no change marks"),
    ]
    for recorded, inputs, today, every, why in cases:
        decision = incremental.decide(recorded, inputs, today, every)
        assert not decision.skip and why in decision.reason, (why, decision.reason)
    ledger = incremental.decide(state(), INPUTS, TODAY + datetime.timedelta(days=1), 30, ledger=True)
    assert not ledger.skip and "ledger" in ledger.reason


def test_a_cycle_needs_a_base_of_the_same_configuration_and_no_refusal():
    base = state(base={"mark": MARK}, base_date=TODAY.isoformat())
    assert incremental.decide_cycle(base, dict(INPUTS, vault="v2"), TODAY, 1).skip  # HR changed: a cycle
    assert "no full reconcile" in incremental.decide_cycle(state(), INPUTS, TODAY, 1).reason
    assert "configuration" in incremental.decide_cycle(base, dict(INPUTS, config="c2"), TODAY, 1).reason
    assert "due" in incremental.decide_cycle(base, INPUTS, TODAY + datetime.timedelta(days=1), 1).reason
    assert incremental.decide_cycle(base, INPUTS, TODAY, 1, "the ledger").reason == "the ledger"


def test_the_next_due_date_is_the_first_contract_boundary_shifted_by_the_policy():
    persons = {"a": {"contracts": [{"start": "2026-12-20", "end": None}]},
               "b": {"contracts": [{"start": "2020-01-01", "end": "2026-12-31"}]}}
    offsets = incremental.policy_offsets([lifecycle.Policy(pre_provision_days=14, grace_days=0, delete_after_days=30)])
    # a's pre-provisioning window opens 14 days before 2026-12-20
    assert incremental.next_due(persons, TODAY, offsets) == "2026-12-05"
    assert incremental.next_due({"b": persons["b"]}, TODAY, (0,)) == "2027-01-01"  # the day after the last day
    assert incremental.next_due(persons, TODAY, offsets, daily=True) == "2026-12-05"
    assert incremental.next_due({}, TODAY, offsets) is None
    assert incremental.uses_today('{"title": "today > contract.start"}') and not incremental.uses_today("todays")


def test_only_a_run_that_planned_and_failed_nothing_is_converged():
    assert incremental.converged({"summary": {"unchanged": 5, "failed": 0}, "failures": []})
    assert not incremental.converged({"summary": {"update": 1, "unchanged": 4}, "failures": []})
    assert not incremental.converged({"summary": {"unchanged": 5}, "failures": [{"error": "x"}]})
    assert not incremental.converged({"summary": {}, "failures": [], "stopped": {"reason": "threshold"}})


def test_the_dirty_ids_are_the_changed_records_accounts_groups_and_reports():
    persons = {"m": {"id": "m"}, "r": {"id": "r", "manager": "m"}, "x": {"id": "x"}, "y": {"id": "y", "manager": "x"}}
    accounts = {"uid=m,ou=p": "m", "uid=r,ou=p": "r", "uid=x,ou=p": "x", "uid=y,ou=p": "y", "uid=gone,ou=p": "g"}
    previous = {"records": dict((pid, subset.digest(p)) for pid, p in persons.items()), "accounts": accounts,
                "groups": {"cn=g": {"members": ["uid=x,ou=p"]}}, "pending": [], "due": {}}
    changed = dict(persons, m={"id": "m", "title": "new"})
    changes = {"changed": [], "present": set(accounts) - {"uid=gone,ou=p"}}
    found = subset.dirty(previous, changed, TODAY.isoformat(), changes, {}, ("id", "employeeNumber"))
    assert found.ids == {"m", "r", "g"}  # m's record, m's report r, the deleted account's anchor
    gone = dict(persons)
    del gone["y"]  # y left the vault: their account is read by its anchor, their id judged
    found = subset.dirty(previous, gone, TODAY.isoformat(), {"changed": [], "present": set(accounts)}, {},
                         ("id", "employeeNumber"))
    assert "y" in found.values and "y" in found.ids
    assert "uid=gone,ou=p" in subset.touched_dns(previous, changes)
    found = subset.dirty(previous, persons, TODAY.isoformat(), {"changed": [], "present": set(accounts)},
                         {"cn=g": {"members": []}}, ("id", "employeeNumber"))
    assert found.ids == {"x", "y"} and found.context == set()  # x lost a membership by hand; y reports to x
    found = subset.dirty(previous, persons, TODAY.isoformat(),
                         {"changed": [Account("uid=y,ou=p", {"employeenumber": ["y"]})], "present": set(accounts)},
                         {}, ("id", "employeeNumber"))
    assert found.ids == {"y"} and found.context == {"x"}  # y's manager is placed, not judged


def test_each_persons_due_date_agrees_with_the_next_due_date():
    persons = {"a": {"contracts": [{"start": "2026-12-20", "end": None}]},
               "b": {"contracts": [{"start": "2020-01-01", "end": "2026-12-31"}], "absences": [{"start": "2026-12-08"}]},
               "c": {"contracts": [{"start": "2019-01-01", "end": "2020-01-01"}]}}
    offsets = incremental.policy_offsets([lifecycle.Policy(pre_provision_days=14, grace_days=2, delete_after_days=30)])
    due = subset.person_due(persons, TODAY, offsets)
    for pid, person in persons.items():
        assert due.get(pid) == incremental.next_due({pid: person}, TODAY, offsets), pid
    assert subset.person_due(persons, TODAY, offsets, daily=True) == dict((p, "2026-12-05") for p in persons)


def test_a_records_digest_does_not_depend_on_what_else_holds_its_values():
    import json
    text = '{"id": "a", "name": {"given": "Jan"}, "contracts": [{"start": "2020-01-01", "fte": 0.8}]}'
    alone = subset.digest(json.loads(text))
    person = json.loads(text)
    held = [person["id"], person["name"]["given"], person["contracts"][0]["start"]]  # as a plan holds them
    assert subset.digest(person) == alone and held
    assert subset.digest(dict(person, id="b")) != alone
