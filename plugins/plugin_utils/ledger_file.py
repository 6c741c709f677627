# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The vault's identifier ledger on disk (for internal use).

One file beside the vault, ``<vault>.ledger``, encrypted with the vault's secret in the same
ansible-vault envelope (``ansible-vault view`` shows it), written atomically with mode 0600 - the
vault's own part that the target modules write (``hr_collect`` alone writes the vault itself). One
section per target (module, server and scope), so two targets never mix: several targets run in
parallel forks, so a save re-reads the file under its own lock and replaces only its section.
"""

from __future__ import annotations

import io
import json

from ansible.module_utils.common.text.converters import to_bytes, to_text

from ansible_collections.jml.provisioning.plugins.module_utils.provision import ledger as ledgerlib
from ansible_collections.jml.provisioning.plugins.plugin_utils import run_lock, vault_envelope, vault_file
from ansible_collections.jml.provisioning.plugins.plugin_utils.results import write_private_file


def path_of(vault_path):
    return vault_path + ".ledger"


def _read_document(vault_path, secrets, encrypted):
    path = path_of(vault_path)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return {"format": ledgerlib.FORMAT, "targets": {}}
    except OSError as exc:
        raise ledgerlib.LedgerError(f"the ledger {path} cannot be read: {exc.strerror or exc}")
    if vault_envelope.is_envelope(data):
        if not secrets:
            raise ledgerlib.LedgerError(f"the ledger {path} is encrypted but no vault secret is configured")
        try:
            data = vault_envelope.read(data, [(vid, secret.bytes) for vid, secret in secrets])
        except vault_envelope.EnvelopeError as exc:
            raise ledgerlib.LedgerError(f"cannot decrypt the ledger {path}: {to_text(exc)} (wrong vault password?)")
    elif encrypted and secrets:
        # A forged plain ledger could free a leaver's address for someone else: refused.
        raise ledgerlib.LedgerError(str(vault_file.refuse_plain(path, "ledger")))
    try:
        document = json.loads(to_text(data, errors="surrogate_or_strict"))
    except ValueError as exc:
        raise ledgerlib.LedgerError(f"the ledger {path} is not JSON: {exc}")
    if not isinstance(document, dict) or document.get("format") != ledgerlib.FORMAT or \
            not isinstance(document.get("targets"), dict):
        raise ledgerlib.LedgerError(f"the ledger {path} is not a {ledgerlib.FORMAT} document")
    return document


def read(vault_path, target, secrets, encrypted=True):
    """This target's section (an empty one before the first run)."""
    document = _read_document(vault_path, secrets, encrypted)
    return ledgerlib.check_section(document["targets"].get(target), f"the ledger {path_of(vault_path)} [{target}]")


def save(vault_path, target, section, secrets, encrypt=True, vault_id=None, timeout=60.0):
    """Store this target's section; the other targets' sections are kept as the file has them now."""
    with run_lock.held(path_of(vault_path) + ".lock", "ledger of " + target, timeout):
        document = _read_document(vault_path, secrets, encrypt)
        document["targets"][target] = section
        data = to_bytes(json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")))
        if encrypt:
            secret_id, secret = vault_file.pick_secret(secrets, vault_id)
            buffer = io.BytesIO()
            vault_envelope.write(buffer, data, secret.bytes, secret_id if vault_id else None)
            data = buffer.getvalue()
        write_private_file(path_of(vault_path), data)
