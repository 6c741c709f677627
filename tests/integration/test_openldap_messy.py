"""A real OpenLDAP directory as they are: objects nobody manages, accounts made before the
collection outside the managed OU, OUs that do not exist yet. On slapd with and without the
memberof/refint overlays. Check mode predicts exactly the failures the run meets."""

import ldap3
import pytest

from jml_workspace import ACME_TOKEN, Workspace, read_people

BASE = "dc=example,dc=test"
PEOPLE = "ou=people," + BASE
LEGACY = "ou=legacy," + BASE
# ICT staff go to ou=ict and administration to ou=admin,ou=staff: neither OU exists yet.
CONTAINER = ("'ou=ict,%s' if contract.department.code == 'EN_ICT' else 'ou=admin,ou=staff,%s' "
             "if contract.department.code == 'EN_ADM' else '%s'" % (PEOPLE, PEOPLE, PEOPLE))


@pytest.fixture
def messy(tmp_path, any_directory, hr_api):
    (tmp_path / "work").mkdir()
    ws = Workspace(tmp_path / "work", any_directory, hr_api, ACME_TOKEN)
    conn = ldap3.Connection(ldap3.Server(any_directory.ldap_uri, get_info=ldap3.NONE), any_directory.bind_dn,
                            any_directory.bind_password, auto_bind=True)
    # A service object nobody manages holds the uid a joiner would get; an account from before
    # the collection, outside the managed OU, carries KatoB's anchor.
    assert conn.add("uid=amir.atkinson,%s" % PEOPLE, ["account"], {"description": "build robot"}), conn.result
    assert conn.add(LEGACY, ["organizationalUnit"]), conn.result
    assert conn.add("uid=kbuckley,%s" % LEGACY, ["inetOrgPerson"],
                    {"cn": "Kato B", "sn": "B", "employeeNumber": "KatoB"}), conn.result
    conn.unbind()
    assert ws.play("collect.yml").rc == 0
    ws.set_vars(jml_ldap_container=CONTAINER)
    return ws


def _failures(run):
    return sorted((f["person"], f["action"], f["dn"], f["error"]) for f in run.plan["failures"])


def _entry(directory, dn):
    conn = ldap3.Connection(ldap3.Server(directory.ldap_uri, get_info=ldap3.NONE), directory.bind_dn,
                            directory.bind_password, auto_bind=True)
    found = conn.search(dn, "(objectClass=*)", search_scope=ldap3.BASE, attributes=["*"])
    entry = conn.response[0]["attributes"] if found else None
    conn.unbind()
    return entry


def test_missing_ous_are_predicted_failures_and_nothing_unmanaged_is_harmed(messy, any_directory):
    ws, directory = messy, any_directory
    check = ws.play("provision.yml", check=True)
    assert check.rc != 0, "predicted failures fail the check"
    assert read_people(directory, base=PEOPLE) == {}, "check mode wrote"
    predicted = _failures(check)
    causes = sorted(set(f[0] for f in predicted if "does not exist" in f[3]))
    assert "BethanyC" in causes and "ClaireS" in causes, predicted
    assert all(f["predicted"] for f in check.plan["failures"])

    real = ws.play("provision.yml")
    assert real.rc != 0
    assert _failures(real) == predicted, "the run meets exactly the failures check mode predicted"
    assert real.plan["actions"] == check.plan["actions"]
    people = dict((a["employeenumber"][0], dn) for dn, a in read_people(directory, base=BASE).items()
                  if a.get("employeenumber"))
    assert not set(causes) & set(people)
    assert people["AmirA"].startswith("uid=amir.atkinson2,"), "the uid an unmanaged object holds is taken"
    assert _entry(directory, "uid=amir.atkinson,%s" % PEOPLE)["description"] == ["build robot"]
    assert people["KatoB"] == "uid=kbuckley,%s" % LEGACY, "no second account for KatoB"
    assert any(c.get("person") == "KatoB" for c in real.plan["correlation"]["conflicts"])
    assert "correlation conflict" in real.text


def test_create_containers_and_adopt_make_the_directory_whole(messy, any_directory):
    ws, directory = messy, any_directory
    ws.set_vars(jml_ldap_create_containers=True,
                jml_ldap_anchor={"person": "id", "attribute": "employeeNumber", "adopt": True})
    check = ws.play("provision.yml", check=True)
    assert check.rc == 0, check
    containers = [a["dn"] for a in check.plan["actions"] if a["action"] == "container"]
    assert containers == ["ou=ict,%s" % PEOPLE, "ou=staff,%s" % PEOPLE, "ou=admin,ou=staff,%s" % PEOPLE]
    assert _entry(directory, "ou=ict,%s" % PEOPLE) is None, "check mode wrote"
    real = ws.play("provision.yml")
    assert real.rc == 0, real.plan["failures"]
    assert real.plan["actions"] == check.plan["actions"]
    people = dict((a["employeenumber"][0], dn) for dn, a in read_people(directory, base=BASE).items()
                  if a.get("employeenumber"))
    assert people["BethanyC"] == "uid=bethany.chen,ou=ict,%s" % PEOPLE
    assert people["KatoB"] == "uid=kbuckley,%s" % PEOPLE, "the legacy account is adopted and moved in"
    rerun = ws.play("provision.yml")
    assert rerun.rc == 0 and rerun.plan["changed"] is False, rerun


def test_shadow_expire_follows_the_whole_employment(workspace, directory):
    import datetime
    ends = datetime.date.today() + datetime.timedelta(days=60)
    text = "%d-%d-%d" % (ends.day, ends.month, ends.year)
    path = workspace.hr / "T4E_HelloID_Contracts.csv"
    path.write_text(path.read_text(encoding="utf-8-sig")
                    .replace("AmirA;1;Internal;0.5;20;18-6-2013;;", "AmirA;1;Internal;0.5;20;18-6-2013;%s;" % text)
                    .replace("BethanyC;1;Internal;1;40;3-1-2005;;", "BethanyC;1;Internal;1;40;3-1-2005;%s;" % text),
                    encoding="utf-8-sig")
    assert workspace.play("collect.yml").rc == 0
    import yaml
    from jml_workspace import ROOT
    target = yaml.safe_load((ROOT / "inventories/demo/group_vars/all/target.yml").read_text())
    workspace.set_vars(jml_ldap_object_classes=["inetOrgPerson", "shadowAccount"],
                       jml_ldap_attributes=dict(target["jml_ldap_attributes"],
                                                shadowExpire="employment.end | shadow_expire"))
    run = workspace.play("provision.yml")
    assert run.rc == 0, run
    people = dict((a["employeenumber"][0], a) for a in read_people(directory).values())
    assert "shadowexpire" not in people["AmirA"], "a second, open-ended contract: never expires"
    assert people["BethanyC"]["shadowexpire"] == [str((ends + datetime.timedelta(days=1) - datetime.date(1970, 1, 1)).days)]
    assert workspace.play("provision.yml").plan["changed"] is False
