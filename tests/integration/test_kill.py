"""A run killed at any moment leaves a state the next run converges from: a provisioning and a
collect are killed (SIGKILL of ansible-playbook and every process under it) at several points, run again, and the
result is compared with an uninterrupted reference - the directory by an independent ldap3 dump,
the vault by its persons."""

import os
import signal
import subprocess
import sys
import time

import ldap3
import pytest
import yaml

import slapd
from ansible_collections.jml.provisioning.plugins.module_utils.audit import trail
from ansible_collections.jml.provisioning.plugins.plugin_utils import audit_log, vault_file
from jml_workspace import ACME_TOKEN, ROOT, Workspace

PERSONS = 3000
# Killed once this share of the accounts is written: early, half way and late in the apply.
KILL_AT = (0.1, 0.5, 0.9)


@pytest.fixture(scope="module")
def hr(tmp_path_factory):
    out = tmp_path_factory.mktemp("hr-3000")
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--persons", str(PERSONS), "--out",
                    str(out)], check=True, stdout=subprocess.DEVNULL)
    return out


def _workspace(path, directory, hr):
    path.mkdir()
    ws = Workspace(path, directory, None, ACME_TOKEN)
    sources = yaml.safe_load((hr / "mapping.yml").read_text())["jml_sources"]
    ws.set_vars(jml_sources=sources, jml_collect_merge={}, jml_collect_thresholds={}, jml_ldap_thresholds={},
                jml_ldap_rules_file=str(hr / "rules.yml"), jml_ldap_lifecycle={"pre_provision_days": 14},
                jml_ldap_max_actions=4 * PERSONS)  # every action listed: the creates' order picks the kill points
    return ws


def dump(directory):
    """Every entry under the suffix, as an independent ldap3 read sees it (operational attributes out)."""
    conn = ldap3.Connection(ldap3.Server(directory.ldap_uri, get_info=ldap3.NONE), directory.bind_dn,
                            directory.bind_password, auto_bind=True)
    entries = conn.extend.standard.paged_search(directory.base_dn, "(objectClass=*)", attributes=["*", "memberOf"],
                                                paged_size=1000, generator=False)
    found = {}
    for entry in entries:
        if entry.get("type") == "searchResEntry":
            found[entry["dn"].lower()] = dict((k.lower(), sorted(str(v).lower() for v in vals))
                                              for k, vals in entry["attributes"].items() if vals)
    conn.unbind()
    return found


def _count(directory):
    conn = ldap3.Connection(ldap3.Server(directory.ldap_uri, get_info=ldap3.NONE), directory.bind_dn,
                            directory.bind_password, auto_bind=True)
    found = conn.extend.standard.paged_search(directory.people_dn, "(objectClass=inetOrgPerson)",
                                              attributes=["1.1"], paged_size=1000, generator=False)
    conn.unbind()
    return len(found)


def creates(plan):
    """The DNs the run creates, in the order it writes them (the plan lists them in apply order)."""
    return [action["dn"] for action in plan["actions"] if action["action"] == "create"]


def _descendants(pid):
    """Every live process under ``pid`` (by parent pid, from /proc)."""
    children = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/%s/stat" % name) as handle:
                    stat = handle.read()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.append(child)
            todo.append(child)
    return found


def kill_run(proc):
    """SIGKILL ``ansible-playbook`` and every process under it, as a power cut would.

    Its process group is not enough: ansible-core's workers call ``setsid()``, so the worker that
    runs the action plugin (and writes to the directory or the vault) lives in a session of its
    own and survived ``killpg``, finishing the run the test meant to cut short. Every process is
    stopped first, so none forks or finishes while the tree is walked."""
    tree = [proc.pid] + _descendants(proc.pid)
    for pid in tree:
        _signal(pid, signal.SIGSTOP)
    for pid in tree + _descendants(proc.pid):
        _signal(pid, signal.SIGKILL)


def _signal(pid, signum):
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _kill_once(proc, ready, timeout):
    """SIGKILL the run (``kill_run``) as soon as ``ready()`` is true, or when ``timeout`` seconds
    passed; a run that ended by itself is left as it is. Whether ``ready()`` came true."""
    deadline, came = time.monotonic() + timeout, False
    while proc.poll() is None and time.monotonic() < deadline and not came:
        came = bool(ready())
    if proc.poll() is None:
        kill_run(proc)
    proc.communicate()
    return came


