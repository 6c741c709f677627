# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The SCIM 2.0 test server (tests/support/scim_server.py) is real and behaves as the SCIM
target's tests will rely on: HTTPS with a certificate to trust, a bearer token, discovery that
announces what it is told to, pagination, and the field's own client library talking to it."""

from __future__ import annotations

import json
import os
import ssl
import sys
import urllib.error
import urllib.request

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))

from scim_server import running_scim  # noqa: E402  pylint: disable=wrong-import-position

pytest.importorskip("scim2_server")

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"


def _post_user(scim, user_name, external_id):
    body = json.dumps({"schemas": [USER_SCHEMA], "userName": user_name, "externalId": external_id}).encode()
    request = urllib.request.Request(scim.url + "/Users", data=body, method="POST",
                                     headers={"Content-Type": "application/scim+json",
                                              "Authorization": f"Bearer {scim.token}"})
    with urllib.request.urlopen(request, context=ssl.create_default_context(cafile=scim.ca_file), timeout=10) as response:
        return response.status, json.loads(response.read())


def test_https_with_token_and_discovery():
    with running_scim(token="t0ken") as scim:
        assert scim.url.startswith("https://127.0.0.1:")
        status, config = scim.get("/ServiceProviderConfig")
        assert status == 200
        assert config["patch"]["supported"] is True
        assert config["bulk"]["supported"] is True and config["bulk"]["maxOperations"] > 0
        assert config["etag"]["supported"] is True
        status, dummy = scim.get("/Users", token="wrong")
        assert status == 401
        status, types = scim.get("/ResourceTypes")
        assert status == 200
        assert {t["name"] for t in types["Resources"]} >= {"User", "Group"}
        # The certificate is verified: without the CA the handshake fails.
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(scim.url + "/ServiceProviderConfig", timeout=5)  # pylint: disable=consider-using-with


def test_announces_less_when_told():
    with running_scim() as scim:
        dummy, config = scim.get("/ServiceProviderConfig")
    config["patch"]["supported"] = False
    config["bulk"]["supported"] = False
    config["filter"]["maxResults"] = 2
    with running_scim(service_provider_config=config) as scim:
        dummy, announced = scim.get("/ServiceProviderConfig")
        assert announced["patch"]["supported"] is False and announced["bulk"]["supported"] is False
        assert announced["filter"]["maxResults"] == 2


def test_users_page_and_carry_etags():
    with running_scim() as scim:
        for number in range(5):
            status, user = _post_user(scim, f"user{number}", f"p{number}")
            assert status == 201
            assert user["meta"]["version"]
        seen = []
        for start in (1, 3, 5):
            status, page = scim.get(f"/Users?startIndex={start}&count=2")
            assert status == 200 and page["totalResults"] == 5
            seen += [u["userName"] for u in page["Resources"]]
        # The server's own order (not creation order): a client must read every page, never
        # assume an order, and key the accounts by id.
        assert sorted(seen) == [f"user{n}" for n in range(5)]


def test_the_field_client_library_talks_to_it():
    client_module = pytest.importorskip("scim2_client.engines.httpx2")
    httpx = pytest.importorskip("httpx2")
    from scim2_models import Group, User  # pylint: disable=import-outside-toplevel
    with running_scim() as scim:
        http = httpx.Client(base_url=scim.url, verify=ssl.create_default_context(cafile=scim.ca_file),
                            headers={"Authorization": f"Bearer {scim.token}"})
        client = client_module.SyncSCIMClient(http, resource_models=(User, Group))
        client.discover()
        created = client.create(User(user_name="jose.muller", external_id="10023"))
        assert created.id and created.external_id == "10023"
        found = client.query(User)
        assert [u.user_name for u in found.resources] == ["jose.muller"]
