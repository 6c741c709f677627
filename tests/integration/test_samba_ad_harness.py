"""The throwaway Samba AD DC (tests/support/samba_ad.py) behaves as the AD target relies on.

A real DC, no mocks. It is provisioned ONCE for the whole pytest session (fixture samba_ad, in conftest.py):
its LDAP ports are fixed, so only one instance can run on a machine.

Run: /work/main/.venv/bin/python -m pytest tests/integration/test_samba_ad_harness.py -q
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import ldap3
import pytest
from ldap3.core.exceptions import LDAPSocketOpenError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import samba_ad as harness  # noqa: E402

pytestmark = [
    pytest.mark.skipif(
        shutil.which("samba", path="/usr/sbin:/sbin:" + os.environ.get("PATH", "")) is None,
        reason="needs Samba AD: hack/install-system-deps.sh (samba samba-ad-dc ...)",
    ),
    pytest.mark.skipif(os.geteuid() != 0, reason="Samba AD binds ports 389/636: needs root"),
]

PAGED_OID = "1.2.840.113556.1.4.319"
TREE_DELETE_OID = "1.2.840.113556.1.4.805"
ACCOUNTDISABLE = 0x2
NORMAL_ACCOUNT = 0x200
DONT_EXPIRE_PASSWORD = 0x10000
PASSWORD = "Harness-Pass-2024!"


def utf16_password(password: str) -> bytes:
    return f'"{password}"'.encode("utf-16-le")


def uac(conn: ldap3.Connection, dn: str) -> int:
    assert conn.search(dn, "(objectClass=*)", search_scope=ldap3.BASE, attributes=["userAccountControl"]), conn.result
    return int(conn.response[0]["attributes"]["userAccountControl"][0])


def add_user(conn: ldap3.Connection, parent: str, name: str) -> str:
    dn = f"CN={name},{parent}"
    conn.add(dn, ["top", "person", "organizationalPerson", "user"], {
        "sAMAccountName": name, "userPrincipalName": f"{name}@example.test", "givenName": "Harness", "sn": name,
    })
    assert conn.result["result"] == 0, conn.result
    return dn


def can_bind(inst: harness.SambaADInstance, user: str, password: str) -> bool:
    server = ldap3.Server(inst.ldaps_uri, tls=inst.tls(), get_info=ldap3.NONE, connect_timeout=5)
    conn = ldap3.Connection(server, user, password)
    try:
        return conn.bind()
    finally:
        conn.unbind()


def paged_sizes(conn: ldap3.Connection, base: str, page_size: int) -> tuple[list[int], list[str]]:
    """Page through base's users by hand: the size of each page and every DN read."""
    sizes, dns, cookie = [], [], None
    while True:
        assert conn.search(base, "(objectClass=user)", attributes=["1.1"], paged_size=page_size,
                           paged_cookie=cookie) or conn.result["result"] == 0, conn.result
        entries = [r["dn"] for r in conn.response if r["type"] == "searchResEntry"]
        sizes.append(len(entries))
        dns += entries
        cookie = conn.result["controls"].get(PAGED_OID, {}).get("value", {}).get("cookie")
        if not cookie:
            return sizes, dns


