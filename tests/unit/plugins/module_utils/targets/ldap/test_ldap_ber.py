"""The BER encoding and decoding of LDAP messages (plugins/module_utils/targets/ldap_ber.py), byte
for byte against ldap3's own (pyasn1) encoder: pure logic, no server (test_ldap_ber_fuzz.py checks
the decoder against ldap3's on random and broken messages; tests/integration/test_ldap_wire_slapd.py
talks to a real slapd)."""

import random

import pytest
from ldap3.operation.add import add_operation
from ldap3.operation.delete import delete_operation
from ldap3.operation.modify import modify_operation
from ldap3.operation.modifyDn import modify_dn_operation
from ldap3.protocol.rfc4511 import LDAPMessage, MessageID, ProtocolOp
from ldap3.utils.asn1 import encode

from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import _ber as ber
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import _wire as wire


def ldap3_message(message_id, kind, request):
    msg = LDAPMessage()
    msg["messageID"] = MessageID(message_id)
    msg["protocolOp"] = ProtocolOp().setComponentByName(kind, request)
    return encode(msg)


@pytest.mark.parametrize("value", [0, 1, 127, 128, 255, 256, 65535, 2 ** 31 - 1])
def test_integers_as_ber(value):
    content = ber.integer(value)[2:]
    assert int.from_bytes(content, "big", signed=True) == value
    assert len(content) == 1 or content[0] != 0 or content[1] & 0x80  # minimal, positive


@pytest.mark.parametrize("size", [0, 5, 127, 128, 255, 256, 70000])
def test_lengths_short_and_long_form_round_trip(size):
    data = ber.octets(b"x" * size)
    assert ber.read_length(data, 1) == (size, len(data) - size)
    framed = ber.tlv(0x30, data)
    assert ber.frame_size(framed, 0) == len(framed)
    assert ber.frame_size(framed[:1], 0) == -1


def test_add_request_is_byte_for_byte_ldap3s():
    attributes = {"objectClass": ["top", "inetOrgPerson"], "cn": ["Łukasz Øster-Straße"], "sn": ["Øster"],
                  "description": ["x" * 300], "unicodePwd": ['"Secret-1"'.encode("utf-16-le")]}
    ours = ber.message(7, ber.add_request("uid=l,ou=people,dc=example,dc=test", attributes))
    theirs = ldap3_message(7, "addRequest", add_operation("uid=l,ou=people,dc=example,dc=test", attributes, False))
    assert ours == theirs


def test_modify_request_is_byte_for_byte_ldap3s():
    dn = "cn=staff,ou=groups,dc=example,dc=test"
    ours = ber.message(9, ber.modify_request(dn, [("replace", "title", ["A", "B"]), ("add", "member", ["uid=a"]),
                                                  ("delete", "member", ["uid=b"]), ("replace", "ou", [])]))
    changes = {"title": [(2, ["A", "B"])], "member": [(0, ["uid=a"]), (1, ["uid=b"])], "ou": [(2, [])]}
    theirs = ldap3_message(9, "modifyRequest", modify_operation(dn, changes, False))
    assert ours == theirs


