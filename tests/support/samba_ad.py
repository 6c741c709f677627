#!/usr/bin/env python
"""Throwaway Samba Active Directory domain controller for the integration tests.

Every instance is provisioned into its own folder (smb.conf, sam.ldb, TLS keys, pidfile,
samba.out, state.json) as the domain EXAMPLE.TEST (NetBIOS EXAMPLE, DC dc1.example.test).
It never reads or writes /etc/samba/smb.conf and never touches the system samba services.

Samba's LDAP ports are fixed (389 and 636 on 127.0.0.1, plus the global catalog's 3268/3269),
so only ONE instance can run on a machine at a time: start() refuses clearly when they are
taken. In pytest, provision once per run with a session-scoped fixture.

Python:
    with running_samba_ad() as ad:          # temp folder, removed at exit
        ad.ldaps_uri, ad.admin_upn, ad.admin_password, ad.ca_file, ad.people_dn, ...
        conn = ad.connect()                  # ldap3 Connection, bound over LDAPS, CA validated
        ad.set_password_policy(relaxed=True) # at run time, for tests that need weak passwords
    inst = start("/tmp/x"); ...; inst.stop()   # or stop("/tmp/x")

CLI (prints the state JSON, password included: the state file itself is 0600):
    python tests/support/samba_ad.py start  --dir DIR [--relax-password-policy] [--max-page-size N]
    python tests/support/samba_ad.py status --dir DIR     # exit 1 when not running
    python tests/support/samba_ad.py stop   --dir DIR

Needs root or CAP_NET_BIND_SERVICE (ports below 1024), the Debian packages of
hack/install-system-deps.sh (samba samba-ad-dc ... python3-samba) and ldap3.

Measured on Debian 12 / Samba 4.17 (2 CPUs): provision 2.5-4 s, start until LDAPS answers
1-1.8 s, stop 0.2 s; ldap3 adds of users over LDAPS 230-290/s.

Samba and the Default Query Policy: Samba 4.17 reads lDAPAdminLimits but does NOT enforce
MaxPageSize: a paged search asking for 500 entries per page gets them all in one page whatever
MaxPageSize says, and a search without the paged control returns every entry (real AD stops at
MaxPageSize with sizeLimitExceeded). It also ignores the client's sizeLimit. What it does limit:
10 paged result sets per connection (older cookies become invalid), MaxQueryDuration (search
time), MaxConnIdleTime, and the size of a whole search response. max_page_size= below only
writes the policy, so the directory looks like an AD configured that way; paging has to be
tested with a small client page size.
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
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import ldap3
from ldap3.core.exceptions import LDAPException

REALM = "EXAMPLE.TEST"
NETBIOS_DOMAIN = "EXAMPLE"
HOST_NAME = "dc1"
SERVER_NAME = "dc1.example.test"  # the name in Samba's self-signed cert (it says DC1.example.test)
BASE_DN = "DC=example,DC=test"
ADMIN_DN = f"CN=Administrator,CN=Users,{BASE_DN}"
ADMIN_UPN = f"Administrator@{REALM}"
LDAP_URI = "ldap://127.0.0.1:389"
LDAPS_URI = "ldaps://127.0.0.1:636"
# Samba binds these on 127.0.0.1 whatever we ask: LDAP, LDAPS and the global catalog.
PORTS = (389, 636, 3268, 3269)
QUERY_POLICY_DN = (
    "CN=Default Query Policy,CN=Query-Policies,CN=Directory Service,CN=Windows NT,"
    f"CN=Services,CN=Configuration,{BASE_DN}"
)
# Only the LDAP server runs. Besides what a DNS-less test DC never needs (dns, nbt, wrepl,
# ntp_signd, kcc, dnsupdate), this leaves out smbd (s3fs: 139/445), the RPC endpoint mapper
# (135, 49152+), the KDC (88/464), winbindd, drepl and cldap: fewer processes, a faster start,
# and no clash with a system smbd or KDC. Password changes, policy checks and simple binds
# happen inside the LDAP server.
SERVER_SERVICES = "-dns -nbt -wrepl -ntp_signd -kcc -dnsupdate -s3fs -rpc -winbindd -kdc -drepl -cldap"
# The domain's password policy as Samba provisions it, and the relaxed variant.
DEFAULT_PASSWORD_POLICY = {
    "pwdProperties": "1",  # DOMAIN_PASSWORD_COMPLEX
    "minPwdLength": "7",
    "pwdHistoryLength": "24",
    "minPwdAge": "-864000000000",  # 1 day
}
RELAXED_PASSWORD_POLICY = {"pwdProperties": "0", "minPwdLength": "1", "pwdHistoryLength": "0", "minPwdAge": "0"}
STATE_FILE = "state.json"
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
# Everything a provision creates in the folder; a re-used folder loses all of it first.
_PROVISION_DIRS = ("etc", "private", "state", "cache", "run", "log", "bind-dns")
# Provision errors that mean "this filesystem refuses security.* xattrs / POSIX ACLs".
_XATTR_FAILURE_SIGNS = ("xattr", "ntacl", "posix acl", "not supported", "not_supported")
# samba lives in /usr/sbin, which a non-login PATH may lack.
_SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
# Popen objects of the instances this process started, reaped by stop().
_CHILDREN: dict[Path, subprocess.Popen] = {}


class SambaADError(RuntimeError):
    """Anything that prevents an instance from starting or stopping; one-line message."""


@dataclasses.dataclass
class SambaADInstance:
    pid: int
    ldap_uri: str
    ldaps_uri: str
    base_dn: str
    admin_dn: str
    admin_upn: str
    admin_password: str
    ca_file: str
    server_name: str
    realm: str
    netbios_domain: str
    people_dn: str
    groups_dn: str
    disabled_dn: str
    workdir: str
    provision_seconds: float
    ready_seconds: float
    password_policy: str  # "default" or "relaxed"
    max_page_size: int | None  # written to the Default Query Policy; Samba does not enforce it

    def stop(self) -> None:
        stop(self.workdir)

    def tls(self) -> ldap3.Tls:
        """ldap3 TLS settings that validate the DC's certificate against its own CA."""
        return _tls(self.ca_file)

    def connect(self, user: str | None = None, password: str | None = None) -> ldap3.Connection:
        """A bound ldap3 connection over LDAPS (Administrator by default); raises if the bind fails."""
        server = ldap3.Server(self.ldaps_uri, tls=self.tls(), get_info=ldap3.NONE, connect_timeout=5)
        return ldap3.Connection(
            server, user or self.admin_upn, self.admin_password if user is None and password is None else password,
            auto_bind=True, receive_timeout=30, raise_exceptions=False,
        )

    def set_password_policy(self, relaxed: bool) -> None:
        """Switch the domain's password policy at run time (effective at once, no restart).

        relaxed: no complexity, minimum length 1, no history, no minimum age;
        otherwise Samba's defaults: complexity, minimum length 7, history 24, minimum age 1 day.
        """
        with _unbinding(self.connect()) as conn:
            _set_password_policy(conn, relaxed)
        self.password_policy = "relaxed" if relaxed else "default"
        _write_state(self)


