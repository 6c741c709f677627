# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unique usernames: candidates per n, normalised, free in every unique attribute."""

from __future__ import annotations

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.expressions.expression import compile_expression
from ansible_collections.jml.provisioning.plugins.module_utils.provision._naming import (
    NameRegistry, NamingError, UsernamePolicy, allocate,
)

GIVEN_DOT_FAMILY = "person.given ~ '.' ~ person.family ~ (n if n > 1 else '')"
JAN = {"person": {"given": "Jan", "family": "Jansen"}}


def policy(*candidates, **options):
    return UsernamePolicy([compile_expression(c, "candidate") for c in candidates or [GIVEN_DOT_FAMILY]], **options)


def uid_and_mail(name):
    """uid and mail come from the same username, so they stay in step."""
    return {"uid": name, "mail": name + "@example.test"}


def name_for(scope=None, registry=None, naming=None, derived=uid_and_mail):
    return allocate(naming or policy(), scope if scope is not None else JAN, registry if registry is not None else NameRegistry(), derived)


def test_the_first_candidate_for_n_1_wins_when_free():
    assert name_for() == "jan.jansen"


def test_a_taken_uid_moves_on_to_n_2():
    assert name_for(registry=NameRegistry({"uid": ["jan.jansen"]})) == "jan.jansen2"


def test_a_name_is_taken_when_any_unique_attribute_holds_it():
    taken = {"uid": ["jan.jansen2"], "mail": ["jan.jansen@example.test"]}
    assert name_for(registry=NameRegistry(taken)) == "jan.jansen3"


def test_collisions_are_case_insensitive_in_values_and_attribute_names():
    assert name_for(registry=NameRegistry({"UID": ["Jan.Jansen"]})) == "jan.jansen2"
    assert name_for(registry=NameRegistry({"Mail": ["JAN.JANSEN@Example.Test"]})) == "jan.jansen2"


def test_candidates_are_tried_in_order_for_each_n():
    naming = policy("person.given[0] ~ person.family", GIVEN_DOT_FAMILY)
    registry = NameRegistry({"uid": ["jjansen", "jan.jansen"]})
    assert name_for(naming=naming, registry=registry) == "jan.jansen2"


def test_two_identical_joiners_in_one_run_get_different_names():
    registry = NameRegistry({"uid": ["piet"]})
    assert [name_for(registry=registry), name_for(registry=registry)] == ["jan.jansen", "jan.jansen2"]


def test_naming_error_after_max_tries_names_the_last_candidates():
    registry = NameRegistry({"uid": ["jan.jansen"] + ["jan.jansen%d" % n for n in range(2, 6)]})
    with pytest.raises(NamingError, match="after 5 tries.*jan.jansen5"):
        name_for(naming=policy(max_tries=5), registry=registry)


def test_naming_error_when_no_candidate_gives_a_name():
    with pytest.raises(NamingError, match="no candidate gave a name"):
        name_for(scope={"person": {}}, naming=policy("person.given", max_tries=3))


@pytest.mark.parametrize("value, options, expected", [
    ("Łukasz.Øster-Straße", {}, "lukasz.oster-strasse"),
    ("José Müller", {}, "josemuller"),
    ("Jan.O'Brien", {}, "jan.obrien"),
    ("jan.van.der.berg-jansen", {"max_length": 12}, "jan.van.der"),    # cut, then trailing '.' stripped
    ("Jan.Jansen", {"lowercase": False}, "Jan.Jansen"),
    ("Jan_Jansen", {"allowed_characters": "a-z"}, "janjansen"),
    ("...", {}, None),
    (None, {}, None),
])
def test_candidates_are_transliterated_cut_and_stripped_to_allowed_characters(value, options, expected):
    assert policy(**options).normalise(value) == expected


def test_registry_reserves_every_value():
    registry = NameRegistry()
    registry.reserve({"uid": "Jan", "mail": "", "cn": None})
    assert not registry.is_free({"UID": "jan"})
    assert registry.is_free({"mail": "jan"})


