# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Active Directory behaviours of the planner: userAccountControl, CN as RDN, accountExpires."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.provision import plan as planlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision.correlation import Account
from ansible_collections.jml.provisioning.plugins.module_utils.expressions.expression import filetime
from ansible_collections.jml.provisioning.plugins.module_utils.provision.passwords import generate_password
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap.directory import password_attributes

TODAY = datetime.date(2026, 6, 1)
PEOPLE = "OU=People,DC=example,DC=test"


@pytest.fixture
def ad(make_config):
    return make_config(
        flavour="ad", accounts_dn=PEOPLE, search_base="DC=example,DC=test",
        rdn={"attribute": "cn", "value": "person.name.display"},
        anchor={"person": "id", "attribute": "employeeID"},
        username={"attribute": "sAMAccountName", "max_length": 20,
                  "candidates": ["(person.name.given | ascii) ~ '.' ~ (person.name.family | ascii) ~ (n if n > 1 else '')"],
                  "unique_attributes": ["sAMAccountName", "userPrincipalName"]},
        attributes={"givenName": "person.name.given", "sn": "person.name.family", "displayName": "person.name.display",
                    "userPrincipalName": "username ~ '@example.test'", "accountExpires": "employment.end | filetime"},
        object_classes=["top", "person", "organizationalPerson", "user"],
        disable={"strategy": ["uac"]})


def person(pid, given="Jan", family="Jansen", end=None, start="2020-01-01"):
    return {"id": pid, "name": {"given": given, "family": family, "display": "%s %s" % (given, family)},
            "contracts": [{"id": pid + "-1", "start": start, "end": end}]}


def build(persons, accounts=(), config=None):
    return planlib.build(dict((p["id"], p) for p in persons), list(accounts), config, TODAY, taken_names={})


def test_a_joiner_is_cn_display_name_with_sam_and_upn_and_an_enabled_uac(ad):
    [op] = build([person("1")], config=ad).operations
    assert op.dn == "cn=Jan Jansen,%s" % PEOPLE
    assert op.modifications["sAMAccountName"] == ("jan.jansen",)
    assert op.modifications["userPrincipalName"] == ("jan.jansen@example.test",)
    assert op.modifications["userAccountControl"] == ["512"]
    assert op.modifications["accountExpires"] == ("9223372036854775807",)


def test_two_namesakes_get_numbered_cns_and_numbered_logins(ad):
    ops = dict((op.person, op) for op in build([person("1"), person("2")], config=ad).operations)
    assert [ops[p].dn.split(",")[0] for p in "12"] == ["cn=Jan Jansen", "cn=Jan Jansen (2)"]
    assert [ops[p].modifications["sAMAccountName"] for p in "12"] == [("jan.jansen",), ("jan.jansen2",)]


def _existing(uac, dn="CN=Jan Jansen,%s" % PEOPLE, **extra):
    attrs = {"samaccountname": ["jan.jansen"], "employeeid": ["1"], "givenname": ["Jan"], "sn": ["Jansen"],
             "displayname": ["Jan Jansen"], "userprincipalname": ["jan.jansen@example.test"],
             "accountexpires": ["0"], "useraccountcontrol": [str(uac)]}
    attrs.update(extra)
    return Account(dn, attrs)


def test_an_unchanged_account_is_quiet_and_never_expiring_means_0_or_max(ad):
    assert build([person("1")], [_existing(512)], config=ad).operations == []


def test_disable_and_enable_flip_only_the_accountdisable_bit(ad):
    leaver = build([person("1", end="2026-01-31")], [_existing(512 | 0x10000)], config=ad)
    disable = [op for op in leaver.operations if op.action == "disable"][0]
    assert disable.modifications == {"userAccountControl": [str(512 | 0x10000 | 2)]}
    rehire = build([person("1")], [_existing(514 | 0x10000)], config=ad)
    assert [(op.action, op.modifications) for op in rehire.operations] == [
        ("enable", {"userAccountControl": [str(512 | 0x10000)]})]


