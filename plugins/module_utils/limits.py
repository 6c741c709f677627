# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The limits that apply when none are configured (for internal use): safe by default.

An empty or shrunken HR export must never disable the company, so out of the box a collect that
would remove more than 10% of the persons (or 50, whichever is smaller), or read nothing from a
source that had persons, stops with the vault untouched; and a reconcile that would disable or
delete more than 10% of the accounts it manages (or 50) stops before any write. Configured
thresholds replace these; an empty mapping (``thresholds: {}``) switches the target's off.
"""

from __future__ import annotations

DEFAULT_SOURCE_THRESHOLDS = {"removed": {"count": 50, "percent": 10.0}, "empty_source": True}
DEFAULT_TARGET_THRESHOLDS = {"disable": {"count": 50, "percent": 10.0}, "delete": {"count": 50, "percent": 10.0}}


def source_thresholds(configured):
    """The collect's thresholds: the configured ones, or the defaults when none are."""
    return DEFAULT_SOURCE_THRESHOLDS if configured is None else configured


def target_thresholds(configured):
    """A target's thresholds: the configured ones (``{}`` is none at all), or the defaults."""
    return DEFAULT_TARGET_THRESHOLDS if configured is None else configured
