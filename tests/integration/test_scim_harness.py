# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The SCIM 2.0 test server (tests/support/scim_server.py) is real and behaves as the SCIM
target's tests will rely on: HTTPS with a certificate to trust, a bearer token, discovery that
announces what it is told to, pagination, and the field's own client library talking to it."""

from __future__ import annotations

import os
import ssl
import sys
import urllib.error
import urllib.request

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))

from scim_server import running_scim  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.jml.provisioning.plugins.module_utils.targets.scim import discovery  # noqa: E402

pytest.importorskip("scim2_server")

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"


def _post_user(scim, user_name, external_id):
    return scim.request("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": user_name, "externalId": external_id})


def test_https_with_token_and_discovery():
    with running_scim(token="t0ken") as scim:
        assert scim.url.startswith("https://127.0.0.1:")
        status, config = scim.get("/ServiceProviderConfig")
        assert status == 200
        assert config["patch"]["supported"] is True
        assert config["bulk"]["supported"] is True and config["bulk"]["maxOperations"] > 0
        assert config["etag"]["supported"] is True
        # What the SCIM target's discovery makes of it (the unit tests' fixture is this answer).
        found = discovery.features(config)
        assert found.patch and found.bulk and found.etag and found.filter_max_results == 1000
        # Behind TLS it still names http:// locations (it cannot know): a client must build URLs
        # from its own base and the resource id, never follow meta.location.
        assert config["meta"]["location"].startswith("http://")
        status, dummy = scim.get("/Users", token="wrong")
        assert status == 401
        status, types = scim.get("/ResourceTypes")
        assert status == 200
        assert {t["name"] for t in types["Resources"]} >= {"User", "Group"}
        # The certificate is verified: without the CA the handshake fails. The context is explicit:
        # ansible's open_url (the HTTP source, earlier in the same pytest process) installs its
        # opener globally, and a bare urlopen would then use that opener's context.
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            urllib.request.urlopen(scim.url + "/ServiceProviderConfig", timeout=5,  # pylint: disable=consider-using-with
                                   context=ssl.create_default_context())


def test_a_token_that_starts_with_a_dash_is_one_argument(tmp_path):
    """secrets.token_urlsafe gives one in 64 a leading "-" (the demo's detached server drew one):
    the server must take it as the token, not as an option."""
    from scim_server import start_detached, stop_detached  # pylint: disable=import-outside-toplevel
    with running_scim(token="-dash-token") as scim:
        assert scim.get("/ServiceProviderConfig")[0] == 200
        assert scim.get("/Users", token="wrong")[0] == 401
    try:
        state = start_detached(str(tmp_path / "detached"), token="--dashes")
        assert state["token"] == "--dashes"
    finally:
        stop_detached(str(tmp_path / "detached"))


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
        found = discovery.features(announced)
        assert (found.patch, found.bulk, found.page_size(100)) == (False, False, 2)


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


def test_the_target_paths_and_minimal_patch_on_the_real_server():
    """What paths.resource builds the server takes; what paths.patch_operations sends it applies,
    and reading back through paths.read gives exactly the wanted values."""
    from ansible_collections.jml.provisioning.plugins.module_utils.targets.scim import paths  # pylint: disable=import-outside-toplevel
    mapped = [paths.parse(p) for p in ("userName", "name.givenName", "name.familyName", 'emails[type eq "work"].value',
                                       paths.ENTERPRISE_USER + ":department", "title")]
    by_text = dict((p.text, p) for p in mapped)
    with running_scim() as scim:
        new = paths.resource([USER_SCHEMA], {by_text["userName"]: ["ana.lopez"], by_text["name.givenName"]: ["Ana"],
                                             by_text["name.familyName"]: ["López"],
                                             by_text[paths.ENTERPRISE_USER + ":department"]: ["IT"]})
        status, created = scim.request("POST", "/Users", new)
        assert status == 201, created
        wanted = {by_text["name.givenName"]: ["Anna"], by_text['emails[type eq "work"].value']: ["ana@example.com"],
                  by_text[paths.ENTERPRISE_USER + ":department"]: [], by_text["title"]: ["Engineer"],
                  by_text["userName"]: ["ana.lopez"]}
        operations = paths.patch_operations(created, wanted)
        assert len(operations) == 4  # userName is unchanged: not sent
        status, patched = scim.request("PATCH", "/Users/" + created["id"],
                                       {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations})
        assert status in (200, 204), patched  # RFC 7644 3.5.2: 204 without a body is a success too
        status, read_back = scim.request("GET", "/Users/" + created["id"])
        flat = paths.flatten(read_back, mapped)
        assert flat == {"userName": ["ana.lopez"], "name.givenName": ["Anna"], "name.familyName": ["López"],
                        'emails[type eq "work"].value': ["ana@example.com"], paths.ENTERPRISE_USER + ":department": [],
                        "title": ["Engineer"]}
        # Now the element exists: the next change goes through the filter, and nothing else is sent.
        again = paths.patch_operations(read_back, {by_text['emails[type eq "work"].value']: ["ana.lopez@example.com"],
                                                   by_text["title"]: ["Engineer"]})
        assert again == [{"op": "replace", "path": 'emails[type eq "work"].value', "value": "ana.lopez@example.com"}]
        status, dummy = scim.request("PATCH", "/Users/" + created["id"],
                                     {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": again})
        assert status in (200, 204)
        dummy, final = scim.request("GET", "/Users/" + created["id"])
        assert paths.read(final, by_text['emails[type eq "work"].value']) == ["ana.lopez@example.com"]
        assert paths.patch_operations(final, {by_text['emails[type eq "work"].value']: ["ana.lopez@example.com"]}) == []
