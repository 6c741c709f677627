# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The audit trail's pure parts: entries from a real run's operations, file names by date,
which files a retention period deletes, and which entries a query matches (for internal use).

No I/O and no clock: the time of the run and today's date are inputs. The shell
(``plugin_utils/audit_log.py``) appends the lines, rotates and deletes the files; the lookup
``jml.provisioning.audit`` reads them back through a ``Query``.

One entry is one JSON object on one line (JSON Lines), in apply order::

    {"time": "2026-12-03T12:00:00.000Z", "run_id": "...", "host": "ldap1",
     "target": {"module": "ldap_accounts", "server": "ldaps://...", "scope": "ou=people,..."},
     "person": "10023", "dn": "uid=jose.muller,...", "operation": "create",
     "changes": {"givenName": [null, "José"]}, "reason": "joiner: ...", "outcome": "applied"}

with ``new_dn`` (moves, renames), ``group`` and ``rule`` (grants and revokes), ``guid`` (the
account's objectGUID or SCIM id), ``initial_password: true`` (a create that set one: never its
value), ``error`` (failed or unknown outcomes). Never a secret: an attribute whose name is a
password's (``userPassword``, ``unicodePwd``, ``password``...) is written as ``MASK``.
"""

from __future__ import annotations

import datetime
import functools
import json
import re
from dataclasses import dataclass
from typing import Iterable, Iterator, List, Optional

FORMAT = "jml.provisioning/audit/v1"
PREFIX = "audit-"
SUFFIX = ".jsonl"
_NAME = re.compile(r"^audit-(\d{4}-\d{2}-\d{2})\.jsonl$")
MASK = "********"
# Attributes that carry a secret: never written, whatever the mapping puts in them (lower case).
SECRET_ATTRIBUTES = frozenset((
    "userpassword", "unicodepwd", "password", "clearpassword", "ntpassword", "sambantpassword",
    "sambalmpassword", "supplementalcredentials", "dbcspwd", "lmpwdhistory", "ntpwdhistory",
    "krbprincipalkey", "authpassword", "initial_password", "newpassword", "oldpassword",
))
OUTCOMES = ("applied", "failed", "unknown")


@functools.lru_cache(maxsize=4096)  # a run asks for the same few attribute names again and again
def is_secret(attribute: str) -> bool:
    """Whether an attribute's values are secrets (``userPassword;binary`` and ``password`` too)."""
    name = str(attribute).split(";", 1)[0].strip().lower()
    return name in SECRET_ATTRIBUTES or name.rsplit(":", 1)[-1].rsplit(".", 1)[-1] in SECRET_ATTRIBUTES


def masked(changes: dict) -> dict:
    """``changes`` (attribute -> [before, after]) with every secret value replaced by ``MASK``
    (``changes`` itself when it has none: the common case costs no copy)."""
    if not any(map(is_secret, changes or ())):
        return changes or {}
    out = {}
    for attribute, pair in (changes or {}).items():
        if is_secret(attribute):
            pair = [None if v is None else MASK for v in pair] if isinstance(pair, (list, tuple)) else MASK
        out[attribute] = pair
    return out


def timestamp(moment: datetime.datetime) -> str:
    """UTC, ISO 8601 with a ``Z``, to the millisecond: sorts as text."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return moment.isoformat(timespec="milliseconds") + "Z"


def _own(op, lost: Optional[str]) -> dict:
    """The fields of an entry that are the operation's (the run's are the same on every line)."""
    outcome, error = op.outcome or "unknown", op.error
    if outcome == "failed" and lost and str(error or "").startswith(lost):
        outcome = "unknown"
    item = {"person": op.person, "dn": op.dn, "operation": op.action, "changes": masked(op.changes),
            "reason": op.reason, "outcome": outcome}
    if op.new_dn:
        item["new_dn"] = op.new_dn
    if op.group:
        item["group"] = op.group
    if getattr(op, "rules", None):
        item["rule"] = list(op.rules)
    guid = op.guid or getattr(op, "assigned_id", None)
    if guid:
        item["guid"] = guid
    if op.initial_password:
        item["initial_password"] = True  # set by the target; its value is never recorded
    if op.children:
        item["children"] = op.children
    if error is not None and outcome != "applied":
        item["error"] = str(error)
    return item


def _head(run: dict, time: str) -> dict:
    return {"time": time, "run_id": run.get("run_id"), "host": run.get("host"), "target": run.get("target")}


def entry(op, run: dict, time: str, lost: Optional[str] = None) -> dict:
    """One operation's entry. ``run``: {run_id, host, target: {module, server, scope}};
    ``lost``: the target's prefix of a failure whose write may or may not have been applied."""
    return dict(_head(run, time), **_own(op, lost))


