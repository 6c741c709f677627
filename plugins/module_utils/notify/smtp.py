# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SMTP adapter: send alert messages over one connection (for internal use).

The only code that talks to a mail server. Plain, STARTTLS or TLS (implicit, "SMTPS"), with the
server's certificate validated against the system CAs or a CA file, and a login when a username is
given. It never raises: a connection, TLS or login failure, a refused recipient or a dropped
connection comes back as errors naming the recipient and the reason, because a mail failure must
never undo or fail provisioning that was done.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

SECURITY = ("none", "starttls", "tls")


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def describe(exc):
    """A one-line reason for an SMTP or socket error (server replies as ``code text``)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {' '.join(_text(exc.smtp_error).split())}"
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def build_email(message):
    """An ``alerts.Message`` as an ``EmailMessage`` (UTF-8 text, RFC 3834 auto-generated)."""
    mail = EmailMessage()
    mail["From"] = message.sender
    mail["To"] = ", ".join(message.to)
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=message.sender.rpartition("@")[2] or None)
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.body)
    return mail


def tls_context(validate_certs=True, ca_file=None):
    """Client TLS context: the system CAs (or ``ca_file``) and host name checks, unless disabled."""
    if not validate_certs:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=ca_file or None)


def connect(host, port=None, security="starttls", username=None, password=None, timeout=30.0,
            validate_certs=True, ca_file=None):
    """An open, secured and logged-in ``smtplib.SMTP``; raises ``OSError`` or ``SMTPException``."""
    if security not in SECURITY:
        raise ValueError(f"smtp.security must be one of {', '.join(SECURITY)}")
    port = port or (465 if security == "tls" else 25)
    timeout = timeout or 30.0
    if security == "tls":
        conn = smtplib.SMTP_SSL(host, port, timeout=timeout, context=tls_context(validate_certs, ca_file))
    else:
        conn = smtplib.SMTP(host, port, timeout=timeout)
    try:
        conn.ehlo()
        if security == "starttls":
            # No fallback to plain text: a server without STARTTLS is an error.
            conn.starttls(context=tls_context(validate_certs, ca_file))
            conn.ehlo()
        if username:
            conn.login(username, password or "")
    except Exception:
        conn.close()
        raise
    return conn


def _failed(message, error):
    return [{"to": address, "subject": message.subject, "error": error} for address in message.to]


def _lost(messages, where, exc):
    # The connection is gone: these messages (the current one and every later one) are not sent.
    error = f"connection to {where.rstrip(':')} lost: {describe(exc)}"
    return [e for m in messages for e in _failed(m, error)]


def send(messages, smtp):
    """Send ``messages`` (``alerts.Message``) with the ``smtp`` settings over one connection.

    Returns ``(sent, errors)``: the number of messages the server accepted (for at least one
    recipient) and ``[{to, subject, error}]``, one per recipient that did not get a message.
    Never raises.
    """
    if not messages:
        return 0, []
    settings = dict((k, smtp.get(k)) for k in ("host", "port", "security", "username", "password", "timeout",
                                               "validate_certs", "ca_file") if smtp.get(k) is not None)
    where = f"{settings.get('host')}:{settings.get('port') or ''}"
    try:
        conn = connect(**settings)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        error = f"cannot send through {where.rstrip(':')}: {describe(exc)}"
        return 0, [e for m in messages for e in _failed(m, error)]
    sent, errors = 0, []
    try:
        for index, message in enumerate(messages):
            try:
                refused = conn.send_message(build_email(message), from_addr=message.sender, to_addrs=list(message.to))
            except smtplib.SMTPRecipientsRefused as exc:
                errors.extend({"to": address, "subject": message.subject, "error": "refused: %s %s" % (
                    code, " ".join(_text(reply).split()))} for address, (code, reply) in exc.recipients.items())
                continue
            except smtplib.SMTPServerDisconnected as exc:
                return sent, errors + _lost(messages[index:], where, exc)
            except (smtplib.SMTPException, ValueError) as exc:
                # This message only (sender refused, data refused): the server goes on with the next.
                errors.extend(_failed(message, f"not sent: {describe(exc)}"))
                continue
            except OSError as exc:  # after SMTPException, which is an OSError too
                return sent, errors + _lost(messages[index:], where, exc)
            sent += 1
            errors.extend({"to": address, "subject": message.subject, "error": "refused: %s %s" % (
                code, " ".join(_text(reply).split()))} for address, (code, reply) in refused.items())
    finally:
        try:
            conn.quit()
        except (OSError, smtplib.SMTPException):
            conn.close()
    return sent, errors
