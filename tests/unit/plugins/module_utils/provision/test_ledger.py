# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The identifier ledger: recorded, released, quarantined, given back to a rehire (pure logic)."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.expressions.expression import compile_expression
from ansible_collections.jml.provisioning.plugins.module_utils.provision import ledger as ledgerlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision import reconcile
from ansible_collections.jml.provisioning.plugins.module_utils.provision._naming import (
    NameRegistry, UsernamePolicy, allocate,
)
from ansible_collections.jml.provisioning.plugins.module_utils.provision.correlation import Account
from ansible_collections.jml.provisioning.plugins.module_utils.provision.port import Target

PEOPLE = "ou=people,dc=example,dc=test"


class FakeTarget(Target):
    """Holds accounts in memory and applies every operation."""

    def __init__(self, accounts=()):
        self.accounts = list(accounts)

    def read_accounts(self):
        return list(self.accounts)

    def taken_names(self):
        return dict(uid=[a.first("uid") for a in self.accounts])

    def apply(self, operations):
        return list(operations), []


def person(pid, given, end=None):
    return {"id": pid, "name": {"given": given, "family": "Jansen", "display": "%s Jansen" % given},
            "contracts": [{"id": "%s-1" % pid, "start": "2020-01-01", "end": end}]}


DAY = datetime.date(2026, 1, 10)
POLICY = ledgerlib.quarantine_policy(None)


def days(n):
    return DAY + datetime.timedelta(days=n)


def seeded():
    section = ledgerlib.empty()
    ledgerlib.update(section, {"1": {"uid": ["jan.jansen"], "mail": ["Jan.Jansen@example.test"]}}, (), DAY)
    return section


def test_the_first_run_seeds_every_identifier_with_its_owner_and_dates():
    section = ledgerlib.empty()
    change = ledgerlib.update(section, {"1": {"uid": ["jan.jansen"], "mail": ["Jan.Jansen@example.test"]},
                                        "2": {"uid": ["an.jansen"], "mail": []}}, (), DAY)
    assert change.recorded == 3 and change.released == 0
    entry = section["identifiers"]["address|jan.jansen@example.test"]
    assert entry == {"value": "Jan.Jansen@example.test", "attribute": "mail", "person": "1",
                     "first_issued": "2026-01-10", "last_seen": "2026-01-10", "released": None}
    again = ledgerlib.update(section, {"1": {"uid": ["jan.jansen"], "mail": ["jan.jansen@example.test"]},
                                       "2": {"uid": ["an.jansen"]}}, (), days(1))
    assert (again.recorded, again.released) == (0, 0)
    assert section["identifiers"]["uid|jan.jansen"]["last_seen"] == "2026-01-11"
    assert section["identifiers"]["uid|jan.jansen"]["first_issued"] == "2026-01-10"


def test_an_owner_without_an_account_releases_and_a_conflicted_one_keeps():
    section = seeded()
    kept = ledgerlib.update(section, {}, {"1"}, days(1))
    assert kept.released == 0
    change = ledgerlib.update(section, {}, (), days(2))
    assert change.released == 2
    assert section["identifiers"]["uid|jan.jansen"]["released"] == "2026-01-12"
    back = ledgerlib.update(section, {"1": {"uid": ["jan.jansen"]}}, (), days(3))
    assert back.restored == 1 and section["identifiers"]["uid|jan.jansen"]["released"] is None


def test_an_identifier_is_never_given_to_a_second_owner_by_the_ledger():
    section = seeded()
    ledgerlib.update(section, {"2": {"uid": ["jan.jansen"]}}, (), days(1))  # made outside the collection
    assert section["identifiers"]["uid|jan.jansen"]["person"] == "1"


def test_quarantine_is_forever_for_addresses_and_a_year_for_the_login_by_default():
    section = seeded()
    ledgerlib.update(section, {}, (), DAY)
    assert ledgerlib.reserved(section, days(365), POLICY) == {("uid", "jan.jansen"): "1",
                                                              ("address", "jan.jansen@example.test"): "1"}
    assert ledgerlib.reserved(section, days(366), POLICY) == {("address", "jan.jansen@example.test"): "1"}
    short = ledgerlib.quarantine_policy({"mail": "30", "uid": None})  # a templated number is a number
    assert ledgerlib.reserved(section, days(31), short) == {("uid", "jan.jansen"): "1"}


