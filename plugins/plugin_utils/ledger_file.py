# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The vault's identifier ledger on disk (for internal use).

One file beside the vault, ``<vault>.ledger``, encrypted with the vault's secret in the same
ansible-vault envelope (``ansible-vault view`` shows it), written atomically with mode 0600 - the
vault's own part that the target modules write (``hr_collect`` alone writes the vault itself). One
section per target (module, server and scope), so two targets never mix: several targets run in
parallel forks, so a save re-reads the file under its own lock and replaces only its section.
"""

from __future__ import annotations

from ansible_collections.jml.provisioning.plugins.module_utils.provision import ledger as ledgerlib
from ansible_collections.jml.provisioning.plugins.plugin_utils import sections_file


def path_of(vault_path):
    return vault_path + ".ledger"


def read(vault_path, target, secrets, encrypted=True):
    """This target's section (an empty one before the first run)."""
    document = sections_file.read_document(path_of(vault_path), ledgerlib.FORMAT, "the ledger", secrets, encrypted,
                                           ledgerlib.LedgerError)
    return ledgerlib.check_section(document["targets"].get(target), f"the ledger {path_of(vault_path)} [{target}]")


def save(vault_path, target, section, secrets, encrypt=True, vault_id=None, timeout=60.0):
    """Store this target's section; the other targets' sections are kept as the file has them now."""
    sections_file.save_section(path_of(vault_path), ledgerlib.FORMAT, "the ledger", target, section, secrets, encrypt,
                               vault_id, timeout, ledgerlib.LedgerError)
