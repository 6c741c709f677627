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
STAMP = "nothing was written to this domain controller since the last run (highestCommittedUSN)"
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
    # The controller's highestCommittedUSN proves it in one read while nothing at all is written;
    # a write nobody manages moves it on: the three reads decide, then the new stamp does.
    assert skipped.plan["incremental"]["reason"] == STAMP, skipped.plan["incremental"]
    conn = ad.connect()
    assert conn.modify(ad.base_dn, {"description": [(ldap3.MODIFY_REPLACE, ["written by nobody we know"])]}), conn.result
    conn.unbind()
    after_write = provision(ws)
    assert after_write.plan["incremental"] == dict(skipped.plan["incremental"], reason=""), after_write.plan["incremental"]
    assert provision(ws).plan["incremental"]["reason"] == STAMP

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


def test_a_cycle_on_messy_ad_keeps_exchanges_addresses_and_names_a_namesake_apart(collect_workspace, fresh_ad):
    """What a real domain holds that no rule of the collection made: Exchange's secondary and X500
    addresses on a managed account (co-owned proxyAddresses: never removed), a namesake joiner
    whose display name is an existing account's CN (the next free CN and login, though that
    account is not planned), an account moved out of the managed OU, a contact that takes a
    joiner's CN. Each cycle plans what a run without the option plans; the run is its check."""
    from test_incremental_openldap import namesake
    ws, ad = collect_workspace, fresh_ad
    _point_at(ws, ad)
    assert ws.play("collect.yml").rc == 0
    provision(ws)
    assert not provision(ws).plan["actions"]
    assert provision(ws).plan["incremental"]["mode"] == "unchanged"

    accounts = managed(ad)
    conn = ad.connect()
    dn = accounts["AmirA"][0]
    foreign = ["smtp:amir.alias@example.test", "X500:/o=Exchange/ou=First/cn=Recipients/cn=amira"]
    assert conn.modify(dn, {"proxyAddresses": [(ldap3.MODIFY_ADD, foreign)]}), conn.result
    moved = accounts[sorted(accounts)[5]][0]
    assert conn.modify_dn(moved, moved.split(",", 1)[0], new_superior=ad_tests.ELSEWHERE), conn.result
    conn.unbind()
    namesake(ws.hr, "AmirA", "AmirA2")
    assert ws.play("collect.yml").rc == 0

    check = provision(ws, check=True)
    assert check.plan["incremental"]["mode"] == "incremental", check.plan["incremental"]
    plain = provision(ws, check=True, incremental={})
    assert plan_of(check) == plan_of(plain)
    creates = [a for a in check.plan["actions"] if a["action"] == "create"]
    assert [a["person"] for a in creates] == ["AmirA2"]
    assert creates[0]["dn"].lower() != dn.lower()
    real = provision(ws)
    assert real.plan["actions"] == check.plan["actions"]
    assert not real.plan["failures"], real.plan["failures"]
    after = ad.connect()
    after.search(dn, "(objectClass=*)", search_scope=ldap3.BASE, attributes=["proxyAddresses"])
    kept = set(str(v) for v in after.entries[0]["proxyAddresses"].values)
    after.unbind()
    assert set(foreign) <= kept, kept
    again = provision(ws)
    assert again.plan["incremental"]["mode"] == "incremental" and not again.plan["actions"], again.plan["summary"]
    assert provision(ws).plan["incremental"]["mode"] == "unchanged"
    assert plan_of(provision(ws, check=True, incremental={}))["actions"] == []


def forge_server_stamp(ws, **server):
    """Rewrite the server stamp kept in the incremental state and base (as a run on another
    controller, or before a restore, would have left it), encrypted as the collection writes them."""
    from ansible.parsing.vault import VaultSecret
    from ansible_collections.jml.provisioning.plugins.module_utils.provision import incremental
    from ansible_collections.jml.provisioning.plugins.plugin_utils import sections_file, state_file
    secrets = [("default", VaultSecret(ws.vault_pass.read_bytes().strip()))]
    forged = 0
    for kind in ("state", "base"):
        path = state_file.path_of(str(ws.vault), kind)
        document = sections_file.read_document(path, incremental.FORMAT, kind, secrets, True, incremental.StateError)
        for target, section in document["targets"].items():
            assert section["mark"]["server"]["kind"] == "highestCommittedUSN", section["mark"]
            section["mark"]["server"].update(server)
            state_file.save(str(ws.vault), target, section, secrets, kind=kind)
            forged += 1
    assert forged == 2


def test_stamps_of_another_controller_or_from_before_a_restore_are_not_trusted(collect_workspace, fresh_ad):
    """uSNChanged is each controller's own counter: the mark of a run on another DC (a domain name
    that resolves to several) or on this one before a restore (a new invocationId) says nothing
    about what changed here, so the run is a full reconcile that says why, then cycles resume."""
    ws, ad = collect_workspace, fresh_ad
    _point_at(ws, ad)
    assert ws.play("collect.yml").rc == 0
    provision(ws)
    assert not provision(ws).plan["actions"]
    assert provision(ws).plan["incremental"]["reason"] == STAMP
    for server, says in (({"server": "CN=NTDS Settings,CN=DC2,CN=Servers,CN=Other-Site"}, "another domain controller"),
                         ({"invocation": "00000000-0000-0000-0000-000000000000"}, "invocationId changed")):
        forge_server_stamp(ws, **server)
        check = provision(ws, check=True)
        assert check.plan["incremental"]["mode"] == "full" and says in check.plan["incremental"]["reason"], \
            check.plan["incremental"]
        run = provision(ws)
        assert run.plan["incremental"] == check.plan["incremental"]
        assert not run.plan["actions"], run.plan["summary"]
        assert provision(ws).plan["incremental"]["reason"] == STAMP