def _tool(name: str) -> str:
    path = shutil.which(name, path=_SEARCH_PATH)
    if path is None:
        raise SambaADError(f"{name} not found: run hack/install-system-deps.sh (Samba AD packages)")
    return path


@contextlib.contextmanager
def _unbinding(conn: ldap3.Connection) -> Iterator[ldap3.Connection]:
    try:
        yield conn
    finally:
        conn.unbind()


def _tls(ca_file: str) -> ldap3.Tls:
    return ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=ca_file, valid_names=[SERVER_NAME])


def _strong_password() -> str:
    # Meets the default complexity rule (3 of 4 character classes) whatever the token holds.
    return "Jm1!" + secrets.token_urlsafe(18)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # An orphaned samba is re-parented to PID 1, which in containers may never reap it:
    # a zombie is as dead as we need.
    return _proc_stat(pid)[0] not in ("Z", "X", "")


def _proc_stat(pid: int) -> tuple[str, int, int, int]:
    """(state, ppid, session id, start time) of a process; ("", 0, 0, 0) when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return fields[0], int(fields[1]), int(fields[3]), int(fields[19])
    except (OSError, IndexError, ValueError):
        return "", 0, 0, 0


def _is_our_samba(pid: int, work: Path) -> bool:
    """pid is a live samba started in work (we start it with cwd=work; samba overwrites its
    command line with "samba: root process", so the folder is not visible there)."""
    if not _pid_alive(pid):
        return False
    try:
        return (Path(os.readlink(f"/proc/{pid}/exe")).name == "samba"
                and Path(os.readlink(f"/proc/{pid}/cwd")) == work)
    except OSError:
        return False


def _our_samba_pid(work: Path) -> int | None:
    """PID from samba's pidfile, only if it is alive and really is the samba of work."""
    try:
        pid = int((work / "run" / "samba.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if _is_our_samba(pid, work) else None


def _other_sambas() -> list[str]:
    """Running samba root processes on this machine, as "pid N in DIR" (for error messages)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            if Path(os.readlink(entry / "exe")).name != "samba" or _proc_stat(pid)[2] != pid:
                continue
            found.append(f"pid {pid} in {os.readlink(entry / 'cwd')}")
        except OSError:
            continue
    return found


def _descendants(pid: int) -> dict[int, int]:
    """{pid: start time} of pid and all its descendants (samba forks ~10 task processes)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            ppid = _proc_stat(int(entry.name))[1]
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = {}, [pid]
    while todo:
        current = todo.pop()
        state, _ppid, _sid, started = _proc_stat(current)
        if state and current not in found:
            found[current] = started
            todo.extend(children.get(current, []))
    return found


def _alive(procs: dict[int, int]) -> list[int]:
    """The processes of procs still alive and not replaced by a new process with the same PID."""
    alive = []
    for pid, started in procs.items():
        state, _ppid, _sid, now_started = _proc_stat(pid)
        if state not in ("Z", "X", "") and now_started == started:
            alive.append(pid)
    return alive


def _port_taken(port: int) -> bool:
    with socket.socket() as sock:
        # SO_REUSEADDR, as samba sets it: only a listener conflicts, not TIME_WAIT leftovers
        # of the previous instance.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except PermissionError as exc:
            raise SambaADError(f"cannot bind port {port}: Samba AD needs root (ports below 1024)") from exc
        except OSError:
            return True
    return False


def _check_ports_free() -> None:
    taken = [port for port in PORTS if _port_taken(port)]
    if taken:
        others = _other_sambas()
        who = f"samba already running: {', '.join(others)}" if others else "another LDAP server?"
        raise SambaADError(
            f"127.0.0.1 port(s) {', '.join(map(str, taken))} already in use ({who}); only one "
            "Samba AD DC can run per machine: stop it first (samba_ad.py stop --dir DIR)"
        )


def _run(args: list[str], log: Path) -> None:
    proc = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    log.write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr or proc.stdout).strip().splitlines() if ln.strip()]
        tail = " | ".join(lines[-3:])
        raise SambaADError(f"{Path(args[0]).name} {args[1]} {args[2]} failed (rc={proc.returncode}): {tail}; see {log}")


