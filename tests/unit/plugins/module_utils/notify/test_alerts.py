# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Alerts: the events of a real run -> messages (who, subject, body), and how reconcile calls the
notifier (real runs only, after the writes). Data in, data out: no mail server here."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.notify import alerts
from ansible_collections.jml.provisioning.plugins.module_utils.provision import reconcile
from ansible_collections.jml.provisioning.plugins.module_utils.provision.correlation import Account
from ansible_collections.jml.provisioning.plugins.module_utils.provision.plan import Operation
from ansible_collections.jml.provisioning.plugins.module_utils.provision.port import Target

TODAY = datetime.date(2026, 6, 15)
PEOPLE = "ou=people,dc=example,dc=test"

PERSONS = {
    "LoisC": {"id": "LoisC", "name": {"given": "Lois", "family": "Chase", "display": "Lois Chase"},
              "email": "Lois.Chase@domain.local", "manager": None},
    "SummerH": {"id": "SummerH", "name": {"given": "Summer", "family": "Heath", "display": "Summer Heath"},
                "email": "Summer.Heath@domain.local", "manager": "LoisC"},
    "NoahV": {"id": "NoahV", "name": {"given": "Noah", "family": "de Vries", "display": "Noah de Vries"},
              "email": "Noah.deVries@domain.local", "manager": "SummerH"},
    "Orphan": {"id": "Orphan", "name": {"display": "Olga Orphan"}, "manager": "Nobody"},
}


def dn(uid):
    return "uid=%s,%s" % (uid, PEOPLE)


OPERATIONS = [
    Operation("create", "NoahV", dn("noah.devries"), "joiner: contract NoahV-1 starts 2026-06-15",
              {"givenName": [None, "Noah"]}),
    Operation("enable", "LoisC", dn("lois.chase"), "active: contract LoisC-1 runs"),
    Operation("move", "Orphan", dn("olga.orphan"), "mover: active", new_dn="uid=olga.orphan,ou=sales,dc=example,dc=test"),
    Operation("update", "LoisC", dn("lois.chase"), "active", {"title": ["A", "B"]}),
    Operation("disable", "SummerH", dn("summer.heath"), "leaver: last contract ended 2026-06-14",
              {"pwdAccountLockedTime": [None, "000001010000Z"]}),
    Operation("delete", "Gone", dn("gone.person"), "delete: last contract ended 2020-01-01"),
]
FAILED = [{"person": "Orphan", "action": "update", "dn": dn("olga.orphan"), "error": "modify: insufficientAccessRights"}]
STOPPED = {"disable": {"count": 29, "limit": 6, "exceeded": True}, "delete": {"count": 0, "limit": 0, "exceeded": False}}


def config(*rules, **top):
    options = {"from": "jml@example.test", "rules": list(rules)}
    options.update(top)
    return alerts.compile_config(options)


def plan(cfg, events=None):
    if events is None:
        events = alerts.events_from_run(OPERATIONS, FAILED)
    return alerts.plan_messages(events, PERSONS, cfg, TODAY, target="ldap1")


# --- events --------------------------------------------------------------------------------------

def test_events_come_from_applied_operations_thresholds_and_failures_in_that_order():
    events = alerts.events_from_run(OPERATIONS, FAILED, STOPPED)
    assert [(e["kind"], e["person_id"]) for e in events] == [
        ("created", "NoahV"), ("enabled", "LoisC"), ("moved", "Orphan"), ("disabled", "SummerH"),
        ("deleted", "Gone"), ("threshold", None), ("failed", "Orphan")]
    assert events[2]["new_dn"] == "uid=olga.orphan,ou=sales,dc=example,dc=test"
    assert events[5]["thresholds"] == {"disable": STOPPED["disable"]}, "only exceeded limits"
    assert events[6]["error"] == "modify: insufficientAccessRights" and events[6]["action"] == "update"


def test_updates_and_thresholds_that_were_not_exceeded_raise_no_event():
    ops = [Operation("update", "LoisC", dn("lois.chase"), "active", {"title": ["A", "B"]})]
    assert alerts.events_from_run(ops, [], {"disable": {"count": 1, "limit": 6, "exceeded": False}}) == []


