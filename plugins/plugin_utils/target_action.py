# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The action shell every target module shares (for internal use).

A target's action plugin (``ldap_accounts``; ``scim_accounts`` and ``file_accounts`` next)
subclasses ``TargetAction`` and says only what is its own: its argument spec, how its options
become a ``TargetConfig``, which lock it takes, how it opens and closes its target. Everything
else is here, once: validation, rules, the vault (or this run's check-mode collect), alerts, the
target lock, ``reconcile.run``, the result, the plan file, the diff and the warnings.

It runs on the controller rather than as a remote module because the vault is decrypted with
the play's vault secrets, which only the controller holds, and because shipping 100k persons as
module arguments would cost more than the reconcile itself.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import time
import uuid

import yaml

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.jml.provisioning.plugins.module_utils.audit import trail
from ansible_collections.jml.provisioning.plugins.module_utils.collect import vault_doc
from ansible_collections.jml.provisioning.plugins.module_utils.notify import alerts as alertslib
from ansible_collections.jml.provisioning.plugins.module_utils import limits
from ansible_collections.jml.provisioning.plugins.module_utils.provision import approval as approvallib
from ansible_collections.jml.provisioning.plugins.module_utils.provision import decisions as decisionslib
from ansible_collections.jml.provisioning.plugins.module_utils.provision import incremental
from ansible_collections.jml.provisioning.plugins.module_utils.provision import ledger as ledgerlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision import reconcile
from ansible_collections.jml.provisioning.plugins.module_utils.provision import subset as subsetlib
from ansible_collections.jml.provisioning.plugins.module_utils.notify import smtp
from ansible_collections.jml.provisioning.plugins.module_utils.provision.config import ConfigError, reference_date
from ansible_collections.jml.provisioning.plugins.plugin_utils import (
    audit_log, ledger_file, pending_vault, run_lock, state_file, vault_file,
)
from ansible_collections.jml.provisioning.plugins.plugin_utils.bulk import paused_gc
from ansible_collections.jml.provisioning.plugins.plugin_utils.decisions_file import load_decisions
from ansible_collections.jml.provisioning.plugins.plugin_utils.plan_file import write_plan
from ansible_collections.jml.provisioning.plugins.plugin_utils.results import (
    bounded_diffs, bounded_outcome, result_size_warning, runner_result_limit, vault_secrets, write_private_file,
)
from ansible_collections.jml.provisioning.plugins.plugin_utils.yaml_loader import SAFE_LOADER


display = Display()


def progress_line(name, host, phase, counts, seconds):
    """One line of a run's progress at default verbosity (``reconcile.run``'s phases), or None."""
    where = f"{name} [{host}]" if host else name
    if phase == "read":
        text = "read %s accounts" % format(counts["accounts"], ",")
    elif phase == "planned":
        planned = ", ".join("%s %s" % (k, format(v, ",")) for k, v in counts["summary"].items() if v and k != "failed")
        text = "planned %s" % (planned or "nothing to do")
        if counts["failures"]:
            text += "; %s operation(s) would fail" % format(counts["failures"], ",")
        if counts.get("refused"):
            text += "; the approved plan does not match, nothing is written"
        elif counts["stopped"]:
            text += "; stopped by a threshold, nothing is written"
        elif counts["check_mode"]:
            text += " (check mode: nothing is written)"
    elif phase == "unchanged":
        text = "nothing changed since the last run (incremental): nothing read or planned"
    elif phase == "applying":
        text = "applying %s operation(s)" % format(counts["operations"], ",")
    elif phase == "applied":
        done, total, failed = (format(counts[k], ",") for k in ("applied", "operations", "failed"))
        text = f"applied {done} of {total}, {failed} failed"
    else:
        return None
    return f"{where}: {text} ({seconds:.1f} s)"


def load_rules(path):
    """Rules from a YAML file: a list of rules, or a mapping with a ``rules`` list."""
    if not path:
        return []
    try:
        with open(path, encoding="utf-8") as handle:
            document = yaml.load(handle, Loader=SAFE_LOADER)  # nosec B506 - a safe loader
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"rules_file {path} cannot be read: {exc}")
    rules = document.get("rules") if isinstance(document, dict) else document
    if not isinstance(rules, list):
        raise ConfigError(f"rules_file {path} must hold a list of rules (or a mapping with a 'rules' list)")
    return rules


