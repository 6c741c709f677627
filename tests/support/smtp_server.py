"""A real, local SMTP server for tests: aiosmtpd in a thread on 127.0.0.1, collecting what it gets.

    with running_smtp(tls="starttls", auth={"username": "jml", "password": "..."}) as server:
        server.port, server.ca_file, server.messages   # messages: [Received, ...]

``tls``: False (plain), True or ``"starttls"`` (STARTTLS offered, and required before AUTH and
MAIL), or ``"tls"`` (implicit TLS, SMTPS), with a fresh self-signed certificate (SAN
IP:127.0.0.1, made with openssl) whose file is ``.ca_file``. ``auth``: a login and password the
server requires (PLAIN and LOGIN). ``refuse``: recipient addresses answered with 550.
aiosmtpd cannot listen on port 0, so a free port is picked first (and retried if taken meanwhile).
"""

from __future__ import annotations

import contextlib
import dataclasses
import email
import email.policy
import logging
import shutil
import socket
import ssl
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

# aiosmtpd logs its security advice (AUTH without TLS) as warnings on every start; errors stay.
logging.getLogger("mail.log").setLevel(logging.ERROR)


@dataclasses.dataclass
class Received:
    """One message as the server got it."""

    mail_from: str
    rcpt_tos: list
    subject: str
    body: str
    headers: dict
    raw: str
    tls: bool
    login: str | None


class _Handler:
    def __init__(self, server):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.server.refuse:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        # The subject is stripped: Python's generator may fold a long one right after "Subject:",
        # and its parser then keeps the continuation line's leading space (mail clients do not).
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain",))
        login = session.auth_data if session.authenticated else None
        self.server.messages.append(Received(
            mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos), subject=str(parsed["Subject"]).strip(),
            body=body.get_content().replace("\r\n", "\n") if body is not None else "", headers=dict(parsed.items()),
            raw=raw.decode("utf-8", "replace"), tls=self.server.tls == "tls" or session.ssl is not None,
            login=login))
        return "250 2.0.0 accepted"


class _Controller(Controller):
    def factory(self):
        with warnings.catch_warnings():
            # "AUTH without TLS" is what a plain test server with a login is for.
            warnings.simplefilter("ignore", UserWarning)
            return Controller.factory(self)


class SmtpServer:
    """A running server: ``host``, ``port``, ``ca_file`` (None without TLS), ``messages``."""

    host = "127.0.0.1"

    def __init__(self, workdir, tls=False, auth=None, refuse=()):
        self.tls = "starttls" if tls is True else (tls or None)
        if self.tls not in (None, "starttls", "tls"):
            raise ValueError("tls must be False, True, 'starttls' or 'tls'")
        self.auth = auth
        self.refuse = set(a.lower() for a in refuse)
        self.messages = []
        self.logins = []          # (login, success) of every AUTH attempt
        self.workdir = Path(workdir)
        self.ca_file = None
        self.port = None
        self._controller = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        login = auth_data.login.decode("utf-8", "replace")
        ok = (self.auth is not None and login == self.auth["username"]
              and auth_data.password.decode("utf-8", "replace") == self.auth["password"])
        self.logins.append((login, ok))
        # handled=False: aiosmtpd answers 235 or 535 itself; auth_data becomes session.auth_data.
        return AuthResult(success=ok, handled=False, auth_data=login)

    def _context(self):
        cert, key = self.workdir / "cert.pem", self.workdir / "key.pem"
        openssl = shutil.which("openssl")
        if openssl is None:
            raise RuntimeError("openssl not found: apt-get install openssl")
        subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                        "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert), str(key))
        self.ca_file = str(cert)
        return context

    def start(self):
        context = self._context() if self.tls else None
        kwargs = {"ident": "jml-test-smtp"}
        if self.tls == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        elif self.tls == "tls":
            kwargs.update(ssl_context=context)
        if self.auth is not None:
            # AUTH only over TLS when TLS is on; implicit TLS is TLS from the first byte.
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          auth_require_tls=self.tls == "starttls")
        last = None
        for dummy in range(5):
            with socket.socket() as probe:
                probe.bind((self.host, 0))
                port = probe.getsockname()[1]
            controller = _Controller(_Handler(self), hostname=self.host, port=port, **kwargs)
            try:
                controller.start()
            except (OSError, RuntimeError) as exc:  # the port was taken meanwhile
                last = exc
                continue
            self._controller, self.port = controller, port
            return self
        raise RuntimeError("cannot start the SMTP server: %s" % last)

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@contextlib.contextmanager
def running_smtp(tls=False, auth=None, refuse=()) -> Iterator[SmtpServer]:
    with tempfile.TemporaryDirectory(prefix="jml-smtp-") as workdir:
        server = SmtpServer(workdir, tls=tls, auth=auth, refuse=refuse).start()
        try:
            yield server
        finally:
            server.stop()


def closed_port():
    """A port on 127.0.0.1 nobody listens on (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