# --- per event -----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, person, subject", [
    ("created", "NoahV", "[jml ldap1] Account created: Noah de Vries"),
    ("enabled", "LoisC", "[jml ldap1] Account enabled: Lois Chase"),
    ("moved", "Orphan", "[jml ldap1] Account moved: Olga Orphan"),
    ("disabled", "SummerH", "[jml ldap1] Account disabled: Summer Heath"),
    ("deleted", "Gone", "[jml ldap1] Account deleted: Gone"),
    ("failed", "Orphan", "[jml ldap1] Provisioning failure: update Olga Orphan"),
])
def test_each_event_kind_gets_its_own_default_subject_and_body(kind, person, subject):
    messages, undeliverable = plan(config({"name": "it", "events": [kind], "to": ["it@example.test"]}, digest=False))
    assert undeliverable == []
    assert len(messages) == 1
    message = messages[0]
    assert message.to == ["it@example.test"] and message.sender == "jml@example.test"
    assert message.subject == subject
    assert message.events == [kind]
    event = [e for e in alerts.events_from_run(OPERATIONS, FAILED) if e["kind"] == kind][0]
    assert "on ldap1, 2026-06-15" in message.body
    assert "Account: %s" % event["dn"] in message.body
    assert (event["reason"] or event["error"]) in message.body


def test_moved_body_shows_both_dns_and_failed_body_the_error():
    messages = plan(config({"name": "it", "events": ["moved", "failed"], "to": ["it@example.test"]}, digest=False))[0]
    moved, failed = messages
    assert "Account: %s\nNow:     uid=olga.orphan,ou=sales,dc=example,dc=test\n" % dn("olga.orphan") in moved.body
    assert "Action:  update\nError:   modify: insufficientAccessRights\n" in failed.body


def test_threshold_alert_names_each_exceeded_limit():
    events = alerts.events_from_run([], [], STOPPED)
    messages, dummy = plan(config({"name": "ops", "events": ["threshold"], "to": ["ops@example.test"],
                                   "digest": False}), events)
    assert [m.subject for m in messages] == ["[jml ldap1] Provisioning stopped by a threshold: disable 29 > 6"]
    assert "stopped on 2026-06-15 before writing anything" in messages[0].body
    assert "disable: 29 planned, limit 6" in messages[0].body
    assert "delete" not in messages[0].body


def test_per_event_mode_sends_one_message_per_event_and_rule():
    cfg = config({"name": "it", "events": ["created", "disabled"], "to": ["it@example.test", "IT@example.test"],
                  "digest": False},
                 {"name": "hr", "events": ["disabled"], "to": ["hr@example.test"], "digest": False})
    messages = plan(cfg)[0]
    assert [(m.rule, m.to, m.events) for m in messages] == [
        ("it", ["it@example.test"], ["created"]),          # addresses are deduplicated case-insensitively
        ("it", ["it@example.test"], ["disabled"]),
        ("hr", ["hr@example.test"], ["disabled"])]


# --- digests -------------------------------------------------------------------------------------

def test_digest_is_one_message_per_recipient_listing_all_events():
    cfg = config({"name": "it", "events": list(alerts.EVENT_KINDS), "to": ["it@example.test", "sec@example.test"]})
    messages, undeliverable = plan(cfg, alerts.events_from_run(OPERATIONS, FAILED, STOPPED))
    assert undeliverable == []
    assert len(messages) == 1, "recipients with the same events share one digest"
    digest = messages[0]
    assert digest.to == ["it@example.test", "sec@example.test"]
    assert digest.subject == ("[jml ldap1] Provisioning 2026-06-15: 1 created, 1 enabled, 1 disabled, 1 deleted, "
                              "1 moved, 1 threshold, 1 failed")
    body = digest.body
    assert body.startswith("Provisioning of ldap1 on 2026-06-15: 1 created,")
    assert "Account created (1):\n  - Noah de Vries (NoahV): %s - joiner: contract NoahV-1 starts 2026-06-15\n" \
        % dn("noah.devries") in body
    assert "Account moved (1):\n  - Olga Orphan (Orphan): uid=olga.orphan,ou=sales,dc=example,dc=test" in body
    assert "Account deleted (1):\n  - Gone: %s" % dn("gone.person") in body
    assert "Provisioning stopped by a threshold (1):\n  - disable 29 > 6 - nothing was written\n" in body
    assert "Provisioning failure (1):\n  - Olga Orphan (Orphan): %s - update failed: modify: " \
        "insufficientAccessRights\n" % dn("olga.orphan") in body
    # Groups in the fixed order of EVENT_KINDS, whatever the order of the events.
    assert body.index("Account created") < body.index("Account disabled") < body.index("Account moved")


