# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Lifecycle: a person's contracts and a date decide the account's state (for internal use).

States: ``future`` (first start beyond the pre-provisioning window: no account yet), ``prehire``
(start within ``pre_provision_days``: account exists, disabled), ``active`` (a contract runs today,
or ended within ``grace_days``: enabled), ``leaver`` (all ended: disabled), ``delete`` (ended more
than ``delete_after_days`` ago), and ``suspended`` (active, but on leave today: disabled, never
deleted). Contract ``end`` is the last working day (inclusive); an empty ``start`` means "since
always" and an empty ``end`` "open-ended". The date is an input: no clock.

Leave (see ``on_leave``): a person-level dated absence (``absences: [{start, end}]``, end
inclusive, empty = open) that covers the day, or an HR status flag on the contracts
(``contract.on_leave: true``, a snapshot as of the collect). Only an active person is suspended:
a leaver is a leaver whatever their leave (leaver wins), and with several running contracts one
that is not on leave keeps the person active (active wins); an absence is the person's, so it
suspends all contracts.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import List, Optional

from ansible_collections.jml.provisioning.plugins.module_utils.records import SLOTS

FUTURE, PREHIRE, ACTIVE, LEAVER, DELETE = "future", "prehire", "active", "leaver", "delete"
SUSPENDED = "suspended"


@dataclass(**SLOTS)
class Policy:
    pre_provision_days: int = 14
    grace_days: int = 0
    delete_after_days: Optional[int] = None
    primary: Optional[list] = None  # criteria for primary_contract, None: the default order
    suspend: bool = True  # persons on leave are suspended (False: this target ignores leave)


def reference_date(value, today: datetime.date) -> datetime.date:
    """``reference_date`` option (ISO date or empty) -> date; ``today`` is the caller's clock.
    Here rather than in ``provision/config`` so that hr_collect need not import the planner."""
    if not value:
        return today
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"reference_date {value!r} is not an ISO date (YYYY-MM-DD)")


# Each date is parsed once: ~23 parse_date calls a person, over a few thousand distinct dates.
_PARSED: dict = {}
_PARSED_LIMIT = 100000


def parse_date(value) -> Optional[datetime.date]:
    if value is None or isinstance(value, datetime.date):
        return value
    if type(value) is not str:  # pylint: disable=unidiomatic-typecheck  # a str subclass may str() otherwise
        return datetime.date.fromisoformat(str(value)[:10])
    found = _PARSED.get(value)
    if found is None:
        found = datetime.date.fromisoformat(value[:10])
        if len(_PARSED) < _PARSED_LIMIT:
            _PARSED[value] = found
    return found


@dataclass(**SLOTS)
class Status:
    """The outcome for one person: state, primary contract, a human reason, and the person's
    ``employment`` (``{start, end}`` over all contracts, see ``employment``)."""

    state: str                # FUTURE, PREHIRE, ACTIVE, SUSPENDED, LEAVER or DELETE
    primary: Optional[dict]   # the contract that decides department, title, manager...
    reason: str
    employment: dict = field(default_factory=lambda: {"start": None, "end": None})  # evaluate() sets it
    returned: Optional[str] = None  # ACTIVE after a leave: the reason an enable gives ("returned from leave: ...")

    @property
    def wants_account(self) -> bool:
        return self.state in (PREHIRE, ACTIVE, SUSPENDED)

    @property
    def enabled(self) -> bool:
        return self.state == ACTIVE


def _window(contract):
    return parse_date(contract.get("start")), parse_date(contract.get("end"))


def is_active(contract: dict, today: datetime.date) -> bool:
    """True when the contract runs on ``today`` (start and end days included)."""
    return _is_active(contract, today)


def _is_active(contract, today):
    return _runs(_window(contract), today)


def _runs(window, today):
    start, end = window
    return (start is None or start <= today) and (end is None or end >= today)


def _default_key(contract, today):
    return _window_key(contract, _window(contract), today)


def _window_key(contract, window, today):
    start, end = window
    if _runs(window, today):
        return (0, start or datetime.date.min, contract.get("id") or "")
    if start is not None and start > today:
        return (1, start, contract.get("id") or "")
    return (2, -(end.toordinal() if end else 0), contract.get("id") or "")


