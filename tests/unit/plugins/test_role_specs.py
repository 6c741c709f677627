# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ldap_target, scim_target and file_target roles expose every option of their module: an option the
module gains and the role does not pass on would be silently ignored by everyone who uses the role."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.jml.provisioning.plugins.module_utils.options import (
    FILE_ACCOUNTS_SPEC, LDAP_ACCOUNTS_SPEC, SCIM_ACCOUNTS_SPEC,
)

ROLES = Path(__file__).resolve().parents[3] / "roles"
ROLE = ROLES / "ldap_target"
# Module option -> the role variable that feeds it, where the name is not jml_ldap_<option>.
RENAMED = {"vault": "jml_vault_path", "vault_id": "jml_vault_id", "encrypt": "jml_vault_encrypt", "only": "jml_only"}


def _module_options():
    """Every leaf the role must set: top-level options, and connection's sub-options."""
    for name, spec in LDAP_ACCOUNTS_SPEC.items():
        if name == "connection":
            for sub in spec["options"]:
                yield "connection." + sub, "jml_ldap_" + sub
        else:
            yield name, RENAMED.get(name, "jml_ldap_" + name)


def test_every_module_option_is_a_role_variable_and_passed_on():
    specs = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    tasks = (ROLE / "tasks" / "main.yml").read_text()
    task = yaml.safe_load(tasks)[0]["jml.provisioning.ldap_accounts"]
    missing_spec = [var for dummy, var in _module_options() if var not in specs]
    assert missing_spec == [], "role argument_specs lack these variables"
    not_passed = []
    for option, var in _module_options():
        holder = task["connection"] if option.startswith("connection.") else task
        key = option.split(".", 1)[-1]
        if key not in holder or var not in str(holder[key]):
            not_passed.append(option)
    assert not_passed == [], "the role's task does not pass these options on"


def test_role_defaults_match_the_argument_specs():
    specs = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    wrong = dict((k, (v, specs[k].get("default"))) for k, v in defaults.items()
                 if k in specs and "default" in specs[k] and specs[k]["default"] != v)
    assert wrong == {}


def _file_options():
    for name in FILE_ACCOUNTS_SPEC:
        yield name, RENAMED.get(name, "jml_file_" + name)


@pytest.mark.parametrize("test", ["options", "defaults"])
def test_the_file_target_role_passes_every_option_on_with_the_specs_defaults(test):
    role = ROLES / "file_target"
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    if test == "options":
        task = yaml.safe_load((role / "tasks" / "main.yml").read_text())[0]["jml.provisioning.file_accounts"]
        assert [var for dummy, var in _file_options() if var not in specs] == [], "role argument_specs lack these variables"
        assert [o for o, var in _file_options() if o not in task or var not in str(task[o])] == [], \
            "the role's task does not pass these options on"
        assert "initial_password" not in task  # a file holds no passwords
    else:
        defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text())
        assert dict((k, (v, specs[k].get("default"))) for k, v in defaults.items()
                    if k in specs and "default" in specs[k] and specs[k]["default"] != v) == {}
        assert set(defaults) <= set(specs), "a default for a variable the role does not declare"


def _scim_options():
    """connection's sub-options are jml_scim_<sub> (its auth ones jml_scim_auth_<sub>)."""
    for name, spec in SCIM_ACCOUNTS_SPEC.items():
        if name == "connection":
            for sub in spec["options"]:
                if sub == "auth":
                    for leaf in spec["options"]["auth"]["options"]:
                        yield ("connection", "auth", leaf), "jml_scim_auth_" + leaf
                elif sub == "base_url":
                    yield ("connection", sub), "jml_scim_base_url"
                else:
                    yield ("connection", sub), "jml_scim_" + sub
        else:
            yield (name,), RENAMED.get(name, "jml_scim_" + name)


@pytest.mark.parametrize("test", ["options", "defaults"])
def test_the_scim_target_role_passes_every_option_on_with_the_specs_defaults(test):
    role = ROLES / "scim_target"
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    if test == "options":
        task = yaml.safe_load((role / "tasks" / "main.yml").read_text())[0]["jml.provisioning.scim_accounts"]
        assert [var for dummy, var in _scim_options() if var not in specs] == [], "role argument_specs lack these variables"
        not_passed = []
        for keys, var in _scim_options():
            holder = task
            for key in keys[:-1]:
                holder = holder.get(key) or {}
            if keys[-1] not in holder or var not in str(holder[keys[-1]]):
                not_passed.append(".".join(keys))
        assert not_passed == [], "the role's task does not pass these options on"
    else:
        defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text())
        assert dict((k, (v, specs[k].get("default"))) for k, v in defaults.items()
                    if k in specs and "default" in specs[k] and specs[k]["default"] != v) == {}
        assert set(defaults) <= set(specs), "a default for a variable the role does not declare"
