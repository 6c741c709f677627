# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make ``ansible_collections.jml.provisioning`` importable from any checkout.

The repository root is the collection root. Python finds it as a namespace package under
``<root>/.build/collections/ansible_collections/jml/provisioning`` (a symlink to the root, created
here when missing), so the engine imports exactly as the plugins import it, without Ansible's
collection loader.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLLECTIONS = ROOT / ".build" / "collections"


def _link_collection():
    namespace = COLLECTIONS / "ansible_collections" / "jml"
    namespace.mkdir(parents=True, exist_ok=True)
    link = namespace / "provisioning"
    if link.is_symlink() and link.resolve() != ROOT:
        link.unlink()  # left over from another checkout (e.g. a copied tree)
    if not link.is_symlink() and not link.exists():
        try:
            link.symlink_to(ROOT, target_is_directory=True)
        except FileExistsError:  # a parallel run made it meanwhile
            pass
    if link.resolve() != ROOT:
        raise RuntimeError("%s must be a symlink to %s" % (link, ROOT))
    if str(COLLECTIONS) not in sys.path:
        sys.path.insert(0, str(COLLECTIONS))


_link_collection()


# Test helpers (throwaway slapd, HR API, workspace) live in tests/support.
SUPPORT = str(ROOT / "tests" / "support")
if SUPPORT not in sys.path:
    sys.path.insert(0, SUPPORT)
