# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""LDAP adapter over ldap3: connect, paged reads, apply a plan (for internal use).

Reads ask for raw values of only the attributes the plan needs, without schema (ldap3's schema
formatting costs more than the search itself). Writes are one request per account operation; a
failing operation is recorded and the account's later operations are skipped, the rest go on.
"""

from __future__ import annotations

import base64
import hashlib
import os
import ssl
import time

try:
    import ldap3
    from ldap3.core.exceptions import LDAPException
    HAS_LDAP3 = True
except ImportError:  # pragma: no cover - reported by the plugins with missing_required_lib
    HAS_LDAP3 = False
    LDAPException = Exception

from ansible_collections.jml.provisioning.plugins.module_utils.provision import dn as dnlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision.correlation import Account
from ansible_collections.jml.provisioning.plugins.module_utils.provision.passwords import forbidden_tokens, generate_password
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import _ber as ldap_ber
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import _wire as ldap_wire


class TargetError(Exception):
    """The directory cannot be reached or read; nothing was written. ``code``: the LDAP result
    code when the directory answered with one (32: no such object)."""

    def __init__(self, message, code=None):
        Exception.__init__(self, message)
        self.code = code


def clear_text_bind(connection: dict):
    """Why a simple bind of this connection would send its password in clear text over the
    network (an ``ldap://`` URI to another host without StartTLS), or None."""
    uri = str(connection.get("server_uri") or "")
    if not uri.lower().startswith("ldap://") or connection.get("start_tls") or not connection.get("bind_password"):
        return None
    host = uri[len("ldap://"):].split("/", 1)[0].rsplit(":", 1)[0].strip("[]").lower()
    if host in ("localhost", "::1") or host.startswith("127."):
        return None  # the loopback interface never leaves the machine
    return (f"the bind password goes to {uri} in clear text (ldap:// without start_tls); "
            "use ldaps:// or connection.start_tls: true")


def connect(server_uri, bind_dn=None, bind_password=None, start_tls=False, validate_certs=True, ca_file=None,
            server_name=None, connect_timeout=10, **_ignored):
    """An open, bound ldap3 connection, or ``TargetError`` with a message fit for the operator."""
    use_ssl = server_uri.lower().startswith("ldaps://")
    tls = None
    if use_ssl or start_tls:
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED if validate_certs else ssl.CERT_NONE,
                        ca_certs_file=ca_file, valid_names=[server_name] if server_name else None)
    server = ldap3.Server(server_uri, use_ssl=use_ssl, tls=tls, get_info=ldap3.NONE, connect_timeout=connect_timeout)
    conn = ldap3.Connection(server, user=bind_dn, password=bind_password, raise_exceptions=False,
                            auto_bind=ldap3.AUTO_BIND_NONE, receive_timeout=max(connect_timeout, 30))
    try:
        conn.open(read_server_info=False)  # returns nothing useful: failures raise
        if conn.closed:
            raise TargetError(f"cannot connect to {server_uri}")
        if start_tls and not conn.start_tls():
            raise TargetError(f"StartTLS with {server_uri} failed: {_describe(conn)}")
        if not conn.bind():
            raise TargetError(f"cannot bind to {server_uri} as {bind_dn or 'anonymous'}: {_describe(conn)}")
    except LDAPException as exc:
        raise TargetError(f"cannot connect to {server_uri}: {exc}")
    return conn


def _describe(conn):
    result = conn.result or {}
    text = result.get("description") or "error"
    if result.get("message"):
        text += f" ({result['message']})"
    return text


