# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Correlation decisions: the matches a person made by hand, as reviewed data (for internal use).

A decisions file is a list of entries, each one of:

- ``link``: person P owns account A (an account made before the collection, without an anchor,
  or one an anchor conflict leaves alone). Wins over the anchors and resolves a conflict it names.
- ``ignore``: account A is nobody's (a service account): never touched, never counted as vanished
  or uncorrelated; reported under ``ignored``.
- ``never_link``: person P gets no account on this target: never created, never correlated; an
  account the anchors find for P is left alone (not managed, not disabled as a leaver's).

Each carries a ``reason`` and an ``author`` (``TODO`` is refused: a starting file made by the
correlate lookup is not a review) and optionally a ``date`` and a ``ticket``. Accounts are named
by the key the correlation report shows (a DN; SCIM ``userName=<login>,ou=Users``), compared as
DNs (case and spaces around separators do not matter).

Pure: ``parse`` reads a loaded YAML document, ``resolve`` checks it against the vault and the
accounts read, ``template`` writes a starting file; correlation applies the decisions.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional

from ansible_collections.jml.provisioning.plugins.module_utils.provision import dn as dnlib
from ansible_collections.jml.provisioning.plugins.module_utils.records import SLOTS

KINDS = ("link", "ignore", "never_link")
# What each kind names: link a person and an account, ignore an account, never_link a person.
NAMES = {"link": ("person", "account"), "ignore": ("account",), "never_link": ("person",)}
REQUIRED = ("reason", "author")
OPTIONAL = ("date", "ticket")
UNREVIEWED = "todo"


class DecisionError(ValueError):
    """A decisions file that cannot be applied; the message names the file and the entry."""


@dataclass(frozen=True, **SLOTS)
class Decision:
    index: int                 # the entry's position in the file (0-based), for messages
    kind: str                  # one of KINDS
    reason: str
    author: str
    person: Optional[str] = None   # vault person id (link, never_link)
    account: Optional[str] = None  # account key as written (link, ignore)
    date: Optional[str] = None
    ticket: Optional[str] = None

    @property
    def key(self) -> Optional[str]:
        """The account's comparison key (normalised DN), or None."""
        return dnlib.normalise(self.account) if self.account else None

    def label(self, source: str) -> str:
        return f"{source}: decisions[{self.index}] ({self.kind})"

    def as_dict(self) -> dict:
        out = {"decision": self.kind, "reason": self.reason, "author": self.author}
        for name in ("person", "account", "date", "ticket"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out


@dataclass(frozen=True, **SLOTS)
class Decisions:
    source: str                # the file, for messages
    entries: tuple             # Decision, in file order

    def of_kind(self, kind: str) -> List[Decision]:
        return [d for d in self.entries if d.kind == kind]


NONE = Decisions("no decisions_file", ())


def _text(value) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, bool) or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def parse(document, source: str) -> Decisions:
    """A loaded YAML document (a list of entries, or a mapping with a ``decisions`` list; null or
    an empty list: no decisions) -> ``Decisions``; ``DecisionError`` names the file and entry."""
    entries = document.get("decisions") if isinstance(document, dict) else document
    if isinstance(document, dict) and set(document) - {"decisions"}:
        raise DecisionError("%s: unknown top-level key(s) %s (expected: decisions)"
                            % (source, ", ".join(sorted(map(str, set(document) - {"decisions"})))))
    if entries is None:
        return Decisions(source, ())
    if not isinstance(entries, list):
        raise DecisionError(f"{source}: must hold a list of decisions (or a mapping with a 'decisions' list)")
    parsed = [_entry(entry, index, source) for index, entry in enumerate(entries)]
    decisions = Decisions(source, tuple(parsed))
    _contradictions(decisions)
    return decisions


def _entry(entry, index, source) -> Decision:
    where = f"{source}: decisions[{index}]"
    if not isinstance(entry, dict):
        raise DecisionError(f"{where} must be a mapping with decision, reason and author")
    kind = entry.get("decision")
    if kind not in KINDS:
        raise DecisionError("%s: decision must be one of %s, not %r" % (where, ", ".join(KINDS), kind))
    where = f"{where} ({kind})"
    allowed = set(("decision",) + NAMES[kind] + REQUIRED + OPTIONAL)
    unknown = sorted(str(k) for k in entry if k not in allowed)
    if unknown:
        raise DecisionError("%s: unknown key(s) %s (a %s names %s)"
                            % (where, ", ".join(unknown), kind, " and ".join(NAMES[kind])))
    values = {}
    for name in NAMES[kind] + REQUIRED:
        value = _text(entry.get(name))
        if value is None:
            raise DecisionError(f"{where}: {name} is required (a non-empty text)")
        if name in REQUIRED and value.lower() == UNREVIEWED:
            raise DecisionError(f"{where}: {name} is still TODO: a decision is applied only once someone reviewed it")
        values[name] = value
    for name in OPTIONAL:
        if entry.get(name) is not None:
            value = _text(entry.get(name))
            if value is None:
                raise DecisionError(f"{where}: {name} must be a text or a date")
            if value.lower() == UNREVIEWED:
                raise DecisionError(f"{where}: {name} is still TODO: fill it in or leave it out")
            values[name] = value
    if "account" in values and not dnlib.split(values["account"]):
        raise DecisionError(f"{where}: account {values['account']!r} is not an account key (a DN)")
    return Decision(index=index, kind=kind, **values)


def _contradictions(decisions: Decisions) -> None:
    """Two decisions about one person or one account: an error, whichever they are (the file
    must say one thing; a duplicate is a review nobody finished)."""
    source = decisions.source
    by_person, by_account = {}, {}
    for decision in decisions.entries:
        if decision.person is not None:
            other = by_person.get(decision.person)
            if other is not None:
                raise DecisionError("%s contradicts decisions[%d] (%s): both decide person %s"
                                    % (decision.label(source), other.index, other.kind, decision.person))
            by_person[decision.person] = decision
        if decision.account is not None:
            other = by_account.get(decision.key)
            if other is not None:
                raise DecisionError("%s contradicts decisions[%d] (%s): both decide account %s"
                                    % (decision.label(source), other.index, other.kind, decision.account))
            by_account[decision.key] = decision


def resolve(decisions: Decisions, persons: Dict[str, dict], accounts: Iterable) -> Dict[str, object]:
    """The accounts the decisions name (decision key -> account), checked: every person a decision
    names is in the vault, every account is among the accounts read (the target's managed scope);
    else ``DecisionError``, before anything is planned or written."""
    accounts = list(accounts)
    wanted = set(d.key for d in decisions.entries if d.key is not None)
    found = {}
    for account in accounts:  # DNs as the directory returns them: their lower case is the key
        key = account.dn.lower()
        if key in wanted:
            found[key] = account
    if len(found) < len(wanted):  # typed in another form (spaces, escapes): compare as DNs
        for account in accounts:
            key = dnlib.normalise(account.dn)
            if key in wanted:
                found.setdefault(key, account)
    problems = []
    for decision in decisions.entries:
        if decision.person is not None and decision.person not in persons:
            problems.append(f"{decision.label(decisions.source)}: person {decision.person} is not in the vault")
        if decision.account is not None and decision.key not in found:
            problems.append("%s: account %s is not in the target's managed scope (read: %d accounts)"
                            % (decision.label(decisions.source), decision.account, len(accounts)))
    if problems:
        more = "" if len(problems) == 1 else " (and %d more: %s)" % (len(problems) - 1, "; ".join(problems[1:5]))
        raise DecisionError(problems[0] + more)
    return found


# ---------------------------------------------------------------------------------------------
# A starting file for the correlate lookup: every entry commented out, reason and author TODO.

def _quoted(value) -> str:
    return '"%s"' % str(value).replace("\\", "\\\\").replace('"', '\\"')


def _candidate(kind, comment, person=None, account=None) -> List[str]:
    lines = [f"# - decision: {kind}    # {comment}"]
    if person is not None:
        lines.append(f"#   person: {_quoted(person)}")
    if account is not None:
        lines.append(f"#   account: {_quoted(account)}")
    lines += ["#   reason: TODO", "#   author: TODO", "#   date: TODO", ""]
    return lines


def template(report: dict, source: str = "") -> str:
    """A starting decisions file (YAML text) for a correlation ``report``'s conflicts, orphans
    (uncorrelated accounts) and vanished accounts: candidates only, every one commented out and
    with reason and author ``TODO`` (refused by ``parse``), so nobody applies a guess unreviewed."""
    lines = ["# Correlation decisions: a starting file written by the jml.provisioning.correlate lookup%s."
             % (f" for {source}" if source else ""),
             "# Nothing here is applied as it stands: every entry is a commented-out candidate.",
             "# Keep at most one decision per person and per account, uncomment it, and replace every TODO",
             "# (reason, author; date and ticket are optional) - a decision still marked TODO is an error.",
             "decisions:", ""]
    for conflict in report.get("conflicts") or []:
        accounts = list(conflict.get("accounts") or [])
        persons = list(conflict.get("persons") or [conflict.get("person")])
        lines.append("# conflict (%s) on %s: person(s) %s, account(s) %s"
                     % (conflict.get("problem"), conflict.get("anchor"), ", ".join(map(str, persons)), "; ".join(accounts)))
        if "outside" in str(conflict.get("problem")):
            lines += ["#   the account is outside the managed scope: move it into the scope (or set anchor.adopt)",
                      "#   to let the person have it, or keep the person away from this target:"]
            lines += _candidate("never_link", "the person gets no account here", person=persons[0])
            continue
        for person in persons:
            for account in accounts:
                lines += _candidate("link", "pick at most one link per person and per account",
                                    person=person, account=account)
        if len(accounts) > 1:
            for account in accounts:
                lines += _candidate("ignore", "an account that is nobody's", account=account)
    for account in report.get("uncorrelated_accounts") or []:
        lines.append(f"# orphan: no anchor value: {account}")
        lines += _candidate("ignore", "a service or shared account, never touched", account=account)
        lines += _candidate("link", "or the account of a vault person (made before the collection)",
                            person="TODO", account=account)
    for account in report.get("vanished") or []:
        lines.append(f"# vanished: its anchor value is no vault person's, so it would be disabled: {account}")
        lines += _candidate("ignore", "keep it: a service account that carries an anchor value", account=account)
    if len(lines) == 6:
        lines[4] = "decisions: []"
        lines.append("# (no conflicts, orphans or vanished accounts: nothing to decide)")
    return "\n".join(lines).rstrip("\n") + "\n"
