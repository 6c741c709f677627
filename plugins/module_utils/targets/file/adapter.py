# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The flat-file adapter of the target port: a CSV or JSON Lines export (for internal use).

The previous export is the directory: it is read once, the plan is applied to its rows in
memory, and the new export is written once, atomically, only when its text changed (an
unchanged run leaves the file and its mtime alone). Reading and writing the bytes (the vault
envelope, mode 0600) are the shell's, passed in as ``load`` and ``save``.
"""

from __future__ import annotations

import os
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from ansible_collections.jml.provisioning.plugins.module_utils.provision.port import Target
from ansible_collections.jml.provisioning.plugins.module_utils.targets.file import export as exportlib

WRITE_FAILED = "the export could not be written"


class FileTarget(Target):
    """The target port over one export file. ``load(path) -> text or None`` (absent) raises
    ``ExportError``; ``save(path, text)`` raises ``OSError``."""

    def __init__(self, layout: exportlib.Layout, path: str, load: Callable[[str], Optional[str]],
                 save: Callable[[str, str], None], delta_path: Optional[str] = None,
                 unique_attributes: Iterable[str] = ()):
        self.layout, self.path, self.delta_path = layout, path, delta_path
        self.load, self.save = load, save
        self.unique_attributes = list(unique_attributes) or [layout.username]
        self.text = None
        self.previous = None
        self.accounts = None  # the rows' accounts, made once (read, then the taken names)
        self.written = False  # the export was rewritten by this run
        self.delta_rows = 0

    def _read(self):
        if self.previous is None:
            self.text = self.load(self.path)
            self.previous = exportlib.parse(self.text, self.layout)
        return self.previous

    def read_accounts(self) -> list:
        if self.accounts is None:
            self.accounts = exportlib.accounts(self._read(), self.layout)
        return self.accounts

    def taken_names(self) -> Dict[str, List[str]]:
        taken = dict((a, set()) for a in self.unique_attributes)
        for account in self.read_accounts():
            for attribute in self.unique_attributes:
                taken[attribute].update(account.values(attribute))
        return taken

    def read_groups(self, groups) -> Dict[str, dict]:
        return exportlib.members(self._read(), self.layout, groups)

    def preflight(self, operations: list) -> List[Tuple[object, str]]:
        """Read-only: an export (or delta) folder that does not exist or cannot be written fails
        every operation - the whole file is one write."""
        for path in [self.path] + ([self.delta_path] if self.delta_path else []):
            reason = unwritable(path)
            if reason:
                return [(op, reason) for op in operations]
        return []

    def apply(self, operations: list) -> Tuple[list, List[dict]]:
        applied = exportlib.apply(self._read(), operations, self.layout)
        if not applied.done:
            return [], applied.failures
        text = exportlib.render(applied.export, self.layout)
        if text != (self.text or ""):
            try:
                self.save(self.path, text)
            except OSError as exc:
                error = f"{WRITE_FAILED}: {self.path}: {exc.strerror or exc}; the previous export is unchanged"
                return [], applied.failures + [{"person": op.person, "action": op.action, "dn": op.dn, "error": error}
                                               for op in applied.done]
            self.written = True
        if self.delta_path and applied.delta:
            delta = exportlib.delta_export(applied, self.layout)
            self.delta_rows = len(delta.rows)
            try:
                self.save(self.delta_path, exportlib.render(delta, self.layout))
            except OSError as exc:
                # The export is written: its operations are done; the delta's loss is reported.
                return applied.done, applied.failures + [{
                    "person": None, "action": "delta", "dn": None,
                    "error": f"the delta file could not be written: {self.delta_path}: {exc.strerror or exc}"}]
        return applied.done, applied.failures


def unwritable(path: str) -> Optional[str]:
    """Why a file at ``path`` cannot be written (atomically: a temporary file beside it), or None."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return f"{WRITE_FAILED}: the folder {folder} does not exist"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{WRITE_FAILED}: the folder {folder} is not writable"
    if os.path.isdir(path):
        return f"{WRITE_FAILED}: {path} is a folder"
    return None
