# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check mode predicts the failures a real run meets: one pre-flight in the same code path, so the
predicted set and the real run's set are the same (the real run does not send what it knows the
directory refuses). A target double stands in for the directory's read-only answers."""

from __future__ import annotations

import datetime

from ansible_collections.jml.provisioning.plugins.module_utils.provision import plan as planlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision import reconcile
from ansible_collections.jml.provisioning.plugins.module_utils.provision import dn as dnlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision._naming import UsernamePolicy
from ansible_collections.jml.provisioning.plugins.module_utils.expressions.expression import compile_expression
from ansible_collections.jml.provisioning.plugins.module_utils.provision.port import Target

TODAY = datetime.date(2026, 6, 1)
PEOPLE = "OU=People,DC=example,DC=test"


class Directory(Target):
    """DNs held by objects nobody manages, missing containers; records what was applied."""

    def __init__(self, held=(), missing=()):
        self.held = set(dnlib.normalise(d) for d in held)
        self.missing = set(dnlib.normalise(d) for d in missing)
        self.applied = []
        self.asked = []

    def read_accounts(self):
        return []

    def taken_names(self):
        return {}

    def held_dns(self, dns):
        self.asked.append(sorted(dns))
        return set(dns) & self.held

    def preflight(self, operations):
        out = []
        for op in operations:
            dn = op.dn if op.action == "create" else op.new_dn
            if dn and dnlib.normalise(dnlib.parent(dn)) in self.missing:
                out.append((op, "the container %s does not exist" % dnlib.parent(dn)))
            elif dn and dnlib.normalise(dn) in self.held:
                out.append((op, "%s is already held by an object this run does not manage" % dn))
        return out

    def apply(self, operations):
        self.applied.extend(operations)
        return list(operations), []


def ad_config(make_config, **overrides):
    options = dict(
        flavour="ad", accounts_dn=PEOPLE, search_base="DC=example,DC=test",
        rdn={"attribute": "cn", "value": "person.name.display"},
        anchor={"person": "id", "attribute": "employeeID"},
        username={"attribute": "sAMAccountName",
                  "candidates": ["(person.name.given | ascii) ~ '.' ~ (person.name.family | ascii) ~ (n if n > 1 else '')"],
                  "unique_attributes": ["sAMAccountName"]},
        attributes={"givenName": "person.name.given", "sn": "person.name.family", "title": "contract.title",
                    "department": "contract.department"},
        object_classes=["top", "person", "organizationalPerson", "user"], disable={"strategy": ["uac"]})
    options.update(overrides)
    return make_config(**options)


def person(pid, given="Jan", family="Jansen", title="Engineer", department="IT"):
    return {"id": pid, "name": {"given": given, "family": family, "display": "%s %s" % (given, family)},
            "contracts": [{"id": pid + "-1", "start": "2020-01-01", "end": None, "title": title,
                           "department": department}]}


def persons(*items):
    return dict((p["id"], p) for p in items)


def comparable(failures):
    return sorted((f["person"], f["action"], f["dn"], f["error"]) for f in failures)


def test_a_cn_held_by_a_contact_gives_the_joiner_the_next_free_name(make_config):
    directory = Directory(held=["CN=Jan Jansen,%s" % PEOPLE])
    result, operations = reconcile.run(persons(person("1")), ad_config(make_config), directory, TODAY)
    [create] = operations
    assert create.dn == "cn=Jan Jansen (2),%s" % PEOPLE
    assert result["failures"] == []


def test_check_mode_predicts_exactly_the_failures_the_run_meets(make_config):
    config = ad_config(make_config, container="'OU=' ~ contract.department ~ ',DC=example,DC=test'")
    hr = persons(person("1"), person("2", "Piet", department="Nowhere"),
                 person("3", "Kees", title="T" * 129), person("4", "Anna"))
    checked, dummy = reconcile.run(hr, config, Directory(missing=["OU=Nowhere,DC=example,DC=test"]), TODAY,
                                   check_mode=True)
    directory = Directory(missing=["OU=Nowhere,DC=example,DC=test"])
    real, dummy = reconcile.run(hr, config, directory, TODAY)
    assert all(f["predicted"] for f in checked["failures"])
    assert comparable(checked["failures"]) == comparable(real["failures"])
    errors = dict((f["person"], f["error"]) for f in real["failures"])
    assert sorted(errors) == ["2", "3"]
    assert "the container OU=Nowhere,DC=example,DC=test does not exist" in errors["2"]
    assert "title is 129 characters, over the directory's limit of 128" in errors["3"]
    assert sorted(op.person for op in directory.applied) == ["1", "4"], "what would fail is not sent"
    assert real["failed"] is True and checked["failed"] is True
    assert real["summary"]["failed"] == 2


def test_a_run_where_every_operation_fails_reports_changed_false(make_config):
    directory = Directory(missing=[PEOPLE])
    result, dummy = reconcile.run(persons(person("1")), ad_config(make_config), directory, TODAY)
    assert directory.applied == [] and result["changed"] is False and result["failed"] is True