def paged_entries(conn, base, search_filter, attributes, page_size=500, scope="subtree"):
    """Yield ``(dn, {lower attribute: [str]})`` for every entry, page by page: decoded straight
    off the socket where the connection allows it (five times faster than ldap3's decoding).
    ``search_filter``: RFC 4515 text, or a ``Filter`` from ``any_equal``."""
    if ldap_wire.available(conn):
        try:
            yield from ldap_wire.paged_search(conn, base, search_filter, attributes, page_size, scope)
        except ldap_wire.WireError as exc:
            raise TargetError(str(exc), exc.code)
        except LDAPException as exc:  # the filter, parsed by ldap3
            raise TargetError(f"search of {base} failed: {exc}")
        return
    yield from _ldap3_paged_entries(conn, base, search_filter, attributes, page_size, scope)


def _ldap3_paged_entries(conn, base, search_filter, attributes, page_size=500, scope="subtree"):
    """``paged_entries`` through ldap3's own search and decoding (any connection)."""
    if isinstance(search_filter, ldap_ber.Filter):
        search_filter = search_filter.text
    cookie = None
    ldap_scope = {"subtree": ldap3.SUBTREE, "one": ldap3.LEVEL, "base": ldap3.BASE}[scope]
    while True:
        try:
            ok = conn.search(base, search_filter, search_scope=ldap_scope, attributes=list(attributes) or [ldap3.NO_ATTRIBUTES],
                             paged_size=page_size, paged_cookie=cookie)
        except LDAPException as exc:
            raise TargetError(f"search of {base} failed: {exc}")
        if not ok and (conn.result or {}).get("result") not in (0, None):
            raise TargetError(f"search of {base} {search_filter} failed: {_describe(conn)}",
                              (conn.result or {}).get("result"))
        for entry in conn.response or ():
            if entry.get("type") != "searchResEntry":
                continue
            raw = entry.get("raw_attributes") or {}
            yield entry["dn"], dict((name.lower(), ldap_ber.decode_values(values, name.lower())) for name, values in raw.items() if values)
        controls = (conn.result or {}).get("controls") or {}
        cookie = controls.get("1.2.840.113556.1.4.319", {}).get("value", {}).get("cookie")
        if not cookie:
            return


def read_accounts(conn, base, search_filter, attributes, page_size=500):
    return [Account(dn, attrs) for dn, attrs in paged_entries(conn, base, search_filter, attributes, page_size)]


def read_taken(conn, base, attributes, page_size=500):
    """Every value of ``attributes`` anywhere under ``base``: names a joiner must not take."""
    taken = dict((a, set()) for a in attributes)
    search_filter = "(|%s)" % "".join("(%s=*)" % a for a in attributes)
    lower = dict((a.lower(), a) for a in attributes)
    for dummy, attrs in paged_entries(conn, base, search_filter, attributes, page_size):
        for name, values in attrs.items():
            if name in lower:
                taken[lower[name]].update(values)
    return taken


def held_dns(conn, dns, page_size=500, chunk=100):
    """The normalised DNs among ``dns`` (normalised) that some entry holds, whatever its class
    (a contact, a group, an account outside the managed scope): per parent, one one-level OR
    search on the RDN per ``chunk`` names. A parent that does not exist holds nothing."""
    by_parent = {}
    for key in dns:
        by_parent.setdefault(dnlib.parent(key), []).append(key)
    held = set()
    for parent, keys in sorted(by_parent.items()):
        keys.sort()
        for start in range(0, len(keys), chunk):
            search_filter = any_equal((dnlib.first_rdn(key).partition("=")[0], dnlib.rdn_value(key))
                                      for key in keys[start:start + chunk])
            try:
                for dn, dummy in paged_entries(conn, parent, search_filter, ["1.1"], page_size, scope="one"):
                    held.add(dnlib.normalise(dn))
            except TargetError as exc:
                if exc.code != 32:  # noSuchObject: the container is missing (the pre-flight says so)
                    raise
    return held & set(dns)


