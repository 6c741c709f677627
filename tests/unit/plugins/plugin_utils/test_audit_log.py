# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The audit trail's files, on a real file system: append-only, 0600 in a 0700 folder, parallel
writers that never interleave, a killed writer's partial line, retention, bounded reads."""

from __future__ import annotations

import datetime
import json
import multiprocessing
import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.audit import trail
from ansible_collections.jml.provisioning.plugins.plugin_utils import audit_log

DAY = datetime.date(2026, 6, 15)


def _lines(items):
    return [trail.line(item) for item in items]


def test_entries_are_appended_never_rewritten_with_private_modes(tmp_path):
    log = audit_log.AuditLog(str(tmp_path / "audit"), 400)
    log.prepare(DAY)
    assert stat.S_IMODE(os.stat(tmp_path / "audit").st_mode) == 0o700
    path, count = log.append(_lines([{"person": "1"}, {"person": "2"}]), DAY)
    assert (path, count) == (str(tmp_path / "audit" / "audit-2026-06-15.jsonl"), 2)
    first = open(path, "rb").read()
    log.append(_lines([{"person": "3"}]), DAY)
    assert open(path, "rb").read().startswith(first)
    assert [json.loads(x)["person"] for x in open(path, "rb")] == ["1", "2", "3"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_no_entries_open_no_file(tmp_path):
    log = audit_log.AuditLog(str(tmp_path), 400)
    assert log.append(iter([]), DAY) == (str(tmp_path / "audit-2026-06-15.jsonl"), 0)
    assert os.listdir(tmp_path) == []


def test_an_unwritable_folder_is_refused_before_anything_is_written(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    log = audit_log.AuditLog(str(folder / "audit"), 400)
    if os.geteuid() == 0:  # root writes anywhere: a file where the folder should be
        (tmp_path / "file").write_text("x")
        log = audit_log.AuditLog(str(tmp_path / "file" / "audit"), 400)
    try:
        log.prepare(DAY)
    except OSError:
        return
    raise AssertionError("prepare accepted a folder it cannot write")


def test_a_killed_writers_partial_line_is_skipped_and_never_swallows_the_next_entry(tmp_path):
    log = audit_log.AuditLog(str(tmp_path), 400)
    path, dummy = log.append(_lines([{"person": "1"}]), DAY)
    with open(path, "ab") as handle:  # what a writer killed in the middle of a line leaves
        handle.write(b'{"person": "2", "changes": {"cn": [nu')
    log.append(_lines([{"person": "3"}]), DAY)
    found = list(audit_log.read(str(tmp_path), trail.Query()))
    assert [item["person"] for item in found] == ["1", "3"]


def test_a_writer_killed_mid_write_leaves_at_most_one_partial_line(tmp_path):
    # A real process writing a large batch, killed with SIGKILL while it writes.
    script = (
        "import sys, datetime\n"
        "from ansible_collections.jml.provisioning.plugins.module_utils.audit import trail\n"
        "from ansible_collections.jml.provisioning.plugins.plugin_utils import audit_log\n"
        "log = audit_log.AuditLog(sys.argv[1], 400)\n"
        "lines = (trail.line({'person': str(i), 'pad': 'x' * 500}) for i in range(10 ** 7))\n"
        "log.append(lines, datetime.date(2026, 6, 15))\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)],
                            env=dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p)))
    path = tmp_path / "audit-2026-06-15.jsonl"
    deadline = time.monotonic() + 30
    while (not path.exists() or path.stat().st_size < 5 * audit_log.CHUNK) and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    data = path.read_bytes()
    lines = data.split(b"\n")
    whole = [json.loads(line) for line in lines[:-1]]
    assert len(whole) > 1000 and [item["person"] for item in whole] == [str(i) for i in range(len(whole))]
    # the rest is at most one partial line; the next writer starts on a line of its own
    audit_log.AuditLog(str(tmp_path), 400).append(_lines([{"person": "next"}]), DAY)
    found = [item["person"] for item in audit_log.read(str(tmp_path), trail.Query())]
    assert found[:len(whole)] == [str(i) for i in range(len(whole))] and found[-1] == "next"
    assert len(found) in (len(whole) + 1, len(whole) + 2)


def _writer(folder, name, count):
    log = audit_log.AuditLog(folder, 400)
    for batch in range(count):
        log.append(_lines([{"person": f"{name}-{batch}-{i}", "pad": name * 3000} for i in range(20)]), DAY)


def test_parallel_runs_never_interleave_their_lines(tmp_path):
    procs = [multiprocessing.Process(target=_writer, args=(str(tmp_path), name, 15)) for name in "abcd"]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    raw = (tmp_path / "audit-2026-06-15.jsonl").read_bytes().split(b"\n")
    assert raw[-1] == b""
    items = [json.loads(line) for line in raw[:-1]]  # every line is one whole entry
    assert len(items) == 4 * 15 * 20
    for name in "abcd":  # each run's batch is contiguous and in order
        mine = [i for i, item in enumerate(items) if item["person"].startswith(name + "-")]
        assert [items[i]["person"] for i in mine] == [f"{name}-{b}-{i}" for b in range(15) for i in range(20)]
    positions = dict((item["person"], n) for n, item in enumerate(items))
    for name in "abcd":
        for batch in range(15):
            start = positions[f"{name}-{batch}-0"]
            assert [items[start + i]["person"] for i in range(20)] == [f"{name}-{batch}-{i}" for i in range(20)]