def _killed_when(proc, directory, dn, timeout=120):
    """SIGKILL the run as soon as ``dn`` exists.

    The probe is one base search on an open connection, about a millisecond: counting the accounts
    instead took long enough on a busy machine for the run to finish all its creates in between."""
    conn = ldap3.Connection(ldap3.Server(directory.ldap_uri, get_info=ldap3.NONE), directory.bind_dn,
                            directory.bind_password, auto_bind=True)
    try:
        _kill_once(proc, lambda: conn.search(dn, "(objectClass=*)", search_scope=ldap3.BASE, attributes=["1.1"]),
                   timeout)
    finally:
        conn.unbind()


def test_a_provisioning_killed_at_any_point_converges_to_the_uninterrupted_result(hr, tmp_path):
    with slapd.running_slapd(str(tmp_path / "reference-slapd")) as reference:
        ws = _workspace(tmp_path / "reference", reference, hr)
        assert ws.play("collect.yml").rc == 0
        first = ws.play("provision.yml")
        assert first.rc == 0
        expected = dump(reference)
        order = creates(first.plan)
    assert len(expected) > 2000
    mid_apply = 0
    for share in KILL_AT:
        with slapd.running_slapd(str(tmp_path / ("slapd-%s" % share))) as directory:
            ws = _workspace(tmp_path / ("run-%s" % share), directory, hr)
            assert ws.play("collect.yml").rc == 0
            empty = len(dump(directory))
            proc, dummy = ws.start("provision.yml")
            # The same data gives the same plan, whose creates go in the same order as the reference's.
            _killed_when(proc, directory, order[int(len(order) * share)])
            written = len(dump(directory)) - empty
            mid_apply += 0 < written < len(expected) - empty
            run = ws.play("provision.yml")
            assert run.rc == 0, run
            assert dump(directory) == expected, "killed at %d%% of the creates: the next run must converge" % (
                share * 100)
            assert ws.play("provision.yml").plan["changed"] is False
    assert mid_apply >= 1, "at least one kill must land in the middle of the writes"


def _killed_on_file(proc, folder, prefix, timeout=60):
    """SIGKILL the run as soon as a file named ``prefix...`` shows in ``folder``; whether one did."""
    return _kill_once(proc, lambda: any(name.startswith(prefix) for name in os.listdir(folder)), timeout)


def test_a_collect_killed_at_any_point_leaves_the_old_vault_or_the_new_one_and_converges(hr, tmp_path):
    reference = _workspace(tmp_path / "reference", None, hr)
    started = time.monotonic()
    assert reference.play("collect.yml").rc == 0
    took = time.monotonic() - started
    expected = reference.vault_document()["persons"]
    # Killed while the new vault's temporary file is being written, then at two points of a run
    # as long as the reference's (reading the export, or Ansible's own start).
    kept_old = 0
    for when in ("writing", 0.5, 0.8):
        ws = _workspace(tmp_path / ("run-%s" % when), None, hr)
        # An older vault first (a tenth of the persons gone), so a kill can leave either.
        persons = hr / "persons.csv"
        full = persons.read_bytes()
        persons.write_bytes(b"".join(full.splitlines(True)[:int(PERSONS * 0.9)]))
        assert ws.play("collect.yml").rc == 0
        old = ws.vault.read_bytes()
        persons.write_bytes(full)
        proc, dummy = ws.start("collect.yml")
        if when == "writing":
            assert _killed_on_file(proc, ws.path, vault_file.TEMP_PREFIX), "the collect wrote no temporary file"
        else:
            _kill_once(proc, lambda: False, took * when)  # at that point of the run, whatever it does
        now = ws.vault.read_bytes()
        assert now == old or sorted(ws.vault_document()["persons"]) == sorted(expected), \
            "killed at %s: the vault is the old one or the whole new one, never half" % when
        kept_old += now == old
        run = ws.play("collect.yml")
        assert run.rc == 0, run
        assert ws.vault_document()["persons"] == expected
        leftovers = [n for n in os.listdir(ws.path) if n.startswith((".vault-", ".jml-"))]
        assert leftovers == [], leftovers
    assert kept_old >= 1, "at least one kill must land before the new vault replaced the old one"


