"""Incremental cycles against a real Samba AD DC (run under ``flock /tmp/jml-samba.lock``): the
change mark is ``uSNChanged``; after a converged run a run with nothing changed is skipped, and
after changes by hand (an attribute, a membership, a deleted account) and in HR a cycle plans only
the persons concerned with the same plan as a run without the option; check mode equals the run."""

import datetime

import ldap3

import test_ad_samba as ad_tests
from test_ad_samba import AD_VARS, _point_at, managed
from test_openldap_jml import _hr_change

pytestmark = ad_tests.pytestmark
fresh_ad = ad_tests.fresh_ad  # the session's DC, cleared before and after
ON = {"enabled": True}
STABLE = ("summary", "correlation", "rules", "thresholds", "failures", "actions")


def provision(ws, check=False, incremental=None):
    ws.set_vars(jml_ldap_incremental=ON if incremental is None else incremental)
    run = ws.play("provision.yml", "-e", AD_VARS, check=check)
    assert run.rc == 0, run.output[-3000:]
    return run


def plan_of(run):
    return dict((key, run.plan[key]) for key in STABLE)


def test_incremental_cycles_on_ad(collect_workspace, fresh_ad):
    ws, ad = collect_workspace, fresh_ad
    _point_at(ws, ad)
    assert ws.play("collect.yml").rc == 0
    assert provision(ws).plan["incremental"]["mode"] == "full"
    converged = provision(ws)
    assert not converged.plan["actions"], converged.plan["summary"]
    skipped = provision(ws)
    assert skipped.plan["incremental"]["mode"] == "unchanged", skipped.plan["incremental"]
    for key in ("summary", "correlation", "rules"):
        assert skipped.plan[key] == converged.plan[key], key

    accounts = managed(ad)
    conn = ad.connect()
    dn, attrs = accounts["AmirA"]
    assert conn.modify(dn, {"title": [(ldap3.MODIFY_REPLACE, ["Changed by hand"])]}), conn.result
    groups = attrs.get("memberOf") or []
    if groups:
        assert conn.modify(groups[0], {"member": [(ldap3.MODIFY_DELETE, [dn])]}), conn.result
    gone = sorted(accounts)[3]
    assert conn.delete(accounts[gone][0]), conn.result
    conn.unbind()
    _hr_change(ws.hr, datetime.date.today())  # a joiner, a mover, a leaver
    assert ws.play("collect.yml").rc == 0

    check = provision(ws, check=True)
    assert check.plan["incremental"]["mode"] == "incremental", check.plan["incremental"]
    plain = provision(ws, check=True, incremental={})
    assert plan_of(check) == plan_of(plain)
    wanted = set(a["person"] for a in plain.plan["actions"])
    assert {"AmirA", gone, "NoahV", "BethanyC", "SummerH"} <= wanted, wanted
    real = provision(ws)
    assert real.plan["actions"] == check.plan["actions"]
    again = provision(ws)
    assert again.plan["incremental"]["mode"] == "incremental" and not again.plan["actions"]
    assert provision(ws).plan["incremental"]["mode"] == "unchanged"
    assert plan_of(provision(ws, check=True, incremental={}))["actions"] == []
