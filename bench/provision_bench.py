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
  ldapmodify  reference: ldapmodify -c of the movers' plan as LDIF (bench/plan_ldif.py) on the
            same pre-movers entries; its directory is compared with the movers run's
  incr-unchanged  incremental on (jml_ldap_incremental), nothing changed since the last run:
            mode "unchanged" and changed=0 checked
  incr-changed    incremental run after 1 % HR and 0.5 % hand changes, from a snapshot of the
            directory and the vault folder; incr-full: the same with incremental off (one run),
            whose directory it must equal (asserted). Skipped while the engine has no such option
  incr-ldapmodify reference: ldapmodify -c of the incr-changed plan as LDIF, from the same
            snapshot and changes: the directory's own time for the cycle's writes
  ansible   ansible-playbook of bench/noop.yml: Ansible's fixed cost

Measuring (wall time around the child, ru_maxrss from os.wait4) and the environment come from
bench/collect_bench.py. The target uses the demo's OpenLDAP mapping (uid usernames), accounts in
one OU per division (ten departments) under ou=people, so a mover changing department often
moves OU too, and the generated rules file: 100 rules over 50 groups under ou=groups (created
on demand).
Results: a table on stdout, ``bench/results/provision-<date>-<sizes>.json`` and ``.md``, and the growth
curve ``provision-growth.png`` (bench/plot.py) over every report in the results folder.
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
import shutil
import statistics
import subprocess
import sys
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH_DIR)
sys.path.insert(0, os.path.join(os.path.dirname(BENCH_DIR), "tests", "support"))

import collect_bench as cb  # noqa: E402  pylint: disable=wrong-import-position
import plan_ldif  # noqa: E402  pylint: disable=wrong-import-position
import slapd  # noqa: E402  pylint: disable=wrong-import-position

ROOT = cb.ROOT
HOST = "bench_ldap"
MOVERS_PERCENT = 10
INCR_HR_PERCENT = 1.0      # incr-changed: persons changed in HR since the last incremental run
INCR_HAND_PERCENT = 0.5    # ... and accounts changed by hand in the directory
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

    def __init__(self, workdir, syncprov=True):
        self.workdir, self.state, self.extra_ldif, self.syncprov = workdir, None, None, syncprov

    def fresh(self):
        slapd.stop(self.workdir)
        self.state = slapd.start(self.workdir, extra_ldif=self.extra_ldif, syncprov=self.syncprov)
        pw_file = os.path.join(self.workdir, "bind-password")
        with open(os.open(pw_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
            handle.write(self.state.bind_password)
        return self.state

    def stop(self):
        slapd.stop(self.workdir)

    def password_file(self):
        return os.path.join(self.workdir, "bind-password")

    def snapshot(self, name):
        """Stop slapd, copy its database to ``name``, start it again on the same ports (same URI)."""
        slapd.snapshot(self.state, name)

    def restore(self, name):
        """The database of ``snapshot(name)`` again, byte for byte (its entryCSNs and contextCSN too)."""
        slapd.restore(self.state, name)


def department_codes(data_dir):
    with open(os.path.join(data_dir, "departments.csv"), encoding="utf-8-sig", newline="") as handle:
        return sorted(row["ExternalId"] for row in csv.DictReader(handle, delimiter=";"))


def division_ous(data_dir, people_dn="ou=people,dc=example,dc=test"):
    """LDIF of the division OUs the container expression places accounts in (see CONTAINER)."""
    divisions = sorted(set("div" + code[1:5] for code in department_codes(data_dir)))
    return "".join("dn: ou=%s,%s\nobjectClass: organizationalUnit\nou: %s\n\n" % (d, people_dn, d) for d in divisions)


def write_inventory(path, state, vault, rules, today, extra=None):
    host = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
            "jml_vault_path": vault, "jml_ldap_server_uri": state.ldap_uri, "jml_ldap_bind_dn": state.bind_dn,
            "jml_ldap_bind_password": state.bind_password, "jml_ldap_ca_file": state.ca_file,
            "jml_ldap_search_base": state.people_dn, "jml_ldap_accounts_dn": state.people_dn,
            "jml_ldap_reference_date": today, "jml_ldap_rules_file": rules, "jml_ldap_container": CONTAINER,
            "jml_ldap_groups": {"base": state.groups_dn, "create_missing": True}}
    host.update(TARGET_VARS)
    host["jml_ldap_username"] = dict(TARGET_VARS["jml_ldap_username"], unique_base=state.base_dn)
    host.update(extra or {})
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


def write_movers(data_dir, seed, percent=MOVERS_PERCENT, name="contracts-movers.csv"):
    """``name`` (default contracts-movers.csv): ``percent`` % of the persons get another department;
    returns (path, moved)."""
    with open(os.path.join(data_dir, "contracts.csv"), "rb") as handle:
        text = handle.read().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    header, body = rows[0], rows[1:]
    col = header.index("OrganizationalUnit")
    codes = sorted(set(r[col] for r in body))
    people = sorted(set(r[0] for r in body))
    rng = random.Random(seed)
    moving = dict((p, None) for p in rng.sample(people, max(1, int(len(people) * percent / 100))))
    for row in body:
        if row[0] in moving:
            if moving[row[0]] is None:
                moving[row[0]] = rng.choice([c for c in codes if c != row[col]] or codes)
            row[col] = moving[row[0]]
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows([header] + body)
    path = os.path.join(data_dir, name)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(out.getvalue())
    return path, len(moving)


def write_collect_vars(vars_file, path, vault=None, contracts=None):
    """A copy of the extra-vars file with another vault and/or contracts file."""
    with open(vars_file, encoding="utf-8") as handle:
        document = json.load(handle)
    if contracts:
        document["jml_sources"][0]["contracts"]["path"] = contracts
    if vault:
        document["jml_vault_path"] = vault
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=1)
    return path


