# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Incremental cycles: when a reconcile may be skipped because nothing it reads has changed
(for internal use).

A plan is a function of its inputs: the vault's persons, the configuration, the directory's
accounts and groups, and the date (only through each person's lifecycle, see ``next_due``). A
real run that planned nothing - the target converged - records this target's *state*: the
fingerprints of the vault file and the configuration, the date, the first date on which some
person's lifecycle can change, the target's change mark (``port.Target.change_mark``) and the
run's outcome. A later run whose vault and configuration are the same, whose date is before that
due date and whose target proves nothing changed since the mark (``unchanged_since``) would plan
nothing again: it reports the recorded outcome instead of reading and planning 100k accounts.
Anything else - a state from a run that wrote, a different server, a changed mark, a full run due
by ``full_every`` - is a full reconcile, which records the state again.

Everything here is data in, data out; the shell stores the state encrypted beside the vault.
"""

from __future__ import annotations

import bisect
import datetime
import re
from dataclasses import dataclass
from typing import Dict, Iterable, Optional, Tuple

FORMAT = "jml.provisioning/state-v1"

# Outcome keys a replayed run takes from the recorded one: the rest is this run's own.
REPLAYED = ("summary", "correlation", "rules", "thresholds", "ledger", "approval")

UNMARKED = "the target keeps no change marks: every run is a full reconcile"

_TODAY = re.compile(r"\btoday\b")


class StateError(ValueError):
    """The state file cannot be used (unreadable, wrong key): a full reconcile, and said why."""


@dataclass
class Decision:
    """Whether this run may skip the reconcile (``skip``), and why not (``reason``)."""

    skip: bool
    reason: str


def uses_today(config_text: str) -> bool:
    """Whether an expression of the configuration names ``today``: its plan may change every day."""
    return bool(_TODAY.search(config_text or ""))


def _date(value) -> Optional[datetime.date]:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def person_dates(person: dict) -> Iterable[int]:
    """The day numbers (ordinals) on which a person's contracts and absences start or end."""
    for item in list(person.get("contracts") or ()) + list(person.get("absences") or ()):
        for key, after in (("start", 0), ("end", 1)):
            value = item.get(key)
            if value:
                try:
                    yield datetime.date.fromisoformat(str(value)[:10]).toordinal() + after
                except ValueError:
                    continue


def due_dates(persons: Dict[str, dict], today: datetime.date, offsets: Iterable[int],
              daily: bool = False) -> Dict[str, str]:
    """Each person's first date after ``today`` on which their lifecycle may differ from today's:
    a contract or an absence starts or ends, shifted by each of the policy's day offsets
    (``-pre_provision_days``, ``grace_days``, ``delete_after_days``...) - on the day itself or the
    day after (inclusive ends). Early rather than late: a date too early costs one full
    reconcile; none is ever too late. A person with no date ahead has none. ``daily``: the
    configuration names ``today`` - tomorrow for everyone. By day numbers and a bisect over the
    sorted shifts (a scan per shift cost ~0.5 s at 10k)."""
    if daily:
        tomorrow = (today + datetime.timedelta(days=1)).isoformat()
        return dict((pid, tomorrow) for pid in persons)
    shifts = sorted(set(int(o) for o in offsets) | {0})
    candidates = sorted(set(shifts) | set(s + 1 for s in shifts))
    now = today.toordinal()
    due = {}
    for pid, person in persons.items():
        best = None
        for day in person_dates(person):
            at = bisect.bisect_right(candidates, now - day)
            if at < len(candidates) and (best is None or day + candidates[at] < best):
                best = day + candidates[at]
        if best is not None:
            due[pid] = datetime.date.fromordinal(best).isoformat()
    return due


def next_due(persons: Dict[str, dict], today: datetime.date, offsets: Iterable[int],
             daily: bool = False) -> Optional[str]:
    """The first of ``due_dates``: when some person's lifecycle may change; None: never."""
    due = due_dates(persons, today, offsets, daily)
    return min(due.values()) if due else None


def policy_offsets(policies: Iterable[object]) -> Tuple[int, ...]:
    """The day offsets of the lifecycle policies a target uses (``lifecycle.Policy``)."""
    offsets = set()
    for policy in policies:
        pre = int(getattr(policy, "pre_provision_days", 0) or 0)
        grace = int(getattr(policy, "grace_days", 0) or 0)
        delete = getattr(policy, "delete_after_days", None)
        offsets.update((-pre, grace, -pre - 1, grace + 1))
        if delete is not None:
            offsets.update((int(delete), int(delete) + grace, int(delete) + grace + 1))
    return tuple(sorted(offsets))


_WHAT = {"target": "target", "config": "configuration", "vault": "vault"}


def _outdated(state: dict, inputs: Dict[str, str], keys, last_key: str, full_key: str, today: datetime.date,
              full_every: int, since: str) -> Optional[str]:
    """Why ``state`` is not of this run (an input changed, the date went back, a full reconcile is
    due), or None."""
    for key in keys:
        if state.get("inputs", {}).get(key) != inputs.get(key):
            return f"the {_WHAT[key]} changed since the {since}"
    last, full = _date(state.get(last_key)), _date(state.get(full_key))
    if last is None or full is None or today < last:
        return f"the reference date is before the {since}'s"
    if full_every <= 0 or (today - full).days >= full_every:
        return f"a full reconcile is due (full_every: {full_every} day(s))"
    return None


def decide(state: Optional[dict], inputs: Dict[str, str], today: datetime.date, full_every: int,
           ledger: bool = False) -> Decision:
    """Whether the recorded ``state`` lets this run skip the reconcile, before the target is asked.

    ``inputs``: this run's fingerprints (``vault``: of the vault file, ``config``: of every option
    that shapes the plan, ``target``: the target's name). ``full_every``: days after a full
    reconcile when the next run is full whatever the marks say (0: every run). ``ledger``: the
    identifier ledger is kept - a run on another day records when each identifier was last seen,
    so it is full."""
    if not state:
        return Decision(False, "no state recorded yet: the first incremental cycle is a full reconcile")
    if state.get("marked") is False:
        return Decision(False, UNMARKED)
    if not state.get("converged"):
        return Decision(False, "the last run wrote to the target (or failed): a full reconcile checks the result")
    why = _outdated(state, inputs, ("target", "config", "vault"), "date", "full_date", today, full_every, "last run")
    if why:
        return Decision(False, why)
    last = _date(state.get("date"))
    due = _date(state.get("next_due"))
    if due is not None and today >= due:
        return Decision(False, f"some person's lifecycle may change on {due.isoformat()}")
    if ledger and today != last:
        return Decision(False, "the identifier ledger records the day's holders: the first run of a day is full")
    if not state.get("mark"):
        return Decision(False, "the target keeps no change mark")
    return Decision(True, "")


def decide_cycle(state: Optional[dict], inputs: Dict[str, str], today: datetime.date, full_every: int,
                 refusal: Optional[str] = None) -> Decision:
    """Whether this run may plan only what changed since the last full reconcile's base
    (``subset.py``): the same target and configuration, a date not before the base's, no full
    reconcile due by ``full_every``, and nothing in the configuration that needs the whole
    directory (``refusal``: why not)."""
    if refusal:
        return Decision(False, refusal)
    if state and state.get("marked") is False:
        return Decision(False, UNMARKED)
    if not state or not state.get("base_date"):
        return Decision(False, "no full reconcile recorded yet: this one is, and the next cycles plan what changed")
    why = _outdated(state, inputs, ("target", "config"), "base_date", "base_date", today, full_every,
                    "last full reconcile")
    return Decision(not why, why or "")


def record(inputs: Dict[str, str], today: datetime.date, outcome: dict, mark: Optional[dict],
           next_due_date: Optional[str], converged: bool, full_date: Optional[str] = None,
           marked: Optional[bool] = None) -> dict:
    """The state a run leaves for the next: ``converged`` only when it planned nothing and failed
    nothing (a run that wrote must be checked by a full reconcile before any is skipped)."""
    return {
        "inputs": dict(inputs), "date": today.isoformat(), "full_date": full_date or today.isoformat(),
        "next_due": next_due_date, "mark": mark if converged else None, "converged": bool(converged and mark),
        "marked": mark is not None if marked is None else marked,  # the target keeps change marks
        "outcome": dict((k, outcome.get(k)) for k in REPLAYED if k in outcome) if converged else {},
    }


def converged(outcome: dict) -> bool:
    """A run that planned no operation, met no failure and was not stopped."""
    summary = outcome.get("summary") or {}
    planned = sum(v for k, v in summary.items() if k not in ("unchanged", "failed") and isinstance(v, int))
    return not planned and not outcome.get("failures") and not outcome.get("stopped") and not outcome.get("only")


def replay(state: dict, today: datetime.date, reason: str = "") -> dict:
    """The outcome of a skipped run: the recorded run's, as of ``today``, with nothing applied."""
    recorded = state.get("outcome") or {}
    outcome = dict((k, recorded.get(k)) for k in REPLAYED if k in recorded and recorded.get(k) is not None)
    outcome.update(changed=False, actions=[], actions_truncated=0, failures=[], failed=False, applied=0,
                   reference_date=today.isoformat(), only=None)
    return outcome


def report(mode: str, reason: str, state: Optional[dict]) -> dict:
    """The result's ``incremental``: ``mode`` (``unchanged``, ``full`` or ``off``), why a run was
    full, and the last full reconcile's date."""
    return {"mode": mode, "reason": reason, "full_date": (state or {}).get("full_date"),
            "next_due": (state or {}).get("next_due")}
