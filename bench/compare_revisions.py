# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Before/after: the provision benchmark of two revisions, measured in the same run.

    .venv/bin/python bench/compare_revisions.py --base <commit> [--sizes 1000,10000] [--rounds 3]

A refactoring must not cost speed, and figures from different days are not comparable (machine
load, caches, kernel). So the base revision is checked out in a temporary worktree and the two
trees take turns: each round runs ``bench/provision_bench.py --runs 1 --peer-sizes ''`` on the
base and on this tree, on the same machine, minutes apart, the first turn alternating; the table reports, per figure and
size, the median over the rounds of each tree and their ratio (after / before). The figures
measured are those of provision_bench.py (whole ansible-playbook processes, the OpenLDAP and
ldap3 floors); the floors make the load of the machine visible: they should not move.
Results: ``bench/results/compare-<date>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH_DIR)
# Our own figures (the rest are floors and references, the same code in both trees).
OURS = ("collect", "recollect", "first", "noop", "check", "check0", "movers", "movers-rerun")


def git(*args, cwd=ROOT):
    return subprocess.run(["git"] + list(args), cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def run_bench(tree, sizes, results_dir, log):
    """One provision_bench.py run in ``tree``; returns its report (the JSON it wrote)."""
    os.makedirs(results_dir, exist_ok=True)
    command = [os.path.join(ROOT, ".venv", "bin", "python"), os.path.join(tree, "bench", "provision_bench.py"),
               "--sizes", sizes, "--runs", "1", "--peer-sizes", "", "--results", results_dir]
    with open(log, "a", encoding="utf-8") as handle:
        subprocess.run(command, cwd=tree, check=True, stdout=handle, stderr=subprocess.STDOUT)
    found = sorted(name for name in os.listdir(results_dir) if name.endswith(".json"))
    with open(os.path.join(results_dir, found[-1]), encoding="utf-8") as handle:
        report = json.load(handle)
    for name in os.listdir(results_dir):
        os.unlink(os.path.join(results_dir, name))  # the next round's file has the same name
    return report


def medians(reports):
    """``{n: {figure: {seconds, peak_rss_mib}}}``: the median over the rounds."""
    out = {}
    for res_index, res in enumerate(reports[0]["results"]):
        n = res["n"]
        out[n] = {}
        for name in res["figures"]:
            rounds = [r["results"][res_index]["figures"][name] for r in reports if name in r["results"][res_index]["figures"]]
            out[n][name] = {"seconds": statistics.median(f["seconds"] for f in rounds),
                            # The client's CPU time: what our code costs, without the waits on
                            # slapd and the disk that make wall time swing by 10 % between turns.
                            "cpu_seconds": statistics.median(f.get("cpu_seconds") or 0.0 for f in rounds),
                            "peak_rss_mib": statistics.median(f["peak_rss_mib"] for f in rounds),
                            "rounds": [round(f["seconds"], 3) for f in rounds]}
    return out


def table(before, after):
    lines = ["| figure | N | before s | after s | after/before | before cpu s | after cpu s | cpu after/before "
             "| before MiB | after MiB |", "|---|---|---|---|---|---|---|---|---|---|"]
    worst, worst_cpu = [], []
    for n in sorted(before):
        for name in list(OURS) + sorted(set(before[n]) - set(OURS)):
            if name not in before[n] or name not in after.get(n, {}):
                continue
            b, a = before[n][name], after[n][name]
            ratio = a["seconds"] / b["seconds"] if b["seconds"] else float("nan")
            cpu_ratio = a["cpu_seconds"] / b["cpu_seconds"] if b.get("cpu_seconds") else float("nan")
            if name in OURS:
                worst.append((ratio, name, n))
                worst_cpu.append((cpu_ratio, name, n))
            lines.append("| %s%s | %d | %.2f | %.2f | %.3f | %.2f | %.2f | %.3f | %.0f | %.0f |" % (
                name, "" if name in OURS else " (floor)", n, b["seconds"], a["seconds"], ratio,
                b.get("cpu_seconds", 0.0), a["cpu_seconds"], cpu_ratio, b["peak_rss_mib"], a["peak_rss_mib"]))
    return lines, (max(worst) if worst else None), (max(worst_cpu) if worst_cpu else None)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--base", required=True, help="the revision to compare with (a commit, a tag)")
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--results", default=os.path.join(BENCH_DIR, "results"))
    args = parser.parse_args(argv)
    base_commit = git("rev-parse", args.base)
    head_commit = git("rev-parse", "HEAD")
    work = tempfile.mkdtemp(prefix="jml-compare-", dir=os.path.join(ROOT, ".build"))
    base_tree = os.path.join(work, "base")
    git("worktree", "add", "--detach", base_tree, base_commit)
    os.symlink(os.path.join(ROOT, ".venv"), os.path.join(base_tree, ".venv"))
    log = os.path.join(work, "bench.log")
    print("before: %s (worktree %s), after: %s (this tree%s); log %s" % (
        base_commit[:10], base_tree, head_commit[:10], ", with uncommitted changes" if git("status", "--porcelain") else "",
        log), flush=True)
    reports = {"before": [], "after": []}
    try:
        for round_no in range(1, args.rounds + 1):
            turns = (("before", base_tree), ("after", ROOT))
            # Every other round the other tree goes first: whichever runs second finds the page
            # cache, the slapd files and the CPU's state the first left (the floors, the same code
            # in both trees, moved up to 17 % between the turns of one run with a fixed order).
            for which, tree in (turns if round_no % 2 else turns[::-1]):
                started = datetime.datetime.now()
                reports[which].append(run_bench(tree, args.sizes, os.path.join(work, which), log))
                print("round %d %s: %.0f s" % (round_no, which, (datetime.datetime.now() - started).total_seconds()),
                      flush=True)
    finally:
        git("worktree", "remove", "--force", base_tree)
        shutil.rmtree(work, ignore_errors=True)
    before, after = medians(reports["before"]), medians(reports["after"])
    lines, worst, worst_cpu = table(before, after)
    date = datetime.date.today().isoformat()
    text = ["# Before/after, %s" % date, "",
            "Command: `bench/compare_revisions.py %s`" % " ".join(argv if argv is not None else sys.argv[1:]), "",
            "Before: %s; after: %s. %d rounds, the trees taking turns; each figure is the median of its rounds "
            "(one whole process each), peak RSS the median `ru_maxrss`." % (base_commit[:10], head_commit[:10], args.rounds),
            "Machine: %(cpu_model)s, %(nproc)s CPUs, %(memory_mib)s MiB RAM." % reports["after"][0]["machine"],
            ""] + lines
    if worst:
        text += ["", "Slowest of ours after/before: %s at N=%d, %.3f wall; %s at N=%d, %.3f client CPU." % (
            worst[1], worst[2], worst[0], worst_cpu[1], worst_cpu[2], worst_cpu[0])]
    stem = os.path.join(args.results, "compare-%s" % date)
    os.makedirs(args.results, exist_ok=True)
    with open(stem + ".json", "w", encoding="utf-8") as handle:
        json.dump({"base": base_commit, "head": head_commit, "rounds": args.rounds, "sizes": args.sizes,
                   "before": before, "after": after}, handle, indent=1)
        handle.write("\n")
    with open(stem + ".md", "w", encoding="utf-8") as handle:
        handle.write("\n".join(text) + "\n")
    print("\n".join(text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
