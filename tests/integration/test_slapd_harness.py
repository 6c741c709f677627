"""The throwaway slapd harness (tests/support/slapd.py) really serves what its callers rely on.

Run: /work/main/.venv/bin/python -m pytest tests/integration/test_slapd_harness.py -q
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import slapd  # noqa: E402

pytestmark = pytest.mark.skipif(
    shutil.which("slapd", path="/usr/sbin:/sbin:" + os.environ.get("PATH", "")) is None,
    reason="needs slapd: apt-get install slapd ldap-utils",
)


def ldap(tool: str, inst: slapd.SlapdInstance, *args: str, uri: str | None = None,
         ca: str | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run an ldap-utils tool against inst; demand a valid cert signed by `ca` for ldaps."""
    env = {**os.environ, "LDAPTLS_CACERT": ca or inst.ca_file, "LDAPTLS_REQCERT": "demand"}
    return subprocess.run([tool, "-x", "-H", uri or inst.ldap_uri, *args], input=stdin,
                          capture_output=True, text=True, env=env, check=False)


def admin(inst: slapd.SlapdInstance) -> list[str]:
    return ["-D", inst.bind_dn, "-w", inst.bind_password]


@pytest.fixture(scope="module")
def inst():
    with slapd.running_slapd() as instance:
        yield instance


def test_answers_over_ldap_and_ldaps_with_the_generated_cert(inst):
    assert inst.ready_seconds < 10
    state = Path(inst.workdir, "state.json")
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert json.loads(state.read_text())["bind_password"] == inst.bind_password

    for uri in (inst.ldap_uri, inst.ldaps_uri):
        out = ldap("ldapsearch", inst, *admin(inst), "-LLL", "-b", inst.base_dn, "-s", "one", "dn",
                   uri=uri)
        assert out.returncode == 0, out.stderr
        for dn in (inst.people_dn, inst.groups_dn, inst.disabled_dn):
            assert f"dn: {dn}" in out.stdout

    # The success above is meaningful only if a cert from another CA is refused.
    wrong = ldap("ldapsearch", inst, "-b", inst.base_dn, "-s", "base", uri=inst.ldaps_uri,
                 ca="/etc/ssl/certs/ca-certificates.crt")
    assert wrong.returncode != 0


def test_memberof_and_locked_account(inst):
    people = "\n".join(
        f"dn: uid={uid},{inst.people_dn}\nobjectClass: inetOrgPerson\n"
        f"uid: {uid}\ncn: {uid}\nsn: {uid}\nuserPassword: pw-{uid}\n{extra}"
        for uid, extra in (("ann", ""), ("ben", "pwdAccountLockedTime: 000001010000Z\n"))
    )
    group = (f"dn: cn=staff,{inst.groups_dn}\nobjectClass: groupOfNames\ncn: staff\n"
             f"member: uid=ann,{inst.people_dn}\n")
    added = ldap("ldapadd", inst, *admin(inst), stdin=people + "\n" + group)
    assert added.returncode == 0, added.stderr

    found = ldap("ldapsearch", inst, "-LLL", "-b", inst.people_dn, "uid=ann", "memberOf")
    assert f"memberOf: cn=staff,{inst.groups_dn}" in found.stdout

    ann = ldap("ldapwhoami", inst, "-D", f"uid=ann,{inst.people_dn}", "-w", "pw-ann")
    assert ann.returncode == 0, ann.stderr
    # ppolicy must honour a permanent lock set by the admin (the harness's default policy).
    locked = ldap("ldapwhoami", inst, "-D", f"uid=ben,{inst.people_dn}", "-w", "pw-ben")
    assert "Invalid credentials (49)" in locked.stderr


def test_stop_kills_it_and_frees_the_port(tmp_path):
    inst = slapd.start(tmp_path)
    try:
        port = int(inst.ldap_uri.rsplit(":", 1)[1])
        assert slapd.status(tmp_path)["running"]

        inst.stop()

        assert not slapd._pid_alive(inst.pid)
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            pass
        assert slapd.status(tmp_path)["running"] is False
    finally:
        slapd.stop(tmp_path)  # no-op unless an assertion above failed first
