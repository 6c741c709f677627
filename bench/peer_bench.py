# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The per-user Ansible peer of the provision benchmark: a loop of community.general LDAP tasks.

    .venv/bin/python bench/peer_bench.py [--persons 1000] [--runs 1]
    .venv/bin/python bench/peer_bench.py --entries .build/bench/provision/hr-1000-seed1/entries.json

The peer is ``bench/peer/provision_loop.yml``: on localhost, ``community.general.ldap_entry``
(objectClass + attributes, state present) then ``community.general.ldap_attrs`` (state exact) for
every account, then ``ldap_entry`` and ``ldap_attrs`` (member, state present) for every group: the
way an admin writes it without this collection. It runs with its own virtualenv
(``bench/peer_setup.sh`` -> ``.build/bench/peer-venv``: the PyPI ``ansible`` package, which
bundles community.general, and python-ldap), never the project's ``.venv``.

Figures, each a whole fresh ``ansible-playbook`` process (wall time around the child, peak RSS =
``ru_maxrss`` from ``os.wait4``, measured with bench/collect_bench.py's ``measure``):

  peer-first  the playbook on an empty directory (slapd restarted empty before each run);
              afterwards the directory must hold exactly the entries (checked)
  peer-noop   the same again on the provisioned directory: must report changed=0 (checked)

The entries are the ones the collection creates: a dump of the provisioned directory in
bench/provision_bench.py's format (JSON ``[[dn, {attr: [values]}], ...]``: accounts with their lock
attribute, then groups with their members; its ``dump_entries``). Without ``--entries`` the CLI
makes that dump as provision_bench.py does (generate, collect, ``playbooks/provision.yml`` on a
throwaway slapd, timed once as a reference) and then measures the peer on the same data.

For bench/provision_bench.py: ``measure_peer(entries_json_path, directory, ...)``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH_DIR)
sys.path.insert(0, os.path.join(os.path.dirname(BENCH_DIR), "tests", "support"))

import collect_bench as cb  # noqa: E402  pylint: disable=wrong-import-position

ROOT = cb.ROOT
PEER_VENV = os.path.join(cb.WORK, "peer-venv")
PEER_WORK = os.path.join(cb.WORK, "peer")
SETUP_SCRIPT = os.path.join(BENCH_DIR, "peer_setup.sh")
PLAYBOOK = "bench/peer/provision_loop.yml"
LOCK_ATTRIBUTE = "pwdAccountLockedTime"

VERSIONS = r"""
import importlib.util, json, os, ldap, ansible.release
from importlib.metadata import version
spec = importlib.util.find_spec("ansible_collections.community.general")
with open(os.path.join(spec.submodule_search_locations[0], "MANIFEST.json"), encoding="utf-8") as handle:
    general = json.load(handle)["collection_info"]["version"]
print(json.dumps({"ansible": version("ansible"), "ansible_core": ansible.release.__version__,
                  "community_general": general, "python_ldap": ldap.__version__}))
"""


def say(text):
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


# ------------------------------------------------------------------------------------------
# The peer's virtualenv and environment


