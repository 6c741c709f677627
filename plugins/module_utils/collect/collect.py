# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Collect: sources through their mapping sets into one new vault document (for internal use).

``read_source`` is the thin I/O step (files, HTTP); everything after it is pure: mapping each
source, merging sources, carrying forward rejected persons, retention, source thresholds. A
person rejected this time but present in the previous vault keeps its previous record: a broken
row never turns an employee into a leaver.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import List

from ansible_collections.jml.provisioning.plugins.module_utils.provision import lifecycle
from ansible_collections.jml.provisioning.plugins.module_utils import limits
from ansible_collections.jml.provisioning.plugins.module_utils.records import SLOTS
from ansible_collections.jml.provisioning.plugins.module_utils.collect import vault_doc
from ansible_collections.jml.provisioning.plugins.module_utils.collect.mapping import MappingSet, collect_persons
from ansible_collections.jml.provisioning.plugins.module_utils.sources.csv_file import read_csv
from ansible_collections.jml.provisioning.plugins.module_utils.sources.http_api import read_http
from ansible_collections.jml.provisioning.plugins.module_utils.sources.json_file import read_json
from ansible_collections.jml.provisioning.plugins.module_utils.sources.rows import SourceError


class CollectError(Exception):
    """The collect cannot produce a trustworthy vault; the previous one must stay as it is."""


class SourceData(object):
    """What one source read: persons, optional contracts, and its code lists (lookups)."""

    __slots__ = ("persons", "contracts", "lookups", "lookups_rows", "absences")

    def __init__(self, persons, contracts=None, lookups=None, lookups_rows=None, absences=None):
        self.persons, self.contracts, self.lookups = persons, contracts, lookups or {}
        self.lookups_rows = lookups_rows or {}  # name -> SourceRows, for the collect fingerprint
        self.absences = absences  # SourceRows of a separate absences file or list, or None

    def release_rows(self):
        """Drop the rows once collected, keep the digests: at 100k persons the raw rows are
        ~280 MiB that would otherwise stay alive while the vault is serialised and encrypted."""
        for part in [self.persons, self.contracts, self.absences] + list(self.lookups_rows.values()):
            if part is not None:
                part.rows = []
        self.lookups = {}


def _read_part(source, part):
    spec = source[part] if isinstance(part, str) else part
    kind = spec.get("type") or source.get("type") or "csv"
    if kind == "csv":
        return read_csv(spec["path"], delimiter=spec.get("delimiter") or ",", encoding=spec.get("encoding") or "utf-8",
                        quotechar=spec.get("quotechar") or '"')
    if kind == "json":
        return read_json(spec["path"], records=spec.get("records"), encoding=spec.get("encoding") or "utf-8")
    if kind == "http":
        if not spec.get("url"):
            raise CollectError(f"source {source['name']}: an http source needs persons.url")
        pagination = dict((k, v) for k, v in (spec.get("pagination") or {}).items() if v is not None)
        return read_http(spec["url"], records=spec.get("records"), pagination=pagination or None,
                         auth=source.get("auth"), validate_certs=source.get("validate_certs", True),
                         ca_file=source.get("ca_file"), timeout=source.get("timeout") or 30.0,
                         retries=source.get("retries", 3), backoff=source.get("backoff", 1.0),
                         max_pages=source.get("max_pages") or 10000, time_budget=source.get("time_budget") or 1800.0)
    raise CollectError(f"source {source['name']}: type {kind} is not supported")


def _lookup_table(name, rows, key):
    table = {}
    for dummy, row, dummy2 in rows.rows:
        if row is not None and row.get(key) not in (None, ""):
            table[str(row[key]).strip()] = row
    if rows.columns is not None and key not in rows.columns:
        raise CollectError(f"{rows.name}: lookup {name}: key column {key} is missing")
    return table


def read_source(source):
    """Read every file or page of one source (all or nothing): a ``SourceData``."""
    try:
        persons = _read_part(source, "persons")
        contracts = _read_part(source, "contracts") if source.get("contracts") else None
        absences = _read_part(source, "absences") if source.get("absences") else None
        lookups, lookups_rows = {}, {}
        for name, spec in (source.get("lookups") or {}).items():
            if not spec.get("key"):
                raise CollectError(f"source {source['name']}: lookup {name} needs a key column")
            lookups_rows[name] = _read_part(source, dict(spec, type=spec.get("type") or "csv"))
            lookups[name] = _lookup_table(name, lookups_rows[name], spec["key"])
    except SourceError as exc:
        raise CollectError(f"source {source['name']}: {exc}")
    return SourceData(persons, contracts, lookups, lookups_rows, absences)


