# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One run at a time per vault (collects) and per target (reconciles), on one controller (for
internal use).

The lock is an exclusive ``flock`` on a small file: the kernel releases it when the process ends,
however it ends, so a killed run never leaves a lock that blocks the next one. The file also
records who holds it (PID, host, start time, what): a second run that has waited ``timeout``
seconds fails with that, and a run that finds a record without a holder knows the previous run
was killed (it is reported and taken over). ``flock`` is local to one machine (and to NFSv4 with
its lock manager): runs from several controllers (AWX nodes) are kept apart by the scheduler -
AWX's "concurrent jobs" off on the job template - not by this file.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import hashlib
import json
import os
import socket
import time


class LockError(Exception):
    """Another run holds the lock (or the lock file cannot be made); nothing was written."""


def target_lock_path(folder, *identity):
    """The lock file of one target (``identity``: what names it, such as the server and base)."""
    digest = hashlib.sha256("\0".join(str(part).lower() for part in identity).encode("utf-8")).hexdigest()[:16]
    return os.path.join(folder, f".jml-target-{digest}.lock")


def vault_lock_path(vault):
    return os.path.abspath(vault) + ".lock"


def _record(handle):
    handle.seek(0)
    try:
        return json.loads(handle.read() or "null")
    except ValueError:
        return None


def describe(record):
    if not isinstance(record, dict):
        return "another run"
    return f"pid {record.get('pid')} on {record.get('host')} since {record.get('started')} ({record.get('what')})"


@contextlib.contextmanager
def held(path, what, timeout=60.0, poll=0.2):
    """Hold the lock at ``path`` for the with-block; yields the record a killed run left (or None).

    Waits at most ``timeout`` seconds for another run to finish, then raises ``LockError``."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise LockError(f"cannot create the run lock {path}: {exc.strerror or exc} (set the lock path to a writable folder)")
    handle = os.fdopen(fd, "r+")
    try:
        deadline = time.monotonic() + max(float(timeout), 0.0)
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockError(f"another run holds the lock {path}: {describe(_record(handle))}; waited {timeout:g} s (lock timeout), nothing was written")
                time.sleep(poll)
        stale = _record(handle)  # a record nobody holds: that run was killed before it released it
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "what": what,
                                 "started": datetime.datetime.now(datetime.timezone.utc).isoformat()}))
        handle.flush()
        try:
            yield stale
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()


def remove_orphans(folder, prefixes, older_than=0.0):
    """Delete the temporary files a killed run left in ``folder`` (names starting with one of
    ``prefixes``); called under the vault's lock, so no running collect owns them. Returns the
    names removed."""
    removed = []
    now = time.time()
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        if not name.startswith(tuple(prefixes)):
            continue
        path = os.path.join(folder, name)
        try:
            if now - os.path.getmtime(path) >= older_than and os.path.isfile(path):
                os.unlink(path)
                removed.append(name)
        except OSError:
            continue
    return sorted(removed)
