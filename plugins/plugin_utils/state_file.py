# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The incremental state on disk, encrypted with the vault's secret like the ledger
(``sections_file``), one section per target (for internal use):

- ``<vault>.state`` - small, written by every real run: the last run's inputs, date, change mark
  and outcome (its correlation report names persons and accounts);
- ``<vault>.base`` - large (every account's DN, the groups' members, each record's digest),
  written only by a full reconcile: a cycle that plans what changed since reads it and leaves it
  alone (re-encrypting it every 15 minutes would cost more than the cycle).
"""

from __future__ import annotations

from ansible_collections.jml.provisioning.plugins.module_utils.provision import incremental
from ansible_collections.jml.provisioning.plugins.plugin_utils import sections_file

WHAT = {"state": "the incremental state", "base": "the incremental base"}


def path_of(vault_path, kind="state"):
    return vault_path + "." + kind


def read(vault_path, target, secrets, encrypted=True, kind="state"):
    """This target's recorded state (``kind``: ``state`` or ``base``), or None."""
    document = sections_file.read_document(path_of(vault_path, kind), incremental.FORMAT, WHAT[kind], secrets,
                                           encrypted, incremental.StateError)
    section = document["targets"].get(target)
    return section if isinstance(section, dict) else None


def save(vault_path, target, state, secrets, encrypt=True, vault_id=None, timeout=60.0, kind="state"):
    sections_file.save_section(path_of(vault_path, kind), incremental.FORMAT, WHAT[kind], target, state, secrets,
                               encrypt, vault_id, timeout, incremental.StateError, replace_unreadable=True)