def _incremental_history(ws, hr, directory_has_base):
    """Half the persons provisioned (a full run, then one that records the state), then the whole
    export collected: the next run is an incremental cycle that creates the other half."""
    persons = hr / "persons.csv"
    full = persons.read_bytes()
    try:
        persons.write_bytes(b"".join(full.splitlines(True)[:PERSONS // 2]))
        assert ws.play("collect.yml").rc == 0
    finally:
        persons.write_bytes(full)
    ws.set_vars(jml_ldap_incremental={"enabled": True})
    assert ws.play("provision.yml").rc == 0
    assert ws.play("provision.yml").plan["incremental"]["mode"] in ("incremental", "unchanged")
    assert ws.play("collect.yml").rc == 0
    directory_has_base.append(_count(ws.directory))


def test_an_incremental_cycle_killed_mid_write_converges_and_is_never_skipped(hr, tmp_path):
    """The state is written after the writes: a killed cycle leaves the previous state, whose mark
    the writes it made invalidate, so the next run is a cycle (never 'unchanged') that finishes
    the work, and the directory equals an uninterrupted history's."""
    counts = []
    with slapd.running_slapd(str(tmp_path / "reference-slapd")) as reference:
        ws = _workspace(tmp_path / "reference", reference, hr)
        ws.directory = reference
        _incremental_history(ws, hr, counts)
        cycle = ws.play("provision.yml")
        assert cycle.plan["incremental"]["mode"] == "incremental" and cycle.plan["summary"]["create"] > 100
        expected = dump(reference)
        joiners = cycle.plan["summary"]["create"]
        # Early in the creates, not half way: on a busy 2-core machine the rest of a half (about
        # 700 pipelined adds, a fifth of a second) was written between the probe and the kill.
        early = creates(cycle.plan)[joiners // 20]
    with slapd.running_slapd(str(tmp_path / "slapd-killed")) as directory:
        ws = _workspace(tmp_path / "killed", directory, hr)
        ws.directory = directory
        _incremental_history(ws, hr, counts)
        proc, dummy = ws.start("provision.yml")
        _killed_when(proc, directory, early)
        written = _count(directory) - counts[-1]
        assert 0 < written < joiners, "killed in the middle of the cycle's creates (%d of %d)" % (written, joiners)
        run = ws.play("provision.yml")
        assert run.rc == 0, run
        assert run.plan["incremental"]["mode"] == "incremental", run.plan["incremental"]
        assert dump(directory) == expected
        assert ws.play("provision.yml").plan["changed"] is False
        assert ws.play("provision.yml").plan["incremental"]["mode"] == "unchanged"


def _trail(folder):
    """Every whole entry of the audit files in ``folder``, as the audit lookup reads them."""
    return list(audit_log.read(str(folder), trail.Query()))


def test_a_provisioning_killed_during_its_writes_leaves_every_operation_in_the_audit_trail(hr, tmp_path):
    """Before its first write a run writes the journal of its pending entries; killed during the
    writes, it leaves it, and the next run records it (outcome unknown): every account the killed
    run created is in the trail, and nothing is recorded twice."""
    with slapd.running_slapd(str(tmp_path / "slapd")) as directory:
        ws = _workspace(tmp_path / "ws", directory, hr)
        assert ws.play("collect.yml").rc == 0
        check = ws.play("provision.yml", check=True)
        assert check.plan["actions_truncated"] == 0
        order = creates(check.plan)
        audit = ws.vault.parent / "audit"
        proc, dummy = ws.start("provision.yml")
        _killed_when(proc, directory, order[len(order) // 20])
        journals = [name for name in os.listdir(audit) if name.startswith(trail.PENDING_PREFIX)]
        assert len(journals) == 1, os.listdir(audit)
        killed_id = journals[0][len(trail.PENDING_PREFIX) + 17:-len(trail.SUFFIX)]
        created = set(dn.lower() for dn in order) & set(dump(directory))
        assert 0 < len(created) < len(order), "killed during the creates"
        assert not [e for e in _trail(audit) if e["run_id"] == killed_id], "the killed run recorded nothing itself"

        planned = len(check.plan["actions"])
        run = ws.play("provision.yml")
        assert run.rc == 0, run
        assert run.plan["audit"]["recovered"] == planned
        recovered = [e for e in _trail(audit) if e["run_id"] == killed_id]
        assert len(recovered) == planned
        assert set(e["outcome"] for e in recovered) == {"unknown"}
        assert set(e["error"] for e in recovered) == {trail.CUT_SHORT}
        assert created <= set(e["dn"].lower() for e in recovered if e["operation"] == "create")
        own_id = run.plan["run_id"]  # (Run.plan reads the file each time)
        own = [e for e in _trail(audit) if e["run_id"] == own_id]
        assert set(e["dn"].lower() for e in own if e["operation"] == "create") == set(
            dn.lower() for dn in order) - created, "the next run creates the rest, and records those"
        assert [name for name in os.listdir(audit) if name.startswith(trail.PENDING_PREFIX)] == []

        again = ws.play("provision.yml")
        assert again.plan["changed"] is False and again.plan["audit"]["recovered"] == 0
        assert len(_trail(audit)) == len(recovered) + len(own)
