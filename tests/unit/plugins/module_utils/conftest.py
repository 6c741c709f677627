# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared fixtures of the engine tests: target options as the action plugin sees them, and the
real HelloID demo export with the demo inventory's own mapping."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.jml.provisioning.plugins.module_utils.collect import collect
from ansible_collections.jml.provisioning.plugins.module_utils.options import LDAP_ACCOUNTS_SPEC
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap.config import build_target_config

ROOT = Path(__file__).resolve().parents[4]
DEMO = ROOT / "inventories" / "demo"
DEMO_HR_DIR = DEMO / "hr" / "helloid"

ACCOUNTS_DN = "ou=people,dc=example,dc=test"
DISABLED_DN = "ou=disabled,dc=example,dc=test"

BASE_OPTIONS = {
    "connection": {"server_uri": "ldap://unused.invalid"},
    "vault": "/unused/vault.json",
    "accounts_dn": ACCOUNTS_DN,
    "username": {
        "candidates": ["(person.name.given | ascii) ~ '.' ~ (person.name | family_name | ascii) ~ (n if n > 1 else '')"],
        "unique_attributes": ["uid", "mail"],
    },
    "attributes": {
        "cn": "person.name.display",
        "sn": "person.name | family_name",
        "givenName": "person.name.given",
        "mail": "username ~ '@example.test'",
        "departmentNumber": "contract.department.code",
        "title": "contract.title.code",
        "manager": "manager_dn",
    },
}


def validated_options(**overrides):
    """``ldap_accounts`` options after the argument spec filled the defaults (as in the action)."""
    result = ArgumentSpecValidator(LDAP_ACCOUNTS_SPEC).validate(dict(BASE_OPTIONS, **overrides))
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


@pytest.fixture
def make_config():
    """``make_config(**option_overrides)`` -> a compiled ``TargetConfig``."""
    def make(**overrides):
        return build_target_config(validated_options(**overrides))
    return make


@pytest.fixture
def make_options():
    return validated_options


def _demo_source():
    """The demo's first source, its ``{{ jml_demo_hr_dir }}`` paths pointing at the real files."""
    variables = yaml.safe_load((DEMO / "group_vars" / "all" / "collect.yml").read_text(encoding="utf-8"))
    source = variables["jml_sources"][0]
    for spec in [source["persons"], source["contracts"]] + list(source["lookups"].values()):
        spec["path"] = spec["path"].replace("{{ jml_demo_hr_dir }}", str(DEMO_HR_DIR))
    source["absences"]["path"] = source["absences"]["path"].replace("{{ jml_demo_leave_dir }}", str(DEMO / "hr" / "leave"))
    return source


@pytest.fixture
def demo_source():
    return _demo_source()


@pytest.fixture(scope="session")
def demo_collect():
    source = _demo_source()
    rows = collect.read_source(source)
    return collect.collect([source], {source["name"]: rows}, None, "2026-01-01T00:00:00Z")


@pytest.fixture(scope="session")
def demo_target_options():
    """The demo inventory's target settings (target.yml) as ``ldap_accounts`` options."""
    variables = yaml.safe_load((DEMO / "group_vars" / "all" / "target.yml").read_text(encoding="utf-8"))
    return validated_options(
        accounts_dn=variables["jml_ldap_accounts_dn"],
        search_base=variables["jml_ldap_search_base"],
        disable=variables["jml_ldap_disable"],
        username=variables["jml_ldap_username"],
        attributes=variables["jml_ldap_attributes"],
        lifecycle=variables["jml_ldap_lifecycle"],
        thresholds=variables["jml_ldap_thresholds"],
    )