def ensure_peer_venv(venv=PEER_VENV):
    """Create the peer virtualenv with bench/peer_setup.sh unless its marker says it is ready; its bin dir."""
    env = dict(os.environ, PEER_VENV=venv)
    proc = subprocess.run(["bash", SETUP_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError("bench/peer_setup.sh failed (rc %d):\n%s" % (proc.returncode, (proc.stderr or proc.stdout)[-3000:]))
    say(proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "peer venv ready")
    return os.path.join(venv, "bin")


def peer_env(work=PEER_WORK, venv=PEER_VENV, pipelining=False):
    """collect_bench's Ansible environment, with the peer's virtualenv and its own state inside ``work``."""
    env = cb.ansible_env(work)
    bin_dir = os.path.join(venv, "bin")
    env["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    env["VIRTUAL_ENV"] = venv
    home = os.path.join(work, "ansible-home")
    env["ANSIBLE_HOME"] = home
    env["ANSIBLE_LOCAL_TEMP"] = os.path.join(home, "tmp")
    env["ANSIBLE_REMOTE_TEMP"] = os.path.join(home, "tmp")
    # community.general comes with the `ansible` package (site-packages, found on sys.path); nothing else.
    env["ANSIBLE_COLLECTIONS_PATH"] = os.path.join(work, "collections")
    env["PYTHONPYCACHEPREFIX"] = os.path.join(work, "pycache")
    # libldap in the modules: ignore ~/.ldaprc and /etc/ldap/ldap.conf, as the benchmark's ldap tools do.
    env["LDAPNOINIT"] = "1"
    if pipelining:
        env["ANSIBLE_PIPELINING"] = "1"
    else:
        env.pop("ANSIBLE_PIPELINING", None)
    for path in (os.path.join(home, "tmp"), env["ANSIBLE_COLLECTIONS_PATH"]):
        os.makedirs(path, exist_ok=True)
    return env


def peer_versions(env, venv=PEER_VENV):
    proc = subprocess.run([os.path.join(venv, "bin", "python"), "-c", VERSIONS], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


# ------------------------------------------------------------------------------------------
# Entries -> the playbook's vars, and the check of the result


def is_group(attrs):
    return any(oc.lower() == "groupofnames" for oc in attrs.get("objectClass", ()))


def containers(entries):
    """The ``ou=`` parents of the entries and their ``ou=`` ancestors, parents first: ``[{dn, ou}]``."""
    found = {}
    for dn, dummy in entries:
        parent = dn.split(",", 1)[1] if "," in dn else ""
        while parent and parent.split("=", 1)[0].strip().lower() == "ou":
            found[parent.lower()] = parent
            parent = parent.split(",", 1)[1] if "," in parent else ""
    ordered = sorted(found.values(), key=lambda d: (d.count(","), d.lower()))
    return [{"dn": d, "ou": d.split(",", 1)[0].split("=", 1)[1].strip()} for d in ordered]


def peer_vars(entries):
    """``{peer_containers, peer_accounts, peer_groups}`` of provision_loop.yml from ``[[dn, {attr: [values]}], ...]``."""
    accounts, groups = [], []
    for dn, attrs in entries:
        item = {"dn": dn, "objectClass": list(attrs["objectClass"]),
                "attributes": dict((k, list(v)) for k, v in attrs.items() if k.lower() != "objectclass")}
        if is_group(attrs):
            item["members"] = list(attrs.get("member", ()))
            groups.append(item)
        else:
            accounts.append(item)
    return {"peer_containers": containers(entries), "peer_accounts": accounts, "peer_groups": groups}


def _write_private_json(path, document):
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False)


def _normalised(attrs):
    return dict((k.lower(), sorted(v)) for k, v in attrs.items() if v)


def directory_diff(entries, uri, bind_dn, bind_pw):
    """Differences between the directory under the entries' parent DNs and the entries; [] when equal."""
    import ldap3  # pylint: disable=import-outside-toplevel
    want = dict((dn.lower(), _normalised(attrs)) for dn, attrs in entries)
    parents = sorted(set(dn.split(",", 1)[1] for dn, dummy in entries))
    conn = ldap3.Connection(ldap3.Server(uri), bind_dn, bind_pw, auto_bind=True)
    have = {}
    try:
        for base in parents:
            for entry in conn.extend.standard.paged_search(base, "(objectClass=*)", search_scope=ldap3.LEVEL,
                                                           attributes=["*", LOCK_ATTRIBUTE], paged_size=500,
                                                           generator=True):
                if entry.get("type") == "searchResEntry":
                    have[entry["dn"].lower()] = _normalised(dict(
                        (k, [v.decode("utf-8") for v in vals]) for k, vals in entry["raw_attributes"].items()))
    finally:
        conn.unbind()
    problems = ["missing %s" % dn for dn in want if dn not in have]
    problems += ["unexpected %s" % dn for dn, attrs in have.items()
                 if dn not in want and "organizationalunit" not in [oc.lower() for oc in attrs.get("objectclass", ())]]
    for dn, attrs in want.items():
        if dn in have and have[dn] != attrs:
            keys = sorted(k for k in set(attrs) | set(have[dn]) if attrs.get(k) != have[dn].get(k))
            problems.append("%s differs in %s" % (dn, ", ".join(keys)))
    return problems


# ------------------------------------------------------------------------------------------
# Measuring


def _summary(runs, accounts, persons):
    tasks = {}
    for r in runs:
        for entry in r.get("tasks") or ():
            tasks.setdefault(entry["task"], []).append(entry["seconds"])
    secs = [r["seconds"] for r in runs]
    rss = [r["peak_rss_mib"] for r in runs]
    out = {"runs": len(runs), "seconds": statistics.median(secs), "seconds_min": min(secs), "seconds_max": max(secs),
           "peak_rss_mib": statistics.median(rss), "all_seconds": [round(s, 3) for s in secs],
           "all_peak_rss_mib": [round(m, 1) for m in rss], "recaps": [r.get("recap") for r in runs],
           "ms_per_account": statistics.median(secs) / accounts * 1000.0 if accounts else None}
    if persons:
        out["ms_per_person"] = statistics.median(secs) / persons * 1000.0
    if tasks:
        out["tasks"] = dict((task, statistics.median(v)) for task, v in tasks.items())
    return out


def _server(directory, bind_dn, bind_pw):
    """(fresh() -> (uri, bind_dn, bind_pw)) or None, and the fixed (uri, bind_dn, bind_pw) or None."""
    if hasattr(directory, "fresh") and callable(directory.fresh):
        directory = directory.fresh
    if callable(directory):
        def fresh():
            state = directory()
            return state.ldap_uri, bind_dn or state.bind_dn, bind_pw if bind_pw is not None else state.bind_password
        return fresh, None
    if hasattr(directory, "ldap_uri"):
        return None, (directory.ldap_uri, bind_dn or directory.bind_dn,
                      bind_pw if bind_pw is not None else directory.bind_password)
    if isinstance(directory, str):
        if not bind_dn or bind_pw is None:
            raise ValueError("measure_peer: an URI needs bind_dn and bind_pw")
        return None, (directory, bind_dn, bind_pw)
    raise TypeError("measure_peer: directory must be an object with fresh(), a callable returning a slapd "
                    "instance, a slapd instance or an ldap:// URI, not %r" % (directory,))


def measure_peer(entries_json_path, directory, bind_dn=None, bind_pw=None, runs=1, *, persons=None,
                 work=PEER_WORK, venv=PEER_VENV, pipelining=False, verify=True, warmup=True, setup=True,
                 task_times=False):
    """Measure the per-user peer on the entries of ``entries_json_path``; ``{"peer-first", "peer-noop", "details"}``.

    ``directory``: what to provision into.
      - an object with ``fresh()`` (bench/provision_bench.py's ``Directory``) or a callable returning a
        ``tests/support/slapd.py`` instance: restarted empty before each of ``runs`` first runs;
      - a slapd instance (``ldap_uri``, ``bind_dn``, ``bind_password``) or an ``ldap://`` URI (then
        ``bind_dn`` and ``bind_pw`` are required): used as it is, it must not hold the entries yet;
        ``peer-first`` is measured once.
    ``bind_dn``/``bind_pw`` override the instance's. ``runs``: first runs (with a restartable
    directory) and no-op runs; the medians are reported. ``persons``: adds ``ms_per_person``.
    ``task_times``: each task's duration (the whole loop) via bench/callback_plugins, as ``tasks``.
    Afterwards the directory holds the peer's result (a restartable one was restarted: a new URI
    and password, see ``details["ldap_uri"]``).

    Each figure: ``runs``, ``seconds`` (median), ``seconds_min``, ``seconds_max``, ``peak_rss_mib``
    (median), ``all_seconds``, ``all_peak_rss_mib``, ``recaps`` ([{ok, changed, failed}]),
    ``ms_per_account`` and, with ``persons``, ``ms_per_person`` -- the keys of provision_bench's
    ``summarise`` and a few more. Raises RuntimeError when a run fails, a first run reports no
    change or leaves a directory that differs from the entries, or a no-op run reports a change.
    """
    if runs < 1:
        raise ValueError("measure_peer: runs must be at least 1")
    fresh, fixed = _server(directory, bind_dn, bind_pw)
    if setup:
        ensure_peer_venv(venv)
    with open(entries_json_path, encoding="utf-8") as handle:
        entries = json.load(handle)
    variables = peer_vars(entries)
    accounts, groups = len(variables["peer_accounts"]), len(variables["peer_groups"])
    members = sum(len(g["members"]) for g in variables["peer_groups"])
    os.makedirs(work, exist_ok=True)
    logs = os.path.join(work, "logs")
    os.makedirs(logs, exist_ok=True)
    env = peer_env(work, venv, pipelining)
    if task_times:
        env["ANSIBLE_CALLBACK_PLUGINS"] = os.path.join(BENCH_DIR, "callback_plugins")
        env["ANSIBLE_CALLBACKS_ENABLED"] = "bench_task_times"
    vars_file = os.path.join(work, "peer-vars.json")
    _write_private_json(vars_file, variables)
    connection_file = os.path.join(work, "peer-connection.json")
    playbook = os.path.join(venv, "bin", "ansible-playbook")
    cmd = [playbook, "-i", cb.INVENTORY, PLAYBOOK, "-e", "@" + vars_file, "-e", "@" + connection_file]
    if warmup:  # byte-code caches of the peer's Ansible, not measured
        cb.measure([playbook, "-i", cb.INVENTORY, "bench/noop.yml"], env, os.path.join(logs, "peer-warmup.log"), sample=False)

    def run(name, want_changed):
        result = cb.measure(cmd, env, os.path.join(logs, "%s.log" % name), sample=False,
                            task_times=os.path.join(logs, "%s.tasks.jsonl" % name) if task_times else None)
        counts = cb.recap(result["log"])
        result["recap"] = counts
        if result["rc"] != 0 or counts is None or counts["failed"] or (counts["changed"] > 0) != want_changed:
            with open(result["log"], encoding="utf-8", errors="replace") as handle:
                tail = handle.read()[-3000:]
            raise RuntimeError("%s: rc %d, recap %s, expected changed%s; log %s:\n%s"
                               % (name, result["rc"], counts, ">0" if want_changed else "=0", result["log"], tail))
        say("peer %-10s %8.2f s  %7.1f MiB rss  %s" % (name, result["seconds"], result["peak_rss_mib"], counts))
        return result

    def connect(server):
        uri, dn, password = server
        _write_private_json(connection_file, {"peer_ldap_uri": uri, "peer_ldap_bind_dn": dn, "peer_ldap_bind_pw": password})

    first, noop, checks = [], [], []
    server = fixed
    for dummy in range(runs if fresh else 1):
        if fresh:
            server = fresh()
        elif sum(1 for p in directory_diff(entries, *server) if p.startswith("missing ")) != len(entries):
            raise RuntimeError("measure_peer: %s is not empty under the entries' parents" % server[0])
        connect(server)
        first.append(run("peer-first", True))
        if verify:
            problems = directory_diff(entries, *server)
            if problems:
                raise RuntimeError("peer-first left %d differences, e.g. %s" % (len(problems), "; ".join(problems[:5])))
            checks.append("after peer-first: the directory equals the %d entries" % len(entries))
    for dummy in range(runs):
        noop.append(run("peer-noop", False))
    details = {"accounts": accounts, "groups": groups, "members": members, "entries": len(entries),
               "persons": persons, "entries_file": os.path.relpath(os.path.abspath(entries_json_path), ROOT),
               "ldap_uri": server[0], "restarted": bool(fresh), "pipelining": pipelining,
               "command": " ".join([os.path.relpath(playbook, ROOT)] + cmd[1:]), "versions": peer_versions(env, venv),
               "checks": checks, "logs": os.path.relpath(logs, ROOT)}
    return {"peer-first": _summary(first, accounts, persons), "peer-noop": _summary(noop, accounts, persons),
            "details": details}


# ------------------------------------------------------------------------------------------
# The CLI: the entries as provision_bench.py makes them, then the peer


def provisioned_entries(n, args, work):
    """Generate, collect and provision N persons as provision_bench.py does; (entries.json, our runs, directory)."""
    import provision_bench as pb  # pylint: disable=import-outside-toplevel
    env = cb.ansible_env(cb.WORK)
    subprocess.run(["make", "-s", "collection"], cwd=ROOT, env=env, check=True)
    password_file = os.path.join(cb.WORK, "vault-pass")
    if not os.path.exists(password_file):
        with open(os.open(password_file, os.O_WRONLY | os.O_CREAT, 0o600), "w", encoding="utf-8") as handle:
            handle.write("bench-%s\n" % os.urandom(12).hex())
    data_dir, dummy, generated_in = cb.ensure_data(n, args.seed, args.today, work, env)
    if generated_in is not None:
        say("generated %d persons in %.2f s -> %s" % (n, generated_in, data_dir))
    logs = os.path.join(data_dir, "logs")
    os.makedirs(logs, exist_ok=True)
    vault = os.path.join(data_dir, "vault.json")
    if os.path.exists(vault):
        os.unlink(vault)
    pb.collect(cb.write_vars(data_dir, vault), env, password_file, os.path.join(logs, "collect.log"))
    # As provision_bench.py's bench_size: the generated rules file, accounts in one OU per division.
    rules = os.path.join(data_dir, "rules.yml")
    directory = pb.Directory(os.path.join(work, "slapd"))
    directory.extra_ldif = pb.division_ous(data_dir)
    state = directory.fresh()
    inventory = os.path.join(data_dir, "inventory.json")
    pb.write_inventory(inventory, state, vault, rules, args.today)
    playbook = ["ansible-playbook", "-i", inventory, "playbooks/provision.yml", "--vault-password-file", password_file]
    cb.measure(["ansible-playbook", "-i", cb.INVENTORY, "bench/noop.yml"], env, os.path.join(logs, "warmup.log"),
               sample=False)
    ours = {"first": pb.checked("first", n, cb.measure(playbook, env, os.path.join(logs, "first.log"), sample=False), True),
            "noop": pb.checked("noop", n, cb.measure(playbook, env, os.path.join(logs, "noop.log"), sample=False), False)}
    entries_path = os.path.join(data_dir, "entries.json")
    pb.dump_entries(state, entries_path)
    return entries_path, ours, directory, os.path.join(data_dir, "peer")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--persons", type=int, default=1000, help="persons to generate and provision (default 1000); "
                        "with --entries only for the ms/person column")
    parser.add_argument("--entries", help="a dump in provision_bench.py's entries.json format instead of provisioning")
    parser.add_argument("--runs", type=int, default=1, help="runs of each figure; the median is reported (default 1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", default=datetime.date.today().isoformat(), help="reference date (default today)")
    parser.add_argument("--work", default=PEER_WORK, help="data, vault, slapd, logs (default .build/bench/peer)")
    parser.add_argument("--pipelining", action="store_true", help="ANSIBLE_PIPELINING=1 for the peer (default: off, "
                        "as in the repository's ansible.cfg)")
    parser.add_argument("--task-times", action="store_true", help="each task's duration (bench/callback_plugins)")
    parser.add_argument("--json", help="also write the result as JSON to this file")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    args.work = os.path.abspath(args.work)
    os.makedirs(args.work, exist_ok=True)
    ensure_peer_venv()
    say("throwaway slapd: tests/support/slapd.py, mdb with dbnosync (no fsync), restarted empty before each first run")
    ours = {}
    if args.entries:
        import provision_bench as pb  # pylint: disable=import-outside-toplevel
        entries_path, peer_work = os.path.abspath(args.entries), os.path.join(args.work, "entries")
        directory = pb.Directory(os.path.join(args.work, "slapd"))
    else:
        entries_path, ours, directory, peer_work = provisioned_entries(args.persons, args, args.work)
    try:
        result = measure_peer(entries_path, directory, runs=args.runs, persons=args.persons, work=peer_work,
                              pipelining=args.pipelining, setup=False, task_times=args.task_times)
    finally:
        directory.stop()
    result["ours"] = dict((name, {"seconds": r["seconds"], "peak_rss_mib": r["peak_rss_mib"]}) for name, r in ours.items())
    d = result["details"]
    print()
    print("per-user peer: %s persons -> %d accounts, %d groups (%d memberships); %s" % (
        args.persons, d["accounts"], d["groups"], d["members"],
        ", ".join("%s %s" % (k, v) for k, v in d["versions"].items())))
    widths = [11, 9, 10, 13, 11, 12, 13]
    print(cb.fmt_row(["figure", "seconds", "min-max", "ms/person", "ms/account", "peak RSS MiB", "x ours"], widths))
    for name, base in (("peer-first", "first"), ("peer-noop", "noop")):
        f = result[name]
        ratio = "%.0f" % (f["seconds"] / ours[base]["seconds"]) if base in ours else ""
        print(cb.fmt_row([name, "%.2f" % f["seconds"], "%.2f-%.2f" % (f["seconds_min"], f["seconds_max"]),
                          "%.1f" % f["ms_per_person"], "%.1f" % f["ms_per_account"], "%.0f" % f["peak_rss_mib"], ratio],
                         widths))
    for name, r in ours.items():
        print(cb.fmt_row(["ours " + name, "%.2f" % r["seconds"], "", "%.2f" % (r["seconds"] / args.persons * 1000.0), "",
                          "%.0f" % r["peak_rss_mib"], ""], widths))
    for name in ("peer-first", "peer-noop"):
        for task, seconds in (result[name].get("tasks") or {}).items():
            print("  %-10s %8.2f s  %s" % (name, seconds, task))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=1, ensure_ascii=False)
            handle.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
