# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bytes of a ``file_accounts`` export on the controller (for internal use): read and
decrypted in memory, encoded, encrypted with the play's vault secret when asked, and written
atomically with mode 0600. The adapter (``module_utils/targets/file``) sees text only."""

from __future__ import annotations

import io

from ansible_collections.jml.provisioning.plugins.module_utils.targets.file.export import ExportError
from ansible_collections.jml.provisioning.plugins.plugin_utils import vault_envelope
from ansible_collections.jml.provisioning.plugins.plugin_utils.results import write_private_file
from ansible_collections.jml.provisioning.plugins.plugin_utils.vault_file import pick_secret


class ExportFile(object):
    """``load`` and ``save`` for ``FileTarget``. ``secrets``: the play's vault secrets;
    ``encrypt``: the export is (and is written as) an ansible-vault envelope."""

    def __init__(self, secrets, encrypt=False, encoding="utf-8", vault_id=None):
        self.secrets, self.encrypt, self.encoding = list(secrets or []), encrypt, encoding
        self.vault_id = vault_id
        # Chosen now, before anything is read: no secret for an encrypted export fails the task first.
        self.secret_id, self.secret = pick_secret(self.secrets, vault_id) if encrypt else (None, None)

    def load(self, path):
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ExportError(f"cannot read the previous export {path}: {exc.strerror or exc}")
        if vault_envelope.is_envelope(data[:256]):
            if not self.encrypt:
                raise ExportError(f"the previous export {path} is vault-encrypted but encrypt_export is false "
                                  "(decrypt it with ansible-vault, or set encrypt_export: true)")
            try:
                data = vault_envelope.read(data, [(vault_id, secret.bytes) for vault_id, secret in self.secrets])
            except vault_envelope.EnvelopeError as exc:
                raise ExportError(f"cannot decrypt the previous export {path}: {exc} (wrong vault password, or a damaged file?)")
        elif self.encrypt and data.strip():
            raise ExportError(f"the previous export {path} is not an ansible-vault envelope but encrypt_export is true: "
                              "refused, because anyone who can write that file could have forged it (encrypt it with "
                              "ansible-vault, or remove it to start again)")
        try:
            return data.decode(self.encoding)
        except UnicodeDecodeError as exc:
            raise ExportError(f"the previous export {path} is not {self.encoding} text (byte {exc.start}): "
                              "another encoding, or a damaged file")

    def save(self, path, text):
        try:
            data = text.encode(self.encoding)
        except UnicodeEncodeError as exc:
            raise OSError(f"a value cannot be written in {self.encoding}: {exc.object[exc.start:exc.end]!r}")
        if self.encrypt:
            buffer = io.BytesIO()
            vault_envelope.write(buffer, data, self.secret.bytes, self.secret_id if self.vault_id else None)
            data = buffer.getvalue()
        write_private_file(path, data)
