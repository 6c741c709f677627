# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Discovery: what a SCIM server announces decides what the client may send."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.targets.scim import discovery

# What scim2-server 0.8.3 announces by default (read from the real server, tests/support/scim_server.py).
SCIM2_SERVER = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
    "patch": {"supported": True},
    "bulk": {"supported": True, "maxOperations": 1000, "maxPayloadSize": 1048576},
    "filter": {"supported": True, "maxResults": 1000},
    "changePassword": {"supported": True},
    "sort": {"supported": True},
    "etag": {"supported": True},
    "authenticationSchemes": [{"type": "oauthbearertoken", "name": "bearer_token"}],
}


def test_the_reference_server_announces_everything_but_cursors():
    found = discovery.features(SCIM2_SERVER)
    assert found == discovery.Features(patch=True, bulk=True, bulk_max_operations=1000, bulk_max_payload_size=1048576,
                                       filter=True, filter_max_results=1000, etag=True, sort=True, cursor=False,
                                       authentication_schemes=("oauthbearertoken",))


def test_what_is_not_announced_is_not_used():
    found = discovery.features({"schemas": SCIM2_SERVER["schemas"]})
    assert not (found.patch or found.bulk or found.filter or found.etag or found.sort or found.cursor)
    assert found.page_size(500) == 500  # no maxResults announced: the client's own page size


def test_bulk_with_room_for_no_operation_is_not_bulk():
    config = copy.deepcopy(SCIM2_SERVER)
    config["bulk"]["maxOperations"] = 0
    assert discovery.features(config).bulk is False


@pytest.mark.parametrize("section, value, words", [
    ("patch", {"supported": "yes"}, "patch.supported must be a boolean"),
    ("bulk", {"supported": True, "maxOperations": -1}, "bulk.maxOperations must be a non-negative integer"),
    ("filter", {"supported": True, "maxResults": "1000"}, "filter.maxResults must be a non-negative integer"),
    ("etag", ["supported"], "etag must be an object"),
])
def test_a_malformed_announcement_is_named(section, value, words):
    config = dict(SCIM2_SERVER, **{section: value})
    with pytest.raises(discovery.DiscoveryError, match=words):
        discovery.features(config)


def test_pages_are_capped_by_max_results():
    config = dict(SCIM2_SERVER, filter={"supported": True, "maxResults": 2})
    assert discovery.features(config).page_size(100) == 2
    with pytest.raises(discovery.DiscoveryError):
        discovery.features(config).page_size(0)


def test_bulk_batches_keep_within_both_limits():
    config = dict(SCIM2_SERVER, bulk={"supported": True, "maxOperations": 3, "maxPayloadSize": 1000})
    found = discovery.features(config)
    assert found.bulk_batches([10] * 7) == [[0, 1, 2], [3, 4, 5], [6]]
    # 400-byte operations: two fit in 1000 bytes with the envelope, a third does not.
    assert found.bulk_batches([400, 400, 400, 400]) == [[0, 1], [2, 3]]
    # One operation over the limit alone still gets its own batch (the server's refusal is reported).
    assert found.bulk_batches([5000, 10]) == [[0], [1]]


def test_bulk_batches_need_bulk():
    with pytest.raises(discovery.DiscoveryError, match="bulk"):
        discovery.features({}).bulk_batches([1])


def test_quirk_profiles_are_data_and_may_correct_the_announcement():
    assert discovery.quirks(None).name == "rfc"
    profile = discovery.Quirks("liar", features={"etag": False})
    assert discovery.features(SCIM2_SERVER, profile.features).etag is False
    with pytest.raises(discovery.DiscoveryError, match="unknown quirk profile 'nope'"):
        discovery.quirks("nope")


def test_cursor_pagination_is_rfc_9865s_pagination_object_and_its_max_page_size_caps_the_pages():
    found = discovery.features({"pagination": {"cursor": True, "index": True, "maxPageSize": 50},
                                "filter": {"supported": True, "maxResults": 200}})
    assert found.cursor and found.page_size(1000) == 50 and found.page_size(10) == 10
    assert not discovery.features({"pagination": {"cursor": False, "index": True}}).cursor
