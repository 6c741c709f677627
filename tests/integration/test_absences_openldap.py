"""Leave against a real slapd, through the real playbooks and the demo inventory, on fixed dates
(reference_date): a person going on leave is suspended (the account locked, memberships kept or
revoked as configured), never deleted by retention, and enabled again on return. Every step in
the rhythm check mode -> real run (the same plan) -> re-run (no change). The leave comes from the
demo's leave register (inventories/demo/hr/leave/absences.csv, one row per absence)."""

import shutil

import ldap3
import pytest

from jml_workspace import ROOT, read_people

LOCKED = "000001010000Z"
GROUPS = "ou=groups,dc=example,dc=test"
LIFECYCLE = {"pre_provision_days": 14, "exclude": "person.custom.blocked"}  # the demo's


@pytest.fixture
def leave(workspace):
    """The workspace with its own copy of the leave register, collected and provisioned once."""
    folder = workspace.path / "leave"
    shutil.copytree(ROOT / "inventories" / "demo" / "hr" / "leave", folder)
    workspace.set_vars(jml_demo_leave_dir=str(folder))
    workspace.leave = folder / "absences.csv"
    assert workspace.play("collect.yml").rc == 0
    assert on(workspace, "2026-11-26").plan["failures"] == []
    return workspace


def absent(ws, *rows):
    """Replace the register's rows (EmployeeCode, StartDate, EndDate, LeaveType; D-M-YYYY) and collect."""
    ws.leave.write_text("EmployeeCode;StartDate;EndDate;LeaveType\n" + "".join(";".join(r) + "\n" for r in rows))
    assert ws.play("collect.yml").rc == 0


def on(ws, date, check=False, **variables):
    ws.set_vars(jml_ldap_reference_date=date, **variables)
    run = ws.play("provision.yml", check=check, diff=check)
    assert run.rc == 0, run
    return run


def step(ws, date, **variables):
    """Check mode, then the real run (asserted equal), then a re-run (asserted quiet): the real run."""
    before = read_people(ws.directory)
    check = on(ws, date, check=True, **variables)
    assert read_people(ws.directory) == before, "check mode wrote to the directory"
    real = on(ws, date, **variables)
    assert real.plan["actions"] == check.plan["actions"], "check mode must be exactly what the run does"
    assert real.plan["summary"] == check.plan["summary"]
    assert real.plan["failures"] == check.plan["failures"] == []
    rerun = on(ws, date, **variables)
    assert rerun.plan["changed"] is False and rerun.plan["actions"] == [], rerun.plan["summary"]
    return real


def of(run, person):
    return [(a["action"], a.get("event"), a["reason"]) for a in run.plan["actions"] if a["person"] == person]


def account(directory, person):
    [(dn, attrs)] = [(dn, a) for dn, a in read_people(directory).items() if a.get("employeenumber") == [person]]
    return dn, attrs


def groups_of(directory, dn):
    conn = ldap3.Connection(ldap3.Server(directory.ldap_uri, get_info=ldap3.NONE), directory.bind_dn,
                            directory.bind_password, auto_bind=True)
    conn.search(GROUPS, "(member=%s)" % dn, attributes=["cn"])
    found = sorted(e["attributes"]["cn"][0] for e in conn.response if e.get("type") == "searchResEntry")
    conn.unbind()
    return found


@pytest.fixture
def workspace(workspace, directory):
    workspace.directory = directory
    return workspace


def test_leave_suspends_keeps_the_groups_survives_retention_and_the_return_enables(leave, directory):
    ws = leave
    dn, attrs = account(directory, "GabrielL")
    assert "pwdaccountlockedtime" not in attrs and groups_of(directory, dn) == ["managers", "staff"]

    absent(ws, ["GabrielL", "1-12-2026", "28-2-2027", "PARENTAL"], ["KaitlinH", "6-1-2020", "5-4-2020", "PARENTAL"])
    assert of(on(ws, "2026-11-30"), "GabrielL") == []  # the day before: at work
    real = step(ws, "2026-12-01")
    assert of(real, "GabrielL") == [("disable", "suspended", "suspended: on leave since 2026-12-01 until 2027-02-28")]
    assert real.plan["summary"]["disable"] == 1 and real.plan["summary"]["suspend"] == 1
    assert real.plan["correlation"]["suspended"] == ["GabrielL"]
    dn_after, attrs = account(directory, "GabrielL")
    assert dn_after == dn and attrs["pwdaccountlockedtime"] == [LOCKED]
    assert groups_of(directory, dn) == ["managers", "staff"], "memberships are kept during a leave by default"

    # Retention that would delete a leaver of six weeks never deletes a person on leave.
    life = dict(LIFECYCLE, delete_after_days=1, delete_accounts=True)
    quiet = on(ws, "2027-01-15", jml_ldap_lifecycle=life)
    assert of(quiet, "GabrielL") == [] and quiet.plan["summary"]["delete"] == 0
    assert quiet.plan["correlation"]["suspended"] == ["GabrielL"], "still on leave: shown, though nothing changes"
    assert account(directory, "GabrielL")[1]["pwdaccountlockedtime"] == [LOCKED]

    back = step(ws, "2027-03-01", jml_ldap_lifecycle=LIFECYCLE)
    assert of(back, "GabrielL") == [("enable", "resumed", "returned from leave: absence ended 2027-02-28")]
    assert back.plan["summary"]["enable"] == 1 and back.plan["summary"]["resume"] == 1
    assert back.plan["correlation"]["suspended"] == []
    assert "pwdaccountlockedtime" not in account(directory, "GabrielL")[1]
    assert groups_of(directory, dn) == ["managers", "staff"]


