# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a SCIM 2.0 service provider announces, and what the client may therefore send (for internal use).

Pure: the JSON of ``/ServiceProviderConfig`` (RFC 7643 section 5) in, a ``Features`` record out.
The SCIM target reads discovery first and sends nothing the server does not announce: no PATCH
where ``patch.supported`` is false (PUT instead), no ``/Bulk`` beyond ``maxOperations`` and
``maxPayloadSize``, no ``If-Match`` without ``etag.supported``, no filter without
``filter.supported``, pages no larger than ``filter.maxResults`` (and RFC 9865's
``pagination.maxPageSize``), cursors only where ``pagination.cursor`` is true.

Known servers deviate from the RFC in ways discovery does not show; those are ``QUIRKS``, a
table of data (one profile per server family) that the adapter reads, so no quirk becomes a code
path of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping, Optional


class DiscoveryError(ValueError):
    """The service provider's configuration cannot be used; the message says what is wrong."""


@dataclass(frozen=True)
class Features:
    patch: bool = False
    bulk: bool = False
    bulk_max_operations: int = 0
    bulk_max_payload_size: int = 0
    filter: bool = False
    filter_max_results: int = 0     # 0: not announced (the client's own page size applies)
    etag: bool = False
    sort: bool = False
    cursor: bool = False            # RFC 9865 cursor pagination
    max_page_size: int = 0          # RFC 9865 pagination.maxPageSize (0: not announced)
    authentication_schemes: tuple = ()

    def page_size(self, wanted: int) -> int:
        """The page size to ask for: ``wanted``, capped by what the server returns at most."""
        if wanted < 1:
            raise DiscoveryError(f"page size must be at least 1, got {wanted}")
        caps = [c for c in (self.filter_max_results, self.max_page_size) if c]
        return min([wanted] + caps)

    def bulk_batches(self, sizes: list) -> list:
        """Split operations (their JSON sizes in bytes, in order) into ``/Bulk`` requests within
        the announced limits: ``[[index, ...], ...]``. An operation larger than the payload limit
        on its own gets a batch of its own (the server refuses it; the adapter reports it)."""
        if not self.bulk:
            raise DiscoveryError("the service provider does not announce bulk")
        batches, current, size = [], [], 0
        envelope = 100  # the BulkRequest's own JSON around the operations
        for index, length in enumerate(sizes):
            full = current and (len(current) >= self.bulk_max_operations
                                or (self.bulk_max_payload_size and size + length + envelope > self.bulk_max_payload_size))
            if full:
                batches.append(current)
                current, size = [], 0
            current.append(index)
            size += length + 1  # the comma between operations
        if current:
            batches.append(current)
        return batches


def _section(config: Mapping, name: str) -> Mapping:
    value = config.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DiscoveryError(f"ServiceProviderConfig.{name} must be an object, got {type(value).__name__}")
    return value


def _supported(config: Mapping, name: str) -> bool:
    value = _section(config, name).get("supported", False)
    if not isinstance(value, bool):
        raise DiscoveryError(f"ServiceProviderConfig.{name}.supported must be a boolean, got {value!r}")
    return value


def _count(section: Mapping, name: str, label: str) -> int:
    value = section.get(name, 0)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DiscoveryError(f"ServiceProviderConfig.{label}.{name} must be a non-negative integer, got {value!r}")
    return value


def features(config: Mapping, overrides: Optional[Mapping] = None) -> Features:
    """``/ServiceProviderConfig`` JSON -> ``Features``; ``overrides``: a quirk profile's
    ``features`` (what a server family announces wrongly)."""
    if not isinstance(config, Mapping):
        raise DiscoveryError("the ServiceProviderConfig is not a JSON object")
    bulk = _section(config, "bulk")
    found = Features(
        patch=_supported(config, "patch"),
        bulk=_supported(config, "bulk"),
        bulk_max_operations=_count(bulk, "maxOperations", "bulk"),
        bulk_max_payload_size=_count(bulk, "maxPayloadSize", "bulk"),
        filter=_supported(config, "filter"),
        filter_max_results=_count(_section(config, "filter"), "maxResults", "filter"),
        etag=_supported(config, "etag"),
        sort=_supported(config, "sort"),
        # RFC 9865 section 4: pagination has cursor and index booleans (no "supported").
        cursor=_section(config, "pagination").get("cursor") is True,
        max_page_size=_count(_section(config, "pagination"), "maxPageSize", "pagination"),
        authentication_schemes=tuple(str(s.get("type", "")) for s in config.get("authenticationSchemes") or []
                                     if isinstance(s, Mapping)),
    )
    if found.bulk and found.bulk_max_operations < 1:
        found = replace(found, bulk=False)  # bulk "supported" with room for no operation: not usable
    return replace(found, **dict(overrides)) if overrides else found