def _provision_args(work: Path, password: str, xattr_fallback: bool) -> list[str]:
    options = {
        "interfaces": "127.0.0.1",
        "bind interfaces only": "yes",
        "pid directory": f"{work}/run",
        "ncalrpc dir": f"{work}/run/ncalrpc",
        "winbindd socket directory": f"{work}/run/winbindd",
        "ntp signd socket directory": f"{work}/run/ntp_signd",
        "log file": f"{work}/log/samba.log",
        "server services": SERVER_SERVICES,
        "dns update command": "/bin/true",
    }
    if xattr_fallback:
        # Where security.* xattrs are refused (some containers), keep the sysvol ACLs in a tdb.
        options["vfs objects"] = "dfs_samba4 acl_xattr xattr_tdb"
        options["xattr_tdb:file"] = f"{work}/state/xattr.tdb"
    # -s <empty file>: otherwise provision starts from /etc/samba/smb.conf (and its shares).
    return [
        _tool("samba-tool"), "domain", "provision", "-s", str(work / "empty-smb.conf"),
        f"--targetdir={work}", f"--realm={REALM}", f"--domain={NETBIOS_DOMAIN}",
        "--server-role=dc", "--dns-backend=NONE", f"--adminpass={password}",
        f"--host-name={HOST_NAME}", "--host-ip=127.0.0.1", "--use-rfc2307",
        *(f"--option={key}={value}" for key, value in options.items()),
    ]


def _clean(work: Path) -> None:
    (work / STATE_FILE).unlink(missing_ok=True)
    for name in _PROVISION_DIRS:
        shutil.rmtree(work / name, ignore_errors=True)


def _provision(work: Path, password: str) -> None:
    (work / "empty-smb.conf").write_text("")
    try:
        _run(_provision_args(work, password, xattr_fallback=False), work / "provision.log")
    except SambaADError as exc:
        text = (work / "provision.log").read_text().lower()
        if not any(sign in text for sign in _XATTR_FAILURE_SIGNS):
            raise
        _clean(work)
        try:
            _run(_provision_args(work, password, xattr_fallback=True), work / "provision.log")
        except SambaADError as again:
            raise SambaADError(f"{again} (after {exc})") from again
    for name in ("ncalrpc", "winbindd", "ntp_signd"):
        (work / "run" / name).mkdir(parents=True, exist_ok=True)
    (work / "log").mkdir(exist_ok=True)


