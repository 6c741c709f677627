# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark helper: appends one JSON line per task (name, seconds from task start to its result)
to the file named by BENCH_TASK_TIMES. Enabled only by bench/collect_bench.py --task-times."""

from __future__ import annotations

DOCUMENTATION = """
name: bench_task_times
type: aggregate
short_description: task durations for bench/collect_bench.py
description: Appends one JSON line per task result to the file in BENCH_TASK_TIMES.
"""

import json  # noqa: E402 (DOCUMENTATION first, as Ansible plugins do)
import os  # noqa: E402
import time  # noqa: E402

from ansible.plugins.callback import CallbackBase  # noqa: E402


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_task_times"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._path = os.environ.get("BENCH_TASK_TIMES")
        self._started = {}
        self._process_start = time.time()

    def _write(self, record):
        if self._path:
            with open(self._path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")

    def v2_playbook_on_start(self, playbook):
        self._write({"event": "playbook_start", "t": time.time()})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._started[task._uuid] = time.time()

    def _result(self, result, status):
        task = result._task
        now = time.time()
        self._write({"event": "task", "task": task.get_name(), "status": status, "t": now,
                     "seconds": round(now - self._started.get(task._uuid, now), 4)})

    def v2_runner_on_ok(self, result):
        self._result(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result(result, "failed")

    def v2_playbook_on_stats(self, stats):
        self._write({"event": "stats", "t": time.time()})
