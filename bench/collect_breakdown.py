# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Diagnosis of a slow collect: the cost of each mapping field and of each vault encoding step.

    .venv/bin/python bench/collect_breakdown.py --vars VARS.json --password-file PW

Without a profiler (cProfile doubles the run time of this call-heavy code and skews the shares),
it times, over the rows of the first source of VARS:

- reading the sources with read_source vs the floor (csv.reader + dict(zip) of the same bytes);
- every mapping field's expression over all rows, the date parsing, and the rest of collect
  (the per-field machinery of ``_map``: ``_clean``, ``_put``, required checks, join, ids);
- ``vault_doc.dumps``, ``VaultLib.encrypt`` split into the cipher and the 80-column envelope, and
  ``VaultLib.decrypt`` + ``vault_doc.loads``;
- two candidate fixes measured on the same data, checked for identical results: a memo for
  date parsing, and an envelope built with ``binascii.hexlify(data, b"\\n", -40)`` (one C call;
  byte-identical to ansible-vault's output, checked here).
"""

from __future__ import annotations

import argparse
import binascii
import csv
import datetime
import gc
import io
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, ".build", "collections"))


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - start, value


def floor_read(path, delimiter, encoding):
    with open(path, "rb") as handle:
        text = handle.read().decode(encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader)
    return [dict(zip(header, record)) for record in reader]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--vars", required=True)
    parser.add_argument("--password-file", required=True)
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument("--no-gc", action="store_true",
                        help="disable Python's cyclic garbage collector for the whole run (shows what GC costs)")
    args = parser.parse_args(argv)
    if args.no_gc:
        gc.disable()

    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible.parsing.vault import VaultAES256, VaultLib, VaultSecret, format_vaulttext_envelope
    from ansible_collections.jml.provisioning.plugins.module_utils.collect import collect as collect_mod
    from ansible_collections.jml.provisioning.plugins.module_utils.collect import mapping as mapping_mod
    from ansible_collections.jml.provisioning.plugins.module_utils.collect import vault_doc

    with open(args.vars, encoding="utf-8") as handle:
        extra = json.load(handle)
    with open(args.password_file, "rb") as handle:
        secret = VaultSecret(handle.read().strip())
    validated = ArgumentSpecValidator(collect_mod.__dict__.get("HR_COLLECT_SPEC") or __import__(
        "ansible_collections.jml.provisioning.plugins.module_utils.options", fromlist=["HR_COLLECT_SPEC"]
    ).HR_COLLECT_SPEC).validate({"vault": extra["jml_vault_path"], "sources": extra["jml_sources"]})
    source = validated.validated_parameters["sources"][0]
    figures = []

    def report(group, name, seconds, calls=None, note=""):
        per = " %7.2f us/call" % (seconds / calls * 1e6) if calls else ""
        print("%-10s %-52s %7.3f s%s %s" % (group, name, seconds, per, note))
        figures.append({"group": group, "name": name, "seconds": round(seconds, 4), "calls": calls, "note": note})

    # --- reading
    t_read, data = timed(collect_mod.read_source, source)
    report("read", "read_source (persons + contracts)", t_read)
    t_floor = 0.0
    for part in ("persons", "contracts"):
        spec = source[part]
        t, dummy = timed(floor_read, spec["path"], spec.get("delimiter") or ",", spec.get("encoding") or "utf-8")
        t_floor += t
    report("read", "floor: csv.reader + dict(zip) of the same files", t_floor)

    # --- mapping, field by field
    t_compile, mset = timed(mapping_mod.MappingSet, source["mapping"], label="bench", lookups=data.lookups)
    report("map", "MappingSet (compile expressions)", t_compile)
    persons = [r for dummy, r, dummy2 in data.persons.rows if r is not None]
    contracts = [r for dummy, r, dummy2 in data.contracts.rows if r is not None] if data.contracts else []
    key = (source["persons"] or {}).get("key")
    ckey = ((source.get("contracts") or {}).get("key")) or key
    grouped = {}
    for row in contracts:
        grouped.setdefault((row.get(ckey) or "").strip(), []).append(row)
    parent_of = dict(((p.get(key) or "").strip(), p) for p in persons)
    person_scopes = [{"row": p, "contracts": grouped.get((p.get(key) or "").strip(), []), "lookups": mset.lookups}
                     for p in persons]
    contract_scopes = [{"row": c, "parent": parent_of.get((c.get(ckey) or "").strip(), {}), "lookups": mset.lookups}
                       for c in contracts]
    expr_total = 0.0
    jinja_total = 0.0
    dates = []
    for part, exprs, scopes in (("person", mset.person, person_scopes), ("contract", mset.contract, contract_scopes)):
        for field, expr in exprs.items():
            start = time.perf_counter()
            values = [expr(**scope) for scope in scopes]
            seconds = time.perf_counter() - start
            kind = "path" if getattr(expr, "_path", None) is not None else "jinja"
            expr_total += seconds
            if kind == "jinja":
                jinja_total += seconds
            report("map", "%s.%s [%s]" % (part, field, kind), seconds, len(scopes))
            if part == "contract" and field in mset.date_fields:
                dates.extend(v.strip() for v in values if isinstance(v, str) and v.strip())
    report("map", "= all expressions", expr_total, note="(of which Jinja %.3f s)" % jinja_total)
    fmt = mset.date_format
    t_dates, parsed = timed(lambda: [datetime.datetime.strptime(v, fmt).date().isoformat() for v in dates])
    report("map", "date parsing (strptime) of start/end", t_dates, len(dates))
    memo = {}

    def memo_date(v):
        out = memo.get(v)
        if out is None:
            out = memo[v] = datetime.datetime.strptime(v, fmt).date().isoformat()
        return out

    t_memo, parsed_memo = timed(lambda: [memo_date(v) for v in dates])
    assert parsed_memo == parsed
    report("fix?", "date parsing with a memo dict", t_memo, len(dates), "(%d distinct dates)" % len(memo))

    # The whole collect, as the action calls it (fresh: no previous vault).
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    t_collect, outcome = timed(collect_mod.collect, [source], {source["name"]: data}, None,
                               now.isoformat().replace("+00:00", "Z"), today=now.date())
    report("map", "collect() total", t_collect)
    if gc.isenabled():
        gc.disable()
        t_nogc, again = timed(collect_mod.collect, [source], {source["name"]: data}, None,
                              now.isoformat().replace("+00:00", "Z"), today=now.date())
        t_read_nogc, dummy = timed(collect_mod.read_source, source)
        gc.enable()
        assert again.document["persons"] == outcome.document["persons"]
        del again, dummy
        report("fix?", "collect() total with gc.disable()", t_nogc)
        report("fix?", "read_source with gc.disable()", t_read_nogc)
    report("map", "= collect() minus expressions and dates", t_collect - expr_total - t_dates,
           note="(_map machinery, join, ids, build, person_changes)")

    # --- vault encoding
    document = outcome.document
    t_dumps, text = timed(vault_doc.dumps, document)
    plain = text.encode("utf-8")
    del text
    report("vault", "vault_doc.dumps (%.0f MB of JSON)" % (len(plain) / 1e6), t_dumps)
    if gc.isenabled():
        gc.disable()
        t_dumps_nogc, dummy = timed(vault_doc.dumps, document)
        gc.enable()
        del dummy
        report("fix?", "vault_doc.dumps with gc.disable()", t_dumps_nogc)
    salt = os.urandom(32)
    t_cipher, inner_hex = timed(VaultAES256.encrypt, plain, secret, salt)
    report("vault", "VaultAES256.encrypt (PBKDF2 + AES-CTR + HMAC + 2x hexlify)", t_cipher)
    t_env, envelope = timed(format_vaulttext_envelope, inner_hex, "AES256")
    report("vault", "format_vaulttext_envelope (80-column lines)", t_env)
    t_fast_env, fast = timed(lambda inner=inner_hex: b"$ANSIBLE_VAULT;1.1;AES256\n"
                             + binascii.hexlify(binascii.unhexlify(inner), b"\n", -40) + b"\n")
    assert fast == envelope, "hexlify(sep) envelope differs from ansible-vault's"
    report("fix?", "envelope via hexlify(inner, b'\\n', -40) [incl. an unhexlify]", t_fast_env,
           note="(byte-identical: checked)")
    del fast, inner_hex
    vault = VaultLib([("default", secret)])
    t_enc, encrypted = timed(vault.encrypt, plain, secret=secret)
    report("vault", "VaultLib.encrypt total (%.0f MB on disk)" % (len(encrypted) / 1e6), t_enc)
    t_dec, decrypted = timed(vault.decrypt, encrypted)
    report("vault", "VaultLib.decrypt", t_dec)
    t_loads, dummy = timed(vault_doc.loads, decrypted.decode("utf-8"))
    report("vault", "vault_doc.loads", t_loads)
    t_same, dummy2 = timed(vault_doc.same_content, dummy, document)
    report("vault", "same_content (unchanged documents)", t_same)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"persons": len(persons), "contracts": len(contracts), "figures": figures}, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