def test_digest_by_expression_gives_each_manager_only_their_own_reports():
    cfg = config({"name": "managers", "events": ["created", "disabled"], "to_expression": "manager.email"})
    messages, undeliverable = plan(cfg)
    assert [(m.to, m.events) for m in messages] == [(["Summer.Heath@domain.local"], ["created"]),
                                                    (["Lois.Chase@domain.local"], ["disabled"])]
    assert "Noah de Vries" in messages[0].body and "Summer Heath" not in messages[0].body
    assert undeliverable == []


def test_rule_digest_overrides_the_default():
    cfg = config({"name": "it", "events": ["created", "disabled"], "to": ["it@example.test"]},
                 {"name": "managers", "events": ["disabled"], "to_expression": "manager.email", "digest": False},
                 digest=True)
    messages = plan(cfg)[0]
    assert [(m.rule, m.to, m.events) for m in messages] == [
        ("it", ["it@example.test"], ["created", "disabled"]),
        ("managers", ["Lois.Chase@domain.local"], ["disabled"])]
    assert messages[1].subject == "[jml ldap1] Account disabled: Summer Heath"
    assert "Manager: Lois Chase" in messages[1].body


def test_no_events_no_messages():
    assert plan(config({"name": "it", "events": ["created"], "to": ["it@example.test"]}), []) == ([], [])


# --- recipients ----------------------------------------------------------------------------------

def test_expression_recipients_join_static_ones_and_may_be_a_list():
    cfg = config({"name": "r", "events": ["disabled"], "to": ["it@example.test"], "digest": False,
                  "to_expression": "[manager.email, person.email, 'Boss <boss@example.test>']"})
    messages = plan(cfg)[0]
    assert messages[0].to == ["it@example.test", "Lois.Chase@domain.local", "Summer.Heath@domain.local",
                              "boss@example.test"]


@pytest.mark.parametrize("expression, error", [
    ("manager.email", "r.to_expression gave no address"),              # Orphan's manager is not in the vault
    ("none", "r.to_expression gave no address"),
    ("'not an address'", "r.to_expression gave no valid address: not an address"),
    ("'evil@example.test\\nBcc: all@example.test'", "gave no valid address"),  # no header injection
    ("manager.email.split('@')[5]", "alerts.rules[r].to_expression: expression"),  # an error, not an exception
])
def test_recipient_expression_that_fails_or_yields_nothing_makes_the_event_undeliverable(expression, error):
    cfg = config({"name": "r", "events": ["moved"], "to_expression": expression, "digest": False})
    messages, undeliverable = plan(cfg)
    assert messages == []
    assert len(undeliverable) == 1
    entry = undeliverable[0]
    assert (entry["rule"], entry["event"], entry["person"]) == ("r", "moved", "Orphan")
    assert entry["dn"] == "uid=olga.orphan,ou=sales,dc=example,dc=test"
    assert error in entry["error"]


def test_undeliverable_for_the_expression_still_goes_to_the_static_recipients():
    cfg = config({"name": "r", "events": ["moved"], "to": ["it@example.test"], "to_expression": "manager.email"})
    messages, undeliverable = plan(cfg)
    assert [m.to for m in messages] == [["it@example.test"]]
    assert [u["person"] for u in undeliverable] == ["Orphan"]