def test_revoke_groups_takes_the_memberships_for_the_leave_and_gives_them_back(leave, directory):
    ws = leave
    dn, dummy = account(directory, "GabrielL")
    life = dict(LIFECYCLE, suspend={"revoke_groups": True})
    absent(ws, ["GabrielL", "1-12-2026", "", "SABBATICAL"])  # open-ended
    away = step(ws, "2026-12-01", jml_ldap_lifecycle=life)
    assert sorted(of(away, "GabrielL")) == [
        ("disable", "suspended", "suspended: on leave since 2026-12-01"),
        ("revoke", None, "no rule grants it any more (suspended)"),
        ("revoke", None, "no rule grants it any more (suspended)")]
    assert away.plan["rules"]["managers"]["lose"] == ["GabrielL"]
    assert groups_of(directory, dn) == [] and account(directory, "GabrielL")[1]["pwdaccountlockedtime"] == [LOCKED]

    absent(ws, ["GabrielL", "1-12-2026", "31-12-2026", "SABBATICAL"])  # HR closes the leave
    back = step(ws, "2027-01-04", jml_ldap_lifecycle=life)
    assert sorted(a for a, e, r in of(back, "GabrielL")) == ["enable", "grant", "grant"]
    assert [e for a, e, r in of(back, "GabrielL") if a == "enable"] == ["resumed"]
    assert groups_of(directory, dn) == ["managers", "staff"]
    assert "pwdaccountlockedtime" not in account(directory, "GabrielL")[1]


def test_an_account_locked_by_hand_before_the_leave_is_left_as_it_is(leave, directory):
    ws = leave
    dn, dummy = account(directory, "GabrielL")
    conn = ldap3.Connection(ldap3.Server(directory.ldap_uri, get_info=ldap3.NONE), directory.bind_dn,
                            directory.bind_password, auto_bind=True)
    assert conn.modify(dn, {"pwdAccountLockedTime": [(ldap3.MODIFY_REPLACE, [LOCKED])]}), conn.result
    conn.unbind()
    absent(ws, ["GabrielL", "1-12-2026", "", "PARENTAL"])
    check = on(ws, "2026-12-01", check=True)
    assert of(check, "GabrielL") == [] and check.plan["changed"] is False


def test_a_leaver_whose_contract_ends_during_the_leave_is_a_leaver(leave, directory):
    ws = leave
    contracts = ws.hr / "T4E_HelloID_Contracts.csv"
    contracts.write_text(contracts.read_text(encoding="utf-8-sig").replace(
        "GabrielL;1;Internal;1;40;3-12-2014;;", "GabrielL;1;Internal;1;40;3-12-2014;15-12-2026;"), encoding="utf-8-sig")
    absent(ws, ["GabrielL", "1-12-2026", "", "PARENTAL"])
    assert [a[:2] for a in of(step(ws, "2026-12-01"), "GabrielL")] == [("disable", "suspended")]
    after = on(ws, "2026-12-16", check=True)
    # Already disabled: the leaver's state changes the memberships (leavers lose them), not the lock.
    assert sorted(a[0] for a in of(after, "GabrielL")) == ["revoke", "revoke"]
    assert all(r == "no rule grants it any more (leaver)" for a, e, r in of(after, "GabrielL"))


def test_hr_status_on_leave_through_the_collect_suspends_and_its_return_resumes(workspace, directory):
    """The contract's on_leave flag mapped from an HR column (here the export's CostCentre, set to
    LEAVE in the working copy), collected for real; the collect records the return."""
    from test_hr_collect import sources
    ws = workspace
    ws.set_vars(jml_sources=sources(ws, contract__on_leave="row.CostCentre in ['LEAVE', 'SABBATICAL']"),
                jml_collect_merge={})
    contracts = ws.hr / "T4E_HelloID_Contracts.csv"
    original = contracts.read_text(encoding="utf-8-sig")
    assert ws.play("collect.yml").rc == 0
    assert ws.play("provision.yml").rc == 0
    assert ws.vault_document()["persons"]["GabrielL"]["contracts"][0]["on_leave"] is False

    contracts.write_text(original.replace("GabrielL;1;Internal;1;40;3-12-2014;;OrsonR;;1;EN_DOC;EN_MANA;Profit",
                                          "GabrielL;1;Internal;1;40;3-12-2014;;OrsonR;;1;EN_DOC;EN_MANA;LEAVE"),
                         encoding="utf-8-sig")
    assert ws.play("collect.yml").rc == 0
    assert ws.vault_document()["persons"]["GabrielL"]["contracts"][0]["on_leave"] is True
    check = ws.play("provision.yml", check=True)
    real = ws.play("provision.yml")
    assert real.rc == 0 and real.plan["actions"] == check.plan["actions"], real
    assert of(real, "GabrielL") == [("disable", "suspended", "suspended: contract GabrielL-1 on leave (HR status)")]
    assert account(directory, "GabrielL")[1]["pwdaccountlockedtime"] == [LOCKED]
    assert ws.play("provision.yml").plan["changed"] is False

    contracts.write_text(original, encoding="utf-8-sig")
    assert ws.play("collect.yml").rc == 0
    contract = ws.vault_document()["persons"]["GabrielL"]["contracts"][0]
    assert contract["on_leave"] is False and contract["returned"] == real.plan["reference_date"]
    back = ws.play("provision.yml")
    assert back.rc == 0, back
    assert of(back, "GabrielL") == [("enable", "resumed", "returned from leave: contract GabrielL-1 back from leave "
                                                          "(HR status, %s)" % real.plan["reference_date"])]
    assert "pwdaccountlockedtime" not in account(directory, "GabrielL")[1]