def test_a_display_name_change_renames_the_cn_but_not_the_login(ad):
    plan = build([person("1", family="Vries")], [_existing(512)], config=ad)
    move = [op for op in plan.operations if op.action == "move"][0]
    assert move.new_dn == "cn=Jan Vries,%s" % PEOPLE
    update = [op for op in plan.operations if op.action == "update"][0]
    assert "sAMAccountName" not in update.changes and "userPrincipalName" not in update.changes


def test_a_numbered_cn_from_an_earlier_clash_is_kept(ad):
    assert build([person("1")], [_existing(512, dn="CN=Jan Jansen (2),%s" % PEOPLE)], config=ad).operations == []


def test_filetime_is_the_end_of_the_last_day_and_never_without_a_date():
    utc_midnight = (datetime.date(2026, 7, 1) - datetime.date(1601, 1, 1)).days * 864000000000
    assert filetime("2026-06-30", "UTC") == str(utc_midnight)
    # Midnight in Amsterdam (UTC+2 in summer) is two hours before midnight UTC.
    assert filetime("2026-06-30", "Europe/Amsterdam") == str(utc_midnight - 2 * 3600 * 10000000)
    assert filetime(None) == "9223372036854775807"
    assert filetime("2026-06-30", False) == filetime("2026-06-29")  # 0.1.0's end_of_day argument


def test_filetime_without_a_zone_is_the_controllers_local_midnight(monkeypatch):
    import time
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert filetime("2026-01-15") == filetime("2026-01-15", "America/New_York")
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_an_unknown_time_zone_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        filetime("2026-06-30", "Mars/Olympus")


def _contracts(*windows):
    return [{"id": "c%d" % i, "start": start, "end": end} for i, (start, end) in enumerate(windows)]


@pytest.mark.parametrize("windows, expected", [
    ([("2020-01-01", "2026-06-30")], "2026-06-30"),
    # a second, open-ended contract: the employment has no end, whichever contract is primary
    ([("2020-01-01", "2026-06-30"), ("2026-03-01", None)], None),
    # a future contract extends the employment
    ([("2020-01-01", "2026-06-30"), ("2026-07-01", "2027-12-31")], "2027-12-31"),
    # a contract that ended long ago does not count once a later one runs
    ([("2010-01-01", "2012-12-31"), ("2020-01-01", "2026-08-31")], "2026-08-31"),
    # a leaver: the last end of all
    ([("2010-01-01", "2012-12-31"), ("2013-01-01", "2020-05-31")], "2020-05-31"),
])
def test_employment_end_is_the_latest_end_of_current_and_future_contracts(windows, expected):
    from ansible_collections.jml.provisioning.plugins.module_utils.provision import lifecycle
    assert lifecycle.employment(_contracts(*windows), TODAY)["end"] == expected


def test_account_expires_follows_the_employment_not_the_primary_contract(make_config):
    config = make_config(
        flavour="ad", accounts_dn=PEOPLE, rdn={"attribute": "cn", "value": "person.name.display"},
        anchor={"person": "id", "attribute": "employeeID"},
        username={"attribute": "sAMAccountName", "candidates": ["person.name.given | lower"]},
        attributes={"accountExpires": "employment.end | filetime('UTC')"},
        object_classes=["user"], disable={"strategy": ["uac"]})
    two = dict(person("1"), contracts=_contracts(("2020-01-01", "2026-06-30"), ("2026-03-01", None)))
    [op] = build([two], config=config).operations
    assert op.modifications["accountExpires"] == ("9223372036854775807",)


def test_unicodepwd_is_quoted_utf16le_and_must_change_sets_pwdlastset():
    values = password_attributes("unicodePwd", "Secret-123", must_change=True)
    assert values == {"unicodePwd": ['"Secret-123"'.encode("utf-16-le")], "pwdLastSet": ["0"]}
    ldap_values = password_attributes("userPassword", "Secret-123")
    assert ldap_values["userPassword"][0].startswith("{SSHA}")


