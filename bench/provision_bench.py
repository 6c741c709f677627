# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Provision benchmark: whole-process wall time and peak memory of playbooks/provision.yml on OpenLDAP.

    .venv/bin/python bench/provision_bench.py [--sizes 1000,10000] [--runs 3]

For each size N: the synthetic HR export (bench/generate.py, fixed seed) is collected once into
an encrypted vault, a throwaway slapd (tests/support/slapd.py, dbnosync) is started, and these
are measured as whole fresh processes (median of ``--runs`` where repeatable):

  first     ansible-playbook playbooks/provision.yml on an empty directory (creates + grants);
            slapd is restarted with an empty database before every run
  noop      the same again, nothing to do
  check     the same with --check, nothing to do (the impact evaluation of an unchanged run)
  check0    --check on an empty directory: plans every create and grant (one run)
  movers    10 % of the persons change department, re-collect, provision (the provisioned
            entries loaded again with ldapadd before each run)
  ldap3-add floor: the same entries (dumped from the provisioned directory: accounts, then
            groups with their members) added with bare ldap3 on one connection, no planning
  ldap3-read floor: one bare ldap3 paged search of the accounts and the groups
  ldapadd / ldapsearch  the OpenLDAP tools on the same entries (-E pr=500/noprompt), reference
  ansible   ansible-playbook of bench/noop.yml: Ansible's fixed cost

Measuring (wall time around the child, ru_maxrss from os.wait4) and the environment come from
bench/collect_bench.py. The target uses the demo's OpenLDAP mapping (uid usernames), accounts in
one OU per division (ten departments) under ou=people, so a mover changing department often
moves OU too, and the generated rules file: 100 rules over 50 groups under ou=groups (created
on demand).
Results: a table on stdout, ``bench/results/provision-<date>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import base64
import csv
import datetime
import io
import json
import os
import random
import re
import statistics
import subprocess
import sys

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH_DIR)
sys.path.insert(0, os.path.join(os.path.dirname(BENCH_DIR), "tests", "support"))

import collect_bench as cb  # noqa: E402  pylint: disable=wrong-import-position
import slapd  # noqa: E402  pylint: disable=wrong-import-position

ROOT = cb.ROOT
HOST = "bench_ldap"
MOVERS_PERCENT = 10
# Accounts live in one OU per division: departments D00000-D00009 are division div000, and so on.
CONTAINER = "'ou=div' ~ contract.department.code[1:5] ~ ',ou=people,dc=example,dc=test'"

# Attributes of the demo's OpenLDAP target (inventories/demo/group_vars/all/target.yml).
TARGET_VARS = {
    "jml_ldap_username": {
        "attribute": "uid",
        "candidates": ["(person.name.given | ascii) ~ '.' ~ (person.name | family_name | ascii) ~ (n if n > 1 else '')"],
        "unique_attributes": ["uid", "mail"],
        # The data's deliberate collisions (2 % "Jan Jansen") need more than the default 50 tries.
        "max_tries": 10000,
    },
    "jml_ldap_attributes": {
        "cn": "person.name.display",
        "sn": "person.name | family_name",
        "givenName": "person.name.given",
        "displayName": "person.name.display",
        "initials": "person.name.initials",
        "mail": "username ~ '@example.test'",
        "employeeType": "contract.type",
        "departmentNumber": "contract.department.code",
        "title": "contract.title.name or contract.title.code",
        "manager": "manager_dn",
    },
    "jml_ldap_lifecycle": {"pre_provision_days": 14, "exclude": "person.custom.blocked"},
    "jml_ldap_disable": {"strategy": ["lock"]},
}

LDAP3_ADD = r"""
import json, sys, ldap3
uri, bind_dn, password, path = sys.argv[1:5]
with open(path, encoding="utf-8") as handle:
    entries = json.load(handle)
conn = ldap3.Connection(ldap3.Server(uri), bind_dn, password, auto_bind=True)
for dn, attrs in entries:
    if not conn.add(dn, attributes=attrs):
        raise SystemExit("add %s: %s" % (dn, conn.result))
conn.unbind()
print(len(entries))
"""