@dataclass(eq=False, **SLOTS)
class CollectResult:
    """A collect's outcome, a threshold stop included (as data: the shell decides nothing)."""

    document: dict            # the new vault document
    changes: dict             # joined, left, changed, purged person ids
    rejections: list          # mapping.Rejection of every rejected row
    kept: list                # person ids carried forward from the previous vault
    purged: list              # person ids removed by retention
    thresholds: dict          # name -> {count, limit, exceeded}

    @property
    def exceeded(self) -> List[str]:
        """The exceeded source thresholds, as a reader should see them (empty: no stop)."""
        return [f"source(s) {', '.join(t['sources'])} read no person (the previous vault had some from them)"
                if name == "empty_source" else "%s %d (limit %d)" % (name, t["count"], t["limit"])
                for name, t in self.thresholds.items() if t["exceeded"]]


def map_source(source, data, previous_persons):
    """One source's persons, its rejections and the ids it carried forward from the previous vault."""
    name = source["name"]
    try:
        mapping = MappingSet(source["mapping"], label=f"source {name} mapping", lookups=data.lookups)
        person_key = (source["persons"] or {}).get("key")
        contract_key = ((source.get("contracts") or {}).get("key")) or person_key
        if data.contracts is not None and not person_key:
            raise CollectError(f"source {name}: persons.key (the field that joins contracts) is required when a contracts file is given")
        absences = getattr(data, "absences", None)
        if absences is not None and not mapping.absence:
            raise CollectError(f"source {name}: an absences file is given but the mapping has no 'absence' part")
        if absences is not None and not person_key:
            raise CollectError(f"source {name}: persons.key (the field that joins absences) is required when an absences file is given")
        if (source["persons"] or {}).get("absences_field") and not mapping.absence:
            raise CollectError(f"source {name}: persons.absences_field is given but the mapping has no 'absence' part")
        found, rejected = collect_persons(name, mapping, data.persons, data.contracts, person_key, contract_key,
                                          (source["persons"] or {}).get("contracts_field"), absences,
                                          ((source.get("absences") or {}).get("key")) or person_key,
                                          (source["persons"] or {}).get("absences_field"))
    except ValueError as exc:  # MappingError, ExpressionError
        raise CollectError(str(exc))
    unreadable = [r for r in rejected if r.unreadable]
    if source.get("max_rejected") is not None:
        try:
            limit = limits.evaluate(len(rejected), source["max_rejected"], len(data.persons.rows),
                                    f"source {name} max_rejected")
        except limits.LimitError as exc:
            raise CollectError(str(exc))
        if limit and limit["exceeded"]:
            raise CollectError(f"source {name}: {len(rejected)} rows rejected, more than max_rejected {source['max_rejected']} (first: {rejected[0]})")
    elif unreadable:
        raise CollectError("source %s: %s - the row cannot be read and whose it is cannot be told, so a person "
                           "could vanish from the vault; fix the export, or set max_rejected to collect the other "
                           "rows (this source's persons then keep their previous records)" % (name, unreadable[0]))
    kept = []
    for rejection in rejected:
        pid = rejection.person
        if pid and pid in previous_persons and pid not in found and previous_persons[pid].get("source") == name:
            found[pid] = previous_persons[pid]
            kept.append(pid)
    kept.extend(_keep_around_unreadable(name, unreadable, data, found, previous_persons))
    return found, rejected, sorted(set(kept))


def _keep_around_unreadable(name, unreadable, data, found, previous_persons):
    """With rows nobody can tell the owner of (allowed by max_rejected), no person of the previous
    vault disappears or loses a contract because of them: a person missing from an unreadable
    persons file keeps their record, and so does one with fewer contracts (or absences) than before
    when a contracts (or absences) row is unreadable. Returns the ids kept."""
    if not unreadable:
        return []
    persons_file = data.persons.name
    kept = []
    mine = dict((pid, p) for pid, p in previous_persons.items() if p.get("source") == name)
    if any(r.file == persons_file for r in unreadable):
        for pid, person in mine.items():
            if pid not in found:
                found[pid] = person
                kept.append(pid)
    if any(r.file != persons_file for r in unreadable):
        for pid, person in mine.items():  # a contracts or absences row nobody can tell the owner of
            if pid in found and pid not in kept and any(
                    len(found[pid].get(part) or []) < len(person.get(part) or []) for part in ("contracts", "absences")):
                found[pid] = person
                kept.append(pid)
    return kept


