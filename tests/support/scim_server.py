# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A real SCIM 2.0 service provider for the tests: ``scim2-server`` on 127.0.0.1, over HTTPS.

``scim2-server`` (PyPI) is an in-memory SCIM 2.0 server with a bearer token and a configurable
``/ServiceProviderConfig``, so each discovery path of a client can be tested. It serves plain
HTTP only; this launcher runs the same command line with the listening socket wrapped in TLS
(a throwaway self-signed certificate for 127.0.0.1), because the collection's client verifies
certificates by default and the tests must take that path.

    with running_scim(token="s3cret") as scim:
        scim.url        # https://127.0.0.1:PORT/v2
        scim.ca_file    # the certificate to trust

The server is a child process, stopped by its PID (SIGTERM, which it turns into a clean stop that
writes ``--dump-resources`` when asked).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hr_api import _make_cert  # noqa: E402  pylint: disable=wrong-import-position

READY_SECONDS = 30.0


@dataclass
class ScimServer:
    url: str
    ca_file: str
    token: Optional[str]
    pid: int
    dump_file: Optional[str]
    request_log: Optional[str] = None

    def requests(self) -> list:
        """The requests the server received so far (with ``log_requests``), oldest first."""
        if not self.request_log or not os.path.exists(self.request_log):
            return []
        with open(self.request_log, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def clear_requests(self) -> None:
        if self.request_log and os.path.exists(self.request_log):
            os.unlink(self.request_log)

    def request(self, method: str, path: str, body: Optional[dict] = None,
                token: Optional[str] = None) -> tuple[int, dict]:
        """``method url+path`` with the bearer token (or ``token``): (status, JSON body or {})."""
        request = urllib.request.Request(self.url + path, method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Accept": "application/scim+json",
                                                  "Content-Type": "application/scim+json"})
        used = self.token if token is None else token
        if used:
            request.add_header("Authorization", f"Bearer {used}")
        context = ssl.create_default_context(cafile=self.ca_file)
        try:
            with urllib.request.urlopen(request, context=context, timeout=10) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def get(self, path: str, token: Optional[str] = None) -> tuple[int, dict]:
        return self.request("GET", path, token=token)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_scim(token: Optional[str] = "scim-test-token", service_provider_config: Optional[dict] = None,
                 dump: bool = False, workdir: Optional[str] = None, log_requests: bool = False,
                 throttle_writes: int = 0, retry_after: str = "1", touch_before_write: bool = False
                 ) -> Iterator[ScimServer]:
    """A started server for the with-block. ``service_provider_config``: what it announces
    (default: scim2-server's, every feature but cursors); ``dump``: write the resources to
    ``dump_file`` when it stops (read it after the block)."""
    own = workdir is None
    work = Path(tempfile.mkdtemp(prefix="scim-") if own else workdir)
    work.mkdir(parents=True, exist_ok=True)
    cert, key = _make_cert(work)
    port = _free_port()
    command = [sys.executable, os.path.abspath(__file__), "--cert", cert, "--key", key,
               "--port", str(port), "--hostname", "127.0.0.1"]
    if token:
        command += ["--bearer-token=" + token]  # one argument: a token may start with "-"
    if service_provider_config is not None:
        config_file = work / "service-provider-config.json"
        config_file.write_text(json.dumps(service_provider_config), encoding="utf-8")
        command += ["--service-provider-config", str(config_file)]
    request_log = str(work / "requests.jsonl") if log_requests else None
    if request_log:
        command += ["--request-log", request_log]
    if throttle_writes:
        command += ["--throttle-writes", str(throttle_writes), "--retry-after", retry_after]
    if touch_before_write:
        command += ["--touch-before-write"]
    dump_file = str(work / "resources.json") if dump else None
    if dump_file:
        command += ["--dump-resources", dump_file]
    log = open(work / "scim-server.log", "wb")  # pylint: disable=consider-using-with
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # pylint: disable=consider-using-with
    server = ScimServer(f"https://127.0.0.1:{port}/v2", cert, token, process.pid, dump_file, request_log)
    try:
        _wait_ready(server, process, work / "scim-server.log")
        yield server
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
        log.close()
        if own and not dump:
            shutil.rmtree(work, ignore_errors=True)


def _wait_ready(server: ScimServer, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"scim2-server exited with {process.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            status, dummy = server.get("/ServiceProviderConfig")
            if status == 200:
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"scim2-server did not answer in {READY_SECONDS:.0f} s: {log.read_text(errors='replace')[-2000:]}")