def normalised_dump(state):
    """The whole directory under the base DN as {normalised dn: {attribute: sorted values}}: user
    attributes and the lock attribute, no operational ones (entryCSN, memberOf, timestamps)."""
    import ldap3  # pylint: disable=import-outside-toplevel
    conn = ldap3.Connection(ldap3.Server(state.ldap_uri), state.bind_dn, state.bind_password, auto_bind=True)
    out = {}
    for entry in conn.extend.standard.paged_search(state.base_dn, "(objectClass=*)", attributes=["*", "pwdAccountLockedTime"],
                                                   paged_size=500, generator=True):
        if entry.get("type") != "searchResEntry":
            continue
        out[plan_ldif.normalise_dn(entry["dn"])] = dict(
            (k.lower(), sorted(v.decode("utf-8") for v in vals)) for k, vals in sorted(entry["raw_attributes"].items()) if vals)
    conn.unbind()
    return out


def dump_difference(one, other, show=5):
    """None when equal, else a short description of the first differing entries."""
    if one == other:
        return None
    keys = [k for k in sorted(set(one) | set(other)) if one.get(k) != other.get(k)]
    parts = []
    for key in keys[:show]:
        a, b = one.get(key), other.get(key)
        if a is None or b is None:
            parts.append("%s only in the %s" % (key, "second" if a is None else "first"))
        else:
            parts.append("%s: %s" % (key, dict((attr, [a.get(attr), b.get(attr)]) for attr in sorted(set(a) | set(b))
                                               if a.get(attr) != b.get(attr))))
    return "%d entries differ: %s" % (len(keys), "; ".join(parts))


