# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of jml.provisioning.file_accounts: keeps one CSV / JSON Lines export in line
with the vault, on the controller.

What every target shares (validation, vault, lock, reconcile, result) is
``plugin_utils/target_action.py``; this file says what is the file target's: the options, the
export's bytes (``plugin_utils/export_file.py``) and the lock's name (the export's path).
"""

from __future__ import annotations

import os

from ansible_collections.jml.provisioning.plugins.module_utils.options import FILE_ACCOUNTS_SPEC
from ansible_collections.jml.provisioning.plugins.module_utils.targets.file import adapter as fileadapter
from ansible_collections.jml.provisioning.plugins.module_utils.targets.file import config as fileconfig
from ansible_collections.jml.provisioning.plugins.module_utils.targets.file.export import ExportError
from ansible_collections.jml.provisioning.plugins.plugin_utils.export_file import ExportFile
from ansible_collections.jml.provisioning.plugins.plugin_utils.results import vault_secrets
from ansible_collections.jml.provisioning.plugins.plugin_utils.target_action import TargetAction
from ansible_collections.jml.provisioning.plugins.plugin_utils.vault_file import VaultFileError


class ActionModule(TargetAction):

    NAME = "file_accounts"
    SPEC = FILE_ACCOUNTS_SPEC
    TARGET_ERRORS = (ExportError, VaultFileError)

    def build_config(self, options):
        self._layout, config = fileconfig.build(options)
        return config

    def server(self, options):
        return os.path.abspath(options["path"])

    def open_target(self, options, config):
        encoding = options["csv"]["encoding"] if options["format"] == "csv" else "utf-8"
        export = ExportFile(vault_secrets(self._loader), options["encrypt_export"], encoding, options["vault_id"])
        target = fileadapter.FileTarget(self._layout, options["path"], export.load, export.save,
                                        options["delta_path"], config.unique_attributes)
        return target, lambda: None
