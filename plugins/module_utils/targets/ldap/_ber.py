# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""LDAP messages as BER bytes and back (for internal use): pure functions, no sockets, no state.

BER as LDAP uses it (RFC 4511 section 5.1): definite lengths, tags of one byte, primitive
OCTET STRINGs. ``_wire`` sends and receives these messages; it keeps whatever lives with a
connection (the bytes read past the last message, the attribute-name cache handed to
``decode_entry``).

Every decoder raises ``WireError`` for a malformed or truncated message, never an IndexError or
UnicodeDecodeError: the hot loops index freely and one ``except`` per message turns what goes
wrong into a ``WireError`` that says where. Nested lengths are checked to close exactly on their
parent's end (once per attribute, not per byte), so a length that overruns its element is an
error, never a value read out of the next element or message.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from typing import NamedTuple, Optional

_tuple_new = tuple.__new__  # a Header without NamedTuple's Python-level __new__: one per message

PAGED_RESULTS_OID = b"1.2.840.113556.1.4.319"
TREE_DELETE_OID = "1.2.840.113556.1.4.805"

SEARCH_ENTRY, SEARCH_DONE, SEARCH_REFERENCE, EXTENDED_RESPONSE = 0x64, 0x65, 0x73, 0x78
# Protocol operations a client may receive; every one but the entry and the reference is an LDAPResult.
RESPONSES = {0x61: "bindResponse", SEARCH_ENTRY: "searchResEntry", SEARCH_DONE: "searchResDone", 0x67: "modifyResponse",
             0x69: "addResponse", 0x6B: "delResponse", 0x6D: "modDNResponse", 0x6F: "compareResponse",
             SEARCH_REFERENCE: "searchResRef", EXTENDED_RESPONSE: "extendedResp", 0x79: "intermediateResponse"}
# What may follow matchedDN and diagnosticMessage in each LDAPResult: referral [3], then the
# operation's own fields (bind: serverSaslCreds [7]; extended: responseName [10], responseValue [11]).
_RESULT_TAILS = {0x61: (0xA3, 0x87), EXTENDED_RESPONSE: (0xA3, 0x8A, 0x8B)}
_PLAIN_TAIL = (0xA3,)

_MODIFY_OPERATIONS = {"add": 0, "delete": 1, "replace": 2}
_NAME_CACHE_LIMIT = 4096  # a schema has a few hundred names; a caller's cache never grows without bound
# One text per distinct value of an attribute in a bulk read (``decode_entry``'s ``values``): 91k
# accounts hold 60 titles, 4 employee types, 2,000 departments and managers - repeated strings.
# An attribute with more distinct values than this (a login, a mail address, a name) stops being
# memoised. Measured at 100k: the accounts read 219 -> 174 MiB for +0.03 s of a 1.6 s read; a
# limit of 16384 (names too) gave 164 MiB for +0.15 s.
_VALUE_MEMO_LIMIT = 4096
_FRESH = object()


class WireError(Exception):
    """The server or the connection failed mid-request, or a response is not valid LDAP.

    ``code``: the LDAP result code when the server answered with one. For a response that does not
    decode: ``operation`` (e.g. "searchResEntry"), ``message_id``, ``offset`` (byte offset in the
    LDAPMessage) and ``expected`` (what the decoder looked for there); each is None when unknown.
    """

    def __init__(self, message: str, code: Optional[int] = None, operation: Optional[str] = None,
                 message_id: Optional[int] = None, offset: Optional[int] = None, expected: Optional[str] = None):
        Exception.__init__(self, message)
        self.code = code
        self.operation = operation
        self.message_id = message_id
        self.offset = offset
        self.expected = expected


class _Malformed(Exception):
    """Raised inside a decoder, turned into a ``WireError`` with the message's context by its handler."""


def _malformed(exc: Exception, operation: str, message_id: Optional[int], offset: int) -> WireError:
    if isinstance(exc, _Malformed):
        expected = str(exc)
    elif isinstance(exc, UnicodeDecodeError):
        expected = "UTF-8 text"
    else:  # IndexError (the data ends early), ValueError: a length or an element runs past its end
        expected = "a complete element (the message is truncated or a length overruns it)"
    where = f" (message {message_id})" if message_id is not None else ""
    return WireError(f"malformed {operation}{where}: expected {expected} at offset {offset}", operation=operation,
                     message_id=message_id, offset=offset, expected=expected)


