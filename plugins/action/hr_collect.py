# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of jml.provisioning.hr_collect: runs on the controller, where the vault secrets are."""

from __future__ import annotations

import datetime

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.jml.provisioning.plugins.module_utils import vault_doc
from ansible_collections.jml.provisioning.plugins.module_utils.collect import CollectError, collect, read_source
from ansible_collections.jml.provisioning.plugins.module_utils.options import HR_COLLECT_SPEC
from ansible_collections.jml.provisioning.plugins.plugin_utils import history, vault_file
from ansible_collections.jml.provisioning.plugins.plugin_utils.bulk import paused_gc
from ansible_collections.jml.provisioning.plugins.plugin_utils.results import bounded_diffs, vault_secrets


def _reference_date(value, today):
    if not value:
        return today
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise AnsibleActionFail("hr_collect: reference_date %r is not an ISO date (YYYY-MM-DD)" % value)


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        dummy, args = self.validate_argument_spec(argument_spec=HR_COLLECT_SPEC)
        with paused_gc():
            return self._collect(args, result)

    def _collect(self, args, result):
        secrets = vault_secrets(self._loader)
        path = args["vault"]
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        today = _reference_date(args["reference_date"], now.date())
        try:
            previous = vault_file.read(path, secrets, required=False)
            data = dict((s["name"], read_source(s)) for s in args["sources"])
            outcome = collect(args["sources"], data, previous, now.isoformat().replace("+00:00", "Z"),
                              merge=args["merge"], today=today, retention_days=args["retention_days"],
                              thresholds=args["thresholds"])
        except (CollectError, vault_file.VaultFileError) as exc:
            raise AnsibleActionFail("hr_collect: %s; the vault %s was not changed" % (exc, path))

        limit = args["max_reported"]
        result.update(
            vault=path,
            encrypted=args["encrypt"],
            persons=len(outcome.document["persons"]),
            sources=outcome.document["sources"],
            changes=outcome.changes,
            thresholds=outcome.thresholds,
            rejected=[r.as_dict() for r in outcome.rejections[:limit]],
            rejected_count=len(outcome.rejections),
            kept_from_previous=outcome.kept,
        )
        exceeded = ["%s %d (limit %d)" % (name, t["count"], t["limit"])
                    for name, t in outcome.thresholds.items() if t["exceeded"]]
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
                raise AnsibleActionFail("hr_collect: %s; the vault %s was not changed" % (exc, path))
        if outcome.rejections:
            result["warnings"] = ["%d row(s) rejected, first: %s" % (len(outcome.rejections), outcome.rejections[0])]
        if self._task.diff and changed:
            old = (previous or {}).get("persons") or {}
            new = outcome.document["persons"]
            ids = outcome.changes["joined"] + outcome.changes["left"] + list(outcome.changes["changed"])
            result["diff"] = bounded_diffs(((pid, old.get(pid), new.get(pid)) for pid in ids), limit)
        return result
