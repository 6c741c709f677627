# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ldap_accounts options -> TargetConfig: everything compiled and checked before any read or write."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.provision.config import ConfigError, reference_date
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap.config import build_target_config


def test_defaults_of_the_argument_spec_make_a_working_config(make_config):
    config = make_config()
    assert config.anchors == [("id", "employeeNumber")]
    assert config.username_attribute == "uid"
    assert config.unique_attributes == ["uid", "mail"]
    assert config.object_classes == ("inetOrgPerson",)
    assert config.disable_strategy == {"lock"}
    assert (config.switch.attribute, config.switch.value) == ("pwdAccountLockedTime", "000001010000Z")
    assert (config.policy.pre_provision_days, config.policy.grace_days, config.policy.delete_after_days) == (14, 0, None)
    assert (config.delete_accounts, config.vanished, config.exclude, config.container) == (False, "disable", None, None)
    assert config.dn_attributes == {"manager"}


def test_read_attributes_are_the_mapped_ones_plus_anchor_username_and_lock(make_config):
    assert make_config().read_attributes() == ["cn", "departmentNumber", "employeeNumber", "givenName", "mail",
                                               "manager", "pwdAccountLockedTime", "sn", "title", "uid"]


def test_the_demo_target_settings_compile(demo_target_options):
    config = build_target_config(demo_target_options)
    assert config.exclude is not None
    assert config.unique_attributes == ["uid", "mail"]


@pytest.mark.parametrize("overrides, message", [
    ({"thresholds": {"disabel": {"count": 1}}}, "unknown action 'disabel'"),
    ({"disable": {"strategy": ["move"]}}, "needs disable.disabled_dn"),
    ({"disable": {"strategy": ["move"], "disabled_dn": "ou=disabled,dc=example,dc=test"}},
     "must be inside search_base ou=people,dc=example,dc=test"),
    ({"disable": {"strategy": ["hide"]}}, "lock or uac, and/or move"),
    ({"disable": {"strategy": []}}, "lock or uac, and/or move"),
    ({"attributes": {"cn": "person.id", "CN": "person.id"}}, "mapped twice"),
    ({"attributes": {"cn": "person.name.given ~"}}, "attributes.cn"),
    ({"username": {"candidates": []}}, "at least one"),
    ({"username": {"candidates": ["person.id", "(("]}}, r"username.candidates\[1\]"),
    ({"container": "'ou=' ~"}, "container"),
    ({"lifecycle": {"exclude": "person.custom.blocked =="}}, "lifecycle.exclude"),
])
def test_inconsistent_options_are_a_config_error_naming_the_option(make_config, overrides, message):
    with pytest.raises(ConfigError, match=message):
        make_config(**overrides)


def test_reference_date_defaults_to_the_callers_today():
    today = datetime.date(2026, 6, 15)
    assert reference_date(None, today) == today
    assert reference_date("2026-01-31", today) == datetime.date(2026, 1, 31)
    with pytest.raises(ConfigError, match="reference_date '31-01-2026'"):
        reference_date("31-01-2026", today)


def test_group_lookup_searches_the_domain_of_the_groups_base_unless_told(make_config):
    groups = {"base": "OU=Groups,DC=example,DC=test", "lookup": "sAMAccountName", "group_type": -2147483644}
    config = make_config(groups=groups, rules=[{"name": "r", "groups": ["Sales-EU", "CN=ict,OU=Groups,DC=x"]}])
    assert (config.group_lookup, config.group_lookup_base, config.group_attributes) == (
        "sAMAccountName", "DC=example,DC=test", {"groupType": ["-2147483644"]})
    assert config.rules[0].names == ("Sales-EU",) and config.rules[0].groups == ["CN=ict,OU=Groups,DC=x"]
    assert make_config(groups=dict(groups, lookup_base="OU=EU,DC=example,DC=test")).group_lookup_base == \
        "OU=EU,DC=example,DC=test"
    assert make_config(groups={"base": "OU=Groups,DC=x"}).group_lookup_base is None  # no lookup: names are cn=


def test_group_lookup_needs_somewhere_to_search(make_config):
    with pytest.raises(ConfigError, match="groups.lookup needs groups.lookup_base or groups.base"):
        make_config(groups={"lookup": "sAMAccountName"})
