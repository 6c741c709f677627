# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The layout is the architecture: these imports would undo it (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

MODULE_UTILS = Path(__file__).resolve().parents[4] / "plugins" / "module_utils"
PREFIX = "ansible_collections.jml.provisioning.plugins.module_utils."
# folder -> the folders of module_utils it may import from ("" is the top: options, limits, records)
ALLOWED = {
    "expressions": {"", "expressions"},
    "sources": {"", "sources"},
    "collect": {"", "collect", "expressions", "sources", "provision"},
    "provision": {"", "provision", "expressions", "notify"},
    "notify": {"", "notify", "expressions"},
    "report": {"", "report"},
    "audit": {"", "audit"},
    "targets/ldap": {"", "targets/ldap", "provision", "expressions"},
    "targets/scim": {"", "targets/scim", "provision", "expressions"},
    "targets/file": {"", "targets/file", "provision", "expressions"},
    "": {""},
}


def _modules():
    for path in sorted(MODULE_UTILS.rglob("*.py")):
        folder = path.parent.relative_to(MODULE_UTILS).as_posix()
        yield pytest.param(path, "" if folder == "." else folder, id=path.relative_to(MODULE_UTILS).as_posix())


def _imports(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module + "." + alias.name for alias in node.names]
            yield node.module, names
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [alias.name]


def _folder_of(dotted):
    """``provision.plan`` -> ``provision``; ``targets.ldap._ber`` -> ``targets/ldap``; ``limits`` -> ``""``."""
    parts = dotted.split(".")
    packages = [p for p in parts if (MODULE_UTILS / "/".join(parts[:parts.index(p) + 1])).is_dir()]
    return "/".join(packages)


@pytest.mark.parametrize("path, folder", list(_modules()))
def test_each_folder_imports_only_the_layers_below_it(path, folder):
    for module, names in _imports(path):
        if module.split(".")[0] == "ldap3":
            assert folder == "targets/ldap", f"{path.name}: only targets/ldap may import ldap3"
        if not module.startswith(PREFIX.rstrip(".")):
            continue
        for name in names:
            used = _folder_of(name[len(PREFIX):]) if name.startswith(PREFIX) else ""
            assert used in ALLOWED[folder], f"{folder}/{path.name} imports {name} ({used or 'top'})"


def test_every_module_is_in_a_known_folder():
    folders = set(p.parent.relative_to(MODULE_UTILS).as_posix() for p in MODULE_UTILS.rglob("*.py"))
    assert folders - {"."} <= set(ALLOWED), "a new folder needs its place in docs/architecture.md and here"


@pytest.mark.parametrize("path, folder", [p for p in _modules() if p.values[0].name.startswith("_")])
def test_an_internal_module_is_used_only_inside_its_folder(path, folder):
    dotted = PREFIX + (folder.replace("/", ".") + "." if folder else "") + path.stem
    for other in MODULE_UTILS.parent.parent.joinpath("plugins").rglob("*.py"):
        if other.parent == path.parent:
            continue
        for module, names in _imports(other):
            assert dotted not in [module] + names, f"{other} imports the internal {dotted}"