def audit_folder(options) -> str:
    """The audit trail's folder: ``audit.dir``, or ``audit/`` beside the vault (where the run's
    state - the lock, the history - lives anyway)."""
    return options["audit"].get("dir") or os.path.join(os.path.dirname(os.path.abspath(options["vault"])), "audit")


def vault_stamp(path) -> str:
    """The vault file's identity: the collect replaces it atomically when it changes (a new inode
    and time), and leaves it untouched when nothing did; None when it does not exist."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return "%d:%d:%d:%d" % (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def without_userinfo(server: str) -> str:
    """A URL as the audit trail names it: never with credentials (``https://user:pw@host``)."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@", r"\1", str(server or ""))


class TargetAction(ActionBase):
    """The shared run of a target module; subclasses fill in the class attributes and hooks."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _task_vars = None
    _run_id = None
    _audit = None
    _audit_warning = None
    _recovered = 0
    _state_warning = None

    NAME = ""               # the module's short name, the prefix of every message
    SPEC: dict = {}         # its argument spec (module_utils/options.py)
    TARGET_ERRORS = ()      # the adapter's own error types: "nothing was written" before the writes
    LOST = None             # the prefix of a failure whose write may or may not have been applied

    # ---- hooks -------------------------------------------------------------------------
    def check_requirements(self):
        """Raise AnsibleActionFail when a library the target needs is missing."""

    def build_config(self, options):
        raise NotImplementedError

    def server(self, options) -> str:
        """The target as messages and the lock name it (a URI, a URL, a path)."""
        raise NotImplementedError

    def scope(self, options) -> str:
        """The managed scope within ``server`` (the lock is per server and scope)."""
        return ""

    def open_target(self, options, config):
        """``(target, close)``: a connected ``port.Target`` and the call that releases it."""
        raise NotImplementedError

    def connection_warnings(self, options) -> list:
        """Warnings about how the target is reached (LDAP: a password sent in clear text)."""
        return []

    def report(self, target) -> dict:
        """Result keys of the target's own, after the run (SCIM: the requests it sent)."""
        return {}

    # ---- the shared run ------------------------------------------------------------------
    def run(self, tmp=None, task_vars=None):
        result = super(TargetAction, self).run(tmp, task_vars)
        del tmp
        self._task_vars, self._state_warning = task_vars, None
        self.check_requirements()
        dummy, options = self.validate_argument_spec(argument_spec=self.SPEC)
        try:
            options["loaded_rules"] = load_rules(options["rules_file"])
            config = self.build_config(options)
            config.decisions = load_decisions(options["decisions_file"])
            options["_quarantine"] = ledgerlib.quarantine_policy(options["ledger"]["quarantine_days"])
            approved = self._approved_plan(options)
            today = reference_date(approved.reference_date if approved else options["reference_date"],
                                   datetime.date.today())
            options["_approved"], options["_sealing"] = approved, None
            options["_incremental"] = self._incremental_start(options, config, today, task_vars)
        except self.INPUT_ERRORS as exc:
            raise AnsibleActionFail(f"{self.NAME}: {exc}; nothing was written")
        inputs = None
        if not (options["_incremental"] and options["_incremental"]["decision"].skip):
            inputs = self._vault_inputs(options, today, task_vars)  # else read only if the target changed

        server, scope = self.server(options), self.scope(options)
        # One id per real run: in the result, in every audit entry, in the impact report. None in
        # check mode (nothing is recorded, and the same plan must give the same evaluation report).
        self._run_id = None if self._task.check_mode else str(uuid.uuid4())
        self._audit, self._audit_warning, self._recovered = None, None, 0
        if options["audit"]["enabled"]:
            self._audit = audit_log.AuditLog(audit_folder(options), options["audit"]["retention_days"])
        lock = run_lock.target_lock_path(options["lock_dir"] or os.path.dirname(os.path.abspath(options["vault"])),
                                         server, scope)
        try:
            with run_lock.held(lock, f"{self.NAME} on {server} {scope}".rstrip(), options["lock_timeout"]) as stale:
                # One bulk step: a full pass of the collector over the vault, the accounts and the
                # plan took 1.5-3 s of a 100k first provisioning (between planning and writing).
                with paused_gc():
                    result = self._reconcile(result, options, config, inputs, today)
        except run_lock.LockError as exc:
            raise AnsibleActionFail(f"{self.NAME}: {exc}")
        warnings = self.connection_warnings(options)
        if warnings:
            result["warnings"] = result.get("warnings", []) + warnings
        if stale:
            result["warnings"] = result.get("warnings", []) + [
                "%s: an earlier run on this target was killed before it finished (%s); its lock was "
                "taken over (the plan was made from the target as that run left it)" % (self.NAME, run_lock.describe(stale))]
        return result

    INPUT_ERRORS = (ConfigError, decisionslib.DecisionError, vault_file.VaultFileError, alertslib.AlertConfigError,
                    approvallib.ApprovalError, ledgerlib.LedgerError, incremental.StateError)

    def _vault_inputs(self, options, today, task_vars):
        """``(vault, handed_off, notifier)``: the vault (in check mode: what this run's check-mode
        collect would have written, site.yml --check), the alerts' notifier, the sealing
        fingerprints in ``options["_sealing"]``; an approved plan's inputs are checked here."""
        try:
            vault, handed_off = pending_vault.read(options["vault"], vault_secrets(self._loader), task_vars,
                                                   self._task.check_mode, options["encrypt"])
            vault_doc.share_strings(vault["persons"].values())  # held until the run ends: repeated texts once
            notifier = self._notifier(options["alerts"], vault["persons"], today, (task_vars or {}).get("inventory_hostname"))
            approved = options["_approved"]
            sealing = self._inputs_fingerprints(options, vault["persons"]) if approved or options["plan_file"] else None
            if approved:
                changed = approvallib.changed_inputs(approved, sealing)
                if changed:
                    raise ConfigError(approvallib.refusal(changed))
        except self.INPUT_ERRORS as exc:
            raise AnsibleActionFail(f"{self.NAME}: {exc}; nothing was written")
        options["_sealing"] = sealing
        return vault, handed_off, notifier

    # ---- incremental cycles (module_utils/provision/incremental.py) ---------------------------
    def _incremental_start(self, options, config, today, task_vars):
        """With ``incremental.enabled``: this target's recorded state, this run's inputs, whether
        the state may let it skip the reconcile (the target is asked under the lock) and whether it
        may plan only what changed (``cycle``); else None."""
        wanted = options["incremental"]
        if not wanted["enabled"]:
            return None
        target = self._target_name(options)
        inputs = {"target": target, "config": self._config_fingerprint(options), "vault": vault_stamp(options["vault"])}
        refused = None
        try:
            state = state_file.read(options["vault"], target, vault_secrets(self._loader), options["encrypt"])
        except incremental.StateError as exc:
            # The state is this collection's own cache: unreadable (or plain where the play has a
            # vault secret: it could have been forged), it is ignored - a full run writes it anew.
            state, refused = None, f"{exc}: ignored, a full reconcile records it again"
            self._state_warning = f"{self.NAME}: {refused}"
        for asked, why in ((wanted["full"], "a full reconcile was asked for (incremental.full)"),
                           (options["only"], "a run limited by only is a full reconcile's subset"),
                           (options["_approved"] is not None, "an approved plan is applied by a full reconcile")):
            if asked and not refused:
                refused = why
        decision = incremental.Decision(False, refused) if refused else None
        if decision is None and self._task.check_mode and pending_vault.lookup(task_vars, options["vault"]):
            decision = incremental.Decision(False, "the plan is of this run's check-mode collect")
        if decision is None:
            decision = incremental.decide(state, inputs, today, wanted["full_every"], options["ledger"]["enabled"])
        cycle = incremental.Decision(False, refused) if refused else incremental.decide_cycle(
            state, inputs, today, wanted["full_every"], self._cycle_refusal(options, config, state))
        policies = [config.policy]
        return {"state": state, "inputs": inputs, "decision": decision, "cycle": cycle,
                "offsets": incremental.policy_offsets(policies),
                "daily": incremental.uses_today(self._config_text(options))}

    def _base(self, options, run):
        """The last full reconcile's base (``<vault>.base``), or None: then the run is full."""
        try:
            base = state_file.read(options["vault"], run["inputs"]["target"], vault_secrets(self._loader),
                                   options["encrypt"], kind="base")
        except incremental.StateError as exc:
            base = None
            self._state_warning = f"{self.NAME}: {exc}: ignored, a full reconcile records it again"
        run["base"] = base
        if base is None or run["state"].get("base_date") is None:
            run["cycle"] = incremental.Decision(False, "no full reconcile recorded yet: this one is, and the next "
                                                       "cycles plan what changed")
            return None
        return base

    @staticmethod
    def _cycle_refusal(options, config, state):
        """Why this run must be a full reconcile (None: a cycle may plan only what changed)."""
        if options["plan_file"] and not (state or {}).get("digests"):
            # The plan file's approval block fingerprints every account: the base must hold their digests.
            return "the last full reconcile wrote no plan file (no account digests kept): this one is full"
        if len(config.anchors) != 1:
            return "more_anchors correlate over the whole directory: a full reconcile"
        if config.decisions is not None and config.decisions.entries:
            return "correlation decisions apply to the whole directory: a full reconcile"
        return None

    def _incremental_finish(self, options, outcome, cycle, vault, today):
        """Record the state a real run leaves (never in check mode, nor after a skipped run): a
        full reconcile leaves a new base; an incremental cycle keeps the base it planned from.
        Returns a warning when it cannot be written (the writes are done)."""
        run = options["_incremental"]
        if run is None or self._task.check_mode:
            return None
        if options["only"]:
            # A limited run leaves no base (its plan judged a few persons); its writes carry new
            # stamps, which the next cycle sees - only the skip is off until a run checks them.
            if not run["state"]:
                return None
            state, cycle = dict(run["state"], converged=False, mark=None), {"kind": "limited"}
            return self._save_state(options, run, state, None, cycle)
        # A vault replaced while it was read: the plan may be of the old one; the next run is full.
        steady = vault_stamp(options["vault"]) == run["inputs"]["vault"]
        converged = steady and incremental.converged(outcome)
        if cycle["kind"] == "full" or run.get("base") is None:
            due = subsetlib.person_due(vault["persons"], today, run["offsets"], run["daily"])
        else:  # the persons a cycle did not judge have the base's dates (their records are the base's)
            judged = set(cycle.get("judged") or ())
            due = dict((pid, day) for pid, day in (run["base"].get("due") or {}).items() if pid not in judged)
            due.update(subsetlib.person_due(dict((pid, vault["persons"][pid]) for pid in judged if pid in vault["persons"]),
                                            today, run["offsets"], run["daily"]))
        next_due = min(due.values()) if due else None
        base = None
        if cycle["kind"] == "full":
            mark = cycle.get("mark")
            state = incremental.record(run["inputs"], today, outcome, mark, next_due, converged)
            if steady and mark:
                config = cycle["config"]
                base = subsetlib.base(vault["persons"], cycle["accounts"], cycle["groups"], cycle["plan"], mark,
                                      config.anchors[0] if config.anchors else ("id", ""), due, cycle.get("digests"))
                state["base_date"], state["digests"] = today.isoformat(), cycle.get("digests") is not None
        else:  # the base it planned from stays as it is
            previous = run["state"]
            state = incremental.record(run["inputs"], today, outcome, cycle.get("mark"), next_due, converged,
                                       full_date=previous.get("full_date"), marked=True)
            state["base_date"], state["digests"] = previous.get("base_date"), previous.get("digests")
        state["sealing"] = options["_sealing"]
        return self._save_state(options, run, state, base, cycle)

    def _refresh_mark(self, options, run, target):
        """A run that proved nothing changed the long way keeps the directory's newest-write stamp
        it read first, so the next run can prove it in one read (never in check mode)."""
        mark = target.refreshed_mark()
        if mark is None or self._task.check_mode:
            return None
        return self._save_state(options, run, dict(run["state"], mark=mark), None, {"kind": "refresh"})

    def _save_state(self, options, run, state, base, cycle):
        try:
            if cycle["kind"] == "full":  # a new base, or none (the old one is not of this directory any more)
                state_file.save(options["vault"], run["inputs"]["target"], base, vault_secrets(self._loader),
                                options["encrypt"], options["vault_id"], options["lock_timeout"], kind="base")
            state_file.save(options["vault"], run["inputs"]["target"], state, vault_secrets(self._loader),
                            options["encrypt"], options["vault_id"], options["lock_timeout"])
        except (OSError, incremental.StateError, vault_file.VaultFileError, run_lock.LockError) as exc:
            return (f"{self.NAME}: the incremental state {state_file.path_of(options['vault'])} cannot be written: "
                    f"{exc}; the next run is a full reconcile")
        return None

    def _reconcile(self, result, options, config, inputs, today):
        """Open the target, reconcile and shape the result; runs under the target's lock."""
        if self._audit is not None:  # a run that could not record its writes makes none
            day = datetime.datetime.now(datetime.timezone.utc).date()
            try:
                if self._task.check_mode:  # read-only: what would stop the real run
                    reason = self._audit.problem(day)
                    if reason:
                        raise OSError(reason)
                else:
                    self._audit.prepare(day)
            except OSError as exc:
                raise AnsibleActionFail(f"{self.NAME}: the audit trail in {self._audit.folder} cannot be "
                                        f"written: {exc.strerror or exc}; nothing was written")
            if not self._task.check_mode:
                self._record_cut_short(options, day)
        ledger = None
        if options["ledger"]["enabled"]:  # read under the target's lock: no other run changes this section now
            try:
                ledger = ledger_file.read(options["vault"], self._target_name(options), vault_secrets(self._loader),
                                          options["encrypt"])
            except ledgerlib.LedgerError as exc:
                raise AnsibleActionFail(f"{self.NAME}: {exc}; nothing was written")
        try:
            target, close = self.open_target(options, config)
        except self.TARGET_ERRORS as exc:
            raise AnsibleActionFail(f"{self.NAME}: {exc}; nothing was written")
        run = options["_incremental"]
        replayed, mode, reason, cycle = False, "off", "", {"kind": "full"}
        try:
            if run is not None:
                mode, reason = "full", run["decision"].reason
                if run["decision"].skip:
                    replayed, reason = target.unchanged_since(run["state"]["mark"])
                    if replayed:
                        mode = "unchanged"
                        self._progress()("unchanged", counts=None)
            if replayed:
                outcome, operations = incremental.replay(run["state"], today), []
                outcome["alerts"] = dict(reconcile.NO_ALERTS, failed=[], undeliverable=[])
                # The sealed block of the unchanged inputs (plan_file): the last run's fingerprints.
                sealing = run["state"].get("sealing")
                if options["plan_file"] and sealing and "approval" in outcome:
                    options["_sealing"] = dict(sealing, config=approvallib.sha256(self._plan_options(options)))
                else:
                    outcome.pop("approval", None)
            else:
                if inputs is None:  # the target changed: now the vault is needed
                    inputs = self._vault_inputs(options, today, self._task_vars)
                vault, handed_off, notifier = inputs
                base = self._base(options, run) if run is not None and run["cycle"].skip else None
                outcome, operations = reconcile.run(
                    vault["persons"], config, target, today,
                    check_mode=self._task.check_mode, thresholds=limits.target_thresholds(options["thresholds"]),
                    override_thresholds=options["allow_threshold_override"], max_actions=options["max_actions"],
                    notifier=notifier, progress=self._progress(), approved=options["_approved"],
                    fingerprint=options["_sealing"] is not None, only=options["only"], ledger=ledger,
                    quarantine=options["_quarantine"], incremental=base, cycle_out=cycle,
                    before_writes=self._journal_writer(options))
                cycle["mark"] = target.change_mark() if run is not None else None  # after a cycle too
                if cycle["kind"] == "full":
                    cycle["config"] = config
                    if run is not None:
                        reason = run["cycle"].reason if base is None else target.untrusted_mark() or \
                            "the directory cannot say what changed since the last full reconcile"
                else:
                    mode, reason = "incremental", "planned %d of the vault's persons: what changed since %s" % (
                        cycle["planned"], run["state"].get("base_date"))
        except self.TARGET_ERRORS + (ValueError,) as exc:
            raise AnsibleActionFail(f"{self.NAME}: {exc}; nothing was written")
        finally:
            try:
                close()
            except Exception:  # pylint: disable=broad-except
                pass  # a dead connection's clean-up must never mask what happened to the writes
        handed_off = bool(inputs and inputs[1])
        if replayed:
            state_warning = self._refresh_mark(options, run, target)
        else:
            state_warning = None if run is None else self._incremental_finish(options, outcome, cycle, inputs[0], today)
        outcome["incremental"] = incremental.report(mode, reason, run and run["state"])
        outcome.update(self.report(target))
        outcome["run_id"] = self._run_id
        outcome["audit"] = self._record(options, operations)
        ledger_warning = None
        if ledger is not None and not self._task.check_mode and not replayed:  # check mode never writes it
            try:
                ledger_file.save(options["vault"], self._target_name(options), ledger, vault_secrets(self._loader),
                                 options["encrypt"], options["vault_id"], options["lock_timeout"])
            except (OSError, ledgerlib.LedgerError, vault_file.VaultFileError, run_lock.LockError) as exc:
                # The writes are done: their result is reported; the identifiers they issued are not recorded.
                ledger_warning = (f"{self.NAME}: the ledger {ledger_file.path_of(options['vault'])} cannot be "
                                  f"written: {exc}; this run's identifiers are recorded by the next run")
        # Which HR data the plan is of: this run's check-mode collect, or the vault on disk.
        outcome["vault_source"] = "collect" if handed_off else "vault"
        result.update(bounded_outcome(outcome, options["max_actions"]))
        result["check_mode"] = bool(self._task.check_mode)
        if outcome.get("msg"):
            result["msg"] = f"{self.NAME}: " + outcome["msg"]
        if "approval" in outcome:
            result["approval"] = self._approval_result(options, outcome, today, len(operations))
        if options["plan_file"]:
            try:
                self._write_plan(options["plan_file"], dict(outcome, approval=result.get("approval")), operations)
            except OSError as exc:
                message = f"{self.NAME}: plan_file {options['plan_file']} cannot be written: {exc}"
                if self._task.check_mode:  # nothing was written: the plan is the point of the run
                    raise AnsibleActionFail(message)
                # The writes are done: their result must not be lost for want of a file.
                result["warnings"] = result.get("warnings", []) + [message + "; the run's result is this task's"]
        if self._task.diff and operations:
            result["diff"] = bounded_diffs(map(reconcile.diff_item, operations), options["max_actions"])
        warnings = self._alert_warnings(outcome["alerts"]) + self._conflict_warnings(outcome["correlation"])
        if self._audit_warning:
            warnings.append(self._audit_warning)
        if ledger_warning:
            warnings.append(ledger_warning)
        if state_warning:
            warnings.append(state_warning)
        if self._state_warning:
            warnings.append(self._state_warning)
        if warnings:
            result["warnings"] = result.get("warnings", []) + warnings
        self._failure_message(result, outcome, options)  # counts from the whole outcome, not the bounded one
        too_large = result_size_warning(result, self.NAME, runner_result_limit(os.environ))
        if too_large:
            result["warnings"] = result.get("warnings", []) + [too_large]
        return result

    def _record(self, options, operations):
        """Append this real run's entries to the audit trail and expire old files; returns the
        result's ``audit``: {enabled, dir, file, entries, expired, recovered} (``error`` when it could
        not be written: the writes are done, so that is a warning, not a failure; the journal then
        stays, for the next run to record). Once they are appended, the run's journal goes."""
        if not options["audit"]["enabled"]:
            return {"enabled": False, "dir": None, "file": None, "entries": 0, "expired": [], "recovered": 0}
        report = {"enabled": True, "dir": audit_folder(options), "file": None, "entries": 0, "expired": [],
                  "recovered": self._recovered}
        if self._task.check_mode:  # nothing is written, nothing is recorded
            return report
        now = datetime.datetime.now(datetime.timezone.utc)
        try:
            path, count = self._audit.append(trail.lines(operations, self._audit_run(options), trail.timestamp(now),
                                                         self.LOST), now.date())
            self._audit.drop_pending(self._journal_name(options))  # its entries are in the trail now
            if count:
                report.update(file=path, entries=count)
            report["expired"] = self._audit.expire(now.date())
        except OSError as exc:
            report["error"] = f"{exc.strerror or exc}"
            self._audit_warning = (f"{self.NAME}: the audit trail in {self._audit.folder} could not be written "
                                   f"({report['error']}): some or all of the audit entries of run "
                                   f"{self._run_id} are missing from it; the run's result is this task's")
        return report

    def _audit_run(self, options):
        """The fields every entry of this run shares."""
        return {"run_id": self._run_id, "host": (self._task_vars or {}).get("inventory_hostname"),
                "target": {"module": self.NAME, "server": without_userinfo(self.server(options)),
                           "scope": self.scope(options)}}

    def _target_key(self, options):
        """The target in the names of its journals: its runs record only their own."""
        return hashlib.sha256(self._target_name(options).encode("utf-8")).hexdigest()[:16]

    def _journal_name(self, options):
        return trail.pending_name(self._target_key(options), self._run_id)

    def _journal_writer(self, options):
        """``reconcile.run``'s ``before_writes``: the journal of this run's pending entries, so a
        run killed during its writes still has them in the trail (recorded by the next run, outcome
        unknown). None when nothing is recorded (check mode, no trail)."""
        if self._audit is None or self._task.check_mode:
            return None

        def write_journal(runnable):
            now = trail.timestamp(datetime.datetime.now(datetime.timezone.utc))
            try:
                self._audit.write_pending(self._journal_name(options),
                                          trail.pending_lines(runnable, self._audit_run(options), now, self.LOST))
            except OSError as exc:
                raise AnsibleActionFail(f"{self.NAME}: the audit trail in {self._audit.folder} cannot be "
                                        f"written: {exc.strerror or exc}; nothing was written")
        return write_journal

    def _record_cut_short(self, options, day):
        """Record what an earlier run of this target left in its journal (it was killed during its
        writes, or its entries could not be appended), under the target's lock, before this run's writes."""
        try:
            self._recovered = self._audit.record_pending(self._target_key(options), day)
        except OSError as exc:
            self._audit_warning = (f"{self.NAME}: the audit trail in {self._audit.folder}: the entries an "
                                   f"earlier run of this target left pending could not be recorded "
                                   f"({exc.strerror or exc}); they stay for the next run")

    # ---- approved plans (module_utils/provision/approval.py) -------------------------------
    def _plan_key(self, options):
        """The HMAC key of sealed plans: ``plan_key``, else one derived from the vault secret."""
        if options["plan_key"]:
            return hashlib.sha256(b"jml.provisioning plan key\0" + options["plan_key"].encode("utf-8")).digest()
        secrets = vault_secrets(self._loader)
        if not secrets:
            return None
        dummy, secret = vault_file.pick_secret(secrets, options["vault_id"])
        return hashlib.sha256(b"jml.provisioning plan\0" + secret.bytes).digest()

    def _target_name(self, options):
        return " ".join(part for part in (self.NAME, self.server(options), self.scope(options)) if part)

    def _approved_plan(self, options):
        """The ``Approval`` of ``approved_plan`` (signature and target checked), or None."""
        path = options["approved_plan"]
        if not path:
            return None
        try:
            with open(path, encoding="utf-8") as handle:
                document = json.load(handle)
        except (OSError, ValueError) as exc:
            raise approvallib.ApprovalError(f"approved_plan {path} cannot be read: {exc}")
        approved = approvallib.unseal(document, self._plan_key(options), f"approved_plan {path}")
        if approved.target != self._target_name(options):
            raise approvallib.ApprovalError(f"approved_plan {path} is for {approved.target}, not {self._target_name(options)}")
        if options["reference_date"] and options["reference_date"] != approved.reference_date:
            raise approvallib.ApprovalError(f"approved_plan {path} was computed for {approved.reference_date}, "
                                            f"not reference_date {options['reference_date']}")
        return approved

    def _plan_options(self, options):
        """Every option that shapes the plan (not the connection's secrets, nor how the result is
        shown or stored), with the target's name."""
        shown = ("max_actions", "plan_file", "approved_plan", "plan_key", "lock_dir", "lock_timeout", "alerts", "audit",
                 "allow_threshold_override", "thresholds", "reference_date", "connection", "vault", "vault_id",
                 "encrypt", "incremental")
        # Keys starting with "_" are this run's own derived state (the approval, the quarantine policy).
        config = dict((k, v) for k, v in options.items() if k not in shown and not k.startswith("_"))
        config["target"] = self._target_name(options)
        return config

    def _inputs_fingerprints(self, options, persons):
        """The vault's and the configuration's fingerprints (an approved plan's inputs)."""
        return {"vault": approvallib.sha256(persons), "config": approvallib.sha256(self._plan_options(options))}

    def _config_text(self, options):
        return json.dumps(self._plan_options(options), sort_keys=True, default=str)

    def _config_fingerprint(self, options):
        """The incremental state's configuration fingerprint: the plan's options and the decisions
        file's content (the rules file's are in the options)."""
        config = self._plan_options(options)
        path = options["decisions_file"]
        if path:
            try:
                with open(path, "rb") as handle:
                    config["_decisions"] = hashlib.sha256(handle.read()).hexdigest()
            except OSError:
                config["_decisions"] = None
        return approvallib.sha256(config)

    def _approval_result(self, options, outcome, today, operations):
        """The result's ``approval``: the sealed block (signed when a key is known) and whether
        this run applied an approved plan."""
        sealed = outcome["approval"]
        approval = approvallib.Approval(
            digest=sealed["digest"], fingerprints=dict(options["_sealing"], **sealed["fingerprints"]),
            reference_date=today.isoformat(), target=self._target_name(options),
            operations=operations,
            summary=outcome["summary"])
        block = approvallib.seal(approval, self._plan_key(options))
        if options["_approved"] is not None:
            block["applied_approved_plan"] = bool(sealed.get("approved"))
        return block

    def _progress(self):
        """``reconcile.run``'s progress: one line per phase with its time, at default verbosity
        (a long run is not silent; a short one says four lines)."""
        host = (self._task_vars or {}).get("inventory_hostname")
        last = [time.monotonic()]

        def tell(phase, **counts):
            now = time.monotonic()
            line = progress_line(self.NAME, host, phase, counts, now - last[0])
            last[0] = now
            if line:
                display.display(line)
        return tell

    def _failure_message(self, result, outcome, options):
        failures = outcome["failures"]
        lost = [f for f in failures if self.LOST and str(f.get("error", "")).startswith(self.LOST)]
        if lost and not result.get("msg"):
            result["msg"] = ("%s: the connection to %s was lost during the writes: %d operation(s) "
                             "applied, %d failed, %d not known to be applied; the next run converges; see 'failures'"
                             % (self.NAME, self.server(options), outcome.get("applied", 0),
                                len(failures) - len(lost), len(lost)))
        if failures and not result.get("msg"):
            first = failures[0]
            verb = "would fail" if self._task.check_mode else "failed, the others were applied"
            result["msg"] = ("%s: %d operation(s) %s; first: %s %s: %s; see 'failures'"
                             % (self.NAME, len(failures), verb, first.get("action"), first.get("dn") or first.get("person"),
                                first.get("error")))

    def _conflict_warnings(self, correlation, shown=5):
        """A conflict is never guessed: the persons involved are left alone, which the operator must know."""
        conflicts = correlation.get("conflicts") or []
        warnings = []
        for conflict in conflicts[:shown]:
            persons = conflict.get("persons") or [conflict.get("person")]
            warnings.append("%s: correlation conflict (%s) on %s: person(s) %s, account(s) %s; "
                            "left alone" % (self.NAME, conflict.get("problem"), conflict.get("anchor"),
                                            ", ".join(map(str, persons)), "; ".join(conflict.get("accounts") or [])))
        if len(conflicts) > shown:
            warnings.append("%s: %d more correlation conflict(s); see correlation.conflicts"
                            % (self.NAME, len(conflicts) - shown))
        return warnings

    def _notifier(self, alerts, persons, today, target):
        """``reconcile.run``'s notifier for the ``alerts`` option (None when not set): events ->
        messages (compiled here, before anything is written) -> one SMTP connection."""
        if not alerts:
            return None
        config = alertslib.compile_config(alerts, self._read_template)

        def notifier(events):
            messages, undeliverable = alertslib.plan_messages(events, persons, config, today, target=target)
            sent, errors = smtp.send(messages, alerts["smtp"])
            return {"sent": sent, "failed": errors, "undeliverable": undeliverable}
        return notifier

    def _read_template(self, path):
        # Found like ansible.builtin.template's src: the role's or playbook's templates/, or as given.
        try:
            found = self._find_needle("templates", path)
            with open(found, encoding="utf-8") as handle:
                return handle.read()
        except (AnsibleError, OSError, UnicodeDecodeError) as exc:
            raise alertslib.AlertConfigError(f"alerts template {path}: {exc}")

    def _alert_warnings(self, alerts):
        """Mail problems are warnings: the provisioning they report on was done (or stopped) anyway."""
        warnings = []
        if alerts["failed"]:
            first = alerts["failed"][0]
            warnings.append("%s: %d alert recipient(s) did not get their message (provisioning is not "
                            "affected), first: %s: %s; see alerts.failed"
                            % (self.NAME, len(alerts["failed"]), first.get("to"), first.get("error")))
        if alerts["undeliverable"]:
            first = alerts["undeliverable"][0]
            warnings.append("%s: %d alert event(s) had no recipient, first: rule %s, %s %s: %s; "
                            "see alerts.undeliverable" % (self.NAME, len(alerts["undeliverable"]), first["rule"],
                                                          first["event"], first["person"] or first["dn"] or "",
                                                          first["error"]))
        return warnings

    @staticmethod
    def _write_plan(path, outcome, operations):
        # The plan names people and their attributes: private (0600) and atomic like the vault;
        # written action by action (plan_file.py: at 100k, 180k actions, peak 1,701 -> 740 MiB).
        write_private_file(path, lambda handle: write_plan(handle, outcome, (op.as_dict() for op in operations)))
