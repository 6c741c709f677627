# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The SCIM 2.0 adapter of the target port (for internal use).

Discovery first: what ``/ServiceProviderConfig``, ``/ResourceTypes`` and ``/Schemas`` announce
decides what is sent (PATCH or PUT, ``/Bulk`` within its limits, ``If-Match``, filters), and a
mapped path the server's schema does not have, or has read-only, fails the task before the
first write. Then one paged read of the Users (only the mapped attributes), and of the managed
Groups; the writes are the plan's operations, each as small as the plan: POST a joiner, PATCH
the changed paths of a mover, ``active`` to disable, DELETE after retention, ``members`` added
and removed in batches.

Users are keyed ``userName=<login>,ou=Users`` for the engine (see ``config``); this adapter
keeps the key -> ``id`` map, and the version (ETag) of each resource it read or wrote.
"""

from __future__ import annotations

import copy
import json
from typing import Dict, Iterable, List, Optional, Set, Tuple

from ansible_collections.jml.provisioning.plugins.module_utils.provision import dn as dnlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision.correlation import Account
from ansible_collections.jml.provisioning.plugins.module_utils.provision.passwords import generate_password
from ansible_collections.jml.provisioning.plugins.module_utils.provision.port import Target
from ansible_collections.jml.provisioning.plugins.module_utils.targets.scim import discovery, paths
from ansible_collections.jml.provisioning.plugins.module_utils.targets.scim.client import PATCH_OP, ScimError
from ansible_collections.jml.provisioning.plugins.module_utils.targets.scim.config import (
    ACTIVE, ID, ScimSettings, group_key, user_key,
)

ACCOUNT_ACTIONS = ("create", "update", "enable", "disable", "move", "delete")
# RFC 7643 section 3.1: every resource has them, no resource schema lists them.
COMMON_ATTRIBUTES = {"externalid": discovery.AttributeInfo("string", "readWrite"),
                     "id": discovery.AttributeInfo("string", "readOnly")}
_MEMBER_PREFIX = "id="  # a group member that is not a user this run reads (a group, a user outside the filter)


class _Resource(object):
    """What the adapter remembers of one user or group it read."""

    __slots__ = ("id", "version", "raw")

    def __init__(self, identifier, version, raw):
        self.id, self.version, self.raw = identifier, version, raw


def _version(resource: dict) -> Optional[str]:
    meta = resource.get("meta")
    return meta.get("version") if isinstance(meta, dict) else None


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


class ScimTarget(Target):
    """The target port over one ``client.Connection``."""

    def __init__(self, conn, config, settings: ScimSettings):
        self.conn, self.config, self.settings = conn, config, settings
        spc, types, schemas = conn.discover()
        try:
            self.features = discovery.features(spc, settings.quirks.features)
        except discovery.DiscoveryError as exc:
            raise ScimError(str(exc))
        found = discovery.resource_types(types)
        if "User" not in found:
            raise ScimError("the service provider announces no User resource type (/ResourceTypes)")
        self.users_type, self.groups_type = found["User"], found.get("Group")
        if config.rules and self.groups_type is None:
            raise ScimError("rules grant groups, but the service provider announces no Group resource type")
        self.types = discovery.attribute_types(schemas)
        if settings.filter and not self.features.filter:
            raise ScimError("filter is set, but the service provider does not announce filtering "
                            "(ServiceProviderConfig filter.supported)")
        self._check_paths()
        self.page_size = self.features.page_size(settings.page_size)
        self.users: Dict[str, _Resource] = {}      # normalised key -> the user as read
        self.key_of_id: Dict[str, str] = {}        # id -> key
        self.groups: Dict[str, _Resource] = {}     # normalised group key -> the group as read
        self.ambiguous: Set[str] = set()           # group keys two groups of the server answer to
        self.outside: Optional[List[dict]] = None  # users outside the filter (read once, when asked)

    # ---- discovery: nothing is sent that the server does not announce --------------------
    def _info(self, path: paths.Path) -> Optional[discovery.AttributeInfo]:
        schema = (path.urn or self.users_type.schema).lower()
        sub = path.sub.lower() if path.sub else None
        found = self.types.get((schema, path.attribute.lower(), sub))
        if found is None and path.urn is None and sub is None:
            found = COMMON_ATTRIBUTES.get(path.attribute.lower())
        return found

    def _check_paths(self):
        announced = set(s.lower() for s in (self.users_type.schema,) + self.users_type.extensions)
        written = set(a.lower() for a in self.config.attributes) | set(
            a[1].lower() for a in self.config.anchors[:1]) | {self.config.username_attribute.lower()}
        for key, path in self.settings.attribute_paths.items():
            if key in (ID,):
                continue
            if path.urn and path.urn.lower() not in announced:
                raise ScimError(f"attributes: {path.text} is in the schema {path.urn}, which the service provider "
                                "does not announce for its Users (/ResourceTypes schemaExtensions)")
            if not self.types:
                continue  # no /Schemas to check against (a server that serves none): sent as mapped
            info = self._info(path)
            if info is None:
                raise ScimError(f"attributes: {path.text} is not an attribute of the service provider's "
                                f"{path.urn or 'User'} schema (/Schemas)")
            if key in written and info.mutability in ("readOnly", "immutable") and key != self.config.username_attribute.lower():
                raise ScimError(f"attributes: {path.text} is {info.mutability} on the service provider: "
                                "it cannot be written")

    def convert(self, path: paths.Path, text: str):
        """A value as the schema types it: ``true`` -> true for a boolean, digits for an integer."""
        info = self._info(path) if self.types else None
        kind = info.type if info else ("boolean" if path.text.lower() == ACTIVE else "string")
        if kind == "boolean":
            return str(text).lower() == "true"
        if kind == "integer":
            return int(text)
        if kind == "decimal":
            return float(text)
        return text

    # ---- reads -----------------------------------------------------------------------
    def _attributes(self, extra=()) -> List[str]:
        names = set(paths.attribute_name(p) for k, p in self.settings.attribute_paths.items() if k != ID)
        names.update(extra)
        if self.features.etag:
            names.add("meta.version")
        return sorted(names)

    def _account(self, resource: dict) -> Optional[Account]:
        login = paths.read(resource, self.settings.username)
        if not login or not resource.get("id"):
            return None  # a user without a login is nobody the engine can name or manage
        attrs = dict((key, paths.read(resource, path)) for key, path in self.settings.attribute_paths.items() if key != ID)
        attrs[ID] = [str(resource["id"])]
        return Account(user_key(login[0]), attrs)

    def read_accounts(self) -> List[Account]:
        accounts = []
        for resource in self.conn.pages(self.users_type.endpoint, self._attributes(), self.page_size,
                                        self.settings.filter, self.features.cursor):
            account = self._account(resource)
            if account is None:
                continue
            key = dnlib.normalise(account.dn)
            if key in self.users:
                continue  # two users answer to one login (a server that compares it by case): the first
            self.users[key] = _Resource(str(resource["id"]), _version(resource), resource)
            self.key_of_id[str(resource["id"])] = account.dn
            accounts.append(account)
        self._references(accounts)
        return accounts

    def _references(self, accounts):
        """Values of the reference paths (the enterprise manager) are ids: the engine compares keys."""
        for key in self.settings.references:
            if key not in self.settings.attribute_paths:
                continue
            for account in accounts:
                values = account.attrs.get(key)
                if values:
                    account.attrs[key] = [self.key_of_id.get(v, _MEMBER_PREFIX + v) for v in values]

    def _everyone(self) -> List[dict]:
        """Every user, outside the filter too (unique names, anchors outside): read once, when asked."""
        if self.outside is None:
            unique = [paths.attribute_name(paths.parse(a)) for a in self.config.unique_attributes]
            anchors = [paths.attribute_name(paths.parse(a[1])) for a in self.config.anchors]
            self.outside = list(self.conn.pages(self.users_type.endpoint,
                                                sorted(set(unique + anchors + [self.settings.username.text])),
                                                self.page_size, cursor=self.features.cursor))
        return self.outside

    def taken_names(self) -> Dict[str, List[str]]:
        resources = self._everyone() if self.settings.filter else [u.raw for u in self.users.values()]
        out = {}
        for attribute in self.config.unique_attributes:
            path = paths.parse(attribute)
            out[attribute] = [v for resource in resources for v in paths.read(resource, path)]
        return out

    def anchored_outside(self, values: Iterable[str]) -> List[Account]:
        if not self.settings.filter:
            return []  # every user is in scope
        wanted = set(str(v).lower() for v in values)
        path = paths.parse(self.config.anchors[0][1])
        found = []
        for resource in self._everyone():
            account = self._account(resource)
            if account is not None and dnlib.normalise(account.dn) not in self.users and any(
                    v.lower() in wanted for v in paths.read(resource, path)):
                found.append(account)
        return found

    def held_dns(self, dns: Iterable[str]) -> Set[str]:
        if not self.settings.filter:
            return set()  # every login is in taken_names already
        held = set()
        for resource in self._everyone():
            login = paths.read(resource, self.settings.username)
            if login:
                held.add(dnlib.normalise(user_key(login[0])))
        return set(dn for dn in dns if dn in held and dn not in self.users)

    def read_groups(self, groups: Iterable[str]) -> Dict[str, dict]:
        named = groups.values() if isinstance(groups, dict) else groups  # managed_groups: {normalised: as named}
        wanted = dict((dnlib.normalise(dn), dnlib.rdn_value(dn)) for dn in named)
        attributes = ["displayName", "members"] + (["meta.version"] if self.features.etag else [])
        found: Dict[str, List[dict]] = {}
        if self.features.filter:
            names = sorted(wanted.values())
            chunk_size = max(self.settings.quirks.filter_or_terms, 1)
            for start in range(0, len(names), chunk_size):
                chunk = names[start:start + chunk_size]
                expression = " or ".join(f'displayName eq "{_escape(n)}"' for n in chunk)
                for resource in self.conn.pages(self.groups_type.endpoint, attributes, self.page_size, expression):
                    self._found_group(found, resource)
        else:
            for resource in self.conn.pages(self.groups_type.endpoint, attributes, self.page_size):
                self._found_group(found, resource)
        out = {}
        for key, name in wanted.items():
            resources = found.get(key) or []
            if len(resources) > 1:
                self.ambiguous.add(key)  # never guessed: its grants and revokes fail, named
            resource = resources[0] if resources else None
            if resource is not None:
                self.groups[key] = _Resource(str(resource.get("id")), _version(resource), resource)
            members = []
            # An ambiguous group's members are those of every group of that name: the plan shows
            # what would change, and the pre-flight fails its grants and revokes, named.
            for member in [m for r in resources for m in r.get("members") or []]:
                value = str(member.get("value")) if isinstance(member, dict) and member.get("value") else None
                if value:
                    members.append(self.key_of_id.get(value) or _MEMBER_PREFIX + value)
            out[key] = {"dn": group_key(name), "exists": resource is not None, "members": members}
        return out

    @staticmethod
    def _found_group(found, resource):
        name = resource.get("displayName")
        if isinstance(name, str) and resource.get("id"):
            found.setdefault(dnlib.normalise(group_key(name)), []).append(resource)

    # ---- pre-flight --------------------------------------------------------------------
    def preflight(self, operations) -> List[tuple]:
        """What the server would refuse, read-only: a value its schema types that does not parse
        (an integer attribute mapped to text), a group two of its groups answer to."""
        blocked = []
        for op in operations:
            if op.batch is not None:
                if dnlib.normalise(op.group) in self.ambiguous:
                    blocked.append((op, f"{op.group}: more than one group of the service provider has this "
                                        "displayName; never guessed"))
                continue
            for attribute, values in op.modifications.items():
                path = self.settings.attribute_paths.get(attribute.lower())
                if path is None:
                    continue
                try:
                    for value in values:
                        self.convert(path, value)
                except ValueError:
                    blocked.append((op, f"{attribute}: {values[0]!r} is not a {self._info(path).type} "
                                        "(the service provider's schema)"))
                    break
        return blocked

    # ---- writes ------------------------------------------------------------------------
    def apply(self, operations) -> Tuple[list, List[dict]]:
        writer = _Writer(self)
        for op in operations:
            if op.batch is not None:
                writer.membership(op)
            else:
                writer.account(op)
        writer.flush()
        return writer.done, writer.failed

    def url(self, key: str) -> Optional[str]:
        user = self.users.get(dnlib.normalise(key))
        return f"{self.users_type.endpoint}/{user.id}" if user else None

    def reference(self, attribute: str, values: List[str]) -> List[str]:
        """Keys in a reference path (manager) -> the ids the server knows them by."""
        if attribute.lower() not in self.settings.references:
            return values
        out = []
        for value in values:
            user = self.users.get(dnlib.normalise(value))
            out.append(user.id if user else value[len(_MEMBER_PREFIX):] if value.startswith(_MEMBER_PREFIX) else value)
        return out


class _Request(object):
    """One write: its method, URL, body and version, and the operations it carries."""

    __slots__ = ("method", "url", "body", "version", "ops", "key", "kind")

    def __init__(self, method, url, body, version, ops, key, kind="User"):
        self.method, self.url, self.body, self.version = method, url, body, version
        self.ops, self.key, self.kind = ops, key, kind


class _Writer(object):
    """Turns the operations into requests, single or in ``/Bulk`` batches, and records outcomes."""

    def __init__(self, target: ScimTarget):
        self.target = target
        self.conn = target.conn
        features = target.features
        self.bulk = features.bulk and target.settings.bulk
        self.pending: List[_Request] = []
        self.pending_keys: Set[str] = set()
        self.pending_persons: Set[Optional[str]] = set()
        self.done, self.failed = [], []
        self.broken: Set[str] = set()   # persons with a failed operation: their later ones are skipped
        self.batches_done: Set[int] = set()

    def fail(self, op, error):
        self.failed.append({"person": op.person, "action": op.action, "dn": op.dn, "error": str(error)})
        if op.person is not None:
            self.broken.add(op.person)

    # -- accounts
    def account(self, op):
        if op.person in self.broken:
            self.fail(op, "skipped: an earlier operation on this account failed")
            return
        if self.bulk and self._depends_on_pending(op):
            # The same account again (its version, its key after a rename), or a link to one this
            # batch creates (its id): the batch goes first.
            self.flush()
        try:
            request = self._account_request(op)
        except (ValueError, paths.PathError) as exc:
            self.fail(op, exc)
            return
        if not self.bulk:
            self._send(request)
            return
        self.pending.append(request)
        self.pending_keys.add(dnlib.normalise(request.key))
        if op.new_dn:
            self.pending_keys.add(dnlib.normalise(op.new_dn))
        self.pending_persons.add(op.person)
        if len(self.pending) >= self.target.features.bulk_max_operations:
            self.flush()

    def _depends_on_pending(self, op) -> bool:
        if not self.pending:
            return False
        if op.person in self.pending_persons or dnlib.normalise(op.dn) in self.pending_keys:
            return True
        references = self.target.settings.references
        return any(isinstance(v, str) and dnlib.normalise(v) in self.pending_keys
                   for attribute, values in op.modifications.items() if attribute.lower() in references for v in values)

    def _values(self, op) -> Dict[paths.Path, List[str]]:
        target = self.target
        out = {}
        for attribute, values in op.modifications.items():
            if attribute == "objectClass":
                continue
            path = target.settings.attribute_paths.get(attribute.lower()) or paths.parse(attribute)
            out[path] = target.reference(attribute, list(values))
        return out

    def _account_request(self, op) -> _Request:
        target = self.target
        endpoint = target.users_type.endpoint
        if op.action == "create":
            values = self._values(op)
            body = paths.resource([target.users_type.schema], values, target.convert)
            if op.initial_password:
                body["password"] = op.password or generate_password(target.settings.password_length)
            return _Request("POST", endpoint, body, None, [op], op.dn)
        url = target.url(op.dn)
        if url is None:
            raise ValueError(f"{op.dn} is not a user this run read")
        user = target.users[dnlib.normalise(op.dn)]
        version = user.version if target.features.etag else None
        if op.action == "delete":
            return _Request("DELETE", url, None, version, [op], op.dn)
        values = self._values(op)
        if op.new_dn:
            values[target.settings.username] = [dnlib.rdn_value(op.new_dn)]
        if target.features.patch:
            operations = []
            for path, wanted in values.items():
                operations.extend(paths.patch_operations(user.raw, {path: wanted}, target.convert,
                                                         target.settings.quirks.filtered_patch_paths))
            return _Request("PATCH", url, {"schemas": [PATCH_OP], "Operations": operations}, version, [op], op.dn)
        full = self.conn.get(url)  # a PUT replaces the whole user: every attribute as the server holds it
        body = copy.deepcopy(full)
        body.pop("meta", None)
        for path, wanted in values.items():
            paths.assign(body, path, wanted, target.convert)
        return _Request("PUT", url, body, _version(full) if target.features.etag else None, [op], op.dn)

    # -- groups
    def membership(self, op):
        batch = op.batch
        if id(batch) in self.batches_done:
            return
        self.flush()  # the accounts first: a grant names the id a create has just been given
        self.batches_done.add(id(batch))
        target = self.target
        ops = list(batch.operations)
        adds, removes, runnable = [], [], []
        for member_op in ops:
            if member_op.person in self.broken:
                self.fail(member_op, "skipped: an earlier operation on this account failed")
                continue
            user = target.users.get(dnlib.normalise(member_op.dn))
            if user is None:
                self.fail(member_op, f"{member_op.dn} is not a user of the service provider")
                continue
            (adds if member_op.action == "grant" else removes).append(user.id)
            runnable.append(member_op)
        if not runnable:
            return
        key = dnlib.normalise(batch.dn)
        name = dnlib.rdn_value(batch.dn)
        endpoint = target.groups_type.endpoint
        group = target.groups.get(key)
        if group is None:  # batch.create: groups.create_missing
            body = {"schemas": [target.groups_type.schema], "displayName": name,
                    "members": [{"value": i} for i in adds]}
            answer, error = self.conn.write("POST", endpoint, body, kind="Group")
            self._outcome(runnable, error)
            if not error and isinstance(answer, dict) and answer.get("id"):
                target.groups[key] = _Resource(str(answer["id"]), _version(answer), answer)
            return
        url = f"{endpoint}/{group.id}"
        version = group.version if target.features.etag else None
        if not target.features.patch:
            full = self.conn.get(url)
            members = [m for m in full.get("members") or [] if not (isinstance(m, dict) and m.get("value") in removes)]
            members.extend({"value": i} for i in adds)
            body = dict((k, v) for k, v in full.items() if k != "meta")
            body["members"] = members
            dummy, error = self.conn.write("PUT", url, body, _version(full) if target.features.etag else None, "Group")
            self._outcome(runnable, error)
            return
        changes = [{"op": "add", "path": "members", "value": [{"value": i}]} for i in adds] + [
            {"op": "remove", "path": f'members[value eq "{_escape(i)}"]'} for i in removes]
        size = target.settings.group_batch_size
        by_id = dict((target.users[dnlib.normalise(o.dn)].id, o) for o in runnable)
        for start in range(0, len(changes), size):
            chunk = changes[start:start + size]
            chunk = _merged_adds(chunk)
            answer, error = self.conn.write("PATCH", url, {"schemas": [PATCH_OP], "Operations": chunk}, version, "Group")
            covered = [by_id[i] for i in _member_ids(chunk) if i in by_id]
            self._outcome(covered, error)
            version = (_version(answer) if isinstance(answer, dict) else None) or self.conn.etag(url) if version else None

    def _outcome(self, ops, error):
        for op in ops:
            if error:
                self.fail(op, _explained(error))
            else:
                self.done.append(op)

    # -- sending
    def flush(self):
        pending, self.pending, self.pending_keys, self.pending_persons = self.pending, [], set(), set()
        if not pending:
            return
        if len(pending) == 1 or not self.bulk:
            for request in pending:
                self._send(request)
            return
        self._send_bulk(pending)

    def _send(self, request: _Request):
        answer, error = self.conn.write(request.method, request.url, request.body, request.version, request.kind)
        self._after(request, answer if isinstance(answer, dict) else None, error,
                    None if error else self.conn.etag(request.url))

    def _send_bulk(self, requests: List[_Request]):
        features = self.target.features
        encoded = []
        for index, request in enumerate(requests):
            entry = {"method": request.method, "path": request.url}
            if request.method == "POST":
                entry["bulkId"] = f"op{index}"
            if request.body is not None:
                entry["data"] = request.body
            if request.version:
                entry["version"] = request.version
            encoded.append(entry)
        sizes = [len(json.dumps(e)) for e in encoded]
        for batch in features.bulk_batches(sizes):
            answers, error = self.conn.bulk([encoded[i] for i in batch])
            if error:
                for i in batch:
                    self._after(requests[i], None, error, None)
                continue
            by_position = list(answers or [])
            for n, i in enumerate(batch):
                answer = by_position[n] if n < len(by_position) else None
                status = str((answer or {}).get("status") or "")
                if not status.startswith("2"):
                    response = (answer or {}).get("response") or {}
                    text = " ".join(str(x) for x in (status or "no answer", response.get("scimType") or "",
                                                     response.get("detail") or "") if x)
                    self._after(requests[i], None, text, None)
                    continue
                location = str(answer.get("location") or "")
                created = {"id": location.rstrip("/").rpartition("/")[2]} if requests[i].method == "POST" else None
                self._after(requests[i], created, None, answer.get("version"))

    def _after(self, request: _Request, answer: Optional[dict], error: Optional[str], etag: Optional[str]):
        target = self.target
        if error:
            for op in request.ops:
                self.fail(op, _explained(error))
            return
        op = request.ops[0]
        if request.method == "POST":
            identifier = str((answer or {}).get("id") or "")
            raw = copy.deepcopy(request.body)
            raw["id"] = identifier
            target.users[dnlib.normalise(op.dn)] = _Resource(identifier, _version(answer or {}) or etag, raw)
            target.key_of_id[identifier] = op.dn
            op.assigned_id = identifier or None  # the audit trail's guid of a new user (not in the plan)
        elif request.method == "DELETE":
            target.users.pop(dnlib.normalise(op.dn), None)
        else:
            user = target.users[dnlib.normalise(op.dn)]
            user.version = (_version(answer) if answer else None) or etag
            if op.new_dn:  # a rename: the user is known by its new key from now on
                target.users.pop(dnlib.normalise(op.dn), None)
                target.users[dnlib.normalise(op.new_dn)] = user
                target.key_of_id[user.id] = op.new_dn
        self.done.extend(request.ops)


def _merged_adds(chunk: List[dict]) -> List[dict]:
    """The add operations of a chunk as one (``members`` takes a list), the removes as they are."""
    adds = [value for c in chunk if c["op"] == "add" for value in c["value"]]
    rest = [c for c in chunk if c["op"] != "add"]
    return ([{"op": "add", "path": "members", "value": adds}] if adds else []) + rest


def _member_ids(chunk: List[dict]) -> List[str]:
    out = []
    for change in chunk:
        if change["op"] == "add":
            out.extend(v["value"] for v in change["value"])
        else:
            out.append(change["path"].split('"')[1].replace('\\"', '"'))
    return out


def _explained(error: str) -> str:
    if error.startswith("412"):
        return error + " (If-Match: the resource changed on the server since this run read it; the next run converges)"
    return error