def anchored_outside(conn, base, scope_base, attribute, values, attributes, page_size=500, chunk=100,
                     presence_above=1000, object_filter=None):
    """Accounts under ``base`` but outside ``scope_base`` whose ``attribute`` holds one of
    ``values``: OR searches of ``chunk`` values, or, for many values (a first provisioning), one
    search for every entry that has the attribute at all (cheaper than thousands of ORs)."""
    wanted = dict((str(v).lower(), v) for v in values)
    if not wanted:
        return []
    if len(wanted) > presence_above:
        filters = [f"({attribute}=*)"]
    else:
        ordered = sorted(wanted)
        filters = ["(|%s)" % "".join("(%s=%s)" % (attribute, _filter_value(wanted[key])) for key in ordered[i:i + chunk])
                   for i in range(0, len(ordered), chunk)]
    if object_filter:  # accounts only (AD: users, not the contacts that may carry an employeeID)
        filters = ["(&%s%s)" % (object_filter if object_filter.startswith("(") else "(%s)" % object_filter, f)
                   for f in filters]
    found, seen = [], set()
    for search_filter in filters:
        for dn, attrs in paged_entries(conn, base, search_filter, attributes, page_size):
            if dnlib.is_under(dn, scope_base) or dnlib.normalise(dn) in seen:
                continue
            if any(v.lower() in wanted for v in attrs.get(attribute.lower(), ())):
                seen.add(dnlib.normalise(dn))
                found.append(Account(dn, attrs))
    return found


def children_of(conn, dn, page_size=500):
    """DNs of every object below ``dn`` (not ``dn`` itself), deepest first: the order to delete them in."""
    try:
        found = [d for d, dummy in paged_entries(conn, dn, "(objectClass=*)", ["1.1"], page_size)]
    except TargetError as exc:
        if exc.code == 32:
            return []
        raise
    key = dnlib.normalise(dn)
    return sorted((d for d in found if dnlib.normalise(d) != key), key=lambda d: -len(dnlib.split(d)))


def supports_tree_delete(conn):
    """Whether the server announces the tree-delete control in its root DSE (AD and Samba do)."""
    try:
        entry = _base_entry(conn, "", "supportedControl")
    except TargetError:
        return False
    return entry is not None and ldap_ber.TREE_DELETE_OID in entry[1].get("supportedcontrol", ())


def missing_containers(conn, containers):
    """The containers (DNs) among ``containers`` that do not exist."""
    return set(dn for dn in containers if _base_entry(conn, dn, "1.1") is None)


_FILTER_ESCAPES = str.maketrans(dict((ch, "\\%02x" % ord(ch)) for ch in "*()\\\x00"))


def _filter_value(value):
    """A value inside a search filter, with RFC 4515's escapes."""
    return str(value).translate(_FILTER_ESCAPES)


def any_equal(terms) -> ldap_ber.Filter:
    """The OR of ``(attribute=value)`` for ``terms`` ``[(attribute, value)]``, as text and as the
    tree the wire encodes without parsing the text again (0.7 ms for 100 names through ldap3's
    parser; a first provisioning of 100k asks about 900 of them). The tree is what ldap3 makes of
    the text, which strips the value's surrounding white space (unit-tested on random values)."""
    terms = [(attribute, str(value)) for attribute, value in terms]
    text = "(|%s)" % "".join(f"({attribute}={_filter_value(value)})" for attribute, value in terms)
    return ldap_ber.Filter(text, ("or", [("equal", attribute, value.strip().encode("utf-8")) for attribute, value in terms]))


def find_groups(conn, base, object_class, attribute, names, page_size=500, chunk=100):
    """``{lower-case name: [DN, ...]}`` of the groups under ``base`` whose ``attribute`` (AD:
    sAMAccountName) is one of ``names``: one OR search per ``chunk`` names, not one per name."""
    wanted = dict((name.lower(), name) for name in names)
    ordered = sorted(wanted.values(), key=str.lower)
    found = {}
    for start in range(0, len(ordered), chunk):
        terms = "".join(f"({attribute}={_filter_value(name)})" for name in ordered[start:start + chunk])
        search_filter = f"(&(objectClass={_filter_value(object_class)})(|{terms}))"
        for dn, attrs in paged_entries(conn, base, search_filter, [attribute], page_size):
            for value in attrs.get(attribute.lower(), ()):
                if value.lower() in wanted:  # a multi-valued attribute may hold other names too
                    found.setdefault(value.lower(), []).append(dn)
    return found


