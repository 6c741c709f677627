# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where a provision run's time goes: the action plugin's steps timed one by one in one process.

    .venv/bin/python bench/provision_phases.py --size 10000 [--profile FILE] [--repeat 3]

Needs a ``provision_bench.py`` run of that size first (its data, vault, rules and the dumped
entries). A throwaway slapd is loaded with the dumped entries (ldapadd), then the steps of
``ldap_accounts`` run in this process: argument validation and configuration, vault read,
connect, reading the accounts, reading the groups, planning, for a no-op run (nothing to do).
``--profile`` writes cProfile statistics of the read and plan steps.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime
import json
import os
import resource
import subprocess
import sys
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH_DIR)
sys.path.insert(0, os.path.join(os.path.dirname(BENCH_DIR), "tests", "support"))

import collect_bench as cb  # noqa: E402  pylint: disable=wrong-import-position
import provision_bench as pb  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, os.path.join(cb.BUILD, "collections"))


def options_for(host_vars, vault):
    """``ldap_accounts`` options from the benchmark's inventory host, as the role passes them."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator  # pylint: disable=import-outside-toplevel
    from ansible_collections.jml.provisioning.plugins.module_utils.options import LDAP_ACCOUNTS_SPEC  # noqa
    params = {"vault": vault, "connection": {"server_uri": host_vars["jml_ldap_server_uri"],
                                             "bind_dn": host_vars["jml_ldap_bind_dn"],
                                             "bind_password": host_vars["jml_ldap_bind_password"]},
              "search_base": host_vars["jml_ldap_search_base"], "accounts_dn": host_vars["jml_ldap_accounts_dn"],
              "container": host_vars["jml_ldap_container"], "username": host_vars["jml_ldap_username"],
              "attributes": host_vars["jml_ldap_attributes"], "lifecycle": host_vars["jml_ldap_lifecycle"],
              "disable": host_vars["jml_ldap_disable"], "rules_file": host_vars["jml_ldap_rules_file"],
              "groups": host_vars["jml_ldap_groups"], "reference_date": host_vars["jml_ldap_reference_date"]}
    result = ArgumentSpecValidator(LDAP_ACCOUNTS_SPEC).validate(params)
    if result.error_messages:
        raise SystemExit("options: %s" % result.error_messages)
    return result.validated_parameters


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", default=os.path.join(cb.WORK, "provision"))
    parser.add_argument("--repeat", type=int, default=1, help="time the read and plan steps this many times")
    parser.add_argument("--profile", help="write cProfile stats of read + plan here")
    parser.add_argument("--show", type=int, default=0, help="print the first N planned operations")
    parser.add_argument("--apply-first", action="store_true",
                        help="apply the plan once first (not timed), so the timed runs are a true no-op")
    parser.add_argument("--gc", action="store_true",
                        help="keep the cyclic collector on (the action pauses it for the bulk step: bulk.paused_gc)")
    args = parser.parse_args(argv)
    data_dir = os.path.join(os.path.abspath(args.work), "hr-%d-seed%d" % (args.size, args.seed))
    with open(os.path.join(data_dir, "inventory.json"), encoding="utf-8") as handle:
        host = json.load(handle)["all"]["children"]["ldap_targets"]["hosts"][pb.HOST]
    directory = pb.Directory(os.path.join(os.path.abspath(args.work), "slapd-phases"))
    directory.extra_ldif = pb.division_ous(data_dir)
    state = directory.fresh()
    try:
        started = time.perf_counter()
        subprocess.run(["ldapadd", "-x", "-H", state.ldap_uri, "-D", state.bind_dn, "-y", directory.password_file(),
                        "-f", os.path.join(data_dir, "entries.ldif")], check=True, stdout=subprocess.DEVNULL,
                       env=dict(os.environ, LDAPNOINIT="1"))
        print("loaded the entries with ldapadd in %.2f s" % (time.perf_counter() - started))
        host.update(jml_ldap_server_uri=state.ldap_uri, jml_ldap_bind_dn=state.bind_dn,
                    jml_ldap_bind_password=state.bind_password)
        from ansible_collections.jml.provisioning.plugins.plugin_utils.bulk import paused_gc  # noqa: E501 pylint: disable=import-outside-toplevel
        with contextlib.nullcontext() if args.gc else paused_gc():  # as the action runs its bulk step
            run_phases(args, host, os.path.join(data_dir, "vault.json"))
    finally:
        directory.stop()
    return 0


def run_phases(args, host, vault_path):
    # pylint: disable=import-outside-toplevel
    from ansible.parsing.vault import VaultSecret
    from ansible_collections.jml.provisioning.plugins.plugin_utils.target_action import load_rules
    from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap.adapter import LdapTarget
    from ansible_collections.jml.provisioning.plugins.module_utils.provision import plan as planlib
    from ansible_collections.jml.provisioning.plugins.module_utils.provision import rules as ruleslib
    from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap.config import build_target_config
    from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import directory as ldaptarget
    from ansible_collections.jml.provisioning.plugins.plugin_utils import vault_file

    def step(name, func):
        started, cpu = time.perf_counter(), time.process_time()
        value = func()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print("%-28s %7.3f s  (cpu %.3f s, peak RSS %d MiB)"
              % (name, time.perf_counter() - started, time.process_time() - cpu, peak))
        return value

    options = step("options", lambda: options_for(host, vault_path))
    options["loaded_rules"] = load_rules(options["rules_file"])
    config = step("configuration", lambda: build_target_config(options))
    with open(os.path.join(cb.WORK, "vault-pass"), "rb") as handle:
        secret = VaultSecret(handle.read().strip())
    vault = step("vault read", lambda: vault_file.read(vault_path, [("default", secret)]))
    today = datetime.date.fromisoformat(options["reference_date"])
    conn = step("connect", lambda: ldaptarget.connect(**options["connection"]))
    target = LdapTarget(conn, options, config)
    if args.apply_first:
        accounts = target.read_accounts()
        groups = target.read_groups(ruleslib.managed_groups(config.rules))
        plan = planlib.build(vault["persons"], accounts, config, today, taken_names=target.taken_names(), groups=groups)
        done, failed = step("apply %d operations" % len(plan.operations), lambda: target.apply(plan.operations))
        print("  applied %d, %d failed" % (len(done), len(failed)))
    profiler = cProfile.Profile() if args.profile else None
    for dummy in range(args.repeat):
        if profiler:
            profiler.enable()
        accounts = step("read accounts", target.read_accounts)
        groups = step("read groups", lambda: target.read_groups(ruleslib.managed_groups(config.rules)))
        plan = step("plan", lambda: planlib.build(vault["persons"], accounts, config, today,
                                                  taken_names=planlib.NAMES_UNKNOWN, groups=groups))
        if plan.names_needed:  # as reconcile does: the names in one look-up, then plan again
            taken = step("taken names", target.taken_names)
            plan = step("plan again", lambda: planlib.build(vault["persons"], accounts, config, today,
                                                            taken_names=taken, groups=groups))
        if profiler:
            profiler.disable()
        print("  %d accounts, %d groups, %d operations, %d unchanged"
              % (len(accounts), len(groups), len(plan.operations), plan.unchanged))
        if args.show:
            for op in plan.operations[:args.show]:
                print("    %s" % json.dumps(op.as_dict(), ensure_ascii=False)[:300])
    conn.unbind()
    if profiler:
        profiler.dump_stats(args.profile)
        print("profile written to %s" % args.profile)


if __name__ == "__main__":
    sys.exit(main())
