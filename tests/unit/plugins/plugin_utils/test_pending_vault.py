# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The check-mode collect's hand-off: the would-be vault as an encrypted difference to the vault
on disk, read back only in check mode and only onto the vault it was made from."""

from __future__ import annotations

import pytest
from ansible.parsing.vault import VaultSecret

from ansible_collections.jml.provisioning.plugins.module_utils.collect import vault_doc
from ansible_collections.jml.provisioning.plugins.plugin_utils import pending_vault, vault_file

SECRETS = [("default", VaultSecret(b"unit-test-secret"))]


def _doc(**persons):
    return vault_doc.build(dict((pid, {"id": pid, "name": {"display": name}, "contracts": []})
                                for pid, name in persons.items()), [], "2026-12-02T02:00:00Z")


@pytest.fixture
def vault(tmp_path):
    path = tmp_path / "vault.json"
    vault_file.write(str(path), _doc(a="Anna", b="Bert"), SECRETS)
    return str(path)


def _hand_off(path, document):
    text, previous = vault_file.read_with_text(path, SECRETS)
    return {pending_vault.fact_name(path): pending_vault.encode(path, pending_vault.digest(text), previous, document,
                                                                SECRETS)}


def test_check_mode_reads_the_would_be_vault_and_a_real_run_the_vault_on_disk(vault):
    new = _doc(a="Anna Smit", c="Cor")
    facts = _hand_off(vault, new)
    document, handed = pending_vault.read(vault, SECRETS, facts, check_mode=True)
    assert handed and document["persons"] == new["persons"]
    document, handed = pending_vault.read(vault, SECRETS, facts, check_mode=False)
    assert not handed and sorted(document["persons"]) == ["a", "b"]


def test_the_hand_off_is_encrypted_and_holds_only_the_difference(vault):
    [blob] = _hand_off(vault, _doc(a="Anna", b="Bert", c="Cor Jansen")).values()
    assert blob.startswith("$ANSIBLE_VAULT;1.1;AES256")
    assert "Cor Jansen" not in blob and "Anna" not in blob


def test_the_controllers_fact_is_found_from_another_host(vault):
    facts = _hand_off(vault, _doc(c="Cor"))
    document, handed = pending_vault.read(vault, SECRETS, {"hostvars": {"localhost": facts}}, check_mode=True)
    assert handed and sorted(document["persons"]) == ["c"]


def test_a_vault_changed_since_the_collect_refuses_the_hand_off(vault):
    facts = _hand_off(vault, _doc(c="Cor"))
    vault_file.write(vault, _doc(z="Zoe"), SECRETS)
    with pytest.raises(pending_vault.PendingVaultError, match="changed after this run's check-mode collect"):
        pending_vault.read(vault, SECRETS, facts, check_mode=True)


def test_a_first_collect_hands_off_the_whole_vault(tmp_path):
    path = str(tmp_path / "none.json")
    facts = {pending_vault.fact_name(path): pending_vault.encode(path, None, None, _doc(a="Anna"), SECRETS)}
    document, handed = pending_vault.read(path, SECRETS, facts, check_mode=True)
    assert handed and sorted(document["persons"]) == ["a"]


def test_a_plain_vault_or_fingerprint_is_refused_when_the_play_has_a_secret(tmp_path):
    from ansible_collections.jml.provisioning.plugins.plugin_utils import fingerprint
    path = str(tmp_path / "vault.json")
    vault_file.write(path, _doc(a="Anna"), encrypt=False)
    with pytest.raises(vault_file.VaultFileError, match="not an ansible-vault envelope"):
        vault_file.read(path, SECRETS)
    assert sorted(vault_file.read(path, SECRETS, encrypted=False)["persons"]) == ["a"]
    assert sorted(vault_file.read(path, [])["persons"]) == ["a"], "no secret: nothing to authenticate with"
    fingerprint.save(path, "f" * 64, {"persons": 1}, SECRETS, False, None)
    assert fingerprint.load(path, SECRETS) is None, "a plain (forgeable) fingerprint is ignored"
    assert fingerprint.load(path, SECRETS, encrypted=False)["fingerprint"] == "f" * 64