def read_groups(conn, groups, member_attribute="member", range_size=None):
    """The managed groups (normalised DN -> DN) as ``{normalised DN: {dn, exists, members}}``.

    Active Directory returns at most 1,500 members of a group at a time (``member;range=0-1499``):
    the rest is asked for range by range until the server says ``*``. ``range_size`` asks for
    ranges of that size from the start (for servers with a lower limit, and for the tests)."""
    found = {}
    for key, dn in groups.items():
        entry_dn, members = _group_members(conn, dn, member_attribute, range_size)
        found[key] = {"dn": entry_dn or dn, "exists": entry_dn is not None, "members": members}
    return found


def _group_members(conn, dn, member_attribute, range_size):
    """``(the group's DN or None when it does not exist, [member DNs])``, range by range."""
    wanted = "%s;range=0-%d" % (member_attribute, range_size - 1) if range_size else member_attribute
    entry_dn, members = None, []
    while wanted:
        entry = _base_entry(conn, dn, wanted)
        if entry is None:
            break
        entry_dn, wanted = entry[0], None
        for name, values in entry[1].items():
            base_name, dummy, option = name.partition(";range=")
            if base_name != member_attribute.lower():
                continue
            members.extend(values)
            last = option.rpartition("-")[2] if option else "*"
            if last != "*":
                following = int(last) + 1
                wanted = "%s;range=%d-%s" % (member_attribute, following,
                                             following + range_size - 1 if range_size else "*")
    return entry_dn, members


def accounts_with(conn, base, object_filter, attribute, values, attributes, page_size=500, chunk=100):
    """The accounts under ``base`` matching ``object_filter`` whose ``attribute`` holds one of
    ``values``: one OR search per ``chunk`` values."""
    ordered = sorted(set(values))
    found = {}
    for start in range(0, len(ordered), chunk):
        terms = "".join(f"({attribute}={_filter_value(value)})" for value in ordered[start:start + chunk])
        for dn, attrs in paged_entries(conn, base, f"(&{object_filter}(|{terms}))", attributes, page_size):
            found[dn.lower()] = Account(dn, attrs)
    return list(found.values())


def entry_stamp(conn, dn, attribute):
    """One entry's change stamp (``entryCSN``, ``uSNChanged``), or None when it does not exist."""
    entry = _base_entry(conn, dn, attribute)
    if entry is None:
        return None
    values = entry[1].get(attribute.lower()) or [""]
    return values[0]


def _unpaged_base(conn, dn, attributes):
    """One entry's attributes without the paged control (the root DSE refuses it on some servers),
    or None: missing, or not readable."""
    try:
        conn.search(dn, "(objectClass=*)", search_scope=ldap3.BASE, attributes=list(attributes))
    except LDAPException:
        return None
    for entry in conn.response or ():
        if entry.get("type") == "searchResEntry":
            raw = entry.get("raw_attributes") or {}
            return dict((name.lower(), ldap_ber.decode_values(values, name.lower())) for name, values in raw.items() if values)
    return None


