# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The audit trail's files on the controller: append, rotate, expire, read (for internal use).

What goes into an entry, the file names and the retention are decided in
``module_utils/audit/trail.py``; this is only the I/O.

- Append-only: a file is opened with ``O_APPEND`` (read too: its last byte is checked) and
  never rewritten; a run's entries are written under an exclusive ``flock`` of the file, then
  ``fsync``-ed, so concurrent runs (forks on other targets sharing the folder) never interleave
  their lines.
- A run killed mid-write leaves at most one partial last line: readers skip it, and the next
  run starts its entries on a new line (it writes a newline first when the file does not end
  with one), so the partial line never swallows a whole entry.
- Daily rotation by name (``audit-YYYY-MM-DD.jsonl``, UTC); a real run deletes the files
  older than the retention period. Folder 0700, files 0600: the entries name people.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import os
from typing import Iterable, Iterator, List, Optional, Tuple

from ansible_collections.jml.provisioning.plugins.module_utils.audit import trail
from ansible_collections.jml.provisioning.plugins.plugin_utils.results import write_private_file

CHUNK = 1 << 20  # bytes per write: a 100k-person first run is ~40 MB of entries


class AuditLog(object):
    """The audit folder ``folder``, keeping ``retention_days`` days of files (0 or None: all)."""

    def __init__(self, folder: str, retention_days: Optional[int] = None):
        self.folder = os.path.abspath(folder)
        self.retention_days = retention_days

    def path(self, day: datetime.date) -> str:
        return os.path.join(self.folder, trail.file_name(day))

    def problem(self, day: datetime.date) -> Optional[str]:
        """Why the day's file could not be appended to, or None - read-only (check mode asks it,
        so an evaluation predicts what would stop the real run)."""
        folder = self.folder
        while not os.path.lexists(folder):
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
        if not os.path.isdir(folder):
            return f"{folder} is not a folder"
        if not os.access(folder, os.W_OK | os.X_OK):
            return f"the folder {folder} is not writable"
        path = self.path(day)
        if os.path.exists(path) and not os.access(path, os.W_OK):
            return f"{path} is not writable"
        return None

    def prepare(self, day: datetime.date):
        """Before any write to the target: the folder exists (made 0700) and the day's file can be
        appended to. Raises OSError otherwise, so a run that could not record its writes makes none."""
        reason = self.problem(day)
        if reason:
            raise OSError(reason)
        if not os.path.isdir(self.folder):
            os.makedirs(self.folder, mode=0o700)

    def append(self, lines: Iterable[bytes], day: datetime.date) -> Tuple[str, int]:
        """Append ``lines`` (each one entry ending in a newline) to the day's file; returns
        ``(path, count)``. Nothing is opened when there are no lines."""
        lines = iter(lines)
        first = next(lines, None)
        if first is None:
            return self.path(day), 0
        path = self.path(day)
        created = not os.path.exists(path)
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        count = 0
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if not _ends_with_newline(fd):
                _write_all(fd, b"\n")  # a killed run's partial line stays alone on its line
            buffer, size = [], 0
            for item in _chained(first, lines):
                buffer.append(item)
                size += len(item)
                count += 1
                if size >= CHUNK:
                    _write_all(fd, b"".join(buffer))
                    buffer, size = [], 0
            if buffer:
                _write_all(fd, b"".join(buffer))
            os.fsync(fd)
        finally:
            os.close(fd)  # releases the flock
        if created:
            _fsync_folder(self.folder)
        return path, count

    def write_pending(self, name: str, lines: Iterable[bytes]) -> str:
        """The journal ``name`` (``trail.pending_name``) with ``lines``: whole or not at all
        (``write_private_file``: written aside, renamed; mode 0600), synced, before the run's first write."""
        path = os.path.join(self.folder, name)

        def write_synced(handle):
            handle.writelines(lines)
            handle.flush()
            os.fsync(handle.fileno())
        write_private_file(path, write_synced)
        _fsync_folder(self.folder)
        return path

    def drop_pending(self, name: str):
        """The run's own entries are in the trail: its journal goes."""
        try:
            os.unlink(os.path.join(self.folder, name))
        except FileNotFoundError:
            pass

    def record_pending(self, target_key: str, today: datetime.date) -> int:
        """Append the journals runs of ``target_key`` left behind to the trail (each entry in the
        file of its own day, unless the retention already expired that day), then delete them;
        returns how many entries were recorded. Called under the target's lock, by a real run."""
        try:
            names = trail.pending_of(os.listdir(self.folder), target_key)
        except FileNotFoundError:
            return 0
        recorded = 0
        for name in names:
            path = os.path.join(self.folder, name)
            with open(path, "rb") as handle:
                lines = [raw for raw in handle if raw.endswith(b"\n")]
            day = (trail.line_day(lines[0]) if lines else None) or today
            if lines and not trail.expired([trail.file_name(day)], today, self.retention_days):
                lines = trail.not_recorded(lines, self._entries_of(lines[0], day))
                recorded += self.append(lines, day)[1]
            os.unlink(path)
        return recorded

    def _entries_of(self, journal_line: bytes, day: datetime.date) -> Iterator[dict]:
        """The entries the journal's run appended itself (in the file of its day, or of the next
        when its writes went past midnight)."""
        try:
            run_id = json.loads(journal_line)["run_id"]
        except (ValueError, KeyError, TypeError):
            return iter(())
        return read(self.folder, trail.Query(run_id=run_id, since=day, until=day + datetime.timedelta(days=1)))

    def expire(self, today: datetime.date) -> List[str]:
        """Delete the audit files older than the retention period; returns their names. Other
        files in the folder are never touched."""
        try:
            names = os.listdir(self.folder)
        except FileNotFoundError:
            return []
        deleted = []
        for name in trail.expired(names, today, self.retention_days):
            try:
                os.unlink(os.path.join(self.folder, name))
                deleted.append(name)
            except FileNotFoundError:
                continue  # another run expired it first
        return deleted


def _chained(first, rest):
    yield first
    yield from rest


def _ends_with_newline(fd) -> bool:
    size = os.fstat(fd).st_size
    if size == 0:
        return True
    return os.pread(fd, 1, size - 1) == b"\n"


def _write_all(fd, data: bytes):
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_folder(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read(folder: str, query: trail.Query) -> Iterator[dict]:
    """The entries of ``folder`` that ``query`` matches, oldest file first, streamed: only the
    files of the days asked for are opened, one line at a time."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return
    match, needles = query.matcher(), query.needles()
    for name in query.files(names):
        try:
            handle = open(os.path.join(folder, name), "rb")
        except FileNotFoundError:
            continue  # expired meanwhile
        with handle:
            for item in trail.parse_lines(handle, needles):
                if match(item):
                    yield item
