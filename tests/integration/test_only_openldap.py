"""``only`` (``-e '{"jml_only": [...]}'``) against a real slapd: with changes pending for several
people at once - a joiner, a mover, a leaver, one who left the vault, a hand-made membership -
a run limited to one person applies that person's operations (exactly those of the full plan)
and nothing else, check mode equals the run, and a re-run writes nothing."""

import datetime
import json

import ldap3

from jml_workspace import read_people
from test_openldap_jml import _hr_change, by_uid, csns

PEOPLE = "ou=people,dc=example,dc=test"
GROUPS = "ou=groups,dc=example,dc=test"
GONE = "uid=gone.person,%s" % PEOPLE  # a leaver who already left the vault: only their account is left
SERVICE = "uid=svc-report,%s" % PEOPLE  # nobody's account, in a managed group


def connect(directory):
    return ldap3.Connection(ldap3.Server(directory.ldap_uri, get_info=ldap3.NONE), directory.bind_dn,
                            directory.bind_password, auto_bind=True)


def members(directory, group):
    conn = connect(directory)
    conn.search("cn=%s,%s" % (group, GROUPS), "(objectClass=*)", ldap3.BASE, attributes=["member"])
    values = sorted(v.lower() for v in conn.entries[0].entry_attributes_as_dict.get("member", []))
    conn.unbind()
    return values


def pending(workspace, directory):
    """The directory in line with yesterday's vault, then today's HR changes collected and a
    hand-made membership and a leftover account seeded: a full run would change all of them."""
    assert workspace.play("site.yml").rc == 0
    _hr_change(workspace.hr, datetime.date.today())  # joiner NoahV, mover BethanyC, leaver SummerH
    assert workspace.play("collect.yml").rc == 0
    conn = connect(directory)
    assert conn.add(GONE, ["inetOrgPerson"], {"uid": "gone.person", "cn": "Gone Person", "sn": "Person",
                                              "employeeNumber": "GONE-1"}), conn.result
    assert conn.add(SERVICE, ["inetOrgPerson"], {"uid": "svc-report", "cn": "svc", "sn": "svc"}), conn.result
    assert conn.modify("cn=staff,%s" % GROUPS, {"member": [(ldap3.MODIFY_ADD, [GONE, SERVICE])]}), conn.result
    people = by_uid(read_people(directory))
    francois = "uid=francois.jonsson,%s" % PEOPLE
    assert "cn=ict,%s" % GROUPS.lower() not in [g.lower() for g in people["francois.jonsson"].get("memberof", [])]
    assert conn.modify("cn=ict,%s" % GROUPS, {"member": [(ldap3.MODIFY_ADD, [francois])]}), conn.result
    conn.unbind()


def by_person(plan):
    found = {}
    for action in plan["actions"]:
        found.setdefault(action["person"], []).append(action)
    return found


def only(*ids):
    return ("-e", json.dumps({"jml_only": list(ids)}))


def test_one_person_on_demand_applies_only_their_operations(workspace, directory):
    pending(workspace, directory)
    full = workspace.play("provision.yml", check=True)
    assert full.rc == 0, full
    everyone = by_person(full.plan)
    assert {"NoahV", "BethanyC", "SummerH", "GONE-1", "FrancoisJ"} <= set(everyone)
    assert full.plan["only"] is None

    before = read_people(directory)
    check = workspace.play("provision.yml", *only("NoahV"), check=True, diff=True)
    assert check.rc == 0, check
    assert read_people(directory) == before, "check mode wrote to the directory"
    assert by_person(check.plan) == {"NoahV": everyone["NoahV"]}, "not the full plan's operations of NoahV"
    assert check.plan["only"] == {"persons": ["NoahV"], "count": 1, "unset_links": []}
    assert check.plan["summary"]["create"] == 1 and check.plan["summary"]["disable"] == 0
    assert check.plan["correlation"] == full.plan["correlation"]  # the whole target's

    staff_before = members(directory, "staff")
    real = workspace.play("provision.yml", *only("NoahV"))
    assert real.rc == 0, real
    for key in ("summary", "actions", "rules", "thresholds", "failures", "only", "correlation"):
        assert real.plan[key] == check.plan[key], key

    after = read_people(directory)
    people = by_uid(after)
    noah = people["noah.devries"]
    assert noah["manager"] == ["uid=bethany.chen,%s" % PEOPLE]  # the manager is not named: her account as it is
    # Everyone else's pending change is still pending: not written.
    for dn, attrs in before.items():
        assert after[dn] == attrs, dn
    assert people["bethany.chen"]["departmentnumber"] != ["EN_ADM"]
    assert "pwdaccountlockedtime" not in people["summer.heath"]
    assert "pwdaccountlockedtime" not in after[GONE]
    assert members(directory, "staff") == sorted(staff_before + ["uid=noah.devries,%s" % PEOPLE])
    assert "uid=francois.jonsson,%s" % PEOPLE in members(directory, "ict")

    csn = csns(read_people(directory))
    rerun = workspace.play("provision.yml", *only("NoahV"))
    assert rerun.rc == 0, rerun
    assert rerun.plan["changed"] is False and rerun.plan["actions"] == []
    assert csns(read_people(directory)) == csn


