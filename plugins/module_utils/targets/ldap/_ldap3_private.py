# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every use of ldap3 beyond its documented API, in one place (for internal use).

``_wire`` puts requests straight on an ldap3 connection's socket: it needs the socket, the
connection's message ids, ldap3's filter compiler and its result names. None of that is ldap3's
public API, so a new ldap3 may move or change it: tests/unit/plugins/module_utils/targets/
test_ldap3_private.py checks each name, signature and one encoding and fails naming what changed.
"""

from __future__ import annotations

try:
    import ldap3
    from ldap3.core.results import RESULT_CODES
    from ldap3.operation.search import search_operation
    from ldap3.protocol.rfc4511 import ProtocolOp
    from ldap3.utils.asn1 import encode as _pyasn1_encode
except ImportError:  # pragma: no cover - reported by the plugins with missing_required_lib
    ldap3 = None
    RESULT_CODES = {}

_SCOPES = {"base": 0, "one": 1, "subtree": 2}

# The private names used below, for the fence's test: (module, name).
NAMES = (("ldap3.core.results", "RESULT_CODES"), ("ldap3.operation.search", "search_operation"),
         ("ldap3.protocol.rfc4511", "ProtocolOp"), ("ldap3.utils.asn1", "encode"))
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
    """SearchRequest [APPLICATION 3] as bytes, filter compiled by ldap3 (RFC 4515 syntax); never
    dereferences aliases, no size or time limit, values escaped and encoded as ldap3 does."""
    request = search_operation(base, search_filter, _SCOPES[scope], ldap3.DEREF_NEVER,
                               list(attributes) or [ldap3.NO_ATTRIBUTES], 0, 0, False, True, True)
    return _pyasn1_encode(ProtocolOp().setComponentByName("searchRequest", request))


def result_name(code: int):
    """ldap3's name of an LDAP result code (``constraintViolation``), None for an unknown code."""
    return RESULT_CODES.get(code)
