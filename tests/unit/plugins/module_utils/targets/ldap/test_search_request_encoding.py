# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Search requests encoded by ``_ber`` (filters parsed by ldap3) are the bytes ldap3's own
``search_operation`` gives through pyasn1: on every kind of filter, escapes, non-ASCII values,
attribute lists and scopes, and on seeded random filter trees (hypothesis is no dependency of
the project: the same cases on every run)."""

from __future__ import annotations

import random

import ldap3
import pytest
from ldap3.core.exceptions import LDAPException, LDAPInvalidFilterError
from ldap3.operation.search import search_operation
from ldap3.protocol.rfc4511 import ProtocolOp
from ldap3.utils.asn1 import encode
from pyasn1.error import PyAsn1Error

from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import _ldap3_private as private
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import _ber as ber
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap.directory import _filter_value, any_equal

SCOPES = {"base": 0, "one": 1, "subtree": 2}
SHAPES = [
    "(uid=a)", "(objectClass=*)", "(cn=)", "(&(a=1)(b=2))", "(|(a=1)(!(b=2)))", "(!(!(a=1)))",
    "(cn=J*n*s*en)", "(cn=*x)", "(cn=x*)", "(cn=*x*)", "(description=*\\2a*)",
    "(a>=5)", "(a<=5)", "(a~=x)", "(cn:caseExactMatch:=Fred)", "(cn:dn:2.4.6.8.10:=Dino)", "(:dn:2.4.6.8.10:=Dino)",
    "(o:dn:=Ace)", "(:caseIgnoreMatch:=x)",
    "(cn=\\2a\\28x\\29)", "(cn=a\\b)", "(cn=a\\5c)", "(cn=\\e9)", "(cn=\\c3\\a9mile)", "(cn=Émile Zoë)", "(cn=李)",
    "( uid = a )", " (uid=a) ", "(&(objectClass=person)(|(uid=a)(uid=b)(uid=c)))", "(uid=" + "x" * 300 + ")",
    "(|%s)" % "".join("(uid=user%05d)" % i for i in range(150)),  # a long form length: more than 255 bytes
    "(member=cn=Jan \\28NL\\29,ou=people,dc=example,dc=test)", "(cn=a;b)", "(cn;lang-nl=x)",
]
BROKEN = ["(&)", "(|)", "(|(&)(!(a=*)))", "", "uid=a", "(uid=a", "(!(a=1)(b=2))", "(a=1)(b=2)", "((a=1))"]


def ldap3_request(base, search_filter, attributes, scope):
    request = search_operation(base, search_filter, SCOPES[scope], ldap3.DEREF_NEVER, list(attributes) or [ldap3.NO_ATTRIBUTES],
                               0, 0, False, True, True)
    return encode(ProtocolOp().setComponentByName("searchRequest", request))


@pytest.mark.parametrize("search_filter", SHAPES)
@pytest.mark.parametrize("attributes, scope", [([], "one"), (["cn", "1.1"], "subtree"), (["*", "+", "member"], "base")])
def test_each_kind_of_filter_encodes_to_ldap3s_bytes(search_filter, attributes, scope):
    base = "ou=Ünits,dc=example,dc=test"
    want = ldap3_request(base, search_filter, attributes, scope)
    assert private.search_request(base, search_filter, attributes, scope) == want


@pytest.mark.parametrize("search_filter", BROKEN)
def test_a_malformed_filter_is_refused_as_ldap3_refuses_it(search_filter):
    with pytest.raises(LDAPException) as ours:
        private.search_request("dc=t", search_filter, [], "one")
    with pytest.raises(LDAPException) as theirs:
        ldap3_request("dc=t", search_filter, [], "one")
    assert type(ours.value) is type(theirs.value)


def test_a_substring_filter_without_a_substring_is_a_filter_error():
    # ldap3 builds it and pyasn1 then fails with a PyAsn1Error that prints its whole schema
    for search_filter in ("(cn=**)", "(cn=***)", "(&(a=1)(cn=**))"):
        with pytest.raises(LDAPInvalidFilterError, match="substring filter on cn without any substring"):
            private.search_request("dc=t", search_filter, [], "one")


ALPHABET = "aZ09 -_.,=+é李*()\\\x00\x7f#\"<>;"


def random_value(rng):
    return "".join(rng.choice(ALPHABET) for dummy in range(rng.randrange(0, 12)))


def random_filter(rng, depth=0):
    kind = rng.choice(["and", "or", "not"] if depth < 3 and rng.random() < 0.4 else
                      ["equal", "equal", "present", "substring", "greater", "less", "approx"])
    attribute = rng.choice(["uid", "cn", "member", "employeeNumber", "cn;lang-nl", "2.5.4.3"])
    if kind in ("and", "or"):
        return "(%s%s)" % ("&" if kind == "and" else "|", "".join(random_filter(rng, depth + 1)
                                                                  for dummy in range(rng.randrange(1, 5))))
    if kind == "not":
        return "(!%s)" % random_filter(rng, depth + 1)
    if kind == "present":
        return "(%s=*)" % attribute
    if kind == "substring":
        parts = [_filter_value(random_value(rng)) for dummy in range(rng.randrange(2, 5))]
        return "(%s=%s)" % (attribute, "*".join(parts))
    operator = {"equal": "=", "greater": ">=", "less": "<=", "approx": "~="}[kind]
    value = random_value(rng)
    return "(%s%s%s)" % (attribute, operator, _filter_value(value) if rng.random() < 0.8 else value.replace("(", "").replace(")", ""))


def test_random_filters_encode_to_ldap3s_bytes_or_fail_as_ldap3_does():
    rng = random.Random(20261206)
    checked = 0
    for dummy in range(1500):
        search_filter = random_filter(rng)
        try:
            want = ldap3_request("dc=t", search_filter, ["cn"], "subtree")
        except (LDAPException, PyAsn1Error) as exc:  # pyasn1's: a substring filter without a substring
            with pytest.raises(LDAPInvalidFilterError if isinstance(exc, PyAsn1Error) else type(exc)):
                private.search_request("dc=t", search_filter, ["cn"], "subtree")
            continue
        assert private.search_request("dc=t", search_filter, ["cn"], "subtree") == want, search_filter
        checked += 1
    assert checked > 1000  # most random filters are valid: the comparison is not vacuous


def test_an_or_built_from_values_is_what_ldap3_parses_from_its_text():
    # held_dns sends the tree without parsing the text: the request must be the one the text makes
    rng = random.Random(6)
    edges = ["", " ", "  x  ", "\t\u00a0x\u3000", "a*b", "(x)", "\\", "\\2a", "\x00", "é李", "x" * 200]
    for dummy in range(400):
        terms = [(rng.choice(["uid", "cn", "ou"]), rng.choice(edges) if rng.random() < 0.3 else random_value(rng))
                 for dummy in range(rng.randrange(1, 8))]
        built = any_equal(terms)
        assert private.filter_tree(built.text) == built.tree, built.text
        assert private.search_request("ou=x", built.text, ["1.1"], "one") == ber.search_request(
            "ou=x", ber.filter_bytes(built.tree), ["1.1"], "one")


def test_a_filter_value_escapes_exactly_rfc_4515s_five_characters():
    rng = random.Random(4515)
    for dummy in range(3000):
        value = random_value(rng)
        spelled_out = "".join("\\%02x" % ord(ch) if ch in "*()\\\x00" else ch for ch in value)
        assert _filter_value(value) == spelled_out
    assert _filter_value("a*b(c)\\d\x00é") == "a\\2ab\\28c\\29\\5cd\\00é"
