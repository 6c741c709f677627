"""Bulk reads and writes straight on the wire (plugins/module_utils/targets/ldap_wire.py) against a
real slapd: the same entries as ldap3's own search, over plain LDAP, LDAPS and StartTLS, page by
page; pipelined writes where one failure fails only its own operation."""

import ldap3
import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.provision._memberships import GroupBatch
from ansible_collections.jml.provisioning.plugins.module_utils.provision.plan import Operation
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import directory as target
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import _ber as ber
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import _wire as wire

PHOTO = b"\xff\xd8\xff\xe0not-utf8\x00\x80"


def seed(conn, people, count):
    for i in range(count):
        attrs = {"objectClass": ["inetOrgPerson"], "cn": ["Łukasz %d" % i, "L %d" % i], "sn": ["Øster-Straße"],
                 "uid": ["u%03d" % i], "mail": ["u%03d@example.test" % i], "description": ["d" * (i * 7 + 1)]}
        if i % 10 == 0:
            attrs["jpegPhoto"] = [PHOTO]
        assert conn.add("uid=u%03d,%s" % (i, people), attributes=attrs), conn.result


def ldap3_read(conn, base, flt, attributes):
    entries = conn.extend.standard.paged_search(base, flt, attributes=attributes, paged_size=7, generator=False)
    return sorted((e["dn"], dict((k.lower(), ber.decode_values(v, k.lower())) for k, v in e["raw_attributes"].items() if v))
                  for e in entries if e.get("type") == "searchResEntry")


@pytest.mark.parametrize("how", ["ldap", "ldaps", "starttls"])
def test_the_wire_read_equals_ldap3s_page_by_page(directory, how):
    uri = {"ldap": directory.ldap_uri, "ldaps": directory.ldaps_uri, "starttls": directory.ldap_uri}[how]
    conn = target.connect(uri, directory.bind_dn, directory.bind_password, start_tls=how == "starttls",
                          ca_file=directory.ca_file)
    seed(conn, directory.people_dn, 53)
    attributes = ["cn", "sn", "uid", "mail", "description", "jpegPhoto", "pwdAccountLockedTime"]
    assert wire.available(conn)
    ours = sorted(target.paged_entries(conn, directory.people_dn, "(&(objectClass=inetOrgPerson)(uid=u*))",
                                       attributes, page_size=5))
    assert len(ours) == 53
    assert ours == ldap3_read(conn, directory.people_dn, "(&(objectClass=inetOrgPerson)(uid=u*))", attributes)
    assert dict(ours)["uid=u010,%s" % directory.people_dn]["cn"] == ["Łukasz 10", "L 10"]
    # The connection is still fit for ldap3's own calls afterwards.
    assert conn.search(directory.people_dn, "(uid=u001)", attributes=["uid"]) and len(conn.response) == 1
    conn.unbind()


def test_a_failing_search_says_why(directory):
    conn = target.connect(directory.ldap_uri, directory.bind_dn, directory.bind_password)
    with pytest.raises(target.TargetError, match="noSuchObject"):
        list(target.paged_entries(conn, "ou=nowhere," + directory.base_dn, "(objectClass=*)", ["cn"]))
    with pytest.raises(target.TargetError, match="search of"):
        list(target.paged_entries(conn, directory.people_dn, "(objectClass=", ["cn"]))
    conn.unbind()


def create(pid, dn, **attrs):
    return Operation("create", pid, dn, "joiner", modifications=dict(
        {"objectClass": ["inetOrgPerson"], "sn": ["S"], "cn": [pid]}, **attrs))


def test_pipelined_writes_fail_only_the_failing_operation(directory):
    people = directory.people_dn
    conn = target.connect(directory.ldap_uri, directory.bind_dn, directory.bind_password)
    ops = [create("p%03d" % i, "uid=p%03d,%s" % (i, people), uid=["p%03d" % i]) for i in range(120)]
    ops[40] = create("bad", "uid=bad,%s" % people, uid=["bad"], noSuchAttribute=["x"])
    ops[41] = create("nowhere", "uid=nowhere,ou=missing,%s" % directory.base_dn)
    # Later kinds of operation for the same persons: the failed ones are skipped, not attempted.
    updates = [Operation("update", pid, "uid=%s,%s" % (pid, people), "mover", modifications={"title": ["T"]})
               for pid in ("p000", "bad", "p119")]
    moves = [Operation("move", "p001", "uid=p001,%s" % people, "mover", new_dn="uid=p001,%s" % directory.disabled_dn)]
    batch = GroupBatch("cn=staff,%s" % directory.groups_dn)
    batch.create = True
    grants = []
    for pid in ("p002", "p003", "bad"):
        op = Operation("grant", pid, "uid=%s,%s" % (pid, people), "rule", group=batch.dn, batch=batch)
        batch.operations.append(op)
        grants.append(op)
    done, failed = target.apply(conn, ops + moves + updates + grants, window=8)
    assert sorted(f["person"] for f in failed if f["action"] == "create") == ["bad", "nowhere"]
    assert [f for f in failed if f["person"] == "bad" and f["action"] == "update"][0]["error"].startswith("skipped")
    assert [f for f in failed if f["action"] == "create" and f["person"] == "nowhere"][0]["error"].startswith(
        "add: noSuchObject")
    assert len([op for op in done if op.action == "create"]) == 118
    assert [op.person for op in done if op.action != "create"] == ["p001", "p000", "p119", "p002", "p003"]
    found = conn.extend.standard.paged_search(directory.base_dn, "(objectClass=inetOrgPerson)", attributes=["title"],
                                              paged_size=50, generator=False)
    dns = dict((e["dn"], e["attributes"].get("title")) for e in found if e.get("type") == "searchResEntry")
    assert len(dns) == 118 and dns["uid=p000,%s" % people] == ["T"]
    assert "uid=p001,%s" % directory.disabled_dn in dns
    conn.search(batch.dn, "(objectClass=*)", search_scope=ldap3.BASE, attributes=["member"])
    assert sorted(conn.response[0]["attributes"]["member"]) == ["uid=p002,%s" % people, "uid=p003,%s" % people]
    conn.unbind()


