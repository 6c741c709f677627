# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Creates' attribute values held once: the same tuple for the same one text."""

from __future__ import annotations

from ansible_collections.jml.provisioning.plugins.module_utils.provision import shared_values
from ansible_collections.jml.provisioning.plugins.module_utils.provision.shared_values import SharedValues


def test_one_repeated_text_is_one_tuple_per_attribute():
    shared = SharedValues()
    first, second = shared.freeze("departmentNumber", ["SALES"]), shared.freeze("departmentNumber", ["SALES"])
    assert first == ("SALES",) and first is second
    assert shared.freeze("title", ["SALES"]) == ("SALES",)


def test_several_values_and_values_that_are_not_text_are_plain_tuples():
    shared = SharedValues()
    assert shared.freeze("proxyAddresses", ["SMTP:a@x", "smtp:b@x"]) == ("SMTP:a@x", "smtp:b@x")
    assert shared.freeze("count", [7]) == (7,)
    assert shared.freeze("count", [7]) is not shared.freeze("count", [7])
    assert shared.freeze("empty", []) == ()


def test_an_attribute_whose_values_keep_differing_stops_being_remembered():
    shared = SharedValues()
    for n in range(shared_values._PROBE):
        shared.freeze("mail", ["user%d@example.test" % n])
        shared.freeze("department", ["D%d" % (n % 100)])
        shared.freeze("employeeType", ["Employee"])
    assert shared._memos["mail"] is None  # every value differed: no memo held for it any more
    assert len(shared._memos["department"]) == 100
    assert shared.freeze("mail", ["user1@example.test"]) == ("user1@example.test",)
    assert shared.freeze("department", ["D1"]) is shared.freeze("department", ["D1"])


def test_a_plan_shares_a_repeated_value_between_its_creates(make_config):
    from ansible_collections.jml.provisioning.tests.unit.plugins.module_utils.provision.test_plan import build, people, person
    plan = build(people(person("1"), person("2", given="Piet")), config=make_config())
    one, two = (op.modifications for op in plan.operations if op.action == "create")
    assert one["departmentNumber"] == ("SALES",)
    assert one["departmentNumber"] is two["departmentNumber"]
    assert one["objectClass"] is two["objectClass"]
    assert one["uid"] != two["uid"]
