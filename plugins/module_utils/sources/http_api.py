# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HTTP API reader: every page of a paginated JSON API, all or nothing (for internal use).

Each page is one GET; its body is JSON and the records are a list at a dotted path of it (or the
body itself). Pages follow one pagination style (none, next_link, page, offset, cursor). Connection
errors, timeouts, HTTP 429 and 5xx are retried with exponential backoff; anything else, or a page
still failing after the retries, raises ``SourceError`` and no record is returned, so a collect
never writes a partial source. Messages read ``<url> page N: ...`` and never carry credentials:
the URL loses its userinfo and its query, and query parameters that look like secrets are dropped
wherever a full URL is shown.

Redirects are followed on the same server (scheme, host and port); a redirect or a next link to
another server is refused when the source sends credentials (auth or extra headers), so a token
never travels to a host it was not configured for.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import socket
import ssl
import time
from http.client import HTTPException
from urllib.error import HTTPError, URLError
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

from ansible.module_utils.urls import open_url

from ansible_collections.jml.provisioning.plugins.module_utils.sources.json_file import (
    find_records, json_type, lookup, non_finite_as_empty, record_rows,
)
from ansible_collections.jml.provisioning.plugins.module_utils.sources.rows import SourceError, SourceRows

MAX_DELAY = 60.0
MAX_REDIRECTS = 10
USER_AGENT = "jml.provisioning"

# Options of each pagination style, with their defaults.
STYLES = {
    "none": {},
    "next_link": {"next_path": "next"},
    "page": {"page_param": "page", "size_param": "per_page", "start": 1, "size": 100},
    "offset": {"offset_param": "offset", "limit_param": "limit", "size": 100},
    "cursor": {"cursor_param": "cursor", "cursor_path": "next_cursor"},
}
_INT_OPTIONS = {"start": 0, "size": 1}  # option -> smallest value
_SECRET_WORDS = frozenset(("token", "key", "secret", "password", "passwd", "signature", "sig", "apikey", "credential", "credentials"))
_TIMEOUTS = (socket.timeout, TimeoutError)
_LINK = re.compile(r'<([^>]*)>((?:\s*;\s*[^;,]+)*)')
_REL = re.compile(r'''rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))''', re.IGNORECASE)


def _is_secret(param):
    lowered = param.lower()
    return lowered in _SECRET_WORDS or any(word in _SECRET_WORDS for word in re.split(r"[^a-z0-9]+", lowered))


def _host(parts):
    """host[:port] of a split URL, without userinfo."""
    return parts.netloc.rpartition("@")[2]


def source_name(url):
    """The URL as the source's name: no userinfo, no query, no fragment."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, _host(parts), parts.path, "", ""))


def display_url(url):
    """The URL for messages: no userinfo, no fragment, no query parameter that looks like a secret."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_secret(k)]
    return urlunsplit((parts.scheme, _host(parts), parts.path, urlencode(query), ""))


def _origin(url):
    parts = urlsplit(url)
    return (parts.scheme.lower(), (parts.hostname or "").lower(), parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower()))