def test_starts_and_answers_over_ldaps_with_certificate_validation(samba_ad, tmp_path):
    state_file = Path(samba_ad.workdir, "state.json")
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    state = json.loads(state_file.read_text())
    for key in ("pid", "ldap_uri", "ldaps_uri", "base_dn", "admin_dn", "admin_upn", "admin_password", "ca_file",
                "server_name", "people_dn", "groups_dn", "disabled_dn", "workdir", "ready_seconds",
                "provision_seconds"):
        assert state[key] == getattr(samba_ad, key), key
    assert samba_ad.ldaps_uri == "ldaps://127.0.0.1:636" and samba_ad.server_name == "dc1.example.test"
    assert samba_ad.ready_seconds < harness.READY_TIMEOUT

    conn = samba_ad.connect()
    try:
        assert conn.search(samba_ad.base_dn, "(objectClass=organizationalUnit)", search_scope=ldap3.LEVEL,
                           attributes=["ou"])
        ous = {r["dn"].lower() for r in conn.response if r["type"] == "searchResEntry"}
        assert {samba_ad.people_dn.lower(), samba_ad.groups_dn.lower(), samba_ad.disabled_dn.lower()} <= ous
        # The admin DN is the Administrator the UPN binds as (Samba does not answer WhoAmI).
        assert conn.search(samba_ad.base_dn, "(sAMAccountName=Administrator)", attributes=["userPrincipalName"])
        assert [r["dn"] for r in conn.response if r["type"] == "searchResEntry"] == [samba_ad.admin_dn]
    finally:
        conn.unbind()
    assert can_bind(samba_ad, samba_ad.admin_dn, samba_ad.admin_password)

    # The success above means something only if a certificate from another CA is refused.
    other_ca = tmp_path / "other-ca.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=other",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(other_ca)], capture_output=True, check=True)
    tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=str(other_ca), valid_names=[samba_ad.server_name])
    with pytest.raises(LDAPSocketOpenError):
        ldap3.Connection(ldap3.Server(samba_ad.ldaps_uri, tls=tls, get_info=ldap3.NONE),
                         samba_ad.admin_upn, samba_ad.admin_password, auto_bind=True)


def test_plain_ldap_simple_bind_is_refused_but_starttls_works(samba_ad):
    server = ldap3.Server(samba_ad.ldap_uri, tls=samba_ad.tls(), get_info=ldap3.NONE)
    plain = ldap3.Connection(server, samba_ad.admin_upn, samba_ad.admin_password)
    assert not plain.bind()
    assert plain.result["description"] == "strongerAuthRequired", plain.result
    plain.unbind()

    conn = ldap3.Connection(server, samba_ad.admin_upn, samba_ad.admin_password)
    conn.open()
    assert conn.start_tls(), conn.result
    assert conn.bind(), conn.result
    conn.unbind()


def test_user_is_created_disabled_gets_a_password_is_enabled_binds_and_is_disabled_bit_by_bit(samba_ad):
    conn = samba_ad.connect()
    dn = add_user(conn, samba_ad.people_dn, "harness-ann")
    try:
        assert uac(conn, dn) == NORMAL_ACCOUNT | ACCOUNTDISABLE | 0x20  # 546: PASSWD_NOTREQD too

        assert conn.modify(dn, {"unicodePwd": [(ldap3.MODIFY_REPLACE, [utf16_password(PASSWORD)])]}), conn.result
        assert conn.modify(dn, {"userAccountControl": [(ldap3.MODIFY_REPLACE, [NORMAL_ACCOUNT])]}), conn.result
        assert uac(conn, dn) == 512
        assert can_bind(samba_ad, "harness-ann@example.test", PASSWORD)
        assert can_bind(samba_ad, dn, PASSWORD)
        assert not can_bind(samba_ad, dn, PASSWORD + "x")

        # objectGUID: 16 bytes, little-endian UUID (ldap3 with schema info shows it as {...}).
        assert conn.search(dn, "(objectClass=*)", search_scope=ldap3.BASE, attributes=["objectGUID"])
        guid = uuid.UUID(bytes_le=conn.response[0]["raw_attributes"]["objectGUID"][0])
        assert conn.search(f"<GUID={guid}>", "(objectClass=*)", search_scope=ldap3.BASE, attributes=["1.1"])
        assert conn.response[0]["dn"].lower() == dn.lower()

        # Disabling flips bit 0x2 only: the other bits stay.
        assert conn.modify(dn, {"userAccountControl": [(ldap3.MODIFY_REPLACE,
                                                        [NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD])]}), conn.result
        current = uac(conn, dn)
        assert conn.modify(dn, {"userAccountControl": [(ldap3.MODIFY_REPLACE, [current | ACCOUNTDISABLE])]})
        assert uac(conn, dn) == NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD | ACCOUNTDISABLE  # 66050
        assert not can_bind(samba_ad, dn, PASSWORD)
        assert conn.modify(dn, {"userAccountControl": [(ldap3.MODIFY_REPLACE, [current])]})
        assert can_bind(samba_ad, dn, PASSWORD)
    finally:
        conn.delete(dn)
        conn.unbind()


