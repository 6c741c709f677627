# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Collect benchmark: whole-process wall time and peak memory of hr_collect at several sizes.

    .venv/bin/python bench/collect_bench.py [--sizes 1000,10000,100000] [--runs 3]

For each size N (synthetic data from bench/generate.py, fixed seed) it measures, each in a fresh
process, the median of ``--runs`` runs:

  (a) fresh      ansible-playbook playbooks/collect.yml into a new ENCRYPTED vault
  (b) recollect  the same again with nothing changed (the vault must not be rewritten)
  (c) floor      reading persons.csv + contracts.csv into dicts with Python's csv module
  (d) noop       ansible-playbook of bench/noop.yml (three debug tasks): Ansible's fixed cost

and, unless ``--phase-runs 0``, the in-process steps of the action plugin (bench/collect_phases.py)
for a fresh collect and a re-collect. Wall time is measured around the child; peak RSS is the
child's ``ru_maxrss`` from ``os.wait4`` (the largest single process of its tree: for
ansible-playbook that is the forked worker running the action). ``tree PSS`` is the sum of the
proportional set sizes of the whole process tree, sampled every 0.2 s (an approximation of what
the machine needed; shared pages counted once).

Results: a table on stdout, ``bench/results/collect-<date>.json`` and ``.md``. Generated data,
vaults and the logs of the last run of each figure go to ``.build/bench/``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
VENV_BIN = os.path.join(ROOT, ".venv", "bin")
BUILD = os.path.join(ROOT, ".build")
WORK = os.path.join(BUILD, "bench")
INVENTORY = "bench/inventory.yml"  # only localhost: the demo inventory's group_vars must not leak in
PYTHON = os.path.join(VENV_BIN, "python") if os.path.exists(os.path.join(VENV_BIN, "python")) else sys.executable

FIGURES = (
    ("a", "fresh", "collect into a new encrypted vault (ansible-playbook)"),
    ("b", "recollect", "re-collect, nothing changed (ansible-playbook)"),
    ("c", "floor", "floor: read both CSV files into dicts (python csv)"),
    ("d", "noop", "ansible-playbook of a no-op playbook"),
)
TARGET_N = 100000
TARGET_SECONDS = 10.0
TARGET_MIB = 1024.0

FLOOR_SCRIPT = r"""
import csv, io, sys
tables = []
for path in sys.argv[1:]:
    with open(path, "rb") as handle:
        text = handle.read().decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    header = next(reader)
    tables.append([dict(zip(header, record)) for record in reader])
print(sum(len(t) for t in tables))
"""

CHECK_SCRIPT = r"""
import json, os, stat, sys
from ansible.parsing.vault import VaultLib, VaultSecret, is_encrypted
path, password_file, canary = sys.argv[1:4]
raw = open(path, "rb").read()
out = {"encrypted": bool(is_encrypted(raw)), "mode": oct(stat.S_IMODE(os.stat(path).st_mode)), "bytes": len(raw)}
if out["encrypted"]:
    secret = VaultSecret(open(password_file, "rb").read().strip())
    raw = VaultLib([("default", secret)]).decrypt(raw)
out["plaintext_bytes"] = len(raw)
out["canary_in_vault"] = canary.encode() in raw
doc = json.loads(raw)
out["persons"] = len(doc["persons"])
out["contracts"] = sum(len(p.get("contracts") or []) for p in doc["persons"].values())
print(json.dumps(out))
"""


# ------------------------------------------------------------------------------------------
# Measuring one child process


