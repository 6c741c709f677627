# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SCIM benchmark: jml.provisioning.scim_accounts against a real scim2-server, with its floor.

    .venv/bin/python bench/scim_bench.py [--sizes 1000,10000] [--runs 3]

For each size N: N synthetic persons (ten departments, a manager each, one rule per department
granting a group) in a plain vault, a throwaway scim2-server over TLS (tests/support/scim_server.py,
in memory), and these measured as whole fresh processes (median of ``--runs`` where repeatable):

  first       ansible-playbook of one scim_accounts task on an empty server: every POST (in
              /Bulk requests of the server's maxOperations) and every group membership (one run)
  noop        the same again, nothing to do (changed=0 and GET requests only, checked)
  check       the same with --check, nothing to do
  floor       the same requests a no-op sends (discovery, the pages of /Users with the same
              attributes, the groups by displayName filter), sent by a bare httpx2 client in a
              fresh Python: what a no-op must cost at least
  ansible     ansible-playbook of bench/noop.yml: Ansible's fixed cost

The server's own time (the seconds its WSGI application spent on the run's requests, from the
request log) is reported next to ``noop`` and ``floor``: on this in-memory server it is most of
both. Results: a table on stdout, ``bench/results/scim-<date>-<sizes>.{json,md}``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH_DIR)
sys.path.insert(0, os.path.join(os.path.dirname(BENCH_DIR), "tests", "support"))

import collect_bench as cb  # noqa: E402  pylint: disable=wrong-import-position
from scim_server import running_scim  # noqa: E402  pylint: disable=wrong-import-position

ROOT = cb.ROOT
TODAY = datetime.date(2026, 12, 1)
DEPARTMENTS = 10
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
FLOOR = r'''
import json, ssl, sys, time
import httpx2
url, token, ca, attributes, page, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), json.loads(sys.argv[6])
start = time.perf_counter()
http = httpx2.Client(base_url=url, verify=ssl.create_default_context(cafile=ca),
                     headers={"Authorization": "Bearer " + token, "Accept": "application/scim+json"})
for path in ("/ServiceProviderConfig", "/ResourceTypes", "/Schemas"):
    http.get(path).json()
index, users = 1, 0
while True:
    body = http.get("/Users", params={"startIndex": index, "count": page, "attributes": attributes}).json()
    resources = body.get("Resources") or []
    users += len(resources)
    index += len(resources)
    if not resources or index > body["totalResults"]:
        break
for chunk in range(0, len(names), 10):
    expression = " or ".join('displayName eq "%s"' % n for n in names[chunk:chunk + 10])
    http.get("/Groups", params={"startIndex": 1, "count": page, "filter": expression,
                                "attributes": "displayName,members,meta.version"}).json()
print(json.dumps({"users": users, "seconds": time.perf_counter() - start}))
'''


def persons(n):
    out = {}
    for i in range(n):
        pid = "P%06d" % i
        department = "D%02d" % (i % DEPARTMENTS)
        manager = "P%06d" % (i % DEPARTMENTS) if i >= DEPARTMENTS else None
        out[pid] = {"id": pid, "source": "bench", "manager": manager,
                    "name": {"given": "Given%d" % i, "family": "Family%d" % i, "display": "Given%d Family%d" % (i, i)},
                    "email": "user%d@example.test" % i,
                    "contracts": [{"id": pid + "-1", "start": "2020-01-01", "end": None, "title": "Title %d" % (i % 50),
                                   "department": {"code": department, "name": "Department " + department}}]}
    return out


def task(scim, vault, page_size):
    return {
        "vault": vault, "encrypt": False, "reference_date": TODAY.isoformat(),
        "connection": {"base_url": scim.url, "auth": {"type": "bearer", "token": scim.token}, "ca_file": scim.ca_file,
                       "page_size": page_size},
        "username": {"candidates": ["'user' ~ person.id[1:]"]},
        "attributes": {"name.givenName": "person.name.given", "name.familyName": "person.name.family",
                       "displayName": "person.name.display", 'emails[type eq "work"].value': "person.email",
                       "title": "contract.title", ENTERPRISE + ":department": "contract.department.name",
                       ENTERPRISE + ":manager.value": "manager_dn"},
        "rules": [{"name": "dept-%02d" % d, "when": "contract.department.code == 'D%02d'" % d,
                   "groups": ["Department D%02d" % d]} for d in range(DEPARTMENTS)],
        "groups": {"create_missing": True},
        "thresholds": {},
        "max_actions": 10,
    }


def write_play(path, args):
    import yaml  # pylint: disable=import-outside-toplevel
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": [
            {"name": "reconcile", "jml.provisioning.scim_accounts": args, "register": "r"},
            {"name": "requests", "ansible.builtin.debug": {"msg": "REQUESTS {{ r.requests.requests | to_json }}"}}]}], handle)


