#!/usr/bin/env python
"""Throwaway OpenLDAP (slapd 2.5) server for the demo, integration tests and molecule.

Every instance lives in its own folder (config, mdb database, self-signed cert, pidfile,
state.json) and listens on two free ports of 127.0.0.1, so several can run at once.
It never touches the system slapd service nor /etc/ldap/slapd.d.

Python:
    with running_slapd() as ldap:          # temp folder, removed at exit
        ldap.ldap_uri, ldap.bind_dn, ldap.bind_password, ldap.ca_file, ...
    inst = start("/tmp/x"); ...; inst.stop()   # or stop("/tmp/x")

CLI (prints the state JSON, password included: the state file itself is 0600):
    python tests/support/slapd.py start  --dir DIR [--base-dn DN] [--extra-ldif FILE]
    python tests/support/slapd.py status --dir DIR     # exit 1 when not running
    python tests/support/slapd.py stop   --dir DIR

Only the Python 3.10+ stdlib is used; the work is done by slapadd, slapd, ldapsearch,
slappasswd and openssl (Debian: apt-get install slapd ldap-utils openssl).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

DEFAULT_BASE_DN = "dc=example,dc=test"
STATE_FILE = "state.json"
READY_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
# slapd, slapadd and slappasswd live in /usr/sbin, which a non-login PATH may lack.
_SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


class SlapdError(RuntimeError):
    """Anything that prevents an instance from starting or stopping; one-line message."""


@dataclasses.dataclass
class SlapdInstance:
    pid: int
    ldap_uri: str
    ldaps_uri: str
    base_dn: str
    bind_dn: str
    bind_password: str
    ca_file: str
    people_dn: str
    groups_dn: str
    disabled_dn: str
    workdir: str
    ready_seconds: float

    def stop(self) -> None:
        stop(self.workdir)


def _tool(name: str) -> str:
    path = shutil.which(name, path=_SEARCH_PATH)
    if path is None:
        raise SlapdError(f"{name} not found: apt-get install slapd ldap-utils openssl")
    return path


def _run(*args: str, stdin: str | None = None) -> str:
    proc = subprocess.run(args, input=stdin, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
        raise SlapdError(f"{Path(args[0]).name} failed (rc={proc.returncode}): {tail}")
    return proc.stdout


def _free_ports(count: int) -> list[int]:
    # All sockets are held open together so the kernel hands out distinct ports; there is
    # still a small window before slapd binds them, which _launch() covers by retrying.
    socks = [socket.socket() for dummy in range(count)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _slapd_conf(work: Path, base_dn: str, rootpw_hash: str, overlays: bool = True, syncprov: bool = False) -> str:
    """overlays=False: a directory without memberof and refint (many have neither): no memberOf,
    and nothing renames a member or manager DN when its entry moves. syncprov=True: a directory
    that replicates (the syncprov overlay keeps the suffix's contextCSN, the newest write's stamp)."""
    admin = f"cn=admin,{base_dn}"
    modules = ("moduleload memberof\nmoduleload refint\n" if overlays else "") + \
        ("moduleload syncprov\n" if syncprov else "")
    indexes = "objectClass,uid,cn,mail,employeeNumber,member,memberOf,manager" if overlays else \
        "objectClass,uid,cn,mail,employeeNumber,member,manager"
    integrity = """overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint TRUE

overlay refint
refint_attributes member manager
""" if overlays else ""
    if syncprov:  # first on the database: it sees every write, the other overlays' included
        integrity = "overlay syncprov\nsyncprov-checkpoint 100 10\n\n" + integrity
    schemas = "\n".join(
        f"include /etc/ldap/schema/{s}.schema" for s in ("core", "cosine", "inetorgperson", "nis")
    )
    # ppolicy needs no schema include: in 2.5 the module carries its own schema.
    return f"""\
{schemas}
modulepath /usr/lib/ldap
moduleload back_mdb
{modules}moduleload ppolicy
pidfile "{work}/slapd.pid"
argsfile "{work}/slapd.args"
# A daemonised slapd logs only to syslog, which nobody reads here.
loglevel 0
# Small global limit so that callers must page; the admin is exempted below.
sizelimit 500
TLSCertificateFile "{work}/cert.pem"
TLSCertificateKeyFile "{work}/key.pem"