@pytest.mark.parametrize("bad", [-1, "a year", True])
def test_a_bad_quarantine_is_refused_naming_the_attribute(bad):
    with pytest.raises(ledgerlib.LedgerError, match="quarantine_days.uid"):
        ledgerlib.quarantine_policy({"uid": bad})


def test_a_rehire_gets_their_latest_login_back():
    section = seeded()
    ledgerlib.update(section, {"1": {"uid": ["jan.jansen2"]}}, (), days(5))  # renamed later
    assert ledgerlib.own_logins(section, "uid") == {"1": ["jan.jansen2", "jan.jansen"]}


CANDIDATE = "person.given ~ '.' ~ person.family ~ (n if n > 1 else '')"


def naming(registry, pid):
    policy = UsernamePolicy([compile_expression(CANDIDATE, "c")])
    return allocate(policy, {"person": {"given": "Jan", "family": "Jansen"}}, registry,
                    lambda name: {"uid": name, "mail": name + "@example.test"}, person=pid)


def test_naming_skips_values_the_ledger_keeps_for_someone_else_and_gives_the_owner_theirs():
    section = seeded()
    ledgerlib.update(section, {}, (), DAY)  # the leaver's account is gone
    reservations = ledgerlib.reservations(section, days(400), POLICY, "uid")  # the uid is free again, the mail not
    assert naming(NameRegistry({}, reservations), "7") == "jan.jansen2"
    assert naming(NameRegistry({}, reservations), "1") == "jan.jansen"
    registry = NameRegistry({}, reservations)
    assert [naming(registry, "7"), naming(registry, "1")] == ["jan.jansen2", "jan.jansen"]
    # The directory still decides: a value it holds is taken for the owner too.
    assert naming(NameRegistry({"uid": ["jan.jansen"]}, reservations), "1") == "jan.jansen2"


def test_reconcile_records_and_keeps_a_deleted_leavers_login_from_a_namesake(make_config):
    config = make_config(attributes={"givenName": "person.name.given"},
                         lifecycle={"delete_after_days": 1, "delete_accounts": True})
    leaver = person("1", "Jan", end="2026-01-01")
    account = Account("uid=jan.jansen,%s" % PEOPLE, {"uid": ["jan.jansen"], "employeenumber": ["1"]})
    section = ledgerlib.empty()
    check, ops = reconcile.run({"1": leaver}, config, FakeTarget([account]), DAY, check_mode=True, ledger=section)
    assert [op.action for op in ops] == ["delete"]
    assert check["ledger"]["recorded"] == 1 and check["ledger"]["released"] == 1
    section = ledgerlib.empty()
    result, dummy = reconcile.run({"1": leaver}, config, FakeTarget([account]), DAY, ledger=section)
    assert result["ledger"] == check["ledger"]
    assert section["identifiers"]["uid|jan.jansen"]["released"] == DAY.isoformat()

    namesake = person("2", "Jan")
    result, ops = reconcile.run({"1": leaver, "2": namesake}, config, FakeTarget(), days(1), ledger=section)
    assert [op.dn for op in ops if op.action == "create"] == ["uid=jan.jansen2,%s" % PEOPLE]
    assert result["ledger"]["recorded"] == 1

    rehired = person("1", "Jan")
    rehired["contracts"].append({"id": "1-2", "start": "2026-01-05", "end": None})
    created = Account("uid=jan.jansen2,%s" % PEOPLE, {"uid": ["jan.jansen2"], "employeenumber": ["2"]})
    result, ops = reconcile.run({"1": rehired, "2": namesake}, config, FakeTarget([created]), days(2), ledger=section)
    assert [op.dn for op in ops if op.action == "create"] == ["uid=jan.jansen,%s" % PEOPLE]
    assert result["ledger"]["restored"] == 1


def test_without_a_ledger_the_result_has_no_ledger_and_naming_is_as_before(make_config):
    config = make_config(attributes={"givenName": "person.name.given"})
    result, ops = reconcile.run({"2": person("2", "Jan")}, config, FakeTarget(), DAY)
    assert "ledger" not in result
    assert [op.dn for op in ops if op.action == "create"] == ["uid=jan.jansen,%s" % PEOPLE]