def write_stamps(conn, flavour):
    """The directory's own stamp of its newest write, or None where it keeps none we can read:
    OpenLDAP's ``contextCSN`` of each advertised naming context (kept by the syncprov overlay, that
    is on every replicating server; one read each), Active Directory's ``highestCommittedUSN`` of
    this domain controller with its ``invocationId`` (a restore changes it). Read-only; any error
    is None (the caller then proves what it needs the long way)."""
    if flavour == "ad":
        root = _unpaged_base(conn, "", ["highestCommittedUSN", "dsServiceName"]) or {}
        usn, service = (root.get("highestcommittedusn") or [None])[0], (root.get("dsservicename") or [None])[0]
        if not usn or not service:
            return None
        settings = _unpaged_base(conn, service, ["invocationId"]) or {}
        invocation = (settings.get("invocationid") or [None])[0]
        if not invocation:
            return None
        return {"kind": "highestCommittedUSN", "server": service.lower(), "invocation": invocation, "usn": usn}
    root = _unpaged_base(conn, "", ["namingContexts"]) or {}
    contexts = {}
    for context in root.get("namingcontexts") or ():
        if context:  # an empty context would cover everything: no such server here
            found = _unpaged_base(conn, context, ["contextCSN"]) or {}
            contexts[dnlib.normalise(context)] = sorted(found.get("contextcsn") or ())
    return {"kind": "contextCSN", "contexts": contexts} if contexts else None


def _base_entry(conn, dn, attribute):
    """``(dn, attributes)`` of one entry, or None when it does not exist."""
    try:
        found = list(paged_entries(conn, dn, "(objectClass=*)", [attribute], scope="base"))
    except TargetError as exc:
        if exc.code == 32:  # noSuchObject
            return None
        raise TargetError(f"reading group {dn} failed: {exc}")
    return found[0] if found else None


def _batch_request(batch, member_attribute, placeholder, object_class, name_attribute):
    """One group's changes as one request: an add (creating the group) or one modify."""
    adds, removes = list(batch.add), list(batch.remove)
    if batch.add_placeholder:
        adds.append(placeholder)
    if batch.remove_placeholder:
        removes.append(placeholder)
    if batch.create:  # with its members (AD: every account exists by now) and its own attributes
        attributes = dict(batch.attributes or {})
        attributes.update({"objectClass": [object_class], member_attribute: adds or [placeholder],
                           name_attribute: [dnlib.rdn_value(batch.dn)]})
        return "add group", ldap_ber.add_request(batch.dn, attributes)
    changes = ([("add", member_attribute, adds)] if adds else []) + \
        ([("delete", member_attribute, removes)] if removes else [])
    if not changes:
        return None, None
    return "modify group", ldap_ber.modify_request(batch.dn, changes)


def _apply_batch(pipeline, batch, config):
    what, request = _batch_request(batch, config["member_attribute"], config["placeholder_member"],
                                   config["object_class"], config["name_attribute"])
    if request is not None:
        code, diagnostic = pipeline.call(request)
        if code != 0:
            raise TargetError(f"{what}: {ldap_wire.describe(code, diagnostic)}", code)


# noSuchAttribute, attributeOrValueExists: the group changed under us (slapd's refint renames a
# moved member in the background, after the move was answered).
_RACED = (16, 20)


def _apply_moved_batch(pipeline, batch, ops, config, tries=5, pause=0.2):
    """A batch with moved accounts, written against the group as it is now; when the directory's
    refint renames a member between that read and the write, read again and retry."""
    for attempt in range(tries):
        _against_members_now(pipeline.wire.conn, batch, ops, config["member_attribute"])
        try:
            _apply_batch(pipeline, batch, config)
            return
        except TargetError as exc:
            if exc.code not in _RACED or attempt == tries - 1:
                raise
            time.sleep(pause)


def _against_members_now(conn, batch, ops, member_attribute):
    """Rewrite a batch that involves accounts moved in this run (or holding a stale DN) against
    the group as it is now, after the moves: with refint the group holds the new DN, without it
    the old one (and slapd's refint renames in the background). A revoke removes whichever it
    holds; an account that stays a member ends up with its new DN only. A stale-looking DN that
    an entry does hold (another object with the same RDN elsewhere) is never removed."""
    dummy, members = _group_members(conn, batch.dn, member_attribute, None)
    present = set(dnlib.normalise(m) for m in members)
    adds, removes = [], []
    for op in ops:
        olds, new, unconfirmed = batch.moved.get(op.person, ([op.dn], op.dn, []))
        unconfirmed = set(dnlib.normalise(d) for d in unconfirmed)
        gone = [old for old in olds if dnlib.normalise(old) in present and dnlib.normalise(old) != dnlib.normalise(new)
                and (dnlib.normalise(old) not in unconfirmed or _base_entry(conn, old, "1.1") is None)]
        removes.extend(gone)
        if op.action == "revoke":
            if dnlib.normalise(new) in present:
                removes.append(new)
        elif dnlib.normalise(new) not in present:
            adds.append(new)
    batch.add, batch.remove = adds, list(dict.fromkeys(removes))