def test_a_leaver_who_left_the_vault_is_named_by_their_anchor_and_the_rest_waits(workspace, directory):
    pending(workspace, directory)
    everyone = by_person(workspace.play("provision.yml", check=True).plan)
    before = read_people(directory)
    report_dir = workspace.path / "report"
    evaluate = workspace.play("evaluate.yml", *only("GONE-1", "SummerH"), "-e", "jml_report_dir=%s" % report_dir)
    assert evaluate.rc == 0, evaluate
    assert read_people(directory) == before, "the evaluation wrote to the directory"
    assert "_limited to 2 person(s) (only): GONE-1, SummerH_" in (report_dir / "impact.md").read_text()
    document = json.loads((report_dir / "impact.json").read_text())
    assert [t["only"]["persons"] for t in document["targets"].values()] == [["GONE-1", "SummerH"]]
    check = workspace.play("provision.yml", *only("GONE-1", "SummerH"), check=True)
    assert check.rc == 0, check
    assert by_person(check.plan) == {"GONE-1": everyone["GONE-1"], "SummerH": everyone["SummerH"]}
    real = workspace.play("provision.yml", *only("SummerH", "GONE-1"))
    assert real.rc == 0, real
    assert real.plan["actions"] == check.plan["actions"] and real.plan["summary"] == check.plan["summary"]
    assert real.plan["only"]["persons"] == ["GONE-1", "SummerH"]

    after = read_people(directory)
    people = by_uid(after)
    assert after[GONE]["pwdaccountlockedtime"] == ["000001010000Z"]
    assert people["summer.heath"]["pwdaccountlockedtime"] == ["000001010000Z"]
    staff = members(directory, "staff")
    assert GONE not in staff and "uid=summer.heath,%s" % PEOPLE not in staff
    assert SERVICE in staff  # nobody's member: never touched
    assert "uid=francois.jonsson,%s" % PEOPLE in members(directory, "ict")  # someone else's revoke waits
    assert "noah.devries" not in people
    assert people["bethany.chen"] == by_uid(before)["bethany.chen"]

    rerun = workspace.play("provision.yml", *only("SummerH", "GONE-1"))
    assert rerun.rc == 0 and rerun.plan["changed"] is False, rerun

    full = workspace.play("provision.yml")  # the rest, by a full run
    assert full.rc == 0, full
    assert set(by_person(full.plan)) == set(everyone) - {"GONE-1", "SummerH"}
    assert "uid=francois.jonsson,%s" % PEOPLE not in members(directory, "ict")


def test_an_id_that_names_nobody_fails_before_any_write_in_check_mode_too(workspace, directory):
    pending(workspace, directory)
    before = read_people(directory)
    for check in (True, False):
        run = workspace.play("provision.yml", *only("NoahV", "NOBODY-42"), check=check)
        assert run.rc != 0, run
        assert ("only names NOBODY-42, which is neither a person in the vault nor the anchor (employeeNumber) "
                "of an account whose person left it; nothing was written") in run.text, run
        assert read_people(directory) == before


def test_an_approved_plan_of_one_person_applies_with_that_only_and_is_refused_without(workspace, directory):
    """A limited check's plan file is an approvable plan of the named persons: ``only`` is part of
    the configuration its approval fingerprints, so a run without it (everyone) is refused."""
    pending(workspace, directory)
    check = workspace.play("provision.yml", *only("NoahV"), check=True)
    assert check.rc == 0, check
    assert set(by_person(check.plan)) == {"NoahV"} and check.plan["approval"]["signature"]
    before = csns(read_people(directory))
    everyone = workspace.play("provision.yml", "-e", "jml_ldap_approved_plan=%s" % check.plan_file)
    assert everyone.rc != 0 and "the configuration (options or rules) changed" in everyone.text, everyone
    assert csns(read_people(directory)) == before
    real = workspace.play("provision.yml", *only("NoahV"), "-e", "jml_ldap_approved_plan=%s" % check.plan_file)
    assert real.rc == 0, real
    assert real.plan["approval"]["applied_approved_plan"] is True and real.plan["actions"] == check.plan["actions"]
    people = by_uid(read_people(directory))
    assert "noah.devries" in people and "pwdaccountlockedtime" not in people["summer.heath"]