def entries(operations: Iterable, run: dict, time: str, lost: Optional[str] = None) -> List[dict]:
    """The entries of a real run: every operation it applied, tried or kept back as failing
    (``op.outcome`` set by ``reconcile.run``); operations without an outcome (check mode, a
    threshold stop) were not run and give none."""
    return [entry(op, run, time, lost) for op in operations if op.outcome is not None]


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


def line(item: dict) -> bytes:
    """An entry as one line of UTF-8 JSON (no newline inside: JSON escapes every control character)."""
    return (_ENCODER.encode(item) + "\n").encode("utf-8")


def _line_head(run: dict, time: str) -> str:
    """The run's fields of every line, encoded once: ``{"time":...,"target":{...},`` (open)."""
    return _ENCODER.encode(_head(run, time))[:-1] + ","


def lines(operations: Iterable, run: dict, time: str, lost: Optional[str] = None) -> Iterator[bytes]:
    """``line(e) for e in entries(...)``, streamed and faster: the run's fields are encoded once
    (a 100k-person first run is 100k+ lines)."""
    head = _line_head(run, time)
    for op in operations:
        if op.outcome is not None:
            yield (head + _ENCODER.encode(_own(op, lost))[1:] + "\n").encode("utf-8")


# A real run writes its journal of pending entries before its first write and deletes it once its
# own entries are in the trail; a journal left behind is of a run killed in between (or whose
# entries could not be appended), and the next real run of the same target records it.
PENDING_PREFIX = ".pending-"
CUT_SHORT = ("the run ended before it recorded this operation's outcome (killed, or its entries could "
             "not be appended): it may or may not have been applied")


def pending_lines(operations: Iterable, run: dict, time: str, lost: Optional[str] = None) -> Iterator[bytes]:
    """The journal of a run about to write ``operations``: each one's entry as it stands before
    the write, with the outcome ``unknown`` and ``CUT_SHORT`` as the error."""
    head = _line_head(run, time)
    for op in operations:
        item = _own(op, lost)
        item["outcome"], item["error"] = "unknown", CUT_SHORT
        yield (head + _ENCODER.encode(item)[1:] + "\n").encode("utf-8")


def pending_name(target_key: str, run_id: str) -> str:
    """The journal file of one run of one target (``target_key``: a digest of the target's name)."""
    return f"{PENDING_PREFIX}{target_key}-{run_id}{SUFFIX}"


def pending_of(names: Iterable[str], target_key: str) -> List[str]:
    """The journals of ``target_key`` among ``names`` (another target's are its own runs' to record:
    one of them may be writing now)."""
    prefix = f"{PENDING_PREFIX}{target_key}-"
    return sorted(name for name in names if name.startswith(prefix) and name.endswith(SUFFIX))


def line_day(raw: bytes) -> Optional[datetime.date]:
    """The UTC day of an entry's ``time`` (which file of the trail it belongs in), or None."""
    try:
        return datetime.date.fromisoformat(str(json.loads(raw)["time"])[:10])
    except (ValueError, KeyError, TypeError):
        return None


def _operation_key(item: dict) -> tuple:
    """What tells one operation of a run from its others, the same in its journal entry and its own."""
    return tuple(str(item.get(name) or "").lower() for name in ("operation", "person", "dn", "new_dn", "group"))


def not_recorded(journal: List[bytes], recorded: Iterable[dict]) -> List[bytes]:
    """The journal's lines whose operation is not among the run's own ``recorded`` entries: a run
    killed while appending its entries left some of them, and the journal too."""
    keys = set(_operation_key(item) for item in recorded)
    if not keys:
        return journal
    return [raw for raw in journal if _operation_key(json.loads(raw)) not in keys]


def file_name(day: datetime.date) -> str:
    """The file of one UTC day: ``audit-YYYY-MM-DD.jsonl`` (daily rotation)."""
    return f"{PREFIX}{day.isoformat()}{SUFFIX}"


