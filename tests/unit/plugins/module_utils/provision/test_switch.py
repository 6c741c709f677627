# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The boolean account switch (SCIM ``active``, a file's ``active`` column)."""

from __future__ import annotations

from ansible_collections.jml.provisioning.plugins.module_utils.provision.correlation import Account
from ansible_collections.jml.provisioning.plugins.module_utils.provision.switch import ActiveFlag


def account(*values):
    return Account("userName=a,ou=Users", {"active": list(values)} if values else {})


def test_false_is_disabled_and_anything_else_enabled():
    flag = ActiveFlag()
    assert flag.is_disabled(account("false")) and flag.is_disabled(account("False"))
    assert not flag.is_disabled(account("true")) and not flag.is_disabled(account())


def test_switching_writes_only_what_differs():
    flag = ActiveFlag()
    assert flag.switch(account("true"), True) == ({}, {})
    assert flag.switch(account(), True) == ({}, {})  # no value: the server's users are active
    assert flag.switch(account("true"), False) == ({"active": ["true", "false"]}, {"active": ["false"]})
    assert flag.switch(account(), False) == ({"active": [None, "false"]}, {"active": ["false"]})
    assert flag.switch(account("false"), True) == ({"active": ["false", "true"]}, {"active": ["true"]})


def test_a_new_account_always_says_what_it_is():
    assert ActiveFlag().on_create(True) == {"active": ["true"]}
    assert ActiveFlag("status").on_create(False) == {"status": ["false"]}
