# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):
    """How the lookups read the vault (plugin_utils/pending_vault.py)."""

    DOCUMENTATION = r"""
options:
  encrypt:
    description:
      - The vault is an ansible-vault envelope. With a vault secret in the play, a plain vault is
        refused (anyone who can write the file could have forged it); set V(false) to read a plain
        vault on purpose (one written by M(jml.provisioning.hr_collect) with O(jml.provisioning.hr_collect#module:encrypt=false)).
      - In check mode the would-be vault of this run's check-mode M(jml.provisioning.hr_collect) is
        read instead of the file, when there is one.
    type: bool
    default: true
"""