def _activity(contract, today):
    window = _window(contract)
    if _runs(window, today):
        return 0
    start = window[0]
    return 1 if start is not None and start > today else 2


def _fte(contract, today):
    try:
        return float(contract.get("fte"))
    except (TypeError, ValueError):
        return None


def _start(contract, today):
    return _window(contract)[0] or datetime.date.min


def _end(contract, today):
    end = _window(contract)[1]
    return datetime.date.max if end is None else end


BUILTIN_CRITERIA = {
    "active": (_activity, False),                                # active, then upcoming, then ended
    "start": (_start, False),                                    # earliest start
    "end": (_end, True),                                         # latest end (open-ended first)
    "fte": (_fte, True),                                         # highest FTE
}


def _compare(a, b):
    if a == b:
        return 0
    if a is None or b is None:
        return 1 if a is None else -1  # missing values sort last whatever the order
    try:
        return -1 if a < b else 1
    except TypeError:
        return -1 if str(a) < str(b) else 1


def primary_contract(contracts: List[dict], today: datetime.date, criteria: Optional[list] = None) -> Optional[dict]:
    """The contract mappings see as ``contract``.

    Default: active first (earliest start: the longest serving), then the next to start, then the
    one that ended last. ``criteria``: ordered ``[(key(contract, today), descending)]``; the first
    criterion that tells two contracts apart decides, the contract id breaks ties.
    """
    if not contracts:
        return None
    if not criteria:
        return min(contracts, key=lambda c: _default_key(c, today))
    return _primary_by(contracts, today, criteria)


def _primary_by(contracts, today, criteria):
    best = None
    for contract in contracts:
        if best is None:
            best = contract
            continue
        for key, descending in criteria:
            order = _compare(key(contract, today), key(best, today))
            if order and descending and key(contract, today) is not None and key(best, today) is not None:
                order = -order
            if order:
                if order < 0:
                    best = contract
                break
        else:
            if str(contract.get("id") or "") < str(best.get("id") or ""):
                best = contract
    return best


def employment(contracts: List[dict], today: datetime.date) -> dict:
    """``{start, end}`` (ISO dates or None) of a person's whole employment, not of one contract.

    Over the contracts that run today or start later (all of them, for a leaver): ``start`` is the
    earliest start and ``end`` the latest end, and ``end`` is None while any of them is open-ended.
    An account's expiry follows it: someone with a second, open-ended contract is never locked out
    when the primary one ends."""
    return _employment([_window(c) for c in contracts], today)


def _employment(every, today):
    windows = [w for w in every if (w[1] or datetime.date.max) >= today] or every
    if not windows:
        return {"start": None, "end": None}
    starts = [start for start, end in windows]
    ends = [end for start, end in windows]
    return {"start": None if any(s is None for s in starts) else min(starts).isoformat(),
            "end": None if any(e is None for e in ends) else max(ends).isoformat()}


def _date_or_none(value):
    try:
        return parse_date(value)
    except (TypeError, ValueError):
        return None  # the collect validates dates; a hand-edited vault's bad one is no leave


def _absences(person):
    """``[(start, end)]`` of the person's dated absences (end None: open-ended)."""
    found = []
    for absence in person.get("absences") or []:
        if isinstance(absence, dict):
            start = _date_or_none(absence.get("start"))
            if start is not None:
                found.append((start, _date_or_none(absence.get("end"))))
    return found


def on_leave(person: dict, today: datetime.date) -> Optional[str]:
    """Why the person is on leave on ``today`` (a reason text), or None.

    A dated absence that covers ``today``; or HR's status: every contract that runs today is
    flagged ``on_leave`` (one running contract that is not keeps the person at work). Without a
    running contract (the ``grace_days`` after the last end) the contract that ended last counts.
    """
    contracts = person.get("contracts") or []
    return _on_leave(person, today, contracts, [_window(c) for c in contracts])