@dataclass(frozen=True)
class Quirks:
    """How a server family departs from RFC 7643/7644, as data the adapter reads."""

    name: str
    features: dict = field(default_factory=dict)  # Features fields the server announces wrongly
    # PATCH paths may pick an element (emails[type eq "work"].value); else the whole attribute is replaced
    filtered_patch_paths: bool = True
    filter_or_terms: int = 10  # comparisons joined by "or" in one filter (1: the server takes one eq)
    notes: str = ""


QUIRKS = {
    "rfc": Quirks("rfc", notes="RFC 7643/7644 as written; what discovery announces is used as is"),
    "scim2-server": Quirks("scim2-server", notes="the reference server of the tests; pages in its own order"),
    "github": Quirks("github", filtered_patch_paths=False,
                     notes="GitHub Enterprise (managed users): PATCH paths with filters are not supported, "
                           "so a changed email is sent as the whole emails attribute"),
    "eq-only": Quirks("eq-only", filter_or_terms=1,
                      notes="services whose filter takes one eq comparison and no 'or': one group per request"),
}


def quirks(name: Optional[str]) -> Quirks:
    if (name or "rfc") not in QUIRKS:
        raise DiscoveryError(f"unknown quirk profile {name!r} (known: {', '.join(sorted(QUIRKS))})")
    return QUIRKS[name or "rfc"]


CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


@dataclass(frozen=True)
class AttributeInfo:
    """What ``/Schemas`` says of one attribute (or sub-attribute)."""

    type: str = "string"
    mutability: str = "readWrite"
    multi_valued: bool = False


@dataclass(frozen=True)
class ResourceInfo:
    """A resource type as ``/ResourceTypes`` announces it: its endpoint and schemas."""

    name: str
    endpoint: str
    schema: str
    extensions: tuple = ()


def resource_types(documents) -> dict:
    """``/ResourceTypes`` resources -> ``{name: ResourceInfo}``."""
    out = {}
    for document in documents or []:
        if not isinstance(document, Mapping) or not document.get("name") or not document.get("endpoint"):
            continue
        extensions = tuple(str(e.get("schema")) for e in document.get("schemaExtensions") or []
                           if isinstance(e, Mapping) and e.get("schema"))
        out[str(document["name"])] = ResourceInfo(str(document["name"]), "/" + str(document["endpoint"]).strip("/"),
                                                  str(document.get("schema") or ""), extensions)
    return out


def attribute_types(documents) -> dict:
    """``/Schemas`` resources -> ``{(schema urn, attribute, sub-attribute or None): AttributeInfo}``,
    names lower-cased (SCIM attribute names are case-insensitive)."""
    out = {}
    for schema in documents or []:
        if not isinstance(schema, Mapping) or not schema.get("id"):
            continue
        urn = str(schema["id"]).lower()
        for attribute in schema.get("attributes") or []:
            if not isinstance(attribute, Mapping) or not attribute.get("name"):
                continue
            name = str(attribute["name"]).lower()
            out[(urn, name, None)] = _info(attribute)
            for sub in attribute.get("subAttributes") or []:
                if isinstance(sub, Mapping) and sub.get("name"):
                    out[(urn, name, str(sub["name"]).lower())] = _info(sub)
    return out


def _info(attribute: Mapping) -> AttributeInfo:
    return AttributeInfo(str(attribute.get("type") or "string"), str(attribute.get("mutability") or "readWrite"),
                         bool(attribute.get("multiValued")))
