# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Collect fingerprint: lets an unchanged collect stop right after reading its sources (for internal use).

A keyed HMAC (the key derives from the vault secret) over everything the new vault depends on:
the collect's options, a SHA-256 of every source's raw content, the date when retention applies,
and the current vault file itself. Stored next to the vault (``<vault>.fingerprint``, encrypted
like the vault, 0600) with the previous result's counts and rejections. When it matches, the new
vault would equal the current one, so decrypting, parsing, mapping and comparing 100k persons is
skipped (6 s -> about the cost of reading the sources at 100k persons).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os

from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.jml.provisioning.plugins.plugin_utils import vault_envelope, vault_file
from ansible_collections.jml.provisioning.plugins.plugin_utils.results import write_private_file

FORMAT = "jml.provisioning/fingerprint/v1"


def path_of(vault_path):
    return vault_path + ".fingerprint"


def _file_sha256(path):
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


def compute(options, data_by_source, today, secret_bytes, vault_path):
    """The fingerprint (hex) of this collect's inputs, or None when a source gave no digest."""
    digests = {}
    for name, data in sorted(data_by_source.items()):
        absences = [data.absences] if getattr(data, "absences", None) is not None else []  # none: as before
        parts = [data.persons, data.contracts] + absences + [data.lookups_rows.get(k) for k in sorted(data.lookups_rows)]
        values = [part.digest if part is not None else "-" for part in parts]
        if any(value is None for value in values):
            return None
        digests[name] = values
    material = {
        "format": FORMAT,
        "options": dict((k, v) for k, v in options.items() if k not in ("max_reported", "missing_vault")),
        "sources": digests,
        "today": today.isoformat() if options.get("retention_days") is not None else None,
        "vault": _file_sha256(vault_path),
    }
    text = json.dumps(material, sort_keys=True, default=str, ensure_ascii=True)
    key = hashlib.sha256(b"jml.provisioning fingerprint\0" + (secret_bytes or b"")).digest()
    return hmac.new(key, to_bytes(text), hashlib.sha256).hexdigest()


def load(vault_path, secrets, encrypted=True):
    """The stored ``{fingerprint, result}``, or None (missing, unreadable, another format, or plain
    where it must be an envelope: a forged fingerprint only makes the collect read everything)."""
    try:
        with open(path_of(vault_path), "rb") as handle:
            data = handle.read()
        if not vault_envelope.is_envelope(data) and encrypted and secrets:
            return None
        if vault_envelope.is_envelope(data):
            data = vault_envelope.read(data, [(vid, secret.bytes) for vid, secret in secrets])
        stored = json.loads(data)
    except (OSError, ValueError, vault_envelope.EnvelopeError):
        return None
    return stored if isinstance(stored, dict) and stored.get("format") == FORMAT else None


def save(vault_path, value, result, secrets, encrypt, vault_id):
    """Store the fingerprint of the collect that produced the current vault, with its result."""
    if value is None:
        forget(vault_path)
        return
    data = to_bytes(json.dumps({"format": FORMAT, "fingerprint": value, "result": result}, sort_keys=True))
    if encrypt:
        secret_id, secret = vault_file.pick_secret(secrets, vault_id)
        buffer = io.BytesIO()
        vault_envelope.write(buffer, data, secret.bytes, secret_id if vault_id else None)
        data = buffer.getvalue()
    write_private_file(path_of(vault_path), data)


def forget(vault_path):
    try:
        os.unlink(path_of(vault_path))
    except FileNotFoundError:
        pass
