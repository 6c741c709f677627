# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""LDAP messages on the wire for bulk reads and writes (for internal use).

ldap3 decodes every search result into a generic BER tree, then into formatted and raw attribute
dictionaries with a configuration look-up per value, and encodes every request through pyasn1:
at 100k accounts that is most of a run. Here ldap3 still opens, secures and binds the connection
and compiles search filters; the bulk requests are encoded here, sent on the connection's socket
and their responses decoded straight into plain values. Only for a synchronous connection after a
simple bind (no SASL layer on the socket): ``available(conn)`` says so, and callers fall back to
ldap3's own calls otherwise.

BER as LDAP uses it (RFC 4511 section 5.1): definite lengths, tags of one byte.
"""

from __future__ import annotations

import base64
import socket
import uuid
import weakref

try:
    import ldap3
    from ldap3.core.results import RESULT_CODES
    from ldap3.operation.search import search_operation
    from ldap3.protocol.rfc4511 import ProtocolOp
    from ldap3.utils.asn1 import encode as _pyasn1_encode
except ImportError:  # pragma: no cover - reported by the plugins with missing_required_lib
    ldap3 = None
    RESULT_CODES = {}

PAGED_RESULTS_OID = b"1.2.840.113556.1.4.319"
_SEARCH_ENTRY, _SEARCH_DONE = 0x64, 0x65  # other responses: only their LDAPResult is read
_MODIFY_OPERATIONS = {"add": 0, "delete": 1, "replace": 2}
_SCOPES = {"base": 0, "one": 1, "subtree": 2}


class WireError(Exception):
    """The server or the connection failed mid-request; the message says how, ``code`` is the
    LDAP result code when the server answered with one."""

    def __init__(self, message, code=None):
        Exception.__init__(self, message)
        self.code = code


def available(conn):
    """True when requests may go straight onto ``conn``'s socket: a bound synchronous connection
    whose socket carries plain LDAP messages (TLS is below the socket object; SASL is not)."""
    return (ldap3 is not None and getattr(conn, "strategy_type", None) == ldap3.SYNC and conn.bound
            and not conn.closed and not conn.sasl_mechanism and getattr(conn, "socket", None) is not None
            and not getattr(conn, "lazy", False))


# --- encoding ---------------------------------------------------------------------------------

def _length(size):
    if size < 0x80:
        return bytes((size,))
    body = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def tlv(tag, content):
    return bytes((tag,)) + _length(len(content)) + content


def integer(value, tag=0x02):
    return tlv(tag, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def octets(value, tag=0x04):
    return tlv(tag, value if isinstance(value, bytes) else str(value).encode("utf-8"))


def _values(values):
    return b"".join(octets(v) for v in values)


def message(message_id, operation, controls=b""):
    """An LDAPMessage: the id, one encoded protocol operation, optional encoded controls."""
    return tlv(0x30, integer(message_id) + operation + (tlv(0xA0, controls) if controls else b""))


def add_request(dn, attributes):
    """AddRequest [APPLICATION 8]: the entry's DN and every attribute with its values."""
    body = b"".join(tlv(0x30, octets(name) + tlv(0x31, _values(values)))
                    for name, values in attributes.items() if values)
    return tlv(0x68, octets(dn) + tlv(0x30, body))


def modify_request(dn, changes):
    """ModifyRequest [APPLICATION 6]: ``changes`` is ``[(operation, attribute, values)]`` with
    operation add, delete or replace (an empty replace or delete removes every value)."""
    body = b"".join(tlv(0x30, integer(_MODIFY_OPERATIONS[op], 0x0A) + tlv(0x30, octets(name) + tlv(0x31, _values(values))))
                    for op, name, values in changes)
    return tlv(0x66, octets(dn) + tlv(0x30, body))


def modify_dn_request(dn, new_rdn, new_superior=None):
    """ModifyDNRequest [APPLICATION 12]: the old RDN value is removed (deleteoldrdn TRUE)."""
    body = octets(dn) + octets(new_rdn) + b"\x01\x01\xff"
    if new_superior:
        body += octets(new_superior, 0x80)
    return tlv(0x6C, body)


def delete_request(dn):
    """DelRequest [APPLICATION 10]: the DN itself is the operation's content."""
    return octets(dn, 0x4A)


TREE_DELETE_OID = "1.2.840.113556.1.4.805"


def tree_delete_control():
    """The tree-delete control (AD, Samba): a delete removes the entry with every object under it."""
    return tlv(0x30, octets(TREE_DELETE_OID) + b"\x01\x01\xff")


def paged_control(size, cookie):
    value = tlv(0x30, integer(size) + octets(cookie or b""))
    return tlv(0x30, octets(PAGED_RESULTS_OID) + octets(value))


def search_request(base, search_filter, attributes, scope="subtree"):
    """SearchRequest [APPLICATION 3] as bytes; ldap3 compiles the filter (RFC 4515 syntax)."""
    request = search_operation(base, search_filter, _SCOPES[scope], ldap3.DEREF_NEVER,
                               list(attributes) or [ldap3.NO_ATTRIBUTES], 0, 0, False, True, True)
    return _pyasn1_encode(ProtocolOp().setComponentByName("searchRequest", request))


