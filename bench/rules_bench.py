#!/usr/bin/env python
"""Rule evaluation at scale: N persons x 100 rules over 50 groups, in one process.

Measures the engine alone (lifecycle state, primary contract, every rule's condition), the part
of a check-mode run that rules add. The rules are bench/generate.py's (the rules file of
provision_bench.py): a quarter plain equality on the department, a quarter `in` lists of job
titles, a quarter equality combined with another test, a quarter an equality with a string
method, every tenth on any active contract.

    .venv/bin/python bench/rules_bench.py --persons 100000
"""

import argparse
import datetime
import os
import random
import sys
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH_DIR)
sys.path.insert(0, os.path.join(ROOT, ".build", "collections"))
sys.path.insert(0, BENCH_DIR)

from generate import rules_document  # noqa: E402  the rules file provision_bench.py uses

from ansible_collections.jml.provisioning.plugins.module_utils.provision import lifecycle  # noqa: E402
from ansible_collections.jml.provisioning.plugins.module_utils.provision import rules  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    departments = ["D%05d" % i for i in range(50)]
    titles = ["T%02d" % i for i in range(20)]
    compiled = rules.compile_rules(rules_document(departments, titles)["rules"], "ou=groups,dc=example,dc=test")
    today = datetime.date(2026, 6, 1)
    persons = [{"id": str(n), "source": "hr", "contracts": [
        {"id": "%d-1" % n, "start": "2020-01-01", "end": None, "type": rng.choice(("Internal", "Internal", "External")),
         "department": {"code": rng.choice(departments)}, "title": {"code": rng.choice(titles)}}]}
        for n in range(args.persons)]
    policy = lifecycle.Policy()
    started, cpu = time.perf_counter(), time.process_time()
    grants = 0
    for person in persons:
        status = lifecycle.evaluate(person, today, policy)
        granted = rules.entitlements(compiled, rules.rules_scope(person, status, {}, today.isoformat()), today)
        grants += len(granted.groups)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print("%d persons x %d rules (%d indexed by guard): %.2f s (cpu %.2f s), %.2f us per rule evaluation, %d memberships"
          % (len(persons), len(compiled), len(compiled) - len(compiled.unguarded), seconds, cpu,
             seconds / max(len(persons), 1) / len(compiled) * 1e6, grants))


if __name__ == "__main__":
    main()
