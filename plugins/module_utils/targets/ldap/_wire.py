# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""LDAP messages on the wire for bulk reads and writes (for internal use).

ldap3 decodes every search result into a generic BER tree, then into formatted and raw attribute
dictionaries with a configuration look-up per value, and encodes every request through pyasn1:
at 100k accounts that is most of a run. Here ldap3 still opens, secures and binds the connection
and parses search filters; the bulk requests (searches too) are encoded by ``_ber``, sent on the
connection's socket and their responses decoded straight into plain values. Only for a
synchronous connection after a simple bind (no SASL layer on the socket): ``available(conn)``
says so, and callers fall back to ldap3's own calls otherwise.

This module is the transport: sending, receiving, paging, pipelining. The bytes are
``_ber``'s; what it takes from ldap3 beyond the public API is ``_ldap3_private``'s.
"""

from __future__ import annotations

import socket
from typing import Optional

from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import _ldap3_private
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import _ber as ber
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap._ber import WireError

__all__ = ["WireError", "available", "describe", "paged_search", "Pipeline", "Wire"]

# The attribute of an ldap3 Connection that holds its Wire: the wire's state lives and dies with
# the connection, never in a module-level table.
_WIRE_ATTRIBUTE = "_jml_provisioning_wire"


def available(conn) -> bool:
    """True when requests may go straight onto ``conn``'s socket: a bound synchronous connection
    whose socket carries plain LDAP messages (TLS is below the socket object; SASL is not)."""
    return _ldap3_private.raw_socket(conn) is not None


def describe(code: int, diagnostic: str = "") -> str:
    text = _ldap3_private.result_name(code) or f"result {code}"
    return text + (f" ({diagnostic})" if diagnostic else "")


class Wire(object):
    """Requests and responses on one bound ldap3 connection's socket, message by message.

    One per connection (``Wire.of``): the bytes read off the socket past the last whole message
    stay with it, so the next request on the connection never starts reading mid-message, and
    so does the attribute-name cache of the entry decoder."""

    def __init__(self, conn, sock):
        self.conn = conn
        self.sock = sock
        self._buffer, self._offset = b"", 0  # unread bytes: _buffer[_offset:] (no copy per message)
        self.names: dict = {}                # raw attribute name -> lower-case text (_ber.decode_entry)
        self.broken: Optional[WireError] = None  # set when the stream is out of step: nothing more can be read

    @classmethod
    def of(cls, conn) -> "Wire":
        sock = _ldap3_private.raw_socket(conn)
        if sock is None:
            raise WireError("the connection cannot carry requests on its socket (not bound, not synchronous or SASL)")
        wire = getattr(conn, _WIRE_ATTRIBUTE, None)
        if wire is None or wire.sock is not sock:  # a reopened connection has a new socket and nothing unread
            wire = cls(conn, sock)
            setattr(conn, _WIRE_ATTRIBUTE, wire)
        return wire

    @property
    def pending(self) -> bytes:
        return self._buffer[self._offset:]

    def next_id(self) -> int:
        return _ldap3_private.next_message_id(self.conn)

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except (OSError, socket.timeout) as exc:
            raise WireError(f"sending to the server failed: {exc}")

    def _out_of_step(self, exc: WireError) -> WireError:
        self.broken = exc
        self._buffer, self._offset = b"", 0
        return exc

    def messages(self):
        """Yield ``(data, _ber.Header)`` of each message as it arrives; the header's offsets
        are in ``data``. A stream that does not frame into LDAP messages raises ``WireError``,
        and so does every later read on this connection."""
        if self.broken is not None:
            raise WireError(f"the connection is out of step since an earlier response: {self.broken}")
        data, start = self._buffer, self._offset
        while True:
            try:
                size = ber.frame_size(data, start)
            except WireError as exc:
                raise self._out_of_step(exc)
            if size < 0 or len(data) - start < size:
                try:
                    chunk = self.sock.recv(1 << 16)
                except (OSError, socket.timeout) as exc:
                    raise WireError(f"reading from the server failed: {exc}")
                if not chunk:
                    raise WireError("the server closed the connection" + (" mid-message" if len(data) > start else ""))
                data, start = data[start:] + chunk, 0
                continue
            end = start + size
            try:
                header = ber.decode_header(data, start, end)
            except WireError as exc:  # whose answer this is cannot be known: nothing after it can be trusted
                raise self._out_of_step(exc)
            self._buffer, self._offset = data, end
            yield data, header
            data, start = self._buffer, self._offset


def _notice(data: bytes, header: ber.Header):
    """Unsolicited notification (message id 0): the server is closing the connection."""
    result = ber.decode_result(data, header.start, header.end, header.tag, 0, header.message_start)
    raise WireError(f"the server ended the session: {describe(result.code, result.diagnostic)}")


def paged_search(conn, base, search_filter, attributes, page_size=500, scope="subtree"):
    """Yield ``(dn, {lower attribute: [str]})`` of every entry, page by page (RFC 2696).
    ``search_filter``: RFC 4515 text, or a ``ber.Filter`` built from values (not parsed again)."""
    wire = Wire.of(conn)
    if isinstance(search_filter, ber.Filter):
        operation = ber.search_request(base, ber.filter_bytes(search_filter.tree), attributes, scope)
        search_filter = search_filter.text
    else:
        operation = _ldap3_private.search_request(base, search_filter, attributes, scope)
    cookie = b""
    values = {}  # one text per repeated value of this read (ber.decode_entry)
    while True:
        my_id = wire.next_id()
        wire.send(ber.message(my_id, operation, ber.paged_control(page_size, cookie)))
        cookie = None
        try:
            cookie = yield from _page(wire, my_id, base, search_filter, values)
        except GeneratorExit:  # the caller stopped early: read the rest of this page off the socket
            _drain(wire, my_id)
            raise
        if not cookie:
            return


def _drain(wire: Wire, my_id: int) -> None:
    for dummy, header in wire.messages():
        if header.message_id == my_id and header.tag == ber.SEARCH_DONE:
            return


def _page(wire: Wire, my_id: int, base, search_filter, values=None):
    """Yield the entries of one page; returns the cookie of the next page (b"" for the last)."""
    names = wire.names
    for data, header in wire.messages():
        message_id = header.message_id
        if message_id != my_id:
            if message_id == 0:
                _notice(data, header)
            continue
        tag = header.tag
        if tag == ber.SEARCH_ENTRY:
            try:
                entry = ber.decode_entry(data, header.start, header.end, names, message_id, header.message_start, values)
            except WireError:  # the stream is still in step: leave the socket so for the next request
                try:
                    _drain(wire, my_id)
                except WireError:
                    pass
                raise
            yield entry
        elif tag == ber.SEARCH_DONE:
            result = ber.decode_result(data, header.start, header.end, tag, message_id, header.message_start)
            if result.code != 0:
                raise WireError(f"search of {base} {search_filter} failed: {describe(result.code, result.diagnostic)}",
                                result.code)
            if header.controls == header.message_end:
                return b""
            controls = ber.decode_controls(data, header.controls, header.message_end, message_id, header.message_start)
            return ber.paged_cookie(controls, message_id)
        # a search result reference (a referral elsewhere): not followed
    return b""  # pragma: no cover - messages() ends only by raising


class Pipeline(object):
    """Write requests sent without waiting for each answer, at most ``window`` unanswered.

    Each ``submit`` names a callback that gets ``(code, diagnostic)`` when its response arrives;
    ``drain()`` waits for every answer. The directory may run the requests of one connection in
    parallel (slapd does), so a caller drains before a request that depends on an earlier one.
    At a few hundred microseconds of server time per write, this keeps the client's encoding and
    the server's work overlapped instead of taking turns.
    """

    def __init__(self, conn, window=32):
        self.wire = Wire.of(conn)
        self.window = max(1, window)
        self.waiting = {}  # message id -> callback

    def submit(self, operation, callback, controls=b""):
        message_id = self.wire.next_id()
        self.waiting[message_id] = callback
        self.wire.send(ber.message(message_id, operation, controls))
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
        for data, header in self.wire.messages():
            callback = self.waiting.pop(header.message_id, None)
            if callback is None:
                if header.message_id == 0:
                    _notice(data, header)
                continue
            result = ber.decode_result(data, header.start, header.end, header.tag, header.message_id, header.message_start)
            callback(result.code, result.diagnostic)
            if len(self.waiting) <= until:
                return
