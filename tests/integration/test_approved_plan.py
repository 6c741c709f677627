"""Plan, approve, apply exactly: a check's plan file applied as it is, against a real slapd.

A check-mode run seals its plan (digest, fingerprints of the vault, the configuration and the
directory, signed); a later run given it as ``approved_plan`` applies exactly it, or - when
anything it was computed from changed, or the file was edited - refuses with nothing written,
naming what changed. The approval waives the thresholds: it is the consent.
"""

import datetime
import json

import ldap3

from jml_workspace import read_people
from test_openldap_jml import EXPECTED_ACCOUNTS, _hr_change, by_uid, csns

PLAN_KEY = "change-board-approval-key-2231"


def connect(directory):
    return ldap3.Connection(ldap3.Server(directory.ldap_uri, get_info=ldap3.NONE), directory.bind_dn,
                            directory.bind_password, auto_bind=True)


def test_an_approved_plan_over_a_threshold_is_applied_exactly_and_only_once(workspace, directory):
    assert workspace.play("collect.yml").rc == 0
    workspace.set_vars(jml_ldap_thresholds={"create": {"count": 5}})  # the first run's 33 creates exceed it
    check = workspace.play("provision.yml", check=True)
    assert check.rc != 0 and "threshold exceeded (create 33 > 5)" in check.text, check
    approval = check.plan["approval"]
    assert approval["format"] == "jml.provisioning/plan-approval/v1" and approval["signature"]
    assert approval["operations"] == len(check.plan["actions"]) and approval["summary"]["create"] == EXPECTED_ACCOUNTS
    assert sorted(approval["fingerprints"]) == ["config", "directory", "vault"]
    assert read_people(directory) == {}

    real = workspace.play("provision.yml", "-e", "jml_ldap_approved_plan=%s" % check.plan_file)
    assert real.rc == 0, real
    assert real.plan["approval"]["applied_approved_plan"] is True
    assert real.plan["actions"] == check.plan["actions"] and real.plan["summary"] == check.plan["summary"]
    assert real.plan["applied"] == len(check.plan["actions"])
    assert len(read_people(directory)) == EXPECTED_ACCOUNTS

    # The same approval again: the directory is no longer the one it was computed from.
    before = csns(read_people(directory))
    again = workspace.play("provision.yml", "-e", "jml_ldap_approved_plan=%s" % check.plan_file)
    assert again.rc != 0, again
    assert "the approved plan no longer matches: the directory (accounts or groups changed) changed" in again.text
    assert "nothing was written" in again.text
    assert again.plan["stopped"] == {"reason": "approval", "changed": ["directory"]}
    assert csns(read_people(directory)) == before


def test_a_plan_is_refused_when_its_inputs_changed_or_it_was_edited(workspace, directory):
    assert workspace.play("site.yml").rc == 0
    _hr_change(workspace.hr, datetime.date.today())
    assert workspace.play("collect.yml").rc == 0
    check = workspace.play("provision.yml", check=True)
    assert check.rc == 0, check
    planned = [(a["action"], a["person"]) for a in check.plan["actions"] if a["action"] not in ("grant", "revoke")]
    assert planned == [("disable", "SummerH"), ("create", "NoahV"), ("update", "BethanyC")]
    before = csns(read_people(directory))

    # Edited by hand after the review: one operation fewer in the summary - the signature breaks.
    edited = json.loads(check.plan_file.read_text())
    edited["approval"]["summary"]["disable"] = 0
    forged = workspace.path / "forged.json"
    forged.write_text(json.dumps(edited))
    run = workspace.play("provision.yml", "-e", "jml_ldap_approved_plan=%s" % forged)
    assert run.rc != 0 and "the signature does not match" in run.text and "nothing was written" in run.text, run

    # The configuration changed since (another attribute mapped): refused before the directory is read.
    run = workspace.play("provision.yml", "-e", "jml_ldap_approved_plan=%s" % check.plan_file,
                         "-e", json.dumps({"jml_ldap_create_only": ["title"]}))
    assert run.rc != 0 and "the configuration (options or rules) changed" in run.text, run

    # Someone edits a managed attribute of an account in the directory: the plan is not the one approved.
    conn = connect(directory)
    bethany = next(dn for dn, attrs in read_people(directory).items() if attrs["uid"] == ["bethany.chen"])
    assert conn.modify(bethany, {"title": [(ldap3.MODIFY_REPLACE, ["Acting Head"])]}), conn.result
    conn.unbind()
    before = csns(read_people(directory))
    run = workspace.play("provision.yml", "-e", "jml_ldap_approved_plan=%s" % check.plan_file)
    assert run.rc != 0 and "the directory (accounts or groups changed) changed" in run.text, run
    assert csns(read_people(directory)) == before

    # A fresh check, approved with a key of the change board's (not the vault's): only that key applies it.
    workspace.set_vars(jml_ldap_plan_key=PLAN_KEY)
    check = workspace.play("provision.yml", check=True, verbosity=4)
    assert check.rc == 0 and PLAN_KEY not in check.output, check
    workspace.set_vars(jml_ldap_plan_key="another-key")
    run = workspace.play("provision.yml", "-e", "jml_ldap_approved_plan=%s" % check.plan_file)
    assert run.rc != 0 and "signed with another key" in run.text, run
    assert csns(read_people(directory)) == before

    workspace.set_vars(jml_ldap_plan_key=PLAN_KEY)
    real = workspace.play("provision.yml", "-e", "jml_ldap_approved_plan=%s" % check.plan_file, verbosity=4)
    assert real.rc == 0 and PLAN_KEY not in real.output, real
    assert real.plan["actions"] == check.plan["actions"] and real.plan["approval"]["applied_approved_plan"] is True
    people = by_uid(read_people(directory))
    assert people["noah.devries"]["sn"] == ["de Vries"] and people["bethany.chen"]["departmentnumber"] == ["EN_ADM"]
    assert people["bethany.chen"]["title"] != ["Acting Head"]  # the approved plan's title, set after the edit


def test_check_mode_with_an_approved_plan_says_whether_it_would_apply(workspace, directory):
    assert workspace.play("collect.yml").rc == 0
    check = workspace.play("provision.yml", check=True)
    assert check.rc == 0, check
    again = workspace.play("provision.yml", "-e", "jml_ldap_approved_plan=%s" % check.plan_file, check=True)
    assert again.rc == 0 and again.plan["approval"]["applied_approved_plan"] is True, again
    assert again.plan["actions"] == check.plan["actions"] and read_people(directory) == {}
    # An approved plan names its reference date; another one is refused.
    run = workspace.play("provision.yml", "-e", "jml_ldap_approved_plan=%s" % check.plan_file,
                         "-e", "jml_ldap_reference_date=2031-01-01", check=True)
    assert run.rc != 0 and "not reference_date 2031-01-01" in run.text, run