def test_random_adds_and_modifies_are_byte_for_byte_ldap3s():
    # every length form of the element sizes: short (< 128), one and two bytes of long form
    rng = random.Random(20261206)
    sizes = [0, 1, 126, 127, 128, 200, 255, 256, 300, 70000]
    for message_id in range(1, 200):
        attributes = {}
        for index in range(rng.randrange(1, 5)):
            values = [rng.choice(["é李x" * (rng.choice(sizes) // 3 + 1), b"\x00\xff" * (rng.choice(sizes) // 2)])
                      for dummy in range(rng.randrange(1, 4))]
            attributes["attr%d" % index] = values
        dn = "uid=%s,ou=people,dc=example,dc=test" % ("ü" * rng.choice(sizes[:6]))
        ours = ber.message(message_id, ber.add_request(dn, attributes))
        assert ours == ldap3_message(message_id, "addRequest", add_operation(dn, attributes, False))
        ops = [rng.choice(["add", "delete", "replace"]) for dummy in attributes]
        ours = ber.message(message_id, ber.modify_request(dn, [(op, name, values) for op, (name, values)
                                                               in zip(ops, attributes.items())]))
        changes = dict((name, [({"add": 0, "delete": 1, "replace": 2}[op], values)])
                       for op, (name, values) in zip(ops, attributes.items()))
        assert ours == ldap3_message(message_id, "modifyRequest", modify_operation(dn, changes, False))


def test_modify_dn_and_delete_requests_are_byte_for_byte_ldap3s():
    ours = ber.message(3, ber.modify_dn_request("uid=a,ou=x,dc=t", "uid=b", "ou=y,dc=t"))
    theirs = ldap3_message(3, "modDNRequest", modify_dn_operation("uid=a,ou=x,dc=t", "uid=b", True, "ou=y,dc=t"))
    assert ours == theirs
    ours = ber.message(4, ber.modify_dn_request("uid=a,ou=x,dc=t", "uid=b"))
    theirs = ldap3_message(4, "modDNRequest", modify_dn_operation("uid=a,ou=x,dc=t", "uid=b", True, None))
    assert ours == theirs
    assert ber.message(5, ber.delete_request("uid=a,dc=t")) == ldap3_message(5, "delRequest",
                                                                             delete_operation("uid=a,dc=t"))


def entry_message(message_id, dn, attributes):
    body = b"".join(ber.tlv(0x30, ber.octets(name) + ber.tlv(0x31, b"".join(ber.octets(v) for v in values)))
                    for name, values in attributes)
    return ber.message(message_id, ber.tlv(0x64, ber.octets(dn) + ber.tlv(0x30, body)))


def test_a_search_entry_decodes_to_text_values():
    guid = bytes(range(16))
    data = entry_message(2, "uid=ł,ou=people,dc=t", [
        ("UID", [b"\xc5\x82"]), ("mail", [b"a@t", b"b@t"]), ("jpegPhoto", [b"\xff\xd8\xff"]), ("objectGUID", [guid]),
        ("description", [b"y" * 200]), ("empty", [])])
    header = ber.decode_header(data, 0, ber.frame_size(data))
    assert (header.message_id, header.tag) == (2, ber.SEARCH_ENTRY)
    dn, attrs = ber.decode_entry(data, header.start, header.end, {})
    assert ber.decode_message(data).entry == (dn, attrs)
    assert dn == "uid=ł,ou=people,dc=t"
    assert attrs["uid"] == ["ł"] and attrs["mail"] == ["a@t", "b@t"] and attrs["description"] == ["y" * 200]
    assert attrs["jpegphoto"] == ["/9j/"]  # not UTF-8: base64, never a lucky decode
    assert attrs["objectguid"] == ["03020100-0504-0706-0809-0a0b0c0d0e0f"]
    assert "empty" not in attrs


def test_a_bulk_read_gives_one_text_per_repeated_value_and_stops_for_an_attribute_of_many(monkeypatch):
    monkeypatch.setattr(ber, "_VALUE_MEMO_LIMIT", 3)
    values, entries = {}, []
    for n in range(6):
        data = entry_message(2, "uid=u%d,dc=t" % n, [
            ("title", [b"AM"]), ("uid", [b"u%d" % n]), ("jpegPhoto", [b"\xff"]), ("ou", [b"a", b"b"])])
        header = ber.decode_header(data, 0, ber.frame_size(data))
        entries.append(ber.decode_entry(data, header.start, header.end, {}, values=values))
        assert entries[-1] == ber.decode_entry(data, header.start, header.end, {})  # the same values, memo or not
    assert len(set(id(attrs["title"][0]) for dn, attrs in entries)) == 1
    assert [attrs["uid"] for dn, attrs in entries] == [["u%d" % n] for n in range(6)]
    assert values["uid"] is None and list(values["title"]) == [b"AM"]  # a login: never kept past the limit
    assert "jpegphoto" not in values or not values["jpegphoto"]  # not UTF-8: base64, never memoised as text
    assert entries[0][1]["jpegphoto"] == ["/w=="]


def test_the_paged_cookie_is_found_among_the_controls():
    other = ber.tlv(0x30, ber.octets(b"1.2.3") + ber.octets(b"v"))
    paged = ber.tlv(0x30, ber.octets(ber.PAGED_RESULTS_OID) + b"\x01\x01\x00"
                    + ber.octets(ber.tlv(0x30, ber.integer(0) + ber.octets(b"\x00\x01cookie"))))
    controls = other + paged
    assert ber.paged_cookie(ber.decode_controls(controls, 0, len(controls))) == b"\x00\x01cookie"
    assert ber.paged_cookie(ber.decode_controls(other, 0, len(other))) == b""
    assert ber.paged_control(500, b"c").startswith(ber.tlv(0x04, ber.PAGED_RESULTS_OID)[:0] + b"\x30")


def test_results_are_described_like_ldap3():
    assert wire.describe(19, "password too short") == "constraintViolation (password too short)"
    assert wire.describe(68) == "entryAlreadyExists"


def test_the_tree_delete_control_is_ldap3s_with_a_der_true():
    from ldap3.protocol.convert import build_controls_list
    from pyasn1.codec.ber import encoder
    theirs = encoder.encode(build_controls_list([("1.2.840.113556.1.4.805", True, None)]))
    ours = ber.tlv(0xA0, ber.tree_delete_control())
    # pyasn1 writes TRUE as 0x01, DER (and AD's own clients) as 0xFF: BER takes any non-zero byte.
    assert ours[:-1] == theirs[:-1] and theirs[-1] != 0 and ours[-1] == 0xFF