def test_threshold_has_no_person_so_a_manager_expression_is_undeliverable():
    cfg = config({"name": "r", "events": ["threshold"], "to_expression": "manager.email"})
    messages, undeliverable = plan(cfg, alerts.events_from_run([], [], STOPPED))
    assert messages == [] and [(u["event"], u["person"]) for u in undeliverable] == [("threshold", None)]


# --- templates -----------------------------------------------------------------------------------

def test_inline_subject_and_body_templates_see_event_person_manager_and_filters():
    cfg = config({"name": "r", "events": ["disabled"], "to_expression": "manager.email", "digest": False,
                  "subject": "Leaver {{ person.name.display }}\n(for {{ manager.name.given }})",
                  "body": "Dear {{ manager.name.given }},\n\n{{ person.name.display | ascii }} left on {{ today }}; "
                          "{{ account_dn }} is {{ event.kind }} ({{ event.reason }}).{{ person.no.such.field }}\n"
                          "To: {{ recipients | join(', ') }} by {{ rule }} on {{ target }}"})
    message = plan(cfg)[0][0]
    assert message.subject == "Leaver Summer Heath (for Lois)", "a subject is one line"
    assert message.body == ("Dear Lois,\n\nSummer Heath left on 2026-06-15; %s is disabled (leaver: last contract "
                            "ended 2026-06-14).\nTo: Lois.Chase@domain.local by r on ldap1\n" % dn("summer.heath"))


def test_template_from_a_file(tmp_path):
    template = tmp_path / "leaver.txt.j2"
    template.write_text("Dear {{ manager.name.given }},\n"
                        "{% for e in events %}\n"
                        "- {{ e.name }} ({{ e.kind }}, {{ e.person.email }})\n"
                        "{% endfor %}\n"
                        "Summary: {{ summary }}\n", encoding="utf-8")
    read = []

    def read_template(path):
        read.append(path)
        with open(path, encoding="utf-8") as handle:
            return handle.read()

    cfg = alerts.compile_config({"from": "jml@example.test", "rules": [
        {"name": "managers", "events": ["disabled", "created"], "to_expression": "manager.email",
         "template": str(template)}]}, read_template)
    assert read == [str(template)], "read once, when the config is compiled"
    messages = plan(cfg)[0]
    assert messages[1].body == ("Dear ,\n- Summer Heath (disabled, Summer.Heath@domain.local)\n"
                                "Summary: 1 disabled\n"), "digest scope: no single manager, events"
    assert messages[0].to == ["Summer.Heath@domain.local"]


def test_template_that_fails_for_the_data_is_undeliverable_not_an_exception():
    cfg = config({"name": "r", "events": ["created"], "to": ["it@example.test"], "digest": False,
                  "body": "{{ person.name.display / 2 }}"})
    messages, undeliverable = plan(cfg)
    assert messages == []
    assert undeliverable[0]["event"] == "created" and "alerts.rules[r].body: template failed" in undeliverable[0]["error"]


def test_templates_are_sandboxed():
    cfg = config({"name": "r", "events": ["created"], "to": ["it@example.test"], "digest": False,
                  "body": "[{{ event.__class__.__mro__ }}]"})
    assert plan(cfg)[0][0].body == "[]\n", "no internals"
    cfg = config({"name": "r", "events": ["created"], "to": ["it@example.test"], "digest": False,
                  "body": "{{ event.update({'kind': 'x'}) }}"})
    messages, undeliverable = plan(cfg)
    assert messages == [] and "template failed: access to attribute 'update'" in undeliverable[0]["error"]


def test_default_templates_render_without_a_person_or_a_target():
    events = alerts.events_from_run([Operation("disable", "424242", dn("svc.vanished"), "leaver: no longer in the vault")])
    cfg = config({"name": "r", "events": ["disabled"], "to": ["it@example.test"], "digest": False},
                 {"name": "d", "events": ["disabled"], "to": ["it@example.test"]})
    messages, undeliverable = alerts.plan_messages(events, {}, cfg, TODAY)
    assert undeliverable == []
    assert [m.subject for m in messages] == ["[jml] Account disabled: 424242",
                                             "[jml] Provisioning 2026-06-15: 1 disabled"]
    assert "Person:  424242\nAccount: %s\n" % dn("svc.vanished") in messages[0].body
    assert "Manager" not in messages[0].body


