# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""galaxy.yml holds what Galaxy and Automation Hub accept, and the files it points at exist."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
GALAXY = yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))
# ansible-galaxy's rule for namespace, name and tags: lower-case letters, digits and underscores,
# not starting with an underscore or a digit, no two underscores in a row.
NAME = re.compile(r"^(?!.*__)[a-z][a-z0-9_]*$")


def test_tags_are_what_galaxy_accepts():
    tags = GALAXY["tags"]
    assert 0 < len(tags) <= 20
    assert [t for t in tags if not NAME.match(t) or len(t) > 64] == []
    assert len(set(tags)) == len(tags)


def test_links_and_people():
    for key in ("repository", "homepage", "documentation", "issues"):
        assert re.match(r"^https://[^\s/]+/\S+$", GALAXY[key]), key
    assert GALAXY["authors"] and all(isinstance(a, str) and a for a in GALAXY["authors"])
    assert NAME.match(GALAXY["namespace"]) and NAME.match(GALAXY["name"])
    assert re.match(r"^\d+\.\d+\.\d+$", GALAXY["version"])


def test_licence_and_the_community_files():
    assert GALAXY["license"] == ["GPL-3.0-or-later"] and "license_file" not in GALAXY
    copying = (ROOT / "COPYING").read_text(encoding="utf-8")
    assert copying.lstrip().startswith("GNU GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007")
    assert "END OF TERMS AND CONDITIONS" in copying
    for name in (GALAXY["readme"], "CONTRIBUTING.md", "SECURITY.md", "CHANGELOG.rst"):
        assert (ROOT / name).is_file(), name
