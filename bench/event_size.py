# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Job events of a large cycle as AWX stores them: their number and size, and each result's.

    .venv/bin/python bench/event_size.py [--persons 100000] [--max-actions 1000,20]

AWX and Automation Platform store every job event in their database (the result of a task is one
event), so a result that grows with the population makes a nightly job heavier every year. This
runs the cycle through ansible-runner (the engine AWX uses) on synthetic HR data
(bench/generate.py, fixed seed; 100 rules over 50 groups) against a throwaway slapd, and
measures for every job: the number of events, their total and largest size (the JSON files
ansible-runner writes to ``artifacts/<job>/job_events``, which is what AWX ingests), the
largest task result in them, and the plan file (where every action goes).

Jobs, in order (each a fresh private data dir): collect into a new vault; ``--check --diff`` on
the empty directory (every create and grant planned: the largest plan); the first provisioning;
the no-op re-run; 10 % movers collected, then ``--check --diff`` and the real run. The check and
the movers' runs are repeated for each ``--max-actions`` (the role's ``jml_ldap_max_actions``;
1000 is the default, 20 what docs/awx.md recommends for AWX), and at ``-v`` once.

Results: a table on stdout, ``bench/results/events-<date>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import sys
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH_DIR)
sys.path.insert(0, os.path.join(os.path.dirname(BENCH_DIR), "tests", "support"))

import collect_bench as cb  # noqa: E402  pylint: disable=wrong-import-position
import provision_bench as pb  # noqa: E402  pylint: disable=wrong-import-position

ROOT = cb.ROOT


def job_figures(artifacts, plan_file=None):
    """Events of one job: count, total and largest file, and the largest task result in them."""
    sizes, result_sizes, largest_name, emptied = [], [], None, 0
    for path in sorted(os.listdir(os.path.join(artifacts, "job_events"))):
        full = os.path.join(artifacts, "job_events", path)
        size = os.path.getsize(full)
        if not sizes or size > max(sizes):
            largest_name = path
        sizes.append(size)
        with open(full, encoding="utf-8") as handle:
            event = json.load(handle)
        res = (event.get("event_data") or {}).get("res")
        if res == {} and event.get("event") == "runner_on_ok":
            emptied += 1  # ansible-runner dropped a result over MAX_EVENT_RES (700,000 characters)
        if res is not None:
            result_sizes.append(len(json.dumps(res, ensure_ascii=False).encode("utf-8")))
    with open(os.path.join(artifacts, "stdout"), "rb") as handle:
        stdout = len(handle.read())
    figures = {"events": len(sizes), "total_bytes": sum(sizes), "largest_event_bytes": max(sizes),
               "largest_event": largest_name, "largest_result_bytes": max(result_sizes or [0]),
               "stdout_bytes": stdout, "results_emptied": emptied}
    if plan_file and os.path.exists(plan_file):
        figures["plan_file_bytes"] = os.path.getsize(plan_file)
    return figures


class Jobs:
    """ansible-runner jobs in private data dirs under ``base``, each given the whole inventory."""

    def __init__(self, base, env, password_file):
        self.base, self.env, self.password_file = base, env, password_file

    def run(self, ident, playbook, inventory, extravars, cmdline="", verbosity=0):
        import ansible_runner  # pylint: disable=import-outside-toplevel
        pdd = os.path.join(self.base, ident)
        shutil.rmtree(pdd, ignore_errors=True)
        os.makedirs(os.path.join(pdd, "env"))
        with open(os.path.join(pdd, "env", "extravars"), "w", encoding="utf-8") as handle:
            json.dump(extravars, handle)
        envvars = dict((k, v) for k, v in self.env.items() if k.startswith(("ANSIBLE_", "PYTHON")) or k == "PATH")
        started = time.monotonic()
        runner = ansible_runner.run(
            private_data_dir=pdd, ident=ident, playbook=os.path.join(ROOT, playbook), inventory=inventory,
            cmdline="--vault-password-file %s %s" % (self.password_file, cmdline), envvars=envvars,
            verbosity=verbosity or None, quiet=True, project_dir=ROOT)
        seconds = time.monotonic() - started
        if runner.rc != 0:
            with open(os.path.join(pdd, "artifacts", ident, "stdout"), encoding="utf-8", errors="replace") as handle:
                raise SystemExit("%s failed (rc %s):\n%s" % (ident, runner.rc, handle.read()[-3000:]))
        figures = job_figures(os.path.join(pdd, "artifacts", ident), extravars.get("jml_ldap_plan_file"))
        figures["seconds"] = round(seconds, 2)
        pb.say("%-22s %6.1f s  %6d events  total %9s B  largest %8s B  result %8s B  plan %s B" % (
            ident, seconds, figures["events"], format(figures["total_bytes"], ","),
            format(figures["largest_event_bytes"], ","), format(figures["largest_result_bytes"], ","),
            format(figures.get("plan_file_bytes", 0), ",")))
        return figures


