"""Movers and their group memberships on a real slapd, with the memberof/refint overlays and
without them (many directories have neither): a revoke names the DN the group holds, a kept
membership follows the move, no stale DN is left, check mode equals the run, a re-run is quiet."""

import ldap3
import pytest

from jml_workspace import ACME_TOKEN, Workspace

ICT = "ou=ict,ou=people,dc=example,dc=test"
CONTAINER = "'%s' if contract.department.code == 'EN_ICT' else 'ou=people,dc=example,dc=test'" % ICT


@pytest.fixture
def mover_workspace(tmp_path, any_directory, hr_api):
    (tmp_path / "work").mkdir()
    return Workspace(tmp_path / "work", any_directory, hr_api, ACME_TOKEN)


def _members(instance):
    server = ldap3.Server(instance.ldap_uri, get_info=ldap3.NONE)
    conn = ldap3.Connection(server, instance.bind_dn, instance.bind_password, auto_bind=True)
    conn.search(instance.groups_dn, "(objectClass=groupOfNames)", attributes=["member"])
    found = dict((e["dn"].split(",")[0][3:], sorted(m.lower() for m in e["attributes"]["member"])) for e in conn.response)
    conn.add(ICT, ["organizationalUnit"])  # here for the first call (entryAlreadyExists later)
    conn.unbind()
    return found


def test_a_mover_leaves_one_group_keeps_another_and_no_stale_dn_is_left(mover_workspace, any_directory):
    ws, directory = mover_workspace, any_directory
    _members(directory)  # creates ou=ict
    ws.set_vars(jml_ldap_container=CONTAINER)
    assert ws.play("site.yml").rc == 0
    old_dn, new_dn = "uid=bethany.chen,%s" % ICT, "uid=bethany.chen,ou=people,dc=example,dc=test"
    before = _members(directory)
    assert old_dn in before["ict"] and old_dn in before["staff"]

    # Bethany moves from ICT to administration: out of ou=ict, out of the ict group, still staff.
    contracts = ws.hr / "T4E_HelloID_Contracts.csv"
    contracts.write_text(contracts.read_text(encoding="utf-8-sig").replace("BethanyC;1;Internal;1;40;", "BethanyC;1;X;1;40;")
                         .replace(";EN_ICT;", ";EN_ADM;", 1), encoding="utf-8-sig")
    assert ws.play("collect.yml").rc == 0
    check = ws.play("provision.yml", check=True)
    assert check.rc == 0, check
    assert _members(directory) == before, "check mode wrote"
    bethany = sorted((a["action"], a["dn"], a.get("group", "").split(",")[0]) for a in check.plan["actions"]
                     if a["person"] == "BethanyC")
    assert ("revoke", old_dn, "cn=ict") in bethany, "a revoke names the DN the group holds"
    assert ("move", old_dn, "") in bethany
    real = ws.play("provision.yml")
    assert real.rc == 0, real
    assert real.plan["actions"] == check.plan["actions"] and real.plan["failures"] == []
    after = _members(directory)
    assert old_dn not in after["ict"] and new_dn not in after["ict"]
    assert new_dn in after["staff"] and old_dn not in after["staff"], "no stale DN, with or without refint"
    assert all(old_dn not in members for members in after.values())
    rerun = ws.play("provision.yml")
    assert rerun.rc == 0 and rerun.plan["changed"] is False, rerun


def test_a_stale_member_dn_left_by_an_earlier_move_is_cleaned_up(mover_workspace, any_directory):
    """A move made without refint (by hand, or by an older version) left the old DN in a group:
    the account's RDN is its unique login, so the run knows it is the account's and relinks it."""
    ws, directory = mover_workspace, any_directory
    _members(directory)
    assert ws.play("site.yml").rc == 0
    stale, current = "uid=bethany.chen,ou=gone,dc=example,dc=test", "uid=bethany.chen,ou=people,dc=example,dc=test"
    conn = ldap3.Connection(ldap3.Server(directory.ldap_uri, get_info=ldap3.NONE), directory.bind_dn,
                            directory.bind_password, auto_bind=True)
    staff = "cn=staff,%s" % directory.groups_dn
    assert conn.modify(staff, {"member": [(ldap3.MODIFY_ADD, [stale])]}), conn.result
    assert conn.modify(staff, {"member": [(ldap3.MODIFY_DELETE, [current])]}), conn.result
    conn.unbind()
    check = ws.play("provision.yml", check=True)
    assert check.rc == 0, check
    assert [(a["action"], a["dn"]) for a in check.plan["actions"]] == [("relink", current)]
    real = ws.play("provision.yml")
    assert real.rc == 0 and real.plan["actions"] == check.plan["actions"], real
    members = _members(directory)["staff"]
    assert current in members and stale not in members
    assert ws.play("provision.yml").plan["changed"] is False


def test_a_login_rename_renames_uid_rdn_and_mail_and_the_memberships_follow(mover_workspace, any_directory):
    ws, directory = mover_workspace, any_directory
    _members(directory)
    assert ws.play("site.yml").rc == 0
    persons = ws.hr / "T4E_HELLOID_Persons.csv"
    persons.write_text(persons.read_text(encoding="utf-8").replace(";Amir;;Atkinson;", ";Amir;;Atkinson-Berg;"),
                       encoding="utf-8")
    assert ws.play("collect.yml").rc == 0
    import yaml
    from jml_workspace import ROOT
    username = yaml.safe_load((ROOT / "inventories/demo/group_vars/all/target.yml").read_text())["jml_ldap_username"]
    ws.set_vars(jml_ldap_username=dict(username, rename=True))
    check = ws.play("provision.yml", check=True)
    assert check.rc == 0, check
    real = ws.play("provision.yml")
    assert real.rc == 0 and real.plan["actions"] == check.plan["actions"], real
    old_dn, new_dn = "uid=amir.atkinson,ou=people,dc=example,dc=test", "uid=amir.atkinson-berg,ou=people,dc=example,dc=test"
    conn = ldap3.Connection(ldap3.Server(directory.ldap_uri, get_info=ldap3.NONE), directory.bind_dn,
                            directory.bind_password, auto_bind=True)
    assert conn.search(new_dn, "(objectClass=*)", search_scope=ldap3.BASE, attributes=["uid", "mail"])
    assert conn.response[0]["attributes"]["uid"] == ["amir.atkinson-berg"]
    assert conn.response[0]["attributes"]["mail"] == ["amir.atkinson-berg@example.test"]
    conn.unbind()
    members = _members(directory)
    assert new_dn in members["staff"] and all(old_dn not in m for m in members.values())
    assert ws.play("provision.yml").plan["changed"] is False
