# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validated ``scim_accounts`` options -> a compiled ``TargetConfig`` and the adapter's settings
(for internal use). Pure: every expression and attribute path is compiled here, before the
first request.

SCIM has no DNs; the engine plans over keys that look like one, so its planner, correlation,
memberships and reports serve this target unchanged:

- a user is ``userName=<login>,ou=Users`` (a rename is the planner's ``move``, a PATCH of
  ``userName``; the key compares without case, as RFC 7643 compares ``userName``);
- a group the rules name is ``displayName=<name>,ou=Groups``.

The adapter maps the keys to the server's ``id`` s; they never reach the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

from ansible_collections.jml.provisioning.plugins.module_utils.expressions.expression import (
    ExpressionError, compile_expression, compile_mapping,
)
from ansible_collections.jml.provisioning.plugins.module_utils.provision import dn as dnlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision.config import (
    ConfigError, compiled_rules, lifecycle_policy, suspend_options, username_policy, validate_thresholds,
)
from ansible_collections.jml.provisioning.plugins.module_utils.provision.plan import TargetConfig
from ansible_collections.jml.provisioning.plugins.module_utils.provision.switch import ActiveFlag
from ansible_collections.jml.provisioning.plugins.module_utils.targets.scim import discovery, paths

USERS = "ou=Users"
GROUPS = "ou=Groups"
GROUP_NAME = "displayName"
ACTIVE = "active"
ID = "id"  # recorded in the actions (the audit trail): a user is known by it whatever its userName


@dataclass
class ScimSettings:
    """What the adapter needs besides the ``TargetConfig``."""

    attribute_paths: Dict[str, paths.Path]  # lower-cased path text -> Path, every path read or written
    username: paths.Path
    filter: Optional[str] = None
    page_size: int = 100
    bulk: bool = True
    quirks: discovery.Quirks = field(default_factory=lambda: discovery.quirks("rfc"))
    references: tuple = ()                  # lower-cased paths whose values are user ids (manager.value)
    group_batch_size: int = 100
    password_length: int = 20

    def path(self, attribute: str) -> paths.Path:
        return self.attribute_paths[attribute.lower()]


def user_key(login: str) -> str:
    return dnlib.build("userName", login, USERS)


def group_key(name: str) -> str:
    return dnlib.build(GROUP_NAME, name, GROUPS)


def build(options: dict):
    """``(TargetConfig, ScimSettings)``; ``ConfigError`` names the option that is wrong."""
    try:
        return _build(options)
    except (ExpressionError, paths.PathError, discovery.DiscoveryError, ValueError) as exc:
        raise ConfigError(str(exc))


def _parsed(texts: List[str]) -> Dict[str, paths.Path]:
    out = {}
    for text in texts:
        path = paths.parse(text)
        if text.lower() in out:
            raise ConfigError(f"attributes: {text} is mapped twice (SCIM attribute names are case-insensitive)")
        out[text.lower()] = path
    return out


def _build(options):
    username = options["username"]
    attributes = compile_mapping(options["attributes"], "attributes")
    mapped = _parsed(list(attributes))
    anchor = options["anchor"]
    anchors = [(anchor["person"], anchor["attribute"])] + [(a["person"], a["attribute"])
                                                           for a in options.get("more_anchors") or []]
    login = username["attribute"]
    for reserved in (ID, ACTIVE, login.lower()):
        if reserved.lower() in mapped:
            raise ConfigError(f"attributes: {reserved} is the target's own (the id, the account switch, the login): "
                              "it cannot be mapped")
    groups = options.get("groups") or {}
    rules = compiled_rules(list(options.get("rules") or []) + list(options.get("loaded_rules") or []),
                           GROUPS, GROUP_NAME, False)
    validate_thresholds(options.get("thresholds"))
    life = options["lifecycle"]
    password = options["initial_password"]
    config = TargetConfig(
        accounts_dn=USERS,
        attributes=attributes,
        username_attribute=login,
        username_policy=username_policy(username, 255),
        anchors=anchors,
        object_classes=(),
        create_only=options["create_only"],
        dn_attributes=options["dn_attributes"],
        unique_attributes=username.get("unique_attributes") or [login],
        disable_strategy=("lock",),
        switch=ActiveFlag(ACTIVE),
        policy=lifecycle_policy(life),
        suspend_revokes_groups=suspend_options(life)["revoke_groups"],
        delete_accounts=life["delete_accounts"],
        vanished=life["vanished"],
        exclude=compile_expression(life["exclude"], "lifecycle.exclude") if life.get("exclude") else None,
        initial_password=password["generate"],
        password_value=compile_expression(password["value"], "initial_password.value") if password.get("value") else None,
        rename_usernames=username.get("rename", False),
        rules=rules,
        placeholder_member=None,
        create_missing_groups=groups.get("create_missing", False),
        revoke_on_disable=groups.get("revoke_on_disable", True),
        member_attribute="members",
        groups_base=GROUPS,
        group_name_attribute=GROUP_NAME,
        audit_id_attribute=ID,
        members_follow_renames=True,
    )
    read = _parsed([a for a in config.read_attributes() if a.lower() not in mapped])
    read.update(mapped)
    for text in config.rule_attributes.values():
        read.setdefault(text.lower(), paths.parse(text))
    connection = options["connection"]
    if connection["page_size"] < 1:
        raise ConfigError("connection.page_size must be at least 1")
    if groups.get("batch_size", 100) < 1:
        raise ConfigError("groups.batch_size must be at least 1")
    settings = ScimSettings(
        attribute_paths=read,
        username=read[login.lower()],
        filter=options.get("filter") or None,
        page_size=connection["page_size"],
        bulk=connection["bulk"],
        quirks=discovery.quirks(connection.get("quirks")),
        references=tuple(a.lower() for a in options["dn_attributes"]),
        group_batch_size=groups.get("batch_size", 100),
        password_length=password.get("length", 20),
    )
    return config, settings