def cycle(args):
    env = cb.ansible_env(args.work)
    work = os.path.join(args.work, "events-%d" % args.persons)
    os.makedirs(work, exist_ok=True)
    data_dir, dummy, generated = cb.ensure_data(args.persons, args.seed, args.today, cb.WORK, env)
    if generated is not None:
        pb.say("generated %d persons in %.1f s" % (args.persons, generated))
    password_file = os.path.join(work, "vault-pass")
    with open(os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
        handle.write("event-size-bench\n")
    vault = os.path.join(work, "vault.json")
    for stale in (vault, vault + ".history"):
        if os.path.isdir(stale):
            shutil.rmtree(stale)
        elif os.path.exists(stale):
            os.unlink(stale)
    with open(cb.write_vars(data_dir, vault), encoding="utf-8") as handle:
        collect_vars = json.load(handle)
    directory = pb.Directory(os.path.join(work, "slapd"))
    directory.extra_ldif = pb.division_ous(data_dir)
    state = directory.fresh()
    inventory = os.path.join(work, "inventory.json")
    pb.write_inventory(inventory, state, vault, os.path.join(data_dir, "rules.yml"), args.today)
    jobs = Jobs(os.path.join(work, "jobs"), env, password_file)
    results = {}

    def provision(ident, playbook="playbooks/provision.yml", max_actions=1000, cmdline="", verbosity=0):
        plan = os.path.join(work, "plan-%s.json" % ident)
        results[ident] = jobs.run(ident, playbook, inventory, {"jml_ldap_max_actions": max_actions,
                                                               "jml_ldap_plan_file": plan},
                                  cmdline=cmdline, verbosity=verbosity)
        results[ident].update(max_actions=max_actions, verbosity=verbosity)

    try:
        results["collect"] = jobs.run("collect", "playbooks/collect.yml", cb.INVENTORY, collect_vars)
        for limit in args.max_actions:
            provision("check0-%d" % limit, max_actions=limit, cmdline="--check --diff")
        provision("check0-%d-v" % args.max_actions[-1], max_actions=args.max_actions[-1], cmdline="--check --diff",
                  verbosity=1)
        provision("first", max_actions=args.max_actions[-1])
        provision("noop", max_actions=args.max_actions[-1])
        movers_csv, moved = pb.write_movers(data_dir, args.seed)
        movers_vars = json.loads(json.dumps(collect_vars))
        movers_vars["jml_sources"][0]["contracts"]["path"] = movers_csv
        results["collect-movers"] = jobs.run("collect-movers", "playbooks/collect.yml", cb.INVENTORY, movers_vars)
        for limit in args.max_actions:
            provision("movers-check-%d" % limit, max_actions=limit, cmdline="--check --diff")
        provision("movers", max_actions=args.max_actions[-1])
    finally:
        directory.stop()
    return {"persons": args.persons, "movers": moved, "today": args.today, "seed": args.seed, "jobs": results}


def write_markdown(path, report):
    lines = ["# Job events of a %s-person cycle, %s" % (format(report["persons"], ","), report["date"]), "",
             "Command: `bench/event_size.py %s`" % " ".join(report["argv"]), "",
             "Code: commit %s. Data: bench/generate.py seed %d, %s movers. Each job is one ansible-runner run "
             "(the engine AWX uses) in a fresh private data dir; sizes are of the event files it writes "
             "(`artifacts/<job>/job_events/*.json`, what AWX stores), `result` the largest task result among "
             "them, `plan` the plan file (every action), `results emptied` the task results ansible-runner "
             "replaced by `{}` for being over its MAX_EVENT_RES (700,000 characters): AWX keeps nothing of them."
             % (report["commit"], report["seed"], format(report["movers"], ",")), "",
             "| job | max_actions | verbosity | seconds | events | total bytes | largest event | largest result "
             "| stdout bytes | plan file bytes | results emptied |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for ident, job in report["jobs"].items():
        lines.append("| %s | %s | %s | %.1f | %d | %s | %s | %s | %s | %s | %s |" % (
            ident, job.get("max_actions", ""), job.get("verbosity", ""), job["seconds"], job["events"],
            format(job["total_bytes"], ","), format(job["largest_event_bytes"], ","),
            format(job["largest_result_bytes"], ","), format(job["stdout_bytes"], ","),
            format(job["plan_file_bytes"], ",") if "plan_file_bytes" in job else "", job.get("results_emptied", "")))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--persons", type=int, default=100000)
    parser.add_argument("--max-actions", default="1000,20",
                        help="comma-separated jml_ldap_max_actions for the check and movers jobs (default 1000,20)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", default=datetime.date.today().isoformat())
    parser.add_argument("--work", default=cb.WORK)
    parser.add_argument("--results", default=os.path.join(BENCH_DIR, "results"))
    args = parser.parse_args(argv)
    args.max_actions = [int(v) for v in args.max_actions.split(",")]
    report = cycle(args)
    report.update(date=datetime.date.today().isoformat(), argv=sys.argv[1:] if argv is None else argv,
                  commit=cb.machine_facts(cb.ansible_env(args.work)).get("git_commit"))
    stem = os.path.join(args.results, "events-%s-%d-%s" % (report["date"], args.persons,
                                                           "-".join(map(str, args.max_actions))))
    with open(stem + ".json", "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1)
    write_markdown(stem + ".md", report)
    pb.say("wrote %s.md" % stem)


if __name__ == "__main__":
    main()
