# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validated ``file_accounts`` options -> the export's ``Layout`` and a compiled ``TargetConfig``
(for internal use).

Every expression is compiled and every column checked here, before the previous export is read:
a typo in a mapping or a column named twice fails the task before anything is read or written.
"""

from __future__ import annotations

import codecs
from typing import List, Tuple

from ansible_collections.jml.provisioning.plugins.module_utils.expressions.expression import (
    ExpressionError, compile_expression, compile_mapping,
)
from ansible_collections.jml.provisioning.plugins.module_utils.provision.config import (
    ConfigError, compiled_rules, lifecycle_policy, suspend_options, username_policy, validate_thresholds,
)
from ansible_collections.jml.provisioning.plugins.module_utils.provision import dn as dnlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision import rules as ruleslib
from ansible_collections.jml.provisioning.plugins.module_utils.provision.plan import TargetConfig
from ansible_collections.jml.provisioning.plugins.module_utils.provision.switch import ActiveFlag
from ansible_collections.jml.provisioning.plugins.module_utils.targets.file import export as exportlib

USERNAME_MAX_LENGTH = 64  # a file has no limit of its own; the shared username default


class _Joined(object):
    """A mapping expression whose list value is one CSV cell: joined with the separator, so
    what is planned is what the cell reads back as (a re-run compares equal)."""

    __slots__ = ("expression", "separator")

    def __init__(self, expression, separator):
        self.expression, self.separator = expression, separator

    def evaluate(self, scope):
        value = self.expression.evaluate(scope)
        if isinstance(value, (list, tuple, set)):
            return self.separator.join(str(v) for v in value if v not in (None, ""))
        return value

    def __getattr__(self, name):
        return getattr(self.expression, name)


def build(options: dict) -> Tuple[exportlib.Layout, TargetConfig]:
    try:
        return _build(options)
    except (ExpressionError, exportlib.ExportError, ValueError) as exc:
        raise ConfigError(str(exc))


def build_target_config(options: dict) -> TargetConfig:
    return build(options)[1]


def _build(options):
    username = options["username"]
    anchor = options["anchor"]
    csv_options = options.get("csv") or {}
    file_format = options.get("format") or "csv"
    separator = csv_options.get("group_separator") or ("|" if csv_options.get("delimiter") == ";" else ";")
    try:
        codecs.lookup(csv_options.get("encoding") or "utf-8")
    except LookupError:
        raise ConfigError(f"csv.encoding: unknown encoding {csv_options.get('encoding')!r}")
    attributes = compile_mapping(options["attributes"], "attributes")
    if file_format == "csv":
        attributes = dict((name, _Joined(expression, separator)) for name, expression in attributes.items())
    groups = options.get("groups") or {}
    active = options.get("active_column") or "active"
    groups_column = groups.get("column") or "groups"
    rules = compiled_rules(list(options.get("rules") or []) + list(options.get("loaded_rules") or []),
                           exportlib.GROUPS_BASE, "cn", False)
    own = [username["attribute"], anchor["attribute"], active, groups_column]
    taken = set(c.lower() for c in own)
    for name in attributes:
        if name.lower() in taken:
            raise ConfigError(f"attributes: {name} is a column of its own (username, anchor, active or groups): "
                              "it cannot be mapped")
    for rule in rules:
        for attribute in rule.attributes:
            if attribute.lower() in taken:
                raise ConfigError(f"rule {rule.name}: {attribute} is a column of its own: rules cannot grant it")
    _check_group_names(rules, separator if file_format == "csv" else None)
    wants_groups = any(rule.groups for rule in rules)
    managed = _managed_columns(username["attribute"], anchor["attribute"], list(attributes),
                               list(ruleslib.managed_attributes(rules).values()), active,
                               groups_column if wants_groups else None)
    columns = _ordered(options.get("columns"), managed)
    layout = exportlib.Layout(columns, username["attribute"], anchor["attribute"], active,
                              groups_column if wants_groups else None, file_format,
                              csv_options.get("delimiter") or ",", csv_options.get("quoting") or "minimal",
                              csv_options.get("quotechar") or '"', separator, name=options["path"])
    for extra in options.get("more_anchors") or []:
        if extra["attribute"].lower() not in set(c.lower() for c in columns):
            raise ConfigError(f"more_anchors: {extra['attribute']} is not a column of the export")
    life = options["lifecycle"]
    validate_thresholds(options.get("thresholds"))
    config = TargetConfig(
        accounts_dn=exportlib.ACCOUNTS_DN,
        attributes=attributes,
        username_attribute=username["attribute"],
        username_policy=username_policy(username, USERNAME_MAX_LENGTH),
        anchors=[(anchor["person"], anchor["attribute"])] + [(a["person"], a["attribute"])
                                                             for a in options.get("more_anchors") or []],
        object_classes=(),
        create_only=options.get("create_only") or (),
        dn_attributes=(),
        unique_attributes=username.get("unique_attributes") or [username["attribute"]],
        disable_strategy=("lock",),
        switch=ActiveFlag(active),
        policy=lifecycle_policy(life),
        suspend_revokes_groups=suspend_options(life)["revoke_groups"],
        delete_accounts=life["delete_accounts"],
        vanished=life["vanished"],
        exclude=compile_expression(life["exclude"], "lifecycle.exclude") if life.get("exclude") else None,
        rename_usernames=username.get("rename", False),
        rules=rules,
        # A file's group is a name in each row's groups cell: it exists as soon as a rule names it,
        # may be empty, and a renamed row keeps its groups (members follow renames).
        placeholder_member=None,
        create_missing_groups=True,
        revoke_on_disable=groups.get("revoke_on_disable", True),
        member_attribute=groups_column,
        groups_base=exportlib.GROUPS_BASE,
        members_follow_renames=True,
    )
    return layout, config


def _check_group_names(rules, separator):
    """A file's group is a name in a cell: not a DN (it would never be read back as one), and
    not holding the CSV separator (the cell would read back as two groups)."""
    base = dnlib.normalise(exportlib.GROUPS_BASE)
    for rule in rules:
        for dn in rule.groups:
            name = dnlib.rdn_value(dn)
            if dnlib.normalise(dnlib.parent(dn)) != base:
                raise ConfigError(f"rule {rule.name}: group {dn!r} is a DN; a file target's groups are names")
            if separator and separator in name:
                raise ConfigError(f"rule {rule.name}: group {name!r} holds the group separator {separator!r}")


def _managed_columns(username, anchor, mapped, granted, active, groups) -> List[str]:
    columns = [username, anchor] + mapped + [a for a in granted if a.lower() not in set(m.lower() for m in mapped)]
    columns.append(active)
    if groups:
        columns.append(groups)
    return columns


def _ordered(explicit, managed):
    """``columns`` when given (every managed column must be in it; others are written empty for
    new rows), else the managed columns: username, anchor, the mapping's order, active, groups."""
    if not explicit:
        return managed
    names = [str(c) for c in explicit]
    lowered = set(c.lower() for c in names)
    missing = [c for c in managed if c.lower() not in lowered]
    if missing:
        raise ConfigError(f"columns must name every column the export manages; missing: {', '.join(missing)}")
    return names