def write_hand_changes(entries, people_dn, seed, path, percent=INCR_HAND_PERCENT):
    """LDIF of changes made by hand to ``percent`` % of the accounts, in turn: a managed attribute
    (title: the run puts it back), unmanaged ones (telephoneNumber, description: the run leaves
    them), a managed group membership removed (the run grants it again). Returns the count."""
    accounts = [dn for dn, dummy in entries if dn.endswith("," + people_dn)]
    member_of = {}
    for dn, attrs in entries:
        for member in attrs.get("member", []):
            member_of.setdefault(plan_ldif.normalise_dn(member), []).append(dn)
    rng = random.Random(seed)
    chosen = rng.sample(accounts, max(1, int(len(accounts) * percent / 100)))
    records = []
    for i, dn in enumerate(chosen):
        groups = member_of.get(plan_ldif.normalise_dn(dn))
        kind = i % 3
        if kind == 2 and groups:
            records.append("%s\nchangetype: modify\ndelete: member\n%s\n-\n"
                           % (plan_ldif.ldif_line("dn", rng.choice(groups)), plan_ldif.ldif_line("member", dn)))
        elif kind == 1:
            records.append("%s\nchangetype: modify\nreplace: telephoneNumber\ntelephoneNumber: +31 20 555 %04d\n-\n"
                           "replace: description\ndescription: changed by hand (bench)\n-\n"
                           % (plan_ldif.ldif_line("dn", dn), i))
        else:
            records.append("%s\nchangetype: modify\nreplace: title\ntitle: Edited by hand %d\n-\n" % (plan_ldif.ldif_line("dn", dn), i))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(records))
    return len(records)


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


INCR_ON = {"jml_ldap_incremental": {"enabled": True}}
UNSUPPORTED = re.compile(r"Unsupported parameters|unsupported parameter|incremental.*not a valid|no such option", re.I)


def result_env(env, result_file):
    """``env`` with bench/callback_plugins/bench_result.py writing ldap_accounts' result to ``result_file``."""
    return dict(env, ANSIBLE_CALLBACK_PLUGINS=os.path.join(BENCH_DIR, "callback_plugins"),
                ANSIBLE_CALLBACKS_ENABLED="bench_result", BENCH_RESULT=result_file)


def last_result(path):
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip()]
    return json.loads(lines[-1]) if lines else None


