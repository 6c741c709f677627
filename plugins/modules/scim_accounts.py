#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scim_accounts
short_description: Reconcile the users and groups of a SCIM 2.0 service provider with the JML vault
version_added: 0.2.0
description:
  - TODO
author:
  - jml.provisioning maintainers (!UNKNOWN)
options: {}
"""

EXAMPLES = r"""
"""

RETURN = r"""
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.jml.provisioning.plugins.module_utils.options import SCIM_ACCOUNTS_SPEC


def main():
    module = AnsibleModule(argument_spec=SCIM_ACCOUNTS_SPEC, supports_check_mode=True)
    module.fail_json(msg="jml.provisioning.scim_accounts runs as an action plugin on the controller; "
                         "it cannot run as a module on a remote host")


if __name__ == "__main__":
    main()