# --- decoding ---------------------------------------------------------------------------------

def _read_length(data, i):
    """``(length, index after it)`` of the BER length at ``data[i]``."""
    first = data[i]
    if first < 0x80:
        return first, i + 1
    count = first & 0x7F
    return int.from_bytes(data[i + 1:i + 1 + count], "big"), i + 1 + count


def _message_size(data, start):
    """Bytes of the complete message at ``data[start]``, or -1 when more must be read first."""
    if len(data) - start < 2:
        return -1
    first = data[start + 1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if len(data) - start < 2 + count:
        return -1
    return 2 + count + int.from_bytes(data[start + 2:start + 2 + count], "big")


def decode_values(values, name=""):
    """Raw values as text: UTF-8, objectGUID as the GUID's text form, other binary as base64."""
    if name == "objectguid":  # binary: the GUID's usual text form, never a lucky UTF-8 decode
        return [str(uuid.UUID(bytes_le=v)) if len(v) == 16 else base64.b64encode(v).decode("ascii") for v in values]
    out = []
    for value in values:
        try:
            out.append(value.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(base64.b64encode(value).decode("ascii"))
    return out


_NAMES = {}  # raw attribute name -> its lower-case text, one string for all entries


def _entry(data, i):
    """SearchResultEntry content at ``data[i]`` -> ``(dn, {lower attribute: [str]})``."""
    size, i = _read_length(data, i + 1)           # objectName
    dn = data[i:i + size].decode("utf-8")
    i += size
    size, i = _read_length(data, i + 1)           # attributes: SEQUENCE OF PartialAttribute
    end = i + size
    attrs = {}
    while i < end:
        size, i = _read_length(data, i + 1)       # PartialAttribute SEQUENCE
        following = i + size
        size = data[i + 1]                        # type (short lengths inline: the hot loop)
        i += 2
        if size >= 0x80:
            size, i = _read_length(data, i - 1)
        raw_name = data[i:i + size]
        name = _NAMES.get(raw_name)
        if name is None:
            name = raw_name.decode("utf-8").lower()
            if len(_NAMES) < 4096:  # a schema has a few hundred names; never grow without bound
                _NAMES[raw_name] = name
        i += size
        size, i = _read_length(data, i + 1)       # vals: SET OF value
        stop = i + size
        raw = []
        while i < stop:
            size = data[i + 1]
            i += 2
            if size >= 0x80:
                size, i = _read_length(data, i - 1)
            raw.append(data[i:i + size])
            i += size
        if raw:
            if name == "objectguid":
                attrs[name] = decode_values(raw, name)
            else:
                try:
                    attrs[name] = [v.decode("utf-8") for v in raw]
                except UnicodeDecodeError:
                    attrs[name] = decode_values(raw, name)
        i = following
    return dn, attrs


def _result(data, i, end):
    """LDAPResult content at ``data[i]`` -> ``(code, matched DN, diagnostic message)``."""
    size, i = _read_length(data, i + 1)
    code = int.from_bytes(data[i:i + size], "big")
    i += size
    size, i = _read_length(data, i + 1)
    matched = data[i:i + size].decode("utf-8", "replace")
    i += size
    size, i = _read_length(data, i + 1)
    diagnostic = data[i:i + size].decode("utf-8", "replace")
    return code, matched, diagnostic


def _paged_cookie(data, i, end):
    """The paged-results cookie in the controls at ``data[i:end]`` (b"" when none)."""
    while i < end:
        size, i = _read_length(data, i + 1)       # Control SEQUENCE
        following = i + size
        size, i = _read_length(data, i + 1)
        oid = data[i:i + size]
        i += size
        if oid == PAGED_RESULTS_OID:
            if data[i] == 0x01:                   # criticality
                size, i = _read_length(data, i + 1)
                i += size
            size, i = _read_length(data, i + 1)   # controlValue OCTET STRING
            size, i = _read_length(data, i + 1)   # SEQUENCE { size, cookie }
            size, i = _read_length(data, i + 1)
            i += size
            size, i = _read_length(data, i + 1)
            return data[i:i + size]
        i = following
    return b""


def describe(code, diagnostic=""):
    text = RESULT_CODES.get(code, "result %d" % code)
    return text + (" (%s)" % diagnostic if diagnostic else "")


# Bytes read off a connection's socket past the last whole message: kept with the connection, so
# the next request on it (ours or ldap3's) never starts reading in the middle of a message.
_PENDING = weakref.WeakKeyDictionary()


class Wire(object):
    """Requests and responses on one bound ldap3 connection's socket, message by message."""

    def __init__(self, conn):
        self.conn = conn
        self.sock = conn.socket

    @property
    def pending(self):
        return _PENDING.get(self.conn, b"")

    @pending.setter
    def pending(self, data):
        _PENDING[self.conn] = data

    def next_id(self):
        return self.conn.server.next_message_id()

    def send(self, data):
        try:
            self.sock.sendall(data)
        except (OSError, socket.timeout) as exc:
            raise WireError("sending to the server failed: %s" % exc)

    def messages(self):
        """Yield ``(message id, tag, data, operation start, operation end, message end)`` as they arrive."""
        data, start = self.pending, 0
        while True:
            size = _message_size(data, start)
            if size < 0 or len(data) - start < size:
                try:
                    chunk = self.sock.recv(1 << 16)
                except (OSError, socket.timeout) as exc:
                    raise WireError("reading from the server failed: %s" % exc)
                if not chunk:
                    raise WireError("the server closed the connection")
                data, start = data[start:] + chunk, 0
                continue
            end = start + size
            dummy, i = _read_length(data, start + 1)  # the LDAPMessage SEQUENCE
            id_size, i = _read_length(data, i + 1)
            message_id = int.from_bytes(data[i:i + id_size], "big")
            i += id_size
            tag = data[i]
            op_size, op_start = _read_length(data, i + 1)
            self.pending = data[end:]
            yield message_id, tag, data, op_start, op_start + op_size, end
            data, start = self.pending, 0


def paged_search(conn, base, search_filter, attributes, page_size=500, scope="subtree"):
    """Yield ``(dn, {lower attribute: [str]})`` of every entry, page by page (RFC 2696)."""
    wire = Wire(conn)
    operation = search_request(base, search_filter, attributes, scope)
    cookie = b""
    while True:
        my_id = wire.next_id()
        wire.send(message(my_id, operation, paged_control(page_size, cookie)))
        cookie = None
        try:
            cookie = yield from _page(wire, my_id, base, search_filter)
        except GeneratorExit:  # the caller stopped early: read the rest of this page off the socket
            _drain(wire, my_id)
            raise
        if not cookie:
            return


def _drain(wire, my_id):
    for message_id, tag, dummy, dummy2, dummy3, dummy4 in wire.messages():
        if message_id == my_id and tag == _SEARCH_DONE:
            return


def _page(wire, my_id, base, search_filter):
    """Yield the entries of one page; returns the cookie of the next page (b"" for the last)."""
    for message_id, tag, data, i, op_end, end in wire.messages():
        if message_id != my_id:
            if message_id == 0:  # unsolicited notification: the server is closing the connection
                code, dummy, diagnostic = _result(data, i, op_end)
                raise WireError("the server ended the session: %s" % describe(code, diagnostic))
            continue
        if tag == _SEARCH_ENTRY:
            yield _entry(data, i)
        elif tag == _SEARCH_DONE:
            code, dummy, diagnostic = _result(data, i, op_end)
            if code != 0:
                raise WireError("search of %s %s failed: %s" % (base, search_filter, describe(code, diagnostic)), code)
            cookie = b""
            if op_end < end and data[op_end] == 0xA0:
                dummy, controls_start = _read_length(data, op_end + 1)
                cookie = _paged_cookie(data, controls_start, end)
            return cookie
        # a search result reference (a referral elsewhere): not followed
    return b""


class Pipeline(object):
    """Write requests sent without waiting for each answer, at most ``window`` unanswered.

    Each ``submit`` names a callback that gets ``(code, diagnostic)`` when its response arrives;
    ``drain()`` waits for every answer. The directory may run the requests of one connection in
    parallel (slapd does), so a caller drains before a request that depends on an earlier one.
    At a few hundred microseconds of server time per write, this keeps the client's encoding and
    the server's work overlapped instead of taking turns.
    """

    def __init__(self, conn, window=32):
        self.wire = Wire(conn)
        self.window = max(1, window)
        self.waiting = {}  # message id -> callback

    def submit(self, operation, callback, controls=b""):
        message_id = self.wire.next_id()
        self.waiting[message_id] = callback
        self.wire.send(message(message_id, operation, controls))
        if len(self.waiting) >= self.window:
            self._receive(self.window // 2)

    def call(self, operation, controls=b""):
        """One request, answered before this returns: ``(code, diagnostic)``."""
        answer = []
        self.submit(operation, lambda code, diagnostic: answer.append((code, diagnostic)), controls)
        self.drain()
        return answer[0]

    def drain(self):
        self._receive(0)

    def _receive(self, until):
        """Read answers until at most ``until`` requests are unanswered."""
        if len(self.waiting) <= until:
            return
        for message_id, tag, data, i, end, dummy in self.wire.messages():
            callback = self.waiting.pop(message_id, None)
            if callback is None:
                if message_id == 0:  # unsolicited notification: the server is closing the connection
                    code, dummy, diagnostic = _result(data, i, end)
                    raise WireError("the server ended the session: %s" % describe(code, diagnostic))
                continue
            code, dummy, diagnostic = _result(data, i, end)
            callback(code, diagnostic)
            if len(self.waiting) <= until:
                return