def incremental_missing(run, record):
    """None when the engine has the incremental option, else why the incremental figures are skipped."""
    with open(run["log"], encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    if run["rc"] != 0 and UNSUPPORTED.search(text):
        return "skipped: the engine does not have the incremental option yet (the run failed: %s)" % (
            UNSUPPORTED.search(text).group(0))
    if run["rc"] == 0 and (record is None or "incremental" not in record):
        return ("skipped: the module result has no 'incremental' key (the engine or the role's jml_ldap_incremental "
                "is not there yet)")
    return None


def measure_incremental(n, args, env, password_file, directory, data_dir, vars_file, vault, rules, entries, runs, logs):
    """The incremental figures, on the provisioned directory (``directory.state``) and a copy of the vault
    in ``incr/`` (the engine keeps its state beside the vault):

    incr-unchanged  after an untimed incremental no-op (which records the state), the same run again:
                    must report changed=0 and incremental mode "unchanged"
    incr-changed    from a snapshot of that state (slapd's database copied while stopped, same ports,
                    and the incr/ folder): INCR_HR_PERCENT % of the persons change department in HR
                    (re-collected) and INCR_HAND_PERCENT % of the accounts are changed by hand
                    (ldapmodify), then the incremental run is timed
    incr-full       the same changes from the same snapshot with incremental off (one run); the
                    resulting directory must equal incr-changed's (asserted, normalised dumps)

    Returns the details for the report, or {"skipped": why} when the engine has no such option."""
    state = directory.state
    work = os.path.join(data_dir, "incr")
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(work + "-snapshot", ignore_errors=True)
    os.makedirs(work)
    incr_vault = os.path.join(work, "vault.json")
    shutil.copy2(vault, incr_vault)
    inv_on, inv_off = os.path.join(data_dir, "inventory-incr.json"), os.path.join(data_dir, "inventory-incr-full.json")
    write_inventory(inv_on, state, incr_vault, rules, args.today, INCR_ON)
    write_inventory(inv_off, state, incr_vault, rules, args.today)
    result_file = os.path.join(logs, "incr-result.jsonl")
    renv = result_env(env, result_file)

    def play(name, inventory):
        if os.path.exists(result_file):
            os.unlink(result_file)
        cmd = ["ansible-playbook", "-i", inventory, "playbooks/provision.yml", "--vault-password-file", password_file]
        run = cb.measure(cmd, renv, os.path.join(logs, "%s.log" % name), sample=False)
        return run, last_result(result_file) or {}

    run, record = play("incr-record", inv_on)
    missing = incremental_missing(run, record)
    if missing:
        say("N=%-7d incremental figures %s" % (n, missing))
        return {"skipped": missing}
    checked("incr-record", n, run, want_changed=False)
    details = {"record_run": record.get("incremental")}
    for dummy in range(args.runs):
        run, record = play("incr-unchanged", inv_on)
        run = checked("incr-unchanged", n, run, want_changed=False)
        run["incremental"] = record.get("incremental")
        if (run["incremental"] or {}).get("mode") != "unchanged":
            raise SystemExit("incr-unchanged N=%d: expected incremental mode 'unchanged', got %s (log %s)"
                             % (n, run["incremental"], run["log"]))
        runs["incr-unchanged"].append(run)
    details["unchanged"] = [r["incremental"] for r in runs["incr-unchanged"]]

    hr_csv, hr_changed = write_movers(data_dir, args.seed + 17, INCR_HR_PERCENT, "contracts-incr.csv")
    incr_vars = write_collect_vars(vars_file, os.path.join(data_dir, "extra-vars-incr.json"), vault=incr_vault, contracts=hr_csv)
    hand = os.path.join(data_dir, "hand-changes.ldif")
    hand_changed = write_hand_changes(entries, state.people_dn, args.seed + 18, hand)
    directory.snapshot("db-incr")
    shutil.copytree(work, work + "-snapshot")
    modify = ["ldapmodify", "-x", "-H", state.ldap_uri, "-D", state.bind_dn, "-y", directory.password_file(), "-f", hand]

    def changes_since_last_run():
        directory.restore("db-incr")
        shutil.rmtree(work)
        shutil.copytree(work + "-snapshot", work)
        collect(incr_vars, env, password_file, os.path.join(logs, "collect-incr.log"))
        proc = subprocess.run(modify, env=dict(env, LDAPNOINIT="1"), capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise SystemExit("hand changes (%s) failed: %s" % (hand, (proc.stderr or proc.stdout)[-2000:]))

    by_incr = None
    for i in range(args.runs):
        changes_since_last_run()
        run, record = play("incr-changed", inv_on)
        run = checked("incr-changed", n, run, want_changed=True)
        run["incremental"] = record.get("incremental")
        say("N=%-7d incr-changed: incremental %s" % (n, run["incremental"]))
        runs["incr-changed"].append(run)
        if i == 0:
            time.sleep(0.5)  # slapd's refint renames members in the background
            by_incr = normalised_dump(state)
    # The floor: the same changes' plan (an untimed --check, full: the same plan) as LDIF, applied
    # by ldapmodify -c from the same snapshot and changes.
    changes_since_last_run()
    plan_path, incr_ldif = os.path.join(data_dir, "plan-incr.json"), os.path.join(data_dir, "incr.ldif")
    write_inventory(inv_off, state, incr_vault, rules, args.today, {"jml_ldap_plan_file": plan_path})
    plan_cmd = ["ansible-playbook", "-i", inv_off, "playbooks/provision.yml", "--vault-password-file", password_file,
                "--check"]
    checked("incr-plan", n, cb.measure(plan_cmd, env, os.path.join(logs, "incr-plan.log"), sample=False), want_changed=True)
    write_inventory(inv_off, state, incr_vault, rules, args.today)
    records = plan_ldif.write_plan_ldif(plan_path, incr_ldif)
    say("N=%-7d incr.ldif: %d change records from the incr-changed plan" % (n, records))
    floor = ["ldapmodify", "-c", "-x", "-H", state.ldap_uri, "-D", state.bind_dn, "-y", directory.password_file(),
             "-f", incr_ldif]
    for i in range(args.runs):
        if i:
            changes_since_last_run()
        runs["incr-ldapmodify"].append(checked("incr-ldapmodify", n, cb.measure(
            floor, dict(env, LDAPNOINIT="1"), os.path.join(logs, "incr-ldapmodify.log"), sample=False)))
        if i == 0:
            time.sleep(0.5)
            by_floor = normalised_dump(state)
    changes_since_last_run()
    run, record = play("incr-full", inv_off)
    runs["incr-full"].append(checked("incr-full", n, run, want_changed=True))
    time.sleep(0.5)
    by_full = normalised_dump(state)
    difference = dump_difference(by_incr, by_full)
    if difference:
        raise SystemExit("incr-changed N=%d: the incremental run's directory differs from a full reconcile of the same "
                         "changes: %s" % (n, difference))
    say("N=%-7d incr-changed: the directory equals the full reconcile's (%d entries compared)" % (n, len(by_full)))
    floor_difference = dump_difference(by_floor, by_full)
    same = "equals the full reconcile's" if floor_difference is None else "DIFFERS from the full reconcile's: " + floor_difference
    say("N=%-7d incr-ldapmodify: the directory %s" % (n, same))
    details.update(changed=[r["incremental"] for r in runs["incr-changed"]], hr_changed=hr_changed,
                   hand_changed=hand_changed, same_as_full=True, entries_compared=len(by_full),
                   floor_records=records, floor_difference=floor_difference)
    return details


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
                                        "movers", "movers-rerun", "incr-unchanged", "incr-changed", "incr-full", "incr-ldapmodify",
                                        "ldap3-add", "ldap3-read", "ldapadd", "ldapsearch", "ldapmodify", "ansible"))
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
    incr = measure_incremental(n, args, env, password_file, directory, data_dir, vars_file, vault, rules, entries, runs,
                               logs)
    # Movers: 10 % change department; timed on the directory as provisioned, loaded again by the
    # ldapadd floor before each run. The ldapmodify floor applies the same changes as LDIF (from the
    # plan file of an untimed --check of the movers on the same entries, loaded by the ldap3 floor).
    movers_csv, moved = write_movers(data_dir, args.seed)
    movers_vars = write_collect_vars(vars_file, os.path.join(data_dir, "extra-vars-movers.json"), contracts=movers_csv)
    collect(movers_vars, env, password_file, os.path.join(logs, "collect-movers.log"))
    # Floors that need an empty directory; the ldapadd floor leaves the provisioned entries for movers.
    ldif = os.path.join(data_dir, "entries.ldif")
    write_ldif(entries, ldif)
    plan_path, movers_ldif = os.path.join(data_dir, "plan-movers.json"), os.path.join(data_dir, "movers.ldif")
    same_changes = None
    for i in range(args.runs):
        state = directory.fresh()
        add = [cb.PYTHON, "-c", LDAP3_ADD, state.ldap_uri, state.bind_dn, state.bind_password,
               os.path.join(data_dir, "entries.json")]
        runs["ldap3-add"].append(checked("ldap3-add", n, cb.measure(add, env, os.path.join(logs, "ldap3-add.log"),
                                                                    sample=False)))
        if i == 0:  # the movers' plan, predicted on the same entries (not timed)
            write_inventory(inventory, state, vault, rules, args.today, {"jml_ldap_plan_file": plan_path})
            checked("movers-plan", n, cb.measure(playbook + ["--check"], env, os.path.join(logs, "movers-plan.log"),
                                                 sample=False), want_changed=True)
            records = plan_ldif.write_plan_ldif(plan_path, movers_ldif)
            say("N=%-7d movers.ldif: %d change records from the movers' plan" % (n, records))
        modify = ["ldapmodify", "-c", "-x", "-H", state.ldap_uri, "-D", state.bind_dn, "-y", directory.password_file(),
                  "-f", movers_ldif]
        runs["ldapmodify"].append(checked("ldapmodify", n, cb.measure(modify, tool_env, os.path.join(logs, "ldapmodify.log"),
                                                                      sample=False)))
        if i == 0:
            time.sleep(0.5)  # slapd's refint renames members in the background
            by_ldif = normalised_dump(state)
        state = directory.fresh()
        ldapadd = ["ldapadd", "-x", "-H", state.ldap_uri, "-D", state.bind_dn, "-y", directory.password_file(), "-f", ldif]
        runs["ldapadd"].append(checked("ldapadd", n, cb.measure(ldapadd, tool_env, os.path.join(logs, "ldapadd.log"),
                                                                sample=False)))
        write_inventory(inventory, state, vault, rules, args.today)
        provision("movers", want_changed=True)
        if i == 0:
            time.sleep(0.5)
            same_changes = dump_difference(normalised_dump(state), by_ldif)
            same = "== the movers' directory" if same_changes is None else "DIFFERS from the movers' directory: " + same_changes
            say("N=%-7d ldapmodify result %s" % (n, same))
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
            "peer": peer, "incremental": incr,
            "ldapmodify_same_as_movers": same_changes is None, "ldapmodify_difference": same_changes,
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
    ("first", "first provisioning, empty directory (creates + grants)", "ldapadd"),
    ("noop", "no-op re-run (a full reconcile)", "ldapsearch"),
    ("check", "--check, nothing to do", "noop"),
    ("check0", "--check on an empty directory (plans every create)", "first"),
    ("movers", "10 % movers after a re-collect", "ldapmodify"),
    ("movers-rerun", "the same again: nothing left to do (one run)", "noop"),
    ("incr-unchanged", "incremental run, nothing changed anywhere since the last one (mode 'unchanged' checked)", "ansible"),
    ("incr-changed", "incremental run after 1 % of the persons changed in HR and 0.5 % of the accounts by hand", "noop"),
    ("incr-full", "the same changes, incremental off: the full reconcile its directory is compared with (one run)", "noop"),
    ("ldap3-add", "floor: bare ldap3 adds of the same entries, one connection", None),
    ("ldap3-read", "floor: one bare ldap3 paged search of accounts + groups", None),
    ("ldapadd", "reference: ldapadd of the same entries as LDIF", None),
    ("ldapsearch", "reference: ldapsearch -E pr=500/noprompt of accounts + groups", None),
    ("ldapmodify", "reference: ldapmodify -c of the movers' plan as LDIF (bench/plan_ldif.py), same starting entries", None),
    ("incr-ldapmodify", "reference: ldapmodify -c of the incr-changed plan as LDIF, same snapshot and changes "
     "(the directory's own time for the cycle's writes)", "noop"),
    ("csv-read", "floor of a collect: Python's csv module reading both files", None),
    ("ansible", "ansible-playbook of bench/noop.yml (fixed cost)", None),
    ("peer-first", "per-user peer: community.general ldap_entry + ldap_attrs in a loop, empty directory", None),
    ("peer-noop", "per-user peer, run again: nothing to change", None),
)
FLOORS = ("ldap3-add", "ldap3-read", "ldapadd", "ldapsearch", "ldapmodify", "incr-ldapmodify", "csv-read", "ansible")
PEER_OF = {"first": "peer-first", "noop": "peer-noop"}
HEADER = ["figure", "N", "seconds", "min-max", "client cpu s", "ms/person", "ratio", "vs", "peer x", "peak RSS MiB"]
# Issue 17's targets, ratios of figures measured in the same run (the issue: at 100k persons, 100 rules).
TARGETS = (("noop", "ldapsearch", 8.0, "full no-op <= 8x the ldapsearch read of the same accounts and groups (at 100k)"),
           ("first", "ldapadd", 1.0, "first provisioning <= 1.0x ldapadd of the same entries"),
           ("movers", "ldapmodify", 1.5, "10 % movers <= 1.5x ldapmodify -c of the same changes as LDIF"),
           ("check", "noop", 1.1, "check mode <= 1.1x the run it predicts: check vs noop"),
           ("check0", "first", 1.1, "check mode <= 1.1x the run it predicts: check0 vs first"))
