"""``only`` against a real Samba AD DC (run under ``flock /tmp/jml-samba.lock``): with a joiner, a
joiner reporting to that joiner, a mover and a leaver pending, each run limited to named persons
writes exactly their operations; AD checks a ``manager`` link, so a joiner whose manager is a
joiner who is not named gets no link (never one to an entry that does not exist) and gets it
from the run that names them both."""

import datetime
import json

import test_ad_samba as ad_tests
from test_ad_samba import AD_VARS, _point_at, managed
from test_openldap_jml import _hr_change

pytestmark = ad_tests.pytestmark
fresh_ad = ad_tests.fresh_ad  # the session's DC, cleared before and after


def _lia_reports_to_noah(hr, today):
    """A second joiner, LiaV, whose manager is the joiner NoahV."""
    fmt = "{d.day}-{d.month}-{d.year}".format
    persons = hr / "T4E_HELLOID_Persons.csv"
    with open(persons, "a", encoding="utf-8") as handle:
        handle.write("LiaV;9100002;L.;Lia;Lia;;Visser;;;F;;;0;;;;;;;;;Lia.Visser@domain.local;FALSE\n")
    contracts = hr / "T4E_HelloID_Contracts.csv"
    text = contracts.read_text(encoding="utf-8-sig")
    contracts.write_text(text.rstrip("\n") + "\n" + ";".join(
        ["LiaV", "1", "Internal", "1", "40", fmt(d=today), "", "NoahV", "", "1", "EN_ICT", "EN_MEDSBU", "Profit"]) + "\n",
        encoding="utf-8-sig")


def only(*ids):
    return ("-e", json.dumps({"jml_only": list(ids)}))


def by_person(plan):
    found = {}
    for action in plan["actions"]:
        found.setdefault(action["person"], []).append(action)
    return found


def test_one_person_at_a_time_on_ad_with_links_that_always_exist(collect_workspace, fresh_ad):
    ws, ad = collect_workspace, fresh_ad
    _point_at(ws, ad)
    assert ws.play("collect.yml").rc == 0
    assert ws.play("provision.yml", "-e", AD_VARS).rc == 0
    _hr_change(ws.hr, datetime.date.today())  # joiner NoahV (manager BethanyC), mover BethanyC, leaver SummerH
    _lia_reports_to_noah(ws.hr, datetime.date.today())
    assert ws.play("collect.yml").rc == 0
    full = ws.play("provision.yml", "-e", AD_VARS, check=True)
    assert full.rc == 0, full
    everyone = by_person(full.plan)
    assert {"NoahV", "LiaV", "BethanyC", "SummerH"} <= set(everyone)
    noah_dn = [a["dn"] for a in everyone["NoahV"] if a["action"] == "create"][0]
    assert [a["changes"]["manager"] for a in everyone["LiaV"] if a["action"] == "create"] == [[None, noah_dn]]

    # Lia alone: her manager's account is not made by this run - no link, AD accepts the create.
    before = managed(ad)
    check = ws.play("provision.yml", "-e", AD_VARS, *only("LiaV"), check=True)
    assert check.rc == 0, check
    assert managed(ad) == before, "check mode wrote to AD"
    assert set(by_person(check.plan)) == {"LiaV"}
    assert check.plan["only"] == {"persons": ["LiaV"], "count": 1,
                                  "unset_links": [{"person": "LiaV", "manager": "NoahV"}]}
    real = ws.play("provision.yml", "-e", AD_VARS, *only("LiaV"))
    assert real.rc == 0, real
    for key in ("summary", "actions", "rules", "failures", "only"):
        assert real.plan[key] == check.plan[key], key
    after = managed(ad)
    assert set(after) == set(before) | {"LiaV"}
    assert "manager" not in after["LiaV"][1]
    assert dict((k, v) for k, v in after.items() if k != "LiaV") == before, "someone else was written"
    assert after["BethanyC"][1] == before["BethanyC"][1] and not int(after["SummerH"][1]["userAccountControl"]) & 2

    # Noah, then Lia again: his create is exactly the full plan's; her link is written to his DN.
    noah = ws.play("provision.yml", "-e", AD_VARS, *only("NoahV"))
    assert noah.rc == 0, noah
    assert [a for a in noah.plan["actions"] if a["action"] == "create"] == \
        [a for a in everyone["NoahV"] if a["action"] == "create"]
    lia = ws.play("provision.yml", "-e", AD_VARS, *only("LiaV"))
    assert lia.rc == 0, lia
    assert [(a["action"], a["changes"].get("manager")[0], a["changes"].get("manager")[1].lower())
            for a in lia.plan["actions"]] == [("update", None, noah_dn.lower())]
    assert managed(ad)["LiaV"][1]["manager"].lower() == noah_dn.lower()
    assert lia.plan["only"]["unset_links"] == []

    rerun = ws.play("provision.yml", "-e", AD_VARS, *only("LiaV", "NoahV"))
    assert rerun.rc == 0 and rerun.plan["changed"] is False, rerun
    now = managed(ad)
    assert now["BethanyC"][1] == before["BethanyC"][1], "the mover waits for a run that names her"
    assert not int(now["SummerH"][1]["userAccountControl"]) & 2, "the leaver waits for a run that names her"

    rest = ws.play("provision.yml", "-e", AD_VARS)
    assert rest.rc == 0, rest
    assert {"BethanyC", "SummerH"} <= set(by_person(rest.plan)) and not {"NoahV", "LiaV"} & set(by_person(rest.plan))
    assert int(managed(ad)["SummerH"][1]["userAccountControl"]) & 2
