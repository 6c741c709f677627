# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of jml.provisioning.hr_collect: runs on the controller, where the vault secrets are."""

from __future__ import annotations

import datetime

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.jml.provisioning.plugins.module_utils.collect import CollectError, collect, read_source
from ansible_collections.jml.provisioning.plugins.module_utils.options import HR_COLLECT_SPEC
from ansible_collections.jml.provisioning.plugins.module_utils import vault_doc
from ansible_collections.jml.provisioning.plugins.plugin_utils import vault_file
from ansible_collections.jml.provisioning.plugins.plugin_utils.results import bounded_diffs, vault_secrets


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        dummy, args = self.validate_argument_spec(argument_spec=HR_COLLECT_SPEC)
        secrets = vault_secrets(self._loader)
        path = args["vault"]
        try:
            previous = vault_file.read(path, secrets, required=False)
            rows = dict((s["name"], read_source(s)) for s in args["sources"])
            now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
            outcome = collect(args["sources"], rows, previous, now.isoformat().replace("+00:00", "Z"))
        except (CollectError, vault_file.VaultFileError) as exc:
            raise AnsibleActionFail("hr_collect: %s; the vault %s was not changed" % (exc, path))

        changed = not vault_doc.same_content(previous, outcome.document)
        if changed and not self._task.check_mode:
            try:
                vault_file.write(path, outcome.document, secrets, encrypt=args["encrypt"], vault_id=args["vault_id"])
            except vault_file.VaultFileError as exc:
                raise AnsibleActionFail("hr_collect: %s; the vault %s was not changed" % (exc, path))

        limit = args["max_reported"]
        result.update(
            changed=changed,
            vault=path,
            encrypted=args["encrypt"],
            persons=len(outcome.document["persons"]),
            sources=outcome.document["sources"],
            changes=outcome.changes,
            rejected=[r.as_dict() for r in outcome.rejections[:limit]],
            rejected_count=len(outcome.rejections),
            kept_from_previous=outcome.kept,
        )
        if outcome.rejections:
            result["warnings"] = ["%d row(s) rejected, first: %s" % (len(outcome.rejections), outcome.rejections[0])]
        if self._task.diff and changed:
            old = (previous or {}).get("persons") or {}
            new = outcome.document["persons"]
            ids = outcome.changes["joined"] + outcome.changes["left"] + list(outcome.changes["changed"])
            result["diff"] = bounded_diffs(((pid, old.get(pid), new.get(pid)) for pid in ids), limit)
        return result
