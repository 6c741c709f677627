# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The BER decoder (plugins/module_utils/targets/ldap_ber.py) against ldap3's, on random responses.

Random but valid LDAP responses are encoded by ldap3's own encoder (pyasn1, ldap3.protocol.rfc4511)
and decoded by ours and by the oracle: pyasn1's decoder with ldap3's LDAPMessage and ldap3's own
functions that turn it into a result (BaseStrategy.decode_response, decode_control). Both must
agree. Then every message is broken (truncated, bytes flipped, lengths changed, bytes inserted and
dropped): ours must give what the oracle gives, or raise WireError; never another exception, and
never a result where ldap3 finds the message invalid. Seeded ``random`` (hypothesis is no
dependency of the project): the same cases on every run.
"""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
from ldap3.protocol.rfc2696 import RealSearchControlValue
from ldap3.protocol.rfc4511 import (AddResponse, AttributeDescription, AttributeValue, Control, Controls, DelResponse,
                                    ExtendedResponse, LDAPMessage, MessageID, ModifyDNResponse, ModifyResponse,
                                    PartialAttribute, PartialAttributeList, ProtocolOp, Referral, ResultCode,
                                    SearchResultDone, SearchResultEntry, SearchResultReference, URI, Vals)
from ldap3.strategy.base import BaseStrategy
from ldap3.utils.asn1 import encode
from pyasn1.codec.ber import decoder as pyasn1_decoder

from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import _ber as ber
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import _wire as ldap_wire
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap._ber import WireError

SEED = 20261202
VALID_MESSAGES = 700        # random responses, each checked against the oracle ...
MUTATIONS_PER_MESSAGE = 8   # ... then broken this many ways
EVERY_CUT = 40              # messages truncated at every offset, not only at random ones

RESULT_CODES = [int(v) for k, v in ResultCode.namedValues.items()]
TEXT = "abcxyzABCXYZ0189 =,+-_.éßøŁłŻżΩЖ中文😀\\\"#"
RESULTS = {"searchResDone": SearchResultDone, "modifyResponse": ModifyResponse, "addResponse": AddResponse,
           "delResponse": DelResponse, "modDNResponse": ModifyDNResponse}


# --- random valid responses, encoded by ldap3 ---------------------------------------------------

def text(rng, longest=40):
    return "".join(rng.choice(TEXT) for dummy in range(rng.randrange(longest)))


def value(rng):
    kind = rng.random()
    if kind < 0.5:
        return text(rng).encode("utf-8")
    if kind < 0.8:
        return bytes(rng.randrange(256) for dummy in range(rng.randrange(40)))
    if kind < 0.95:
        return text(rng, 8).encode("utf-8") * rng.randrange(20, 60)  # long form lengths: 0x81, 0x82
    return bytes(rng.randrange(256) for dummy in range(rng.randrange(200, 70000)))  # 0x83


def attribute_names(rng):
    names, seen = [], set()
    for dummy in range(rng.randrange(9)):
        name = rng.choice(["cn", "sn", "mail", "objectGUID", "jpegPhoto", "memberOf", "uid", "x-Attr-%d" % rng.randrange(99)])
        name = "".join(c.upper() if rng.random() < 0.3 else c for c in name)
        if name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    return names


def envelope(rng, message_id, kind, operation, controls=None):
    msg = LDAPMessage()
    msg["messageID"] = MessageID(message_id)
    msg["protocolOp"] = ProtocolOp().setComponentByName(kind, operation)
    if controls is not None:
        msg["controls"] = controls
    return encode(msg)


def random_entry(rng):
    entry = SearchResultEntry()
    entry["object"] = ",".join("%s=%s" % (rng.choice(["cn", "uid", "ou", "dc"]), text(rng, 20)) for dummy in range(rng.randrange(1, 5)))
    attributes = PartialAttributeList()
    for position, name in enumerate(attribute_names(rng)):
        attribute = PartialAttribute()
        attribute["type"] = AttributeDescription(name)
        vals = Vals()
        count = rng.randrange(6)
        for index in range(count):
            vals.setComponentByPosition(index, AttributeValue(bytes(rng.randrange(256) for dummy in range(16))
                                                              if name.lower() == "objectguid" and rng.random() < 0.8 else value(rng)))
        attribute["vals"] = vals
        attributes.setComponentByPosition(position, attribute)
    entry["attributes"] = attributes
    return "searchResEntry", entry


def random_controls(rng, paged):
    controls = Controls()
    position = 0
    for dummy in range(rng.randrange(3)):
        control = Control()
        control["controlType"] = "1.2.3.%d" % rng.randrange(1000)
        if rng.random() < 0.5:
            control["criticality"] = rng.random() < 0.5
        if rng.random() < 0.7:
            control["controlValue"] = value(rng)[:50]
        controls.setComponentByPosition(position, control)
        position += 1
    if paged:
        control = Control()
        control["controlType"] = ber.PAGED_RESULTS_OID.decode("ascii")
        if rng.random() < 0.3:
            control["criticality"] = False
        paged_value = RealSearchControlValue()
        paged_value["size"] = rng.choice([0, 1, 127, 128, 500, 2 ** 31 - 1])
        paged_value["cookie"] = rng.choice([b"", bytes(rng.randrange(256) for dummy in range(rng.randrange(1, 40)))])
        control["controlValue"] = encode(paged_value)
        controls.setComponentByPosition(position, control)
    return controls


def random_result(rng, kind):
    result = RESULTS[kind]()
    result["resultCode"] = rng.choice(RESULT_CODES)
    result["matchedDN"] = text(rng, 30) if rng.random() < 0.3 else ""
    result["diagnosticMessage"] = text(rng, 80) if rng.random() < 0.6 else ""
    if rng.random() < 0.2:
        referral = Referral()
        for index in range(rng.randrange(1, 4)):
            referral.setComponentByPosition(index, URI("ldap://%s/%s" % (text(rng, 10), text(rng, 10))))
        result["referral"] = referral
    return kind, result


def random_reference(rng):
    reference = SearchResultReference()
    for index in range(rng.randrange(1, 4)):
        reference.setComponentByPosition(index, URI("ldap://h%d/%s" % (index, text(rng, 15))))
    return "searchResRef", reference


def random_notice(rng):
    notice = ExtendedResponse()
    notice["resultCode"] = rng.choice([2, 51, 52, 80])
    notice["matchedDN"] = ""
    notice["diagnosticMessage"] = text(rng, 40)
    if rng.random() < 0.8:
        notice["responseName"] = "1.3.6.1.4.1.1466.20036"  # notice of disconnection
    if rng.random() < 0.2:
        notice["responseValue"] = value(rng)[:30]
    return "extendedResp", notice


def random_message(rng):
    """One valid response: ``bytes`` as ldap3 encodes it."""
    message_id = rng.choice([0, 1, 127, 128, 255, 256, 65535, 2 ** 31 - 1, rng.randrange(2 ** 31)])
    roll, controls = rng.random(), None
    if roll < 0.45:
        kind, operation = random_entry(rng)
    elif roll < 0.75:
        kind, operation = random_result(rng, "searchResDone")
        if rng.random() < 0.8:
            controls = random_controls(rng, paged=rng.random() < 0.9)
    elif roll < 0.9:
        kind, operation = random_result(rng, rng.choice(["modifyResponse", "addResponse", "delResponse", "modDNResponse"]))
        if rng.random() < 0.2:
            controls = random_controls(rng, paged=False)
    elif roll < 0.95:
        kind, operation = random_reference(rng)
    else:
        kind, operation = random_notice(rng)
        message_id = 0
    return envelope(rng, message_id, kind, operation, controls)


# --- the oracle: pyasn1 with ldap3's LDAPMessage, and ldap3's own decoding functions ----------------

class OracleRejects(Exception):
    pass


def _decode_control(control):
    # ldap3 2.9.1 with pyasn1 0.6 cannot take a control without a value (bytes() of a schema object)
    if not control["controlValue"].hasValue():
        return str(control["controlType"]), {"criticality": bool(control["criticality"]), "value": None}
    return BaseStrategy.decode_control(control)


# What BaseStrategy.decode_response reads of its strategy and connection.
_STRATEGY = SimpleNamespace(connection=SimpleNamespace(server=SimpleNamespace(schema=None, custom_formatter=None),
                                                       check_names=False),
                            decode_control=_decode_control)


def _text(component):
    # Result texts are decoded leniently, by design (ldap3's str() would raise): an error message
    # is worth reading even when it is not UTF-8.
    return bytes(component).decode("utf-8", "replace")


def oracle(data):
    """What ldap3 makes of ``data``, in the shape of ``ldap_ber.Message``; OracleRejects when it
    finds the message invalid (pyasn1 or ldap3 raising anything)."""
    try:
        msg, rest = pyasn1_decoder.decode(data, asn1Spec=LDAPMessage())
        if rest:
            raise OracleRejects("bytes after the message")
        kind = msg["protocolOp"].getName()
        component = msg["protocolOp"].getComponent()
        found = ber.Message(int(msg["messageID"]), kind)
        if kind == "searchResEntry":
            response = BaseStrategy.decode_response(_STRATEGY, msg)  # ldap3's own conversion, controls included
            attrs = {}
            for name, values in response["raw_attributes"].items():
                if values:
                    attrs[name.lower()] = ber.decode_values(values, name.lower())
            found.entry = (response["dn"], attrs)
        elif kind == "searchResRef":
            found.references = tuple(bytes(uri).decode("utf-8") for uri in component)
        else:
            referrals = tuple(bytes(uri).decode("utf-8") for uri in component["referral"]) if component["referral"].hasValue() else ()
            found.result = ber.Result(int(component["resultCode"]), _text(component["matchedDN"]),
                                      _text(component["diagnosticMessage"]), referrals)
        # ldap3's conversion of the controls (as decode_response calls it): the last paged one wins
        controls = dict(_decode_control(control) for control in msg["controls"]) if msg["controls"].hasValue() else {}
        cookie = controls.get(ber.PAGED_RESULTS_OID.decode("ascii"), {}).get("value", {}).get("cookie", b"")
        return found, cookie
    except OracleRejects:
        raise
    except Exception as exc:  # whatever pyasn1 or ldap3 raise: the message is not valid to them
        raise OracleRejects(repr(exc))


def ours(data):
    found = ber.decode_message(data)
    return found, ber.paged_cookie(found.controls, found.message_id)


def comparable(decoded):
    found, cookie = decoded
    return (found.message_id, found.operation, found.entry, found.result, found.references, cookie)


# --- the properties ---------------------------------------------------------------------------

def mutations(rng, data):
    """Broken copies of ``data``: cut, flipped, lengths changed, bytes inserted and dropped."""
    size = len(data)
    yield data[:rng.randrange(size)]
    for dummy in range(MUTATIONS_PER_MESSAGE - 1):
        broken = bytearray(data)
        how = rng.randrange(5)
        at = rng.randrange(size)
        if how == 0:
            broken[at] = rng.randrange(256)
        elif how == 1:  # a length octet a little off, or turned into a long or indefinite form
            broken[at] = rng.choice([(broken[at] + 1) % 256, (broken[at] - 1) % 256, 0x80, 0x81, 0x84, 0x85, 0xFF, 0x00])
        elif how == 2:
            broken[at] ^= 1 << rng.randrange(8)
        elif how == 3:
            broken.insert(at, rng.randrange(256))
        else:
            del broken[at]
        if how >= 3 and rng.random() < 0.7 and len(broken) > 2 and broken[1] < 0x80:  # keep the frame whole
            broken[1] = min(0x7F, len(broken) - 2)
        yield bytes(broken)


def check(data, where):
    """Ours gives what the oracle gives, or raises WireError: never another exception, never a
    result for what ldap3 rejects. Returns whether ours decoded it."""
    try:
        mine = ours(data)
    except WireError as exc:
        assert exc.operation and exc.expected, f"{where}: a WireError without context: {exc}"
        return False
    except Exception as exc:  # pragma: no cover - the failure this test exists for
        pytest.fail(f"{where}: {type(exc).__name__} instead of WireError: {exc!r} for {data.hex()}")
    try:
        theirs = oracle(data)
    except OracleRejects as exc:  # pragma: no cover
        pytest.fail(f"{where}: ours decoded what ldap3 rejects ({exc}): {comparable(mine)} for {data.hex()}")
    assert comparable(mine) == comparable(theirs), f"{where}: {data.hex()}"
    return True


def test_random_valid_responses_decode_as_ldap3_decodes_them_and_broken_ones_raise_wire_error():
    rng = random.Random(SEED)
    counts = {"valid": 0, "broken": 0, "broken accepted": 0, "cut": 0}
    kinds = {}
    for number in range(VALID_MESSAGES):
        data = random_message(rng)
        assert check(data, f"valid message {number}")
        counts["valid"] += 1
        kind = ber.RESPONSES[ber.decode_header(data, 0, len(data)).tag]
        kinds[kind] = kinds.get(kind, 0) + 1
        for broken in mutations(rng, data):
            counts["broken"] += 1
            counts["broken accepted"] += check(broken, f"broken message {number}")
        if number < EVERY_CUT:
            for cut in range(len(data)):
                counts["cut"] += 1
                assert not check(data[:cut], f"message {number} cut at {cut}")
    # Every kind was drawn, and the broken ones did not all fail at the first byte.
    assert set(kinds) == {"searchResEntry", "searchResDone", "modifyResponse", "addResponse", "delResponse",
                          "modDNResponse", "searchResRef", "extendedResp"}, kinds
    assert counts["broken accepted"] > 0 and counts["broken accepted"] < counts["broken"], counts


def test_an_inner_length_that_overruns_its_element_is_a_wire_error_with_context():
    data = ber.message(5, ber.tlv(0x64, ber.octets("cn=a") + ber.tlv(0x30, ber.tlv(0x30, ber.octets("cn") + ber.tlv(0x31, ber.octets("abc"))))))
    broken = bytearray(data)
    broken[data.index(b"abc") - 1] = 4  # "abc" claims 4 bytes: its SET ends after 3
    with pytest.raises(WireError) as caught:
        ber.decode_message(bytes(broken))
    error = caught.value
    assert (error.operation, error.message_id) == ("searchResEntry", 5)
    assert error.expected == "values that end with their SET" and error.offset == len(data) + 1  # where the value would end
    assert "malformed searchResEntry (message 5): expected values that end with their SET at offset" in str(error)


class _Socket(object):
    """A socket that returns ``data`` in the given chunk sizes, then b"" (the server closed)."""

    def __init__(self, data, sizes):
        self.data, self.sizes = data, sizes

    def recv(self, limit):
        size = min(limit, self.sizes.pop(0) if self.sizes else len(self.data))
        chunk, self.data = self.data[:size], self.data[size:]
        return chunk


def test_a_stream_in_random_chunks_yields_each_message_and_a_cut_stream_raises_wire_error():
    rng = random.Random(SEED + 1)
    for dummy in range(30):
        messages = [random_message(rng) for dummy2 in range(rng.randrange(1, 8))]
        stream = b"".join(messages)
        wire = ldap_wire.Wire(None, _Socket(stream, [rng.randrange(1, 300) for dummy2 in range(len(stream))]))
        got = []
        for data, header in wire.messages():
            got.append(data[header.message_start:header.message_end])
            if len(got) == len(messages):
                break
        assert got == messages and wire.pending == b""
        cut = rng.randrange(1, len(stream))
        wire = ldap_wire.Wire(None, _Socket(stream[:cut], [rng.randrange(1, 300) for dummy2 in range(cut)]))
        with pytest.raises(WireError, match="closed the connection"):
            for dummy2 in wire.messages():
                pass


def test_a_stream_out_of_step_raises_wire_error_now_and_on_every_later_read():
    wire = ldap_wire.Wire(None, _Socket(b"\x04\x03abc" + ber.message(1, ber.octets("", 0x4A)), []))
    with pytest.raises(WireError, match="expected a SEQUENCE"):
        next(wire.messages())
    with pytest.raises(WireError, match="out of step"):
        next(wire.messages())


def test_a_malformed_entry_fails_the_search_and_leaves_the_stream_after_the_page():
    entry = ber.message(7, ber.tlv(0x64, ber.octets("cn=a") + ber.tlv(0x30, ber.tlv(0x30, ber.octets("cn") + ber.tlv(0x31, ber.octets("x"))))))
    broken = entry.replace(b"\x31\x03\x04\x01x", b"\x31\x03\x05\x01x")  # a value that is no OCTET STRING
    done = ber.message(7, ber.tlv(0x65, b"\x0a\x01\x00\x04\x00\x04\x00"))
    after = ber.message(8, ber.tlv(0x67, b"\x0a\x01\x00\x04\x00\x04\x00"))
    wire = ldap_wire.Wire(None, _Socket(entry + broken + entry + done + after, []))
    page = ldap_wire._page(wire, 7, "dc=t", "(cn=*)")
    assert next(page) == ("cn=a", {"cn": ["x"]})
    with pytest.raises(WireError, match=r"malformed searchResEntry \(message 7\): expected a value OCTET STRING"):
        next(page)
    assert wire.broken is None and next(wire.messages())[1].message_id == 8  # the page was read to its end
