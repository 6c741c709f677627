# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validated ``ldap_accounts`` options -> a compiled ``TargetConfig`` (for internal use).

Every expression is compiled here, once, before anything is read or written: a typo in a mapping
fails the task before the first LDAP request.
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.jml.provisioning.plugins.module_utils import dn as dnlib
from ansible_collections.jml.provisioning.plugins.module_utils import flavours, limits
from ansible_collections.jml.provisioning.plugins.module_utils import lifecycle
from ansible_collections.jml.provisioning.plugins.module_utils import rules as ruleslib
from ansible_collections.jml.provisioning.plugins.module_utils.expressions import (
    ExpressionError, compile_expression, compile_mapping,
)
from ansible_collections.jml.provisioning.plugins.module_utils.naming import UsernamePolicy
from ansible_collections.jml.provisioning.plugins.module_utils.plan import ACTION_ORDER, OwnedValues, TargetConfig


class ConfigError(ValueError):
    """The target's options are inconsistent; the message names the option."""


def reference_date(value, today):
    """``reference_date`` option (ISO date or empty) -> date; ``today`` is the caller's clock."""
    if not value:
        return today
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError("reference_date %r is not an ISO date (YYYY-MM-DD)" % value)


def _expression_key(expression):
    def key(contract, today):
        return expression(contract=contract, today=today.isoformat())
    return key


def primary_criteria(spec):
    """``lifecycle.primary`` -> ``[(key(contract, today), descending)]`` for ``primary_contract``.

    Each item is a built-in name (``active``, ``start``, ``end``, ``fte``) or a dict with
    ``expression`` (over ``contract`` and ``today``) or ``name``, and ``order`` (asc/desc).
    """
    criteria = []
    for index, item in enumerate(spec or []):
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict) or bool(item.get("name")) == bool(item.get("expression")):
            raise ConfigError("lifecycle.primary[%d] must be a name (%s) or {expression, order}"
                              % (index, ", ".join(sorted(lifecycle.BUILTIN_CRITERIA))))
        order = item.get("order")
        if order not in (None, "asc", "desc"):
            raise ConfigError("lifecycle.primary[%d].order must be asc or desc" % index)
        if item.get("name"):
            if item["name"] not in lifecycle.BUILTIN_CRITERIA:
                raise ConfigError("lifecycle.primary[%d]: unknown criterion %r (known: %s)"
                                  % (index, item["name"], ", ".join(sorted(lifecycle.BUILTIN_CRITERIA))))
            key, descending = lifecycle.BUILTIN_CRITERIA[item["name"]]
        else:
            key, descending = _expression_key(compile_expression(item["expression"], "lifecycle.primary[%d]" % index)), False
        criteria.append((key, descending if order is None else order == "desc"))
    return criteria or None


def build_target_config(options):
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
    candidates = [compile_expression(c, "username.candidates[%d]" % i) for i, c in enumerate(username["candidates"])]
    if not candidates:
        raise ConfigError("username.candidates needs at least one expression")
    flavour = flavours.flavour(options.get("flavour"))
    policy = UsernamePolicy(candidates, max_length=username.get("max_length") or flavour.username_max_length,
                            allowed_characters=username["allowed_characters"],
                            lowercase=username["lowercase"], max_tries=username["max_tries"])
    anchor = options["anchor"]
    disable = options["disable"]
    strategy = set(disable["strategy"])
    unknown = strategy - {"lock", "move", "uac"}
    if unknown or not strategy or ({"lock", "uac"} <= strategy):
        raise ConfigError("disable.strategy must be a list of lock or uac, and/or move, got %s" % sorted(strategy))
    if "move" in strategy and not disable.get("disabled_dn"):
        raise ConfigError("disable.strategy move needs disable.disabled_dn")
    search_base = options.get("search_base") or options["accounts_dn"]
    if "move" in strategy and not dnlib.is_under(disable["disabled_dn"], search_base):
        # Accounts moved out of sight would look absent on the next run: a rehire would get a second account.
        raise ConfigError("disable.disabled_dn %s must be inside search_base %s" % (disable["disabled_dn"], search_base))
    life = options["lifecycle"]
    groups = options.get("groups") or {}
    try:
        rules = ruleslib.compile_rules(list(options.get("rules") or []) + list(options.get("loaded_rules") or []),
                                       groups.get("base"), groups.get("name_attribute") or "cn",
                                       lookup=bool(groups.get("lookup")))
    except ruleslib.RuleError as exc:
        raise ConfigError(str(exc))
    lookup_base = group_lookup_base(groups)
    for action, spec in (options.get("thresholds") or {}).items():
        if action not in ACTION_ORDER:
            raise ConfigError("thresholds: unknown action %r (known: %s)" % (action, ", ".join(ACTION_ORDER)))
        try:  # validated with the rest of the config, before the first LDAP request
            limits.parse(spec, "thresholds.%s" % action)
        except limits.LimitError as exc:
            raise ConfigError(str(exc))
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
        policy=lifecycle.Policy(life["pre_provision_days"], life["grace_days"], life.get("delete_after_days"),
                                primary_criteria(life.get("primary"))),
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
        group_type=groups.get("group_type"),
        limits=flavour.limits,
        adopt_outside=anchor.get("adopt", False),
        create_containers=options.get("create_containers", False),
        owned_values=owned_values(options.get("owned_values"), flavour.owned_values, attributes),
    )


def owned_values(option, defaults, mapped):
    """``owned_values`` (attribute -> {patterns, keep_replaced}) over the flavour's defaults ->
    ``{lower attribute: OwnedValues}`` for the mapped attributes only."""
    merged = dict((name.lower(), (name, spec)) for name, spec in (defaults or {}).items())
    for name, spec in (option or {}).items():
        merged[str(name).lower()] = (name, spec)
    mapped = set(a.lower() for a in mapped)
    out = {}
    for key, (name, spec) in merged.items():
        if key not in mapped:
            continue
        if spec is None:  # owned_values: {proxyAddresses: null}: the mapping owns every value
            continue
        label = "owned_values.%s" % name
        if not isinstance(spec, dict) or set(spec) - {"patterns", "keep_replaced"} or not spec.get("patterns"):
            raise ConfigError("%s must be a mapping with patterns (a list of regular expressions) and "
                              "optionally keep_replaced (an expression over value)" % label)
        patterns = spec["patterns"] if isinstance(spec["patterns"], list) else [spec["patterns"]]
        try:
            compiled = [re.compile(str(p)) for p in patterns]
        except re.error as exc:
            raise ConfigError("%s.patterns: %s" % (label, exc))
        keep = spec.get("keep_replaced")
        out[key] = OwnedValues(compiled, compile_expression(keep, label + ".keep_replaced") if keep else None)
    return out


def group_lookup_base(groups):
    """Where ``groups.lookup`` searches: ``lookup_base``, else the domain of ``groups.base`` (a
    sAMAccountName is unique in the whole domain, so the group may be in any OU)."""
    if not groups.get("lookup"):
        return None
    base = groups.get("lookup_base") or dnlib.domain(groups.get("base") or "") or groups.get("base")
    if not base:
        raise ConfigError("groups.lookup needs groups.lookup_base or groups.base (to search the groups in)")
    return base
