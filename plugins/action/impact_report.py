# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of jml.provisioning.impact_report: renders the results and writes the files on the controller.

Check mode is deliberately ignored for the report files: an impact report is what a check-mode run
is for (``playbooks/evaluate.yml`` runs under check mode). Nothing else is written.
"""

from __future__ import annotations

import os
import stat

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.jml.provisioning.plugins.module_utils.report import impact as report
from ansible_collections.jml.provisioning.plugins.plugin_utils.results import write_private_file


def _unchanged(path, text):
    """Whether ``path`` already holds exactly ``text`` with mode 0600."""
    try:
        if stat.S_IMODE(os.stat(path).st_mode) != 0o600:
            return False
        with open(path, encoding="utf-8") as handle:
            return handle.read() == text
    except (OSError, UnicodeDecodeError):
        return False


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        dummy, options = self.validate_argument_spec(argument_spec=report.ARGUMENT_SPEC,
                                                     mutually_exclusive=report.MUTUALLY_EXCLUSIVE,
                                                     required_one_of=report.REQUIRED_ONE_OF)
        name = options["name"]
        if not name or os.sep in name or name in (".", ".."):
            raise AnsibleActionFail(f"impact_report: name {name!r} must be a plain file name (no folder)")
        if options["result"] is not None:
            data = {options["target"] or (task_vars or {}).get("inventory_hostname") or "target": options["result"]}
        else:
            data = options["results"]
        formats = list(dict.fromkeys(options["formats"]))  # once each, in the order given

        try:
            texts = [(fmt, report.render(fmt, data, max_actions=options["max_actions"])) for fmt in formats]
        except (TypeError, ValueError) as exc:
            raise AnsibleActionFail(f"impact_report: cannot render the results: {exc}")

        folder = options["dest"]
        files, changed = {}, False
        try:
            if not os.path.isdir(folder):
                os.makedirs(folder, mode=0o700)
            for fmt, text in texts:
                path = os.path.join(folder, name + report.EXTENSIONS[fmt])
                files[fmt] = path
                if not _unchanged(path, text):
                    # Written in check mode too: the report is the point of an evaluation.
                    write_private_file(path, text)
                    changed = True
        except OSError as exc:
            raise AnsibleActionFail(f"impact_report: cannot write the report in {folder}: {exc}")

        result.update(
            changed=changed,
            files=files,
            exceeded=report.exceeded(data),
            errors=report.errors(data),
            failures=report.all_failures(data),
            summary=report.totals(data),
            targets=[target for target, dummy in report.targets(data)],
        )
        return result