def _answers(ldaps_uri: str, ca_file: str, password: str) -> bool:
    server = ldap3.Server(ldaps_uri, tls=_tls(ca_file), get_info=ldap3.NONE, connect_timeout=1)
    conn = ldap3.Connection(server, ADMIN_UPN, password, receive_timeout=5)
    try:
        return conn.bind() and conn.search(BASE_DN, "(objectClass=*)", search_scope=ldap3.BASE, attributes=["1.1"])
    except (LDAPException, OSError):
        return False
    finally:
        with contextlib.suppress(LDAPException, OSError):
            conn.unbind()


def _samba_output(work: Path) -> str:
    try:
        lines = [ln for ln in (work / "samba.out").read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return "no output"
    return " | ".join(lines[-3:]) or "no output"


def _launch(work: Path, password: str) -> tuple[int, float]:
    """Start samba in the foreground of a new session; return (pid, seconds until LDAPS answers)."""
    t0 = time.monotonic()
    conf = work / "etc" / "smb.conf"
    # -F (foreground) without -i: -i exits when stdin reaches EOF. stdout goes to a file, not a
    # pipe the server could block on.
    with (work / "samba.out").open("w") as out:
        proc = subprocess.Popen(  # pylint: disable=consider-using-with  # runs past this call
            [_tool("samba"), "-F", "-s", str(conf), "--debug-stdout"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, cwd=work, start_new_session=True,
        )
    _CHILDREN[work] = proc
    ca_file = str(work / "private" / "tls" / "ca.pem")  # generated by samba at its first start
    while time.monotonic() - t0 < READY_TIMEOUT:
        if proc.poll() is not None:
            _CHILDREN.pop(work, None)
            raise SambaADError(f"samba exited at start (rc={proc.returncode}): {_samba_output(work)}; see {work}/samba.out")
        if Path(ca_file).exists() and _answers(LDAPS_URI, ca_file, password):
            return proc.pid, time.monotonic() - t0
        time.sleep(0.1)
    stop(work)
    raise SambaADError(f"samba did not answer on {LDAPS_URI} within {READY_TIMEOUT:.0f} s: {_samba_output(work)}")


def _check(conn: ldap3.Connection, what: str) -> None:
    if conn.result["result"] != 0:
        raise SambaADError(f"{what} failed: {conn.result['description']} {conn.result['message']}")


def _set_password_policy(conn: ldap3.Connection, relaxed: bool) -> None:
    # The same attributes `samba-tool domain passwordsettings set` writes, on the domain object.
    policy = RELAXED_PASSWORD_POLICY if relaxed else DEFAULT_PASSWORD_POLICY
    conn.modify(BASE_DN, {attr: [(ldap3.MODIFY_REPLACE, [value])] for attr, value in policy.items()})
    _check(conn, "setting the password policy")


def _set_max_page_size(conn: ldap3.Connection, size: int) -> None:
    # NOT enforced by Samba 4.17 (see the module docstring): only recorded in the policy.
    conn.search(QUERY_POLICY_DN, "(objectClass=*)", search_scope=ldap3.BASE, attributes=["lDAPAdminLimits"])
    _check(conn, "reading the Default Query Policy")
    limits = [v for v in conn.response[0]["attributes"]["lDAPAdminLimits"] if not v.startswith("MaxPageSize=")]
    conn.modify(QUERY_POLICY_DN, {"lDAPAdminLimits": [(ldap3.MODIFY_REPLACE, limits + [f"MaxPageSize={size}"])]})
    _check(conn, "setting MaxPageSize")


def _populate(inst: SambaADInstance, relax_password_policy: bool, max_page_size: int | None) -> None:
    with _unbinding(inst.connect()) as conn:
        for dn in (inst.people_dn, inst.groups_dn, inst.disabled_dn):
            conn.add(dn, ["top", "organizationalUnit"])
            _check(conn, f"adding {dn}")
        if relax_password_policy:
            _set_password_policy(conn, relaxed=True)
        if max_page_size is not None:
            _set_max_page_size(conn, max_page_size)


def _write_state(inst: SambaADInstance) -> None:
    # Created 0600 from the start: it holds the admin password. Replaced atomically.
    path = Path(inst.workdir) / STATE_FILE
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(dataclasses.asdict(inst), fh, indent=2)
    os.replace(tmp, path)


def start(
    workdir: str | os.PathLike[str] | None = None,
    relax_password_policy: bool = False,
    max_page_size: int | None = None,
) -> SambaADInstance:
    """Provision a fresh domain in workdir (a new temp folder if None) and start its DC.

    relax_password_policy: no complexity, minimum length 1, no history (default: Samba's
    policy, as a fresh AD has it; switch later with set_password_policy()).
    max_page_size: written as MaxPageSize to the Default Query Policy; Samba ignores it.
    """
    work = Path(workdir or tempfile.mkdtemp(prefix="samba-ad-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    if _our_samba_pid(work) is not None:
        raise SambaADError(f"a samba is already running from {work}; stop it first")
    for tool in ("samba", "samba-tool"):
        _tool(tool)
    _check_ports_free()

    _clean(work)  # a re-used folder gets a fresh domain, never the previous data or state
    password = _strong_password()
    t0 = time.monotonic()
    _provision(work, password)
    provision_seconds = time.monotonic() - t0
    pid, ready = _launch(work, password)
    inst = SambaADInstance(
        pid=pid, ldap_uri=LDAP_URI, ldaps_uri=LDAPS_URI, base_dn=BASE_DN, admin_dn=ADMIN_DN,
        admin_upn=ADMIN_UPN, admin_password=password, ca_file=str(work / "private" / "tls" / "ca.pem"),
        server_name=SERVER_NAME, realm=REALM, netbios_domain=NETBIOS_DOMAIN,
        people_dn=f"OU=People,{BASE_DN}", groups_dn=f"OU=Groups,{BASE_DN}",
        disabled_dn=f"OU=Disabled,{BASE_DN}", workdir=str(work),
        provision_seconds=round(provision_seconds, 3), ready_seconds=round(ready, 3),
        password_policy="relaxed" if relax_password_policy else "default", max_page_size=max_page_size,
    )
    try:
        if _our_samba_pid(work) != pid:
            raise SambaADError(f"samba answers on {LDAPS_URI} but {work}/run/samba.pid is not pid {pid}")
        _populate(inst, relax_password_policy, max_page_size)
        _write_state(inst)
    except BaseException:
        stop(work)
        raise
    return inst


def stop(workdir: str | os.PathLike[str]) -> None:
    """SIGTERM the instance of workdir, SIGKILL what is left after 10 s, and check that none of
    its processes survived; a no-op when it is not running."""
    work = Path(workdir).resolve()
    child = _CHILDREN.pop(work, None)
    pid = _our_samba_pid(work)
    if pid is None and child is not None and _is_our_samba(child.pid, work):
        pid = child.pid  # killed before it wrote its pidfile
    if pid is not None:
        procs = _descendants(pid)  # snapshot before they get re-parented
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while _alive(procs) and time.monotonic() < deadline:
            time.sleep(0.05)
        for left in _alive(procs):
            with contextlib.suppress(ProcessLookupError):
                os.kill(left, signal.SIGKILL)
        deadline = time.monotonic() + 2
        while _alive(procs) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(procs):
            raise SambaADError(f"samba processes {_alive(procs)} of {work} survived SIGKILL")
    if child is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=1)  # reap it, or it stays a zombie until this process exits


def status(workdir: str | os.PathLike[str]) -> dict | None:
    """The saved state plus "running", or None if workdir never held a started instance."""
    work = Path(workdir).resolve()
    try:
        state = json.loads((work / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    state["running"] = (
        _our_samba_pid(work) is not None and _answers(state["ldaps_uri"], state["ca_file"], state["admin_password"])
    )
    return state


@contextlib.contextmanager
def running_samba_ad(
    workdir: str | os.PathLike[str] | None = None,
    relax_password_policy: bool = False,
    max_page_size: int | None = None,
) -> Iterator[SambaADInstance]:
    """A started instance for the with-block; stopped after it, temp folder removed if ours."""
    own = workdir is None
    work = tempfile.mkdtemp(prefix="samba-ad-") if own else workdir
    try:
        yield start(work, relax_password_policy, max_page_size)
    finally:
        stop(work)
        if own:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Throwaway Samba AD DC for tests")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("start", "stop", "status"):
        cmd = sub.add_parser(name)
        cmd.add_argument("--dir", required=True, help="instance folder")
    sub.choices["start"].add_argument("--relax-password-policy", action="store_true",
                                      help="no complexity, minimum length 1, no history")
    sub.choices["start"].add_argument("--max-page-size", type=int,
                                      help="MaxPageSize of the Default Query Policy (Samba ignores it)")
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            inst = start(args.dir, args.relax_password_policy, args.max_page_size)
            print(json.dumps(dataclasses.asdict(inst), indent=2))
            _CHILDREN.clear()  # it keeps running after this process exits
        elif args.command == "stop":
            stop(args.dir)
        else:
            state = status(args.dir)
            if state is None:
                raise SambaADError(f"no {STATE_FILE} in {args.dir}: never started there")
            print(json.dumps(state, indent=2))
            return 0 if state["running"] else 1
    except (SambaADError, OSError) as exc:
        print(f"samba_ad.py {args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
