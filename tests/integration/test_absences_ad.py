"""Leave on a real Samba AD DC, through the real playbooks with the demo's AD variant: a person on
leave is suspended (userAccountControl's disable bit, the other bits kept; memberships kept or
revoked as configured), never deleted by retention, and enabled on return. Check mode predicts
each run; a re-run changes nothing. Run under ``flock /tmp/jml-samba.lock`` (fixed ports)."""

import os
import shutil

import pytest

from jml_workspace import ROOT
from test_ad_samba import AD_VARS, _clear, _extra, _point_at, managed

pytestmark = [
    pytest.mark.skipif(shutil.which("samba", path="/usr/sbin:/sbin:" + os.environ.get("PATH", "")) is None,
                       reason="needs Samba AD: hack/install-system-deps.sh"),
    pytest.mark.skipif(os.geteuid() != 0, reason="Samba AD binds ports 389/636: needs root"),
]

LIFECYCLE = {"pre_provision_days": 14, "exclude": "person.custom.blocked"}  # the AD variant's (the demo's)


def _absent(ws, *rows):
    ws.leave.write_text("EmployeeCode;StartDate;EndDate;LeaveType\n" + "".join(";".join(r) + "\n" for r in rows))
    assert ws.play("collect.yml").rc == 0


def _step(ws, date, **variables):
    extra = _extra(ws, "leave-%s" % date, jml_ldap_reference_date=date, **variables)
    before = managed(ws.ad)
    check = ws.play("provision.yml", "-e", AD_VARS, "-e", extra, check=True)
    assert check.rc == 0, check
    assert managed(ws.ad) == before, "check mode wrote to AD"
    real = ws.play("provision.yml", "-e", AD_VARS, "-e", extra)
    assert real.rc == 0, real
    assert real.plan["actions"] == check.plan["actions"], "check mode must be exactly what the run does"
    assert real.plan["failures"] == check.plan["failures"] == []
    rerun = ws.play("provision.yml", "-e", AD_VARS, "-e", extra)
    assert rerun.rc == 0 and rerun.plan["changed"] is False, rerun
    return real


def _of(run, person):
    return sorted((a["action"], a.get("event"), a["reason"]) for a in run.plan["actions"] if a["person"] == person)


@pytest.fixture
def fresh_ad(samba_ad):
    """The session's DC without what other tests provisioned, and left so (as in test_ad_samba)."""
    _clear(samba_ad)
    yield samba_ad
    _clear(samba_ad)


@pytest.fixture
def ws(collect_workspace, fresh_ad):
    ws = collect_workspace
    _point_at(ws, fresh_ad)
    folder = ws.path / "leave"
    shutil.copytree(ROOT / "inventories" / "demo" / "hr" / "leave", folder)
    ws.set_vars(jml_demo_leave_dir=str(folder))
    ws.leave, ws.ad = folder / "absences.csv", fresh_ad
    assert ws.play("collect.yml").rc == 0
    assert ws.play("provision.yml", "-e", AD_VARS, "-e", _extra(ws, "first", jml_ldap_reference_date="2026-11-26")).rc == 0
    return ws


def test_leave_on_ad_sets_the_disable_bit_keeps_the_groups_survives_retention_and_the_return_clears_it(ws):
    dn, gabriel = managed(ws.ad)["GabrielL"]
    uac, groups = int(gabriel["userAccountControl"]), sorted(gabriel["memberOf"])
    assert not uac & 0x2 and len(groups) == 2  # staff and managers

    _absent(ws, ["GabrielL", "1-12-2026", "28-2-2027", "PARENTAL"])
    away = _step(ws, "2026-12-01")
    assert _of(away, "GabrielL") == [("disable", "suspended", "suspended: on leave since 2026-12-01 until 2027-02-28")]
    dn_after, gabriel = managed(ws.ad)["GabrielL"]
    assert dn_after == dn and int(gabriel["userAccountControl"]) == uac | 0x2, "only the disable bit changes"
    assert sorted(gabriel["memberOf"]) == groups

    retention = dict(LIFECYCLE, delete_after_days=1, delete_accounts=True)
    quiet = ws.play("provision.yml", "-e", AD_VARS, "-e", _extra(
        ws, "retention", jml_ldap_reference_date="2027-01-15", jml_ldap_lifecycle=retention,
        jml_ldap_thresholds={"disable": {"count": 10}, "delete": {"count": 10}}))
    assert quiet.rc == 0 and _of(quiet, "GabrielL") == [] and quiet.plan["summary"]["delete"] == 0, quiet
    assert "GabrielL" in managed(ws.ad)

    back = _step(ws, "2027-03-01")
    assert _of(back, "GabrielL") == [("enable", "resumed", "returned from leave: absence ended 2027-02-28")]
    gabriel = managed(ws.ad)["GabrielL"][1]
    assert int(gabriel["userAccountControl"]) == uac and sorted(gabriel["memberOf"]) == groups


def test_revoke_groups_on_ad_empties_the_managed_groups_for_the_leave_and_refills_them(ws):
    dn, gabriel = managed(ws.ad)["GabrielL"]
    groups = sorted(gabriel["memberOf"])
    life = dict(LIFECYCLE, suspend={"revoke_groups": True})
    _absent(ws, ["GabrielL", "1-12-2026", "", "SABBATICAL"])
    away = _step(ws, "2026-12-01", jml_ldap_lifecycle=life)
    assert [a[:2] for a in _of(away, "GabrielL")] == [("disable", "suspended"), ("revoke", None), ("revoke", None)]
    gabriel = managed(ws.ad)["GabrielL"][1]
    assert int(gabriel["userAccountControl"]) & 0x2 and "memberOf" not in gabriel

    _absent(ws, ["GabrielL", "1-12-2026", "31-12-2026", "SABBATICAL"])
    back = _step(ws, "2027-01-04", jml_ldap_lifecycle=life)
    assert [a[:2] for a in _of(back, "GabrielL")] == [("enable", "resumed"), ("grant", None), ("grant", None)]
    gabriel = managed(ws.ad)["GabrielL"][1]
    assert not int(gabriel["userAccountControl"]) & 0x2 and sorted(gabriel["memberOf"]) == groups
