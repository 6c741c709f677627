# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark helper: writes the small keys of every ldap_accounts result (changed, failed, msg,
summary, incremental, check_mode) as one JSON line to the file named by BENCH_RESULT. Enabled
only by bench/provision_bench.py for its incremental figures."""

from __future__ import annotations

DOCUMENTATION = """
name: bench_result
type: aggregate
short_description: the ldap_accounts result's small keys for bench/provision_bench.py
description: Appends one JSON line per ldap_accounts task result to the file in BENCH_RESULT.
"""

import json  # noqa: E402 (DOCUMENTATION first, as Ansible plugins do)
import os  # noqa: E402

from ansible.plugins.callback import CallbackBase  # noqa: E402

KEYS = ("changed", "failed", "msg", "summary", "incremental", "check_mode", "applied")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_result"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._path = os.environ.get("BENCH_RESULT")

    def _write(self, result, status):
        if not self._path or not str(result._task.action).endswith("ldap_accounts"):
            return
        data = result._result
        record = dict((k, data[k]) for k in KEYS if k in data)
        record["status"] = status
        with open(self._path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, default=str) + "\n")

    def v2_runner_on_ok(self, result):
        self._write(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result, "failed")