def test_retention_deletes_old_audit_files_only(tmp_path):
    for name in ("audit-2025-01-01.jsonl", "audit-2025-05-11.jsonl", "audit-2026-06-15.jsonl", "README.txt",
                 "audit-2025-01-01.jsonl.bak"):
        (tmp_path / name).write_text("{}\n")
    assert audit_log.AuditLog(str(tmp_path), 400).expire(DAY) == ["audit-2025-01-01.jsonl"]
    left = ["README.txt", "audit-2025-01-01.jsonl.bak", "audit-2025-05-11.jsonl", "audit-2026-06-15.jsonl"]
    assert sorted(os.listdir(tmp_path)) == left
    assert audit_log.AuditLog(str(tmp_path), 0).expire(DAY + datetime.timedelta(days=9999)) == []
    assert audit_log.AuditLog(str(tmp_path / "missing"), 1).expire(DAY) == []


def test_a_read_opens_only_the_files_of_its_days(tmp_path):
    (tmp_path / "audit-2026-06-14.jsonl").write_bytes(trail.line({"time": "2026-06-14T10:00:00.000Z", "person": "1"}))
    (tmp_path / "audit-2026-06-15.jsonl").write_bytes(trail.line({"time": "2026-06-15T10:00:00.000Z", "person": "1"}))
    (tmp_path / "audit-2026-06-16.jsonl").write_bytes(b"\xff not json, and never opened\n")
    os.chmod(tmp_path / "audit-2026-06-16.jsonl", 0)
    query = trail.Query(person="1", since=datetime.date(2026, 6, 15), until=datetime.date(2026, 6, 15))
    assert [item["time"] for item in audit_log.read(str(tmp_path), query)] == ["2026-06-15T10:00:00.000Z"]
    assert list(audit_log.read(str(tmp_path / "missing"), trail.Query())) == []


def test_the_read_only_check_makes_nothing_and_names_what_would_stop_a_run(tmp_path):
    log = audit_log.AuditLog(str(tmp_path / "a" / "b"), 400)
    assert log.problem(DAY) is None and not (tmp_path / "a").exists()
    (tmp_path / "file").write_text("x")
    assert audit_log.AuditLog(str(tmp_path / "file" / "audit"), 400).problem(DAY) == f"{tmp_path / 'file'} is not a folder"


def test_a_journal_left_behind_is_recorded_once_in_the_file_of_its_day_and_deleted(tmp_path):
    log = audit_log.AuditLog(str(tmp_path / "audit"), 400)
    log.prepare(DAY)
    yesterday = DAY - datetime.timedelta(days=1)
    entries = [{"time": "2026-06-14T23:59:00.000Z", "run_id": "r-1", "dn": "uid=%d" % i, "outcome": "unknown"}
               for i in range(3)]
    path = log.write_pending(trail.pending_name("aaaa", "r-1"), _lines(entries))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    log.write_pending(trail.pending_name("bbbb", "r-2"), _lines(entries[:1]))  # another target's: not ours
    assert sorted(os.listdir(tmp_path / "audit")) == [".pending-aaaa-r-1.jsonl", ".pending-bbbb-r-2.jsonl"]
    assert log.record_pending("aaaa", DAY) == 3
    assert [json.loads(x) for x in open(log.path(yesterday), "rb")] == entries
    assert sorted(os.listdir(tmp_path / "audit")) == [".pending-bbbb-r-2.jsonl", "audit-2026-06-14.jsonl"]
    assert log.record_pending("aaaa", DAY) == 0  # recorded once
    log.drop_pending(trail.pending_name("bbbb", "r-2"))
    log.drop_pending(trail.pending_name("bbbb", "r-2"))  # gone already: nothing to do
    assert os.listdir(tmp_path / "audit") == ["audit-2026-06-14.jsonl"]


def test_a_journal_older_than_the_retention_is_dropped_not_recorded(tmp_path):
    log = audit_log.AuditLog(str(tmp_path / "audit"), 10)
    log.prepare(DAY)
    log.write_pending(trail.pending_name("aaaa", "r-1"), _lines([{"time": "2026-05-01T10:00:00.000Z"}]))
    assert log.record_pending("aaaa", DAY) == 0
    assert os.listdir(tmp_path / "audit") == []


def test_a_journal_that_cannot_be_written_leaves_nothing(tmp_path):
    log = audit_log.AuditLog(str(tmp_path / "audit"), 400)
    log.prepare(DAY)

    def failing():
        yield trail.line({"dn": "uid=a"})
        raise OSError("disk full")
    with pytest.raises(OSError, match="disk full"):
        log.write_pending(trail.pending_name("aaaa", "r-1"), failing())
    assert os.listdir(tmp_path / "audit") == []


def test_a_run_killed_while_appending_its_own_entries_has_only_the_rest_recorded_from_its_journal(tmp_path):
    log = audit_log.AuditLog(str(tmp_path / "audit"), 400)
    log.prepare(DAY)

    def entry(dn, outcome, run_id="r-1", operation="create"):
        return {"time": "2026-06-15T10:00:00.000Z", "run_id": run_id, "operation": operation, "dn": dn,
                "person": dn[-1], "outcome": outcome}
    journal = [entry("uid=a", "unknown"), entry("uid=b", "unknown"), entry("uid=b", "unknown", operation="grant"),
               entry("uid=c", "unknown")]
    log.write_pending(trail.pending_name("aaaa", "r-1"), _lines(journal))
    # its own entries for a and b's create made it to the file before the kill (and another run's for c)
    log.append(_lines([entry("uid=a", "applied"), entry("UID=B", "applied"), entry("uid=c", "applied", "r-9")]), DAY)
    assert log.record_pending("aaaa", DAY) == 2
    got = [json.loads(x) for x in open(log.path(DAY), "rb")]
    assert [(e["run_id"], e["operation"], e["dn"], e["outcome"]) for e in got[3:]] == [
        ("r-1", "grant", "uid=b", "unknown"), ("r-1", "create", "uid=c", "unknown")]
