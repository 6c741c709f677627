# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The parts of a target's configuration every target shares, compiled once (for internal use).

A target's own options module (``targets/ldap/config.py``) reads its options and calls these for
what the engine defines: the username policy, the lifecycle policy and its primary-contract
criteria, the rules, the thresholds and the owned values of multi-valued attributes. Everything
is compiled and validated here, before the target is read: a typo fails the task first.
"""

from __future__ import annotations

import re

from ansible_collections.jml.provisioning.plugins.module_utils import limits
from ansible_collections.jml.provisioning.plugins.module_utils.expressions.expression import compile_expression
from ansible_collections.jml.provisioning.plugins.module_utils.provision import lifecycle
from ansible_collections.jml.provisioning.plugins.module_utils.provision import rules as ruleslib
from ansible_collections.jml.provisioning.plugins.module_utils.provision._naming import UsernamePolicy
from ansible_collections.jml.provisioning.plugins.module_utils.provision.plan import THRESHOLD_ACTIONS, OwnedValues


class ConfigError(ValueError):
    """The target's options are inconsistent; the message names the option."""


def reference_date(value, today):
    """``lifecycle.reference_date`` with the target options' error type."""
    try:
        return lifecycle.reference_date(value, today)
    except ValueError as exc:
        raise ConfigError(str(exc))


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


def username_policy(username, default_max_length):
    """``username`` options (candidates, max_length, allowed_characters, lowercase, max_tries)."""
    candidates = [compile_expression(c, "username.candidates[%d]" % i) for i, c in enumerate(username["candidates"])]
    if not candidates:
        raise ConfigError("username.candidates needs at least one expression")
    return UsernamePolicy(candidates, max_length=username.get("max_length") or default_max_length,
                          allowed_characters=username["allowed_characters"],
                          lowercase=username["lowercase"], max_tries=username["max_tries"])


def lifecycle_policy(life):
    """``lifecycle`` options -> ``lifecycle.Policy``."""
    return lifecycle.Policy(life["pre_provision_days"], life["grace_days"], life.get("delete_after_days"),
                            primary_criteria(life.get("primary")), suspend_options(life)["enabled"])


def suspend_options(life):
    """``lifecycle.suspend`` with its defaults: ``{enabled: True, revoke_groups: False}``."""
    spec = life.get("suspend") or {}
    return {"enabled": spec.get("enabled") is not False, "revoke_groups": bool(spec.get("revoke_groups"))}


def compiled_rules(rules, group_base, name_attribute, lookup):
    try:
        return ruleslib.compile_rules(rules, group_base, name_attribute, lookup=lookup)
    except ruleslib.RuleError as exc:
        raise ConfigError(str(exc))


def validate_thresholds(thresholds):
    """Every action named and every limit readable, before the first request to the target."""
    for action, spec in (thresholds or {}).items():
        if action not in THRESHOLD_ACTIONS:
            raise ConfigError(f"thresholds: unknown action {action!r} (known: {', '.join(THRESHOLD_ACTIONS)})")
        try:
            limits.parse(spec, f"thresholds.{action}")
        except limits.LimitError as exc:
            raise ConfigError(str(exc))


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
        label = f"owned_values.{name}"
        if not isinstance(spec, dict) or set(spec) - {"patterns", "keep_replaced"} or not spec.get("patterns"):
            raise ConfigError("%s must be a mapping with patterns (a list of regular expressions) and "
                              "optionally keep_replaced (an expression over value)" % label)
        patterns = spec["patterns"] if isinstance(spec["patterns"], list) else [spec["patterns"]]
        try:
            compiled = [re.compile(str(p)) for p in patterns]
        except re.error as exc:
            raise ConfigError(f"{label}.patterns: {exc}")
        keep = spec.get("keep_replaced")
        out[key] = OwnedValues(compiled, compile_expression(keep, label + ".keep_replaced") if keep else None)
    return out
