# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Correlation: persons x accounts over anchors; never a guess."""

from __future__ import annotations


from ansible_collections.jml.provisioning.plugins.module_utils.provision.correlation import Account, correlate, person_value

ANCHORS = [("id", "employeeNumber")]


def account(uid, **attrs):
    return Account("uid=%s,ou=people,dc=example,dc=test" % uid,
                   dict((k.lower(), v if isinstance(v, list) else [v]) for k, v in attrs.items()))


def persons(*ids, **fields):
    return dict((pid, dict({"id": pid}, **fields.get(pid, {}))) for pid in ids)


def test_account_attributes_are_read_case_insensitively():
    entry = account("jan", employeeNumber="1", mail=["a@x", "b@x"])
    assert entry.first("EMPLOYEENUMBER") == "1"
    assert entry.values("Mail") == ["a@x", "b@x"]
    assert entry.first("cn") is None and entry.values("cn") == []


def test_person_value_walks_dotted_fields_as_text():
    person = {"id": 7, "name": {"given": "Jan"}, "custom": {"n": None}}
    assert person_value(person, "id") == "7"
    assert person_value(person, "name.given") == "Jan"
    assert person_value(person, "custom.n") is None
    assert person_value(person, "name.given.x") is None


def test_matched_on_the_anchor():
    jan = account("jan", employeeNumber="1")
    result = correlate(persons("1"), [jan], ANCHORS)
    assert result.matched == {"1": jan}
    assert result.report() == {"correlated": 1, "uncorrelated_persons": [], "uncorrelated_accounts": [],
                               "vanished": [], "conflicts": [], "ignored": [],
                               "decisions": {"applied": 0, "redundant": 0, "entries": []}}


def test_anchor_values_match_case_insensitively():
    result = correlate(persons("ab12"), [account("jan", employeeNumber="AB12")], ANCHORS)
    assert list(result.matched) == ["ab12"]


def test_persons_without_an_account_are_uncorrelated():
    result = correlate(persons("1", "2"), [account("jan", employeeNumber="1")], ANCHORS)
    assert result.uncorrelated_persons == ["2"]


def test_accounts_without_an_anchor_value_are_uncorrelated():
    svc = account("svc-backup", cn="backup")
    result = correlate(persons("1"), [svc], ANCHORS)
    assert result.uncorrelated_accounts == [svc.dn]
    assert result.vanished == []


def test_accounts_whose_anchor_value_no_person_has_vanished():
    gone = account("gone", employeeNumber="99")
    result = correlate(persons("1"), [gone], ANCHORS)
    assert result.vanished == [gone]
    assert result.report()["vanished"] == [gone.dn]
    assert result.uncorrelated_accounts == []


def test_one_person_two_accounts_is_a_conflict_and_nobody_is_matched():
    a, b = account("a", employeeNumber="1"), account("b", employeeNumber="1")
    result = correlate(persons("1"), [a, b], ANCHORS)
    assert result.matched == {}
    assert result.uncorrelated_persons == []
    assert result.vanished == [] and result.uncorrelated_accounts == []
    assert result.conflicts == [{"person": "1", "accounts": [a.dn, b.dn], "anchor": "employeeNumber",
                                 "problem": "one person, several accounts"}]


def test_two_persons_one_account_is_a_conflict_and_neither_is_matched():
    shared = account("shared", mail="team@example.test")
    result = correlate(persons("1", "2", **{"1": {"email": "team@example.test"}, "2": {"email": "TEAM@example.test"}}),
                       [shared], [("email", "mail")])
    assert result.matched == {}
    assert result.uncorrelated_persons == []
    assert result.vanished == [] and result.uncorrelated_accounts == []
    assert result.conflicts == [{"persons": ["1", "2"], "accounts": [shared.dn], "anchor": "mail",
                                 "problem": "several persons, one account"}]


def test_the_first_anchor_with_a_match_wins():
    by_number = account("jan", employeeNumber="1")
    by_mail = account("piet", mail="piet@x")
    people = persons("1", "2", **{"1": {"email": "other@x"}, "2": {"email": "piet@x"}})
    result = correlate(people, [by_number, by_mail], [("id", "employeeNumber"), ("email", "mail")])
    assert result.matched == {"1": by_number, "2": by_mail}


def test_without_anchors_every_person_and_account_is_uncorrelated():
    result = correlate(persons("1"), [account("jan", employeeNumber="1")], [])
    assert result.uncorrelated_persons == ["1"]
    assert result.uncorrelated_accounts == ["uid=jan,ou=people,dc=example,dc=test"]


def test_an_account_in_a_conflict_is_not_matched_by_a_later_anchor():
    x = account("x", employeeNumber="A", mail="b@example.test")
    y = account("y", employeeNumber="A")
    people = persons("A", "B", **{"B": {"email": "b@example.test"}})
    result = correlate(people, [x, y], [("id", "employeeNumber"), ("email", "mail")])
    assert "B" not in result.matched