INCR_CHANGED_TARGET = 0.25   # incr-changed <= this x the full no-op of the same run
INCR_UNCHANGED_EXTRA_S = 1.0  # incr-unchanged <= Ansible's fixed cost + this
MEMORY_TARGET_MIB = 600  # peak RSS at 100k persons
COLLECT_TARGET_S = 5.0   # collect of 100k persons into the encrypted vault
# The earlier issue's (7) targets, against the bare ldap3 floors.
EARLIER_TARGETS = (("noop", "ldap3-read", 1.5, "no-op <= 1.5x the ldap3 read floor (at 100k)"),
                   ("first", "ldap3-add", 1.3, "first provisioning <= 1.3x bare ldap3 adds (at 10k)"),
                   ("check", "noop", 1.2, "check mode <= 1.2x the no-op run"))
PEER_TARGET = 300.0  # at least this many times faster than the per-user loop (issue 7: at 1k)
EARLIER_MEMORY_TARGET_MIB = 1024


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


def _met(ok):
    return "met" if ok else "MISSED"


def _ratio_verdicts(prefix, figs, targets):
    out = []
    for name, base, limit, text in targets:
        if name in figs and base in figs:
            ratio = figs[name]["seconds"] / figs[base]["seconds"]
            out.append("%s: %s: %.2fx -> %s" % (prefix, text, ratio, _met(ratio <= limit)))
        else:
            out.append("%s: %s: not measured" % (prefix, text))
    return out


