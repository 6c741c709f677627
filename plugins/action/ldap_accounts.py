# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of jml.provisioning.ldap_accounts: reconciles one LDAP target on the controller.

What every target shares (validation, vault, lock, reconcile, result) is
``plugin_utils/target_action.py``; this file says what is LDAP's: the options, the connection
and the lock's name (server URI and search base).
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.basic import missing_required_lib

from ansible_collections.jml.provisioning.plugins.module_utils.options import LDAP_ACCOUNTS_SPEC
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap.config import build_target_config
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import directory as ldaptarget
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import adapter as ldapadapter
from ansible_collections.jml.provisioning.plugins.plugin_utils.target_action import TargetAction


class ActionModule(TargetAction):

    NAME = "ldap_accounts"
    SPEC = LDAP_ACCOUNTS_SPEC
    TARGET_ERRORS = (ldaptarget.TargetError,)
    LOST = ldaptarget.LOST

    def check_requirements(self):
        if not ldaptarget.HAS_LDAP3:
            raise AnsibleActionFail(missing_required_lib("ldap3"))

    def build_config(self, options):
        return build_target_config(options)

    def server(self, options):
        return options["connection"]["server_uri"]

    def scope(self, options):
        return options["search_base"] or options["accounts_dn"]

    def connection_warnings(self, options):
        reason = ldaptarget.clear_text_bind(options["connection"])
        return [f"{self.NAME}: {reason}"] if reason else []

    def open_target(self, options, config):
        conn = ldaptarget.connect(**options["connection"])
        return ldapadapter.LdapTarget(conn, options, config), conn.unbind
