# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of jml.provisioning.hr_collect: runs on the controller, where the vault secrets are."""

from __future__ import annotations

import datetime
import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.jml.provisioning.plugins.module_utils.collect import vault_doc
from ansible_collections.jml.provisioning.plugins.module_utils.collect.collect import (
    CollectError, collect, evaluate_thresholds, read_source,
)
from ansible_collections.jml.provisioning.plugins.module_utils.options import HR_COLLECT_SPEC
from ansible_collections.jml.provisioning.plugins.module_utils.provision.lifecycle import reference_date
from ansible_collections.jml.provisioning.plugins.plugin_utils import (
    fingerprint, history, pending_vault, run_lock, vault_file,
)
from ansible_collections.jml.provisioning.plugins.plugin_utils.bulk import paused_gc
from ansible_collections.jml.provisioning.plugins.plugin_utils.results import bounded_changes, bounded_diffs, vault_secrets


# What an unchanged collect reports again without re-mapping the sources.
_REMEMBERED = ("persons", "sources", "rejected", "rejected_count", "kept_from_previous")


def _fingerprint_secret(secrets, args):
    """The secret bytes that key the fingerprint (None for a plain-text vault)."""
    if not args["encrypt"] or not secrets:
        return None
    return vault_file.pick_secret(secrets, args["vault_id"])[1].bytes


