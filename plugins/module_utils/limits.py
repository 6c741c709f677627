# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every limit of the collection in one syntax, with one error shape (for internal use).

A limit is a count (``10`` or ``"10"``), a percentage (``"5%"``) or both
(``{count: 10, percent: 5}``: the smaller applies). Percentages are of a base the caller names
(the previous vault's persons, the accounts a run manages, a source's rows) and round down.
The same parser serves the source thresholds, the target thresholds and ``max_rejected``.

Safe by default: an empty or shrunken HR export must never disable the company, so out of the
box a collect that would remove more than 10% of the persons (or 50, whichever is smaller), or
read nothing from a source that had persons, stops with the vault untouched; and a reconcile
that would disable or delete more than 10% of the accounts it manages (or 50) stops before any
write. Configured thresholds replace these; an empty mapping (``thresholds: {}``) switches the
target's off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

DEFAULT_SOURCE_THRESHOLDS = {"removed": {"count": 50, "percent": 10.0}, "empty_source": True}
DEFAULT_TARGET_THRESHOLDS = {"disable": {"count": 50, "percent": 10.0}, "delete": {"count": 50, "percent": 10.0}}


class LimitError(ValueError):
    """A limit that is neither a count nor a percentage; the message names the option."""


@dataclass(frozen=True)
class Limit:
    count: Optional[int] = None
    percent: Optional[float] = None

    def bound(self, base: int) -> Optional[int]:
        """The number not to exceed for ``base`` (None: the limit names neither)."""
        bounds = [] if self.count is None else [self.count]
        if self.percent is not None:
            bounds.append(int(base * self.percent / 100.0))
        return min(bounds) if bounds else None


def parse(spec: Any, label: str) -> Optional[Limit]:
    """``spec`` in any of the three forms -> a ``Limit`` (None when ``spec`` is None)."""
    if spec is None:
        return None
    try:
        if isinstance(spec, dict):
            unknown = set(spec) - {"count", "percent"}
            if unknown:
                raise ValueError(unknown)
            count, percent = spec.get("count"), spec.get("percent")
            return Limit(None if count is None else int(count), None if percent is None else float(percent))
        if isinstance(spec, bool):
            raise ValueError(spec)
        text = str(spec).strip()
        if text.endswith("%"):
            return Limit(percent=float(text[:-1]))
        return Limit(count=int(text))
    except (TypeError, ValueError):
        raise LimitError(f"{label} must be a count (10), a percentage (5%) or a mapping with count and/or percent, "
                         f"got {spec!r}")


def evaluate(count: int, spec: Any, base: int, label: str) -> Optional[dict]:
    """``{count, limit, exceeded}`` of ``count`` against ``spec`` (None: no limit set)."""
    limit = parse(spec, label)
    bound = limit.bound(base) if limit is not None else None
    if bound is None:
        return None
    return {"count": count, "limit": bound, "exceeded": count > bound}


def source_thresholds(configured):
    """The collect's thresholds: the configured ones, or the defaults when none are."""
    return DEFAULT_SOURCE_THRESHOLDS if configured is None else configured


def target_thresholds(configured):
    """A target's thresholds: the configured ones (``{}`` is none at all), or the defaults."""
    return DEFAULT_TARGET_THRESHOLDS if configured is None else configured
