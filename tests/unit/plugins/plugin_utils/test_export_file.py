# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bytes of a file_accounts export: encoding, the vault envelope both ways, 0600, clear errors."""

from __future__ import annotations

import os

import pytest
from ansible.parsing.vault import VaultLib, VaultSecret

from ansible_collections.jml.provisioning.plugins.module_utils.targets.file.export import ExportError
from ansible_collections.jml.provisioning.plugins.plugin_utils.export_file import ExportFile
from ansible_collections.jml.provisioning.plugins.plugin_utils.vault_file import VaultFileError

SECRETS = [("default", VaultSecret(b"unit-test-secret"))]
TEXT = "username;employee_id\nj\u00f6rg;1\n"


def test_a_missing_export_is_none_and_a_plain_one_round_trips_in_its_encoding(tmp_path):
    path = str(tmp_path / "export.csv")
    export = ExportFile([], encoding="cp1252")
    assert export.load(path) is None
    export.save(path, TEXT)
    assert open(path, "rb").read() == TEXT.encode("cp1252") and (os.stat(path).st_mode & 0o777) == 0o600
    assert export.load(path) == TEXT
    with pytest.raises(ExportError, match="is not utf-8 text"):
        ExportFile([]).load(path)
    with pytest.raises(OSError, match="cannot be written in cp1252"):
        export.save(path, "\u0141ukasz")


def test_an_encrypted_export_is_an_ansible_vault_envelope_read_back_in_memory(tmp_path):
    path = str(tmp_path / "export.csv")
    export = ExportFile(SECRETS, encrypt=True)
    export.save(path, TEXT)
    data = open(path, "rb").read()
    assert data.startswith(b"$ANSIBLE_VAULT;1.1;AES256") and b"employee_id" not in data
    assert VaultLib(SECRETS).decrypt(data).decode("utf-8") == TEXT
    assert export.load(path) == TEXT
    with pytest.raises(ExportError, match="vault-encrypted but encrypt_export is false"):
        ExportFile(SECRETS).load(path)
    with pytest.raises(ExportError, match="cannot decrypt the previous export .*wrong vault password"):
        ExportFile([("default", VaultSecret(b"another"))], encrypt=True).load(path)


def test_a_plain_export_is_refused_when_encryption_is_on_and_no_secret_fails_first(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(TEXT, encoding="utf-8")
    with pytest.raises(ExportError, match="not an ansible-vault envelope but encrypt_export is true"):
        ExportFile(SECRETS, encrypt=True).load(str(path))
    with pytest.raises(VaultFileError, match="no vault secret is configured"):
        ExportFile([], encrypt=True)