def _apply_batches(pipeline, batches, groups_config, broken):
    """Apply each group's batch; when one fails, retry its members one by one to find the culprit."""
    done, failed = [], []
    config = dict({"member_attribute": "member", "placeholder_member": "cn=nobody", "object_class": "groupOfNames",
                   "name_attribute": "cn"}, **dict((k, v) for k, v in (groups_config or {}).items() if v))
    for batch in batches:
        ops = [op for op in batch.operations if op.person not in broken]
        for op in batch.operations:
            if op.person in broken:
                failed.append({"person": op.person, "action": op.action, "dn": op.dn,
                               "error": "skipped: an earlier operation on this account failed"})
        if not ops:
            continue
        batch.add = [op.dn for op in ops if op.action in ("grant", "relink")]
        batch.remove = [op.dn for op in ops if op.action == "revoke"]
        if batch.moved and not batch.create:
            try:
                _apply_moved_batch(pipeline, batch, ops, config)
                done.extend(ops)
            except TargetError as exc:
                failed.extend({"person": op.person, "action": op.action, "dn": op.dn, "error": str(exc)} for op in ops)
            continue
        try:
            _apply_batch(pipeline, batch, config)
            done.extend(ops)
            continue
        except TargetError as exc:
            if batch.create or len(ops) == 1:
                failed.extend({"person": op.person, "action": op.action, "dn": op.dn, "error": str(exc)} for op in ops)
                continue
        for op in ops:  # isolate: one member per modify
            single = type(batch)(batch.dn)
            single.add = [op.dn] if op.action == "grant" else []
            single.remove = [op.dn] if op.action == "revoke" else []
            try:
                _apply_batch(pipeline, single, config)
                done.append(op)
            except TargetError as exc:
                failed.append({"person": op.person, "action": op.action, "dn": op.dn, "error": str(exc)})
    return done, failed


def ssha(password):
    """An RFC 2307 {SSHA} hash, so a generated password is never stored in clear text."""
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode("utf-8") + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode("ascii")


def _rename_request(dn, new_dn):
    new_parent = dnlib.parent(new_dn)
    superior = new_parent if dnlib.normalise(new_parent) != dnlib.normalise(dnlib.parent(dn)) else None
    return ldap_ber.modify_dn_request(dn, dnlib.first_rdn(new_dn), superior)


def password_attributes(attribute, password, must_change=False):
    """The attributes that set an initial password: AD's unicodePwd is the quoted password in
    UTF-16LE (only accepted over TLS), with pwdLastSet 0 to force a change at first logon; an
    LDAP userPassword is stored as an {SSHA} hash, with ppolicy's pwdReset for a forced change."""
    if attribute.lower() == "unicodepwd":
        values = {attribute: [f'"{password}"'.encode("utf-16-le")]}
        if must_change:
            values["pwdLastSet"] = ["0"]
        return values
    values = {attribute: [ssha(password)]}
    if must_change:
        values["pwdReset"] = ["TRUE"]
    return values


def _first(attributes, name):
    for key, values in attributes.items():
        if key.lower() == name.lower() and values:
            return values[0] if isinstance(values[0], str) else None
    return None


