# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""scim_accounts' options -> TargetConfig and settings; the schema documents the adapter reads;
whole-resource assignment for a PUT; how long a 429 is waited for."""

from __future__ import annotations

import datetime

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.jml.provisioning.plugins.module_utils.options import SCIM_ACCOUNTS_SPEC
from ansible_collections.jml.provisioning.plugins.module_utils.provision import plan as planlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision.config import ConfigError
from ansible_collections.jml.provisioning.plugins.module_utils.provision.correlation import Account
from ansible_collections.jml.provisioning.plugins.module_utils.targets.scim import config as scimconfig
from ansible_collections.jml.provisioning.plugins.module_utils.targets.scim import discovery, paths
from ansible_collections.jml.provisioning.plugins.module_utils.targets.scim.client import retry_wait

ENTERPRISE = paths.ENTERPRISE_USER


def options(**overrides):
    base = {"vault": "/unused", "connection": {"base_url": "https://scim.invalid/v2", "auth": {"type": "bearer", "token": "t"}},
            "username": {"candidates": ["person.name.given | lower"]},
            "attributes": {"displayName": "person.name.display", 'emails[type eq "work"].value': "person.email",
                           ENTERPRISE + ":department": "contract.department.name"}}
    base.update(overrides)
    result = ArgumentSpecValidator(SCIM_ACCOUNTS_SPEC).validate(base)
    assert not result.error_messages, result.error_messages
    validated = result.validated_parameters
    validated["loaded_rules"] = []
    return validated


def test_options_become_a_flat_target_on_the_engine():
    config, settings = scimconfig.build(options())
    assert config.accounts_dn == "ou=Users" and config.username_attribute == "userName"
    assert config.anchors == [("id", "externalId")] and config.members_follow_renames
    assert config.switch.attributes == ("active",) and config.audit_id_attribute == "id"
    assert set(settings.attribute_paths) >= {"displayname", 'emails[type eq "work"].value', "active", "externalid", "username"}
    assert settings.username.text == "userName"
    assert scimconfig.user_key("Ana.Lopez") == "userName=Ana.Lopez,ou=Users"


@pytest.mark.parametrize("attributes, message", [
    ({"active": "true"}, "the target's own"),
    ({"id": "person.id"}, "the target's own"),
    ({"emails[type eq 'work'].value": "person.email"}, "not a SCIM attribute path"),
    ({"displayName": "person.name.display", "DisplayName": "person.id"}, "mapped twice"),
])
def test_paths_the_target_cannot_map_fail_before_any_request(attributes, message):
    with pytest.raises(ConfigError, match=message):
        scimconfig.build(options(attributes=attributes))


def test_the_planner_names_and_disables_by_the_active_flag():
    config, dummy = scimconfig.build(options())
    persons = {"1": {"id": "1", "name": {"given": "Ana", "display": "Ana L"}, "email": "ana@x",
                     "contracts": [{"id": "c", "start": "2020-01-01", "end": "2026-01-01", "department": {"name": "IT"}}]}}
    account = Account(scimconfig.user_key("ana"), {"externalid": ["1"], "username": ["ana"], "active": ["true"],
                                                   "displayname": ["Ana L"], 'emails[type eq "work"].value': ["ana@x"],
                                                   (ENTERPRISE + ":department").lower(): ["IT"], "id": ["u-1"]})
    plan = planlib.build(persons, [account], config, datetime.date(2026, 12, 1), taken_names={})
    [op] = plan.operations
    assert (op.action, op.modifications, op.guid) == ("disable", {"active": ["false"]}, "u-1")


def test_attribute_types_and_resource_types_from_discovery():
    schemas = [{"id": "urn:ietf:params:scim:schemas:core:2.0:User", "attributes": [
        {"name": "active", "type": "boolean"},
        {"name": "emails", "type": "complex", "multiValued": True, "subAttributes": [{"name": "value", "type": "string"}]},
        {"name": "id", "type": "string", "mutability": "readOnly"}]}]
    types = discovery.attribute_types(schemas)
    assert types[("urn:ietf:params:scim:schemas:core:2.0:user", "active", None)].type == "boolean"
    assert types[("urn:ietf:params:scim:schemas:core:2.0:user", "emails", "value")].type == "string"
    assert types[("urn:ietf:params:scim:schemas:core:2.0:user", "emails", None)].multi_valued
    found = discovery.resource_types([{"name": "User", "endpoint": "Users", "schema": "urn:x",
                                       "schemaExtensions": [{"schema": ENTERPRISE}]}, {"broken": True}])
    assert found == {"User": discovery.ResourceInfo("User", "/Users", "urn:x", (ENTERPRISE,))}


def test_assign_sets_one_path_and_keeps_everything_else():
    resource = {"schemas": ["core"], "userName": "a", "nickName": "keep",
                "emails": [{"type": "home", "value": "h@x"}, {"type": "work", "value": "w@x", "primary": True}]}
    paths.assign(resource, paths.parse('emails[type eq "work"].value'), ["new@x"])
    paths.assign(resource, paths.parse(ENTERPRISE + ":department"), ["IT"])
    paths.assign(resource, paths.parse("title"), [])
    paths.assign(resource, paths.parse("active"), ["false"], lambda path, text: text == "true")
    assert resource["emails"] == [{"type": "home", "value": "h@x"}, {"type": "work", "value": "new@x", "primary": True}]
    assert resource[ENTERPRISE] == {"department": "IT"} and ENTERPRISE in resource["schemas"]
    assert resource["nickName"] == "keep" and resource["active"] is False and "title" not in resource


def test_a_retry_waits_what_the_server_asks_else_backs_off():
    assert retry_wait("3", 1) == 3.0
    assert retry_wait("Wed, 21 Oct 2015 07:28:00 GMT", 1, now=1445412470.0) == 10.0
    assert retry_wait(None, 1) == 0.5 and retry_wait("soon", 3) == 2.0


def test_without_filtered_patch_paths_the_whole_attribute_is_replaced_every_other_element_kept():
    current = {"emails": [{"type": "home", "value": "h@x"}, {"type": "work", "value": "w@x", "primary": True}],
               "title": "Old"}
    changes = {paths.parse('emails[type eq "work"].value'): ["new@x"], paths.parse("title"): ["New"],
               paths.parse('emails[type eq "other"].value'): ["o@x"]}
    operations = paths.patch_operations(current, changes, filters=False)
    assert {"op": "replace", "path": "title", "value": "New"} in operations
    [emails] = [o for o in operations if o["path"] == "emails"]
    assert emails == {"op": "replace", "path": "emails", "value": [
        {"type": "home", "value": "h@x"}, {"type": "work", "value": "new@x", "primary": True},
        {"type": "other", "value": "o@x"}]}
    assert paths.patch_operations(current, {paths.parse('emails[type eq "work"].value'): ["w@x"]}, filters=False) == []
    assert discovery.quirks("github").filtered_patch_paths is False and discovery.quirks("eq-only").filter_or_terms == 1
