# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every use of ldap3 beyond its documented API, in one place (for internal use).

``_wire`` puts requests straight on an ldap3 connection's socket: it needs the socket, the
connection's message ids, ldap3's filter parser and its result names. None of that is ldap3's
public API, so a new ldap3 may move or change it: tests/unit/plugins/module_utils/targets/
test_ldap3_private.py checks each name, signature and one encoding and fails naming what changed.
"""

from __future__ import annotations

from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import _ber as ber

try:
    import ldap3
    from ldap3.core.exceptions import LDAPInvalidFilterError
    from ldap3.core.results import RESULT_CODES
    from ldap3.operation import search as _search
    from ldap3.operation.search import parse_filter
    from ldap3.protocol.convert import prepare_filter_for_sending
except ImportError:  # pragma: no cover - reported by the plugins with missing_required_lib
    ldap3 = None
    RESULT_CODES = {}

# The private names used below, for the fence's test: (module, name).
NAMES = (("ldap3.core.results", "RESULT_CODES"), ("ldap3.operation.search", "parse_filter"),
         ("ldap3.protocol.convert", "prepare_filter_for_sending"))
# ldap3's filter node tags -> the kinds ``_ber.filter_bytes`` encodes (each also a private name).
_KINDS = (("AND", "and"), ("OR", "or"), ("NOT", "not"), ("MATCH_EQUAL", "equal"), ("MATCH_SUBSTRING", "substring"),
          ("MATCH_GREATER_OR_EQUAL", "greater"), ("MATCH_LESS_OR_EQUAL", "less"), ("MATCH_PRESENT", "present"),
          ("MATCH_APPROX", "approx"), ("MATCH_EXTENSIBLE", "extensible"))
NAMES += tuple(("ldap3.operation.search", name) for name, dummy in _KINDS)
_KIND_OF = dict((getattr(_search, name), kind) for name, kind in _KINDS) if ldap3 is not None else {}
# The attributes of an ldap3 Connection read here (conn.server.next_message_id too).
CONNECTION_ATTRIBUTES = ("strategy_type", "bound", "closed", "sasl_mechanism", "socket", "lazy")


def raw_socket(conn):
    """The socket of ``conn`` when requests may go straight onto it, else None: a bound, open,
    synchronous, non-lazy connection after a simple bind (TLS is below the socket object; a SASL
    security layer would be above it)."""
    if ldap3 is None or getattr(conn, "strategy_type", None) != ldap3.SYNC or getattr(conn, "lazy", False):
        return None
    if not conn.bound or conn.closed or conn.sasl_mechanism:
        return None
    return getattr(conn, "socket", None)


def next_message_id(conn) -> int:
    """The next message id of ``conn``: ldap3 numbers its own requests from the same counter."""
    return conn.server.next_message_id()


def search_request(base: str, search_filter: str, attributes, scope: str = "subtree") -> bytes:
    """SearchRequest [APPLICATION 3] as bytes: the filter parsed by ldap3 as its own search parses
    it (RFC 4515 syntax; values escaped and encoded as ldap3 does), encoded by ``_ber``; never
    dereferences aliases, no size or time limit. The same bytes as ldap3's ``search_operation``
    through pyasn1 (test_search_request_encoding.py compares them on every kind of filter), which
    took 5.3 ms for an OR of 100 names (this: 1.1 ms); a 10k first provisioning asks 220 of them."""
    return ber.search_request(base, ber.filter_bytes(filter_tree(search_filter)), attributes, scope)


def filter_tree(search_filter: str) -> tuple:
    """``search_filter`` as ldap3 parses it, in the plain tuples ``_ber.filter_bytes`` encodes."""
    return _plain(parse_filter(search_filter, None, True, True, None, False).elements[0])


def _plain(node) -> tuple:
    kind = _KIND_OF[node.tag]
    if kind in ("and", "or"):
        return (kind, [_plain(element) for element in node.elements])
    if kind == "not":
        return (kind, _plain(node.elements[0]))
    assertion = node.assertion
    if kind == "present":
        return (kind, assertion["attr"])
    if kind == "substring":
        parts = (_sendable(assertion.get("initial")), [_sendable(part) for part in assertion.get("any") or ()],
                 _sendable(assertion.get("final")))
        if not (parts[0] or parts[1] or parts[2]):  # "(cn=**)": RFC 4511 wants one substring at least
            raise LDAPInvalidFilterError(f"substring filter on {assertion['attr']} without any substring")
        return (kind, assertion["attr"]) + parts
    if kind == "extensible":
        return (kind, assertion["matchingRule"] or None, assertion["attr"] or None,
                _sendable(assertion["value"]), bool(assertion["dnAttributes"]))
    return (kind, assertion["attr"], _sendable(assertion["value"]))


def _sendable(value):
    """An assertion value's bytes as ldap3 sends them (its ``\\XX`` escapes decoded); None for none."""
    if not value:
        return None if value is None else b""
    # What prepare_filter_for_sending gives, without its loop per byte, when there is no escape.
    if type(value) is str and "\\" not in value:  # pylint: disable=unidiomatic-typecheck
        return value.encode("utf-8")
    if type(value) is bytes and b"\\" not in value:  # pylint: disable=unidiomatic-typecheck
        return value  # (ldap3 gives substrings as bytes)
    return prepare_filter_for_sending(value)


def result_name(code: int):
    """ldap3's name of an LDAP result code (``constraintViolation``), None for an unknown code."""
    return RESULT_CODES.get(code)
