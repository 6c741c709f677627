# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SCIM attribute paths <-> the engine's flat attributes, and minimal PATCH operations."""

from __future__ import annotations

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.targets.scim import paths

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
DEPARTMENT = paths.parse(paths.ENTERPRISE_USER + ":department")
MANAGER = paths.parse(paths.ENTERPRISE_USER + ":manager.value")
WORK_MAIL = paths.parse('emails[type eq "work"].value')
GIVEN = paths.parse("name.givenName")
USERNAME = paths.parse("userName")
ACTIVE = paths.parse("active")

JOSE = {
    "schemas": [USER, paths.ENTERPRISE_USER],
    "id": "2819c223", "userName": "jose.muller", "active": True,
    "name": {"givenName": "José", "familyName": "Müller"},
    "emails": [{"type": "home", "value": "jose@home.example"},
               {"type": "work", "value": "jose.muller@example.com", "primary": True}],
    paths.ENTERPRISE_USER: {"department": "Sales", "manager": {"value": "26118915", "displayName": "Boss"}},
}


@pytest.mark.parametrize("path, values", [
    (USERNAME, ["jose.muller"]), (GIVEN, ["José"]), (WORK_MAIL, ["jose.muller@example.com"]),
    (DEPARTMENT, ["Sales"]), (MANAGER, ["26118915"]), (ACTIVE, ["true"]),
    (paths.parse("title"), []), (paths.parse('emails[type eq "other"].value'), []),
    (paths.parse("name.middleName"), []),
])
def test_read(path, values):
    assert paths.read(JOSE, path) == values


def test_parse_keeps_the_parts():
    assert WORK_MAIL == paths.Path('emails[type eq "work"].value', None, "emails", "type", "work", "value")
    assert DEPARTMENT.urn == paths.ENTERPRISE_USER and DEPARTMENT.attribute == "department"


@pytest.mark.parametrize("text, words", [
    ("emails[type eq \"work\"]", "no sub-attribute"),
    ("emails[type co \"w\"].value", "not a SCIM attribute path"),
    ("name..givenName", "not a SCIM attribute path"),
    ("", "not a SCIM attribute path"),
])
def test_parse_refuses_what_it_cannot_map(text, words):
    with pytest.raises(paths.PathError, match=words):
        paths.parse(text)


def test_a_new_resource():
    built = paths.resource([USER], {USERNAME: ["ana"], GIVEN: ["Ana"], WORK_MAIL: ["ana@example.com"],
                                    DEPARTMENT: ["IT"], paths.parse("title"): []})
    assert built == {"schemas": [USER, paths.ENTERPRISE_USER], "userName": "ana", "name": {"givenName": "Ana"},
                     "emails": [{"type": "work", "value": "ana@example.com"}], paths.ENTERPRISE_USER: {"department": "IT"}}
    assert all(paths.read(built, p) == v for p, v in ((USERNAME, ["ana"]), (WORK_MAIL, ["ana@example.com"])))


def test_patch_changes_only_what_changed():
    operations = paths.patch_operations(JOSE, {USERNAME: ["jose.muller"], GIVEN: ["Jose"], DEPARTMENT: ["Finance"],
                                               MANAGER: [], WORK_MAIL: ["jose.mueller@example.com"]})
    assert operations == [
        {"op": "replace", "path": "name.givenName", "value": "Jose"},
        {"op": "replace", "path": paths.ENTERPRISE_USER + ":department", "value": "Finance"},
        {"op": "remove", "path": paths.ENTERPRISE_USER + ":manager.value"},
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "jose.mueller@example.com"},
    ]
    assert paths.patch_operations(JOSE, {USERNAME: ["jose.muller"], GIVEN: ["José"]}) == []


def test_patch_adds_an_element_the_filter_does_not_find():
    operations = paths.patch_operations({"userName": "ana"}, {WORK_MAIL: ["ana@example.com"]})
    assert operations == [{"op": "add", "path": "emails", "value": [{"type": "work", "value": "ana@example.com"}]}]


def test_one_value_per_path():
    with pytest.raises(paths.PathError, match="one value expected"):
        paths.patch_operations({}, {GIVEN: ["a", "b"]})