def test_messages_never_carry_a_password():
    # Passwords never reach operations (generated at write time); neither the vault nor the rules hold one.
    op = Operation("create", "NoahV", dn("noah.devries"), "joiner", {"givenName": [None, "Noah"]},
                   {"givenName": ["Noah"]}, initial_password=True)
    cfg = config({"name": "r", "events": ["created"], "to": ["it@example.test"], "digest": False,
                  "body": "{{ event }} {{ person }}"})
    message = plan(cfg, alerts.events_from_run([op]))[0][0]
    assert "password" not in message.body.lower() and "initial_password" not in message.body


# --- configuration -------------------------------------------------------------------------------

@pytest.mark.parametrize("options, error", [
    ({"from": "not-an-address", "rules": [{"name": "r", "events": ["created"], "to": ["a@example.test"]}]},
     "alerts.from must be one email address"),
    ({"from": "jml@example.test", "rules": []}, "at least one rule"),
    ({"from": "jml@example.test", "rules": [{"name": "r", "events": ["joined"], "to": ["a@example.test"]}]},
     "unknown: joined"),
    ({"from": "jml@example.test", "rules": [{"name": "r", "events": ["created"]}]}, "needs recipients"),
    ({"from": "jml@example.test", "rules": [{"name": "r", "events": ["created"], "to": ["a b"]}]},
     "alerts.rules[r].to: not an email address: a b"),
    ({"from": "jml@example.test", "rules": [{"name": "r", "events": ["created"], "to": ["a@example.test"],
                                             "body": "{% if %}"}]}, "alerts.rules[r].body: invalid template"),
    ({"from": "jml@example.test", "rules": [{"name": "r", "events": ["created"], "to_expression": "manager.("}]},
     "alerts.rules[r].to_expression: invalid expression"),
    ({"from": "jml@example.test", "rules": [{"name": "r", "events": ["created"], "to": ["a@example.test"],
                                             "body": "x", "template": "y.j2"}]}, "mutually exclusive"),
    ({"from": "jml@example.test", "rules": [{"name": "r", "events": ["created"], "to": ["a@example.test"]},
                                            {"name": "r", "events": ["created"], "to": ["a@example.test"]}]},
     "rule names must be unique"),
])
def test_invalid_configuration_fails_before_anything_is_written(options, error):
    with pytest.raises(alerts.AlertConfigError) as caught:
        alerts.compile_config(options)
    assert error in str(caught.value)


def test_parse_addresses():
    assert alerts.parse_addresses("a@example.test, B <b@example.test>") == (["a@example.test", "b@example.test"], [])
    assert alerts.parse_addresses(["a@example.test", None, "", "x"]) == (["a@example.test"], ["x"])
    assert alerts.parse_addresses(42) == ([], ["42"])


# --- reconcile calls the notifier ----------------------------------------------------------------

class FakeTarget(Target):
    def __init__(self, accounts=(), failing=()):
        self.accounts, self.failing, self.applied = list(accounts), set(failing), []

    def read_accounts(self):
        return list(self.accounts)

    def taken_names(self):
        return {}

    def apply(self, operations):
        self.applied.append(list(operations))
        return ([op for op in operations if op.person not in self.failing],
                [{"person": op.person, "action": op.action, "dn": op.dn, "error": "refused by the fake"}
                 for op in operations if op.person in self.failing])


class Notifier(object):
    def __init__(self, target=None, fail=False):
        self.calls, self.target, self.fail = [], target, fail

    def __call__(self, events):
        # What was written before the notifier is called: sent after the writes.
        self.calls.append((events, len(self.target.applied) if self.target else None))
        if self.fail:
            raise RuntimeError("smtp exploded")
        return {"sent": len(events), "failed": [], "undeliverable": []}