class _Recorder(object):
    """WSGI middleware around scim2-server's application, for what the tests must see or cause:
    ``--request-log``: every request (method, path, query, JSON body) as one JSON line;
    ``--throttle-writes N``: the first N writes of the client under test (not the test's own
    seeding through urllib) are answered 429 with ``Retry-After``;
    ``--touch-before-write``: before a write carrying If-Match, another client changes the same
    resource (a PATCH of nickName through the server itself), so the server's own ETag check
    answers 412 as it would to a real concurrent change."""

    def __init__(self, app, options):
        self.app, self.options = app, options
        self.throttled = 0
        self.lock = __import__("threading").Lock()

    def __call__(self, environ, start_response):
        import io  # pylint: disable=import-outside-toplevel
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0) or 0)
        environ["wsgi.input"] = io.BytesIO(body)
        method = environ["REQUEST_METHOD"]
        entry = {"method": method, "path": environ.get("PATH_INFO"), "query": environ.get("QUERY_STRING", ""),
                 "if_match": environ.get("HTTP_IF_MATCH"), "body": json.loads(body) if body else None}
        with self.lock:
            test_itself = environ.get("HTTP_USER_AGENT", "").startswith("Python-urllib")  # the seeding
            if method in ("POST", "PUT", "PATCH", "DELETE") and not test_itself \
                    and self.throttled < self.options.throttle_writes:
                self.throttled += 1
                start_response("429 Too Many Requests", [("Retry-After", self.options.retry_after),
                                                         ("Content-Type", "application/scim+json")])
                return [json.dumps({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "429",
                                    "detail": "slow down"}).encode()]
        if self.options.touch_before_write and environ.get("HTTP_IF_MATCH") and method in ("PUT", "PATCH", "DELETE"):
            touch = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                     "Operations": [{"op": "replace", "path": "nickName", "value": "changed by another client"}]}
            data = json.dumps(touch).encode()
            other = dict(environ, REQUEST_METHOD="PATCH", CONTENT_LENGTH=str(len(data)))
            other.pop("HTTP_IF_MATCH", None)
            other["wsgi.input"] = io.BytesIO(data)
            b"".join(self.app(other, lambda *a, **k: None))
            environ["wsgi.input"] = io.BytesIO(body)
        started = time.perf_counter()
        answer = b"".join(self.app(environ, start_response))
        if self.options.request_log:
            # The server's own time for the request (the benchmark reports it next to the client's).
            entry["seconds"] = time.perf_counter() - started
            with self.lock, open(self.options.request_log, "a", encoding="utf-8") as log:
                log.write(json.dumps(entry) + "\n")
        return [answer]


def _serve(argv: list[str]) -> None:
    """The ``scim2-server`` command line, over TLS: ``--cert`` and ``--key`` are ours, the rest its own."""
    import argparse  # pylint: disable=import-outside-toplevel
    from scim2_server.testserver import cli  # pylint: disable=import-outside-toplevel

    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--request-log")
    parser.add_argument("--throttle-writes", type=int, default=0)
    parser.add_argument("--retry-after", default="1")
    parser.add_argument("--touch-before-write", action="store_true")
    ours, rest = parser.parse_known_args(argv)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(ours.cert, ours.key)
    plain_make_server = cli.make_server

    def make_tls_server(host, port, app, *args, **kwargs):
        server = plain_make_server(host, port, _Recorder(app, ours), *args, **kwargs)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        return server

    cli.make_server = make_tls_server
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a stop by PID ends it like Ctrl-C
    sys.argv = ["scim2-server"] + rest
    cli.main()


def start_detached(workdir: str, token: Optional[str] = None, service_provider_config: Optional[dict] = None) -> dict:
    """A server that outlives this process (the demo, molecule): ``{base_url, ca_file, token, pid}``,
    also written to ``workdir/state.json``; stopped by ``stop_detached(workdir)``."""
    import secrets  # pylint: disable=import-outside-toplevel
    work = Path(workdir)
    stop_detached(workdir)
    work.mkdir(parents=True, exist_ok=True)
    cert, key = _make_cert(work)
    port = _free_port()
    token = token or secrets.token_urlsafe(24)
    command = [sys.executable, os.path.abspath(__file__), "--cert", cert, "--key", key, "--port", str(port),
               "--hostname", "127.0.0.1", "--bearer-token=" + token]
    if service_provider_config is not None:
        (work / "service-provider-config.json").write_text(json.dumps(service_provider_config), encoding="utf-8")
        command += ["--service-provider-config", str(work / "service-provider-config.json")]
    with open(work / "scim-server.log", "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,  # pylint: disable=consider-using-with
                                   start_new_session=True)
    server = ScimServer(f"https://127.0.0.1:{port}/v2", cert, token, process.pid, None)
    _wait_ready(server, process, work / "scim-server.log")
    state = {"base_url": server.url, "ca_file": cert, "token": token, "pid": process.pid}
    state_file = work / "state.json"
    state_file.write_text(json.dumps(state), encoding="utf-8")
    os.chmod(state_file, 0o600)  # it holds the token
    return state


def stop_detached(workdir: str) -> None:
    """Stop the server ``start_detached`` started from ``workdir`` (by its PID); nothing when none runs."""
    state_file = Path(workdir) / "state.json"
    if not state_file.exists():
        return
    pid = json.loads(state_file.read_text(encoding="utf-8"))["pid"]
    try:
        os.kill(pid, signal.SIGTERM)
        for dummy in range(100):
            os.kill(pid, 0)
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    state_file.unlink()


def main(argv: list[str]) -> int:
    """``scim_server.py start --dir DIR`` (prints the state JSON) / ``stop --dir DIR``."""
    import argparse  # pylint: disable=import-outside-toplevel
    parser = argparse.ArgumentParser(prog="scim_server.py")
    parser.add_argument("command", choices=["start", "stop"])
    parser.add_argument("--dir", required=True)
    args = parser.parse_args(argv)
    if args.command == "start":
        print(json.dumps(start_detached(args.dir)))
    else:
        stop_detached(args.dir)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] in (["start"], ["stop"]):
        sys.exit(main(sys.argv[1:]))
    _serve(sys.argv[1:])
