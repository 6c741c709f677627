# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Collect: sources through their mapping sets into one new vault document (for internal use).

``collect`` takes already-read rows (``SourceRows``) so it stays pure; ``read_source`` is the thin
I/O step in front of it. A person rejected this time but present in the previous vault keeps its
previous record: a broken row never turns an employee into a leaver.
"""

from __future__ import annotations

from ansible_collections.jml.provisioning.plugins.module_utils import vault_doc
from ansible_collections.jml.provisioning.plugins.module_utils.mapping import MappingSet, collect_persons
from ansible_collections.jml.provisioning.plugins.module_utils.sources.csv_file import read_csv
from ansible_collections.jml.provisioning.plugins.module_utils.sources.rows import SourceError


class CollectError(Exception):
    """The collect cannot produce a trustworthy vault; the previous one must stay as it is."""


def _read_file(spec):
    return read_csv(spec["path"], delimiter=spec.get("delimiter") or ",",
                    encoding=spec.get("encoding") or "utf-8", quotechar=spec.get("quotechar") or '"')


def read_source(source):
    """Read a source's files: ``(persons_rows, contract_rows_or_None)``."""
    if source.get("type", "csv") != "csv":
        raise CollectError("source %s: type %s is not supported" % (source["name"], source.get("type")))
    try:
        persons = _read_file(source["persons"])
        contracts = _read_file(source["contracts"]) if source.get("contracts") else None
    except SourceError as exc:
        raise CollectError("source %s: %s" % (source["name"], exc))
    return persons, contracts


class CollectResult(object):
    __slots__ = ("document", "changes", "rejections", "kept")

    def __init__(self, document, changes, rejections, kept):
        self.document, self.changes, self.rejections, self.kept = document, changes, rejections, kept


def collect(sources, rows_by_source, previous, collected_at):
    """Build the new vault document from every source's rows.

    ``sources``: the source configurations; ``rows_by_source``: name -> (persons_rows, contract_rows);
    ``previous``: the previous vault document or None. Raises ``CollectError`` for anything that
    makes the whole collect untrustworthy (bad mapping, missing columns, duplicate ids).
    """
    persons, source_entries, rejections, kept = {}, [], [], []
    previous_persons = (previous or {}).get("persons") or {}
    names = [s["name"] for s in sources]
    if len(set(names)) != len(names):
        raise CollectError("source names must be unique: %s" % ", ".join(names))
    for source in sources:
        name = source["name"]
        try:
            mapping = MappingSet(source["mapping"], label="source %s mapping" % name)
            persons_rows, contract_rows = rows_by_source[name]
            person_key = (source["persons"] or {}).get("key")
            contract_key = ((source.get("contracts") or {}).get("key")) or person_key
            if contract_rows is not None and not person_key:
                raise CollectError("source %s: persons.key (the column that joins contracts) is required "
                                   "when a contracts file is given" % name)
            found, rejected = collect_persons(name, mapping, persons_rows, contract_rows, person_key, contract_key)
        except ValueError as exc:  # MappingError, ExpressionError
            raise CollectError(str(exc))
        for pid, person in found.items():
            if pid in persons:
                raise CollectError("person id %r comes from both source %s and source %s; ids must be "
                                   "unique across sources" % (pid, persons[pid]["source"], name))
            persons[pid] = person
        for rejection in rejected:
            if rejection.person and rejection.person in previous_persons and rejection.person not in persons:
                persons[rejection.person] = previous_persons[rejection.person]
                kept.append(rejection.person)
        rejections.extend(rejected)
        source_entries.append({"name": name, "type": source.get("type", "csv"), "collected_at": collected_at,
                               "persons": len(found), "rejected": len(rejected)})
    document = vault_doc.build(persons, source_entries, collected_at)
    changes = vault_doc.person_changes(previous_persons if previous else {}, document["persons"])
    return CollectResult(document, changes, rejections, sorted(set(kept)))