database mdb
suffix "{base_dn}"
rootdn "{admin}"
rootpw {rootpw_hash}
directory "{work}/db"
maxsize 10737418240
# Throwaway data: skip fsync, it makes bulk loads several times faster.
dbnosync
limits dn.exact="{admin}" size=unlimited time=unlimited
# Equality only: substring indexes slow bulk adds 2-4x. manager too: refint searches it on every
# rename (unindexed, each move scans the whole database: 9,000 movers at 100k took 85 s).
index {indexes} eq
{"index entryCSN,entryUUID eq" if syncprov else ""}
# Like a real server: users may bind and change their own password, nobody reads hashes.
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read

{integrity}
# Without a policy whose pwdLockout is TRUE, ppolicy ignores pwdAccountLockedTime and a
# "locked" (000001010000Z) account can still bind. The policy entry is in _base_ldif().
overlay ppolicy
ppolicy_default "cn=default-policy,{base_dn}"
"""


def _base_ldif(base_dn: str) -> str:
    rdn_attr, rdn_value = base_dn.split(",", 1)[0].split("=", 1)
    if rdn_attr.strip().lower() != "dc":
        raise SlapdError(f"base DN must start with dc=...: {base_dn}")
    entries = [
        f"dn: {base_dn}\nobjectClass: dcObject\nobjectClass: organization\n"
        f"dc: {rdn_value}\no: {rdn_value}\n",
        # The ppolicy_default of slapd.conf; pwdLockout makes pwdAccountLockedTime effective.
        f"dn: cn=default-policy,{base_dn}\nobjectClass: pwdPolicy\n"
        "objectClass: applicationProcess\ncn: default-policy\n"
        "pwdAttribute: userPassword\npwdLockout: TRUE\n",
    ]
    entries += [
        f"dn: ou={ou},{base_dn}\nobjectClass: organizationalUnit\nou: {ou}\n"
        for ou in ("people", "groups", "disabled")
    ]
    return "\n".join(entries)


def _make_cert(work: Path) -> None:
    _run(
        _tool("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout", str(work / "key.pem"), "-out", str(work / "cert.pem"),
    )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A daemonised slapd is re-parented to PID 1, which in containers may never reap it:
    # a zombie is as dead as we need.
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _our_slapd_pid(work: Path) -> int | None:
    """PID from the pidfile, only if it is alive and really is slapd on our slapd.conf."""
    try:
        pid = int((work / "slapd.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    if not _pid_alive(pid):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    return pid if str(work / "slapd.conf").encode() in cmdline else None


def _answers(ldap_uri: str, base_dn: str) -> bool:
    # LDAPNOINIT: ignore ~/.ldaprc and /etc/ldap/ldap.conf, they must not affect the probe.
    proc = subprocess.run(
        [_tool("ldapsearch"), "-x", "-H", ldap_uri, "-o", "nettimeout=1",
         "-b", base_dn, "-s", "base", "1.1"],
        capture_output=True, env={**os.environ, "LDAPNOINIT": "1"}, check=False,
    )
    return proc.returncode == 0


def _port_taken(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _daemon(work: Path, listen: str) -> int:
    """Run slapd on ``listen`` with the folder's config; its exit status. The parent process exits
    only once the daemon has bound its ports and loaded TLS. stderr goes to a file, not a pipe
    the daemon could keep open."""
    with (work / "slapd.log").open("w") as err:
        return subprocess.run([_tool("slapd"), "-f", str(work / "slapd.conf"), "-h", listen],
                              stdin=subprocess.DEVNULL, stdout=err, stderr=err, check=False).returncode


def _ready(ldap_uri: str, base_dn: str, t0: float) -> bool:
    """Whether slapd answers on ``ldap_uri`` within READY_TIMEOUT of ``t0``."""
    while time.monotonic() - t0 < READY_TIMEOUT:
        if _answers(ldap_uri, base_dn):
            return True
        time.sleep(0.02)
    return False


def _launch(work: Path, base_dn: str) -> tuple[str, str, int, float]:
    """Start slapd on fresh ports; return (ldap_uri, ldaps_uri, pid, seconds until ready)."""
    conf = work / "slapd.conf"
    for _attempt in range(3):
        p1, p2 = _free_ports(2)
        ldap_uri, ldaps_uri = f"ldap://127.0.0.1:{p1}", f"ldaps://127.0.0.1:{p2}"
        listen = f"{ldap_uri}/ {ldaps_uri}/"
        t0 = time.monotonic()
        rc = _daemon(work, listen)
        if rc != 0:
            if _port_taken(p1) or _port_taken(p2):
                continue  # lost a port to a concurrent start: pick others
            # A daemonising slapd logs to syslog only, so its stderr is usually empty; config
            # errors were already caught by slapadd, so this is mostly TLS or listener trouble.
            output = " | ".join((work / "slapd.log").read_text().strip().splitlines()[-3:])
            raise SlapdError(
                f"slapd failed to start (rc={rc}): {output or 'no output'}; to see why, run "
                f"slapd -d 1 -f {conf} -h '{listen}'"
            )
        if _ready(ldap_uri, base_dn, t0):
            pid = _our_slapd_pid(work)
            if pid is None:
                raise SlapdError(f"slapd answers on {ldap_uri} but {work}/slapd.pid is not it")
            return ldap_uri, ldaps_uri, pid, time.monotonic() - t0
        stop(work)
        raise SlapdError(f"slapd did not answer on {ldap_uri} within {READY_TIMEOUT:.0f} s")
    raise SlapdError("slapd could not bind free ports on 127.0.0.1 after 3 attempts")


def start(
    workdir: str | os.PathLike[str] | None = None,
    base_dn: str = DEFAULT_BASE_DN,
    extra_ldif: str | None = None,
    overlays: bool = True,
    syncprov: bool = False,
) -> SlapdInstance:
    """Build a fresh config + database in workdir (a new temp folder if None) and start slapd.

    extra_ldif is loaded with slapadd together with the base entries. slapadd bypasses the
    overlays, so groups loaded that way do not give their members a memberOf: add groups
    online (ldapadd / ldap3) when memberOf matters.
    """
    work = Path(workdir or tempfile.mkdtemp(prefix="slapd-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    if _our_slapd_pid(work) is not None:
        raise SlapdError(f"a slapd is already running from {work}; stop it first")
    for tool in ("slapd", "slapadd", "ldapsearch", "slappasswd", "openssl"):
        _tool(tool)

    # A re-used folder gets a fresh database and config, never the previous data or state.
    (work / STATE_FILE).unlink(missing_ok=True)
    shutil.rmtree(work / "db", ignore_errors=True)
    (work / "db").mkdir(mode=0o700)
    password = secrets.token_urlsafe(18)
    rootpw_hash = _run(
        _tool("slappasswd"), "-h", "{SSHA}", "-T", "/dev/stdin", stdin=password
    ).strip()
    (work / "slapd.conf").write_text(_slapd_conf(work, base_dn, rootpw_hash, overlays, syncprov))
    _make_cert(work)
    ldif = _base_ldif(base_dn) + ("\n" + extra_ldif if extra_ldif else "")
    (work / "base.ldif").write_text(ldif)
    _run(_tool("slapadd"), "-f", str(work / "slapd.conf"), "-l", str(work / "base.ldif"))

    ldap_uri, ldaps_uri, pid, ready = _launch(work, base_dn)
    inst = SlapdInstance(
        pid=pid, ldap_uri=ldap_uri, ldaps_uri=ldaps_uri, base_dn=base_dn,
        bind_dn=f"cn=admin,{base_dn}", bind_password=password, ca_file=str(work / "cert.pem"),
        people_dn=f"ou=people,{base_dn}", groups_dn=f"ou=groups,{base_dn}",
        disabled_dn=f"ou=disabled,{base_dn}", workdir=str(work), ready_seconds=round(ready, 3),
    )
    # Created 0600 from the start: it holds the admin password.
    fd = os.open(work / STATE_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(dataclasses.asdict(inst), fh, indent=2)
    return inst


def stop(workdir: str | os.PathLike[str]) -> None:
    """SIGTERM the instance of workdir, SIGKILL after 5 s; a no-op when it is not running."""
    work = Path(workdir).resolve()
    pid = _our_slapd_pid(work)
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while _pid_alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            deadline = float("inf")
        time.sleep(0.02)


def snapshot(instance: SlapdInstance, name: str) -> None:
    """Stop ``instance``, copy its database to ``workdir/name``, start it again on the same URIs."""
    stop(instance.workdir)
    target = Path(instance.workdir, name)
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(Path(instance.workdir, "db"), target)
    _relaunch(instance)


def restore(instance: SlapdInstance, name: str) -> None:
    """The database of ``snapshot(instance, name)`` again, byte for byte (its entryCSNs and
    contextCSN too), on the same URIs: a directory restored from a backup."""
    stop(instance.workdir)
    db = Path(instance.workdir, "db")
    shutil.rmtree(db)
    shutil.copytree(Path(instance.workdir, name), db)
    _relaunch(instance)


def _relaunch(instance: SlapdInstance) -> None:
    """Start the stopped ``instance`` again on its own URIs."""
    listen = f"{instance.ldap_uri}/ {instance.ldaps_uri}/"
    t0 = time.monotonic()
    rc = _daemon(Path(instance.workdir), listen)
    if rc != 0 or not _ready(instance.ldap_uri, instance.base_dn, t0):
        raise SlapdError(f"slapd did not start again on {listen} (rc {rc}; {instance.workdir})")


def status(workdir: str | os.PathLike[str]) -> dict | None:
    """The saved state plus "running", or None if workdir never held a started instance."""
    work = Path(workdir).resolve()
    try:
        state = json.loads((work / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    state["running"] = (
        _our_slapd_pid(work) is not None and _answers(state["ldap_uri"], state["base_dn"])
    )
    return state


@contextlib.contextmanager
def running_slapd(
    workdir: str | os.PathLike[str] | None = None,
    base_dn: str = DEFAULT_BASE_DN,
    extra_ldif: str | None = None,
    overlays: bool = True,
    syncprov: bool = False,
) -> Iterator[SlapdInstance]:
    """A started instance for the with-block; stopped after it, temp folder removed if ours."""
    own = workdir is None
    work = tempfile.mkdtemp(prefix="slapd-") if own else workdir
    try:
        yield start(work, base_dn, extra_ldif, overlays, syncprov)
    finally:
        stop(work)
        if own:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Throwaway slapd for tests")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("start", "stop", "status"):
        cmd = sub.add_parser(name)
        cmd.add_argument("--dir", required=True, help="instance folder")
    sub.choices["start"].add_argument("--base-dn", default=DEFAULT_BASE_DN)
    sub.choices["start"].add_argument("--extra-ldif", type=Path, help="LDIF file to slapadd too")
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            extra = args.extra_ldif.read_text() if args.extra_ldif else None
            print(json.dumps(dataclasses.asdict(start(args.dir, args.base_dn, extra)), indent=2))
        elif args.command == "stop":
            stop(args.dir)
        else:
            state = status(args.dir)
            if state is None:
                raise SlapdError(f"no {STATE_FILE} in {args.dir}: never started there")
            print(json.dumps(state, indent=2))
            return 0 if state["running"] else 1
    except (SlapdError, OSError) as exc:
        print(f"slapd.py {args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