LDAP3_READ = r"""
import sys, ldap3
uri, bind_dn, password, people, groups = sys.argv[1:6]
conn = ldap3.Connection(ldap3.Server(uri), bind_dn, password, auto_bind=True)
count = 0
searches = ((people, "(objectClass=inetOrgPerson)", ["*", "pwdAccountLockedTime"]),
            (groups, "(objectClass=groupOfNames)", ["member"]))
for base, flt, attrs in searches:
    for dummy in conn.extend.standard.paged_search(base, flt, attributes=attrs, paged_size=500, generator=True):
        count += 1
conn.unbind()
print(count)
"""


def say(text):
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def recap(log_path, host=HOST):
    with open(log_path, encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    match = re.search(r"^%s\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)" % host, text, re.M)
    summary = re.search(r"^\s*msg: '((?:Applied|Planned): (?:[^']|'')*)'", text, re.M)
    if not match:
        return None
    return {"ok": int(match.group(1)), "changed": int(match.group(2)), "failed": int(match.group(3)),
            "summary": " ".join(summary.group(1).split()).replace("''", "'") if summary else None}


class Directory:
    """A throwaway slapd in one folder, restarted empty on demand."""

    def __init__(self, workdir):
        self.workdir, self.state, self.extra_ldif = workdir, None, None

    def fresh(self):
        slapd.stop(self.workdir)
        self.state = slapd.start(self.workdir, extra_ldif=self.extra_ldif)
        pw_file = os.path.join(self.workdir, "bind-password")
        with open(os.open(pw_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
            handle.write(self.state.bind_password)
        return self.state

    def stop(self):
        slapd.stop(self.workdir)

    def password_file(self):
        return os.path.join(self.workdir, "bind-password")


def department_codes(data_dir):
    with open(os.path.join(data_dir, "departments.csv"), encoding="utf-8-sig", newline="") as handle:
        return sorted(row["ExternalId"] for row in csv.DictReader(handle, delimiter=";"))


def division_ous(data_dir, people_dn="ou=people,dc=example,dc=test"):
    """LDIF of the division OUs the container expression places accounts in (see CONTAINER)."""
    divisions = sorted(set("div" + code[1:5] for code in department_codes(data_dir)))
    return "".join("dn: ou=%s,%s\nobjectClass: organizationalUnit\nou: %s\n\n" % (d, people_dn, d) for d in divisions)


def write_inventory(path, state, vault, rules, today):
    host = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
            "jml_vault_path": vault, "jml_ldap_server_uri": state.ldap_uri, "jml_ldap_bind_dn": state.bind_dn,
            "jml_ldap_bind_password": state.bind_password, "jml_ldap_ca_file": state.ca_file,
            "jml_ldap_search_base": state.people_dn, "jml_ldap_accounts_dn": state.people_dn,
            "jml_ldap_reference_date": today, "jml_ldap_rules_file": rules, "jml_ldap_container": CONTAINER,
            "jml_ldap_groups": {"base": state.groups_dn, "create_missing": True}}
    host.update(TARGET_VARS)
    host["jml_ldap_username"] = dict(TARGET_VARS["jml_ldap_username"], unique_base=state.base_dn)
    document = {"all": {"children": {"ldap_targets": {"hosts": {HOST: host}}}}}
    # JSON is YAML; the inventory holds the throwaway bind password, so 0600.
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=1, ensure_ascii=False)


def dump_entries(state, path):
    """Accounts then groups of the provisioned directory as JSON [dn, attrs]: user attributes and the lock."""
    import ldap3  # pylint: disable=import-outside-toplevel
    conn = ldap3.Connection(ldap3.Server(state.ldap_uri), state.bind_dn, state.bind_password, auto_bind=True)
    entries = []
    for base, flt in ((state.people_dn, "(objectClass=inetOrgPerson)"), (state.groups_dn, "(objectClass=groupOfNames)")):
        for entry in conn.extend.standard.paged_search(base, flt, attributes=["*", "pwdAccountLockedTime"], paged_size=500,
                                                       generator=True):
            if entry.get("type") != "searchResEntry":
                continue
            attrs = dict((k, [v.decode("utf-8") for v in vals]) for k, vals in entry["raw_attributes"].items() if vals)
            entries.append([entry["dn"], attrs])
    conn.unbind()
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(entries, handle, ensure_ascii=False)
    return entries


def write_ldif(entries, path):
    def line(attr, value):
        if value.isascii() and value == value.strip() and not value.startswith((":", "<")) and "\n" not in value:
            return "%s: %s" % (attr, value)
        return "%s:: %s" % (attr, base64.b64encode(value.encode("utf-8")).decode("ascii"))

    with open(path, "w", encoding="utf-8") as handle:
        for dn, attrs in entries:
            handle.write(line("dn", dn) + "\n")
            for attr, values in attrs.items():
                for value in values:
                    handle.write(line(attr, value) + "\n")
            handle.write("\n")


def write_movers(data_dir, seed):
    """contracts-movers.csv: MOVERS_PERCENT % of the persons get another department; returns (path, moved)."""
    with open(os.path.join(data_dir, "contracts.csv"), "rb") as handle:
        text = handle.read().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    header, body = rows[0], rows[1:]
    col = header.index("OrganizationalUnit")
    codes = sorted(set(r[col] for r in body))
    people = sorted(set(r[0] for r in body))
    rng = random.Random(seed)
    moving = dict((p, None) for p in rng.sample(people, len(people) * MOVERS_PERCENT // 100))
    for row in body:
        if row[0] in moving:
            if moving[row[0]] is None:
                moving[row[0]] = rng.choice([c for c in codes if c != row[col]] or codes)
            row[col] = moving[row[0]]
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows([header] + body)
    path = os.path.join(data_dir, "contracts-movers.csv")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(out.getvalue())
    return path, len(moving)


def collect(vars_file, env, password_file, log):
    cmd = ["ansible-playbook", "-i", cb.INVENTORY, "playbooks/collect.yml", "-e", "@" + vars_file,
           "--vault-password-file", password_file]
    run = cb.measure(cmd, env, log, sample=False)
    if run["rc"] != 0:
        raise SystemExit("collect failed (rc %d), log %s" % (run["rc"], log))
    return run


def measure_collect(n, runs, count, data_dir, vars_file, env, password_file, logs):
    """Figure 1: collect N persons into a new encrypted vault, re-collect unchanged, and reading
    the two CSV files with Python's csv module (the floor of any collect)."""
    vault = os.path.join(data_dir, "vault.json")
    for dummy in range(count):
        if os.path.exists(vault):
            os.unlink(vault)
        run = collect(vars_file, env, password_file, os.path.join(logs, "collect.log"))
        runs["collect"].append(checked("collect", n, run, want_changed=True, host="localhost"))
    for dummy in range(count):
        run = collect(vars_file, env, password_file, os.path.join(logs, "recollect.log"))
        runs["recollect"].append(checked("recollect", n, run, want_changed=False, host="localhost"))
    floor = [cb.PYTHON, "-c", cb.FLOOR_SCRIPT, os.path.join(data_dir, "persons.csv"), os.path.join(data_dir, "contracts.csv")]
    for dummy in range(count):
        runs["csv-read"].append(checked("csv-read", n, cb.measure(floor, env, os.path.join(logs, "csv-read.log"),
                                                                  sample=False)))


def checked(name, n, run, want_changed=None, host=HOST):
    if run["rc"] != 0:
        with open(run["log"], encoding="utf-8", errors="replace") as handle:
            tail = handle.read()[-3000:]
        raise SystemExit("%s N=%d failed (rc %d); log %s:\n%s" % (name, n, run["rc"], run["log"], tail))
    if want_changed is not None:
        counts = recap(run["log"], host)
        if counts is None or counts["failed"] or (counts["changed"] > 0) != want_changed:
            raise SystemExit("%s N=%d: expected changed=%s, got %s (log %s)" % (name, n, want_changed, counts, run["log"]))
        run["recap"] = counts
    summary = (run.get("recap") or {}).get("summary") or ""
    say("N=%-7d %-10s %8.2f s  %7.1f MiB rss  %s" % (n, name, run["seconds"], run["peak_rss_mib"], summary))
    return run


def bench_size(n, args, env, password_file, directory):
    data_dir, manifest, generated_in = cb.ensure_data(n, args.seed, args.today, args.work, env)
    if generated_in is not None:
        say("generated %d persons in %.2f s -> %s" % (n, generated_in, data_dir))
    logs = os.path.join(data_dir, "logs")
    os.makedirs(logs, exist_ok=True)
    vault = os.path.join(data_dir, "vault.json")
    vars_file = cb.write_vars(data_dir, vault)
    rules = os.path.join(data_dir, "rules.yml")
    directory.extra_ldif = division_ous(data_dir)
    inventory = os.path.join(data_dir, "inventory.json")
    playbook = ["ansible-playbook", "-i", inventory, "playbooks/provision.yml", "--vault-password-file", password_file]
    runs = dict((name, []) for name in ("collect", "recollect", "csv-read", "first", "noop", "check", "check0",
                                        "movers", "movers-rerun", "ldap3-add", "ldap3-read", "ldapadd", "ldapsearch",
                                        "ansible"))
    measure_collect(n, runs, args.runs, data_dir, vars_file, env, password_file, logs)

    def provision(name, extra=(), want_changed=None):
        run = cb.measure(playbook + list(extra), env, os.path.join(logs, "%s.log" % name), sample=False)
        runs[name].append(checked(name, n, run, want_changed))

    for i in range(args.runs):
        state = directory.fresh()
        write_inventory(inventory, state, vault, rules, args.today)
        if i == 0:
            provision("check0", ["--check"], want_changed=True)
        provision("first", want_changed=True)
    entries = dump_entries(state, os.path.join(data_dir, "entries.json"))
    accounts = sum(1 for dn, dummy in entries if dn.endswith("," + state.people_dn))
    say("N=%-7d directory holds %d accounts and %d groups" % (n, accounts, len(entries) - accounts))
    for i in range(args.runs):
        provision("noop", want_changed=False)
    for i in range(args.runs):
        provision("check", ["--check"], want_changed=False)
    bind = [state.bind_dn]
    read = [cb.PYTHON, "-c", LDAP3_READ, state.ldap_uri] + bind + [state.bind_password, state.people_dn, state.groups_dn]
    for i in range(args.runs):
        runs["ldap3-read"].append(checked("ldap3-read", n, cb.measure(read, env, os.path.join(logs, "ldap3-read.log"),
                                                                      sample=False)))
    tools = ["-x", "-H", state.ldap_uri, "-D", state.bind_dn, "-y", directory.password_file()]
    search = ["sh", "-c", 'ldapsearch "$@" -b "%s" -E pr=500/noprompt "(objectClass=inetOrgPerson)" "*" pwdAccountLockedTime'
              ' >/dev/null && ldapsearch "$@" -b "%s" -E pr=500/noprompt "(objectClass=groupOfNames)" member >/dev/null'
              % (state.people_dn, state.groups_dn), "ldapsearch"] + tools
    tool_env = dict(env, LDAPNOINIT="1")
    for i in range(args.runs):
        runs["ldapsearch"].append(checked("ldapsearch", n, cb.measure(search, tool_env, os.path.join(logs, "ldapsearch.log"),
                                                                      sample=False)))
    # Movers: 10 % change department; timed on the directory as provisioned, loaded again by the
    # ldapadd floor before each run.
    movers_csv, moved = write_movers(data_dir, args.seed)
    with open(vars_file, encoding="utf-8") as handle:
        document = json.load(handle)
    document["jml_sources"][0]["contracts"]["path"] = movers_csv
    movers_vars = os.path.join(data_dir, "extra-vars-movers.json")
    with open(movers_vars, "w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=1)
    collect(movers_vars, env, password_file, os.path.join(logs, "collect-movers.log"))
    # Floors that need an empty directory; the ldapadd floor leaves the provisioned entries for movers.
    ldif = os.path.join(data_dir, "entries.ldif")
    write_ldif(entries, ldif)
    for i in range(args.runs):
        state = directory.fresh()
        add = [cb.PYTHON, "-c", LDAP3_ADD, state.ldap_uri, state.bind_dn, state.bind_password,
               os.path.join(data_dir, "entries.json")]
        runs["ldap3-add"].append(checked("ldap3-add", n, cb.measure(add, env, os.path.join(logs, "ldap3-add.log"),
                                                                    sample=False)))
        state = directory.fresh()
        ldapadd = ["ldapadd", "-x", "-H", state.ldap_uri, "-D", state.bind_dn, "-y", directory.password_file(), "-f", ldif]
        runs["ldapadd"].append(checked("ldapadd", n, cb.measure(ldapadd, tool_env, os.path.join(logs, "ldapadd.log"),
                                                                sample=False)))
        write_inventory(inventory, state, vault, rules, args.today)
        provision("movers", want_changed=True)
    provision("movers-rerun", want_changed=False)  # the movers' run leaves nothing to do
    directory.stop()
    for i in range(args.runs):
        runs["ansible"].append(checked("ansible", n, cb.measure(["ansible-playbook", "-i", cb.INVENTORY, "bench/noop.yml"],
                                                                env, os.path.join(logs, "ansible.log"), sample=False)))
    figures = dict((name, summarise(r)) for name, r in runs.items() if r)
    peer = None
    if n in args.peer_sizes:  # the per-user Ansible way on the same entries, its own virtualenv
        import peer_bench  # pylint: disable=import-outside-toplevel
        measured = peer_bench.measure_peer(os.path.join(data_dir, "entries.json"), directory, runs=args.peer_runs,
                                           persons=n, work=os.path.join(data_dir, "peer"))
        figures["peer-first"], figures["peer-noop"] = measured["peer-first"], measured["peer-noop"]
        peer = measured["details"]
    return {"n": n, "accounts": accounts, "groups": len(entries) - accounts, "movers": moved,
            "rules": rules_count(rules), "data_dir": os.path.relpath(data_dir, ROOT), "figures": figures,
            "peer": peer,
            "summaries": dict((name, [(r.get("recap") or {}).get("summary") for r in rs]) for name, rs in runs.items()
                              if rs and rs[0].get("recap"))}


def rules_count(path):
    import yaml  # pylint: disable=import-outside-toplevel
    with open(path, encoding="utf-8") as handle:
        return len(yaml.safe_load(handle)["rules"])


def summarise(runs):
    secs = [r["seconds"] for r in runs]
    rss = [r["peak_rss_mib"] for r in runs]
    cpu = [r["cpu_seconds"] for r in runs if r.get("cpu_seconds") is not None]
    return {"runs": len(runs), "seconds": statistics.median(secs), "seconds_min": min(secs), "seconds_max": max(secs),
            "cpu_seconds": statistics.median(cpu) if cpu else None,
            "peak_rss_mib": statistics.median(rss), "all_seconds": [round(s, 3) for s in secs]}


# (figure, title, the figure it is compared with)
ROWS = (
    ("collect", "collect N persons into a new encrypted vault", "csv-read"),
    ("recollect", "re-collect, nothing changed", "csv-read"),
    ("first", "first provisioning, empty directory (creates + grants)", "ldap3-add"),
    ("noop", "no-op re-run", "ldap3-read"),
    ("check", "--check, nothing to do", "noop"),
    ("check0", "--check on an empty directory (plans every create)", "first"),
    ("movers", "10 % movers after a re-collect", "noop"),
    ("movers-rerun", "the same again: nothing left to do (one run)", "noop"),
    ("ldap3-add", "floor: bare ldap3 adds of the same entries, one connection", None),
    ("ldap3-read", "floor: one bare ldap3 paged search of accounts + groups", None),
    ("ldapadd", "reference: ldapadd of the same entries as LDIF", None),
    ("ldapsearch", "reference: ldapsearch -E pr=500/noprompt of accounts + groups", None),
    ("csv-read", "floor of a collect: Python's csv module reading both files", None),
    ("ansible", "ansible-playbook of bench/noop.yml (fixed cost)", None),
    ("peer-first", "per-user peer: community.general ldap_entry + ldap_attrs in a loop, empty directory", None),
    ("peer-noop", "per-user peer, run again: nothing to change", None),
)
PEER_OF = {"first": "peer-first", "noop": "peer-noop"}
HEADER = ["figure", "N", "seconds", "min-max", "client cpu s", "ms/person", "ratio", "vs", "peer x", "peak RSS MiB"]
TARGETS = (("noop", "ldap3-read", 1.5, "no-op <= 1.5x the ldap3 read floor (issue: at 100k)"),
           ("first", "ldap3-add", 1.3, "first provisioning <= 1.3x bare ldap3 adds (issue: at 10k)"),
           ("check", "noop", 1.2, "check mode <= 1.2x the no-op run"))
PEER_TARGET = 300.0  # at least this many times faster than the per-user loop (issue: at 1k)
MEMORY_TARGET_MIB = 1024  # peak RSS at 100k persons


def table_rows(all_results):
    rows = []
    for res in all_results:
        figs = res["figures"]
        for name, dummy, base in ROWS:
            if name not in figs:
                continue
            f = figs[name]
            ratio = "%.2f" % (f["seconds"] / figs[base]["seconds"]) if base in figs else ""
            peer = PEER_OF.get(name)
            faster = "%.0f" % (figs[peer]["seconds"] / f["seconds"]) if peer in figs else ""
            cpu = "%.2f" % f["cpu_seconds"] if f.get("cpu_seconds") is not None else ""
            rows.append([name, res["n"], "%.2f" % f["seconds"], "%.2f-%.2f" % (f["seconds_min"], f["seconds_max"]),
                         cpu, "%.3f" % (f["seconds"] / res["n"] * 1000.0), ratio, base or "", faster,
                         "%.0f" % f["peak_rss_mib"]])
    return rows


def verdicts(all_results):
    out = []
    for res in all_results:
        figs, n = res["figures"], res["n"]
        for name, base, limit, text in TARGETS:
            ratio = figs[name]["seconds"] / figs[base]["seconds"]
            out.append("N=%d: %s: %.2fx -> %s" % (n, text, ratio, "met" if ratio <= limit else "MISSED"))
        for name, peer in sorted(PEER_OF.items()):
            if peer in figs:
                faster = figs[peer]["seconds"] / figs[name]["seconds"]
                out.append("N=%d: %s >= %.0fx faster than the per-user loop (issue: at 1k): %.0fx -> %s"
                           % (n, name, PEER_TARGET, faster, "met" if faster >= PEER_TARGET else "MISSED"))
        ours = [(f["peak_rss_mib"], name) for name, f in figs.items() if not name.startswith(("peer", "ldap", "csv"))]
        peak, which = max(ours)
        out.append("N=%d: peak RSS <= %d MiB (issue: at 100k): %.0f MiB (%s) -> %s"
                   % (n, MEMORY_TARGET_MIB, peak, which, "met" if peak <= MEMORY_TARGET_MIB else "MISSED"))
        fixed = figs["ansible"]["seconds"]
        out.append("N=%d: without Ansible's fixed cost (%.2f s): first %.2fx the ldap3 adds, no-op %.2fx the ldap3 read"
                   % (n, fixed, (figs["first"]["seconds"] - fixed) / figs["ldap3-add"]["seconds"],
                      (figs["noop"]["seconds"] - fixed) / figs["ldap3-read"]["seconds"]))
    return out


def write_markdown(path, report):
    lines = ["# Provision benchmark, %s" % report["date"], "", "Command: `%s`" % report["command"], "",
             "Machine: %(cpu_model)s, %(nproc)s CPUs, %(memory_mib)s MiB RAM; Python %(python)s, ansible-core "
             "%(ansible_core)s; kernel %(kernel)s." % report["machine"],
             "Code: commit %s%s. Data: bench/generate.py seed %d, today %s. Directory: throwaway slapd "
             "(tests/support/slapd.py, mdb with dbnosync), plain ldap:// on 127.0.0.1."
             % (report["machine"].get("git_commit"), " (with uncommitted changes)" if report["machine"].get("git_dirty")
                else "", report["seed"], report["today"]),
             "", "Median of %d runs (check0, movers-rerun: one run; the peer: %d), each a fresh process; "
             "peak RSS = `ru_maxrss` of the child (largest single process of its tree). `ratio` = seconds / "
             "seconds of `vs`; `peer x` = how many times faster than the per-user peer on the same entries; "
             "`client cpu s` = CPU time of the measured process and the children it reaped (the rest of the "
             "wall time is the directory's, or waiting)."
             % (report["runs"], report.get("peer_runs", 1)),
             "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in table_rows(report["results"])]
    lines += ["", "Figures:", ""] + ["- `%s`: %s" % (name, title) for name, title, dummy in ROWS]
    lines += ["", "## Targets", ""] + ["- " + v for v in report["verdicts"]]
    lines += ["", "## Runs", ""]
    for res in report["results"]:
        lines.append("- N=%d: %d accounts and %d groups after the first provisioning, %d rules, %d movers; "
                     "play summaries: %s" % (res["n"], res["accounts"], res["groups"], res["rules"], res["movers"],
                                             "; ".join("%s %s" % (k, v[0]) for k, v in res["summaries"].items())))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated person counts (default 1000,10000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per repeatable figure; the median is reported")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", default=datetime.date.today().isoformat(), help="reference date (default today)")
    parser.add_argument("--work", default=os.path.join(cb.WORK, "provision"), help="data, vaults, slapd, logs")
    parser.add_argument("--results", default=os.path.join(BENCH_DIR, "results"))
    parser.add_argument("--peer-sizes", default="1000",
                        help="sizes (of --sizes) at which the per-user community.general peer is measured too; "
                             "'' for none (default 1000)")
    parser.add_argument("--peer-runs", type=int, default=1,
                        help="runs of each peer figure (default 1: each takes ~7.5 min at 1k)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.peer_sizes = set(int(s) for s in args.peer_sizes.split(",") if s.strip())
    args.work = os.path.abspath(args.work)
    os.makedirs(os.path.join(cb.BUILD, "ansible-home", "tmp"), exist_ok=True)
    os.makedirs(args.work, exist_ok=True)
    env = cb.ansible_env(cb.WORK)  # shared byte-code caches with the collect benchmark
    subprocess.run(["make", "-s", "collection"], cwd=ROOT, env=env, check=True)
    password_file = os.path.join(cb.WORK, "vault-pass")
    if not os.path.exists(password_file):
        with open(os.open(password_file, os.O_WRONLY | os.O_CREAT, 0o600), "w", encoding="utf-8") as handle:
            handle.write("bench-%s\n" % os.urandom(12).hex())
    facts = cb.machine_facts(env)
    cb.measure(["ansible-playbook", "-i", cb.INVENTORY, "bench/noop.yml"], env, os.path.join(args.work, "warmup.log"),
               sample=False)
    say("throwaway slapd: tests/support/slapd.py, mdb with dbnosync (no fsync), restarted empty where a figure needs it")
    directory = Directory(os.path.join(args.work, "slapd"))
    try:
        all_results = [bench_size(n, args, env, password_file, directory) for n in sizes]
    finally:
        directory.stop()
    date = datetime.date.today().isoformat()
    report = {"date": date, "peer_runs": args.peer_runs, "command": " ".join(["bench/provision_bench.py"] + (argv if argv is not None else sys.argv[1:])),
              "machine": facts, "seed": args.seed, "today": args.today, "runs": args.runs, "results": all_results}
    report["verdicts"] = verdicts(all_results)
    cb.publish(report, HEADER, table_rows(all_results), [13, 7, 8, 13, 12, 10, 6, 10, 7, 12], args.results,
               "provision-%s-%s" % (date, "-".join(str(n) for n in sizes)), write_markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
