"""Incremental cycles on a directory that replicates: a real slapd with the syncprov overlay keeps
the suffix's contextCSN, the stamp of its newest write. A run with nothing written since the last
one proves it in one read (the reason names contextCSN); after any write - one nobody manages,
one by hand, the run's own - the three reads decide, and a run they find unchanged keeps the new
stamp for the next. Whatever was written, the plan is the plain run's (random change sets too),
and check mode never keeps a stamp."""

import random

import ldap3
import pytest
import slapd

from jml_workspace import ACME_TOKEN, Workspace, read_people
from test_incremental_openldap import (converged, hand_changes, hr_changes, plan_of, provision,
                                       restored_from_before_the_base, same_result)

BASE = "dc=example,dc=test"


@pytest.fixture(params=[True], ids=["overlays"])
def ws(request, tmp_path, hr_api):
    """syncprov with memberof/refint; ``parametrize("ws", [..., False], indirect=True)`` adds a
    replicating server without them (the stamp does not depend on them: measured, not assumed)."""
    with slapd.running_slapd(str(tmp_path / "slapd"), overlays=request.param, syncprov=True) as instance:
        instance.overlays = request.param
        (tmp_path / "work").mkdir()
        space = Workspace(tmp_path / "work", instance, hr_api, ACME_TOKEN)
        space.directory = instance
        yield space


def told(run):
    """How an unchanged run knew: 'stamp' (one read of contextCSN), 'reads' (the three reads)."""
    incremental = run.plan["incremental"]
    assert incremental["mode"] == "unchanged", incremental
    if incremental["reason"]:
        assert "contextCSN" in incremental["reason"] and BASE in incremental["reason"], incremental
        return "stamp"
    return "reads"


def write_nobody_manages(directory, name="printers"):
    """An entry outside what the run reads (a new OU beside people and groups): the suffix's
    contextCSN moves on, the accounts and groups do not."""
    conn = ldap3.Connection(ldap3.Server(directory.ldap_uri, get_info=ldap3.NONE), directory.bind_dn,
                            directory.bind_password, auto_bind=True)
    assert conn.add("ou=%s,%s" % (name, BASE), ["organizationalUnit"], {"ou": name}), conn.result
    conn.unbind()


@pytest.mark.parametrize("ws", [True, False], ids=["overlays", "no-overlays"], indirect=True)
def test_nothing_written_since_the_last_run_is_proven_by_the_suffix_stamp(ws):
    full = converged(ws)
    before = read_people(ws.directory)
    check = provision(ws, check=True)
    assert told(check) == "stamp"
    run = provision(ws)
    assert told(run) == "stamp"
    same_result(run, full)
    same_result(check, full)
    assert run.plan["changed"] is False and run.plan["actions"] == []
    assert read_people(ws.directory) == before


def test_a_write_nobody_manages_is_checked_the_long_way_once_and_check_mode_keeps_nothing(ws):
    converged(ws)
    assert told(provision(ws)) == "stamp"
    write_nobody_manages(ws.directory)
    assert told(provision(ws, check=True)) == "reads"
    assert told(provision(ws, check=True)) == "reads", "check mode never writes the state"
    assert told(provision(ws)) == "reads"
    assert told(provision(ws)) == "stamp", "the run that proved it kept the new stamp"


@pytest.mark.parametrize("ws", [True, False], ids=["overlays", "no-overlays"], indirect=True)
@pytest.mark.parametrize("kind", ["attribute", "membership", "delete", "add", "rename", "group"])
def test_a_change_by_hand_is_never_hidden_by_an_older_stamp(ws, kind):
    converged(ws)
    assert told(provision(ws)) == "stamp"
    hand_changes(ws.directory, [kind], random.Random(kind))
    with_state = provision(ws, check=True)
    plain = provision(ws, check=True, incremental={})
    assert with_state.plan["incremental"]["mode"] != "unchanged" or not plain.plan["actions"], kind
    if with_state.plan["incremental"]["mode"] != "unchanged":
        assert plan_of(with_state) == plan_of(plain), kind
    for dummy in range(3):  # the cycle writes, the next checks its writes, then it keeps still
        run = provision(ws)
        if run.plan["incremental"]["mode"] == "unchanged":
            break
    assert told(provision(ws)) == "stamp"


@pytest.mark.parametrize("seed", range(3))
def test_randomised_changes_never_skip_a_run_that_has_work(ws, seed):
    """Property: a run the stamp or the reads skip is one a full reconcile would plan nothing for."""
    rng = random.Random(seed)
    converged(ws)
    kinds = ["attribute", "membership", "delete", "add", "rename", "group", "hr", "unmanaged", None]
    for round_ in range(3):
        chosen = [k for k in rng.sample(kinds, rng.randrange(1, 3)) if k]
        if "hr" in chosen:
            hr_changes(ws, rng)
        if "unmanaged" in chosen:
            write_nobody_manages(ws.directory, "printers%d" % round_)
        hand_changes(ws.directory, [k for k in chosen if k not in ("hr", "unmanaged")], rng)
        with_state = provision(ws, check=True)
        plain = provision(ws, check=True, incremental={})
        if with_state.plan["incremental"]["mode"] == "unchanged":
            assert not plain.plan["actions"], (chosen, plain.plan["summary"])
        else:
            assert plan_of(with_state) == plan_of(plain), chosen
        provision(ws)
        provision(ws)


@pytest.mark.parametrize("ws", [True, False], ids=["overlays", "no-overlays"], indirect=True)
def test_a_restored_database_is_told_by_its_older_context_csn(ws):
    """The restored database's contextCSN is older than the one the last run kept: the run says
    so (and a full reconcile gives the plain run's plan)."""
    check = restored_from_before_the_base(ws)
    assert "contextCSN" in check.plan["incremental"]["reason"], check.plan["incremental"]