def with_proxy_addresses(name):
    """AD's four unique attributes from one username; proxyAddresses is multi-valued."""
    return {"sAMAccountName": name, "userPrincipalName": name + "@example.test", "mail": name + "@example.test",
            "proxyAddresses": ["SMTP:%s@example.test" % name, "smtp:%s@corp.example.test" % name]}


@pytest.mark.parametrize("taken", [
    {"proxyAddresses": ["smtp:jan.jansen@example.test"]},           # someone's secondary address
    {"proxyAddresses": ["X500:/o=x", "SMTP:Jan.Jansen@Example.Test"]},  # a primary one, other case
    {"proxyAddresses": ["smtp:jan.jansen@corp.example.test"]},      # the candidate's second value
    {"mail": ["jan.jansen@example.test"]},                          # a mail elsewhere: same address
])
def test_each_value_of_a_multi_valued_attribute_must_be_free(taken):
    assert name_for(registry=NameRegistry(taken), derived=with_proxy_addresses) == "jan.jansen2"


def test_mail_and_proxy_addresses_are_one_address_namespace_without_the_smtp_prefix():
    registry = NameRegistry({"mail": ["jan.jansen@example.test"]})
    assert not registry.is_free({"proxyAddresses": ["SMTP:jan.jansen@example.test"]})
    registry = NameRegistry({"proxyAddresses": ["smtp:piet@example.test"]})
    assert not registry.is_free({"mail": "PIET@example.test"})
    assert registry.is_free({"userPrincipalName": "piet@example.test"})  # not an address attribute
    assert NameRegistry({"proxyAddresses": ["sip:piet@example.test"]}).is_free({"mail": "piet@example.test"})


def test_a_renamed_account_may_keep_its_own_proxy_addresses():
    own = {"proxyAddresses": ["smtp:jan.jansen@example.test", "SMTP:jan@example.test"]}
    registry = NameRegistry({"proxyAddresses": own["proxyAddresses"]})
    assert registry.is_free({"mail": "jan.jansen@example.test", "proxyAddresses": ["SMTP:jan.jansen@example.test"]}, own)


def test_every_value_of_a_multi_valued_attribute_is_reserved():
    registry = NameRegistry()
    assert name_for(registry=registry, derived=with_proxy_addresses) == "jan.jansen"
    assert not registry.is_free({"mail": "jan.jansen@corp.example.test"})
    assert name_for(registry=registry, derived=with_proxy_addresses) == "jan.jansen2"


def test_namesakes_cost_a_constant_number_of_tries_each():
    # The 500th Jan Jansen must not try the 499 names before his: that is quadratic at scale.
    tries = []

    def counted(name):
        tries.append(name)
        return uid_and_mail(name)

    registry, naming = NameRegistry({"uid": ["jan.jansen7"]}), policy(max_tries=1000)
    names = [allocate(naming, JAN, registry, counted) for dummy in range(500)]
    assert names[:8] == ["jan.jansen", "jan.jansen2", "jan.jansen3", "jan.jansen4", "jan.jansen5", "jan.jansen6",
                         "jan.jansen8", "jan.jansen9"]  # still the first free name, in order
    assert len(set(names)) == 500 and names[-1] == "jan.jansen501"
    assert len(tries) < 3 * 500


def test_a_namesake_whose_candidates_differ_is_not_skipped_ahead():
    # Same first name, but at the remembered iteration the candidates give another name: no hint.
    registry = NameRegistry()
    naming = policy("person.given ~ '.' ~ person.family ~ (n if n > 1 else '')",
                    "person.given ~ '.' ~ person.middle ~ '.' ~ person.family ~ n")
    first = dict(JAN, person=dict(JAN["person"], middle="p"))
    second = dict(JAN, person=dict(JAN["person"], middle="q"))
    assert allocate(naming, first, registry, uid_and_mail) == "jan.jansen"
    assert allocate(naming, first, registry, uid_and_mail) == "jan.p.jansen1"
    assert allocate(naming, second, registry, uid_and_mail) == "jan.q.jansen1"