def test_a_cn_over_64_characters_is_cut_deterministically_and_stays_unique(make_config):
    long_family = "Van Der Berghe-" + "Z" * 60
    hr = persons(person("1", family=long_family), person("2", family=long_family))
    plan = planlib.build(hr, [], ad_config(make_config), TODAY, taken_names={})
    rdns = sorted(dnlib.rdn_value(op.dn) for op in plan.operations)
    assert all(len(value) <= 64 for value in rdns)
    assert rdns[0] != rdns[1] and any(value.endswith(" (2)") for value in rdns)
    again = planlib.build(hr, [], ad_config(make_config), TODAY, taken_names={})
    assert sorted(dnlib.rdn_value(op.dn) for op in again.operations) == rdns


def test_ad_caps_sam_account_name_at_20_and_every_try_differs(make_config):
    config = ad_config(make_config)
    assert config.username_policy.max_length == 20
    hr = persons(*[person(str(i), "Maximiliaan", "Vandersteenhoven") for i in range(1, 4)])
    plan = planlib.build(hr, [], config, TODAY, taken_names={})
    names = sorted(op.modifications["sAMAccountName"][0] for op in plan.operations)
    assert names == ["maximiliaan.vanders2", "maximiliaan.vanders3", "maximiliaan.vanderst"]


def test_a_cut_candidate_keeps_room_for_the_iteration():
    policy = UsernamePolicy([compile_expression("'averyveryverylongname' ~ (n if n > 1 else '')", "c")],
                            max_length=12)
    assert policy.normalise("averyveryverylongname", 1) == "averyveryver"
    assert policy.normalise("averyveryverylongname2", 2) == "averyveryve2"
    assert policy.normalise("averyveryverylongname", 12) == "averyveryv12"  # a candidate without n


class Elsewhere(Directory):
    """An account made before the collection, outside the managed OU, carrying person 1's anchor."""

    def __init__(self):
        Directory.__init__(self)
        from ansible_collections.jml.provisioning.plugins.module_utils.provision.correlation import Account
        self.old = Account("CN=Jan Jansen,OU=Legacy,DC=example,DC=test",
                           {"employeeid": ["1"], "samaccountname": ["jjansen"], "useraccountcontrol": ["512"]})

    def anchored_outside(self, values):
        return [self.old] if "1" in values else []


def test_an_account_outside_the_scope_with_the_anchor_is_a_conflict_never_a_second_account(make_config):
    directory = Elsewhere()
    result, operations = reconcile.run(persons(person("1"), person("2", "Piet")), ad_config(make_config),
                                       directory, TODAY)
    assert [op.person for op in operations] == ["2"], "no second account for person 1"
    [conflict] = result["correlation"]["conflicts"]
    assert conflict["person"] == "1" and conflict["accounts"] == [directory.old.dn]
    assert "outside the managed scope" in conflict["problem"]


def test_adopt_moves_the_outside_account_into_the_managed_container(make_config):
    config = ad_config(make_config, anchor={"person": "id", "attribute": "employeeID", "adopt": True})
    result, operations = reconcile.run(persons(person("1")), config, Elsewhere(), TODAY)
    moves = [op for op in operations if op.action == "move"]
    assert [op.new_dn for op in moves] == ["cn=Jan Jansen,%s" % PEOPLE]
    assert not [op for op in operations if op.action == "create"]
    assert result["correlation"]["conflicts"] == []


class Bare(Directory):
    """A directory that lacks OU=Sales and its parent OU=Europe."""

    def __init__(self):
        Directory.__init__(self, missing=["OU=Sales,OU=Europe,DC=example,DC=test", "OU=Europe,DC=example,DC=test"])

    def missing_containers(self, containers):
        return set(dn for dn in containers if dnlib.normalise(dn) in self.missing)

    def preflight(self, operations):
        made = set(dnlib.normalise(op.dn) for op in operations if op.action == "container")
        self.missing -= made
        return Directory.preflight(self, operations)


def test_create_containers_makes_the_missing_ous_parents_first_as_operations_of_the_plan(make_config):
    config = ad_config(make_config, create_containers=True,
                       container="'OU=Sales,OU=Europe,DC=example,DC=test' if person.id == '2' else none")
    directory = Bare()
    result, operations = reconcile.run(persons(person("1"), person("2", "Piet")), config, directory, TODAY,
                                       check_mode=True)
    assert [(op.action, op.dn) for op in operations[:2]] == [
        ("container", "OU=Europe,DC=example,DC=test"), ("container", "OU=Sales,OU=Europe,DC=example,DC=test")]
    assert operations[1].modifications == {"objectClass": ["top", "organizationalUnit"], "OU": ["Sales"]}
    assert result["summary"]["container"] == 2 and result["failures"] == []


def test_without_create_containers_a_missing_ou_is_a_predicted_failure(make_config):
    config = ad_config(make_config, container="'OU=Sales,OU=Europe,DC=example,DC=test' if person.id == '2' else none")
    result, operations = reconcile.run(persons(person("1"), person("2", "Piet")), config, Bare(), TODAY,
                                       check_mode=True)
    assert "container" not in result["summary"]
    assert [(f["person"], f["predicted"]) for f in result["failures"]] == [("2", True)]