def _with_params(url, values):
    """``url`` with the query parameters in ``values`` set (replacing any of the same name)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in values]
    query += [(k, str(v)) for k, v in values.items()]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def _link_next(value):
    """The target of ``rel="next"`` in an RFC 5988 Link header, or None."""
    for match in _LINK.finditer(value or ""):
        for rel in _REL.finditer(match.group(2)):
            if "next" in (rel.group(1) or rel.group(2) or "").lower().split():
                return match.group(1).strip()
    return None


def _seconds(value):
    return f"{value:g}"


def _retry_after(headers):
    """A numeric Retry-After header in seconds (capped), or None (absent or an HTTP date)."""
    try:
        value = float((headers or {}).get("Retry-After", ""))
    except (TypeError, ValueError):
        return None
    if math.isnan(value):
        return None
    return min(max(value, 0.0), MAX_DELAY)


def _pagination(pagination):
    """``(style, settings)`` with defaults filled; ``ValueError`` naming an unknown style or option."""
    options = dict((k, v) for k, v in (pagination or {}).items() if v is not None)
    style = options.pop("style", "none")
    if style not in STYLES:
        raise ValueError(f"pagination style {style!r} is not one of: {', '.join(sorted(STYLES))}")
    known = set(option for defaults in STYLES.values() for option in defaults)
    for option in sorted(options):
        if option not in known:
            raise ValueError(f"unknown pagination option {option!r}")
        if option not in STYLES[style]:
            raise ValueError(f"pagination option {option!r} does not apply to style {style}")
    settings = dict(STYLES[style], **options)
    for option, value in settings.items():
        if option in _INT_OPTIONS:
            if isinstance(value, bool) or not isinstance(value, int) or value < _INT_OPTIONS[option]:
                raise ValueError("pagination option %r must be an integer >= %d, not %r" % (option, _INT_OPTIONS[option], value))
        elif not isinstance(value, str) or not value:
            raise ValueError(f"pagination option {option!r} must be a non-empty string")
    return style, settings


def _credentials(url, auth):
    """``(url without userinfo, open_url auth kwargs, auth headers)``; ``ValueError`` on a bad auth."""
    parts = urlsplit(url)
    kwargs, headers = {}, {}
    if "@" in parts.netloc:
        userinfo = parts.netloc.rpartition("@")[0]
        url = urlunsplit((parts.scheme, _host(parts), parts.path, parts.query, parts.fragment))
        if auth:
            raise ValueError("give the credentials either in the URL or in auth, not both")
        username, dummy, password = userinfo.partition(":")
        auth = {"type": "basic", "username": unquote(username), "password": unquote(password)}
    if not auth:
        return url, kwargs, headers
    if not isinstance(auth, dict):
        raise ValueError("auth must be a dict with a type (bearer or basic)")
    kind = auth.get("type")
    allowed = {"bearer": ("type", "token"), "basic": ("type", "username", "password")}
    if kind not in allowed:
        raise ValueError(f"auth type {kind!r} is not one of: basic, bearer")
    for option in sorted(auth):
        if auth[option] is not None and option not in allowed[kind]:
            raise ValueError(f"auth option {option!r} does not apply to type {kind}")
    if kind == "bearer":
        if not auth.get("token"):
            raise ValueError("auth type bearer needs a token")
        headers["Authorization"] = f"Bearer {auth['token']}"
    else:
        if not auth.get("username"):
            raise ValueError("auth type basic needs a username")
        kwargs = {"url_username": auth["username"], "url_password": auth.get("password") or "", "force_basic_auth": True}
    return url, kwargs, headers


class _Retry(Exception):
    """A failure worth another attempt: ``problem`` for the message, ``delay`` from Retry-After."""

    def __init__(self, problem, delay=None):
        super(_Retry, self).__init__(problem)
        self.problem = problem
        self.delay = delay


class _HttpSource(object):
    """One read of one API: settings, the pages read so far, and the request machinery."""

    def __init__(self, url, records, pagination, auth, validate_certs, ca_file, timeout, retries, backoff, headers,
                 max_pages, sleep, time_budget=None, clock=time.monotonic):
        scheme = urlsplit(url or "").scheme.lower()
        if scheme not in ("http", "https"):
            raise ValueError("the url of an http source must start with http:// or https://")
        for label, value, smallest in (("timeout", timeout, 0.0), ("backoff", backoff, 0.0)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < smallest:
                raise ValueError(f"{label} must be a number >= {smallest:g}")
        if timeout <= 0:
            raise ValueError("timeout must be a number > 0")
        for label, value, smallest in (("retries", retries, 0), ("max_pages", max_pages, 1)):
            if isinstance(value, bool) or not isinstance(value, int) or value < smallest:
                raise ValueError("%s must be an integer >= %d" % (label, smallest))
        self.url, self.auth_kwargs, auth_headers = _credentials(url, auth)
        self.name = source_name(self.url)
        self.origin = _origin(self.url)
        self.records = records or None
        self.style, self.settings = _pagination(pagination)
        self.validate_certs = validate_certs
        self.ca_file = ca_file
        self.timeout = float(timeout)
        self.retries = retries
        self.backoff = float(backoff)
        self.max_pages = max_pages
        self.sleep = sleep
        if time_budget is not None and (isinstance(time_budget, bool) or not isinstance(time_budget, (int, float))
                                        or time_budget <= 0):
            raise ValueError("time_budget must be a number of seconds > 0")
        self.time_budget, self.clock = time_budget, clock
        self.headers = dict(headers or {})
        self.secret = bool(auth_headers or self.auth_kwargs or self.headers)
        if not any(k.lower() == "accept" for k in self.headers):
            self.headers["Accept"] = "application/json"
        self.headers.update(auth_headers)

    def fail(self, page, problem):
        return SourceError("%s page %d: %s" % (self.name, page, problem))

    def check_target(self, url, page, what):
        """Refuse a next link or redirect that is not http(s), or leaves the server with credentials."""
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise self.fail(page, f"{what} is not an http(s) URL")
        if self.secret and _origin(url) != self.origin:
            raise self.fail(page, f"{what} leads to another server ({_host(urlsplit(url))}); not sending the source's credentials there")

    # --- one page --------------------------------------------------------------------------

    def network_failure(self, error, page):
        """``_Retry`` or ``SourceError`` for a low-level error (raised by the socket, ssl or http.client)."""
        if isinstance(error, ssl.SSLCertVerificationError):
            return self.fail(page, "certificate verification failed: %s; set ca_file to the CA of the server's certificate"
                             % (error.verify_message or error.reason))
        if isinstance(error, ssl.SSLError):
            return self.fail(page, "TLS error: %s" % (error.reason or error.__class__.__name__))
        if isinstance(error, _TIMEOUTS):
            return _Retry(f"timed out after {_seconds(self.timeout)} s")
        if isinstance(error, OSError):
            return _Retry("cannot connect: %s" % (error.strerror or error.__class__.__name__))
        if isinstance(error, HTTPException):
            return _Retry(f"connection broken ({error.__class__.__name__})")
        return self.fail(page, f"cannot connect: {error}")

    def http_failure(self, error, page):
        """``_Retry`` or ``SourceError`` for an HTTP error status (not a redirect)."""
        code = error.code
        if code in (401, 403):
            hint = "check the source's credentials" if self.secret else "the source has no auth configured"
            return self.fail(page, "authentication failed (HTTP %d); %s" % (code, hint))
        status = ("HTTP %d %s" % (code, error.reason or "")).strip()
        if code == 429 or code >= 500:
            return _Retry(status, _retry_after(error.headers) if code in (429, 503) else None)
        return self.fail(page, status)

    def get_once(self, url, page):
        """One GET with redirects followed: ``(final url, response headers, body bytes)``.

        Raises ``_Retry`` for what another attempt may cure, ``SourceError`` for the rest; neither
        chains the original error, whose attributes may hold the full URL.
        """
        current = url
        for dummy in range(MAX_REDIRECTS + 1):
            same = _origin(current) == self.origin
            try:
                response = open_url(current, method="GET", headers=self.headers if same else None, timeout=self.timeout,
                                    validate_certs=self.validate_certs, ca_path=self.ca_file, follow_redirects="none",
                                    use_netrc=False, http_agent=USER_AGENT, **(self.auth_kwargs if same else {}))
                try:
                    return current, response.headers, response.read()
                finally:
                    response.close()
            except HTTPError as exc:
                exc.close()
                location = exc.headers.get("Location") if exc.headers is not None else None
                if not (300 <= exc.code < 400 and location):
                    raise self.http_failure(exc, page) from None
                current = urljoin(current, location)
                self.check_target(current, page, "a redirect")
            except URLError as exc:
                raise self.network_failure(exc.reason, page) from None
            except (OSError, HTTPException) as exc:
                raise self.network_failure(exc, page) from None
        raise self.fail(page, "more than %d redirects" % MAX_REDIRECTS)

    def get(self, url, page):
        """``get_once`` with the retries: exponential backoff, or the server's Retry-After."""
        attempt = 0
        while True:
            try:
                return self.get_once(url, page)
            except _Retry as exc:
                if attempt >= self.retries:
                    attempts = attempt + 1
                    raise self.fail(page, "%s (gave up after %d attempt%s)" % (exc.problem, attempts, "" if attempts == 1 else "s")) from None
                delay = exc.delay if exc.delay is not None else min(self.backoff * 2 ** attempt, MAX_DELAY)
                attempt += 1
                self.sleep(delay)

    def parse(self, headers, body, page):
        charset = headers.get_content_charset() if hasattr(headers, "get_content_charset") else None
        charset = charset or "utf-8"
        try:
            text = body.decode(charset)
        except LookupError:
            raise self.fail(page, f"unknown charset {charset!r} in the Content-Type") from None
        except UnicodeDecodeError as exc:
            raise self.fail(page, "cannot decode the body as %s (byte 0x%02x at offset %d)" % (charset, body[exc.start], exc.start)) from None
        if text.startswith("\ufeff"):
            text = text[1:]
        try:
            return json.loads(text, parse_constant=non_finite_as_empty)
        except json.JSONDecodeError as exc:
            kind = headers.get("Content-Type") or ""
            hint = "" if not kind or "json" in kind.lower() else f" (the server sent {kind.split(';')[0].strip()})"
            raise self.fail(page, f"malformed JSON: {exc}{hint}") from None
        except RecursionError:
            raise self.fail(page, "malformed JSON: nested too deeply") from None

    # --- pagination ------------------------------------------------------------------------

    def first_url(self):
        settings = self.settings
        if self.style == "page":
            return _with_params(self.url, {settings["page_param"]: settings["start"], settings["size_param"]: settings["size"]})
        if self.style == "offset":
            return _with_params(self.url, {settings["offset_param"]: 0, settings["limit_param"]: settings["size"]})
        return self.url

    def read(self):
        settings = self.settings
        rows = []
        seen = set()
        cursors = set()
        digest = hashlib.sha256()
        number, previous = 0, None
        url = self.first_url()
        started = self.clock()
        while url is not None:
            number += 1
            if number > self.max_pages:
                raise self.fail(number, "more than %d pages (max_pages); stopping (is the pagination looping?)"
                                % self.max_pages)
            if self.time_budget is not None and self.clock() - started > self.time_budget:
                raise self.fail(number, "the source took more than its time_budget of %g s; stopping (a slow or "
                                        "endless API must not hold the run)" % self.time_budget)
            seen.add(url)
            final, headers, body = self.get(url, number)
            digest.update(body)
            seen.add(final)
            document = self.parse(headers, body, number)
            try:
                items = find_records(document, self.records, "the body")
            except ValueError as exc:
                raise self.fail(number, str(exc)) from None
            if items and items == previous and self.style in ("next_link", "cursor"):
                raise self.fail(number, "the same records as page %d: the API serves one page again; stopping to "
                                        "avoid a loop" % (number - 1))
            rows.extend(record_rows(items, lambda index, page=number: "page %d record %d" % (page, index)))
            url = None
            if self.style == "next_link":
                url = self.next_link(document, headers, final, number, seen)
            elif self.style == "cursor":
                url = self.next_cursor(document, number, cursors)
            elif self.style in ("page", "offset") and items and len(items) >= settings["size"]:
                if items == previous:
                    raise self.fail(number, "the same records as page %d; does the API honour the %s parameter?"
                                    % (number - 1, settings.get("page_param") or settings.get("offset_param")))
                if self.style == "page":
                    values = {settings["page_param"]: settings["start"] + number, settings["size_param"]: settings["size"]}
                else:
                    values = {settings["offset_param"]: len(rows), settings["limit_param"]: settings["size"]}
                url = _with_params(self.url, values)
            previous = items
        return SourceRows(name=self.name, columns=None, rows=rows, digest=digest.hexdigest())

    def next_link(self, document, headers, current, number, seen):
        path = self.settings["next_path"]
        link = lookup(document, path)
        where = f"the next link at {path}"
        if link is None:
            link, where = _link_next(headers.get("Link")), "the Link header's next"
        if link is None or link == "":
            return None
        if not isinstance(link, str):
            raise self.fail(number, f"{where} is {json_type(link)}, not a URL")
        url = urljoin(current, link)
        self.check_target(url, number, where)
        if url in seen:
            raise self.fail(number, f"{where} leads back to {display_url(url)}, already read; stopping to avoid a loop")
        return url

    def next_cursor(self, document, number, cursors):
        path = self.settings["cursor_path"]
        cursor = lookup(document, path)
        if cursor is None or cursor == "":
            return None
        if isinstance(cursor, bool) or not isinstance(cursor, (str, int)):
            raise self.fail(number, f"the cursor at {path} is {json_type(cursor)}, not a string")
        cursor = str(cursor)
        if cursor in cursors:
            raise self.fail(number, f"the cursor at {path} repeats one already used; stopping to avoid a loop")
        cursors.add(cursor)
        return _with_params(self.url, {self.settings["cursor_param"]: cursor})


