# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How the engine declares its records (for internal use).

The plan's records (accounts, operations, person states) are dataclasses, so their fields are
visible; with ``__slots__``, because a 100k-person run holds some 300k of them (a ``__dict__``
each would cost ~50 MB). ``dataclass(slots=True)`` needs Python 3.10, the controller's floor for
the supported ansible-core versions; older interpreters (sanity's compile checks) get plain ones.
"""

from __future__ import annotations

import sys

SLOTS = {"slots": True} if sys.version_info >= (3, 10) else {}