def test_a_search_left_early_leaves_the_connection_in_step(directory):
    # Whoever stops reading after the first entry (a base search, a look-up) must not leave the
    # rest of the answer on the socket for the next request to trip over.
    conn = target.connect(directory.ldap_uri, directory.bind_dn, directory.bind_password)
    seed(conn, directory.people_dn, 40)
    for i in range(40):  # a page larger than one read off the socket
        assert conn.modify("uid=u%03d,%s" % (i, directory.people_dn), {"description": [("MODIFY_REPLACE", ["Ø\x1f" * 2500])]})
    for dummy in range(5):
        for item in target.paged_entries(conn, directory.people_dn, "(uid=u*)", ["cn", "description"], page_size=30):
            break
        assert len(list(target.paged_entries(conn, directory.people_dn, "(uid=u*)", ["uid"], page_size=7))) == 40
        assert conn.search(directory.people_dn, "(uid=u001)", attributes=["uid"]) and len(conn.response) == 1
    conn.unbind()


def test_a_create_that_meets_the_same_persons_account_adopts_it_and_anything_else_fails(directory):
    """Another controller created the account between this run's read and its add: the entry
    carries the person's anchor, so it is theirs - adopted, never a second account; an entry with
    another anchor at that DN is a failure."""
    conn = target.connect(directory.ldap_uri, directory.bind_dn, directory.bind_password)
    people = directory.people_dn
    jan = {"objectClass": ["inetOrgPerson"], "cn": "Jan", "sn": "J", "employeeNumber": "P1"}
    piet = {"objectClass": ["inetOrgPerson"], "cn": "Piet", "sn": "P", "employeeNumber": "SOMEONE-ELSE"}
    assert conn.add("uid=jan,%s" % people, attributes=jan), conn.result
    assert conn.add("uid=piet,%s" % people, attributes=piet), conn.result

    def create(uid, pid):
        return Operation("create", pid, "uid=%s,%s" % (uid, people), "joiner", None,
                         {"objectClass": ["inetOrgPerson"], "uid": [uid], "cn": [uid], "sn": ["x"],
                          "employeeNumber": [pid]})
    done, failed = target.apply(conn, [create("jan", "P1"), create("piet", "P2"), create("kees", "P3")],
                                anchor_attribute="employeeNumber")
    assert sorted(op.person for op in done) == ["P1", "P3"]
    assert "adopted" in [op for op in done if op.person == "P1"][0].reason
    assert [(f["person"], "entryAlreadyExists" in f["error"]) for f in failed] == [("P2", True)]
    conn.unbind()


def test_a_connection_lost_mid_apply_reports_what_was_applied_and_what_is_not_known(tmp_path):
    """slapd killed while 3,000 creates are in flight: the answered ones are applied, every other
    one is a failure that says the connection was lost and that the next run converges."""
    import os
    import signal
    import threading
    import time
    import slapd
    with slapd.running_slapd(str(tmp_path / "slapd")) as directory:
        conn = target.connect(directory.ldap_uri, directory.bind_dn, directory.bind_password)
        ops = [Operation("create", "P%d" % i, "uid=u%d,%s" % (i, directory.people_dn), "joiner", None,
                         {"objectClass": ["inetOrgPerson"], "uid": ["u%d" % i], "cn": ["u"], "sn": ["x"]})
               for i in range(3000)]
        watcher = ldap3.Connection(ldap3.Server(directory.ldap_uri), directory.bind_dn, directory.bind_password,
                                   auto_bind=True)

        def kill_when_some_exist():
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                watcher.search(directory.people_dn, "(uid=u1*)", attributes=["1.1"], size_limit=50)
                if len(watcher.response) >= 20:
                    break
                time.sleep(0.005)
            os.kill(directory.pid, signal.SIGKILL)
        killer = threading.Thread(target=kill_when_some_exist)
        killer.start()
        done, failed = target.apply(conn, ops)
        killer.join()
    assert done and failed, "killed in the middle"
    assert len(done) + len(failed) == 3000
    lost = [f for f in failed if f["error"].startswith(target.LOST)]
    assert lost and all("the next run converges" in f["error"] for f in lost)