def _on_leave(person, today, contracts, windows):
    covering = sorted((start, end) for start, end in _absences(person)
                      if start <= today and (end is None or end >= today))
    if covering:
        ends = [end for start, end in covering]
        until = "" if None in ends else " until %s" % max(ends).isoformat()
        return "suspended: on leave since %s%s" % (covering[0][0].isoformat(), until)
    running = [c for c, window in zip(contracts, windows) if _runs(window, today)]
    if not running:
        ended = [(window[1], c) for c, window in zip(contracts, windows) if window[1] is not None and window[1] < today]
        running = [max(ended, key=lambda item: item[0])[1]] if ended else []
    if running and all(c.get("on_leave") is True for c in running):
        return "suspended: contract %s on leave (HR status)" % ", ".join(str(c.get("id")) for c in running)
    return None


def returned_from_leave(person: dict, today: datetime.date) -> Optional[str]:
    """For a person at work: why an enable is a return from leave, or None.

    The latest leave that ended before ``today`` (an absence's end, or the day the collect saw a
    contract's ``on_leave`` flag drop, kept as ``returned``) and after the earliest start of the
    running contracts: leave before a rehire is no return, the rehire is."""
    contracts = person.get("contracts") or []
    return _returned(person, today, contracts, [_window(c) for c in contracts])


def _returned(person, today, contracts, windows):
    running = [c for c, window in zip(contracts, windows) if _runs(window, today)]
    starts = [window[0] for window in windows if _runs(window, today)]
    since = None if not starts or any(s is None for s in starts) else min(starts)
    ended = [(end, "absence ended %s" % end.isoformat()) for start, end in _absences(person)
             if end is not None and end < today]
    for contract in running:
        seen = _date_or_none(contract.get("returned"))
        if seen is not None and seen <= today:
            ended.append((seen, "contract %s back from leave (HR status, %s)" % (contract.get("id"), seen.isoformat())))
    ended = [item for item in ended if since is None or item[0] >= since]
    if not ended:
        return None
    return "returned from leave: " + max(ended)[1]


def evaluate(person: dict, today: datetime.date, policy: Policy) -> Status:
    """The ``Status`` of a person (a vault person dict) on ``today`` (a date)."""
    # Each contract's dates read once for all the steps below (they read them ~8 times over).
    contracts = person.get("contracts") or []
    windows = [_window(c) for c in contracts]
    status = _evaluate(today, policy, contracts, windows)
    if status.state == ACTIVE and policy.suspend:
        leave = _on_leave(person, today, contracts, windows)
        if leave is not None:
            status = Status(SUSPENDED, status.primary, leave)
        else:
            status.returned = _returned(person, today, contracts, windows)
    status.employment = _employment(windows, today)
    return status


def _evaluate(today, policy, contracts, windows):
    if not contracts:
        return Status(LEAVER, None, "leaver: no contract")
    if policy.primary:
        primary = _primary_by(contracts, today, policy.primary)
    else:  # min() keeps the first of equals, as primary_contract does
        primary = min(zip(contracts, windows), key=lambda item: _window_key(item[0], item[1], today))[0]
    if any(_runs(window, today) for window in windows):
        return Status(ACTIVE, primary, f"active: contract {primary.get('id')} runs")
    ends = [end for start, end in windows]
    ended = [end for end in ends if end is not None and end < today]
    if ended and (today - max(ended)).days <= policy.grace_days:
        return Status(ACTIVE, primary, f"grace: last contract ended {max(ended).isoformat()}")
    upcoming = sorted((start, c.get("id")) for c, (start, end) in zip(contracts, windows)
                      if start is not None and start > today)
    if upcoming:
        start, cid = upcoming[0]
        days = (start - today).days
        if days <= policy.pre_provision_days:
            return Status(PREHIRE, primary, f"joiner: contract {cid} starts {start.isoformat()}")
        if not any(end is not None and end < today for end in ends):
            return Status(FUTURE, primary, f"future joiner: contract {cid} starts {start.isoformat()}")
    last_end = max(ended)
    days = (today - last_end).days
    if policy.delete_after_days is not None and days > policy.delete_after_days:
        return Status(DELETE, primary, "leaver: last contract ended %s, over %d days ago"
                      % (last_end.isoformat(), policy.delete_after_days))
    return Status(LEAVER, primary, f"leaver: last contract ended {last_end.isoformat()}")
