"""The identifier ledger (option ``ledger``) against a real slapd, on fixed dates: a deleted
leaver's login and mail address go to no namesake, the leaver gets them back when rehired, the
first run seeds the ledger from the accounts already there, check mode never writes it.

ACME's data (inventories/demo/hr/acme/employees.json): AC-1004 Jan Jansen worked 2021-05-01 ..
2022-04-30 and is rehired on 2024-05-01; AC-1005, another Jan Jansen, starts 2025-01-06."""

import json
import stat

import pytest

from jml_workspace import read_people

LEDGER = {"enabled": True}
DELETE = {"delete_after_days": 180, "delete_accounts": True}


def accounts(directory):
    return dict((attrs["employeenumber"][0], (dn, attrs)) for dn, attrs in read_people(directory).items())


def on(workspace, date, check=False, **variables):
    workspace.set_vars(jml_ldap_reference_date=date, **variables)
    run = workspace.play("provision.yml", check=check, diff=check)
    assert run.rc == 0, run
    return run


def planned(run, person):
    return [a["action"] for a in run.plan["actions"]
            if a["person"] == person and a["action"] not in ("grant", "revoke", "relink")]


def ledger_path(ws):
    return ws.path / "vault.json.ledger"


def ledger(ws):
    """The ledger decrypted independently with ansible-vault's own library: the vault's envelope and secret."""
    from ansible.parsing.vault import VaultLib, VaultSecret
    data = ledger_path(ws).read_bytes()
    assert data.startswith(b"$ANSIBLE_VAULT;1.1;AES256"), "the ledger is encrypted like the vault"
    assert stat.S_IMODE(ledger_path(ws).stat().st_mode) == 0o600
    secret = VaultSecret(ws.vault_pass.read_bytes().strip())
    document = json.loads(VaultLib([("default", secret)]).decrypt(data))
    assert document["format"] == "jml.provisioning/ledger/v1"
    [section] = document["targets"].values()
    return section["identifiers"]


@pytest.fixture
def collected(workspace):
    assert workspace.play("collect.yml").rc == 0
    workspace.set_vars(jml_ldap_ledger=LEDGER, jml_ldap_thresholds={"delete": {"count": 1}})
    return workspace


def test_a_deleted_leavers_login_and_mail_go_to_no_namesake_and_come_back_on_rehire(collected, directory):
    ws = collected
    on(ws, "2022-01-01", jml_ldap_lifecycle=DELETE)
    assert accounts(directory)["AC-1004"][0] == "uid=jan.jansen,ou=people,dc=example,dc=test"
    entry = ledger(ws)["uid|jan.jansen"]
    assert (entry["person"], entry["first_issued"], entry["released"]) == ("AC-1004", "2022-01-01", None)
    assert ledger(ws)["address|jan.jansen@example.test"]["person"] == "AC-1004"

    deleted = on(ws, "2023-12-01", jml_ldap_lifecycle=DELETE)
    assert planned(deleted, "AC-1004") == ["delete"] and "AC-1004" not in accounts(directory)
    assert deleted.plan["ledger"]["released"] == 2
    assert ledger(ws)["uid|jan.jansen"]["released"] == "2023-12-01"

    # A year on, the rehire not yet in view (left out by an exclude), a namesake joins:
    # jan.jansen is free in the directory, but the ledger keeps it (and the address) for AC-1004.
    away = dict(DELETE, exclude="person.id == 'AC-1004'")
    before = ledger_path(ws).read_bytes()
    check = on(ws, "2024-12-30", check=True, jml_ldap_lifecycle=away)
    [create] = [a for a in check.plan["actions"] if a["person"] == "AC-1005" and a["action"] == "create"]
    assert create["dn"] == "uid=jan.jansen2,ou=people,dc=example,dc=test"
    assert ledger_path(ws).read_bytes() == before, "check mode wrote the ledger"
    assert "AC-1005" not in accounts(directory)
    run = on(ws, "2024-12-30", jml_ldap_lifecycle=away)
    assert run.plan["actions"] == check.plan["actions"] and run.plan["ledger"] == check.plan["ledger"]
    dn, attrs = accounts(directory)["AC-1005"]
    assert dn == "uid=jan.jansen2,ou=people,dc=example,dc=test" and attrs["mail"] == ["jan.jansen2@example.test"]
    assert ledger(ws)["uid|jan.jansen2"]["person"] == "AC-1005"
    again = on(ws, "2024-12-30", jml_ldap_lifecycle=away)
    assert again.plan["changed"] is False and again.plan["ledger"]["recorded"] == 0

    # The rehire: their own login and address back, not the next free candidate.
    rehire = on(ws, "2025-01-06", jml_ldap_lifecycle=DELETE)
    assert planned(rehire, "AC-1004") == ["create"]
    dn, attrs = accounts(directory)["AC-1004"]
    assert dn == "uid=jan.jansen,ou=people,dc=example,dc=test" and attrs["mail"] == ["jan.jansen@example.test"]
    assert rehire.plan["ledger"]["restored"] == 2 and ledger(ws)["uid|jan.jansen"]["released"] is None
    assert on(ws, "2025-01-06", jml_ldap_lifecycle=DELETE).plan["changed"] is False


def test_without_the_ledger_the_namesake_gets_the_leavers_login(collected, directory):
    """The contrast: what the ledger prevents (the directory alone forgets a deleted account)."""
    ws = collected
    ws.set_vars(jml_ldap_ledger={})
    on(ws, "2022-01-01", jml_ldap_lifecycle=DELETE)
    on(ws, "2023-12-01", jml_ldap_lifecycle=DELETE)
    on(ws, "2024-12-30", jml_ldap_lifecycle=dict(DELETE, exclude="person.id == 'AC-1004'"))
    assert accounts(directory)["AC-1005"][0] == "uid=jan.jansen,ou=people,dc=example,dc=test"
    assert not ledger_path(ws).exists()


def test_the_first_run_seeds_the_ledger_from_the_accounts_already_there(collected, directory):
    ws = collected
    ws.set_vars(jml_ldap_ledger={})
    on(ws, "2026-11-26")  # accounts made before the ledger was turned on
    people = accounts(directory)
    ws.set_vars(jml_ldap_ledger=LEDGER)
    check = on(ws, "2026-11-26", check=True)
    assert not ledger_path(ws).exists(), "check mode wrote the ledger"
    assert check.plan["changed"] is False
    assert check.plan["ledger"]["recorded"] == 2 * len(people)  # uid and mail of each
    seed = on(ws, "2026-11-26")
    assert seed.plan["changed"] is False and seed.plan["ledger"] == check.plan["ledger"]
    identifiers = ledger(ws)
    for pid, (dn, attrs) in people.items():
        assert identifiers["uid|" + attrs["uid"][0].lower()]["person"] == pid
        assert identifiers["address|" + attrs["mail"][0].lower()]["person"] == pid
    second = on(ws, "2026-11-26")
    assert second.plan["ledger"]["recorded"] == 0 and second.plan["changed"] is False


def test_a_plain_ledger_beside_an_encrypted_vault_is_refused_and_nothing_is_written(collected, directory):
    ws = collected
    ledger_path(ws).write_text(json.dumps({"format": "jml.provisioning/ledger/v1", "targets": {}}))
    ws.set_vars(jml_ldap_reference_date="2026-11-26")
    run = ws.play("provision.yml")
    assert run.rc != 0 and "ledger" in run.text and "nothing was written" in run.text
    assert read_people(directory) == {}
