# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of jml.provisioning.scim_accounts: reconciles one SCIM 2.0 service provider.

What every target shares is ``plugin_utils/target_action.py``; this file says what is SCIM's:
the options, the session (discovery first) and the lock's name (the base URL and the filter).
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.basic import missing_required_lib

from ansible_collections.jml.provisioning.plugins.module_utils.options import SCIM_ACCOUNTS_SPEC
from ansible_collections.jml.provisioning.plugins.module_utils.targets.scim import adapter as scimadapter
from ansible_collections.jml.provisioning.plugins.module_utils.targets.scim import client as scimclient
from ansible_collections.jml.provisioning.plugins.module_utils.targets.scim import config as scimconfig
from ansible_collections.jml.provisioning.plugins.plugin_utils.target_action import TargetAction


class ActionModule(TargetAction):

    NAME = "scim_accounts"
    SPEC = SCIM_ACCOUNTS_SPEC
    TARGET_ERRORS = (scimclient.ScimError,)
    LOST = scimclient.LOST

    def check_requirements(self):
        if not scimclient.HAS_SCIM:
            raise AnsibleActionFail(missing_required_lib(
                "scim2-client[httpx2] and scim2-models (Python 3.11 or later)",
                reason=f"for the SCIM target ({scimclient.IMPORT_ERROR})"))

    def build_config(self, options):
        config, self._settings = scimconfig.build(options)
        return config

    def server(self, options):
        return options["connection"]["base_url"]

    def scope(self, options):
        return options.get("filter") or ""

    def open_target(self, options, config):
        connection = dict(options["connection"])
        conn = scimclient.Connection(connection["base_url"], connection["auth"], connection["validate_certs"],
                                     connection.get("ca_file"), connection["timeout"], connection["retries"],
                                     connection["max_retry_wait"])
        try:
            target = scimadapter.ScimTarget(conn, config, self._settings)
        except Exception:
            conn.close()
            raise
        return target, conn.close

    def report(self, target):
        return {"requests": target.conn.stats()}