# --- encoding ---------------------------------------------------------------------------------

def _length(size: int) -> bytes:
    if size < 0x80:
        return bytes((size,))
    body = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def tlv(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:  # the short form: most elements (one bytes() call, not three)
        return bytes((tag, size)) + content
    return bytes((tag,)) + _length(size) + content


def integer(value: int, tag: int = 0x02) -> bytes:
    return tlv(tag, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def octets(value, tag: int = 0x04) -> bytes:
    return tlv(tag, value if isinstance(value, bytes) else str(value).encode("utf-8"))


def _values(values) -> bytes:
    """The values of one attribute, each an OCTET STRING (a list comprehension: joined faster than a generator)."""
    return b"".join([octets(v) for v in values])


def message(message_id: int, operation: bytes, controls: bytes = b"") -> bytes:
    """An LDAPMessage: the id, one encoded protocol operation, optional encoded controls."""
    return tlv(0x30, integer(message_id) + operation + (tlv(0xA0, controls) if controls else b""))


def add_request(dn: str, attributes: dict) -> bytes:
    """AddRequest [APPLICATION 8]: the entry's DN and every attribute with its values."""
    body = b"".join([tlv(0x30, octets(name) + tlv(0x31, _values(values)))
                     for name, values in attributes.items() if values])
    return tlv(0x68, octets(dn) + tlv(0x30, body))


def modify_request(dn: str, changes) -> bytes:
    """ModifyRequest [APPLICATION 6]: ``changes`` is ``[(operation, attribute, values)]`` with
    operation add, delete or replace (an empty replace or delete removes every value)."""
    body = b"".join([tlv(0x30, integer(_MODIFY_OPERATIONS[op], 0x0A) + tlv(0x30, octets(name) + tlv(0x31, _values(values))))
                     for op, name, values in changes])
    return tlv(0x66, octets(dn) + tlv(0x30, body))


def modify_dn_request(dn: str, new_rdn: str, new_superior: Optional[str] = None) -> bytes:
    """ModifyDNRequest [APPLICATION 12]: the old RDN value is removed (deleteoldrdn TRUE)."""
    body = octets(dn) + octets(new_rdn) + b"\x01\x01\xff"
    if new_superior:
        body += octets(new_superior, 0x80)
    return tlv(0x6C, body)


def delete_request(dn: str) -> bytes:
    """DelRequest [APPLICATION 10]: the DN itself is the operation's content."""
    return octets(dn, 0x4A)


def tree_delete_control() -> bytes:
    """The tree-delete control (AD, Samba): a delete removes the entry with every object under it."""
    return tlv(0x30, octets(TREE_DELETE_OID) + b"\x01\x01\xff")


# Filter CHOICE tags (RFC 4511 4.5.1): and/or/not/the assertions constructed, present primitive.
_FILTER_TAGS = {"and": 0xA0, "or": 0xA1, "not": 0xA2, "equal": 0xA3, "substring": 0xA4, "greater": 0xA5,
                "less": 0xA6, "present": 0x87, "approx": 0xA8, "extensible": 0xA9}


def filter_bytes(node: tuple) -> bytes:
    """A Filter from plain tuples: ``("and"|"or", [nodes])``, ``("not", node)``, ``("present", attribute)``,
    ``("equal"|"greater"|"less"|"approx", attribute, value)``, ``("substring", attribute, initial, [any], final)``
    (initial and final None when absent), ``("extensible", rule, attribute, value, dn_attributes)``."""
    kind = node[0]
    tag = _FILTER_TAGS[kind]
    if kind == "equal":  # the common case first: ORs of hundreds of names
        return tlv(tag, octets(node[1]) + octets(node[2]))
    if kind in ("and", "or"):
        return tlv(tag, b"".join([filter_bytes(child) for child in node[1]]))
    if kind == "not":
        return tlv(tag, filter_bytes(node[1]))
    if kind == "present":
        return octets(node[1], tag)
    if kind == "substring":
        dummy, attribute, initial, middle, final = node
        parts = (octets(initial, 0x80) if initial else b"") + b"".join([octets(part, 0x81) for part in middle]) + (
            octets(final, 0x82) if final else b"")
        return tlv(tag, octets(attribute) + tlv(0x30, parts))
    if kind == "extensible":  # MatchingRuleAssertion; dnAttributes DEFAULT FALSE is left out when false
        dummy, rule, attribute, value, dn_attributes = node
        body = (octets(rule, 0x81) if rule else b"") + (octets(attribute, 0x82) if attribute else b"") + octets(value, 0x83)
        return tlv(tag, body + (b"\x84\x01\xff" if dn_attributes else b""))
    return tlv(tag, octets(node[1]) + octets(node[2]))


class Filter(NamedTuple):
    """A search filter built from values rather than parsed from text: ``text`` (RFC 4515) for
    messages and ldap3's own search, ``tree`` (``filter_bytes``'s tuples) for the wire."""
    text: str
    tree: tuple


SCOPES = {"base": 0, "one": 1, "subtree": 2}


def search_request(base: str, search_filter: bytes, attributes, scope: str) -> bytes:
    """SearchRequest [APPLICATION 3]: ``scope`` base, one or subtree; aliases never dereferenced,
    no size or time limit, types and values; ``search_filter`` from ``filter_bytes``; no
    ``attributes``: none at all (``1.1``)."""
    return tlv(0x63, octets(base) + integer(SCOPES[scope], 0x0A) + b"\x0a\x01\x00\x02\x01\x00\x02\x01\x00\x01\x01\x00"
               + search_filter + tlv(0x30, _values(list(attributes) or ["1.1"])))


def paged_control(size: int, cookie: Optional[bytes]) -> bytes:
    value = tlv(0x30, integer(size) + octets(cookie or b""))
    return tlv(0x30, octets(PAGED_RESULTS_OID) + octets(value))


# --- decoding ---------------------------------------------------------------------------------

def read_length(data: bytes, i: int) -> tuple:
    """``(length, index after it)`` of the BER length at ``data[i]``. The long form takes 1 to 4
    octets; the indefinite form (0x80) is not LDAP's. Raises IndexError past the data's end
    (the callers' handlers say where)."""
    first = data[i]
    if first < 0x80:
        return first, i + 1
    count = first & 0x7F
    if not 0 < count <= 4:
        raise _Malformed("a definite length of 1 to 4 octets")
    if i + 1 + count > len(data):
        raise IndexError("length octets cut off")
    return int.from_bytes(data[i + 1:i + 1 + count], "big"), i + 1 + count


def frame_size(data: bytes, start: int = 0) -> int:
    """Bytes of the complete LDAPMessage at ``data[start]``, or -1 when more must be read first.

    Only the SEQUENCE tag and length are read: the stream's framing. A first byte that is no
    SEQUENCE means the stream is out of step: a WireError, not a wait for more bytes."""
    if len(data) - start < 2:
        return -1
    if data[start] != 0x30:
        raise WireError(f"malformed LDAPMessage: expected a SEQUENCE (0x30) at offset 0, got 0x{data[start]:02x}",
                        operation="LDAPMessage", offset=0, expected="a SEQUENCE (0x30)")
    first = data[start + 1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if not 0 < count <= 4:
        raise WireError("malformed LDAPMessage: expected a definite length of 1 to 4 octets at offset 1",
                        operation="LDAPMessage", offset=1, expected="a definite length of 1 to 4 octets")
    if len(data) - start < 2 + count:
        return -1
    return 2 + count + int.from_bytes(data[start + 2:start + 2 + count], "big")


class Header(NamedTuple):
    """Where the parts of one LDAPMessage lie in the buffer it was read into."""
    message_id: int
    tag: int            # the protocol operation's tag: SEARCH_ENTRY, SEARCH_DONE, ...
    start: int          # the operation's content
    end: int            # ... and its end
    controls: int       # the content of the controls [0]: from here to message_end (empty: none)
    message_start: int
    message_end: int


def decode_header(data: bytes, start: int, end: int) -> Header:
    """The id and operation of the complete LDAPMessage at ``data[start:end]`` (``end`` from ``frame_size``)."""
    i, message_id = start, None
    try:
        if data[i] != 0x30:
            raise _Malformed("a SEQUENCE (0x30)")
        size, i = read_length(data, i + 1)
        if i + size != end:
            raise _Malformed(f"a message of {end - i} bytes, not {size}")
        if data[i] != 0x02:
            raise _Malformed("the messageID INTEGER (0x02)")
        size = data[i + 1]
        if not 0 < size <= 4 or data[i + 2] >= 0x80:
            raise _Malformed("a messageID of 1 to 4 octets, 0 to 2**31 - 1")
        i += 2
        message_id = int.from_bytes(data[i:i + size], "big")
        i += size
        tag = data[i]
        if tag not in RESPONSES:
            raise _Malformed("a response operation")
        size, op_start = read_length(data, i + 1)
        op_end = op_start + size
        if op_end > end:
            raise _Malformed("an operation within the message")
        controls = end
        if op_end < end:
            i = op_end
            if data[i] != 0xA0:
                raise _Malformed("controls [0] (0xA0) or the message's end")
            size, controls = read_length(data, i + 1)
            if controls + size != end:
                raise _Malformed("controls that end with the message")
        return _tuple_new(Header, (message_id, tag, op_start, op_end, controls, start, end))
    except (_Malformed, IndexError, ValueError) as exc:
        raise _malformed(exc, "LDAPMessage", message_id, i - start) from None


def decode_values(values, name: str = "") -> list:
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


def decode_entry(data: bytes, i: int, end: int, names: dict, message_id: Optional[int] = None, origin: int = 0,
                 values: Optional[dict] = None) -> tuple:
    """SearchResultEntry content at ``data[i:end]`` -> ``(dn, {lower attribute: [str]})``.

    ``names`` caches raw attribute name -> its lower-case text (one string for all entries; the
    caller keeps it, per connection). ``values``, when given (one dict per bulk read), makes a
    single value that repeats one string: attribute -> {raw value: text}, or None once the
    attribute has too many distinct values (``_VALUE_MEMO_LIMIT``). Offsets in errors count from
    ``origin``, the message's start.
    The hot loop of a bulk read: tag checks and short lengths inline, the closure checks once per
    attribute."""
    try:
        if data[i] != 0x04:
            raise _Malformed("the objectName OCTET STRING (0x04)")
        size, i = read_length(data, i + 1)
        dn = data[i:i + size].decode("utf-8")
        i += size
        if data[i] != 0x30:
            raise _Malformed("the attributes SEQUENCE (0x30)")
        size, i = read_length(data, i + 1)
        if i + size != end:
            raise _Malformed("attributes that end with the entry")
        attrs = {}
        # The lengths below are read inline, read_length called only for the long form: this loop
        # runs once per attribute and value (some 30 lengths per entry, 3 million in a 100k-account read).
        while i < end:
            if data[i] != 0x30:
                raise _Malformed("a PartialAttribute SEQUENCE (0x30)")
            size = data[i + 1]
            i += 2
            if size >= 0x80:
                size, i = read_length(data, i - 1)
            following = i + size
            if data[i] != 0x04:
                raise _Malformed("an attribute description OCTET STRING (0x04)")
            size = data[i + 1]
            i += 2
            if size >= 0x80:
                size, i = read_length(data, i - 1)
            raw_name = data[i:i + size]
            name = names.get(raw_name)
            if name is None:
                name = raw_name.decode("utf-8").lower()
                if len(names) < _NAME_CACHE_LIMIT:
                    names[raw_name] = name
            i += size
            if data[i] != 0x31:
                raise _Malformed("the vals SET (0x31)")
            size = data[i + 1]
            i += 2
            if size >= 0x80:
                size, i = read_length(data, i - 1)
            stop = i + size
            if stop != following:
                raise _Malformed("vals that end with their attribute")
            raw = []
            while i < stop:
                if data[i] != 0x04:
                    raise _Malformed("a value OCTET STRING (0x04)")
                size = data[i + 1]
                i += 2
                if size >= 0x80:
                    size, i = read_length(data, i - 1)
                raw.append(data[i:i + size])
                i += size
            if i != stop:  # the last value overran its SET: it was cut from the next element's bytes
                raise _Malformed("values that end with their SET")
            if len(raw) == 1 and name != "objectguid":
                # most attributes have one value: no list comprehension (decode 0.110 s -> 0.095 s at 10k)
                memo = None if values is None else values.get(name, _FRESH)
                if memo is _FRESH:
                    memo = values[name] = {}
                if memo is not None:
                    text = memo.get(raw[0])
                    if text is not None:
                        attrs[name] = [text]
                        continue
                try:
                    text = raw[0].decode("utf-8")
                except UnicodeDecodeError:
                    attrs[name] = decode_values(raw, name)
                    continue
                attrs[name] = [text]
                if memo is not None:
                    if len(memo) < _VALUE_MEMO_LIMIT:
                        memo[raw[0]] = text
                    else:
                        values[name] = None
            elif raw:
                if name == "objectguid":
                    attrs[name] = decode_values(raw, name)
                else:
                    try:
                        attrs[name] = [v.decode("utf-8") for v in raw]
                    except UnicodeDecodeError:
                        attrs[name] = decode_values(raw, name)
        if i != end:
            raise _Malformed("attributes that end with the entry")
        return dn, attrs
    except (_Malformed, IndexError, ValueError) as exc:
        raise _malformed(exc, "searchResEntry", message_id, i - origin) from None


class Result(NamedTuple):
    """An LDAPResult: what every response but an entry or a reference carries."""
    code: int
    matched: str
    diagnostic: str
    referrals: tuple = ()


def _uris(data: bytes, i: int, end: int) -> tuple:
    """A SEQUENCE OF URI content at ``data[i:end]`` (referrals, a search reference)."""
    uris = []
    while i < end:
        if data[i] != 0x04:
            raise _Malformed("a URI OCTET STRING (0x04)")
        size, i = read_length(data, i + 1)
        uris.append(data[i:i + size].decode("utf-8"))
        i += size
    if i != end:
        raise _Malformed("URIs that end with their SEQUENCE")
    return tuple(uris)


def decode_result(data: bytes, i: int, end: int, tag: int = SEARCH_DONE, message_id: Optional[int] = None,
                  origin: int = 0) -> Result:
    """LDAPResult content at ``data[i:end]`` of the operation ``tag``. Its texts are decoded
    leniently (an error message is worth reading even when it is not UTF-8)."""
    try:
        if data[i] != 0x0A:
            raise _Malformed("the resultCode ENUMERATED (0x0A)")
        size, i = read_length(data, i + 1)
        if not 0 < size <= 4:
            raise _Malformed("a resultCode of 1 to 4 octets")
        code = int.from_bytes(data[i:i + size], "big", signed=True)
        i += size
        if data[i] != 0x04:
            raise _Malformed("the matchedDN OCTET STRING (0x04)")
        size, i = read_length(data, i + 1)
        matched = data[i:i + size].decode("utf-8", "replace")
        i += size
        if data[i] != 0x04:
            raise _Malformed("the diagnosticMessage OCTET STRING (0x04)")
        size, i = read_length(data, i + 1)
        diagnostic = data[i:i + size].decode("utf-8", "replace")
        i += size
        referrals = ()
        for tail in _RESULT_TAILS.get(tag, _PLAIN_TAIL):  # each optional, in this order
            if i >= end or data[i] != tail:
                continue
            size, i = read_length(data, i + 1)
            if tail == 0xA3:
                referrals = _uris(data, i, i + size)
            i += size
        if i != end:
            raise _Malformed(f"the end of the {RESPONSES.get(tag, 'result')}")
        return Result(code, matched, diagnostic, referrals)
    except (_Malformed, IndexError, ValueError) as exc:
        raise _malformed(exc, RESPONSES.get(tag, "LDAPResult"), message_id, i - origin) from None


@dataclass(frozen=True)
class Control:
    oid: bytes
    critical: bool
    value: Optional[bytes]


def decode_controls(data: bytes, i: int, end: int, message_id: Optional[int] = None, origin: int = 0) -> list:
    """Controls content at ``data[i:end]`` (inside the message's [0]) -> ``[Control]``."""
    try:
        controls = []
        while i < end:
            if data[i] != 0x30:
                raise _Malformed("a Control SEQUENCE (0x30)")
            size, i = read_length(data, i + 1)
            following = i + size
            if data[i] != 0x04:
                raise _Malformed("the controlType OCTET STRING (0x04)")
            size, i = read_length(data, i + 1)
            oid = data[i:i + size]
            i += size
            critical, value = False, None
            if i < following and data[i] == 0x01:
                if data[i + 1] != 1:
                    raise _Malformed("a one-octet criticality BOOLEAN")
                critical = data[i + 2] != 0
                i += 3
            if i < following and data[i] == 0x04:
                size, i = read_length(data, i + 1)
                value = data[i:i + size]
                i += size
            if i != following:
                raise _Malformed("the end of the Control")
            controls.append(Control(oid, critical, value))
        if i != end:
            raise _Malformed("controls that end with the message")
        return controls
    except (_Malformed, IndexError, ValueError) as exc:
        raise _malformed(exc, "controls", message_id, i - origin) from None


def paged_cookie(controls, message_id: Optional[int] = None) -> bytes:
    """The cookie of the paged-results control among ``controls`` (b"" when none): its value is
    ``SEQUENCE { size INTEGER, cookie OCTET STRING }`` (RFC 2696)."""
    cookie = b""
    for control in controls:
        if control.oid != PAGED_RESULTS_OID:
            continue
        data, i = control.value or b"", 0
        try:
            if data[0] != 0x30:
                raise _Malformed("the paged-results SEQUENCE (0x30)")
            size, i = read_length(data, 1)
            if i + size != len(data):
                raise _Malformed("a paged-results value that ends with the control")
            if data[i] != 0x02:
                raise _Malformed("the paged-results size INTEGER (0x02)")
            size, i = read_length(data, i + 1)
            if not 0 < size <= 4 or data[i] >= 0x80:
                raise _Malformed("a paged-results size of 1 to 4 octets, 0 to 2**31 - 1")
            i += size
            if data[i] != 0x04:
                raise _Malformed("the paged-results cookie OCTET STRING (0x04)")
            size, i = read_length(data, i + 1)
            if i + size != len(data):
                raise _Malformed("a cookie that ends with the control")
            cookie = data[i:i + size]  # the last paged control wins, as in ldap3
        except (_Malformed, IndexError, ValueError) as exc:
            raise _malformed(exc, "paged-results control", message_id, i) from None
    return cookie


@dataclass
class Message:
    """One decoded response (tests and diagnostics; the bulk paths call the decoders directly)."""
    message_id: int
    operation: str
    entry: Optional[tuple] = None     # searchResEntry: (dn, {lower attribute: [str]})
    result: Optional[Result] = None   # every LDAPResult response
    references: tuple = ()            # searchResRef: its URIs
    controls: tuple = ()


def decode_message(data: bytes, names: Optional[dict] = None) -> Message:
    """Exactly one complete LDAPMessage in ``data`` -> ``Message``; ``WireError`` for anything else."""
    size = frame_size(data, 0)
    if size < 0 or size > len(data):
        raise WireError(f"malformed LDAPMessage: truncated, {len(data)} of {max(size, 2)} bytes", operation="LDAPMessage",
                        offset=len(data), expected="more bytes")
    if size != len(data):
        raise WireError(f"malformed LDAPMessage: {len(data) - size} bytes after its end", operation="LDAPMessage",
                        offset=size, expected="the end of the data")
    header = decode_header(data, 0, size)
    found = Message(header.message_id, RESPONSES[header.tag])
    if header.tag == SEARCH_ENTRY:
        found.entry = decode_entry(data, header.start, header.end, {} if names is None else names, header.message_id)
    elif header.tag == SEARCH_REFERENCE:
        try:
            found.references = _uris(data, header.start, header.end)
        except (_Malformed, IndexError, ValueError) as exc:
            raise _malformed(exc, "searchResRef", header.message_id, header.start) from None
    elif header.tag != 0x79:  # intermediateResponse: no LDAPResult
        found.result = decode_result(data, header.start, header.end, header.tag, header.message_id)
    if header.controls < size:
        found.controls = tuple(decode_controls(data, header.controls, size, header.message_id))
    return found
