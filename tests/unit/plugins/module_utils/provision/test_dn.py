# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Distinguished names as strings."""

from __future__ import annotations

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.provision import dn


def test_split_honours_escaped_commas():
    assert dn.split("uid=a\\,b, ou=x ,dc=test") == ["uid=a\\,b", "ou=x", "dc=test"]
    assert dn.split("") == [] and dn.split(None) == []


def test_normalise_ignores_case_and_spaces_around_separators():
    assert dn.normalise("UID=Jan , OU=People,DC=Example") == dn.normalise("uid=jan,ou=people,dc=example")


def test_parent_and_first_rdn():
    assert dn.parent("uid=jan,ou=people,dc=test") == "ou=people,dc=test"
    assert dn.first_rdn("uid=jan,ou=people,dc=test") == "uid=jan"


def test_rdn_value_is_unescaped():
    assert dn.rdn_value("cn=Jansen\\, Jan,ou=people") == "Jansen, Jan"


@pytest.mark.parametrize("value, escaped", [
    ("Jansen, Jan", "Jansen\\, Jan"),
    ("a+b=c", "a\\+b\\=c"),
    ("#1", "\\#1"),
    (" lead", "\\ lead"),
    ("trail ", "trail\\ "),
    ("plain", "plain"),
])
def test_escape_value(value, escaped):
    assert dn.escape_value(value) == escaped


def test_build_escapes_and_round_trips():
    built = dn.build("cn", "Jansen, Jan", "ou=people,dc=test")
    assert built == "cn=Jansen\\, Jan,ou=people,dc=test"
    assert dn.rdn_value(built) == "Jansen, Jan"
    assert dn.parent(built) == "ou=people,dc=test"


def test_is_under():
    assert dn.is_under("uid=jan,OU=Disabled,dc=test", "ou=disabled,dc=test")
    assert dn.is_under("ou=disabled,dc=test", "ou=disabled,dc=test")
    assert not dn.is_under("uid=jan,ou=notdisabled,dc=test", "ou=disabled,dc=test")


def test_hex_escapes_mean_the_same_as_backslash_escapes():
    assert dn.normalise("cn=Jansen\\2C Jan,ou=people") == dn.normalise("cn=Jansen\\, Jan,ou=people")
    assert dn.rdn_value("cn=Jansen\\2C Jan,ou=people") == "Jansen, Jan"


def test_domain_is_the_trailing_dc_components():
    assert dn.domain("OU=Groups,OU=EU,DC=example,DC=test") == "DC=example,DC=test"
    assert dn.domain("ou=groups,o=acme") == "" and dn.domain("") == ""


def test_a_value_ending_in_an_escaped_space_keeps_it():
    built = dn.build("cn", "Jan Jansen ", "ou=people,dc=x")
    assert built == "cn=Jan Jansen\\ ,ou=people,dc=x"
    assert dn.rdn_value(built) == "Jan Jansen "
    assert dn.split("cn=Jan\\ , ou=x") == ["cn=Jan\\ ", "ou=x"]
    assert dn.normalise("cn=Jan\\ , ou=x") == dn.normalise("CN=jan\\20,OU=x") != dn.normalise("cn=Jan,ou=x")
    assert dn.strip("  cn=a\\  ") == "cn=a\\ " and dn.strip("a\\\\ ") == "a\\\\"


def test_a_mapped_dn_value_keeps_its_escaped_trailing_space():
    from ansible_collections.jml.provisioning.plugins.module_utils.provision.plan import as_values
    assert as_values("cn=Jan Jansen\\ ,ou=people,dc=x ") == ["cn=Jan Jansen\\ ,ou=people,dc=x"]
    assert as_values("uid=a\\ ") == ["uid=a\\ "]


@pytest.mark.parametrize("value", ["a\x00b", "#hash", " lead", "trail ", 'quo"te', "a,b+c;d<e>f=g\\h", "Łukasz Øster",
                                   "=", "\\", "x\x00"])
def test_every_rfc4514_special_is_escaped_and_comes_back(value):
    escaped = dn.escape_value(value)
    built = dn.build("cn", value, "ou=x")
    assert "\x00" not in built
    assert dn.split(built) == ["cn=" + escaped, "ou=x"]
    assert dn.rdn_value(built) == value


def test_the_short_path_for_plain_dns_gives_the_escaped_paths_key():
    import random
    rng = random.Random(17)
    alphabet = "abcXYZ =,é#+\\\\<>;\"0123456789."
    for dummy in range(20000):
        text = "".join(rng.choice(alphabet) for dummy in range(rng.randrange(1, 24)))
        for candidate in (text, "uid=" + text + ",ou=People, DC=example,dc=test", "CN = " + text):
            assert dn.normalise(candidate) == dn._normalise_escaped(candidate), candidate
    assert dn.normalise("UID=Jan.Jansen, OU=People,dc=Example") == "uid=jan.jansen,ou=people,dc=example"
    assert dn.unescape("plain") == "plain" and dn.unescape("a\\2Cb") == "a,b"


def test_a_plain_rdns_key_is_its_normalised_form_and_others_are_left_to_normalise():
    import random
    rng = random.Random(3)
    alphabet = "abcXYZ =é#+\\\\<>;\"09."
    for dummy in range(20000):
        rdn = "".join(rng.choice(alphabet) for dummy in range(rng.randrange(1, 16)))
        key = dn.plain_rdn_key(rdn)
        assert key is None or key == dn.normalise(rdn), rdn
    assert dn.plain_rdn_key("UID = Jan.Jansen ") == "uid=jan.jansen"
    assert dn.plain_rdn_key("cn=Doe\\, Jan") is None


@pytest.mark.parametrize("rdn", ["uid=Jan.Jansen", " UID = jan ", "cn=Jansen\\, Jan", "cn=a+sn=b", "cn=\\23hash",
                                 "cn=x\\20", "CN=Ünïcode Ñame", "cn=a=b"])
def test_an_rdn_key_is_the_normalised_rdn_without_the_memo(rdn):
    assert dn.rdn_key(rdn) == dn.normalise(rdn)
