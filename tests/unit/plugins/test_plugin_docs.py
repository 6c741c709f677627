# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every plugin's DOCUMENTATION, EXAMPLES and RETURN is YAML without a duplicate key.

YAML keeps the last of two equal keys without a word, and so do ansible-doc and Ansible: an example
with two ``initials:`` keys shows one of them to whoever copies it. The sanity tests do not see it
in the EXAMPLES of a filter's ``.yml`` file (a string there), so this test reads them all."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

PLUGINS = Path(__file__).resolve().parents[3] / "plugins"
DOC_NAMES = ("DOCUMENTATION", "EXAMPLES", "RETURN")


class DuplicateKeyError(yaml.constructor.ConstructorError):
    pass


class StrictLoader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
    """SafeLoader that refuses a mapping with two equal keys and reads Ansible's tags
    (``!unsafe``, ``!vault``) as the plain node underneath."""


def _mapping(loader, node, deep=False):
    seen = {}
    for key_node, dummy in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            continue  # SafeLoader reports an unhashable key itself
        if key in seen:
            raise DuplicateKeyError("while constructing a mapping", node.start_mark,
                                    "found duplicate key %r (first at line %d)" % (key, seen[key] + 1),
                                    key_node.start_mark)
        seen[key] = key_node.start_mark.line
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


def _tagged(loader, dummy, node):
    if isinstance(node, yaml.MappingNode):
        return _mapping(loader, node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
StrictLoader.add_multi_constructor("!", _tagged)


def strict_load(text):
    return yaml.load(text, Loader=StrictLoader)  # a SafeLoader: no arbitrary objects


def _docs():
    """(plugin file relative to plugins/, doc name, YAML text) of every plugin doc."""
    for path in sorted(PLUGINS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and getattr(node.targets[0], "id", None) in DOC_NAMES
                    and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
                yield str(path.relative_to(PLUGINS)), node.targets[0].id, node.value.value
    for path in sorted(PLUGINS.rglob("*.yml")):
        doc = strict_load(path.read_text(encoding="utf-8"))
        for name in DOC_NAMES:
            if isinstance((doc or {}).get(name), str):  # EXAMPLES: a YAML string in the YAML file
                yield str(path.relative_to(PLUGINS)), name, doc[name]


DOCS = list(_docs())


def test_the_plugins_have_docs():
    names = set((path, name) for path, name, dummy in DOCS)
    assert ("modules/ldap_accounts.py", "EXAMPLES") in names
    assert ("filter/initials.yml", "EXAMPLES") in names
    assert ("lookup/vault.py", "EXAMPLES") in names


@pytest.mark.parametrize("path, name, text", DOCS, ids=["%s:%s" % (p, n) for p, n, dummy in DOCS])
def test_no_duplicate_key(path, name, text):
    try:
        strict_load(text)
    except DuplicateKeyError as exc:
        pytest.fail("%s %s: %s" % (path, name, exc))


@pytest.mark.parametrize("text", [
    "initials: a\ninitials: b\n",
    "- name: task\n  debug:\n    msg: a\n    msg: b\n",
    "x: !unsafe {a: 1, a: 2}\n",
])
def test_the_loader_finds_a_duplicate_key(text):
    with pytest.raises(DuplicateKeyError, match="duplicate key"):
        strict_load(text)


def test_the_loader_reads_ansible_tags_and_distinct_keys():
    assert strict_load("a: !unsafe '{{ x }}'\nb: [1, 1]\nc: {d: 1, e: 1}\n") == {"a": "{{ x }}", "b": [1, 1], "c": {"d": 1, "e": 1}}
