# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Vault history: the last N previous vaults, kept for audit next to the vault (for internal use).

A snapshot is the previous vault file copied byte for byte before it is replaced, so it is
encrypted exactly like the vault and costs a file copy, not a re-encryption. Snapshots live in
``<vault>.history/`` (mode 0700), named by their ``collected_at`` so names sort by age. Retention
reaches into history too: snapshots older than the retention are deleted, and persons purged
from the vault are removed from the snapshots that still hold them.
"""

from __future__ import annotations

import datetime
import os
import re

from ansible_collections.jml.provisioning.plugins.plugin_utils import vault_file

_NAME = re.compile(r"^vault-(\d{8}T\d{6}Z)\.json$")


def folder(vault_path):
    return vault_path + ".history"


def _stamp(collected_at):
    return re.sub(r"[^0-9TZ]", "", collected_at or "")[:16] or "unknown"


def snapshots(vault_path):
    """``[(datetime, path)]`` of the snapshots, oldest first."""
    where = folder(vault_path)
    if not os.path.isdir(where):
        return []
    found = []
    for name in os.listdir(where):
        match = _NAME.match(name)
        if match:
            when = datetime.datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
            found.append((when, os.path.join(where, name)))
    return sorted(found)


def keep_previous(vault_path, previous_collected_at, keep):
    """Copy the current vault file into the history (before it is replaced) and rotate to ``keep``."""
    if keep <= 0 or not os.path.exists(vault_path):
        return None
    where = folder(vault_path)
    os.makedirs(where, mode=0o700, exist_ok=True)
    target = os.path.join(where, f"vault-{_stamp(previous_collected_at)}.json")
    with open(vault_path, "rb") as handle:
        data = handle.read()
    _write_bytes(target, data)
    for dummy, path in snapshots(vault_path)[:-keep]:
        os.unlink(path)
    return target


def _write_bytes(path, data):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def apply_retention(vault_path, now, retention_days, purged, secrets, encrypt, vault_id):
    """Delete snapshots older than the retention; remove ``purged`` persons from the others."""
    removed, rewritten = [], []
    if retention_days is None:
        return removed, rewritten
    horizon = now - datetime.timedelta(days=retention_days)
    purged = set(purged or ())
    for when, path in snapshots(vault_path):
        if when < horizon:
            os.unlink(path)
            removed.append(path)
            continue
        if not purged:
            continue
        document = vault_file.read(path, secrets, encrypted=encrypt)
        if purged & set(document["persons"]):
            document["persons"] = dict((pid, p) for pid, p in document["persons"].items() if pid not in purged)
            vault_file.write(path, document, secrets, encrypt=encrypt, vault_id=vault_id)
            rewritten.append(path)
    return removed, rewritten
