# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading a ``decisions_file`` on the controller (for internal use): the target modules and the
correlate lookup read it the same way."""

from __future__ import annotations

import yaml

from ansible_collections.jml.provisioning.plugins.module_utils.provision import decisions as decisionslib
from ansible_collections.jml.provisioning.plugins.plugin_utils.yaml_loader import SAFE_LOADER


def load_decisions(path):
    """The reviewed correlation decisions of ``decisions_file`` (None when not set), parsed and
    checked for contradictions here; checked against the vault and the accounts when planning.
    Raises ``decisions.DecisionError`` naming the file."""
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            document = yaml.load(handle, Loader=SAFE_LOADER)  # nosec B506 - a safe loader
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise decisionslib.DecisionError(f"decisions_file {path} cannot be read: {exc}")
    return decisionslib.parse(document, f"decisions_file {path}")