def operation_requests(op, password_attribute="userPassword", password_length=20, must_change=False):
    """The requests of one planned operation, in order: ``[(what, encoded request)]``."""
    if op.action == "create":
        attributes = dict(op.modifications)
        if op.initial_password:
            # Generated here, at write time, so no plan, result or log ever holds it.
            password = op.password or generate_password(password_length, forbidden_tokens(
                _first(attributes, "sAMAccountName"), _first(attributes, "displayName") or _first(attributes, "cn")))
            attributes.update(password_attributes(password_attribute, password, must_change))
        return [("add", ldap_ber.add_request(op.dn, attributes))]
    if op.action == "delete":
        return [("delete", ldap_ber.delete_request(op.dn))]
    if op.action == "container":
        return [("add container", ldap_ber.add_request(op.dn, op.modifications))]
    requests = []
    if op.modifications:
        changes = [("replace", attr, list(values)) for attr, values in op.modifications.items()]
        requests.append(("modify", ldap_ber.modify_request(op.dn, changes)))
    if op.new_dn:
        requests.append(("rename", _rename_request(op.dn, op.new_dn)))
    return requests


def _links_to(op, in_flight):
    """True when ``op`` writes a DN that an unanswered request is still creating or renaming to
    (a new account's manager): the directory may run requests in parallel, AD checks the link."""
    if not in_flight:
        return False
    for values in op.modifications.values():
        for value in values:
            if isinstance(value, str) and "=" in value and dnlib.normalise(value) in in_flight:
                return True
    return False


class _Writer(object):
    """Applies operations through a pipeline; answers are matched back to their operation."""

    def __init__(self, pipeline, anchor_attribute=None):
        self.pipeline = pipeline
        self.done, self.failed, self.broken = [], [], set()
        self.in_flight = set()  # normalised DNs that unanswered creates and renames produce
        self.anchor_attribute = anchor_attribute
        self.existing = []  # (position, op, error) of creates the directory said already exist

    def fail(self, op, error):
        self.failed.append({"person": op.person, "action": op.action, "dn": op.dn, "error": error})
        if op.person is not None:
            self.broken.add(op.person)

    def barrier(self):
        self.pipeline.drain()
        self.in_flight.clear()
        if self.existing:
            self._adopt_existing()

    def _adopt_existing(self):
        """A create that meets an entry already there: another run (another controller) created
        this very person's account a moment ago. Carrying the person's anchor, it is theirs:
        adopted (the next run brings its attributes in line), never a second account. Anything
        else at that DN is a failure."""
        existing, self.existing = self.existing, []
        for position, op, error in existing:
            wanted = [v.lower() for v in op.modifications.get(self.anchor_attribute, ())] if self.anchor_attribute else []
            entry = _base_entry(self.pipeline.wire.conn, op.dn, self.anchor_attribute) if wanted else None
            held = [v.lower() for v in (entry[1].get(self.anchor_attribute.lower(), ()) if entry else ())]
            if wanted and set(wanted) & set(held):
                op.reason += " (the account already existed with this person's anchor: adopted)"
                self.done.append((position, op))
            else:
                self.fail(op, error)

    def write(self, position, op, requests):
        if len(requests) > 1 or _links_to(op, self.in_flight) or \
                (op.action == "container" and dnlib.normalise(dnlib.parent(op.dn)) in self.in_flight):
            self.barrier()  # (a container inside one still being created: slapd runs requests in parallel)
        if len(requests) > 1:  # a modify then a rename of the same entry: one after the other
            for what, request in requests:
                code, diagnostic = self.pipeline.call(request)
                if code != 0:
                    self.fail(op, f"{what}: {ldap_wire.describe(code, diagnostic)}")
                    return
            self.done.append((position, op))
            return
        what, request = requests[0]

        def answered(code, diagnostic):
            if code == 0:
                self.done.append((position, op))
            elif code == 68 and op.action == "create":  # entryAlreadyExists: whose? (at the barrier)
                self.existing.append((position, op, f"{what}: {ldap_wire.describe(code, diagnostic)}"))
            else:
                self.fail(op, f"{what}: {ldap_wire.describe(code, diagnostic)}")
        self.pipeline.submit(request, answered)
        if op.action in ("create", "container"):
            self.in_flight.add(dnlib.normalise(op.dn))