def test_generated_passwords_meet_the_default_ad_complexity():
    for dummy in range(50):
        password = generate_password(16)
        assert len(password) == 16
        assert any(c.isupper() for c in password) and any(c.islower() for c in password)
        assert any(c.isdigit() for c in password) and any(not c.isalnum() for c in password)


@pytest.fixture
def ad_mail(make_config):
    """The AD target with mail and two proxy addresses, all four kept in step with the login."""
    return make_config(
        flavour="ad", accounts_dn=PEOPLE, rdn={"attribute": "cn", "value": "person.name.display"},
        anchor={"person": "id", "attribute": "employeeID"},
        username={"attribute": "sAMAccountName", "max_length": 20,
                  "candidates": ["(person.name.given | ascii) ~ '.' ~ (person.name.family | ascii) ~ (n if n > 1 else '')"],
                  "unique_attributes": ["sAMAccountName", "userPrincipalName", "mail", "proxyAddresses"]},
        attributes={"displayName": "person.name.display", "userPrincipalName": "username ~ '@example.test'",
                    "mail": "username ~ '@example.test'",
                    "proxyAddresses": "['SMTP:' ~ username ~ '@example.test', 'smtp:' ~ username ~ '@corp.example.test']"},
        object_classes=["top", "person", "organizationalPerson", "user"], disable={"strategy": ["uac"]})


def test_a_proxy_address_held_elsewhere_moves_every_unique_attribute_to_the_same_suffix(ad_mail):
    taken = {"proxyAddresses": ["X500:/o=x", "smtp:jan.jansen@example.test"], "sAMAccountName": ["piet"]}
    plan = planlib.build({"1": person("1")}, [], ad_mail, TODAY, taken_names=taken)
    [op] = plan.operations
    assert op.modifications["sAMAccountName"] == ("jan.jansen2",)
    assert op.modifications["userPrincipalName"] == op.modifications["mail"] == ("jan.jansen2@example.test",)
    assert op.modifications["proxyAddresses"] == ("SMTP:jan.jansen2@example.test", "smtp:jan.jansen2@corp.example.test")


def test_proxy_addresses_in_another_order_are_unchanged(ad_mail):
    account = Account("CN=Jan Jansen,%s" % PEOPLE, {
        "samaccountname": ["jan.jansen"], "employeeid": ["1"], "displayname": ["Jan Jansen"],
        "userprincipalname": ["jan.jansen@example.test"], "mail": ["jan.jansen@example.test"],
        "proxyaddresses": ["smtp:jan.jansen@corp.example.test", "SMTP:jan.jansen@example.test"],
        "useraccountcontrol": ["512"]})
    assert planlib.build({"1": person("1")}, [account], ad_mail, TODAY, taken_names={}).operations == []
    account.attrs["proxyaddresses"] = ["smtp:jan.jansen@example.test", "smtp:jan.jansen@corp.example.test"]
    [update] = planlib.build({"1": person("1")}, [account], ad_mail, TODAY, taken_names={}).operations
    assert update.modifications == {"proxyAddresses": ["SMTP:jan.jansen@example.test",
                                                       "smtp:jan.jansen@corp.example.test"]}  # the primary's case counts


@pytest.fixture
def ad_proxy(make_config):
    """AD with the demo's mapping: one primary SMTP: address per account, renames on."""
    def make(**overrides):
        options = dict(
            flavour="ad", accounts_dn=PEOPLE, rdn={"attribute": "cn", "value": "person.name.display"},
            anchor={"person": "id", "attribute": "employeeID"},
            username={"attribute": "sAMAccountName", "rename": True,
                      "candidates": ["(person.name.given | ascii | lower) ~ '.' ~ (person.name.family | ascii | lower)"],
                      "unique_attributes": ["sAMAccountName", "mail", "proxyAddresses"]},
            attributes={"displayName": "person.name.display", "mail": "username ~ '@example.test'",
                        "proxyAddresses": "['SMTP:' ~ username ~ '@example.test']"},
            object_classes=["user"], disable={"strategy": ["uac"]})
        options.update(overrides)
        return make_config(**options)
    return make


