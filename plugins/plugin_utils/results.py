# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shaping engine output for Ansible on the controller (for internal use)."""

from __future__ import annotations

import json
import os
import tempfile


def vault_secrets(loader):
    """The play's vault secrets (``[(vault_id, secret)]``), as the DataLoader holds them."""
    vault = getattr(loader, "_vault", None)
    return list(getattr(vault, "secrets", None) or [])


def _text(value):
    if value is None:
        return ""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def bounded_diffs(items, limit):
    """Ansible diff entries for ``(name, before, after)`` items, at most ``limit`` of them.

    Keeping diffs per object (not one giant text) lets callbacks print them one by one; the bound
    keeps a 100k-person first run from producing a result larger than the run itself.
    """
    diffs = []
    for count, (name, before, after) in enumerate(items):
        if count >= limit:
            diffs.append({"before": "", "after": "... further changes omitted (max %d)\n" % limit,
                          "before_header": "...", "after_header": "..."})
            break
        diffs.append({"before": _text(before), "after": _text(after),
                      "before_header": f"{name} (before)", "after_header": f"{name} (after)"})
    return diffs


def write_private_file(path, text):
    """Write ``text`` (str or bytes, or a callable that writes to the binary file it is given)
    atomically with mode 0600 (reports, plans and state files hold personal data)."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise OSError(f"the folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".jml-", dir=folder)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            if callable(text):
                text(handle)
            else:
                handle.write(text if isinstance(text, bytes) else text.encode("utf-8"))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# ansible-runner (the engine of AWX and Automation Platform) stores a task's result in its event
# only while ``len(str(result))`` is at most MAX_EVENT_RES (700,000 by default): a larger result
# becomes ``{}`` in the job's events, summary and counts included. Warn well before that.
# AWX passes its setting MAX_EVENT_RES_DATA to the job as MAX_EVENT_RES.
RUNNER_RESULT_LIMIT = 700000
RESULT_WARNING_SHARE = 0.8


def runner_result_limit(environ) -> int:
    """The job's own limit (``MAX_EVENT_RES`` where the job runs under ansible-runner)."""
    try:
        return int(environ.get("MAX_EVENT_RES") or RUNNER_RESULT_LIMIT)
    except ValueError:
        return RUNNER_RESULT_LIMIT


def result_size_warning(result: dict, name: str, limit: int = RUNNER_RESULT_LIMIT):
    """A warning when ``result`` comes near the size above which AWX keeps none of it, or None."""
    size = len(str(result))
    if size <= limit * RESULT_WARNING_SHARE:
        return None
    return ("%s: this result is %s characters; AWX and ansible-runner keep no result over %s (MAX_EVENT_RES), "
            "so lower max_actions (the plan file keeps every action)"
            % (name, format(size, ","), format(limit, ",")))


CORRELATION_LISTS = ("uncorrelated_persons", "uncorrelated_accounts", "vanished", "conflicts", "ignored", "suspended")


def bounded_outcome(outcome: dict, limit: int) -> dict:
    """A target's result with every list cut to ``limit`` entries (AWX stores every event: a 100k
    first run must not return 100k failures or uncorrelated ids), and how many were left out:
    ``failures_truncated`` and ``correlation.truncated`` (list -> count). The plan file keeps them all."""
    out = dict(outcome)
    failures = outcome.get("failures") or []
    out["failures"] = failures[:limit]
    out["failures_truncated"] = max(len(failures) - limit, 0)
    correlation = dict(outcome.get("correlation") or {})
    truncated = {}
    for key in CORRELATION_LISTS:
        values = correlation.get(key) or []
        if len(values) > limit:
            correlation[key] = values[:limit]
            truncated[key] = len(values) - limit
    decided = correlation.get("decisions")
    if isinstance(decided, dict) and len(decided.get("entries") or []) > limit:
        # a migration may link thousands of accounts by decision: their effects are in the plan file
        truncated["decisions"] = len(decided["entries"]) - limit
        correlation["decisions"] = dict(decided, entries=decided["entries"][:limit])
    if truncated:
        correlation["truncated"] = truncated
    out["correlation"] = correlation
    rules = {}
    for name, report in (outcome.get("rules") or {}).items():
        shown = dict(report)
        for key in ("gain", "lose"):
            values = report.get(key) or []
            if len(values) > limit:
                shown[key] = values[:limit]
                shown[key + "_truncated"] = len(values) - limit
        rules[name] = shown
    out["rules"] = rules
    return out


def bounded_changes(changes: dict, limit: int):
    """hr_collect's ``changes`` (joined, left, changed, purged) cut to ``limit`` each, and their
    full counts."""
    counts = dict((key, len(values)) for key, values in changes.items())
    shown = {}
    for key, values in changes.items():
        if isinstance(values, dict):
            shown[key] = dict(list(values.items())[:limit])
        else:
            shown[key] = list(values)[:limit]
    return shown, counts