def requests_of(log_path):
    with open(log_path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if "REQUESTS " in line:
                return json.loads(line.split("REQUESTS ", 1)[1].strip().rstrip("'\""))
    return None


def server_seconds(scim):
    return sum(r.get("seconds") or 0 for r in scim.requests())


def bench_size(n, args, env, work):
    os.makedirs(work, exist_ok=True)
    vault = os.path.join(work, "vault.json")
    with open(vault, "w", encoding="utf-8") as handle:
        json.dump({"format": "jml.provisioning/vault/v1", "collected_at": "2026-12-01T00:00:00Z", "sources": [],
                   "persons": persons(n)}, handle)
    runs = {"first": [], "noop": [], "check": [], "floor": [], "ansible": []}
    server = {"noop": [], "floor": []}
    with running_scim(log_requests=True, workdir=os.path.join(work, "server")) as scim:
        play = os.path.join(work, "scim.yml")
        write_play(play, task(scim, vault, args.page_size))
        command = ["ansible-playbook", "-i", cb.INVENTORY, play]
        first = cb.measure(command, env, os.path.join(work, "first.log"), sample=False)
        assert first["rc"] == 0, open(first["log"]).read()[-3000:]
        runs["first"].append(first)
        attributes = None
        for dummy in range(args.runs):
            scim.clear_requests()
            noop = cb.measure(command, env, os.path.join(work, "noop.log"), sample=False)
            recap = cb.recap(noop["log"])
            sent = requests_of(noop["log"])
            assert noop["rc"] == 0 and recap and recap["changed"] == 0 and set(sent) == {"GET"}, (recap, sent)
            noop["requests"] = sent
            server["noop"].append(server_seconds(scim))
            attributes = attributes or next(r["query"] for r in scim.requests() if r["path"].endswith("/Users")
                                            and "attributes=" in r["query"])
            runs["noop"].append(noop)
            check = cb.measure(command + ["--check"], env, os.path.join(work, "check.log"), sample=False)
            assert check["rc"] == 0
            runs["check"].append(check)
            scim.clear_requests()
            floor_args = [sys.executable, "-c", FLOOR, scim.url, scim.token, scim.ca_file,
                          _query_value(attributes, "attributes"), str(_page(attributes)),
                          json.dumps(["Department D%02d" % d for d in range(DEPARTMENTS)])]
            floor = cb.measure(floor_args, env, os.path.join(work, "floor.log"), sample=False)
            assert floor["rc"] == 0, open(floor["log"]).read()[-2000:]
            server["floor"].append(server_seconds(scim))
            runs["floor"].append(floor)
            runs["ansible"].append(cb.measure(["ansible-playbook", "-i", cb.INVENTORY, "bench/noop.yml"], env,
                                              os.path.join(work, "ansible.log"), sample=False))
    return runs, server


def _query_value(query, name):
    import urllib.parse  # pylint: disable=import-outside-toplevel
    return urllib.parse.parse_qs(query)[name][0]


def _page(query):
    return int(_query_value(query, "count"))


def summarise(n, runs, server):
    median = dict((name, statistics.median(r["seconds"] for r in values)) for name, values in runs.items() if values)
    cpu = dict((name, statistics.median(r["cpu_seconds"] for r in values)) for name, values in runs.items() if values)
    return {"persons": n, "seconds": median, "cpu_seconds": cpu,
            "server_seconds": dict((k, statistics.median(v)) for k, v in server.items() if v),
            "noop_requests": runs["noop"][0].get("requests") if runs["noop"] else None,
            "noop_vs_floor": median["noop"] / median["floor"],
            "noop_without_ansible_vs_floor": max(median["noop"] - median["ansible"], 0.001) / median["floor"],
            "check_vs_noop": median["check"] / median["noop"]}


def markdown(report):
    lines = ["# SCIM target benchmark, %s" % report["date"], "",
             "Machine: %s. scim2-server %s in memory over TLS on 127.0.0.1; medians of %d runs "
             "(first: one run)." % (report["machine"], report["server_version"], report["runs"]), "",
             "| persons | first | noop | check | floor | ansible | noop / floor | (noop - ansible) / floor "
             "| server in noop | server in floor | noop requests |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for size in report["sizes"]:
        s = size["seconds"]
        lines.append("| {:,} | {:.1f} s | {:.2f} s | {:.2f} s | {:.2f} s | {:.2f} s | {:.2f}x | {:.2f}x | {:.2f} s | {:.2f} s | {} |".format(
            size["persons"], s["first"], s["noop"], s["check"], s["floor"], s["ansible"], size["noop_vs_floor"],
            size["noop_without_ansible_vs_floor"], size["server_seconds"].get("noop", 0),
            size["server_seconds"].get("floor", 0), json.dumps(size["noop_requests"])))
    lines += ["", "Target: the no-op within 1.5x the floor (the same requests from a bare httpx2 client)."]
    for size in report["sizes"]:
        verdict = "met" if size["noop_vs_floor"] <= 1.5 else "NOT met"
        lines.append("- %s persons: noop %.2fx the floor (%.2fx without Ansible's fixed cost): %s" % (
            "{:,}".format(size["persons"]), size["noop_vs_floor"], size["noop_without_ansible_vs_floor"], verdict))
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--work", default=os.path.join(ROOT, ".build", "bench", "scim"))
    parser.add_argument("--results", default=os.path.join(ROOT, "bench", "results"))
    args = parser.parse_args(argv)
    env = cb.ansible_env(args.work)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    from importlib.metadata import version  # pylint: disable=import-outside-toplevel
    report = {"date": datetime.date.today().isoformat(), "machine": "%d cores" % os.cpu_count(), "runs": args.runs,
              "server_version": version("scim2-server"), "sizes": []}
    for n in sizes:
        runs, server = bench_size(n, args, env, os.path.join(args.work, "n%d" % n))
        size = summarise(n, runs, server)
        report["sizes"].append(size)
        print(json.dumps(size), flush=True)
    stem = "scim-%s-%s" % (report["date"], "-".join(str(n) for n in sizes))
    os.makedirs(args.results, exist_ok=True)
    with open(os.path.join(args.results, stem + ".json"), "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1)
    text = markdown(report)
    with open(os.path.join(args.results, stem + ".md"), "w", encoding="utf-8") as handle:
        handle.write(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
