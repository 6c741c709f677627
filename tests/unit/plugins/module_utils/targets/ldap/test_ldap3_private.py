# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fence around ldap3's private names (plugins/module_utils/targets/_ldap3_private.py): when a
new ldap3 moves or changes one of them, these fail and say which, with the ldap3 version."""

from __future__ import annotations

import importlib
import inspect

import ldap3
import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import _ldap3_private as private
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import _ber as ber

VERSION = f"ldap3 {ldap3.__version__}"


@pytest.mark.parametrize("module, name", private.NAMES)
def test_each_private_name_is_still_there(module, name):
    try:
        found = importlib.import_module(module)
    except ImportError as exc:
        pytest.fail(f"{VERSION}: the module {module} is gone ({exc}); _ldap3_private imports {name} from it")
    assert hasattr(found, name), f"{VERSION}: {module}.{name} is gone; _ldap3_private uses it"


def test_parse_filter_takes_its_arguments_in_the_same_order_and_gives_filter_nodes():
    search = importlib.import_module("ldap3.operation.search")
    parameters = list(inspect.signature(search.parse_filter).parameters)
    expected = ["search_filter", "schema", "auto_escape", "auto_encode", "validator", "check_names"]
    assert parameters == expected, (
        f"{VERSION}: ldap3.operation.search.parse_filter{inspect.signature(search.parse_filter)} changed; "
        f"_ldap3_private.filter_tree passes {expected} by position")
    root = search.parse_filter("(&(cn=a*)(!(uid=b)))", None, True, True, None, False)
    node = root.elements[0]
    assert (node.tag, len(node.elements)) == (search.AND, 2), f"{VERSION}: parse_filter's FilterNode tree changed"
    assert node.elements[0].assertion in ({"attr": "cn", "initial": b"a"}, {"attr": "cn", "initial": "a"}), (
        f"{VERSION}: a substring node's assertion is now {node.elements[0].assertion}")
    assert private.filter_tree("(&(cn=a*)(!(uid=b)))") == (
        "and", [("substring", "cn", b"a", [], None), ("not", ("equal", "uid", b"b"))])


def test_a_tiny_search_request_encodes_to_known_bytes():
    # SearchRequest: base "dc=t", one level, never deref, no limits, typesOnly FALSE, (uid=a), [cn]
    known = bytes.fromhex("6325040464633d740a01010a0100020100020100010100a308040375696404016130040402636e")
    got = private.search_request("dc=t", "(uid=a)", ["cn"], "one")
    assert got == known, f"{VERSION}: ldap3's filter compiler or encoder changed: {got.hex()} instead of {known.hex()}"
    # the same bytes from our own encoder: what ldap3 encodes here is plain BER, nothing of its own
    assert known == ber.tlv(0x63, ber.octets("dc=t") + ber.integer(1, 0x0A) + ber.integer(0, 0x0A) + ber.integer(0)
                            + ber.integer(0) + b"\x01\x01\x00" + ber.tlv(0xA3, ber.octets("uid") + ber.octets("a"))
                            + ber.tlv(0x30, ber.octets("cn")))
    no_attributes = private.search_request("dc=t", "(objectClass=*)", [])
    assert no_attributes.endswith(ber.tlv(0x30, ber.octets("1.1"))), f"{VERSION}: ldap3.NO_ATTRIBUTES is no longer 1.1"


def test_result_names_are_ldap3s():
    assert (private.result_name(0), private.result_name(19), private.result_name(68)) == (
        "success", "constraintViolation", "entryAlreadyExists"), f"{VERSION}: ldap3.core.results.RESULT_CODES changed"
    assert private.result_name(4242) is None


def test_a_connection_still_has_what_the_wire_reads_of_it():
    conn = ldap3.Connection(ldap3.Server("ldap://127.0.0.1:9"), client_strategy=ldap3.SYNC)  # never opened
    missing = [name for name in private.CONNECTION_ATTRIBUTES if not hasattr(conn, name)]
    assert not missing, f"{VERSION}: ldap3.Connection has no {', '.join(missing)}; _ldap3_private.raw_socket reads them"
    assert conn.strategy_type == ldap3.SYNC, f"{VERSION}: Connection.strategy_type is no longer the strategy's name"
    assert private.raw_socket(conn) is None  # not bound
    first = private.next_message_id(conn)
    assert isinstance(first, int) and private.next_message_id(conn) == first + 1, (
        f"{VERSION}: Server.next_message_id no longer counts the connection's message ids")
    conn.bound, conn.closed, conn.socket = True, False, object()  # what an open, simply bound connection shows
    assert private.raw_socket(conn) is conn.socket
    conn.sasl_mechanism = ldap3.EXTERNAL
    assert private.raw_socket(conn) is None
