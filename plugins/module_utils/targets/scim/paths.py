# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SCIM attribute paths as the engine's flat attributes (for internal use).

The engine plans over ``attribute -> [values]``. A SCIM mapping names attribute paths
(RFC 7644 section 3.10), the keys of the ``attributes`` option:

- ``userName``, ``displayName``, ``title``: a top-level attribute;
- ``name.givenName``: a sub-attribute of a complex one;
- ``emails[type eq "work"].value``: the sub-attribute of the element of a multi-valued attribute
  picked by one equality (the only filter form a mapping needs: one value per type);
- ``urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`` (and
  ``...:manager.value``): the same inside a schema extension.

Pure: ``parse`` a path once, ``read`` the values a resource holds at it, ``resource`` builds a
new resource's JSON, ``patch_operations`` the PATCH ``Operations`` that change only what changed.
Values are strings, as the engine's other targets hold them (a boolean is ``true``/``false``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Dict, List, Optional

ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
_PATH = re.compile(r'^(?:(?P<urn>urn:[A-Za-z0-9:._-]+):)?(?P<attr>[A-Za-z][\w-]*)'
                   r'(?:\[(?P<key>[A-Za-z][\w-]*) eq "(?P<value>[^"]*)"\])?(?:\.(?P<sub>[A-Za-z][\w-]*))?$')


class PathError(ValueError):
    """An attribute path the SCIM target cannot map; the message names it."""


@dataclass(frozen=True)
class Path:
    text: str
    urn: Optional[str]          # a schema extension, or None for the core schema
    attribute: str
    key: Optional[str] = None   # emails[type eq "work"]: key "type", value "work"
    value: Optional[str] = None
    sub: Optional[str] = None


