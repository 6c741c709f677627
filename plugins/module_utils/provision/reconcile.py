# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One reconcile run against any target: plan, check thresholds, apply, report (for internal use).

The target is a ``target_port.Target``: every ``<target>_accounts`` plugin shares this sequence
(read, plan with the directory's answers between passes, thresholds, pre-flight, apply, alerts),
and check mode is the same code with the writes left out.
"""

from __future__ import annotations

import collections
import copy
import datetime
from typing import Callable, Dict, List, Optional, Tuple

from ansible_collections.jml.provisioning.plugins.module_utils.notify import alerts as alertslib
from ansible_collections.jml.provisioning.plugins.module_utils.provision import approval as approvallib
from ansible_collections.jml.provisioning.plugins.module_utils.provision import dn as dnlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision import ledger as ledgerlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision import plan as planlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision import rules as ruleslib
from ansible_collections.jml.provisioning.plugins.module_utils.provision import subset as subsetlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision.port import Target

NO_ALERTS = {"sent": 0, "failed": [], "undeliverable": []}


def diff_item(op: planlib.Operation) -> Tuple[str, Optional[dict], Optional[dict]]:
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
    if op.children:
        before = dict(before or {}, children=op.children)
    return (f"{op.action} {op.dn}", before, after)


def notify(notifier: Optional[Callable[[list], dict]], events: list) -> dict:
    """Hand the run's events to ``notifier``; a failing notifier never fails the run (it is reported)."""
    if notifier is None or not events:
        return dict(NO_ALERTS, failed=[], undeliverable=[])
    try:
        outcome = notifier(events)
    except Exception as exc:  # the writes are done: a mail problem must not hide their result
        return dict(NO_ALERTS, failed=[{"to": None, "error": f"alerts: {type(exc).__name__}: {exc}"}],
                    undeliverable=[])
    return dict(NO_ALERTS, **outcome)


def with_group_dns(config: planlib.TargetConfig, target: Target) -> planlib.TargetConfig:
    """``config`` with every group the rules name by a looked-up name (AD: sAMAccountName) given
    its DN: one ``find_groups`` call for all the names, before planning (which does no I/O)."""
    names = ruleslib.group_names(config.rules)
    if not names:
        return config
    resolved = copy.copy(config)  # the caller's compiled config stays as it was
    resolved.rules = ruleslib.resolve_names(config.rules, target.find_groups(names), config.groups_base,
                                            config.group_name_attribute, config.group_lookup)
    return resolved


MAX_PLACEMENT_PASSES = 3


def _plan_with_directory_answers(persons, accounts, config, target, today, groups, only=None):
    """Plan, then ask the target what only the directory knows about the plan's joiners, and plan
    again with the answers; the planner stays pure (one bulk look-up between passes):

    - accounts outside the managed scope that already carry a joiner's anchor (made before the
      collection, moved away by hand): adopted or a conflict, never a second account;
    - DNs the plan creates or renames to that an object it does not manage already holds (a
      contact, a group): the joiner gets the next free name instead of a failing add.
    """
    held, asked, outside = set(), set(), []
    names = []  # the directory's taken names, read at most once, only when a login needs them

    def plan_with(**answers):
        plan = planlib.build(persons, accounts, config, today, groups=groups,
                             taken_names=names[0] if names else planlib.NAMES_UNKNOWN, only=only, **answers)
        if plan.names_needed:
            names.append(target.taken_names())
            plan = planlib.build(persons, accounts, config, today, taken_names=names[0], groups=groups, only=only,
                                 **answers)
        return plan
    plan = plan_with()
    values = planlib.joiner_anchors(plan, persons, config)
    outside = target.anchored_outside(values) if values else []
    if outside:
        plan = plan_with(outside=outside)
    for dummy in range(MAX_PLACEMENT_PASSES):
        wanted = planlib.new_dns(plan) - asked
        if not wanted:
            break
        asked |= wanted
        found = set(target.held_dns(wanted)) - held
        if not found:
            break
        held |= found
        plan = plan_with(held_dns=held, outside=outside)
    return plan


def _with_containers(plan, target, config):
    """With ``create_containers``, the containers the plan needs and the directory lacks (and
    their missing parents) are created first, as operations of the plan (check mode shows them)."""
    if not config.create_containers:
        return
    frontier = set(target.missing_containers(set(planlib.needed_containers(plan).values())))
    missing = set()
    while frontier:
        missing |= frontier
        parents = set(dnlib.parent(dn) for dn in frontier if dnlib.parent(dn)) - missing
        frontier = set(target.missing_containers(parents)) if parents else set()
    plan.operations[:0] = planlib.container_operations(missing)


def _preflight(plan, target, config):
    """``{id(op): reason}`` for every operation a real run would see fail: the engine's own checks
    (the flavour's value limits) and the target's read-only ones (missing containers, DNs held
    by an object the run does not manage). The same in check mode and in a real run."""
    blocked = planlib.limit_violations(plan.operations, config)
    for op, reason in target.preflight([op for op in plan.operations if id(op) not in blocked]):
        blocked.setdefault(id(op), reason)
    return blocked


def _split(operations, blocked, dn_attributes=()):
    """``(operations to apply, their failures)``: a blocked operation fails with its reason, the
    later operations of the same account are skipped, and a write that links to an entry a
    failing create or rename would have made (a report's ``manager``) fails too - as the
    directory would refuse it (AD checks the link). The operations are in apply order, managers
    created before their reports, so one pass sees every cause before its consequences."""
    runnable, failures, broken, missing = [], [], set(), set()
    for op in operations:
        reason = blocked.get(id(op))
        if reason is None and op.person is not None and op.person in broken:
            reason = "skipped: an earlier operation on this account would fail"
        if reason is None and missing:
            reason = _missing_link(op, missing, dn_attributes)
        if reason is None:
            runnable.append(op)
            continue
        failures.append({"person": op.person, "action": op.action, "dn": op.dn, "error": reason})
        if op.person is not None:
            broken.add(op.person)
        if op.placed_dn:
            missing.add(dnlib.normalise(op.placed_dn))
    if broken:  # a group's batch is written as one request: without the accounts that fail
        batches = dict((id(op.batch), op.batch) for op in runnable if op.batch is not None)
        for batch in batches.values():
            batch.operations[:] = [o for o in batch.operations if o.person not in broken]
    return runnable, failures


def _missing_link(op, missing, dn_attributes):
    for attribute, values in op.modifications.items():
        if attribute.lower() in dn_attributes:
            for value in values:
                if isinstance(value, str) and dnlib.normalise(value) in missing:
                    return f"{attribute} {value} would not exist: its own write fails"
    return None


def _anchor_name(config):
    return "anchor (%s)" % config.anchors[0][1] if config.anchors else "anchor"


class Cycle(object):
    """An incremental cycle's inputs (``incremental_inputs``): the persons it places, the accounts
    and groups it read, the ids it judges, and what it merges back into a full result."""

    def __init__(self, persons, accounts, groups, judged, found, changes, config):
        self.persons, self.accounts, self.groups, self.judged = persons, accounts, groups, judged
        self.found, self.changes, self.config = found, changes, config


def incremental_inputs(persons, config, target, today, previous) -> Optional[Cycle]:
    """Ask the target what changed since the base's mark and read only what the dirty ids need:
    their accounts (by anchor value), the changed groups (the others are the base's). None when
    the target cannot say: then the run is a full reconcile."""
    changes = target.changes_since(previous["mark"])
    if changes is None:
        return None
    config = with_group_dns(config, target)
    groups = None
    reread = {}
    if config.rules:
        managed = ruleslib.managed_groups(config.rules)
        recorded = previous.get("groups") or {}
        stale = set(subsetlib.changed_groups(previous, changes["group_stamps"], subsetlib.touched_dns(previous, changes)))
        stale |= set(k for k in managed if k not in recorded)
        reread = target.read_groups(dict((k, managed[k]) for k in managed if k in stale)) if stale else {}
        groups = dict((k, reread[k] if k in reread else recorded[k]) for k in managed)
    attribute = config.anchors[0][1]
    found = subsetlib.dirty(previous, persons, today.isoformat(), changes, reread, config.anchors[0])
    placed = subsetlib.persons_of(persons, found)
    accounts = dict((a.dn.lower(), a) for a in target.accounts_with(attribute, found.values)) if found.values else {}
    for account in changes["changed"]:
        accounts.setdefault(account.dn.lower(), account)
    accounts = list(accounts.values())
    return Cycle(placed, accounts, groups, subsetlib.named(found, placed, accounts, attribute), found, changes, config)


def only_report(only: Optional[List[str]], plan: planlib.Plan) -> Optional[dict]:
    """The result's ``only``: None for a run over everyone; else the named ids, how many, and the
    links left unset because the account they would name is not made by this run.

    Percentage thresholds keep the whole target's managed accounts as their base: the subset's
    own size would make the default ``disable: 10%`` refuse to disable one named leaver (10% of
    1 is 0), while a run limited to named persons cannot reach beyond them; the counts they are
    compared with are the subset's."""
    if only is None:
        return None
    return {"persons": list(only), "count": len(only), "unset_links": list(plan.unset_links)}


def _cycle_report(cycle, accounts, groups, plan, digests=None):
    """Which reconcile this was, for the shell: ``full``, or ``incremental`` with what it read;
    with the base for the next cycles a full one leaves (the shell stores it)."""
    if cycle is None:
        return {"kind": "full", "accounts": accounts, "groups": groups, "plan": plan, "digests": digests}
    return {"kind": "incremental", "planned": len(cycle.judged), "read": len(accounts), "judged": cycle.judged}


UNREPORTED = "the target reported no outcome for this operation"


def mark_outcomes(runnable, applied, apply_failed, blocked_ops=(), blocked=()):
    """Set each operation's ``outcome`` (``applied`` or ``failed``, with its ``error``) after a
    real run's writes, for the audit trail: ``applied`` are the operations the target confirmed,
    ``apply_failed`` its failures ({person, action, dn, error}: matched to the operations in order,
    so two grants of one account to two groups each get their own), ``blocked_ops`` the operations
    the pre-flight kept back, with their failures ``blocked`` (in the same order). An operation the
    target reported neither way is ``unknown``: it may or may not have been applied."""
    for op, failure in zip(blocked_ops, blocked):
        op.outcome, op.error = "failed", str(failure.get("error"))
    done = set(id(op) for op in applied)
    waiting = collections.defaultdict(collections.deque)
    for failure in apply_failed:
        waiting[(failure.get("person"), failure.get("action"), failure.get("dn"))].append(failure)
    for op in runnable:
        if id(op) in done:
            op.outcome, op.error = "applied", None
            continue
        queue = waiting.get((op.person, op.action, op.dn))
        if queue:
            op.outcome, op.error = "failed", str(queue.popleft().get("error"))
        else:
            op.outcome, op.error = "unknown", UNREPORTED


def _held_after(plan, done, config):
    """``(held, gone)``: person id -> {unique attribute: values} of the accounts after the writes
    ``done`` (the correlated and vanished accounts as read, with the creates and renames applied),
    and of the accounts ``done`` deleted."""
    attributes = config.unique_attributes
    held, gone = {}, {}
    for pid, account in plan.correlation.matched.items():
        held[pid] = dict((a, account.values(a)) for a in attributes)
    anchor = config.anchors[0][1] if config.anchors else None
    for account in plan.correlation.vanished:
        pid = account.first(anchor) if anchor else None
        if pid and pid not in held:
            held[pid] = dict((a, account.values(a)) for a in attributes)
    wanted = dict((a.lower(), a) for a in attributes)
    for op in done:
        if op.person is None or op.batch is not None:
            continue
        if op.action == "delete":
            if op.person in held:
                gone[op.person] = held.pop(op.person)
            continue
        rdn = dnlib.first_rdn(op.new_dn).partition("=")[0].lower() if op.new_dn else None
        if rdn in wanted:  # a rename: the login is the RDN
            held.setdefault(op.person, {})[wanted[rdn]] = [dnlib.rdn_value(op.new_dn)]
        elif op.action in ("create", "update"):
            values = held.setdefault(op.person, {})
            for attribute, new in op.modifications.items():
                if attribute.lower() in wanted:
                    values[wanted[attribute.lower()]] = list(new)
    return held, gone


def run(persons: Dict[str, dict], config: planlib.TargetConfig, target: Target, today: datetime.date,
        check_mode: bool = False, thresholds: Optional[dict] = None, override_thresholds: bool = False,
        max_actions: int = 1000, notifier: Optional[Callable[[list], dict]] = None,
        progress: Optional[Callable[..., None]] = None, approved: Optional[approvallib.Approval] = None,
        fingerprint: bool = False, only: Optional[List[str]] = None, ledger: Optional[dict] = None,
        quarantine: Optional[dict] = None, incremental: Optional[dict] = None,
        cycle_out: Optional[dict] = None,
        before_writes: Optional[Callable[[list], None]] = None) -> Tuple[dict, List[planlib.Operation]]:
    """Reconcile ``target`` with ``persons``; returns ``(result, operations)``.

    ``result`` has the contract's stable keys (``actions`` cut to ``max_actions``); ``operations``
    is the whole ordered plan (for ``--diff`` and the plan file). Nothing raises for an outcome:
    a threshold stop is ``result["stopped"]`` (with ``failed: true`` and a ``msg``; nothing has
    been written then), failed operations are ``result["failures"]``.

    Check mode and a real run take the same path up to the writes: the same plan and the same
    pre-flight, so the failures check mode predicts (``predicted: true``) are the ones the real
    run reports (it does not attempt them).

    ``notifier(events) -> {sent, failed, undeliverable}`` (see ``alerts.events_from_run``) is
    called only in a real run, after the writes (or after a threshold stop, with the threshold
    event); its outcome is the result's ``alerts``. Nothing is ever sent in check mode.

    In a real run that was not stopped, every operation leaves with its ``outcome`` set
    (``mark_outcomes``): what the audit trail records. Check mode and a stopped run leave it None.

    ``progress(phase, **counts)`` is told where the run is, once per phase: ``read`` (accounts),
    ``planned`` (summary, failures), ``applying`` (operations), ``applied`` (applied, failed), so a
    long run is not silent; the shell words and times it. ``before_writes(runnable)`` is called
    once, after the last check and before the first write (a real run that writes): the audit
    trail's journal of pending entries; what it raises stops the run with nothing written.

    ``fingerprint``: the result's ``approval`` gets the plan's digest and the directory's
    fingerprint (``approval.seal`` makes them an approvable plan). ``approved``: apply only when
    this run's directory and plan are those of the approved plan - otherwise nothing is written
    (``stopped.reason: approval``); when they are, its thresholds are waived (the approval is the
    consent). The shell has checked the vault, the configuration and the signature before.

    ``only``: person ids (a leaver who left the vault: their account's anchor value) to limit the
    run to; None or empty: everyone. The plan is the full plan's, cut to the named persons'
    operations (see ``plan.build``); an id that names nobody raises ``ValueError`` before any
    write, in check mode too. Percentage thresholds keep the accounts of the whole target as their
    base (see ``only_report``); the result's ``only`` says the run was limited.

    ``ledger``: this target's section of the identifier ledger (``ledger.py``), or None: its
    reserved identifiers count as taken for everyone but their owner, and a rehire gets their own
    login back; after the writes (in check mode: as they would be) it is updated in place with
    what each person holds, for the shell to store (never in check mode). ``quarantine``:
    ``ledger.quarantine_policy``.
    """
    tell = progress or (lambda phase, **counts: None)
    if not isinstance(target, Target):
        raise TypeError(f"reconcile.run needs a target_port.Target, got {type(target).__name__}")
    cycle = incremental_inputs(persons, config, target, today, incremental) if incremental is not None else None
    if cycle is not None:  # only what changed (subset.py); everyone else is the base's
        persons, accounts, groups, config, only = cycle.persons, cycle.accounts, cycle.groups, cycle.config, cycle.judged
        tell("read", accounts=len(accounts))
    else:
        accounts = target.read_accounts()
        tell("read", accounts=len(accounts))
        config = with_group_dns(config, target)
        groups = target.read_groups(ruleslib.managed_groups(config.rules)) if config.rules else None
    policy = quarantine if quarantine is not None else ledgerlib.quarantine_policy(None)
    if ledger is not None:
        config = copy.copy(config)
        config.reservations = ledgerlib.reservations(ledger, today, policy, config.username_attribute)
    sealed = {}
    digests = None
    if fingerprint or approved is not None:
        digests = approvallib.account_digests(accounts)
        if cycle is not None:  # the base's, with the accounts this cycle touched or read replaced
            kept = dict((k, v) for k, v in (incremental.get("digests") or {}).items() if k not in cycle.found.touched)
            digests = dict(kept, **digests)
        sealed["fingerprints"] = {"directory": approvallib.fingerprint_of(digests, groups)}
    # "10023, 10031" (a survey's text answer) is a list to Ansible, with the blanks kept.
    only = sorted(set(str(pid).strip() for pid in only or ()) - {""}) or None
    if cycle is not None:
        only = cycle.judged
    plan = _plan_with_directory_answers(persons, accounts, config, target, today, groups, only)
    merged = None
    if cycle is not None:
        merged = subsetlib.merge(incremental, plan, cycle.found, accounts, cycle.judged, config.anchors[0][1])
        plan.managed, plan.unchanged = merged["managed"], merged["unchanged"]
    if only is not None and plan.only_unknown:
        raise ValueError("only names %s, which is neither a person in the vault nor the %s of an account "
                         "whose person left it" % (", ".join(plan.only_unknown), _anchor_name(config)))
    _with_containers(plan, target, config)
    threshold_report = planlib.evaluate_thresholds(plan, thresholds)
    exceeded = [a for a, t in threshold_report.items() if t["exceeded"]]
    operations = plan.operations
    changed_inputs = []
    if sealed:
        sealed["digest"] = approvallib.plan_digest(operations)
        if approved is not None:
            changed_inputs = approvallib.changed_inputs(approved, sealed["fingerprints"])
            if not changed_inputs and sealed["digest"] != approved.digest:
                changed_inputs = ["plan"]
            sealed["approved"] = not changed_inputs
            override_thresholds = override_thresholds or not changed_inputs
    runnable, blocked = _split(operations, _preflight(plan, target, config), config.dn_attributes)
    failures = list(plan.problems) + blocked
    stopped = bool(changed_inputs) or bool(exceeded and not override_thresholds)
    tell("planned", summary=plan.counts(), failures=len(failures), stopped=stopped, check_mode=check_mode,
         refused=bool(changed_inputs))
    applied = []
    if not check_mode and not stopped:
        apply_failed = []
        if runnable:
            tell("applying", operations=len(runnable))
            if before_writes is not None:
                before_writes(runnable)
            applied, apply_failed = target.apply(runnable)
            failures.extend(apply_failed)
            tell("applied", applied=len(applied), failed=len(apply_failed), operations=len(runnable))
        kept = set(id(op) for op in runnable)
        mark_outcomes(runnable, applied, apply_failed, [op for op in operations if id(op) not in kept], blocked)
    if check_mode:
        failures = [dict(f, predicted=True) for f in failures]
    ledger_report = None
    if ledger is not None:
        done = applied if not check_mode else ([] if stopped else runnable)
        held, gone = _held_after(plan, done, config)
        keep = set(plan.correlation.conflicted_persons)
        if cycle is not None:  # persons a cycle does not judge hold what the ledger says they hold
            judged = set(cycle.judged)
            keep.update(entry["person"] for entry in (ledger.get("identifiers") or {}).values()
                        if entry.get("person") not in judged)
        change = ledgerlib.update(ledger, held, keep, today, gone)
        ledger_report = ledgerlib.counts(ledger, change, today, policy)
    summary = plan.counts()
    summary["failed"] = len(failures)
    result = {
        # check mode: what a run would change; a real run: whether anything was written.
        "changed": bool(runnable) if check_mode else bool(applied),
        "summary": summary,
        "actions": [op.as_dict() for op in operations[:max_actions]],
        "actions_truncated": max(len(operations) - max_actions, 0),
        "correlation": dict(plan.correlation.report(), suspended=sorted(plan.suspended)),
        "rules": plan.rules,
        "thresholds": threshold_report,
        "failures": failures,
        "failed": bool(failures),
        "applied": len(applied),  # operations the directory confirmed (0 in check mode)
        "reference_date": today.isoformat(),
        "alerts": dict(NO_ALERTS, failed=[], undeliverable=[]),
        "only": only_report(only, plan) if cycle is None else None,
    }
    if merged is not None:
        result["correlation"] = merged["correlation"]
    if cycle_out is not None:
        cycle_out.update(_cycle_report(cycle, accounts, groups, plan, digests))
    if sealed:
        result["approval"] = sealed
    if ledger_report is not None:
        result["ledger"] = ledger_report
    if changed_inputs:
        result.update(changed=False, failed=True, stopped={"reason": "approval", "changed": changed_inputs},
                      msg=approvallib.refusal(changed_inputs) + "; nothing was written")
    elif stopped:
        text = ", ".join("%s %d > %d" % (a, threshold_report[a]["count"], threshold_report[a]["limit"])
                         for a in exceeded)
        result.update(changed=False, failed=True, stopped={"reason": "threshold", "exceeded": exceeded},
                      msg=f"threshold exceeded ({text}); nothing was written. Set allow_threshold_override to proceed.")
    if not check_mode:
        result["alerts"] = notify(notifier, alertslib.events_from_run(
            applied, failures, threshold_report if stopped and not changed_inputs else None))
    return result, operations