def hr_person(pid, given, end=None):
    return {"id": pid, "name": {"given": given, "family": "Jansen", "display": "%s Jansen" % given},
            "contracts": [{"id": "%s-1" % pid, "start": "2020-01-01", "end": end}]}


def existing(uid, pid):
    return Account("uid=%s,%s" % (uid, PEOPLE), {"uid": [uid], "employeenumber": [pid], "givenname": ["Cor"]})


HR = {"1": hr_person("1", "Anna"), "2": hr_person("2", "Bert"), "3": hr_person("3", "Cor", end="2026-01-01")}


@pytest.fixture
def target_config(make_config):
    return make_config(attributes={"givenName": "person.name.given"})


def test_a_real_run_notifies_after_the_writes_with_applied_and_failed_events(target_config):
    target = FakeTarget([existing("cor.jansen", "3")], failing={"2"})
    notifier = Notifier(target)
    result = reconcile.run(HR, target_config, target, TODAY, notifier=notifier)[0]
    assert len(notifier.calls) == 1
    events, writes_before = notifier.calls[0]
    assert writes_before == 1, "the notifier runs after apply"
    assert [(e["kind"], e["person_id"]) for e in events] == [("disabled", "3"), ("created", "1"), ("failed", "2")]
    assert result["alerts"] == {"sent": 3, "failed": [], "undeliverable": []}
    assert [f["person"] for f in result["failures"]] == ["2"], "alerts never add to 'failures'"


def test_check_mode_never_notifies(target_config):
    notifier = Notifier()
    result = reconcile.run(HR, target_config, FakeTarget(), TODAY, check_mode=True, notifier=notifier)[0]
    assert notifier.calls == []
    assert result["alerts"] == {"sent": 0, "failed": [], "undeliverable": []}


def test_a_threshold_stop_notifies_the_threshold_and_writes_nothing(target_config):
    target, notifier = FakeTarget(), Notifier()
    result, dummy = reconcile.run(HR, target_config, target, TODAY, thresholds={"create": {"count": 1}},
                                  notifier=notifier)
    assert result["stopped"]["reason"] == "threshold" and result["failed"] is True
    assert target.applied == []
    assert [[e["kind"] for e in call[0]] for call in notifier.calls] == [["threshold"]]
    assert notifier.calls[0][0][0]["thresholds"] == {"create": {"count": 2, "limit": 1, "exceeded": True}}
    assert result["alerts"]["sent"] == 1


def test_a_threshold_stop_in_check_mode_sends_nothing(target_config):
    notifier = Notifier()
    result, dummy = reconcile.run(HR, target_config, FakeTarget(), TODAY, check_mode=True, thresholds={"create": 1},
                                  notifier=notifier)
    assert notifier.calls == [] and result["alerts"]["sent"] == 0 and result["stopped"]


def test_nothing_to_tell_no_call(target_config):
    notifier = Notifier()
    accounts = [Account("uid=anna.jansen,%s" % PEOPLE,
                        {"uid": ["anna.jansen"], "employeenumber": ["1"], "givenname": ["Anna"]})]
    reconcile.run({"1": HR["1"]}, target_config, FakeTarget(accounts), TODAY, notifier=notifier)
    assert notifier.calls == []


def test_a_failing_notifier_is_reported_and_never_undoes_the_run(target_config):
    target = FakeTarget()
    result = reconcile.run(HR, target_config, target, TODAY, notifier=Notifier(fail=True))[0]
    assert len(target.applied) == 1 and result["failures"] == [] and result["changed"] is True
    assert result["alerts"]["sent"] == 0
    assert result["alerts"]["failed"] == [{"to": None, "error": "alerts: RuntimeError: smtp exploded"}]


def test_without_alerts_the_result_still_has_the_key(target_config):
    result = reconcile.run(HR, target_config, FakeTarget(), TODAY)[0]
    assert result["alerts"] == {"sent": 0, "failed": [], "undeliverable": []}
