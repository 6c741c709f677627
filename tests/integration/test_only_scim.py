# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``only`` against a real SCIM 2.0 server, on the tenant of test_scim_accounts with everything
pending at once (a joiner, a prehire, a leaver who loses a group, a deletion, a rehired mover who
reports to the joiner): each run limited to named persons sends exactly their requests."""

from __future__ import annotations

import pytest

from test_scim_accounts import OPTIONS, ENTERPRISE, groups, play, running_scim, seed, users, writes

pytest.importorskip("scim2_client.engines.httpx2")


def by_person(result):
    found = {}
    for action in result["actions"]:
        found.setdefault(action["person"], []).append(action)
    return found


def test_one_person_then_two_then_everyone_on_scim(tmp_path):
    with running_scim(log_requests=True) as scim:
        ids = seed(scim)
        full = play(tmp_path, scim, OPTIONS, check=True)
        assert full.rc == 0, full
        everyone = by_person(full.result)
        assert set(everyone) == {"1001", "1002", "1003", "1004", "1005"}
        before, members = users(scim), groups(scim)

        # The rehired mover alone: his manager (1001) is a joiner this run does not create.
        limited = dict(OPTIONS, only=["1005"])
        scim.clear_requests()
        check = play(tmp_path, scim, limited, check=True)
        assert check.rc == 0, check
        assert writes(scim) == [], "check mode wrote"
        assert set(by_person(check.result)) == {"1005"}
        assert sorted(a["action"] for a in check.result["actions"]) == ["enable", "grant", "update"]
        assert check.result["only"] == {"persons": ["1005"], "count": 1,
                                        "unset_links": [{"person": "1005", "manager": "1001"}]}
        assert check.result["rules"] == {"it": {"gain": [], "lose": []}, "sales": {"gain": ["1005"], "lose": []}}
        run = play(tmp_path, scim, limited)
        assert run.rc == 0, run
        for key in ("summary", "actions", "rules", "failures", "only", "thresholds", "correlation"):
            assert run.result[key] == check.result[key], key
        assert set(r["path"].rsplit("/", 1)[-1] for r in writes(scim) if "/Users/" in r["path"]) == {ids["ed.eng"]}
        after = users(scim)
        ed = after["ed.eng"]
        assert ed["active"] is True and ed["title"] == "Engineer" and "manager" not in ed.get(ENTERPRISE, {})
        assert dict((k, v) for k, v in after.items() if k != "ed.eng") == dict(
            (k, v) for k, v in before.items() if k != "ed.eng"), "someone else was written"
        assert groups(scim) == dict(members, Sales=[ed["id"]])  # the leaver still in IT Staff: not named

        scim.clear_requests()
        again = play(tmp_path, scim, limited)
        assert again.rc == 0 and again.result["changed"] is False and writes(scim) == [], again

        # The leaver and the deletion: exactly their operations of the full plan.
        two = play(tmp_path, scim, dict(OPTIONS, only=["1004", "1003"]))
        assert two.rc == 0, two
        assert by_person(two.result) == {"1003": everyone["1003"], "1004": everyone["1004"]}
        after = users(scim)
        assert after["cy.chen"]["active"] is False and "di.diaz" not in after
        assert "ana.lopez1" not in after and "bo.berg" not in after
        assert ids["cy.chen"] not in groups(scim)["IT Staff"] and ids["svc.backup"] in groups(scim)["IT Staff"]

        # An id that names nobody: refused before any write, in check mode too.
        scim.clear_requests()
        for check_mode in (True, False):
            wrong = play(tmp_path, scim, dict(OPTIONS, only=["1001", "0000"]), check=check_mode)
            assert wrong.rc != 0 and "only names 0000" in wrong.result.get("msg", ""), wrong
        assert writes(scim) == []

        rest = play(tmp_path, scim, OPTIONS)  # everyone: the joiners, and the mover's link to his manager
        assert rest.rc == 0, rest
        after = users(scim)
        assert after["ed.eng"][ENTERPRISE]["manager"]["value"] == after["ana.lopez1"]["id"]
