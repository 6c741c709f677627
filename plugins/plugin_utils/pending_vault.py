# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The would-be vault of a check-mode collect, handed to the later tasks of the same run (for
internal use).

In check mode ``hr_collect`` writes no vault, yet ``site.yml --check`` must plan from the HR data it
just read. The collect returns what it would write as a host fact: not the document, but how it
differs from the vault on disk (the persons that join, change or leave, and the new metadata),
compressed and encrypted with the vault secret (an ansible-vault envelope), so neither a fact
cache nor ``-vvvv`` ever holds HR data in clear, and an unchanged collect hands nothing. The
fact records a digest of the vault it differs from: when the vault on disk is no longer that one,
the hand-off is refused rather than applied to other data.

Only check-mode readers use it (``ldap_accounts``, the ``correlate`` and ``vault`` lookups); a
real run always reads the vault on disk.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import zlib

from ansible_collections.jml.provisioning.plugins.module_utils.collect import vault_doc
from ansible_collections.jml.provisioning.plugins.plugin_utils import vault_envelope, vault_file

FORMAT = "jml.provisioning/pending/v1"
_PLAIN = "plain:"  # a vault written without encryption (encrypt: false) gets a hand-off as plain as it is
CONTROLLER = "localhost"  # where the collection's collect runs (playbooks/collect.yml)


class PendingVaultError(vault_file.VaultFileError):
    """The hand-off cannot be used; the message says why."""


def fact_name(path):
    """The host fact that carries the hand-off for the vault at ``path`` (one per vault)."""
    return "jml_pending_vault_" + hashlib.sha256(os.path.abspath(path).encode("utf-8")).hexdigest()[:16]


def digest(text):
    """What the hand-off records of the vault it differs from (None: there was none)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text is not None else None


def encode(path, base, previous, document, secrets, encrypt=True, vault_id=None):
    """The fact value: ``document`` as a difference to ``previous`` (the vault on disk, or None;
    ``base``: ``digest`` of its plaintext), compressed and encrypted."""
    old = (previous or {}).get("persons") or {}
    new = document["persons"]
    delta = {
        "format": FORMAT,
        "vault": os.path.abspath(path),
        "base": base,
        "document": dict((k, v) for k, v in document.items() if k != "persons"),
        "set": dict((pid, person) for pid, person in new.items() if old.get(pid) != person),
        "remove": sorted(pid for pid in old if pid not in new),
    }
    packed = zlib.compress(json.dumps(delta, ensure_ascii=False, sort_keys=True).encode("utf-8"), 6)
    if not encrypt:
        return _PLAIN + base64.b64encode(packed).decode("ascii")
    secret_id, secret = vault_file.pick_secret(secrets, vault_id)
    handle = io.BytesIO()
    vault_envelope.write(handle, packed, secret.bytes, secret_id if vault_id else None)
    return handle.getvalue().decode("ascii")


def lookup(task_vars, path):
    """The fact value for ``path`` in the asking host's variables or the controller's, or None."""
    name = fact_name(path)
    task_vars = task_vars or {}
    if task_vars.get(name):
        return task_vars[name]
    hostvars = task_vars.get("hostvars")
    try:
        controller = hostvars[CONTROLLER] if hostvars is not None and CONTROLLER in hostvars else None
    except Exception:  # HostVars of a host that is not in the inventory
        controller = None
    return controller.get(name) if controller is not None else None


def read(path, secrets, task_vars, check_mode, encrypted=True):
    """The vault as readers see it: in check mode the would-be vault of this run's check-mode
    collect when there is one, else (and always in a real run) the vault on disk.
    Returns ``(document, handed_off)``."""
    blob = lookup(task_vars, path) if check_mode else None
    if not blob:
        return vault_file.read(path, secrets, encrypted=encrypted), False
    delta = _decode(blob, secrets, encrypted)
    if delta.get("format") != FORMAT or delta.get("vault") != os.path.abspath(path):
        raise PendingVaultError(f"the check-mode collect's hand-off for {path} is not one this version reads")
    text = vault_file.read_text(path, secrets, encrypted)
    if digest(text) != delta.get("base"):
        raise PendingVaultError(f"the vault {path} changed after this run's check-mode collect read it: run the check again")
    previous = vault_doc.loads(text, name=path) if text is not None else {"persons": {}}
    persons = dict(previous.get("persons") or {})
    for pid in delta["remove"]:
        persons.pop(pid, None)
    persons.update(delta["set"])
    return dict(delta["document"], persons=persons), True


def _decode(blob, secrets, encrypted=True):
    try:
        if blob.startswith(_PLAIN):
            if encrypted and secrets:
                raise PendingVaultError("the check-mode collect's hand-off is plain but the play has a vault "
                                        "secret: refused (set encrypt: false on both tasks to use a plain vault)")
            packed = base64.b64decode(blob[len(_PLAIN):])
        else:
            if not secrets:
                raise PendingVaultError("the check-mode collect's hand-off is encrypted but no vault secret is "
                                        "configured")
            packed = vault_envelope.read(blob.encode("ascii"), [(vid, s.bytes) for vid, s in secrets])
        return json.loads(zlib.decompress(packed).decode("utf-8"))
    except (ValueError, zlib.error, vault_envelope.EnvelopeError) as exc:
        raise PendingVaultError(f"the check-mode collect's hand-off cannot be read: {exc}")