def incremental_verdicts(prefix, res):
    figs = res["figures"]
    incr = res.get("incremental") or {}
    unchanged_text = "incremental run with nothing changed <= Ansible's fixed cost + %.0f s" % INCR_UNCHANGED_EXTRA_S
    changed_text = ("incremental run after 1 %% HR + 0.5 %% hand changes <= %.2fx the full no-op, same directory as a "
                    "full reconcile" % INCR_CHANGED_TARGET)
    if incr.get("skipped"):
        return ["%s: %s: %s" % (prefix, text, incr["skipped"]) for text in (unchanged_text, changed_text)]
    out = []
    if "incr-unchanged" in figs:
        limit = figs["ansible"]["seconds"] + INCR_UNCHANGED_EXTRA_S
        seconds = figs["incr-unchanged"]["seconds"]
        out.append("%s: %s: %.2f s (limit %.2f s; mode 'unchanged' checked) -> %s"
                   % (prefix, unchanged_text, seconds, limit, _met(seconds <= limit)))
    if "incr-changed" in figs:
        ratio = figs["incr-changed"]["seconds"] / figs["noop"]["seconds"]
        modes = sorted(set("%s (%s)" % (m.get("mode"), m.get("reason")) if m else "none" for m in incr.get("changed", [])))
        out.append("%s: %s: %.2fx (incremental mode: %s; directory equal to the full reconcile's: asserted) -> %s"
                   % (prefix, changed_text, ratio, ", ".join(modes), _met(ratio <= INCR_CHANGED_TARGET)))
        if "incr-ldapmodify" in figs:
            floor = figs["incr-ldapmodify"]["seconds"]
            out.append("%s: the same writes by ldapmodify -c take %.2f s = %.2fx the full no-op (%d change records): "
                       "%s; incr-changed is %.2fx that floor"
                       % (prefix, floor, floor / figs["noop"]["seconds"], incr.get("floor_records", 0),
                          "the target is below the directory's own time for the writes" if floor / figs["noop"]["seconds"]
                          > INCR_CHANGED_TARGET else "the target is above it", figs["incr-changed"]["seconds"] / floor))
    return out


