# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where a collect's time goes: the hr_collect action plugin's steps, timed one by one, in-process.

    .venv/bin/python bench/collect_phases.py --vars VARS.json --password-file PW [--mode fresh|recollect]
        [--profile OUT.prof] [--json]

VARS is the extra-vars file collect_bench.py writes (``jml_sources``, ``jml_vault_path``). ``fresh``
deletes the vault first; ``recollect`` expects the vault of a previous collect (nothing changed).
The steps mirror plugins/action/hr_collect.py (argument spec, vault read, read_source, collect,
same_content, write) with the vault read split into read + decrypt / parse; the write is
``vault_file.write`` itself (serialised, encrypted and written in pieces). Ansible's own part (playbook, templating of jml_sources, the worker process,
result handling) is NOT in here: the difference to collect_bench's figure (a) is that part.

``--profile`` runs the same steps under cProfile and writes the stats (pstats format) to OUT.
Peak RSS after each step is this process's ru_maxrss so far (it only grows). The cyclic garbage
collector is paused for the steps, as the action pauses it (``--gc`` keeps it on).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import inspect
import json
import os
import resource
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, ".build", "collections"))


def _rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Steps(object):
    def __init__(self):
        self.steps = []
        self._last = time.perf_counter()

    def mark(self, name):
        now = time.perf_counter()
        self.steps.append({"step": name, "seconds": round(now - self._last, 4), "peak_rss_mib": round(_rss_mib(), 1)})
        self._last = time.perf_counter()


def run(vars_file, password_file, mode):
    """The steps, timed; the result as ``--json`` prints it."""
    t = Steps()
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible.parsing.vault import VaultSecret
    from ansible_collections.jml.provisioning.plugins.module_utils.collect import vault_doc
    from ansible_collections.jml.provisioning.plugins.module_utils.collect import collect as collect_mod
    from ansible_collections.jml.provisioning.plugins.module_utils.options import HR_COLLECT_SPEC
    from ansible_collections.jml.provisioning.plugins.plugin_utils import vault_file
    t.mark("import ansible + collection modules")

    with open(vars_file, encoding="utf-8") as handle:
        extra = json.load(handle)
    with open(password_file, "rb") as handle:
        secrets = [("default", VaultSecret(handle.read().strip()))]
    path = extra["jml_vault_path"]
    if mode == "fresh" and os.path.exists(path):
        os.unlink(path)
    result = ArgumentSpecValidator(HR_COLLECT_SPEC).validate({"vault": path, "sources": extra["jml_sources"]})
    if result.error_messages:
        raise SystemExit("argument spec: %s" % "; ".join(result.error_messages))
    args = result.validated_parameters
    t.mark("argument spec (validate_argument_spec)")

    previous = None
    if os.path.exists(path):
        text = vault_file.read_text(path, secrets)
        t.mark("vault: read + decrypt, in pieces (vault_file.read_text)")
        previous = vault_doc.loads(text, name=path)
        del text
        t.mark("vault: parse (vault_doc.loads)")

    sources = {}
    for source in args["sources"]:
        sources[source["name"]] = collect_mod.read_source(source)
    t.mark("read_source (CSV -> rows)")

    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    kwargs = {"merge": args.get("merge"), "today": now.date(), "retention_days": args.get("retention_days"),
              "thresholds": args.get("thresholds")}
    accepted = inspect.signature(collect_mod.collect).parameters
    kwargs = dict((k, v) for k, v in kwargs.items() if k in accepted)
    outcome = collect_mod.collect(args["sources"], sources, previous, now.isoformat().replace("+00:00", "Z"),
                                  **kwargs)
    t.mark("collect (mapping, merge, document, changes)")

    changed = not vault_doc.same_content(previous, outcome.document)
    t.mark("same_content")

    if changed:
        vault_file.write(path, outcome.document, secrets)
        t.mark("write: serialise + encrypt + disk, in pieces (vault_file.write)")
    return {"mode": mode, "changed": changed, "persons": len(outcome.document["persons"]),
            "rejected": len(outcome.rejections), "steps": t.steps,
            "total_seconds": round(sum(s["seconds"] for s in t.steps), 3), "peak_rss_mib": round(_rss_mib(), 1)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--vars", required=True, help="extra-vars JSON with jml_sources and jml_vault_path")
    parser.add_argument("--password-file", required=True)
    parser.add_argument("--mode", choices=("fresh", "recollect"), default="fresh")
    parser.add_argument("--profile", help="write cProfile stats of the run to this file")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--gc", action="store_true",
                        help="keep the cyclic collector on (the action pauses it for the collect: bulk.paused_gc)")
    args = parser.parse_args(argv)
    from ansible_collections.jml.provisioning.plugins.plugin_utils.bulk import paused_gc  # noqa: E402
    with contextlib.nullcontext() if args.gc else paused_gc():  # as hr_collect runs its collect
        if args.profile:
            import cProfile
            profiler = cProfile.Profile()
            out = profiler.runcall(run, args.vars, args.password_file, args.mode)
            profiler.dump_stats(args.profile)
        else:
            out = run(args.vars, args.password_file, args.mode)
    if args.json:
        print(json.dumps(out))
    else:
        for step in out["steps"]:
            print("%-45s %8.3f s  %8.1f MiB" % (step["step"], step["seconds"], step["peak_rss_mib"]))
        print("%-45s %8.3f s  %8.1f MiB  (changed=%s, persons=%d, rejected=%d)"
              % ("total", out["total_seconds"], out["peak_rss_mib"], out["changed"], out["persons"], out["rejected"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