def file_day(name: str) -> Optional[datetime.date]:
    """The day of an audit file name, or None for any other file (never touched)."""
    found = _NAME.match(name)
    if not found:
        return None
    try:
        return datetime.date.fromisoformat(found.group(1))
    except ValueError:
        return None


def expired(names: Iterable[str], today: datetime.date, retention_days: Optional[int]) -> List[str]:
    """The audit files a retention of ``retention_days`` deletes on ``today``: those of days
    before ``today - retention_days`` (a file of that day is kept). ``None`` or 0 keeps every file.
    Files that are not audit files are never in the list."""
    if not retention_days or retention_days < 0:
        return []
    oldest = today - datetime.timedelta(days=retention_days)
    return sorted(name for name in names if file_day(name) is not None and file_day(name) < oldest)


def in_range(names: Iterable[str], since: Optional[datetime.date], until: Optional[datetime.date]) -> List[str]:
    """The audit files that can hold entries between ``since`` and ``until`` (days, inclusive), oldest first."""
    chosen = []
    for name in names:
        day = file_day(name)
        if day is None or (since is not None and day < since) or (until is not None and day > until):
            continue
        chosen.append((day, name))
    return [name for dummy, name in sorted(chosen)]


def parse_lines(lines: Iterable[bytes], needles: Iterable[bytes] = ()) -> Iterator[dict]:
    """The entries of a file's lines; a line that is not one whole JSON object (the partial last
    line of a run killed mid-write) is skipped, and so is a line without every one of ``needles``."""
    needles = list(needles)
    for raw in lines:
        if not raw.endswith(b"\n"):
            continue  # the unfinished last line of a killed run
        if needles and not all(needle in raw for needle in needles):
            continue
        try:
            item = json.loads(raw)
        except ValueError:
            continue
        if isinstance(item, dict):
            yield item


@dataclass(frozen=True)
class Query:
    """Which entries a query asks for: ``person`` (the vault id), ``since``/``until`` (UTC days,
    inclusive), ``run_id``, ``operation``, ``outcome``, ``dn`` (its DN or new DN, without case)
    and ``target`` (the module, the server or the inventory host). None: any."""

    person: Optional[str] = None
    since: Optional[datetime.date] = None
    until: Optional[datetime.date] = None
    run_id: Optional[str] = None
    operation: Optional[str] = None
    outcome: Optional[str] = None
    dn: Optional[str] = None
    target: Optional[str] = None

    @property
    def bounds(self):
        """``(start, end)``: the timestamps ``since <= time < end`` of the days asked for."""
        start = None if self.since is None else timestamp(datetime.datetime.combine(self.since, datetime.time()))
        end = None if self.until is None else timestamp(
            datetime.datetime.combine(self.until, datetime.time()) + datetime.timedelta(days=1))
        return start, end

    def files(self, names: Iterable[str]) -> List[str]:
        """The audit files that can hold the entries asked for, oldest first."""
        return in_range(names, self.since, self.until)

    def needles(self) -> List[bytes]:
        """Byte strings every matching line holds as this collection writes it (``"person":"P"``):
        a line without them is skipped before it is parsed. Only a shortcut - ``matcher`` decides."""
        found = []
        for key in ("person", "run_id"):
            value = getattr(self, key)
            if value is not None:
                found.append(('"%s":%s' % (key, json.dumps(str(value), ensure_ascii=False))).encode("utf-8"))
        return found

    def matcher(self):
        """``match(entry) -> bool``, with the day bounds computed once."""
        start, end = self.bounds
        person = None if self.person is None else str(self.person)
        dn = None if self.dn is None else self.dn.lower()

        def match(item: dict) -> bool:
            time = str(item.get("time") or "")
            if (start is not None and time < start) or (end is not None and time >= end):
                return False
            if person is not None and str(item.get("person")) != person:
                return False
            for key in ("run_id", "operation", "outcome"):
                wanted = getattr(self, key)
                if wanted is not None and item.get(key) != wanted:
                    return False
            if dn is not None and dn not in (str(item.get("dn") or "").lower(), str(item.get("new_dn") or "").lower()):
                return False
            if self.target is not None:
                where = item.get("target") if isinstance(item.get("target"), dict) else {}
                if self.target not in (where.get("module"), where.get("server"), item.get("host")):
                    return False
            return True
        return match
