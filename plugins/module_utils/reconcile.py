# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One reconcile run against any target: plan, check thresholds, apply, report (for internal use).

The target is passed in as an object with ``read_accounts()``, ``taken_names()``,
``read_groups(groups)`` (only called when rules name groups), ``find_groups(names)`` (only
called when rules name groups by a looked-up name, ``groups.lookup``) and ``apply(operations) ->
(done, failed)``, so every ``<target>_accounts`` plugin shares this sequence, and check mode is
the same code with the last step left out.
"""

from __future__ import annotations

import copy

from ansible_collections.jml.provisioning.plugins.module_utils import alerts as alertslib
from ansible_collections.jml.provisioning.plugins.module_utils import plan as planlib
from ansible_collections.jml.provisioning.plugins.module_utils import rules as ruleslib

NO_ALERTS = {"sent": 0, "failed": [], "undeliverable": []}


class ThresholdExceeded(Exception):
    """A limit was exceeded: nothing was written. Carries the full result and plan for the report."""

    def __init__(self, result, operations):
        Exception.__init__(self, "thresholds exceeded")
        self.result = result
        self.operations = operations


def diff_item(op):
    """``(name, before, after)`` of one operation, for ``--diff``: only the changed attributes."""
    before = dict((a, c[0]) for a, c in op.changes.items())
    after = dict((a, c[1]) for a, c in op.changes.items())
    if op.action == "create":
        before = None
    elif op.action == "delete":
        after = None
    if op.new_dn:
        before = dict(before or {}, dn=op.dn)
        after = dict(after or {}, dn=op.new_dn)
    return ("%s %s" % (op.action, op.dn), before, after)


def notify(notifier, events):
    """Hand the run's events to ``notifier``; a failing notifier never fails the run (it is reported)."""
    if notifier is None or not events:
        return dict(NO_ALERTS, failed=[], undeliverable=[])
    try:
        outcome = notifier(events)
    except Exception as exc:  # the writes are done: a mail problem must not hide their result
        return dict(NO_ALERTS, failed=[{"to": None, "error": "alerts: %s: %s" % (type(exc).__name__, exc)}],
                    undeliverable=[])
    return dict(NO_ALERTS, **outcome)


def with_group_dns(config, target):
    """``config`` with every group the rules name by a looked-up name (AD: sAMAccountName) given
    its DN: one ``find_groups`` call for all the names, before planning (which does no I/O)."""
    names = ruleslib.group_names(config.rules)
    if not names:
        return config
    resolved = copy.copy(config)  # the caller's compiled config stays as it was
    resolved.rules = ruleslib.resolve_names(config.rules, target.find_groups(names), config.groups_base,
                                            config.group_name_attribute, config.group_lookup)
    return resolved


def run(persons, config, target, today, check_mode=False, thresholds=None, override_thresholds=False,
        max_actions=1000, notifier=None):
    """Reconcile ``target`` with ``persons``; returns ``(result, operations)``.

    ``result`` has the contract's stable keys (``actions`` cut to ``max_actions``); ``operations``
    is the whole ordered plan (for ``--diff`` and the plan file). Raises ``ThresholdExceeded`` (carrying the full result) when a limit
    is exceeded and not overridden: nothing has been written then.

    ``notifier(events) -> {sent, failed, undeliverable}`` (see ``alerts.events_from_run``) is
    called only in a real run, after the writes (or after a threshold stop, with the threshold
    event); its outcome is the result's ``alerts``. Nothing is ever sent in check mode.
    """
    accounts = target.read_accounts()
    config = with_group_dns(config, target)
    groups = target.read_groups(ruleslib.managed_groups(config.rules)) if config.rules else None
    plan = planlib.build(persons, accounts, config, today, taken_names=target.taken_names, groups=groups)
    threshold_report = planlib.evaluate_thresholds(plan, thresholds)
    exceeded = [a for a, t in threshold_report.items() if t["exceeded"]]
    failed = list(plan.problems)
    operations = plan.operations
    stopped = bool(exceeded and not override_thresholds)
    applied = []
    if not check_mode and not stopped and operations:
        applied, apply_failed = target.apply(operations)
        failed.extend(apply_failed)
    summary = plan.counts()
    summary["failed"] = len(failed)
    result = {
        "changed": bool(operations),
        "summary": summary,
        "actions": [op.as_dict() for op in operations[:max_actions]],
        "actions_truncated": max(len(operations) - max_actions, 0),
        "correlation": plan.correlation.report(),
        "rules": plan.rules,
        "thresholds": threshold_report,
        "failed": failed,
        "reference_date": today.isoformat(),
        "alerts": dict(NO_ALERTS, failed=[], undeliverable=[]),
    }
    if not check_mode:
        result["alerts"] = notify(notifier, alertslib.events_from_run(
            applied, failed, threshold_report if stopped else None))
    if stopped:
        result["changed"] = False
        raise ThresholdExceeded(result, operations)
    return result, operations