def _missing_message(path):
    """A missing vault where one is expected: never silently a new one (every person a joiner)."""
    return ("hr_collect: the vault %s does not exist; nothing was written. On the first collect, say so: "
            "-e jml_vault_missing_ok=true (the task option missing_vault: create) for that one run. Otherwise "
            "a new vault would make every person a joiner and skip the source thresholds; %s"
            % (path, vault_file.missing_hint(path)))


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        dummy, args = self.validate_argument_spec(argument_spec=HR_COLLECT_SPEC)
        path = args["vault"]
        # Before the lock: a vault that is not there may have no folder either (an unmounted path).
        if args["missing_vault"] == "fail" and not os.path.exists(path):
            raise AnsibleActionFail(_missing_message(path))
        try:
            with run_lock.held(run_lock.vault_lock_path(path), f"hr_collect of {path}", args["lock_timeout"]) as stale:
                # Under the vault's lock no collect is writing: temporary files here are a killed run's.
                folder = os.path.dirname(os.path.abspath(path))
                orphans = run_lock.remove_orphans(folder, (vault_file.TEMP_PREFIX,)) + \
                    run_lock.remove_orphans(folder, (".jml-",), older_than=3600)
                with paused_gc():
                    result = self._collect(args, result)
        except run_lock.LockError as exc:
            raise AnsibleActionFail(f"hr_collect: {exc}; the vault {path} was not changed")
        if stale or orphans:
            result["warnings"] = result.get("warnings", []) + [
                "hr_collect: an earlier run was killed before it finished (%s); its lock was taken over%s"
                % (run_lock.describe(stale) if stale else "no lock record",
                   " and its temporary files removed: %s" % ", ".join(orphans) if orphans else "")]
        return result

    def _collect(self, args, result):
        secrets = vault_secrets(self._loader)
        path = args["vault"]
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        try:
            today = reference_date(args["reference_date"], now.date())
        except ValueError as exc:
            raise AnsibleActionFail(f"hr_collect: {exc}")
        try:
            data = dict((s["name"], read_source(s)) for s in args["sources"])
            key = _fingerprint_secret(secrets, args)
            mark = fingerprint.compute(args, data, today, key, path)
            stored = fingerprint.load(path, secrets, args["encrypt"]) if mark else None
            if stored and stored.get("fingerprint") == mark:
                return self._unchanged(result, args, stored["result"])
            previous_text, previous = vault_file.read_with_text(path, secrets, required=False, encrypted=args["encrypt"])
            if previous is None and args["missing_vault"] == "fail":  # removed while this run waited for the lock
                raise AnsibleActionFail(_missing_message(path))
            # Only its digest is needed (the check-mode hand-off): not the whole plaintext (~40 MB at 100k) kept alive.
            base = pending_vault.digest(previous_text) if self._task.check_mode else None
            del previous_text
            outcome = collect(args["sources"], data, previous, now.isoformat().replace("+00:00", "Z"),
                              merge=args["merge"], today=today, retention_days=args["retention_days"],
                              thresholds=args["thresholds"])
            for source_data in data.values():  # only their digests are read from here on
                source_data.release_rows()
        except (CollectError, vault_file.VaultFileError) as exc:
            raise AnsibleActionFail(f"hr_collect: {exc}; the vault {path} was not changed")

        limit = args["max_reported"]
        # AWX stores every event: a first collect of 100k persons must not return 100k ids.
        shown_changes, change_counts = bounded_changes(outcome.changes, limit)
        result.update(
            vault=path,
            encrypted=args["encrypt"],
            persons=len(outcome.document["persons"]),
            sources=outcome.document["sources"],
            changes=shown_changes,
            change_counts=change_counts,
            thresholds=outcome.thresholds,
            rejected=[r.as_dict() for r in outcome.rejections[:limit]],
            rejected_count=len(outcome.rejections),
            kept_from_previous=outcome.kept,
        )
        exceeded = outcome.exceeded
        if exceeded and not args["allow_threshold_override"]:
            result.update(changed=False, failed=True,
                          msg="hr_collect: source threshold exceeded: %s; the vault %s was not changed. "
                              "Set allow_threshold_override to accept this collect." % (", ".join(exceeded), path))
            return result

        changed = not vault_doc.same_content(previous, outcome.document)
        result["changed"] = changed
        if changed and not self._task.check_mode:
            try:
                history.keep_previous(path, (previous or {}).get("collected_at"), args["history"])
                vault_file.write(path, outcome.document, secrets, encrypt=args["encrypt"], vault_id=args["vault_id"])
                history.apply_retention(path, now, args["retention_days"], outcome.purged, secrets,
                                        args["encrypt"], args["vault_id"])
            except (vault_file.VaultFileError, OSError) as exc:
                raise AnsibleActionFail(f"hr_collect: {exc}; the vault {path} was not changed")
        if changed and self._task.check_mode:
            # The later tasks of this run plan from what this collect would write (encrypted, in memory).
            try:
                result["ansible_facts"] = {pending_vault.fact_name(path): pending_vault.encode(
                    path, base, previous, outcome.document, secrets, args["encrypt"], args["vault_id"])}
            except vault_file.VaultFileError as exc:
                raise AnsibleActionFail(f"hr_collect: {exc}; the vault {path} was not changed")
        if not self._task.check_mode:
            remembered = dict((k, result[k]) for k in _REMEMBERED)
            remembered["first_rejection"] = str(outcome.rejections[0]) if outcome.rejections else None
            fingerprint.save(path, fingerprint.compute(args, data, today, key, path), remembered, secrets,
                             args["encrypt"], args["vault_id"])
        if outcome.rejections:
            result["warnings"] = [f"{len(outcome.rejections)} row(s) rejected, first: {outcome.rejections[0]}"]
        if self._task.diff and changed:
            old = (previous or {}).get("persons") or {}
            new = outcome.document["persons"]
            ids = outcome.changes["joined"] + outcome.changes["left"] + list(outcome.changes["changed"])
            result["diff"] = bounded_diffs(((pid, old.get(pid), new.get(pid)) for pid in ids), limit)
        return result

    def _unchanged(self, result, args, remembered):
        """The result of a collect whose inputs and vault are exactly those of the last one."""
        result.update(dict((k, remembered.get(k)) for k in _REMEMBERED))
        no_changes = {"joined": [], "left": [], "changed": {}, "purged": []}
        result.update(vault=args["vault"], encrypted=args["encrypt"], changed=False, changes=no_changes,
                      change_counts=dict((key, 0) for key in no_changes),
                      thresholds=evaluate_thresholds(no_changes, result["persons"], result["persons"],
                                                     args["thresholds"], True),
                      unchanged_inputs=True)
        if remembered.get("first_rejection"):
            result["warnings"] = ["%d row(s) rejected, first: %s" % (remembered["rejected_count"],
                                                                     remembered["first_rejection"])]
        return result
