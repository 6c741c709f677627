# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shell's reading of rules_file: libyaml's safe loader gives what PyYAML's own gives, and a
file that cannot be read is a configuration error naming it."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.jml.provisioning.plugins.module_utils.provision.config import ConfigError
from ansible_collections.jml.provisioning.plugins.plugin_utils.target_action import load_rules
from ansible_collections.jml.provisioning.plugins.plugin_utils.yaml_loader import SAFE_LOADER

RULES = """\
defaults: &grant
  grant: [staff]
rules:
  - name: "Sales – EU (é, 李)"
    when: contract.department.code in ['S1', 'S2'] and person.name.given != ''
    <<: *grant
  - name: started
    when: contract.start <= '2026-12-01'
    since: 2026-12-01
    grant: [cn=Émile\\, Zoë,ou=groups,dc=example,dc=test]
  - name: folded
    when: >-
      contract.title.code
      == 'ENG'
    grant:
      - engineers
    revoke: ~
    weight: 1.5e3
    flags: [yes, no, on, off, 0x1F, 010]
"""


def test_rules_are_what_pyyamls_own_safe_loader_reads(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text(RULES, encoding="utf-8")
    assert load_rules(str(path)) == yaml.load(RULES, Loader=yaml.SafeLoader)["rules"]  # nosec B506
    assert SAFE_LOADER is getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@pytest.mark.parametrize("content, why", [
    (b"rules:\n  - name: caf\xe9\n", "cannot be read"),            # Latin-1, not UTF-8
    (b"rules: [a, b\n", "cannot be read"),                        # broken YAML
    (b"rules: 12\n", "must hold a list of rules"),
])
def test_a_rules_file_that_cannot_be_used_is_a_configuration_error_naming_it(tmp_path, content, why):
    path = tmp_path / "rules.yml"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match="rules_file %s %s" % (path, why)):
        load_rules(str(path))