def _mailbox(proxies, sam="jan.jansen", dn="CN=Jan Jansen,%s" % PEOPLE):
    return Account(dn, {"samaccountname": [sam], "employeeid": ["1"], "displayname": [dn.split(",")[0][3:]],
                        "mail": ["%s@example.test" % sam], "proxyaddresses": list(proxies), "useraccountcontrol": ["512"]})


FOREIGN = ["X500:/o=Example/ou=Exchange/cn=Recipients/cn=jjansen", "smtp:j.jansen@example.test",
           "sip:jan.jansen@example.test"]


def test_proxy_addresses_other_systems_added_are_kept(ad_proxy):
    account = _mailbox(["SMTP:jan.jansen@example.test"] + FOREIGN)
    assert build([person("1")], [account], config=ad_proxy()).operations == [], "no write: the foreign values stay"


def test_a_login_rename_keeps_the_old_primary_address_as_a_secondary_alias(ad_proxy):
    account = _mailbox(["SMTP:jan.jansen@example.test"] + FOREIGN)
    renamed = person("1", family="de Vries")
    ops = build([renamed], [account], config=ad_proxy()).operations
    update = [op for op in ops if op.action == "update"][0]
    assert update.modifications["sAMAccountName"] == ["jan.devries"], "AD's login is written, not only the CN"
    assert sorted(update.modifications["proxyAddresses"]) == sorted(
        ["SMTP:jan.devries@example.test", "smtp:jan.jansen@example.test"] + FOREIGN)
    assert [op.new_dn for op in ops if op.action == "move"] == ["cn=Jan de Vries,%s" % PEOPLE]


def test_an_alias_that_becomes_the_primary_is_not_kept_twice(ad_proxy):
    account = _mailbox(["SMTP:jan.jansen@example.test", "smtp:jan.devries@example.test"])
    ops = build([person("1", family="de Vries")], [account], config=ad_proxy()).operations
    update = [op for op in ops if op.action == "update"][0]
    expected = ["SMTP:jan.devries@example.test", "smtp:jan.jansen@example.test"]
    assert sorted(update.modifications["proxyAddresses"]) == expected


def test_owned_values_null_owns_every_value(ad_proxy):
    account = _mailbox(["SMTP:jan.jansen@example.test"] + FOREIGN)
    [update] = build([person("1")], [account], config=ad_proxy(owned_values={"proxyAddresses": None})).operations
    assert update.modifications["proxyAddresses"] == ["SMTP:jan.jansen@example.test"]


def test_a_case_only_name_change_renames_the_cn(ad_proxy):
    account = _mailbox(["SMTP:jan.devries@example.test"], sam="jan.devries", dn="CN=Jan de Vries,%s" % PEOPLE)
    ops = build([person("1", family="De Vries")], [account], config=ad_proxy()).operations
    assert [(op.action, op.new_dn) for op in ops if op.new_dn] == [("move", "cn=Jan De Vries,%s" % PEOPLE)]


def test_generated_passwords_never_hold_the_login_or_a_display_name_token():
    from ansible_collections.jml.provisioning.plugins.module_utils.provision.passwords import forbidden_tokens
    avoid = forbidden_tokens("jan.jansen", "Jan de Vries-Ham")
    assert avoid == {"jan.jansen", "jan", "vries", "ham"}
    # With a 12-character password and tokens of 3 letters, a clash turns up often enough to test.
    for dummy in range(300):
        password = generate_password(12, avoid={"abc", "xyz"})
        assert "abc" not in password.lower() and "xyz" not in password.lower()


def test_shadow_expire_is_the_day_after_the_last_working_day_and_absent_without_an_end():
    from ansible_collections.jml.provisioning.plugins.module_utils.expressions.expression import shadow_expire
    assert shadow_expire("1970-01-01") == "1"
    assert shadow_expire("2026-06-30") == str((datetime.date(2026, 7, 1) - datetime.date(1970, 1, 1)).days)
    assert shadow_expire(None) is None
