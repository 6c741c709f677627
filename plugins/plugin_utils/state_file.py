# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The incremental state on disk: ``<vault>.state``, one section per target, encrypted with the
vault's secret like the ledger (``sections_file``) - it holds the last run's correlation report,
which names persons and accounts (for internal use)."""

from __future__ import annotations

from ansible_collections.jml.provisioning.plugins.module_utils.provision import incremental
from ansible_collections.jml.provisioning.plugins.plugin_utils import sections_file

WHAT = "the incremental state"


def path_of(vault_path):
    return vault_path + ".state"


def read(vault_path, target, secrets, encrypted=True):
    """This target's recorded state, or None."""
    document = sections_file.read_document(path_of(vault_path), incremental.FORMAT, WHAT, secrets, encrypted,
                                           incremental.StateError)
    section = document["targets"].get(target)
    return section if isinstance(section, dict) else None


def save(vault_path, target, state, secrets, encrypt=True, vault_id=None, timeout=60.0):
    sections_file.save_section(path_of(vault_path), incremental.FORMAT, WHAT, target, state, secrets, encrypt,
                               vault_id, timeout, incremental.StateError)