def _leaves(value, prefix=""):
    for key, item in value.items():
        if isinstance(item, dict):
            yield from _leaves(item, prefix + key + ".")
        else:
            yield prefix + key, item


def _set_leaf(target, dotted, value):
    keys = dotted.split(".")
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value


def merge_persons(by_source, merge):
    """Persons of several sources in one map.

    ``by_source``: ``[(source name, {id: person})]`` in configuration order. Without ``merge`` an
    id found in two sources is an error. With ``merge`` (``key``: a person field such as ``id`` or
    ``email``; ``precedence``: source names, first wins; ``fields``: per-field precedence), persons
    sharing the key become one: fields from the winning source that has a value, all contracts.
    """
    if not merge:
        persons, origin = {}, {}
        for name, found in by_source:
            for pid, person in found.items():
                if pid in persons:
                    raise CollectError("person id %r comes from both source %s and source %s; ids must be unique "
                                       "across sources, or configure merge" % (pid, origin[pid], name))
                persons[pid], origin[pid] = person, name
        return persons
    names = [name for name, dummy in by_source]
    precedence = list(merge.get("precedence") or names)
    unknown = [n for n in precedence + [s for f in (merge.get("fields") or {}).values() for s in f] if n not in names]
    if unknown:
        raise CollectError(f"merge names unknown sources: {', '.join(sorted(set(unknown)))}")
    rank = dict((n, i) for i, n in enumerate(precedence + [n for n in names if n not in precedence]))
    key_field = merge.get("key") or "id"
    groups, order = {}, []
    for name, found in by_source:
        for pid, person in found.items():
            key = dict(_leaves(person)).get(key_field)
            group_key = ("key", str(key).lower()) if key not in (None, "") else ("id", name, pid)
            if group_key not in groups:
                groups[group_key] = []
                order.append(group_key)
            groups[group_key].append((name, person))
    persons = {}
    for group_key in order:
        members = sorted(groups[group_key], key=lambda m: rank[m[0]])
        person = _merge_group(members, merge.get("fields") or {}, rank) if len(members) > 1 else members[0][1]
        pid = person["id"]
        if pid in persons:
            raise CollectError("person id %r comes from sources %s and %s with different %s values; ids must be "
                               "unique unless the persons merge" % (pid, persons[pid]["source"], person["source"],
                                                                    key_field))
        persons[pid] = person
    return persons


def _merge_group(members, field_precedence, rank):
    by_name = dict(members)
    winner = copy.deepcopy(members[0][1])
    fields = set()
    for dummy, person in members:
        fields.update(f for f, dummy2 in _leaves(dict((k, v) for k, v in person.items()
                                                      if k not in ("contracts", "absences", "source", "sources", "id"))))
    for field in sorted(fields):
        order = field_precedence.get(field) or [n for n, dummy in members]
        order = sorted((n for n in order if n in by_name), key=lambda n, o=order: o.index(n))
        for name in order + [n for n, dummy in members if n not in order]:
            value = dict(_leaves(by_name[name])).get(field)
            if value is not None:
                _set_leaf(winner, field, value)
                break
    contracts, absences = [], []
    for name, person in members:
        for contract in person.get("contracts") or []:
            contracts.append(dict(contract, source=name))
        absences.extend(dict(a, source=name) for a in person.get("absences") or [])
    winner["contracts"] = contracts
    if any("absences" in person for dummy, person in members):
        winner["absences"] = sorted(absences, key=lambda a: (str(a.get("start")), str(a.get("end") or "9999-12-31")))
    winner["sources"] = sorted(by_name, key=lambda n: rank[n])
    return winner


def remember_returns(persons, previous_persons, today):
    """HR's ``on_leave`` flag is a snapshot: when a contract's flag drops, the collect records the
    day it saw the return (``returned``, kept while the contract is not on leave again), so the
    target modules can tell a return from leave (enable, ``resumed``) from any other enable."""
    if today is None:
        return
    for pid, person in persons.items():
        before = dict((c.get("id"), c) for c in ((previous_persons.get(pid) or {}).get("contracts") or []))
        for contract in person.get("contracts") or []:
            if contract.get("on_leave") is not False:
                continue
            old = before.get(contract.get("id")) or {}
            if old.get("on_leave") is True:
                contract["returned"] = today.isoformat()
            elif old.get("returned") and "returned" not in contract:
                contract["returned"] = old["returned"]


