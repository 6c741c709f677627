# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validated ``ldap_accounts`` options -> a compiled ``TargetConfig`` (for internal use).

Every expression is compiled here, once, before anything is read or written: a typo in a mapping
fails the task before the first LDAP request.
"""

from __future__ import annotations

from typing import Optional

from ansible_collections.jml.provisioning.plugins.module_utils.expressions.expression import (
    ExpressionError, compile_expression, compile_mapping,
)
from ansible_collections.jml.provisioning.plugins.module_utils.provision import dn as dnlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision.config import (
    ConfigError, compiled_rules, lifecycle_policy, suspend_options, owned_values, username_policy, validate_thresholds,
)
from ansible_collections.jml.provisioning.plugins.module_utils.provision.plan import TargetConfig
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import _flavours as flavours


def build_target_config(options: dict) -> TargetConfig:
    try:
        return _build(options)
    except (ExpressionError, ValueError) as exc:  # ValueError: TargetConfig's own consistency checks
        raise ConfigError(str(exc))


def _build(options):
    username = options["username"]
    attributes = compile_mapping(options["attributes"], "attributes")
    lowered = [a.lower() for a in attributes]
    if len(set(lowered)) != len(lowered):
        raise ConfigError("attributes: an attribute is mapped twice (names are case-insensitive)")
    flavour = flavours.flavour(options.get("flavour"))
    policy = username_policy(username, flavour.username_max_length)
    anchor = options["anchor"]
    disable = options["disable"]
    strategy = set(disable["strategy"])
    unknown = strategy - {"lock", "move", "uac"}
    if unknown or not strategy or ({"lock", "uac"} <= strategy):
        raise ConfigError(f"disable.strategy must be a list of lock or uac, and/or move, got {sorted(strategy)}")
    if "move" in strategy and not disable.get("disabled_dn"):
        raise ConfigError("disable.strategy move needs disable.disabled_dn")
    search_base = options.get("search_base") or options["accounts_dn"]
    if "move" in strategy and not dnlib.is_under(disable["disabled_dn"], search_base):
        # Accounts moved out of sight would look absent on the next run: a rehire would get a second account.
        raise ConfigError(f"disable.disabled_dn {disable['disabled_dn']} must be inside search_base {search_base}")
    life = options["lifecycle"]
    groups = options.get("groups") or {}
    rules = compiled_rules(list(options.get("rules") or []) + list(options.get("loaded_rules") or []),
                           groups.get("base"), groups.get("name_attribute") or "cn", bool(groups.get("lookup")))
    lookup_base = group_lookup_base(groups)
    validate_thresholds(options.get("thresholds"))
    return TargetConfig(
        accounts_dn=options["accounts_dn"],
        attributes=attributes,
        username_attribute=username["attribute"],
        username_policy=policy,
        anchors=[(anchor["person"], anchor["attribute"])] + [(a["person"], a["attribute"])
                                                             for a in options.get("more_anchors") or []],
        object_classes=options["object_classes"],
        container=compile_expression(options["container"], "container") if options.get("container") else None,
        create_only=options["create_only"],
        dn_attributes=options["dn_attributes"],
        unique_attributes=username.get("unique_attributes") or [username["attribute"]],
        disable_strategy=strategy,
        disabled_dn=disable.get("disabled_dn"),
        switch=flavours.account_switch(strategy, disable["lock_attribute"], disable["lock_value"]),
        policy=lifecycle_policy(life),
        suspend_revokes_groups=suspend_options(life)["revoke_groups"],
        delete_accounts=life["delete_accounts"],
        vanished=life["vanished"],
        exclude=compile_expression(life["exclude"], "lifecycle.exclude") if life.get("exclude") else None,
        initial_password=options["initial_password"]["generate"],
        rename_usernames=username.get("rename", False),
        rules=rules,
        placeholder_member=groups.get("placeholder_member"),
        create_missing_groups=groups.get("create_missing", False),
        revoke_on_disable=groups.get("revoke_on_disable", True),
        member_attribute=groups.get("member_attribute") or "member",
        rdn_attribute=(options.get("rdn") or {}).get("attribute"),
        rdn_value=compile_expression(options["rdn"]["value"], "rdn.value") if options.get("rdn") else None,
        integer_never_attributes=flavour.integer_never_attributes,
        audit_id_attribute=flavour.audit_id_attribute,
        password_value=(compile_expression(options["initial_password"]["value"], "initial_password.value")
                        if options["initial_password"].get("value") else None),
        group_lookup=groups.get("lookup") or None,
        group_lookup_base=lookup_base,
        groups_base=groups.get("base"),
        group_name_attribute=groups.get("name_attribute") or "cn",
        group_attributes={} if groups.get("group_type") is None else {"groupType": [str(groups["group_type"])]},
        limits=flavour.limits,
        adopt_outside=anchor.get("adopt", False),
        create_containers=options.get("create_containers", False),
        owned_values=owned_values(options.get("owned_values"), flavour.owned_values, attributes),
    )


def group_lookup_base(groups: dict) -> Optional[str]:
    """Where ``groups.lookup`` searches: ``lookup_base``, else the domain of ``groups.base`` (a
    sAMAccountName is unique in the whole domain, so the group may be in any OU)."""
    if not groups.get("lookup"):
        return None
    base = groups.get("lookup_base") or dnlib.domain(groups.get("base") or "") or groups.get("base")
    if not base:
        raise ConfigError("groups.lookup needs groups.lookup_base or groups.base (to search the groups in)")
    return base
