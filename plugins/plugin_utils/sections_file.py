# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A file of per-target sections beside the vault, encrypted with the vault's secret (for internal use).

The identifier ledger (``<vault>.ledger``) and the incremental state (``<vault>.state``) are both
this: one JSON document ``{"format": ..., "targets": {target name: section}}`` in the same
ansible-vault envelope as the vault (``ansible-vault view`` shows it), written atomically with mode
0600. Several targets run in parallel forks, so a save re-reads the file under its own lock and
replaces only its section.
"""

from __future__ import annotations

import json

from ansible.module_utils.common.text.converters import to_bytes, to_text

from ansible_collections.jml.provisioning.plugins.plugin_utils import run_lock, vault_envelope, vault_file
from ansible_collections.jml.provisioning.plugins.plugin_utils.results import write_private_file


def read_document(path, fmt, what, secrets, encrypted, error):
    """The document at ``path`` (an empty one when there is none); ``error``: the exception type
    raised, with ``what`` ("the ledger") naming the file."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return {"format": fmt, "targets": {}}
    except OSError as exc:
        raise error(f"{what} {path} cannot be read: {exc.strerror or exc}")
    if vault_envelope.is_envelope(data):
        if not secrets:
            raise error(f"{what} {path} is encrypted but no vault secret is configured")
        try:
            data = vault_envelope.read(data, [(vid, secret.bytes) for vid, secret in secrets])
        except vault_envelope.EnvelopeError as exc:
            raise error(f"cannot decrypt {what} {path}: {to_text(exc)} (wrong vault password?)")
    elif encrypted and secrets:
        # A forged plain file could steer the run (free a leaver's address, skip a reconcile): refused.
        raise error(str(vault_file.refuse_plain(path, what.split()[-1])))
    try:
        document = json.loads(to_text(data, errors="surrogate_or_strict"))
    except ValueError as exc:
        raise error(f"{what} {path} is not JSON: {exc}")
    if not isinstance(document, dict) or document.get("format") != fmt or not isinstance(document.get("targets"), dict):
        raise error(f"{what} {path} is not a {fmt} document")
    return document


def save_section(path, fmt, what, target, section, secrets, encrypt=True, vault_id=None, timeout=60.0, error=ValueError,
                 replace_unreadable=False):
    """Store ``target``'s section (None removes it); the other sections are kept as the file has them
    now. ``replace_unreadable``: a file that cannot be read is replaced (a cache), else it is an error."""
    with run_lock.held(path + ".lock", f"{what} of {target}", timeout):
        try:
            document = read_document(path, fmt, what, secrets, encrypt, error)
        except error:
            if not replace_unreadable:
                raise
            document = {"format": fmt, "targets": {}}
        if section is None:
            document["targets"].pop(target, None)
        else:
            document["targets"][target] = section
        data = to_bytes(json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")))
        del document  # the sections are the caller's or in ``data`` now
        if encrypt:
            # Encrypted straight into the file, never as a whole envelope in memory: at 100k accounts
            # the base is 36 MB of JSON, whose envelope was built in a buffer (72 MB of hex) and
            # copied out of it (72 MB more) while the run's plan and accounts were still alive.
            secret_id, secret = vault_file.pick_secret(secrets, vault_id)
            write_private_file(path, lambda handle: vault_envelope.write(handle, data, secret.bytes,
                                                                         secret_id if vault_id else None))
        else:
            write_private_file(path, data)
