"""Every lifecycle transition against a real slapd, on fixed dates (reference_date), in the
rhythm check mode -> real run -> re-run. ACME's data (inventories/demo/hr/acme/employees.json):
AC-1005 Jan Jansen starts 2025-01-06; AC-1004 Jan Jansen worked 2021-05-01..2022-04-30 and is
rehired on 2024-05-01; HelloID's FrancoisJ has a contract until 2049-06-28."""

import pytest

from jml_workspace import read_people

LOCKED = "000001010000Z"


def accounts(directory):
    return dict((attrs["employeenumber"][0], (dn, attrs)) for dn, attrs in read_people(directory).items())


def on(workspace, date, check=False, **variables):
    """Provision as if today were ``date``: check mode first when asked, returns the run."""
    workspace.set_vars(jml_ldap_reference_date=date, **variables)
    run = workspace.play("provision.yml", check=check, diff=check)
    assert run.rc == 0, run
    return run


def planned(run, person):
    """The account's lifecycle actions (group memberships from the demo's rules left out)."""
    return [a["action"] for a in run.plan["actions"]
            if a["person"] == person and a["action"] not in ("grant", "revoke", "relink")]


@pytest.fixture
def collected(workspace):
    assert workspace.play("collect.yml").rc == 0
    return workspace


def test_prehire_is_created_disabled_inside_the_window_and_enabled_on_the_start_day(collected, directory):
    ws = collected
    assert planned(on(ws, "2024-12-01"), "AC-1005") == []  # 36 days ahead: outside the 14-day window
    assert "AC-1005" not in accounts(directory)

    check = on(ws, "2024-12-30", check=True)  # 7 days ahead: a prehire
    assert planned(check, "AC-1005") == ["create"]
    assert "AC-1005" not in accounts(directory)
    run = on(ws, "2024-12-30")
    dn, attrs = accounts(directory)["AC-1005"]
    assert attrs["pwdaccountlockedtime"] == [LOCKED], "a prehire's account exists but is disabled"
    assert planned(on(ws, "2025-01-05"), "AC-1005") == []  # the day before: still a prehire, nothing to do

    run = on(ws, "2025-01-06")  # the start day
    assert planned(run, "AC-1005") == ["enable"]
    assert "pwdaccountlockedtime" not in accounts(directory)["AC-1005"][1]
    assert accounts(directory)["AC-1005"][0] == dn


def test_leaver_is_disabled_the_day_after_the_end_day_and_grace_keeps_it(collected, directory):
    ws = collected
    on(ws, "2049-06-28")
    assert "pwdaccountlockedtime" not in accounts(directory)["FrancoisJ"][1]  # the end day is a working day
    assert planned(on(ws, "2049-06-29", check=True, jml_ldap_lifecycle={"grace_days": 3}), "FrancoisJ") == []
    run = on(ws, "2049-06-29", jml_ldap_lifecycle={})
    assert planned(run, "FrancoisJ") == ["disable"]
    assert accounts(directory)["FrancoisJ"][1]["pwdaccountlockedtime"] == [LOCKED]
    assert planned(on(ws, "2049-06-29"), "FrancoisJ") == []


def test_rehire_after_disable_gets_the_same_account_back(collected, directory):
    ws = collected
    on(ws, "2022-01-01")
    dn, dummy = accounts(directory)["AC-1004"]
    # A leaver with an upcoming contract: disabled, attributes already from the upcoming contract.
    assert planned(on(ws, "2023-01-01"), "AC-1004") == ["disable", "update"]
    check = on(ws, "2024-05-01", check=True)
    assert planned(check, "AC-1004") == ["enable"]
    on(ws, "2024-05-01")
    after_dn, attrs = accounts(directory)["AC-1004"]
    assert after_dn == dn and "pwdaccountlockedtime" not in attrs
    assert attrs["title"] == ["Senior Operator"]
    assert len([a for a in accounts(directory) if a == "AC-1004"]) == 1


def test_delete_after_retention_and_rehire_after_delete(collected, directory):
    ws = collected
    ws.set_vars(jml_ldap_thresholds={"delete": {"count": 1}})  # the demo allows no deletes at all
    life = {"delete_after_days": 180, "delete_accounts": True}
    on(ws, "2022-01-01", jml_ldap_lifecycle=life)
    assert "disable" in planned(on(ws, "2022-06-01", jml_ldap_lifecycle=life), "AC-1004")
    assert planned(on(ws, "2023-12-01", jml_ldap_lifecycle=dict(life, delete_accounts=False)), "AC-1004") == []
    assert "AC-1004" in accounts(directory), "deletion off: the account is left alone"
    assert planned(on(ws, "2023-12-01", jml_ldap_lifecycle=life), "AC-1004") == ["delete"]
    assert "AC-1004" not in accounts(directory)
    assert planned(on(ws, "2024-05-01", jml_ldap_lifecycle=life), "AC-1004") == ["create"]
    assert "pwdaccountlockedtime" not in accounts(directory)["AC-1004"][1]


