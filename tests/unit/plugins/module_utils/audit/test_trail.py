# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The audit trail's pure parts: outcomes set by a real run, entries (never a secret), file
names by day, retention, queries, and lines a killed run left half-written."""

from __future__ import annotations

import datetime
import json

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.audit import trail
from ansible_collections.jml.provisioning.plugins.module_utils.provision import reconcile
from ansible_collections.jml.provisioning.plugins.module_utils.provision.correlation import Account
from ansible_collections.jml.provisioning.plugins.module_utils.provision.plan import Operation
from ansible_collections.jml.provisioning.plugins.module_utils.provision.port import Target

TODAY = datetime.date(2026, 6, 15)
PEOPLE = "ou=people,dc=example,dc=test"
RUN = {"run_id": "r-1", "host": "ldap1", "target": {"module": "ldap_accounts", "server": "ldaps://x", "scope": PEOPLE}}
TIME = "2026-06-15T10:00:00.000Z"


class FakeTarget(Target):
    def __init__(self, accounts=(), failing=(), lost=(), silent=()):
        self.accounts, self.failing, self.lost, self.silent = list(accounts), set(failing), set(lost), set(silent)
        self.applied = []

    def read_accounts(self):
        return list(self.accounts)

    def taken_names(self):
        return {}

    def apply(self, operations):
        self.applied.append(list(operations))
        done = [op for op in operations if op.person not in self.failing | self.lost | self.silent]
        failed = [{"person": op.person, "action": op.action, "dn": op.dn, "error": "refused by the fake"}
                  for op in operations if op.person in self.failing]
        failed += [{"person": op.person, "action": op.action, "dn": op.dn, "error": "connection lost before the answer"}
                   for op in operations if op.person in self.lost]
        return done, failed


def person(pid, given, end=None):
    return {"id": pid, "name": {"given": given, "family": "Jansen", "display": "%s Jansen" % given},
            "contracts": [{"id": "%s-1" % pid, "start": "2020-01-01", "end": end}]}


def existing(uid, pid, given="X"):
    return Account("uid=%s,%s" % (uid, PEOPLE), {"uid": [uid], "employeenumber": [pid], "givenname": [given]})


PERSONS = {"1": person("1", "Anna"), "2": person("2", "Bert"), "3": person("3", "Cor", end="2026-01-01"),
           "4": person("4", "Dirk")}


@pytest.fixture
def config(make_config):
    return make_config(attributes={"givenName": "person.name.given"})


def test_a_real_run_sets_every_operations_outcome(config):
    target = FakeTarget([existing("cor.jansen", "3")], failing={"2"}, lost={"4"})
    result, operations = reconcile.run(PERSONS, config, target, TODAY)
    outcomes = dict(((op.action, op.person), (op.outcome, op.error)) for op in operations)
    assert outcomes == {("disable", "3"): ("applied", None), ("create", "1"): ("applied", None),
                        ("create", "2"): ("failed", "refused by the fake"),
                        ("create", "4"): ("failed", "connection lost before the answer"),
                        ("update", "3"): ("applied", None)}
    items = trail.entries(operations, RUN, TIME, lost="connection lost")
    assert [(e["operation"], e["person"], e["outcome"]) for e in items] == [
        ("disable", "3", "applied"), ("create", "1", "applied"), ("create", "2", "failed"),
        ("create", "4", "unknown"), ("update", "3", "applied")]
    assert items[2]["error"] == "refused by the fake" and "error" not in items[0]
    assert items[3]["error"].startswith("connection lost")


def test_check_mode_and_a_threshold_stop_set_no_outcome_and_give_no_entry(config):
    checked, operations = reconcile.run(PERSONS, config, FakeTarget(), TODAY, check_mode=True)
    assert operations and all(op.outcome is None for op in operations)
    assert trail.entries(operations, RUN, TIME) == []
    stopped, operations = reconcile.run(PERSONS, config, FakeTarget(), TODAY, thresholds={"create": {"count": 1}})
    assert stopped["stopped"] and trail.entries(operations, RUN, TIME) == []


def test_an_operation_the_target_did_not_report_is_unknown(config):
    dummy, operations = reconcile.run({"1": PERSONS["1"]}, config, FakeTarget(silent={"1"}), TODAY)
    assert [(op.outcome, op.error) for op in operations] == [("unknown", reconcile.UNREPORTED)]


class Refusing(FakeTarget):
    def preflight(self, operations):
        return [(op, "the container does not exist") for op in operations if op.person == "1"]


def test_an_operation_the_preflight_kept_back_is_a_failed_entry(config):
    target = Refusing()
    dummy, operations = reconcile.run({"1": PERSONS["1"], "2": person("2", "Bo")}, config, target, TODAY)
    assert [op.person for op in target.applied[0]] == ["2"]
    items = dict((e["person"], e) for e in trail.entries(operations, RUN, TIME))
    assert items["2"]["outcome"] == "applied"
    assert items["1"]["outcome"] == "failed" and items["1"]["error"] == "the container does not exist"


def test_two_failing_grants_of_one_account_are_matched_in_order():
    ops = [Operation("grant", "1", "uid=a", "rule x", group="cn=g1"), Operation("grant", "1", "uid=a", "rule y", group="cn=g2")]
    reconcile.mark_outcomes(ops, [], [{"person": "1", "action": "grant", "dn": "uid=a", "error": "e1"},
                                      {"person": "1", "action": "grant", "dn": "uid=a", "error": "e2"}])
    assert [(op.group, op.outcome, op.error) for op in ops] == [("cn=g1", "failed", "e1"), ("cn=g2", "failed", "e2")]
    reconcile.mark_outcomes(ops, [ops[0]], [{"person": "1", "action": "grant", "dn": "uid=a", "error": "e2"}])
    assert [(op.outcome, op.error) for op in ops] == [("applied", None), ("failed", "e2")]


def test_an_entry_carries_the_move_the_group_the_rule_and_the_run():
    op = Operation("move", "7", "uid=a,ou=x", "mover: contract", new_dn="uid=a,ou=y")
    op.outcome, op.guid = "applied", "0b5e..."
    grant = Operation("grant", "7", "uid=a,ou=y", "rule sales", {"member of cn=sales": [None, "uid=a,ou=y"]}, group="cn=sales")
    grant.rules, grant.outcome = ("sales", "staff"), "applied"
    moved, granted = trail.entries([op, grant], RUN, TIME)
    assert moved == {"time": TIME, "run_id": "r-1", "host": "ldap1", "target": RUN["target"], "person": "7",
                     "dn": "uid=a,ou=x", "new_dn": "uid=a,ou=y", "operation": "move", "changes": {},
                     "reason": "mover: contract", "outcome": "applied", "guid": "0b5e..."}
    assert granted["group"] == "cn=sales" and granted["rule"] == ["sales", "staff"]
    assert granted["changes"] == {"member of cn=sales": [None, "uid=a,ou=y"]}


def test_never_a_secret_a_configured_password_and_password_attributes_are_not_written():
    op = Operation("create", "1", "uid=a", "joiner", None,
                   {"uid": ["a"], "userPassword": ["S3cret-pw!"], "unicodePwd;binary": ["S3cret-pw!"],
                    "objectClass": ["inetOrgPerson"]}, initial_password=True)
    op.password, op.outcome = "S3cret-pw!", "applied"
    update = Operation("update", "1", "uid=a", "r", {"password": ["old-S3cret", "S3cret-pw!"], "cn": ["A", "B"]})
    update.outcome = "failed"
    update.error = "refused"
    text = b"".join(trail.line(e) for e in trail.entries([op, update], RUN, TIME)).decode()
    assert "S3cret" not in text
    created, updated = [json.loads(line) for line in text.splitlines()]
    assert created["changes"]["userPassword"] == [None, trail.MASK] and created["initial_password"] is True
    assert created["changes"]["unicodePwd;binary"] == [None, trail.MASK]
    assert updated["changes"] == {"password": [trail.MASK, trail.MASK], "cn": ["A", "B"]}


@pytest.mark.parametrize("name, secret", [("userPassword", True), ("UNICODEPWD", True), ("userPassword;binary", True),
                                          ("password", True), ("urn:ietf:params:scim:schemas:core:2.0:User:password", True),
                                          ("sambaNTPassword", True), ("mail", False), ("passwordHint", False)])
def test_which_attributes_are_secrets(name, secret):
    assert trail.is_secret(name) is secret


def test_a_line_is_one_json_object_whatever_the_values():
    item = {"person": "1", "changes": {"cn": ["a\nb", "ü\u2028x"]}}
    text = trail.line(item)
    assert text.count(b"\n") == 1 and text.endswith(b"\n")
    assert json.loads(text) == item


def test_timestamps_are_utc_and_sort_as_text():
    later = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    assert trail.timestamp(later) == "2026-06-15T10:00:00.000Z"
    assert trail.timestamp(datetime.datetime(2026, 6, 15, 9, 59, 59, 999000)) < trail.timestamp(later)


def test_file_names_by_day_and_nothing_else_is_an_audit_file():
    assert trail.file_name(TODAY) == "audit-2026-06-15.jsonl"
    assert trail.file_day("audit-2026-06-15.jsonl") == TODAY
    for other in ("audit-2026-06-15.jsonl.bak", "vault.json", "audit-2026-13-01.jsonl", "audit-latest.jsonl"):
        assert trail.file_day(other) is None


def test_retention_deletes_only_audit_files_older_than_the_period():
    names = ["audit-2025-05-10.jsonl", "audit-2025-05-11.jsonl", "audit-2026-06-15.jsonl", "notes.txt",
             "audit-2024-01-01.jsonl.keep"]
    assert trail.expired(names, datetime.date(2026, 6, 15), 400) == ["audit-2025-05-10.jsonl"]  # 2025-05-11 is day 400
    assert trail.expired(names, datetime.date(2026, 6, 15), 0) == []
    assert trail.expired(names, datetime.date(2026, 6, 15), None) == []


def test_a_query_reads_only_the_files_of_its_days():
    names = ["audit-2026-06-13.jsonl", "audit-2026-06-15.jsonl", "audit-2026-06-14.jsonl", "x.txt"]
    query = trail.Query(since=datetime.date(2026, 6, 14), until=datetime.date(2026, 6, 14))
    assert query.files(names) == ["audit-2026-06-14.jsonl"]
    assert trail.Query().files(names) == ["audit-2026-06-13.jsonl", "audit-2026-06-14.jsonl", "audit-2026-06-15.jsonl"]


def test_a_query_matches_person_days_run_and_account():
    items = [{"time": "2026-06-14T23:59:59.999Z", "person": "1", "run_id": "a", "dn": "uid=A,ou=x", "operation": "create",
              "outcome": "applied", "target": {"module": "ldap_accounts", "server": "ldaps://x"}, "host": "h1"},
             {"time": "2026-06-15T00:00:00.000Z", "person": "1", "run_id": "b", "dn": "uid=a,ou=x", "new_dn": "uid=a,ou=y",
              "operation": "move", "outcome": "failed", "target": {"module": "scim_accounts", "server": "https://s"}, "host": "h2"},
             {"time": "2026-06-15T08:00:00.000Z", "person": "2", "run_id": "b", "dn": "uid=b,ou=x", "operation": "update",
              "outcome": "applied", "target": {"module": "scim_accounts", "server": "https://s"}, "host": "h2"}]

    def found(**query):
        match = trail.Query(**query).matcher()
        return [i for i, item in enumerate(items) if match(item)]
    assert found(person="1") == [0, 1]
    assert found(person=1) == [0, 1]
    assert found(person="1", since=datetime.date(2026, 6, 15)) == [1]
    assert found(until=datetime.date(2026, 6, 14)) == [0]
    assert found(run_id="b") == [1, 2]
    assert found(dn="UID=A,OU=Y") == [1] and found(dn="uid=a,ou=x") == [0, 1]
    assert found(target="scim_accounts") == [1, 2] and found(target="h1") == [0] and found(target="ldaps://x") == [0]
    assert found(operation="update") == [2] and found(outcome="failed") == [1]


def test_a_partial_last_line_and_a_broken_line_are_skipped():
    lines = [b'{"person": "1"}\n', b'{"person": \n', b'[1, 2]\n', b'{"person": "2"}\n', b'{"person": "3", "ti']
    assert [item["person"] for item in trail.parse_lines(lines)] == ["1", "2"]


def test_the_streamed_lines_are_the_entries():
    ops = [Operation("create", "1", "uid=a", "joiner", None, {"uid": ["a"], "cn": ["Ä \"quoted\"\n"]}, initial_password=True),
           Operation("revoke", "2", "uid=b", "no rule", {"member of cn=g": ["uid=b", None]}, group="cn=g"),
           Operation("update", "3", "uid=c", "r", {"title": ["a", "b"]})]
    ops[0].outcome, ops[1].outcome, ops[1].rules = "applied", "failed", ("sales",)
    ops[1].error = "connection lost: timeout"
    streamed = list(trail.lines(ops, RUN, TIME, lost="connection lost"))
    assert [json.loads(x) for x in streamed] == trail.entries(ops, RUN, TIME, lost="connection lost")
    assert [x.count(b"\n") for x in streamed] == [1, 1]


def test_the_needles_skip_only_lines_that_cannot_match():
    op = Operation("update", "P 1/ü", "uid=a", "r", {"description": ['"person":"P 2"']})
    op.outcome = "applied"
    raw = list(trail.lines([op], RUN, TIME))
    for person, found in (("P 1/ü", 1), ("P 2", 0), ("P", 0)):
        query = trail.Query(person=person)
        assert len([i for i in trail.parse_lines(raw, query.needles()) if query.matcher()(i)]) == found
    assert list(trail.parse_lines(raw, trail.Query(run_id="r-1").needles()))
    assert not list(trail.parse_lines(raw, trail.Query(run_id="r-2").needles()))


def test_a_journal_entry_is_the_operations_entry_before_the_write_with_an_unknown_outcome():
    create = Operation("create", "1", "uid=a," + PEOPLE, "joiner", None,
                       {"cn": ["A"], "userPassword": ["S3cret-pw!"], "objectClass": ["inetOrgPerson"]})
    grant = Operation("grant", "1", "uid=a," + PEOPLE, "rule x", group="cn=g1")
    pending = [json.loads(raw) for raw in trail.pending_lines([create, grant], RUN, TIME)]
    assert [p["operation"] for p in pending] == ["create", "grant"]
    for item in pending:
        assert item["outcome"] == "unknown" and item["error"] == trail.CUT_SHORT
        assert item["run_id"] == "r-1" and item["time"] == TIME and item["target"] == RUN["target"]
    assert pending[0]["changes"]["userPassword"] == [None, trail.MASK]  # never a secret, here either
    assert "S3cret" not in json.dumps(pending)
    assert create.outcome is None  # the operation itself is left as it is


def test_a_run_records_only_the_journals_of_its_own_target():
    names = [trail.pending_name("aaaa", "r-1"), trail.pending_name("bbbb", "r-2"), trail.pending_name("aaaa", "r-0"),
             "audit-2026-06-15.jsonl", ".pending-aaaa-r-3.jsonl.tmp", ".jml-x"]
    assert trail.pending_of(names, "aaaa") == [".pending-aaaa-r-0.jsonl", ".pending-aaaa-r-1.jsonl"]
    assert trail.file_day(trail.pending_name("aaaa", "r-1")) is None  # never expired, never read as a day's file
    assert trail.line_day(b'{"time": "2026-06-14T23:59:59.999Z"}\n') == datetime.date(2026, 6, 14)
    assert trail.line_day(b"not json") is None
