# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Correlation decisions: parsed, validated against the vault and the accounts, applied before
the anchors, and a starting file nobody can apply unreviewed."""

from __future__ import annotations

import datetime

import pytest
import yaml

from ansible_collections.jml.provisioning.plugins.module_utils.provision import decisions as decisionslib
from ansible_collections.jml.provisioning.plugins.module_utils.provision import plan as planlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision.correlation import Account, correlate
from ansible_collections.jml.provisioning.plugins.module_utils.provision.decisions import DecisionError, parse

ANCHORS = [("id", "employeeNumber"), ("email", "mail")]
PEOPLE = "ou=people,dc=example,dc=test"
TODAY = datetime.date(2026, 6, 15)
SOURCE = "decisions_file d.yml"


def account(uid, **attrs):
    return Account("uid=%s,%s" % (uid, PEOPLE), dict((k.lower(), v if isinstance(v, list) else [v]) for k, v in attrs.items()))


def persons(*ids, **fields):
    return dict((pid, dict({"id": pid}, **fields.get("p" + pid, {}))) for pid in ids)


def decide(*entries):
    return parse([dict({"reason": "checked with HR", "author": "alice"}, **e) for e in entries], SOURCE)


def link(pid, uid, **extra):
    return dict(decision="link", person=pid, account="uid=%s,%s" % (uid, PEOPLE), **extra)


def ignore(uid):
    return dict(decision="ignore", account="uid=%s,%s" % (uid, PEOPLE))


def never(pid):
    return dict(decision="never_link", person=pid)


# Parsing ---------------------------------------------------------------------------------------

def test_a_list_or_a_mapping_with_decisions_and_null_is_none():
    assert parse(None, SOURCE).entries == ()
    assert parse({"decisions": None}, SOURCE).entries == ()
    parsed = parse({"decisions": [dict(link("1", "jan"), reason="r", author="a", date=datetime.date(2026, 12, 3),
                                       ticket="CHG-7")]}, SOURCE)
    [entry] = parsed.entries
    assert (entry.kind, entry.person, entry.date, entry.ticket, entry.index) == ("link", "1", "2026-12-03", "CHG-7", 0)
    assert entry.as_dict() == {"decision": "link", "person": "1", "account": "uid=jan," + PEOPLE, "reason": "r",
                               "author": "a", "date": "2026-12-03", "ticket": "CHG-7"}


def test_a_person_id_written_as_a_number_is_its_text():
    [entry] = parse([{"decision": "never_link", "person": 10023, "reason": "r", "author": "a"}], SOURCE).entries
    assert entry.person == "10023"


@pytest.mark.parametrize("document, message", [
    ("nope", "must hold a list of decisions"),
    ({"decision": []}, "unknown top-level key(s) decision"),
    (["link"], "decisions[0] must be a mapping"),
    ([{"decision": "merge", "reason": "r", "author": "a"}], "decisions[0]: decision must be one of link, ignore, never_link"),
    ([{"decision": "link", "person": "1", "reason": "r", "author": "a"}], "decisions[0] (link): account is required"),
    ([{"decision": "ignore", "account": "uid=x,o=y", "author": "a"}], "decisions[0] (ignore): reason is required"),
    ([{"decision": "ignore", "account": "uid=x,o=y", "reason": "", "author": "a"}], "reason is required"),
    ([{"decision": "never_link", "person": "1", "reason": "r", "author": "TODO"}], "author is still TODO"),
    ([{"decision": "never_link", "person": "1", "reason": "todo", "author": "a"}], "reason is still TODO"),
    ([{"decision": "never_link", "person": "1", "reason": "r", "author": "a", "date": "TODO"}],
     "date is still TODO: fill it in or leave it out"),
    ([{"decision": "never_link", "person": "1", "account": "uid=x,o=y", "reason": "r", "author": "a"}],
     "unknown key(s) account (a never_link names person)"),
    ([{"decision": "ignore", "account": "uid=x,o=y", "reasn": "r", "reason": "r", "author": "a"}], "unknown key(s) reasn"),
    ([{"decision": "ignore", "account": "uid=x,o=y", "reason": "r", "author": "a", "date": ["x"]}],
     "date must be a text or a date"),
])
def test_malformed_entries_are_errors_that_name_the_file_and_the_entry(document, message):
    with pytest.raises(DecisionError) as caught:
        parse(document, SOURCE)
    assert message in str(caught.value)
    assert str(caught.value).startswith(SOURCE)


@pytest.mark.parametrize("entries, message", [
    ([link("1", "jan"), link("2", "jan")], "decisions[1] (link) contradicts decisions[0] (link): both decide account"),
    ([link("1", "jan"), ignore("jan")], "decisions[1] (ignore) contradicts decisions[0] (link)"),
    ([link("1", "jan"), link("1", "piet")], "both decide person 1"),
    ([link("1", "jan"), never("1")], "decisions[1] (never_link) contradicts decisions[0] (link): both decide person 1"),
    ([ignore("jan"), dict(ignore("JAN"), account="UID=JAN , OU=People,dc=example,dc=test")], "both decide account"),
])
def test_two_decisions_about_one_person_or_account_are_an_error(entries, message):
    with pytest.raises(DecisionError) as caught:
        decide(*entries)
    assert message in str(caught.value)


# Validation against the vault and the accounts read ----------------------------------------------

def test_a_person_not_in_the_vault_is_an_error():
    with pytest.raises(DecisionError) as caught:
        correlate(persons("1"), [account("jan")], ANCHORS, decisions=decide(link("9", "jan")))
    assert str(caught.value) == "decisions_file d.yml: decisions[0] (link): person 9 is not in the vault"


def test_an_account_outside_the_read_scope_is_an_error_and_every_problem_is_counted():
    with pytest.raises(DecisionError) as caught:
        correlate(persons("1"), [account("jan")], ANCHORS,
                  decisions=decide(ignore("svc"), never("7"), link("1", "jan")))
    text = str(caught.value)
    assert text.startswith("decisions_file d.yml: decisions[0] (ignore): account uid=svc,%s is not in the "
                           "target's managed scope (read: 1 accounts)" % PEOPLE)
    assert "and 1 more: decisions_file d.yml: decisions[1] (never_link): person 7 is not in the vault" in text


def test_a_link_to_an_account_carrying_another_persons_identity_anchor_is_an_error():
    accounts = [account("jan", employeeNumber="2")]
    with pytest.raises(DecisionError) as caught:
        correlate(persons("1", "2"), accounts, ANCHORS, decisions=decide(link("1", "jan")))
    assert "carries person 2's employeeNumber (2): linking it to person 1 would take it from them" in str(caught.value)
    # deciding for person 2 too makes it a reviewed move: 2 gets no account here, 1 gets jan
    result = correlate(persons("1", "2"), accounts, ANCHORS, decisions=decide(link("1", "jan"), never("2")))
    assert result.matched == {"1": accounts[0]}
    assert result.never_linked == {"2"} and result.vanished == [] and result.uncorrelated_persons == []


# Application --------------------------------------------------------------------------------------

def test_a_link_matches_an_account_without_anchor_values_which_is_not_an_orphan_any_more():
    jan = account("jmuller")
    result = correlate(persons("1"), [jan], ANCHORS, decisions=decide(link("1", "JMULLER")))
    assert result.matched == {"1": jan}
    assert result.uncorrelated_accounts == [] and result.uncorrelated_persons == []
    [entry] = result.report()["decisions"]["entries"]
    assert (entry["effect"], entry["account"], entry["index"], entry["author"]) == ("linked", jan.dn, 0, "alice")
    assert result.report()["decisions"]["applied"] == 1


def test_a_link_resolves_a_conflict_it_names_and_wins_over_the_later_anchor():
    shared = account("info", mail="info@x")
    both = persons("1", "2", p1={"email": "info@x"}, p2={"email": "info@x"})
    assert correlate(both, [shared], ANCHORS).conflicts[0]["problem"] == "several persons, one account"
    result = correlate(both, [shared], ANCHORS, decisions=decide(link("1", "info")))
    assert result.matched == {"1": shared} and result.conflicts == []
    assert result.uncorrelated_persons == ["2"]  # a joiner: the account was decided to be 1's
    [entry] = result.decided
    assert entry["effect"] == "linked"  # not redundant: without it the conflict is back
    assert "wins over the anchors of person(s) 2" in entry["detail"]


def test_a_link_resolves_one_person_several_accounts_and_the_other_account_is_left_alone():
    old, new = account("jan", employeeNumber="1"), account("jan2", employeeNumber="1")
    assert correlate(persons("1"), [old, new], ANCHORS).conflicts
    result = correlate(persons("1"), [old, new], ANCHORS, decisions=decide(link("1", "jan2")))
    assert result.matched == {"1": new} and result.conflicts == []
    assert result.vanished == [] and result.left_alone == [old.dn]  # the person's, not a leaver's: not disabled
    [entry] = result.decided
    assert entry["effect"] == "linked"
    assert "uid=jan,%s also carry the person's employeeNumber: left alone" % PEOPLE in entry["detail"]


def test_a_link_the_anchor_finds_by_itself_is_reported_redundant_not_an_error():
    jan = account("jan", employeeNumber="1")
    result = correlate(persons("1"), [jan], ANCHORS, decisions=decide(link("1", "jan")))
    assert result.matched == {"1": jan}
    assert result.report()["decisions"]["redundant"] == 1
    assert result.decided[0]["detail"] == "the anchor employeeNumber finds this account too: the decision can go"


def test_an_ignored_account_is_neither_vanished_nor_uncorrelated_nor_managed():
    svc, orphan = account("svc-backup", employeeNumber="999"), account("svc-print")
    result = correlate(persons("1"), [svc, orphan], ANCHORS, decisions=decide(ignore("svc-backup"), ignore("svc-print")))
    assert result.vanished == [] and result.uncorrelated_accounts == [] and result.matched == {}
    assert result.report()["ignored"] == sorted([svc.dn, orphan.dn])
    assert [e["effect"] for e in result.decided] == ["ignored", "ignored"]


def test_an_ignored_account_carrying_a_persons_anchor_says_so_and_the_person_is_correlated_without_it():
    shared = account("svc-1", employeeNumber="1")
    result = correlate(persons("1"), [shared], ANCHORS, decisions=decide(ignore("svc-1")))
    assert result.matched == {} and result.uncorrelated_persons == ["1"]  # a joiner: the account is nobody's
    assert "it carries the employeeNumber of person(s) 1, who are correlated without it" in result.decided[0]["detail"]


def test_never_link_releases_the_anchors_match_and_creates_nothing():
    jan = account("jan", employeeNumber="1")
    result = correlate(persons("1", "2"), [jan], ANCHORS, decisions=decide(never("1"), never("2")))
    assert result.matched == {} and result.vanished == [] and result.left_alone == [jan.dn]
    assert result.uncorrelated_persons == [] and result.never_linked == {"1", "2"}
    assert [(e["person"], e["effect"]) for e in result.decided] == [("1", "left alone"), ("2", "no account")]


# In the plan -------------------------------------------------------------------------------------

def person(pid, given, family):
    return {"id": pid, "name": {"given": given, "family": family, "display": "%s %s" % (given, family)},
            "contracts": [{"id": pid + "-1", "start": "2020-01-01", "end": None,
                           "department": {"code": "SALES"}, "title": {"code": "AM"}}]}


def build(config, vault, accounts):
    return planlib.build(vault, accounts, config, TODAY, taken_names={})


def test_in_the_plan_a_linked_account_is_updated_with_the_anchor_not_duplicated(make_config):
    config = make_config()
    vault = {"1": person("1", "Jan", "Jansen")}
    legacy = account("jjansen", cn="Jan Jansen", sn="Jansen", givenName="Jan", mail="jjansen@example.test")
    without = build(config, vault, [legacy])
    assert [op.action for op in without.operations] == ["create"]  # a duplicate, without the decision
    config.decisions = decide(link("1", "jjansen"))
    plan = build(config, vault, [legacy])
    [op] = plan.operations
    assert (op.action, op.dn) == ("update", legacy.dn)
    assert op.modifications["employeeNumber"] == ["1"]  # from now on the anchor finds it
    assert plan.managed == 1


def test_in_the_plan_ignored_accounts_are_not_disabled_and_never_linked_persons_not_created(make_config):
    config = make_config()
    vault = {"1": person("1", "Jan", "Jansen"), "2": person("2", "Piet", "Pieters")}
    svc = account("svc-backup", employeeNumber="999", cn="backup", sn="backup")
    before = build(config, vault, [svc])
    assert sorted((op.action, op.person) for op in before.operations) == [("create", "1"), ("create", "2"),
                                                                          ("disable", "999")]
    config.decisions = decide(ignore("svc-backup"), never("2"))
    plan = build(config, vault, [svc])
    assert [(op.action, op.person) for op in plan.operations] == [("create", "1")]
    assert plan.managed == 0
    assert plan.correlation.report()["ignored"] == [svc.dn]


# The starting file ---------------------------------------------------------------------------------

def test_the_template_is_valid_yaml_applies_nothing_and_uncommented_it_still_needs_a_review():
    report = {"conflicts": [{"persons": ["1", "2"], "accounts": ["uid=info," + PEOPLE], "anchor": "mail",
                             "problem": "several persons, one account"},
                            {"person": "3", "accounts": ["uid=x,ou=elsewhere,dc=example,dc=test"], "anchor": "employeeNumber",
                             "problem": "an account outside the managed scope carries the person's anchor"}],
              "uncorrelated_accounts": ["uid=svc-print," + PEOPLE], "vanished": ["uid=svc-backup," + PEOPLE]}
    text = decisionslib.template(report, "ldap://dc1")
    assert parse(yaml.safe_load(text), "t").entries == ()  # every entry commented out
    assert 'person: "1"' in text and 'person: "2"' in text and "never_link" in text
    keys = ("# - decision:", "#   person:", "#   account:", "#   reason:", "#   author:", "#   date:")
    uncommented = [line[2:] for line in text.splitlines() if line.startswith(keys)]
    document = yaml.safe_load("decisions:\n" + "\n".join(uncommented))
    assert len(document["decisions"]) == 6  # 2 links, never_link, ignore + link of the orphan, ignore
    with pytest.raises(DecisionError) as caught:
        parse(document, "t")
    assert "still TODO" in str(caught.value)


def test_the_template_of_a_clean_report_is_an_empty_list():
    text = decisionslib.template({"conflicts": [], "uncorrelated_accounts": [], "vanished": []})
    assert yaml.safe_load(text) == {"decisions": []}


def test_the_demo_example_file_parses_and_names_vault_persons(demo_collect):
    from pathlib import Path
    path = Path(__file__).resolve().parents[5] / "inventories" / "demo" / "decisions.yml"
    decisions = parse(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
    assert [d.kind for d in decisions.entries] == ["link", "ignore", "never_link"]
    persons = demo_collect.document["persons"]
    assert all(d.person in persons for d in decisions.entries if d.person)
