"""Business rules against a real slapd: managed groups only, one write per group, the memberOf
view consistent, and the per-rule gains and losses equal to what the run then does."""

import ldap3
import yaml

from jml_workspace import read_people

GROUPS = "ou=groups,dc=example,dc=test"


def _conn(directory):
    return ldap3.Connection(ldap3.Server(directory.ldap_uri, get_info=ldap3.NONE), directory.bind_dn,
                            directory.bind_password, auto_bind=True)


def members(directory, name):
    conn = _conn(directory)
    conn.search("cn=%s,%s" % (name, GROUPS), "(objectClass=*)", search_scope=ldap3.BASE, attributes=["member"])
    found = [e["raw_attributes"].get("member", []) for e in conn.response if e["type"] == "searchResEntry"]
    conn.unbind()
    return sorted(v.decode() for v in found[0]) if found else None


def uid_of(dn):
    return dn.split(",")[0].split("=")[1]


def test_rules_grant_and_revoke_only_managed_groups(workspace, directory):
    ws = workspace
    # A group no rule names, with a manual membership of a managed account: never touched.
    conn = _conn(directory)
    assert conn.add("cn=manual,%s" % GROUPS, ["groupOfNames"], {"member": "uid=bethany.chen,ou=people,dc=example,dc=test"})
    conn.unbind()
    assert ws.play("collect.yml").rc == 0
    check = ws.play("provision.yml", check=True)
    assert check.rc == 0, check
    assert members(directory, "staff") is None, "check mode created a group"
    real = ws.play("provision.yml")
    assert real.rc == 0, real
    assert real.plan["rules"] == check.plan["rules"]
    staff = members(directory, "staff")
    assert len(staff) == 33
    assert [uid_of(m) for m in members(directory, "ict")] == ["bethany.chen"]
    assert set(real.plan["rules"]["acme-engineering"]["gain"]) == {"AC-1001", "AC-1002", "AC-1005"}
    # The memberOf overlay shows the same view from the account's side.
    bethany = [a for a in read_people(directory).values() if a["uid"] == ["bethany.chen"]][0]
    assert "cn=ict,%s" % GROUPS in bethany["memberof"]

    rerun = ws.play("provision.yml")
    assert rerun.plan["changed"] is False and rerun.plan["summary"]["grant"] == 0

    # BethanyC moves out of ICT (ICT becomes empty: a placeholder keeps the groupOfNames valid);
    # SummerH leaves (loses every managed group).
    contracts = ws.hr / "T4E_HelloID_Contracts.csv"
    text = contracts.read_text(encoding="utf-8-sig")
    text = text.replace("BethanyC;1;Internal;1;40;3-1-2005;;AmirA;;1;EN_ICT;", "BethanyC;1;Internal;1;40;3-1-2005;;AmirA;;1;EN_ADM;")
    text = text.replace("SummerH;1;Internal;1;40;5-8-2014;;", "SummerH;1;Internal;1;40;5-8-2014;1-1-2020;")
    contracts.write_text(text, encoding="utf-8-sig")
    assert ws.play("collect.yml").rc == 0
    check = ws.play("provision.yml", check=True)
    assert check.plan["rules"]["ict"] == {"gain": [], "lose": ["BethanyC"]}
    assert "SummerH" in check.plan["rules"]["all-staff"]["lose"]
    real = ws.play("provision.yml")
    assert real.rc == 0, real
    assert real.plan["rules"] == check.plan["rules"]
    assert members(directory, "ict") == ["cn=nobody"]
    assert not any(uid_of(m) == "summer.heath" for m in members(directory, "staff"))
    assert members(directory, "manual") == ["uid=bethany.chen,ou=people,dc=example,dc=test"]
    assert ws.play("provision.yml").plan["changed"] is False


def test_a_draft_rules_file_evaluated_shows_exactly_what_the_real_run_does(workspace, directory, tmp_path):
    ws = workspace
    assert ws.play("site.yml").rc == 0
    draft = {"rules": [
        {"name": "all-staff", "when": "true", "groups": ["staff"]},
        {"name": "managers", "when": "contract.title.code == 'EN_MANA' and person.source == 'helloid'",
         "groups": ["managers"]},
        {"name": "acme-engineering", "when": "contract.department.code in ['ACME_ENG', 'ACME_OPS']",
         "groups": ["engineering"]},
    ]}
    path = tmp_path / "draft-rules.yml"
    path.write_text(yaml.safe_dump(draft))
    ws.set_vars(jml_ldap_rules_file=str(path))
    evaluation = ws.play("provision.yml", check=True)
    assert evaluation.rc == 0, evaluation
    assert evaluation.plan["rules"]["acme-engineering"]["gain"] == ["AC-1004"]
    assert evaluation.plan["rules"]["managers"] == {"gain": [], "lose": []}
    real = ws.play("provision.yml")
    assert real.plan["rules"] == evaluation.plan["rules"]
    assert real.plan["actions"] == evaluation.plan["actions"]
    # ICT is no longer named by any rule: unmanaged from now on, its members stay.
    assert [uid_of(m) for m in members(directory, "ict")] == ["bethany.chen"]