def read_http(url, records=None, pagination=None, auth=None, validate_certs=True, ca_file=None, timeout=30.0,
              retries=3, backoff=1.0, headers=None, max_pages=10000, sleep=time.sleep, time_budget=1800.0,
              clock=time.monotonic):
    """Read every page of a JSON API; ``SourceRows`` whose origins read ``page N record M``.

    ``records``: dotted path to the list in each page's body (None: the body is the list).
    ``pagination``: ``{"style": none|next_link|page|offset|cursor, <style options>}`` (see ``STYLES``).
    ``auth``: None, ``{"type": "bearer", "token": ...}`` or ``{"type": "basic", "username": ..., "password": ...}``.
    ``timeout`` applies to each connect and each read; ``retries`` more attempts per page after the
    first, waiting ``backoff * 2**attempt`` seconds (or a numeric Retry-After, at most 60 s) via ``sleep``.
    ``max_pages`` and ``time_budget`` (seconds for all pages, retries included) bound a looping or
    endless API; a next link already read, a cursor already used or a page that repeats the
    previous page's records stops it too.
    Bad settings raise ``ValueError``; any failure to read a page raises ``SourceError``.
    """
    source = _HttpSource(url, records, pagination, auth, validate_certs, ca_file, timeout, retries, backoff, headers,
                         max_pages, sleep, time_budget, clock)
    return source.read()
