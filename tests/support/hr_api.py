"""A real, local HR API for tests and demos: persons as paginated JSON over HTTP(S).

A stdlib ThreadingHTTPServer in a thread on 127.0.0.1 (a free port unless one is given), serving
``GET /api/persons`` in one pagination style:

    next_link    {"data": [...], "next": "/api/persons?after=2"}   (relative link; null at the end)
    link_header  {"data": [...]} + ``Link: <http://.../api/persons?after=2>; rel="next"``
    cursor       {"data": [...], "next_cursor": "c2..."}           (?cursor=...; null at the end)
    page         {"data": [...]} for ?page=N&per_page=M             (N from 1; an empty page at the end)
    offset       {"data": [...]} for ?offset=N&limit=M

Pages are numbered from 1 in order (page 3 = the third page), whatever the style; ``faults`` maps a
page number to ``"500"``, ``"500-once"``, ``"429-once"`` (Retry-After: 1), ``"slow:SECONDS"``,
``"malformed"`` or ``"loop"`` (the first page's body again: its records, next link and cursor).
``auth``: ``{"type": "bearer", "token": ...}`` or ``{"type": "basic", "username": ..., "password":
...}``; a request without them gets 401. ``tls=True`` serves HTTPS with a fresh self-signed
certificate (SAN IP:127.0.0.1, made with openssl), the CA file being ``.ca_file``.
``GET /legacy/persons?...`` answers 301 to ``/api/persons?...`` (a same-server redirect).

Python:
    with running_hr_api(persons, style="page", page_size=2) as api:
        api.url, api.ca_file, api.requests   # requests: [(method, path with query), ...]

CLI (serves until killed):
    python tests/support/hr_api.py serve --persons FILE.json --port N [--style STYLE] [--page-size N]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

PATH = "/api/persons"
STYLES = ("next_link", "link_header", "cursor", "page", "offset")
FAULTS = ("500", "500-once", "429-once", "malformed", "loop", "repeat", "html", "401")
LEGACY_PATH = "/legacy/persons"


class HrApi:
    """A running server: ``url``, ``ca_file`` (None without TLS), ``requests`` received."""

    def __init__(self, persons, style, page_size, auth, faults):
        if style not in STYLES:
            raise ValueError(f"style {style!r} is not one of {', '.join(STYLES)}")
        for fault in (faults or {}).values():
            if fault not in FAULTS and not fault.startswith("slow:"):
                raise ValueError(f"unknown fault {fault!r}")
        self.persons = list(persons)
        self.style = style
        self.page_size = page_size
        self.auth = auth
        self.faults = {int(page): fault for page, fault in (faults or {}).items()}
        self.requests: list[tuple[str, str]] = []
        self.url = ""
        self.ca_file: str | None = None
        self._hits: dict[int, int] = {}
        self._lock = threading.Lock()

    def authorized(self, header: str | None) -> bool:
        if not self.auth:
            return True
        if self.auth["type"] == "bearer":
            return header == f"Bearer {self.auth['token']}"
        pair = f"{self.auth['username']}:{self.auth['password']}".encode()
        return header == "Basic " + base64.b64encode(pair).decode()

    def window(self, query: dict[str, str]) -> tuple[int, int]:
        """(offset, size) of the page a query asks for."""
        if self.style == "page":
            size = int(query.get("per_page", self.page_size))
            return (int(query.get("page", 1)) - 1) * size, size
        if self.style == "offset":
            return int(query.get("offset", 0)), int(query.get("limit", self.page_size))
        token = query.get("after") or query.get("cursor")
        offset = int(base64.urlsafe_b64decode(token.encode()).decode().split(":")[1]) if token else 0
        return offset, self.page_size

    def page(self, query: dict[str, str]) -> tuple[int, dict, dict[str, str]]:
        """(page number, body, extra headers) for a query."""
        offset, size = self.window(query)
        data = self.persons[offset:offset + size]
        after = offset + size
        token = base64.urlsafe_b64encode(f"after:{after}".encode()).decode() if after < len(self.persons) else None
        body, headers = {"data": data}, {}
        if self.style == "next_link":
            body["next"] = f"{PATH}?after={token}" if token else None
        elif self.style == "cursor":
            body["next_cursor"] = token
        elif self.style == "link_header" and token:
            headers["Link"] = f'<{self.url}?after={token}>; rel="next", <{self.url}>; rel="first"'
        return offset // size + 1 if size else 1, body, headers

    def fault(self, number: int) -> str | None:
        """The fault to act out for this request of page ``number`` (the "-once" ones only once)."""
        with self._lock:
            self._hits[number] = hits = self._hits.get(number, 0) + 1
        fault = self.faults.get(number)
        if fault and fault.endswith("-once") and hits > 1:
            return None
        return fault


def _handler(api: HrApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server name)
            api.requests.append(("GET", self.path))
            parts = urlsplit(self.path)
            if parts.path == LEGACY_PATH:
                location = PATH + ("?" + parts.query if parts.query else "")
                return self.answer(301, {"moved": location}, {"Location": location})
            if parts.path != PATH:
                return self.answer(404, {"error": "not found"})
            if not api.authorized(self.headers.get("Authorization")):
                return self.answer(401, {"error": "unauthorized"}, {"WWW-Authenticate": 'Bearer realm="hr"'})
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            number, body, headers = api.page(query)
            fault = api.fault(number)
            if fault and fault.startswith("slow:"):
                time.sleep(float(fault.split(":", 1)[1]))
            elif fault in ("500", "500-once"):
                return self.answer(500, {"error": "boom"})
            elif fault == "429-once":
                return self.answer(429, {"error": "slow down"}, {"Retry-After": "1"})
            elif fault == "loop":
                dummy, body, headers = api.page({k: v for k, v in query.items() if k in ("per_page", "limit")})
            elif fault == "repeat":  # the previous page's records again, under a new next link
                offset, size = api.window(query)
                body = dict(body, data=api.persons[max(offset - size, 0):offset])
            elif fault == "html":  # a proxy's error page, or a login form, with status 200
                return self.answer(200, b"<html><body>Please log in</body></html>", {"Content-Type": "text/html"})
            elif fault == "401":
                return self.answer(401, {"error": "token expired"})
            elif fault == "malformed":
                return self.answer(200, b'{"data": [{"id": "1",', headers)
            return self.answer(200, body, headers)

        def answer(self, status: int, body, headers: dict[str, str] | None = None) -> None:
            raw = body if isinstance(body, bytes) else json.dumps(body).encode()
            try:
                self.send_response(status)
                headers = dict(headers or {})
                self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(raw)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def log_message(self, format, *args) -> None:  # noqa: A002  (quiet: tests read no access log)
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # a client that hangs up (timeouts, rejected certificates) is no server error


def _make_cert(work: Path) -> tuple[str, str]:
    cert, key = work / "hr-api-cert.pem", work / "hr-api-key.pem"
    proc = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"openssl failed: {proc.stderr.strip()}")
    return str(cert), str(key)


@contextlib.contextmanager
def running_hr_api(persons, style="next_link", page_size=2, auth=None, faults=None, tls=False, workdir=None,
                   port=0) -> Iterator[HrApi]:
    """A started server for the with-block; shut down after it (the certificate's temp folder removed if ours)."""
    api = HrApi(persons, style, page_size, auth, faults)
    own = tls and workdir is None
    work = Path(tempfile.mkdtemp(prefix="hr-api-") if own else workdir or ".")
    server = _Server(("127.0.0.1", port), _handler(api))
    try:
        scheme = "http"
        if tls:
            work.mkdir(parents=True, exist_ok=True)
            cert, key = _make_cert(work)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            server.socket = context.wrap_socket(server.socket, server_side=True)
            scheme, api.ca_file = "https", cert
        api.url = f"{scheme}://127.0.0.1:{server.server_address[1]}{PATH}"
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield api
        finally:
            server.shutdown()
            thread.join()
    finally:
        server.server_close()
        if own:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Local HR API for demos")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve")
    serve.add_argument("--persons", type=Path, required=True, help="JSON file: a list of person objects")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--style", choices=STYLES, default="next_link")
    serve.add_argument("--page-size", type=int, default=100)
    serve.add_argument("--token-file", type=Path, help="require this bearer token (read from a file, never argv)")
    args = parser.parse_args(argv)
    auth = None
    if args.token_file:
        auth = {"type": "bearer", "token": args.token_file.read_text(encoding="utf-8").strip()}
    persons = json.loads(args.persons.read_text(encoding="utf-8"))
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # kill ends it like Ctrl-C
    with running_hr_api(persons, style=args.style, page_size=args.page_size, port=args.port, auth=auth) as api:
        print(f"serving {len(persons)} persons at {api.url} ({args.style}); Ctrl-C or kill to stop", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