def parse(text: str) -> Path:
    """``'emails[type eq "work"].value'`` -> ``Path``; anything else the grammar allows is refused."""
    match = _PATH.match(str(text))
    if not match:
        raise PathError(f"attributes: {text!r} is not a SCIM attribute path this target maps "
                        "(attr, attr.sub, attr[key eq \"value\"].sub, with an optional schema URN first)")
    if match.group("key") and not match.group("sub"):
        raise PathError(f"attributes: {text!r} picks an element but no sub-attribute (add .value)")
    return Path(str(text), match.group("urn"), match.group("attr"), match.group("key"), match.group("value"),
                match.group("sub"))


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _values(value) -> List[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [_text(v) for v in value if v is not None and not isinstance(v, (dict, list))]
    if isinstance(value, dict):
        return []
    return [_text(value)]


def _container(resource: dict, path: Path) -> dict:
    if path.urn is None:
        return resource
    extension = resource.get(path.urn)
    return extension if isinstance(extension, dict) else {}


def _pick(elements, path: Path) -> Optional[dict]:
    """The element of a multi-valued attribute the path's filter picks (the first, as servers do)."""
    for element in elements if isinstance(elements, list) else []:
        if isinstance(element, dict) and _text(element.get(path.key, "")) == path.value:
            return element
    return None


def read(resource: dict, path: Path) -> List[str]:
    """The values ``resource`` holds at ``path`` ([] when it holds none)."""
    holder = _container(resource, path)
    value = holder.get(path.attribute)
    if path.key is not None:
        element = _pick(value, path)
        return _values(element.get(path.sub)) if element else []
    if path.sub is not None:
        return _values(value.get(path.sub)) if isinstance(value, dict) else []
    return _values(value)


def flatten(resource: dict, paths: List[Path]) -> Dict[str, List[str]]:
    """The engine's view of a resource: path text -> values, for the mapped paths."""
    return dict((path.text, read(resource, path)) for path in paths)


def _single(path: Path, values: List[str], convert=None):
    """The one value of a single-valued path, as ``convert(path, text)`` makes it (the schema's
    type: a boolean, an integer), or the text."""
    if len(values) > 1:
        raise PathError(f"{path.text}: one value expected, got {len(values)}")
    if not values:
        return None
    return convert(path, values[0]) if convert else values[0]


def resource(schemas: List[str], values: Dict[Path, List[str]], convert=None) -> dict:
    """A new resource's JSON from path -> values (empty values left out)."""
    out: dict = {"schemas": list(schemas)}
    for path, wanted in values.items():
        if not wanted:
            continue
        holder = out
        if path.urn is not None:
            holder = out.setdefault(path.urn, {})
            if path.urn not in out["schemas"]:
                out["schemas"].append(path.urn)
        value = _single(path, wanted, convert)
        if path.key is not None:
            holder.setdefault(path.attribute, []).append({path.key: path.value, path.sub: value})
        elif path.sub is not None:
            holder.setdefault(path.attribute, {})[path.sub] = value
        else:
            holder[path.attribute] = value
    return out


def _full(path: Path, attribute_part: str) -> str:
    return f"{path.urn}:{attribute_part}" if path.urn else attribute_part


def patch_operations(current: dict, changes: Dict[Path, List[str]], convert=None, filters: bool = True) -> List[dict]:
    """PATCH ``Operations`` (RFC 7644 section 3.5.2) taking ``current`` to ``changes`` (path ->
    wanted values, ``[]`` to remove), one operation per changed path and nothing for the rest.

    A filtered path the resource has no element for is added as a new element (``replace`` on
    a filter that matches nothing is a ``noTarget`` error in RFC 7644); an element's value is
    replaced through the filter, so its other sub-attributes (``primary``, ``display``) stay."""
    if not filters:
        return _unfiltered(current, changes, convert)
    operations = []
    for path, wanted in changes.items():
        if read(current, path) == list(wanted):
            continue
        if not wanted:
            operations.append({"op": "remove", "path": path.text})
            continue
        value = _single(path, wanted, convert)
        if path.key is not None and _pick(_container(current, path).get(path.attribute), path) is None:
            operations.append({"op": "add", "path": _full(path, path.attribute),
                               "value": [{path.key: path.value, path.sub: value}]})
        else:
            operations.append({"op": "replace", "path": path.text, "value": value})
    return operations


def attribute_name(path: Path) -> str:
    """The name to ask for in ``attributes=`` (a filter is not allowed there: the whole attribute)."""
    return _full(path, path.attribute)


def assign(resource: dict, path: Path, wanted: List[str], convert=None) -> None:
    """Set ``path`` in ``resource`` (in place) to ``wanted`` ([] removes it), for a PUT of the
    whole resource where the server has no PATCH: every other attribute stays as read."""
    holder = resource
    if path.urn is not None:
        holder = resource.setdefault(path.urn, {})
        if path.urn not in resource.setdefault("schemas", []):
            resource["schemas"].append(path.urn)
    value = _single(path, wanted, convert) if wanted else None
    if path.key is not None:
        elements = holder.setdefault(path.attribute, [])
        element = _pick(elements, path)
        if element is None and value is not None:
            elements.append({path.key: path.value, path.sub: value})
        elif element is not None and value is None:
            element.pop(path.sub, None)
        elif element is not None:
            element[path.sub] = value
    elif path.sub is not None:
        complex_value = holder.setdefault(path.attribute, {})
        if value is None:
            complex_value.pop(path.sub, None)
        else:
            complex_value[path.sub] = value
    elif value is None:
        holder.pop(path.attribute, None)
    else:
        holder[path.attribute] = value


def _unfiltered(current: dict, changes: Dict[Path, List[str]], convert=None) -> List[dict]:
    """``patch_operations`` for a server whose PATCH paths take no filter (a quirk profile's
    ``filtered_patch_paths: false``): a changed element is sent as a replace of its whole
    multi-valued attribute - every element as read, the one changed - the other paths as usual."""
    operations, whole = [], {}
    for path, wanted in changes.items():
        if read(current, path) == list(wanted):
            continue
        if path.key is None:
            operations.extend(patch_operations(current, {path: wanted}, convert))
            continue
        name = _full(path, path.attribute)
        if name not in whole:
            elements = _container(current, path).get(path.attribute)
            whole[name] = {"schemas": [], path.attribute: [dict(e) for e in elements if isinstance(e, dict)]
                           if isinstance(elements, list) else []}
        assign(whole[name], replace(path, urn=None), wanted, convert)
    for name, holder in whole.items():
        attribute = name.rpartition(":")[2] if name.startswith("urn:") else name
        operations.append({"op": "replace", "path": name, "value": holder[attribute]})
    return operations