def verdicts(all_results):
    out = []
    for res in all_results:
        figs, n = res["figures"], res["n"]
        prefix = "N=%d: issue 17" % n
        out += _ratio_verdicts(prefix, figs, TARGETS)
        out += incremental_verdicts(prefix, res)
        ours = [(f["peak_rss_mib"], name) for name, f in figs.items() if not name.startswith("peer") and name not in FLOORS]
        peak, which = max(ours)
        out.append("%s: peak RSS <= %d MiB (at 100k): %.0f MiB (%s) -> %s"
                   % (prefix, MEMORY_TARGET_MIB, peak, which, _met(peak <= MEMORY_TARGET_MIB)))
        if "collect" in figs:
            seconds = figs["collect"]["seconds"]
            out.append("%s: collect into the encrypted vault <= %.0f s (at 100k): %.2f s -> %s"
                       % (prefix, COLLECT_TARGET_S, seconds, _met(seconds <= COLLECT_TARGET_S)))
        if res.get("ldapmodify_difference"):
            out.append("%s: NOTE the ldapmodify floor's directory differs from the movers run's: %s"
                       % (prefix, res["ldapmodify_difference"]))
        prefix = "N=%d: earlier (issue 7)" % n
        out += _ratio_verdicts(prefix, figs, EARLIER_TARGETS)
        for name, peer in sorted(PEER_OF.items()):
            if peer in figs:
                faster = figs[peer]["seconds"] / figs[name]["seconds"]
                out.append("%s: %s >= %.0fx faster than the per-user loop (at 1k): %.0fx -> %s"
                           % (prefix, name, PEER_TARGET, faster, _met(faster >= PEER_TARGET)))
        out.append("%s: peak RSS <= %d MiB (at 100k): %.0f MiB (%s) -> %s"
                   % (prefix, EARLIER_MEMORY_TARGET_MIB, peak, which, _met(peak <= EARLIER_MEMORY_TARGET_MIB)))
        fixed = figs["ansible"]["seconds"]
        out.append("N=%d: without Ansible's fixed cost (%.2f s): first %.2fx the ldap3 adds and %.2fx ldapadd, no-op %.2fx "
                   "the ldap3 read and %.2fx ldapsearch"
                   % (n, fixed, (figs["first"]["seconds"] - fixed) / figs["ldap3-add"]["seconds"],
                      (figs["first"]["seconds"] - fixed) / figs["ldapadd"]["seconds"],
                      (figs["noop"]["seconds"] - fixed) / figs["ldap3-read"]["seconds"],
                      (figs["noop"]["seconds"] - fixed) / figs["ldapsearch"]["seconds"]))
    return out


