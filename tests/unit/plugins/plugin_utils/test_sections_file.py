# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A file of per-target sections (the incremental state and base, the ledger): each target's
section is kept when another's is saved, encrypted files are ansible-vault's format, and a save
is written straight into the file (the temporary file, then renamed: never half a file)."""

from __future__ import annotations

import json
import os
import stat

import pytest
from ansible.parsing.vault import VaultLib, VaultSecret

from ansible_collections.jml.provisioning.plugins.plugin_utils import sections_file

FMT = "jml.provisioning/test-v1"
SECRETS = [("default", VaultSecret(b"s3cret"))]


def save(path, target, section, encrypt=True):
    sections_file.save_section(str(path), FMT, "the test state", target, section, SECRETS, encrypt, None, 5.0,
                               ValueError)


def read(path, encrypt=True):
    return sections_file.read_document(str(path), FMT, "the test state", SECRETS, encrypt, ValueError)


@pytest.mark.parametrize("encrypt", [True, False])
def test_sections_are_kept_side_by_side_and_the_file_is_private(tmp_path, encrypt):
    path = tmp_path / "vault.json.base"
    big = dict(("uid=user%06d,ou=people,dc=x" % n, "%016x" % n) for n in range(60000))  # several MiB: many pieces
    save(path, "ldap://a", {"accounts": big}, encrypt)
    save(path, "ldap://b", {"accounts": {"uid=b": "1"}}, encrypt)
    document = read(path, encrypt)
    assert document["targets"]["ldap://a"] == {"accounts": big}
    assert document["targets"]["ldap://b"] == {"accounts": {"uid=b": "1"}}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [name for name in os.listdir(tmp_path) if name.startswith(".jml-")] == []  # no temporary file left
    data = path.read_bytes()
    if encrypt:
        plain = VaultLib(SECRETS).decrypt(data)  # ansible-vault opens it
        assert json.loads(plain)["targets"]["ldap://b"] == {"accounts": {"uid=b": "1"}}
        assert b"uid=user" not in data
    else:
        assert json.loads(data)["format"] == FMT
    save(path, "ldap://a", None, encrypt)
    assert list(read(path, encrypt)["targets"]) == ["ldap://b"]


def test_a_save_that_fails_midway_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "vault.json.state"
    save(path, "ldap://a", {"n": 1})
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(sections_file.vault_envelope, "write", broken)
    with pytest.raises(OSError, match="disk full"):
        save(path, "ldap://a", {"n": 2})
    assert path.read_bytes() == before
    assert [name for name in os.listdir(tmp_path) if name.startswith(".jml-")] == []