def _last_day(person):
    """The end of the person's last contract, or None while any contract is open or upcoming."""
    ends = []
    for contract in person.get("contracts") or []:
        end = lifecycle.parse_date(contract.get("end"))
        if end is None:
            return None
        ends.append(end)
    return max(ends) if ends else None


def purge_expired(persons, today, retention_days):
    """Drop persons whose last contract ended more than ``retention_days`` before ``today``."""
    if retention_days is None:
        return persons, []
    kept, purged = {}, []
    for pid, person in persons.items():
        last = _last_day(person)
        if last is not None and (today - last).days > retention_days:
            purged.append(pid)
        else:
            kept[pid] = person
    return kept, sorted(purged)


def evaluate_thresholds(changes, previous_count, new_count, thresholds, has_previous, empty_sources=()):
    """``{name: {count, limit, exceeded}}`` for the source thresholds (added, removed, changed,
    min_persons, empty_source); counts and percentages are against the previous vault's persons.
    ``thresholds`` None: the safe defaults (``limits.DEFAULT_SOURCE_THRESHOLDS``);
    ``empty_sources``: the sources that read no person although the previous vault had some."""
    out = {}
    thresholds = limits.source_thresholds(thresholds)
    counts = {"added": len(changes["joined"]), "removed": len(changes["left"]), "changed": len(changes["changed"])}
    for name in ("added", "removed", "changed"):
        if not has_previous:
            continue
        try:
            found = limits.evaluate(counts[name], thresholds.get(name) or None, max(previous_count, 1),
                                    f"thresholds.{name}")
        except limits.LimitError as exc:
            raise CollectError(str(exc))
        if found:
            out[name] = found
    if thresholds.get("empty_source") and has_previous:
        out["empty_source"] = {"count": len(empty_sources), "limit": 0, "exceeded": bool(empty_sources),
                               "sources": sorted(empty_sources)}
    if thresholds.get("min_persons") is not None:
        limit = int(thresholds["min_persons"])
        out["min_persons"] = {"count": new_count, "limit": limit, "exceeded": new_count < limit}
    return out


def collect(sources, data_by_source, previous, collected_at, merge=None, today=None, retention_days=None,
            thresholds=None):
    """Build the new vault document from every source's data.

    ``data_by_source``: name -> ``SourceData``; ``previous``: the previous vault document or None;
    ``today``: a date (retention). Raises ``CollectError`` for anything that makes the whole
    collect untrustworthy. Thresholds are evaluated and returned; the caller decides.
    """
    names = [s["name"] for s in sources]
    if len(set(names)) != len(names):
        raise CollectError(f"source names must be unique: {', '.join(names)}")
    previous_persons = (previous or {}).get("persons") or {}
    by_source, rejections, kept, entries = [], [], [], []
    for source in sources:
        found, rejected, carried = map_source(source, data_by_source[source["name"]], previous_persons)
        by_source.append((source["name"], found))
        rejections.extend(rejected)
        kept.extend(carried)
        entries.append({"name": source["name"], "type": source.get("type") or "csv", "collected_at": collected_at,
                        "persons": len(found), "rejected": len(rejected)})
    persons = merge_persons(by_source, merge)
    remember_returns(persons, previous_persons, today)
    purged = []
    if today is not None:
        persons, purged = purge_expired(persons, today, retention_days)
    document = vault_doc.build(persons, entries, collected_at)
    comparable_previous = dict((pid, p) for pid, p in previous_persons.items() if pid not in purged)
    changes = vault_doc.person_changes(comparable_previous, document["persons"])
    changes["purged"] = purged
    had = dict((entry.get("name"), entry.get("persons") or 0) for entry in (previous or {}).get("sources") or [])
    empty = [entry["name"] for entry in entries if entry["persons"] == 0 and had.get(entry["name"], 0) > 0]
    for source in sources:  # a contracts file that lost every row would make every person a leaver
        name, data = source["name"], data_by_source[source["name"]]
        if data.contracts is not None and not any(row for dummy, row, dummy2 in data.contracts.rows) and any(
                p.get("source") == name and p.get("contracts") for p in previous_persons.values()):
            empty.append(f"{name} (its contracts file)")
    found = evaluate_thresholds(changes, len(previous_persons), len(persons), thresholds, previous is not None, empty)
    return CollectResult(document, changes, rejections, sorted(set(kept)), purged, found)