def write_markdown(path, report):
    lines = ["# Provision benchmark, %s" % report["date"], "", "Command: `%s`" % report["command"], "",
             "Machine: %(cpu_model)s, %(nproc)s CPUs, %(memory_mib)s MiB RAM; Python %(python)s, ansible-core "
             "%(ansible_core)s; kernel %(kernel)s." % report["machine"],
             "Code: commit %s%s. Data: bench/generate.py seed %d, today %s. Directory: throwaway slapd "
             "(tests/support/slapd.py, mdb with dbnosync%s), plain ldap:// on 127.0.0.1."
             % (report["machine"].get("git_commit"), " (with uncommitted changes)" if report["machine"].get("git_dirty")
                else "", report["seed"], report["today"],
                ", the syncprov overlay (a replicating server: contextCSN)" if report.get("syncprov") else
                ", no syncprov (no contextCSN)"),
             "", "Median of %d runs (check0, movers-rerun, incr-full: one run; the peer: %d), each a fresh process; "
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
        incr = res.get("incremental") or {}
        lines.append("- N=%d: the ldapmodify floor's directory %s the movers run's (normalised dumps); incremental: %s"
                     % (res["n"], "equals" if res.get("ldapmodify_same_as_movers") else "DIFFERS from",
                        incr.get("skipped") or "%d persons changed in HR, %d accounts by hand; modes: unchanged %s, changed "
                        "%s; the incr-changed directory equals the full reconcile's (%d entries)"
                        % (incr.get("hr_changed", 0), incr.get("hand_changed", 0), incr.get("unchanged"), incr.get("changed"),
                           incr.get("entries_compared", 0))))
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
    parser.add_argument("--no-syncprov", action="store_true",
                        help="a slapd without the syncprov overlay (no contextCSN: the incremental no-op lists the DNs)")
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
    directory = Directory(os.path.join(args.work, "slapd"), syncprov=not args.no_syncprov)
    try:
        all_results = [bench_size(n, args, env, password_file, directory) for n in sizes]
    finally:
        directory.stop()
    date = datetime.date.today().isoformat()
    report = {"date": date, "peer_runs": args.peer_runs, "command": " ".join(["bench/provision_bench.py"] + (argv if argv is not None else sys.argv[1:])),
              "machine": facts, "seed": args.seed, "today": args.today, "runs": args.runs, "results": all_results,
              "syncprov": not args.no_syncprov}
    report["verdicts"] = verdicts(all_results)
    cb.publish(report, HEADER, table_rows(all_results), [13, 7, 8, 13, 12, 10, 6, 10, 7, 12], args.results,
               "provision-%s-%s" % (date, "-".join(str(n) for n in sizes)), write_markdown)
    try:  # the growth curve over every size in the results folder (bench/plot.py)
        import plot  # pylint: disable=import-outside-toplevel
        say("wrote %s" % plot.plot(args.results))
    except ImportError as exc:
        say("no growth curve: %s (matplotlib is in requirements-dev.txt)" % exc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
