# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading and writing the vault file on the controller (for internal use).

The vault is decrypted in memory with the play's vault secrets and parsed as JSON; it never goes
through YAML or the DataLoader (60 s instead of 2 s at 100k persons) and the plaintext never
touches the disk. Writes are atomic (temp file in the same folder, fsync, rename) with mode 0600.
"""

from __future__ import annotations

import os
import tempfile

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible_collections.jml.provisioning.plugins.module_utils.collect import vault_doc
from ansible_collections.jml.provisioning.plugins.plugin_utils import vault_envelope


TEMP_PREFIX = ".vault-"  # the temporary file of a write in progress (a killed run's is removed by the next collect)


class VaultFileError(AnsibleError):
    """The vault file cannot be read, decrypted or written."""


def pick_secret(secrets, vault_id):
    """``(vault id, secret)`` to encrypt with: the one named ``vault_id``, else the first."""
    if not secrets:
        raise VaultFileError("no vault secret is configured: give --vault-id / --vault-password-file, "
                             "or set encrypt: false to write the vault in plain text")
    if vault_id:
        for secret_id, secret in secrets:
            if secret_id == vault_id:
                return secret_id, secret
        raise VaultFileError(f"vault id {vault_id!r} is not among the play's vault secrets ({', '.join((entry[0] for entry in secrets))})")
    return secrets[0]


def refuse_plain(path, what="vault"):
    """The error for a plain file where an encrypted one is expected: authenticated is the point."""
    return VaultFileError(
        "the %s %s is not an ansible-vault envelope but the play has a vault secret: refused, because "
        "anyone who can write that file could have forged it (set encrypt: false on this task to read a "
        "plain vault on purpose)" % (what, path))


def read_text(path, secrets, encrypted=True):
    """The vault's plaintext, decrypted in memory when it is an ansible-vault envelope; None if absent.

    The envelope authenticates the vault (its HMAC is keyed by the secret): with a vault secret
    and ``encrypted`` (the default), a plain file is refused, never trusted."""
    try:
        with open(path, "rb") as handle:
            if not vault_envelope.is_envelope(handle.read(256)):
                if encrypted and secrets:
                    raise refuse_plain(path)
                handle.seek(0)
                return to_text(handle.read(), errors="surrogate_or_strict")
            if not secrets:
                raise VaultFileError(f"the vault {path} is encrypted but no vault secret is configured (give --vault-id or --vault-password-file)")
            handle.seek(0)
            try:  # in pieces: the envelope's hex text is four times the plaintext
                data = vault_envelope.read_file(handle, [(vault_id, secret.bytes) for vault_id, secret in secrets])
            except vault_envelope.EnvelopeError as exc:
                raise VaultFileError(f"cannot decrypt the vault {path}: {to_text(exc)} (wrong vault password?)")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise VaultFileError(f"cannot read the vault {path}: {exc.strerror or exc}")
    return to_text(data, errors="surrogate_or_strict")


def missing_hint(path):
    """What to do about a vault that is not there (a lost one: its history, where to keep it)."""
    snapshots = []
    try:
        snapshots = sorted(name for name in os.listdir(path + ".history") if name.endswith(".json"))
    except OSError:
        pass
    where = ("from its history (%s.history/%s, the newest of %d snapshots)" % (path, snapshots[-1], len(snapshots))
             if snapshots else "from a backup")
    return ("if a vault was collected before, it is lost: restore it %s and run again. Under AWX/AAP the "
            "vault's folder must be a persistent path exposed to the job, not the ephemeral container "
            "(docs/awx.md in the collection)" % where)


def read(path, secrets, required=True, encrypted=True):
    """The parsed vault document; None when the file is absent and not ``required``."""
    return read_with_text(path, secrets, required, encrypted)[1]


def read_with_text(path, secrets, required=True, encrypted=True):
    """``(plaintext, parsed document)``; ``(None, None)`` when the file is absent and not ``required``."""
    text = read_text(path, secrets, encrypted)
    if text is None:
        if required:
            raise VaultFileError(f"the vault {path} does not exist: collect the HR data first (hr_collect, "
                                 f"playbooks/collect.yml); {missing_hint(path)}")
        return None, None
    try:
        return text, vault_doc.loads(text, name=path)
    except vault_doc.VaultFormatError as exc:
        raise VaultFileError(str(exc))


def write(path, document, secrets=None, encrypt=True, vault_id=None):
    """Write atomically, encrypted with the chosen vault secret unless ``encrypt`` is false."""
    pieces = vault_doc.dump_pieces(document)  # never the whole text at once (56 MB at 100k persons)
    secret_id, secret = pick_secret(secrets, vault_id) if encrypt else (None, None)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise VaultFileError(f"the vault's folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=folder)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            if encrypt:
                vault_envelope.write_pieces(handle, pieces, secret.bytes, secret_id if vault_id else None)
            else:
                for piece in pieces:
                    handle.write(piece)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