def _descendants(root):
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def _pss_kib(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class TreeSampler(threading.Thread):
    """Peak of the summed PSS of a process tree, sampled at an interval."""

    def __init__(self, pid, interval=0.2):
        threading.Thread.__init__(self, daemon=True)
        self.pid, self.interval, self.peak_kib = pid, interval, 0
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            total = sum(_pss_kib(p) for p in _descendants(self.pid))
            self.peak_kib = max(self.peak_kib, total)
            self._halt.wait(self.interval)

    def stop(self):
        self._halt.set()
        self.join()


# The measured command is started by this small process, not by the bench itself: Linux counts
# in a child's ru_maxrss the memory of the process it was forked from (vfork and fork alike, kept
# across exec), so a child of a bench that holds 1 GiB of parsed results reported 1 GiB whatever it
# used. The launcher's own memory is ~10 MiB; it reports the child's wall time and rusage.
LAUNCHER = r"""
import json, os, subprocess, sys, time
cmd, report = json.loads(sys.argv[1]), int(sys.argv[2])
start = time.perf_counter()
proc = subprocess.Popen(cmd)
os.write(report, b"%d\n" % proc.pid)
dummy, status, usage = os.wait4(proc.pid, 0)
seconds = time.perf_counter() - start
os.write(report, json.dumps({"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime,
                             "maxrss_kib": usage.ru_maxrss, "rc": os.waitstatus_to_exitcode(status)}).encode())
os.close(report)
"""


def measure(cmd, env, log_path, sample=True, task_times=None):
    """Run ``cmd``; wall seconds, the child tree's max RSS (os.wait4), sampled tree PSS, exit code.

    ``task_times``: a file for bench/callback_plugins/bench_task_times.py (enabled in ``env``).
    The command runs under ``LAUNCHER``, so its peak RSS is its own, never this process's.
    """
    if task_times:
        env = dict(env, BENCH_TASK_TIMES=task_times)
        if os.path.exists(task_times):
            os.unlink(task_times)
    read_end, write_end = os.pipe()
    with open(log_path, "wb") as log:
        launcher = subprocess.Popen([sys.executable, "-S", "-c", LAUNCHER, json.dumps(list(cmd)), str(write_end)],
                                    cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, pass_fds=(write_end,))
        os.close(write_end)
        with os.fdopen(read_end, "rb") as report:
            pid_line = report.readline()
            sampler = TreeSampler(int(pid_line)) if sample and pid_line.strip() else None
            if sampler:
                sampler.start()
            text = report.read()
        launcher.wait()
        if sampler:
            sampler.stop()
    if not text:
        raise SystemExit("the bench launcher failed (rc %s) for %s; log %s" % (launcher.returncode, cmd[0], log_path))
    child = json.loads(text)
    # CPU of the child and the children it reaped (Ansible's workers): the client's share of the wall time.
    out = {"seconds": child["seconds"], "cpu_seconds": child["cpu"], "peak_rss_mib": child["maxrss_kib"] / 1024.0,
           "tree_pss_mib": (sampler.peak_kib / 1024.0) if sampler else None,
           "rc": child["rc"], "log": log_path}
    if task_times and os.path.exists(task_times):
        with open(task_times, encoding="utf-8") as handle:
            events = [json.loads(line) for line in handle if line.strip()]
        out["tasks"] = [{"task": e["task"], "seconds": e["seconds"]} for e in events if e["event"] == "task"]
    return out


def recap(log_path):
    """``{ok, changed, failed}`` of localhost from an ansible-playbook log."""
    with open(log_path, encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    match = re.search(r"^localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)", text, re.M)
    if not match:
        return None
    return {"ok": int(match.group(1)), "changed": int(match.group(2)), "failed": int(match.group(3))}


# ------------------------------------------------------------------------------------------
# Environment, data, facts


def ansible_env(work):
    env = dict(os.environ)
    env["PATH"] = VENV_BIN + os.pathsep + env.get("PATH", "")
    env["ANSIBLE_CONFIG"] = os.path.join(ROOT, "ansible.cfg")
    env["ANSIBLE_COLLECTIONS_PATH"] = os.path.join(BUILD, "collections")
    env["ANSIBLE_HOME"] = os.path.join(BUILD, "ansible-home")
    env["ANSIBLE_LOCAL_TEMP"] = os.path.join(BUILD, "ansible-home", "tmp")
    env["ANSIBLE_REMOTE_TEMP"] = os.path.join(BUILD, "ansible-home", "tmp")
    env["ANSIBLE_NOCOLOR"] = "1"
    env.pop("ANSIBLE_FORCE_COLOR", None)
    # Byte-code caches outside the working tree, but warm after the first run (as on a real controller).
    env["PYTHONPYCACHEPREFIX"] = os.path.join(work, "pycache")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def ensure_data(n, seed, today, work, env):
    out = os.path.join(work, "hr-%d-seed%d" % (n, seed))
    manifest_path = os.path.join(out, "manifest.json")
    if os.path.exists(manifest_path):
        with open(manifest_path, encoding="utf-8") as handle:
            manifest = json.load(handle)
        if (manifest.get("persons") == n and manifest.get("seed") == seed and manifest.get("today") == today
                and os.path.exists(os.path.join(out, "rules.yml"))):
            return out, manifest, None
    start = time.perf_counter()
    subprocess.run([PYTHON, os.path.join(BENCH, "generate.py"), "--persons", str(n), "--seed", str(seed),
                    "--today", today, "--out", out], check=True, env=env, cwd=ROOT)
    seconds = time.perf_counter() - start
    with open(manifest_path, encoding="utf-8") as handle:
        return out, json.load(handle), seconds


def write_vars(data_dir, vault_path):
    """The extra-vars file: the generated mapping.yml's jml_sources plus the vault path, as JSON."""
    import yaml  # in the venv (ansible-core needs it)
    with open(os.path.join(data_dir, "mapping.yml"), encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    document["jml_vault_path"] = vault_path
    document["jml_vault_missing_ok"] = True  # the "fresh" runs collect into a new vault on purpose
    path = os.path.join(data_dir, "extra-vars.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=1)
    return path


def machine_facts(env):
    facts = {"hostname": platform.node(), "kernel": platform.release(), "nproc": len(os.sched_getaffinity(0)),
             "cpu_count": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    facts["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    facts["memory_mib"] = int(line.split()[1]) // 1024
    except OSError:
        pass
    probe = ("import sys, platform, json, ansible.release, jinja2, cryptography, yaml; print(json.dumps({"
             "'python': platform.python_version(), 'python_implementation': platform.python_implementation(),"
             "'ansible_core': ansible.release.__version__, 'jinja2': jinja2.__version__,"
             "'cryptography': cryptography.__version__, 'pyyaml': yaml.__version__,"
             "'pyyaml_libyaml': getattr(yaml, '__with_libyaml__', False)}))")
    out = subprocess.run([PYTHON, "-c", probe], env=env, capture_output=True, text=True, check=True).stdout
    facts.update(json.loads(out))
    try:
        facts["git_commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                             text=True, check=False).stdout.strip()
        facts["git_dirty"] = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                                 capture_output=True, text=True, check=False).stdout.strip())
    except OSError:
        pass
    return facts


# ------------------------------------------------------------------------------------------
# The benchmark


def summarise(runs):
    secs = [r["seconds"] for r in runs]
    rss = [r["peak_rss_mib"] for r in runs]
    pss = [r["tree_pss_mib"] for r in runs if r.get("tree_pss_mib") is not None]
    return {"runs": len(runs), "seconds": statistics.median(secs), "seconds_min": min(secs), "seconds_max": max(secs),
            "peak_rss_mib": statistics.median(rss), "peak_rss_mib_max": max(rss),
            "tree_pss_mib": statistics.median(pss) if pss else None,
            "all_seconds": [round(s, 3) for s in secs], "all_peak_rss_mib": [round(m, 1) for m in rss]}


def bench_size(n, args, env, password_file):
    def say(text):
        sys.stderr.write(text + "\n")

    data_dir, manifest, generated_in = ensure_data(n, args.seed, args.today, args.work, env)
    if generated_in is not None:
        say("generated %d persons in %.2f s -> %s" % (n, generated_in, data_dir))
    vault = os.path.join(data_dir, "vault.json")
    vars_file = write_vars(data_dir, vault)
    logs = os.path.join(data_dir, "logs")
    os.makedirs(logs, exist_ok=True)
    playbook = ["ansible-playbook", "-i", INVENTORY, "playbooks/collect.yml", "-e", "@" + vars_file,
                "--vault-password-file", password_file]
    commands = {
        "fresh": playbook,
        "recollect": playbook,
        "floor": [PYTHON, "-c", FLOOR_SCRIPT, os.path.join(data_dir, "persons.csv"),
                  os.path.join(data_dir, "contracts.csv")],
        "noop": ["ansible-playbook", "-i", INVENTORY, "bench/noop.yml"],
    }
    results = {"n": n, "contracts": manifest["contracts"], "data_dir": os.path.relpath(data_dir, ROOT),
               "commands": dict((k, " ".join(v if k != "floor" else [v[0], "-c", "<read both CSVs>"] + v[3:]))
                                for k, v in commands.items()),
               "figures": {}, "checks": {}}
    runs = dict((name, []) for dummy, name, dummy2 in FIGURES)
    for i in range(args.runs):
        for dummy, name, dummy2 in FIGURES:
            if name == "fresh" and os.path.exists(vault):
                os.unlink(vault)
            if name == "recollect" and not os.path.exists(vault):
                raise SystemExit("re-collect needs the vault of the fresh collect: %s is missing" % vault)
            log = os.path.join(logs, "%s.log" % name)
            times = os.path.join(logs, "%s.tasks.jsonl" % name) if args.task_times and name != "floor" else None
            run = measure(commands[name], env, log, sample=not args.no_sample, task_times=times)
            if run["rc"] != 0:
                with open(log, encoding="utf-8", errors="replace") as handle:
                    tail = handle.read()[-3000:]
                raise SystemExit("%s N=%d failed (rc %d); log %s:\n%s" % (name, n, run["rc"], log, tail))
            if name in ("fresh", "recollect"):
                counts = recap(log)
                want = 1 if name == "fresh" else 0
                if counts is None or counts["failed"] or counts["changed"] != want:
                    raise SystemExit("%s N=%d: expected changed=%d, got %s (log %s)" % (name, n, want, counts, log))
            runs[name].append(run)
            say("N=%-7d run %d  %-9s %7.2f s  %7.1f MiB rss  %s MiB tree pss"
                % (n, i + 1, name, run["seconds"], run["peak_rss_mib"],
                   "%.1f" % run["tree_pss_mib"] if run["tree_pss_mib"] is not None else "-"))
            if name == "fresh" and i == 0:
                check = subprocess.run([PYTHON, "-c", CHECK_SCRIPT, vault, password_file, manifest["canary_prefix"]],
                                       env=env, capture_output=True, text=True, check=True)
                results["checks"] = json.loads(check.stdout)
                c = results["checks"]
                if not c["encrypted"] or c["canary_in_vault"] or c["persons"] != n or c["mode"] != "0o600":
                    raise SystemExit("N=%d: vault check failed: %s" % (n, c))
    for dummy, name, dummy2 in FIGURES:
        results["figures"][name] = summarise(runs[name])
        if runs[name] and runs[name][0].get("tasks"):
            per_task = {}
            for run in runs[name]:
                for entry in run.get("tasks") or []:
                    per_task.setdefault(entry["task"], []).append(entry["seconds"])
            results["figures"][name]["tasks"] = dict((task, statistics.median(v)) for task, v in per_task.items())
    if args.phase_runs:
        phases = {}
        for mode in ("fresh", "recollect"):
            outs = []
            for dummy in range(args.phase_runs):
                proc = subprocess.run([PYTHON, os.path.join(BENCH, "collect_phases.py"), "--vars", vars_file,
                                       "--password-file", password_file, "--mode", mode, "--json"],
                                      env=env, cwd=ROOT, capture_output=True, text=True, check=False)
                if proc.returncode:
                    raise SystemExit("collect_phases.py %s N=%d failed:\n%s" % (mode, n, proc.stderr[-3000:]))
                outs.append(json.loads(proc.stdout))
            # The run with the median total, whole (its steps add up).
            outs.sort(key=lambda o: o["total_seconds"])
            phases[mode] = outs[len(outs) // 2]
            say("N=%-7d phases %-9s %7.2f s in-process" % (n, mode, phases[mode]["total_seconds"]))
        results["phases"] = phases
    return results


def publish(report, header, rows, widths, results_dir, stem, write_md):
    """Print the table and the verdicts, and write ``<stem>.json`` and ``<stem>.md`` under results_dir."""
    print()
    print(fmt_row(header, widths))
    for row in rows:
        print(fmt_row(row, widths))
    for line in report["verdicts"]:
        print(line)
    os.makedirs(results_dir, exist_ok=True)
    base = os.path.join(results_dir, stem)
    with open(base + ".json", "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1, ensure_ascii=False)
        handle.write("\n")
    write_md(base + ".md", report)
    print("\nwrote %s.json and %s.md" % (os.path.relpath(base, ROOT), os.path.relpath(base, ROOT)))


def fmt_row(cols, widths):
    return "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(cols, widths)))


def table_rows(all_results):
    rows = []
    for res in all_results:
        n = res["n"]
        for letter, name, title in FIGURES:
            f = res["figures"][name]
            rows.append(["(%s) %s" % (letter, name), n, "%.2f" % f["seconds"],
                         "%.2f-%.2f" % (f["seconds_min"], f["seconds_max"]),
                         "%.3f" % (f["seconds"] / n * 1000.0), "%.0f" % f["peak_rss_mib"],
                         "%.0f" % f["tree_pss_mib"] if f["tree_pss_mib"] is not None else "-"])
    return rows


HEADER = ["figure", "N", "seconds", "min-max", "ms/person", "peak RSS MiB", "tree PSS MiB"]


def verdicts(all_results):
    out = []
    for res in all_results:
        if res["n"] != TARGET_N:
            continue
        f, b = res["figures"]["fresh"], res["figures"]["recollect"]
        c, d = res["figures"]["floor"], res["figures"]["noop"]
        out.append("fresh collect of %d persons (%d contracts): %.2f s (target <= %.0f s: %s), peak RSS %.0f MiB "
                   "(target <= %.0f MiB: %s)"
                   % (res["n"], res["contracts"], f["seconds"], TARGET_SECONDS,
                      "MET" if f["seconds"] <= TARGET_SECONDS else "MISSED", f["peak_rss_mib"], TARGET_MIB,
                      "MET" if f["peak_rss_mib"] <= TARGET_MIB else "MISSED"))
        out.append("unchanged re-collect: %.2f s = %.1f x (floor %.2f s + Ansible's fixed cost %.2f s)"
                   % (b["seconds"], b["seconds"] / (c["seconds"] + d["seconds"]), c["seconds"], d["seconds"]))
    return out


def write_markdown(path, report):
    lines = ["# Collect benchmark, %s" % report["date"], "",
             "Command: `%s`" % report["command"], "",
             "Machine: %(cpu_model)s, %(nproc)s CPUs, %(memory_mib)s MiB RAM; Python %(python)s, ansible-core "
             "%(ansible_core)s, Jinja2 %(jinja2)s, cryptography %(cryptography)s; kernel %(kernel)s."
             % report["machine"],
             "Code: commit %s%s. Data: bench/generate.py seed %d, today %s."
             % (report["machine"].get("git_commit"), " (with uncommitted changes)" if report["machine"].get("git_dirty")
                else "", report["seed"], report["today"]),
             "", "Median of %d runs, each in a fresh process. Peak RSS: the largest single process of the tree "
             "(`ru_maxrss` via `os.wait4`); tree PSS: summed over the process tree, sampled every 0.2 s."
             % report["runs"],
             "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in table_rows(report["results"]):
        lines.append("| " + " | ".join(str(c) for c in row) + " |")
    lines += ["", "Figures: " + "; ".join("(%s) %s" % (letter, title) for letter, dummy, title in FIGURES) + "."]
    if report["verdicts"]:
        lines += ["", "## Targets (100,000 persons)", ""] + ["- " + v for v in report["verdicts"]]
    for res in report["results"]:
        if not res.get("phases"):
            continue
        lines += ["", "## In-process steps, N=%d (bench/collect_phases.py, one fresh process each)" % res["n"], "",
                  "| step | fresh s | re-collect s |", "|---|---|---|"]
        fresh, again = res["phases"]["fresh"], res["phases"]["recollect"]
        names = [s["step"] for s in again["steps"]]  # vault read steps come before read_source
        names += [s["step"] for s in fresh["steps"] if s["step"] not in names]
        fs = dict((s["step"], s["seconds"]) for s in fresh["steps"])
        rs = dict((s["step"], s["seconds"]) for s in again["steps"])
        for name in names:
            fresh_s = "%.3f" % fs[name] if name in fs else ""
            again_s = "%.3f" % rs[name] if name in rs else ""
            lines.append("| %s | %s | %s |" % (name, fresh_s, again_s))
        lines.append("| **total** (peak RSS %.0f / %.0f MiB) | **%.3f** | **%.3f** |"
                     % (fresh["peak_rss_mib"], again["peak_rss_mib"], fresh["total_seconds"], again["total_seconds"]))
    timed = [(res["n"], name, res["figures"][name]["tasks"]) for res in report["results"]
             for dummy, name, dummy2 in FIGURES if res["figures"][name].get("tasks")]
    if timed:
        lines += ["", "## Ansible task durations (median; task start to result, --task-times)", "",
                  "| N | figure | task | seconds |", "|---|---|---|---|"]
        for n, name, tasks in timed:
            for task, seconds in tasks.items():
                lines.append("| %d | %s | %s | %.3f |" % (n, name, task, seconds))
    lines += ["", "## Checks", ""]
    for res in report["results"]:
        c = res["checks"]
        lines.append("- N=%d: vault encrypted=%s, mode %s, %d persons / %d contracts, %.1f MB on disk (%.1f MB "
                     "plaintext), canary column in vault: %s"
                     % (res["n"], c["encrypted"], c["mode"], c["persons"], c["contracts"], c["bytes"] / 1e6,
                        c["plaintext_bytes"] / 1e6, c["canary_in_vault"]))
    lines += ["", "Commands (from the repo root, with the environment collect_bench.py sets):", ""]
    for res in report["results"][:1]:
        for name, cmd in res["commands"].items():
            lines.append("- %s: `%s`" % (name, cmd))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated person counts (default 1000,10000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the median is reported (default 3)")
    parser.add_argument("--phase-runs", type=int, default=1,
                        help="runs of the in-process step breakdown per size and mode (default 1, 0 = skip)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", default=datetime.date.today().isoformat(),
                        help="reference date of the generated data (default today)")
    parser.add_argument("--work", default=WORK, help="data, vaults and logs (default .build/bench)")
    parser.add_argument("--results", default=os.path.join(BENCH, "results"), help="where the JSON/MD reports go")
    parser.add_argument("--no-sample", action="store_true", help="do not sample the process tree's PSS")
    parser.add_argument("--task-times", action="store_true",
                        help="record each Ansible task's duration (bench/callback_plugins/bench_task_times.py)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    args.work = os.path.abspath(args.work)
    os.makedirs(os.path.join(BUILD, "ansible-home", "tmp"), exist_ok=True)
    os.makedirs(args.work, exist_ok=True)
    env = ansible_env(args.work)
    if args.task_times:
        env["ANSIBLE_CALLBACK_PLUGINS"] = os.path.join(BENCH, "callback_plugins")
        env["ANSIBLE_CALLBACKS_ENABLED"] = "bench_task_times"
    subprocess.run(["make", "-s", "collection"], cwd=ROOT, env=env, check=True)
    password_file = os.path.join(args.work, "vault-pass")
    if not os.path.exists(password_file):
        with open(os.open(password_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
            handle.write("bench-%s\n" % os.urandom(12).hex())
    facts = machine_facts(env)
    # Warm-up (not measured): byte-code caches, page cache, Ansible's first-run state.
    measure(["ansible-playbook", "-i", INVENTORY, "bench/noop.yml"], env, os.path.join(args.work, "warmup.log"),
            sample=False)

    all_results = [bench_size(n, args, env, password_file) for n in sizes]
    date = datetime.date.today().isoformat()
    command = " ".join(["bench/collect_bench.py"] + (argv if argv is not None else sys.argv[1:]))
    report = {"date": date, "command": command,
              "machine": facts, "seed": args.seed, "today": args.today, "runs": args.runs, "results": all_results}
    report["verdicts"] = verdicts(all_results)

    publish(report, HEADER, table_rows(all_results), [14, 7, 8, 11, 10, 13, 13], args.results,
            "collect-%s" % date, write_markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
