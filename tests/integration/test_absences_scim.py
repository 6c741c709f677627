# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Leave on a real SCIM 2.0 server: a person on leave is suspended (active=false, memberships kept
or revoked as configured), never deleted by retention, and active again on return; check mode
predicts each run and a re-run writes nothing."""

from __future__ import annotations

import copy

import pytest

from scim_server import running_scim
from test_scim_accounts import OPTIONS, day, groups, person, play, users, writes

pytest.importorskip("scim2_client.engines.httpx2")


def on_leave(somebody, start, end=None):
    return dict(somebody, absences=[{"start": day(start), "end": day(end) if end is not None else None,
                                     "reason": "PARENTAL"}])


def status_leave(somebody, flag, returned=None):
    changed = copy.deepcopy(somebody)
    changed["contracts"][0]["on_leave"] = flag
    if returned is not None:
        changed["contracts"][0]["returned"] = day(returned)
    return changed


ANA = person("2001", "Ana", "Alba", day(-400))
BO = person("2002", "Bo", "Bakker", day(-400))


def options(date_offset=0, **lifecycle):
    return dict(OPTIONS, reference_date=day(date_offset), lifecycle=dict(OPTIONS["lifecycle"], **lifecycle))


def step(tmp_path, scim, persons, opts):
    """Check mode (nothing written), the real run (the same plan), a re-run (no write): the real run."""
    before = users(scim)
    scim.clear_requests()
    check = play(tmp_path, scim, opts, check=True, persons=persons)
    assert check.rc == 0, check
    assert writes(scim) == [] and users(scim) == before, "check mode wrote"
    run = play(tmp_path, scim, opts, persons=persons)
    assert run.rc == 0, run
    assert run.result["actions"] == check.result["actions"], "the run did what check mode said"
    assert run.result["summary"] == check.result["summary"] and run.result["failures"] == []
    scim.clear_requests()
    again = play(tmp_path, scim, opts, persons=persons)
    assert again.rc == 0 and again.result["changed"] is False and writes(scim) == [], again
    return run


def of(run, pid):
    return sorted((a["action"], a.get("event"), a["reason"]) for a in run.result["actions"] if a["person"] == pid)


def test_leave_suspends_on_scim_never_deletes_and_the_return_activates(tmp_path):
    with running_scim(log_requests=True) as scim:
        step(tmp_path, scim, {"2001": ANA, "2002": BO}, options())
        ids = dict((name, u["id"]) for name, u in users(scim).items())
        assert groups(scim)["IT Staff"] == sorted([ids["ana.alba"], ids["bo.bakker"]])

        # Ana goes on dated leave, Bo's HR status says he is on leave: both suspended, groups kept.
        away = step(tmp_path, scim, {"2001": on_leave(ANA, 0, 30), "2002": status_leave(BO, True)}, options())
        assert of(away, "2001") == [("disable", "suspended", "suspended: on leave since %s until %s" % (day(0), day(30)))]
        assert of(away, "2002") == [("disable", "suspended", "suspended: contract 2002-1 on leave (HR status)")]
        assert away.result["summary"]["disable"] == 2 and away.result["summary"]["suspend"] == 2
        after = users(scim)
        assert after["ana.alba"]["active"] is False and after["bo.bakker"]["active"] is False
        assert groups(scim)["IT Staff"] == sorted([ids["ana.alba"], ids["bo.bakker"]])

        # Sixty days on, retention (30 days, deletes on) would delete a leaver; Bo is on leave still.
        later = play(tmp_path, scim, options(60), persons={"2001": on_leave(ANA, 0, None), "2002": status_leave(BO, True)})
        assert later.rc == 0 and later.result["actions"] == [] and later.result["summary"]["delete"] == 0, later
        assert set(users(scim)) >= {"ana.alba", "bo.bakker"}

        back = step(tmp_path, scim, {"2001": on_leave(ANA, 0, 30), "2002": status_leave(BO, False, returned=31)},
                    options(31))
        assert of(back, "2001") == [("enable", "resumed", "returned from leave: absence ended %s" % day(30))]
        assert of(back, "2002") == [("enable", "resumed", "returned from leave: contract 2002-1 back from leave "
                                                          "(HR status, %s)" % day(31))]
        assert back.result["summary"]["resume"] == 2
        assert users(scim)["ana.alba"]["active"] is True and users(scim)["bo.bakker"]["active"] is True


def test_revoke_groups_on_scim_takes_the_group_for_the_leave_and_gives_it_back(tmp_path):
    with running_scim(log_requests=True) as scim:
        revoking = options(suspend={"revoke_groups": True})
        step(tmp_path, scim, {"2001": ANA}, revoking)
        ana = users(scim)["ana.alba"]["id"]
        away = step(tmp_path, scim, {"2001": on_leave(ANA, -1)}, revoking)
        assert of(away, "2001") == [("disable", "suspended", "suspended: on leave since %s" % day(-1)),
                                    ("revoke", None, "no rule grants it any more (suspended)")]
        assert ana not in groups(scim)["IT Staff"] and users(scim)["ana.alba"]["active"] is False
        back = step(tmp_path, scim, {"2001": on_leave(ANA, -1, 9)}, dict(revoking, reference_date=day(10)))
        assert [a[:2] for a in of(back, "2001")] == [("enable", "resumed"), ("grant", None)]
        assert ana in groups(scim)["IT Staff"] and users(scim)["ana.alba"]["active"] is True
