# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The target port: what the engine asks of any target (for internal use).

``reconcile.run`` talks to a directory, a SCIM service or an export file only through these
calls. Each is a bulk call over the whole population, made at a fixed point of the run (read,
between planning passes, pre-flight, apply), never per person from inside the planner. A target
implements the abstract ones; the others have answers that fit a target without containers,
foreign objects or a scope outside the managed one.

The flavour's rules (attribute limits, how disable works, attribute kinds) are data the adapter
puts into the compiled ``TargetConfig`` (``limits``, ``switch``, ``integer_never_attributes``...),
so planning reads them without asking the target.
"""

from __future__ import annotations

import abc
from typing import Dict, Iterable, List, Optional, Set, Tuple


class Target(abc.ABC):
    """One target of one run. ``Account`` and ``Operation`` are the engine's (correlation, plan)."""

    @abc.abstractmethod
    def read_accounts(self) -> list:
        """Every account in the managed scope, as ``correlation.Account`` (paged, one pass)."""

    @abc.abstractmethod
    def taken_names(self) -> Dict[str, List[str]]:
        """Unique attribute -> the values any object already holds (asked once, between planning
        passes, and only when a login must be chosen)."""

    def read_groups(self, groups: Iterable[str]) -> Dict[str, dict]:
        """The managed groups (normalised key -> {dn, exists, members}); asked when rules name groups."""
        raise NotImplementedError("this target has no groups")

    def find_groups(self, names: Iterable[str]) -> Dict[str, str]:
        """Group name -> its key, for rules that name groups by a looked-up attribute."""
        raise NotImplementedError("this target cannot look groups up by name")

    def anchored_outside(self, values: Iterable[str]) -> list:
        """Accounts outside the managed scope that carry one of these anchor values."""
        return []

    def held_dns(self, dns: Iterable[str]) -> Set[str]:
        """Which of these normalised keys an object the run does not manage already holds."""
        return set()

    def missing_containers(self, containers: Iterable[str]) -> Set[str]:
        """Which of these containers do not exist."""
        return set()

    def preflight(self, operations: list) -> List[Tuple[object, str]]:
        """Read-only: ``(operation, reason)`` for each operation the target would refuse."""
        return []

    def change_mark(self) -> Optional[dict]:
        """After the reads (a full read, or an incremental cycle's ``changes_since`` and the reads
        that follow): a mark of the directory as they saw it (its change stamps), for a later run
        to ask ``unchanged_since``; None when the target keeps no such stamps."""
        return None

    def refreshed_mark(self) -> Optional[dict]:
        """After ``unchanged_since`` said yes: the same mark with what lets the next run say it
        sooner (the directory's newest-write stamp read first), or None when it has nothing new."""
        return None

    def changes_since(self, mark: dict) -> Optional[dict]:
        """For an incremental cycle: ``{changed: [Account] (whole, stamp at or above the mark's),
        present: {lower-case key of every account now}, group_stamps: {group key: stamp or None}}``;
        None when the target cannot say (no stamps, or the mark cannot be trusted): a full reconcile."""
        return None

    def untrusted_mark(self) -> str:
        """After ``changes_since`` gave None: why the mark could not be trusted ("" when it does not say)."""
        return ""

    def accounts_with(self, attribute: str, values: Iterable[str]) -> list:
        """The accounts in the managed scope whose ``attribute`` holds one of ``values``."""
        raise NotImplementedError("this target cannot look accounts up by attribute")

    def unchanged_since(self, mark: dict) -> Tuple[bool, str]:
        """``(True, how)`` only when the target proves that nothing a reconcile reads has changed
        since ``mark`` was taken (``how``: empty, or which stamp told); else ``(False, why)``.
        Read-only, asked before any read."""
        return False, "the target keeps no change marks"

    @abc.abstractmethod
    def apply(self, operations: list) -> Tuple[list, List[dict]]:
        """Write the operations in order: ``(done, failures)``; a failing one never stops the others."""
