"""Leave in a flat-file export, in real ansible-playbook runs: the row of a person on leave gets
active=false (groups kept, or emptied with revoke_groups), is never removed by retention, and is
active again on return; check mode is the run, a re-run writes nothing."""

import base64
import csv
import io
import json

import pytest

from test_file_accounts import Env, RULES

PERSON = {"id": "P1", "source": "hr", "name": {"given": "Gabriel", "family": "Landry", "display": "Gabriel Landry"},
          "email": "gabriel.landry@example.test", "manager": None,
          "contracts": [{"id": "P1-1", "start": "2014-12-03", "end": None, "department": {"code": "EN_DOC"},
                         "title": {"code": "EN_MANA", "name": "Manager"}}],
          "absences": [{"start": "2026-12-01", "end": "2027-02-28", "reason": "PARENTAL"}]}


@pytest.fixture
def env(tmp_path):
    env = Env(tmp_path)
    env.vault = tmp_path / "vault.json"
    env.vault.write_text(json.dumps({"format": "jml.provisioning/vault/v1", "collected_at": "2026-11-26T00:00:00Z",
                                     "sources": [], "persons": {"P1": PERSON}}))
    return env


def options(env, export, date, **lifecycle):
    return {"vault": str(env.vault), "encrypt": False, "path": str(export), "reference_date": date,
            "username": {"candidates": ["(person.name.given | ascii) ~ '.' ~ (person.name.family | ascii)"]},
            "attributes": {"display_name": "person.name.display"}, "rules_file": RULES,
            "thresholds": {"disable": 1, "suspend": 1, "delete": 1},  # one account: the 10% default is 0
            "lifecycle": dict({"delete_after_days": 1, "delete_accounts": True}, **lifecycle)}


@pytest.mark.parametrize("revoke", [False, True])
def test_a_row_on_leave_is_inactive_never_removed_and_active_again_on_return(env, tmp_path, revoke):
    export = tmp_path / "badge.csv"
    life = {"suspend": {"revoke_groups": revoke}}

    def step(name, date):
        opts = options(env, export, date, **life)
        return [(name + "_check", opts, {"check_mode": True}), (name, opts, {}), (name + "_again", opts, {}),
                (name + "_file", None, {"ansible.builtin.slurp": {"src": str(export)}})]
    proc, r = env.play(step("before", "2026-11-30") + step("away", "2026-12-01") + step("later", "2027-01-20")
                       + step("back", "2027-03-01"))
    assert proc.returncode == 0, proc.stdout
    for name in ("before", "away", "later", "back"):
        assert r[name]["actions"] == r[name + "_check"]["actions"], name
        assert r[name + "_again"]["changed"] is False and r[name + "_again"]["actions"] == [], name
    away = [(a["action"], a.get("event")) for a in r["away"]["actions"]]
    assert away == [("disable", "suspended")] + ([("revoke", None)] * 2 if revoke else [])
    assert r["away"]["summary"]["suspend"] == 1 and r["away"]["correlation"]["suspended"] == ["P1"]
    assert r["later"]["actions"] == [] and r["later"]["summary"]["delete"] == 0, "retention deleted a person on leave"
    back = [(a["action"], a.get("event"), a["reason"]) for a in r["back"]["actions"] if a["action"] == "enable"]
    assert back == [("enable", "resumed", "returned from leave: absence ended 2027-02-28")]

    def row(name):
        [found] = csv.DictReader(io.StringIO(base64.b64decode(r[name + "_file"]["content"]).decode("utf-8")))
        return found["active"], found["groups"]
    assert row("before") == ("true", "managers;staff")
    assert row("away") == row("later") == ("false", "" if revoke else "managers;staff")
    assert row("back") == ("true", "managers;staff")
