"""The JML cycle against a real slapd: real ansible-playbook runs, directory checked by a direct read.

Rhythm of every case: check mode (changed, nothing written) -> real run -> re-run (unchanged, no
entry's entryCSN moved).
"""

import csv
import datetime

from jml_workspace import ACME_TOKEN, read_people

PEOPLE = "ou=people,dc=example,dc=test"
# HelloID: 33 persons collected; 3 long-gone leavers get no account, 1 blocked person is excluded.
# ACME: 5 persons, one of them (Amir Atkinson) merged into HelloID's AmirA.
EXPECTED_ACCOUNTS = 29 + 4


def csns(people):
    return dict((dn, attrs["entrycsn"][0]) for dn, attrs in people.items())


def by_uid(people):
    return dict((attrs["uid"][0], attrs) for attrs in people.values())


def test_first_run_check_then_real_then_rerun_writes_nothing(workspace, directory):
    assert workspace.play("collect.yml").rc == 0

    check = workspace.play("provision.yml", check=True, diff=True)
    assert check.rc == 0, check
    assert check.plan["summary"]["create"] == EXPECTED_ACCOUNTS
    assert check.plan["changed"] is True
    assert read_people(directory) == {}, "check mode wrote to the directory"

    real = workspace.play("provision.yml")
    assert real.rc == 0, real
    assert real.plan["actions"] == check.plan["actions"], "check mode plan differs from what the run did"

    people = by_uid(read_people(directory))
    assert len(people) == EXPECTED_ACCOUNTS
    bianca = people["bianca.hartman"]  # PreferredNaming 1: partner's name
    assert bianca["sn"] == ["Hartman"] and bianca["employeenumber"] == ["BiancaM"]
    assert bianca["manager"] == ["uid=amir.atkinson,%s" % PEOPLE]
    assert people["francois.jonsson"]["cn"] == ["Fran\u00e7ois J\u00f6nsson"]  # transliterated uid, real cn
    assert "rashad.wiggins" not in people  # contract ended 2015: a leaver never gets an account
    assert not any(p["employeenumber"] == ["OlegF"] for p in people.values())  # Blocked: excluded

    before = csns(read_people(directory))
    rerun = workspace.play("provision.yml")
    assert rerun.rc == 0, rerun
    assert rerun.plan["changed"] is False
    assert rerun.plan["summary"]["unchanged"] == EXPECTED_ACCOUNTS
    assert "changed=0" in rerun.output
    assert csns(read_people(directory)) == before, "a no-op re-run wrote to the directory"


def _hr_change(hr, today):
    """A joiner (NoahV, starts today), a mover (BethanyC to EN_ADM), a leaver (SummerH ended yesterday)."""
    fmt = "{d.day}-{d.month}-{d.year}".format
    persons = hr / "T4E_HELLOID_Persons.csv"
    ends_with_newline = persons.read_bytes().endswith(b"\n")  # the vendor file has no final newline
    with open(persons, "a", encoding="utf-8") as handle:
        handle.write(("" if ends_with_newline else "\n") + "NoahV;9100001;N.;Noah;Noah;de;Vries;;;M;;;0;;;;;;;;;Noah.deVries@domain.local;FALSE\n")
    path = hr / "T4E_HelloID_Contracts.csv"
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    for row in rows[1:]:
        if row[0] == "BethanyC":
            row[10] = "EN_ADM"
        if row[0] == "SummerH":
            row[6] = fmt(d=today - datetime.timedelta(days=1))
    rows.append(["NoahV", "1", "Internal", "1", "40", fmt(d=today), "", "BethanyC", "", "1", "EN_ICT", "EN_MANA",
                 "Profit"])
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\n").writerows(rows)


def test_joiner_mover_leaver_check_plan_equals_real_run(workspace, directory):
    assert workspace.play("site.yml").rc == 0
    _hr_change(workspace.hr, datetime.date.today())
    collect = workspace.play("collect.yml", diff=True)
    assert collect.rc == 0, collect
    assert "joined 1, left 0, changed 2" in collect.text

    before = csns(read_people(directory))
    check = workspace.play("provision.yml", check=True, diff=True)
    assert check.rc == 0, check
    assert csns(read_people(directory)) == before, "check mode wrote to the directory"
    planned = [(a["action"], a["person"]) for a in check.plan["actions"] if a["action"] not in ("grant", "revoke")]
    assert planned == [("disable", "SummerH"), ("create", "NoahV"), ("update", "BethanyC")]
    assert "departmentNumber" in check.output and "EN_ADM" in check.output  # --diff shows before/after

    real = workspace.play("provision.yml")
    assert real.rc == 0, real
    assert real.plan["actions"] == check.plan["actions"]

    people = by_uid(read_people(directory))
    assert people["noah.devries"]["manager"] == ["uid=bethany.chen,%s" % PEOPLE]
    assert people["noah.devries"]["sn"] == ["de Vries"]
    assert people["bethany.chen"]["departmentnumber"] == ["EN_ADM"]
    assert people["summer.heath"]["pwdaccountlockedtime"] == ["000001010000Z"]

    before = csns(read_people(directory))
    rerun = workspace.play("provision.yml")
    assert rerun.plan["changed"] is False and rerun.rc == 0
    assert csns(read_people(directory)) == before