def test_future_reference_date_check_shows_who_joins_and_leaves_by_then(collected, directory):
    ws = collected
    on(ws, "2026-11-26")
    before = read_people(directory)
    what_if = on(ws, "2049-06-29", check=True)
    assert planned(what_if, "FrancoisJ") == ["disable"]
    assert what_if.plan["reference_date"] == "2049-06-29"
    assert read_people(directory) == before


def _add(directory, dn, **attributes):
    import ldap3
    conn = ldap3.Connection(ldap3.Server(directory.ldap_uri, get_info=ldap3.NONE), directory.bind_dn,
                            directory.bind_password, auto_bind=True)
    assert conn.add(dn, attributes=attributes), conn.result
    conn.unbind()


def test_usernames_are_unique_across_the_whole_directory_and_the_run(collected, directory):
    _add(directory, "ou=external,dc=example,dc=test", objectClass=["organizationalUnit"], ou="external")
    _add(directory, "uid=jan.jansen,ou=external,dc=example,dc=test", objectClass=["inetOrgPerson"],
         uid="jan.jansen", cn="Jan Jansen", sn="Jansen", mail="jan.jansen@example.test")
    on(collected, "2026-11-26")
    people = accounts(directory)
    # Two ACME Jan Jansens join in one run; jan.jansen is taken outside the managed OU.
    assert people["AC-1004"][0] == "uid=jan.jansen2,ou=people,dc=example,dc=test"
    assert people["AC-1005"][0] == "uid=jan.jansen3,ou=people,dc=example,dc=test"
    assert people["AC-1005"][1]["mail"] == ["jan.jansen3@example.test"]  # uid and mail kept in step
    assert people["AC-1001"][0] == "uid=lukasz.oster-strasse,ou=people,dc=example,dc=test"  # transliterated
    outside = read_people(directory, "ou=external,dc=example,dc=test")
    assert list(outside) == ["uid=jan.jansen,ou=external,dc=example,dc=test"]


def test_a_mover_changes_ou_through_the_container_expression(collected, directory):
    ws = collected
    _add(directory, "ou=administration,ou=people,dc=example,dc=test", objectClass=["organizationalUnit"],
         ou="administration")
    container = ("'ou=administration,ou=people,dc=example,dc=test' if contract.department.code == 'EN_ADM' "
                 "else 'ou=people,dc=example,dc=test'")
    on(ws, "2026-11-26", jml_ldap_container=container)
    contracts = ws.hr / "T4E_HelloID_Contracts.csv"
    contracts.write_text(contracts.read_text(encoding="utf-8-sig").replace(
        "BethanyC;1;Internal;1;40;3-1-2005;;AmirA;;1;EN_ICT;", "BethanyC;1;Internal;1;40;3-1-2005;;AmirA;;1;EN_ADM;"),
        encoding="utf-8-sig")
    assert ws.play("collect.yml").rc == 0
    check = on(ws, "2026-11-26", check=True)
    assert planned(check, "BethanyC") == ["move", "update"]
    on(ws, "2026-11-26")
    dn, attrs = accounts(directory)["BethanyC"]
    assert dn == "uid=bethany.chen,ou=administration,ou=people,dc=example,dc=test"
    assert attrs["departmentnumber"] == ["EN_ADM"]
    # Her reports' manager links follow the move (refint overlay), and a re-run is quiet.
    reports = [a for d, a in accounts(directory).values() if a.get("manager") == [dn]]
    assert reports
    assert on(ws, "2026-11-26").plan["changed"] is False


def test_a_leaver_with_child_objects_is_deleted_children_first(collected, directory):
    """slapd offers no tree-delete control: the objects under the account go first, deepest first;
    check mode shows how many there are and writes nothing."""
    ws = collected
    ws.set_vars(jml_ldap_thresholds={"delete": {"count": 1}})
    life = {"delete_after_days": 180, "delete_accounts": True}
    on(ws, "2022-01-01", jml_ldap_lifecycle=life)
    dn = accounts(directory)["AC-1004"][0]
    _add(directory, "cn=phone,%s" % dn, objectClass=["device"], cn="phone")
    _add(directory, "cn=sim,cn=phone,%s" % dn, objectClass=["device"], cn="sim")
    check = on(ws, "2023-12-01", check=True, jml_ldap_lifecycle=life)
    [delete] = [a for a in check.plan["actions"] if a["person"] == "AC-1004" and a["action"] == "delete"]
    assert delete["children"] == 2
    assert "AC-1004" in accounts(directory), "check mode deleted"
    real = on(ws, "2023-12-01", jml_ldap_lifecycle=life)
    assert real.plan["actions"] == check.plan["actions"] and real.plan["failures"] == []
    assert "AC-1004" not in accounts(directory)
    import ldap3
    conn = ldap3.Connection(ldap3.Server(directory.ldap_uri, get_info=ldap3.NONE), directory.bind_dn,
                            directory.bind_password, auto_bind=True)
    assert not conn.search(dn, "(objectClass=*)") and conn.result["description"] == "noSuchObject"
    conn.unbind()