def test_the_default_policy_refuses_a_weak_password_and_the_account_stays_disabled(samba_ad):
    assert samba_ad.password_policy == "default"
    conn = samba_ad.connect()
    dn = add_user(conn, samba_ad.people_dn, "harness-bob")
    try:
        for weak in ("abc", "abcdefgh"):  # too short; long enough but not complex
            assert not conn.modify(dn, {"unicodePwd": [(ldap3.MODIFY_REPLACE, [utf16_password(weak)])]})
            assert conn.result["description"] == "constraintViolation", conn.result
            assert "check_password_restrictions" in conn.result["message"]
        assert uac(conn, dn) & ACCOUNTDISABLE, "a refused password must leave the account disabled"

        # The policy can be relaxed at run time (and back) on the shared instance.
        samba_ad.set_password_policy(relaxed=True)
        try:
            assert json.loads(Path(samba_ad.workdir, "state.json").read_text())["password_policy"] == "relaxed"
            assert conn.modify(dn, {"unicodePwd": [(ldap3.MODIFY_REPLACE, [utf16_password("abc")])]}), conn.result
        finally:
            samba_ad.set_password_policy(relaxed=False)
        assert not conn.modify(dn, {"unicodePwd": [(ldap3.MODIFY_REPLACE, [utf16_password("abcdefgh")])]})
        assert conn.result["description"] == "constraintViolation"
    finally:
        conn.delete(dn)
        conn.unbind()


def test_paging_reads_everything_and_samba_ignores_max_page_size(samba_ad):
    conn = samba_ad.connect()
    ou = f"OU=HarnessPaging,{samba_ad.base_dn}"
    count = 250
    assert conn.add(ou, ["top", "organizationalUnit"]), conn.result
    try:
        t0 = time.monotonic()
        for i in range(count):
            add_user(conn, ou, f"harness-p{i:03d}")
        rate = count / (time.monotonic() - t0)
        print(f"\nsamba_ad: {count} users added over LDAPS at {rate:.0f}/s")

        # The query policy says MaxPageSize=100, yet Samba hands out 250 in one page of 500
        # (real AD would cap it at 100). Should a Samba release start enforcing it, this fails.
        assert samba_ad.max_page_size == 100
        assert conn.search(harness.QUERY_POLICY_DN, "(objectClass=*)", search_scope=ldap3.BASE,
                           attributes=["lDAPAdminLimits"])
        assert "MaxPageSize=100" in conn.response[0]["attributes"]["lDAPAdminLimits"]
        sizes, dns = paged_sizes(conn, ou, 500)
        assert sizes == [count] and len(set(dns)) == count

        # So paging is tested with a small client page size: everything, each entry once.
        sizes, dns = paged_sizes(conn, ou, 100)
        assert sizes == [100, 100, 50] and len(set(dns)) == count
        entries = list(conn.extend.standard.paged_search(ou, "(objectClass=user)", attributes=["sAMAccountName"],
                                                         paged_size=40, generator=True))
        names = {e["attributes"]["sAMAccountName"][0] for e in entries if e["type"] == "searchResEntry"}
        assert names == {f"harness-p{i:03d}" for i in range(count)}
    finally:
        conn.delete(ou, controls=[(TREE_DELETE_OID, True, None)])
        assert conn.result["result"] == 0, conn.result
        conn.unbind()


def test_a_second_instance_is_refused_clearly_and_the_cli_reports_status(samba_ad, tmp_path):
    with pytest.raises(harness.SambaADError, match="already in use .*samba already running: pid "):
        harness.start(tmp_path / "second")

    cli = [sys.executable, str(Path(harness.__file__))]
    status = subprocess.run([*cli, "status", "--dir", samba_ad.workdir], capture_output=True, text=True, check=False)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["running"] is True
    second = subprocess.run([*cli, "start", "--dir", str(tmp_path / "second")], capture_output=True, text=True,
                            check=False)
    assert second.returncode == 1 and second.stdout == ""
    assert len(second.stderr.strip().splitlines()) == 1 and "only one Samba AD DC" in second.stderr
    # Stopping a folder that holds no instance is a no-op, and leaves the running one alone.
    assert subprocess.run([*cli, "stop", "--dir", str(tmp_path / "second")], check=False).returncode == 0
    assert harness.status(samba_ad.workdir)["running"]