def test_failing_account_is_reported_and_the_others_are_applied(workspace, directory):
    # An sn mapping that yields nothing for one person: slapd refuses that entry (sn is required).
    workspace.set_vars(jml_ldap_attributes={
        "cn": "person.name.display", "givenName": "person.name.given", "mail": "username ~ '@example.test'",
        "sn": "none if person.id == 'AmirA' else (person.name | family_name)", "manager": "manager_dn"})
    assert workspace.play("collect.yml").rc == 0
    run = workspace.play("provision.yml")
    assert run.rc != 0, "the task must fail when an account failed"
    failed = run.plan["failures"]
    assert [(f["person"], f["action"]) for f in failed][0] == ("AmirA", "create")
    assert "objectClassViolation" in failed[0]["error"] or "sn" in failed[0]["error"]
    # Its group memberships (the demo's rules) are skipped, not attempted on a missing account.
    assert all(f["person"] == "AmirA" and f["error"].startswith("skipped") for f in failed[1:])
    assert len(read_people(directory)) == EXPECTED_ACCOUNTS - 1


def test_threshold_stops_a_mass_disable_before_any_write(workspace, directory):
    assert workspace.play("site.yml").rc == 0
    # An export truncated to its header: every person vanishes from the vault.
    for name in ("T4E_HELLOID_Persons.csv", "T4E_HelloID_Contracts.csv"):
        path = workspace.hr / name
        path.write_bytes(path.read_bytes().splitlines(True)[0])
    workspace.set_vars(jml_collect_allow_threshold_override=True)  # an operator forced the collect through
    assert workspace.play("collect.yml").rc == 0
    before = csns(read_people(directory))
    run = workspace.play("provision.yml")
    assert run.rc != 0
    # 29 HelloID accounts would be disabled; the limit is min(10, 20% of 33 managed accounts) = 6.
    assert "threshold exceeded (disable 29 > 6)" in run.text
    assert run.plan["thresholds"]["disable"] == {"count": 29, "limit": 6, "exceeded": True}
    assert csns(read_people(directory)) == before, "a threshold stop must write nothing"


def test_unreachable_server_and_wrong_password_fail_clearly(workspace, directory):
    assert workspace.play("collect.yml").rc == 0
    wrong = dict(workspace.vars["jml_demo_connection"], bind_password="not-the-password")
    workspace.set_vars(jml_demo_connection=wrong)
    run = workspace.play("provision.yml")
    assert run.rc != 0 and "cannot bind to" in run.text and "invalidCredentials" in run.text
    assert "not-the-password" not in run.output

    down = dict(wrong, ldaps_uri="ldaps://127.0.0.1:1")
    workspace.set_vars(jml_demo_connection=down)
    run = workspace.play("provision.yml")
    assert run.rc != 0 and "cannot connect to ldaps://127.0.0.1:1" in run.text
    assert read_people(directory) == {}


def test_secrets_never_appear_even_at_vvvv(workspace, directory):
    run = workspace.play("site.yml", "-vvvv", diff=True)
    assert run.rc == 0, run
    assert directory.bind_password not in run.output
    assert "integration-vault-secret-4711" not in run.output
    assert ACME_TOKEN not in run.output  # the HR API's bearer token


def test_the_connection_from_environment_variables_as_an_awx_credential_type_injects_it(workspace, directory):
    """No connection variable at all: JML_LDAP_* as docs/credential_types/ldap.yml injects them
    (an optional field left empty is injected as ""), and the password stays out of -vvvv."""
    assert workspace.play("collect.yml").rc == 0
    workspace.set_vars(jml_ldap_server_uri="", jml_ldap_bind_dn="", jml_ldap_bind_password="", jml_ldap_ca_file="")
    workspace.extra_env = {"JML_LDAP_SERVER": directory.ldaps_uri, "JML_LDAP_BIND_DN": directory.bind_dn,
                           "JML_LDAP_BIND_PASSWORD": directory.bind_password, "JML_LDAP_CA_FILE": directory.ca_file}
    run = workspace.play("provision.yml", "-vvvv")
    assert run.rc == 0, run
    assert len(read_people(directory)) == 33
    assert directory.bind_password not in run.output
    workspace.extra_env = dict(workspace.extra_env, JML_LDAP_CA_FILE="")  # "": the system's CAs, not a path ""
    refused = workspace.play("provision.yml")
    assert refused.rc != 0 and "certificate verify failed" in refused.text.lower(), refused
