# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Running a whole-population step in one Python process (for internal use)."""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def paused_gc():
    """Pause the cyclic garbage collector for one bulk step.

    A collect or reconcile builds millions of small, long-lived dicts; every full GC pass walks
    them all, which measured ~3 s of a 14 s collect at 100k persons. The data has no reference
    cycles to reclaim, so pausing costs no memory; the collector is back on afterwards.
    """
    was_enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()
