# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The SCIM target's HTTP shell (for internal use): scim2-client over an httpx2 session.

``scim2-client`` does the protocol (URLs under the base, content types, status codes, error
payloads, ``/Bulk``); the payloads are plain JSON built by ``paths`` and the pages are read
without model validation: on 10k users validating every page with scim2-models cost about a
fifth of the read (1.61 s against 1.35 s for 2,000 users on the test server, measured here),
and the planner needs the flat values only. The discovery documents are validated with
scim2-models (a broken ``/ServiceProviderConfig`` is a clear error, not a wrong guess).

The transport retries what a server asks to be retried (429 and 503, honouring
``Retry-After``) and a connection refused before the request left, and counts every request
by method, so the result can say what a run sent (a re-run with no change sends reads only).
"""

from __future__ import annotations

import email.utils
import ssl
import time
from typing import Dict, Iterator, List, Optional, Tuple

try:
    import httpx2
    from scim2_client.engines.httpx2 import SyncSCIMClient
    from scim2_models import EnterpriseUser, Group, ScimProvider, ServiceProviderConfig, User
    HAS_SCIM = True
    IMPORT_ERROR = None
except ImportError as exc:  # Python < 3.11, or the libraries not installed
    HAS_SCIM = False
    IMPORT_ERROR = exc
    httpx2 = None

RETRIED = (429, 503)
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
LIST_MAX_PAGES = 100000  # a server whose totalResults never ends would otherwise loop forever


class ScimError(Exception):
    """The service provider cannot be used (connection, TLS, authentication, discovery): nothing
    was written. The message never holds a credential."""


def retry_wait(value: Optional[str], attempt: int, now: Optional[float] = None) -> float:
    """Seconds to wait before retry ``attempt`` (1, 2...): ``Retry-After`` (seconds or an HTTP
    date, RFC 9110 section 10.2.3) when the server sent one, else 0.5, 1, 2... seconds."""
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value).timestamp()
            return max(when - (time.time() if now is None else now), 0.0)
        except (TypeError, ValueError, IndexError):
            pass
    return 0.5 * (2 ** (attempt - 1))


class _Transport(httpx2.BaseTransport if httpx2 else object):
    """Retries, request counts and the ETags the server returns (the version of a resource after
    a write that answered 204 without a body)."""

    def __init__(self, inner, retries: int, max_wait: float, sleep=time.sleep):
        self.inner, self.retries, self.max_wait, self.sleep = inner, retries, max_wait, sleep
        self.requests: Dict[str, int] = {}
        self.retried, self.waited = 0, 0.0
        self.etags: Dict[str, str] = {}

    def handle_request(self, request):
        attempt = 0
        while True:
            self.requests[request.method] = self.requests.get(request.method, 0) + 1
            try:
                response = self.inner.handle_request(request)
            except httpx2.ConnectError:
                if attempt >= self.retries:
                    raise
                attempt += 1
                self._wait(retry_wait(None, attempt))
                continue
            if response.status_code not in RETRIED or attempt >= self.retries:
                etag = response.headers.get("etag")
                if etag and request.method in ("POST", "PUT", "PATCH"):
                    self.etags[request.url.path.rstrip("/")] = etag
                return response
            wait = retry_wait(response.headers.get("retry-after"), attempt + 1)
            if wait > self.max_wait:
                return response  # asked to come back later than this run may wait: reported as is
            response.close()
            attempt += 1
            self._wait(wait)

    def _wait(self, seconds):
        self.retried += 1
        self.waited += seconds
        self.sleep(seconds)

    def close(self):
        self.inner.close()


def _error_text(payload) -> Optional[str]:
    """A SCIM Error payload (or any failure scim2-client returned) as one line; None for a success."""
    if isinstance(payload, dict) and "urn:ietf:params:scim:api:messages:2.0:Error" in (payload.get("schemas") or []):
        parts = [str(payload.get("status") or "")]
        if payload.get("scimType"):
            parts.append(str(payload["scimType"]))
        if payload.get("detail"):
            parts.append(str(payload["detail"]))
        return " ".join(p for p in parts if p)
    return None


class Connection(object):
    """One authenticated session with a service provider."""

    def __init__(self, base_url: str, auth: dict, validate_certs: bool = True, ca_file: Optional[str] = None,
                 timeout: float = 30.0, retries: int = 5, max_retry_wait: float = 120.0, sleep=time.sleep):
        if not HAS_SCIM:
            raise ScimError(f"scim2-client and httpx2 are needed: {IMPORT_ERROR}")
        if not base_url.lower().startswith(("https://", "http://")):
            raise ScimError(f"connection.base_url must be an http(s) URL, got {base_url!r}")
        if validate_certs:
            verify = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
        else:
            verify = False
        headers = {"Accept": "application/scim+json"}
        basic = None
        if auth["type"] == "bearer":
            if not auth.get("token"):
                raise ScimError("connection.auth.token is needed for bearer authentication")
            headers["Authorization"] = "Bearer " + auth["token"]
        else:
            if not auth.get("username") or auth.get("password") is None:
                raise ScimError("connection.auth.username and password are needed for basic authentication")
            basic = (auth["username"], auth["password"])
        self.transport = _Transport(httpx2.HTTPTransport(verify=verify), retries, max_retry_wait, sleep)
        self.http = httpx2.Client(base_url=base_url.rstrip("/"), headers=headers, auth=basic,
                                  timeout=timeout, transport=self.transport)
        # The models only type the requests scim2-client checks; the payloads here are plain JSON.
        self.scim = SyncSCIMClient(self.http, provider=ScimProvider(models=[User, EnterpriseUser, Group]))
        self.base_url = base_url.rstrip("/")

    # ---- what the server announces ----------------------------------------------------
    def get(self, url: str, params: Optional[dict] = None):
        """One GET: the JSON body, or ``ScimError`` (nothing has been written at a read)."""
        try:
            payload = self.scim.query(url=url, query_parameters=params, check_request_payload=False,
                                      check_response_payload=False,
                                      expected_status_codes=[200, 400, 401, 403, 404, 500, 501, 503, 429])
        except Exception as exc:  # httpx2's errors wrapped by scim2-client, and its own checks
            raise ScimError(f"GET {url}: {_describe(exc)}")
        error = _error_text(payload)
        if error or not isinstance(payload, dict):
            raise ScimError(f"GET {url}: {error or 'the answer is not a JSON object'}")
        return payload

    def discover(self) -> Tuple[dict, list, list]:
        """``(/ServiceProviderConfig, /ResourceTypes resources, /Schemas resources)``."""
        config = self.get("/ServiceProviderConfig")
        try:
            ServiceProviderConfig.model_validate(config)
        except Exception as exc:  # pydantic's ValidationError: what is wrong, field by field
            raise ScimError(f"the ServiceProviderConfig is not valid SCIM: {exc}")
        types = self.get("/ResourceTypes")
        schemas = self.get("/Schemas")
        return config, _resources(types), _resources(schemas)

    def pages(self, endpoint: str, attributes: List[str], page_size: int, search_filter: Optional[str] = None,
              cursor: bool = False) -> Iterator[dict]:
        """Every resource of ``endpoint`` with only ``attributes``, in the server's order (it has
        none to promise): by ``cursor`` where the server announces cursors (RFC 9865: a page is
        not shifted by a user created or deleted meanwhile), else by index and count (RFC 7644
        section 3.4.2.4)."""
        start, next_cursor = 1, ""
        for dummy in range(LIST_MAX_PAGES):
            params = {"count": page_size}
            if cursor:
                params["cursor"] = next_cursor
            else:
                params["startIndex"] = start
            if attributes:
                params["attributes"] = ",".join(attributes)
            if search_filter:
                params["filter"] = search_filter
            page = self.get(endpoint, params)
            resources = page.get("Resources") or []
            yield from resources
            if cursor:
                next_cursor = page.get("nextCursor")
                if not next_cursor or not resources:
                    return
                continue
            total = page.get("totalResults")
            start += len(resources)
            if not resources or not isinstance(total, int) or start > total:
                return
        raise ScimError(f"GET {endpoint}: more than {LIST_MAX_PAGES} pages")

    # ---- writes: (payload or None, error text or None); they never raise for a refusal ------
    def write(self, method: str, url: str, body: Optional[dict] = None, version: Optional[str] = None,
              kind: str = "User"):
        """One write of a ``kind`` (User, Group) resource: ``(answer or None, error text or None)``."""
        headers = {"If-Match": version} if version else None
        model = Group if kind == "Group" else User
        identifier = url.rstrip("/").rpartition("/")[2]
        checks = dict(check_request_payload=False, check_response_payload=False, headers=headers, url=url)
        try:
            if method == "POST":
                payload = self.scim.create(model, body, **checks)
            elif method == "PATCH":
                payload = self.scim.modify(model, identifier, body, **checks)
            elif method == "PUT":
                payload = self.scim.replace(model, body, **checks)
            elif method == "DELETE":
                del checks["check_request_payload"]
                payload = self.scim.delete(model, identifier, **checks)
            else:
                raise ValueError(method)
        except Exception as exc:  # httpx2's errors arrive wrapped by scim2-client; its own checks too
            return None, _failure(exc)
        return payload, _error_text(payload)

    def bulk(self, operations: List[dict]):
        """One ``/Bulk`` request: ``(the operations' answers, or None, error text or None)``."""
        body = {"schemas": [BULK_REQUEST], "Operations": operations}
        try:
            payload = self.scim.bulk(body, url="/Bulk", check_request_payload=False, check_response_payload=False)
        except Exception as exc:
            return None, _failure(exc)
        error = _error_text(payload)
        if error:
            return None, error
        return (payload or {}).get("Operations") or [], None

    def etag(self, url: str) -> Optional[str]:
        return self.transport.etags.get(self.http.base_url.path.rstrip("/") + url)

    def stats(self) -> dict:
        return {"requests": dict(sorted(self.transport.requests.items())), "retried": self.transport.retried,
                "waited": round(self.transport.waited, 3)}

    def close(self):
        self.http.close()


LOST = "the answer was lost"


def _cause(exc):
    """The httpx2 error under scim2-client's wrapper (it says "Network error happened")."""
    seen = exc
    while seen is not None and not (httpx2 and isinstance(seen, httpx2.HTTPError)):
        seen = seen.__cause__ or seen.__context__
    return seen


def _describe(exc) -> str:
    # httpx's messages name the URL and the failure, never the headers (no token).
    cause = _cause(exc) or exc
    text = str(cause) or type(cause).__name__
    return f"{type(cause).__name__}: {text}"


def _failure(exc) -> str:
    """A write that raised: lost (sent, no answer: it may have been applied) or not sent."""
    cause = _cause(exc)
    if cause is None:
        return _describe(exc)  # scim2-client refused the answer (status, content type)
    if isinstance(cause, (httpx2.ConnectError, httpx2.ConnectTimeout)):
        return f"not sent: {_describe(cause)}"
    return f"{LOST}: {_describe(cause)}"


def _resources(document) -> list:
    if isinstance(document, dict) and isinstance(document.get("Resources"), list):
        return document["Resources"]
    return document if isinstance(document, list) else []