def _delete_tree(writer, position, op, tree_delete):
    """Delete an entry with children: one request with the tree-delete control where the server
    offers it (AD: Exchange's ActiveSync devices under a user), else the children deepest first."""
    pipeline = writer.pipeline
    if tree_delete:
        code, diagnostic = pipeline.call(ldap_ber.delete_request(op.dn), ldap_ber.tree_delete_control())
        if code != 0:
            writer.fail(op, f"tree delete: {ldap_wire.describe(code, diagnostic)}")
            return
        writer.done.append((position, op))
        return
    for child in children_of(pipeline.wire.conn, op.dn):
        code, diagnostic = pipeline.call(ldap_ber.delete_request(child))
        if code not in (0, 32):
            writer.fail(op, f"delete of the child {child}: {ldap_wire.describe(code, diagnostic)}")
            return
    code, diagnostic = pipeline.call(ldap_ber.delete_request(op.dn))
    if code != 0:
        writer.fail(op, f"delete: {ldap_wire.describe(code, diagnostic)}")
        return
    writer.done.append((position, op))


def apply(conn, operations, password_attribute="userPassword", password_length=20, groups_config=None,
          must_change=False, window=32, tree_delete=False, anchor_attribute=None):
    """Apply operations in order, group memberships last in one request per group; returns
    ``(done, failed)``. One failure never stops the others.

    Requests of one kind (all creates, all updates...) are pipelined, ``window`` at a time; every
    kind waits for the previous one to be answered, so the apply order still holds, and an
    account whose earlier operation failed is skipped."""
    if not ldap_wire.available(conn):  # connect() always gives one that is; a caller's may not be
        raise TargetError("writes need a bound, synchronous connection with a simple bind")
    writer = _Writer(ldap_wire.Pipeline(conn, window), anchor_attribute)
    batches, kind = [], None
    try:
        for position, op in enumerate(operations):
            if op.batch is not None:  # memberships: collected, written per group below
                if not any(b is op.batch for b in batches):
                    batches.append(op.batch)
                continue
            if op.action != kind:
                writer.barrier()
                kind = op.action
            if op.person is not None and op.person in writer.broken:
                writer.failed.append({"person": op.person, "action": op.action, "dn": op.dn,
                                      "error": "skipped: an earlier operation on this account failed"})
                continue
            if op.action == "delete" and op.children:
                writer.barrier()
                _delete_tree(writer, position, op, tree_delete)
                continue
            writer.write(position, op, operation_requests(op, password_attribute, password_length, must_change))
        writer.barrier()
        group_done, group_failed = _apply_batches(writer.pipeline, batches, groups_config, writer.broken)
    except ldap_wire.WireError as exc:
        return _after_lost_connection(operations, writer, exc)
    done = [op for dummy, op in sorted(writer.done, key=lambda item: item[0])]
    return done + group_done, writer.failed + group_failed


LOST = "connection lost"


def _after_lost_connection(operations, writer, exc):
    """``(done, failed)`` when the connection dies mid-apply: what was answered is reported as it
    was; every other operation is a failure that says the connection was lost and that the next
    run converges (an unanswered write may or may not have been applied: the next run reads the
    directory again and plans from what is there)."""
    done = [op for dummy, op in sorted(writer.done, key=lambda item: item[0])]
    answered = set(id(op) for op in done)
    failed_keys = set((f["person"], f["action"], f["dn"]) for f in writer.failed)
    failed = list(writer.failed)
    for op in operations:
        if id(op) in answered or (op.person, op.action, op.dn) in failed_keys:
            continue
        failed.append({"person": op.person, "action": op.action, "dn": op.dn,
                       "error": f"{LOST} before this operation was answered ({exc}): it may or may not have been applied; the next run converges"})
    return done, failed
