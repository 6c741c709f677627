# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Plan: vault persons + current accounts + configuration + date -> ordered operations.

Pure: no I/O, no clock. The same plan is returned by check mode and applied by a real run, so
the evaluation is exactly what the run does. Two passes: the first fixes every account's final
DN (joiners are named here), so the second can resolve ``manager_dn`` even for a manager created
in the same run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import datetime
import gc
from typing import Dict, Iterable, List, Optional, Sequence, Set

from ansible_collections.jml.provisioning.plugins.module_utils.provision import dn as dnlib
from ansible_collections.jml.provisioning.plugins.module_utils.provision import lifecycle
from ansible_collections.jml.provisioning.plugins.module_utils.provision import _memberships as memberships
from ansible_collections.jml.provisioning.plugins.module_utils import limits as limitslib
from ansible_collections.jml.provisioning.plugins.module_utils.provision import rules as ruleslib
from ansible_collections.jml.provisioning.plugins.module_utils.provision.correlation import Account, Correlation, correlate, person_value
from ansible_collections.jml.provisioning.plugins.module_utils.expressions.expression import ExpressionError, make_scope
from ansible_collections.jml.provisioning.plugins.module_utils.records import SLOTS
from ansible_collections.jml.provisioning.plugins.module_utils.provision.shared_values import SharedValues
from ansible_collections.jml.provisioning.plugins.module_utils.provision._naming import NameRegistry, NamingError, allocate, unique_key

ACTION_ORDER = ("create", "enable", "move", "update", "disable", "delete", "grant", "revoke")
# Lifecycle events some disables and enables are (leave): counted apart as well, within disable/enable.
EVENT_COUNTS = {"suspended": "suspend", "resumed": "resume"}
SUMMARY_KEYS = ACTION_ORDER + ("unchanged", "failed") + tuple(EVENT_COUNTS.values())
THRESHOLD_ACTIONS = ACTION_ORDER + tuple(EVENT_COUNTS.values())
# The order writes are applied in: every account is at its final DN before any create or update
# writes a DN-valued attribute (a manager), which Active Directory checks; memberships last.
APPLY_ORDER = ("container", "enable", "move", "disable", "create", "update", "delete", "grant", "revoke", "relink")


@dataclass(init=False, eq=False, **SLOTS)  # identity tells two operations apart (pre-flight by id)
class Operation:
    """One write. ``changes``: attribute -> [before, after] for humans; ``modifications``:
    attribute -> the new values ([] deletes; a create's are tuples, shared between creates: see
    shared_values.py) for the directory; ``new_dn`` for renames."""

    action: str                  # an ACTION_ORDER entry, or "container"
    person: Optional[str]        # the vault person's id (None for a group's or container's write)
    dn: str
    reason: str
    _changes: Optional[dict]
    modifications: Dict[str, Sequence[str]]
    new_dn: Optional[str]
    initial_password: bool
    group: Optional[str]         # grant/revoke: the group's DN
    batch: Optional[object]      # grant/revoke: the memberships.GroupBatch applied as one modify per group
    password: Optional[str]      # a configured initial password: never in as_dict, changes or diffs
    guid: Optional[str]          # the account's objectGUID (AD), for the audit trail
    children: int                # delete: objects under the entry (the pre-flight counts them), deleted with it
    event: Optional[str]         # disable/enable for a leave: "suspended" or "resumed" (alerts, counts)
    rules: tuple                 # grant: the rules that grant it; revoke: the rules that named the group
    outcome: Optional[str]       # set by a real run (reconcile.run): applied, failed or unknown; None: not run
    error: Optional[str]         # why it failed (outcome failed or unknown)
    assigned_id: Optional[str]   # create: the id the target gave the new entry (SCIM's id), for the audit trail
    member_attribute: Optional[str]  # grant/revoke: the group's member attribute, to derive ``changes``

    def __init__(self, action, person, dn, reason, changes=None, modifications=None, new_dn=None,
                 initial_password=False, group=None, batch=None, event=None):
        self.action, self.person, self.dn, self.reason = action, person, dn, reason
        self._changes = changes
        self.modifications = modifications or {}
        self.new_dn = new_dn
        self.initial_password = initial_password
        self.group = group
        self.batch = batch
        self.password = None
        self.guid = None
        self.children = 0
        self.event = event
        self.rules = ()
        self.outcome = None
        self.error = None
        self.assigned_id = None
        self.member_attribute = None

    @property
    def changes(self):
        """attribute -> [before, after]. A create's are its attributes and a grant's or revoke's its
        member value, derived when asked: held for every joiner of a first run they cost more memory
        than the entries themselves (a grant's shown change: 34 MiB of 88k grants at 100k)."""
        if self._changes is None:
            if self.action == "create":
                return {a: [None, v[0] if len(v) == 1 else _shown(v)]  # most values: one, inlined
                        for a, v in self.modifications.items() if a != "objectClass"}
            if self.member_attribute is not None:
                pair = [None, self.dn] if self.action == "grant" else [self.dn, None]
                return {self.member_attribute + " of " + self.group: pair}
            return {}
        return self._changes

    @property
    def placed_dn(self):
        """The DN an account operation puts an entry at (a create's, a move's new one), or None."""
        if self.batch is not None:
            return None
        return self.dn if self.action == "create" else self.new_dn

    def as_dict(self) -> dict:
        out = {"action": self.action, "person": self.person, "dn": self.dn, "changes": self.changes,
               "reason": self.reason}
        if self.new_dn:
            out["new_dn"] = self.new_dn
        if self.group:
            out["group"] = self.group
        if self.guid:
            out["guid"] = self.guid
        if self.children:
            out["children"] = self.children
        if self.event:
            out["event"] = self.event
        return out


# ``build(taken_names=NAMES_UNKNOWN)``: the caller has not read the directory's names yet. The
# planner never calls out for them: a plan that needs them stops early with ``names_needed``, and
# the caller reads them in one bulk look-up and plans again (reconcile does; a no-op never needs them).
NAMES_UNKNOWN = object()


class _NamesNeeded(Exception):
    """Raised inside the planner at the first new or renamed login; ``build`` turns it into data."""


@dataclass(eq=False, **SLOTS)
class Plan:
    operations: List[Operation] = field(default_factory=list)
    unchanged: int = 0
    unchanged_ids: List[str] = field(default_factory=list)  # whose accounts needed nothing (incremental cycles)
    correlation: Optional[Correlation] = None
    problems: List[dict] = field(default_factory=list)  # {person, action, dn, error}: could not even be planned
    managed: int = 0     # existing accounts this run manages (base of percentage thresholds)
    rules: Dict[str, dict] = field(default_factory=dict)  # rule name -> {gain: [person ids], lose: [person ids]}
    names_needed: bool = False  # planned without the directory's names, and a login needs them
    # Pass 1's placements of every person (named by ``only`` or not), so the directory's answers
    # between passes are asked for the whole population and a limited run names people as a full one:
    joiners: List[str] = field(default_factory=list)     # person ids placed for a new account
    placements: Set[str] = field(default_factory=set)   # normalised DNs pass 1 creates or renames to
    # With ``only``: ids that are neither a vault person nor the anchor of an account that left
    # the vault (the run refuses them before any write), and links left unset (see ``_Planner``).
    only_unknown: List[str] = field(default_factory=list)
    unset_links: List[dict] = field(default_factory=list)  # {person, manager}
    suspended: List[str] = field(default_factory=list)  # person ids on leave with an account (kept, disabled)

    def counts(self) -> Dict[str, int]:
        summary = dict((key, 0) for key in SUMMARY_KEYS)
        for op in self.operations:
            summary[op.action] = summary.get(op.action, 0) + 1  # "container" only when some are created
            if op.event:
                summary[EVENT_COUNTS[op.event]] += 1
        summary["unchanged"] = self.unchanged
        summary["failed"] = len(self.problems)
        return summary


class OwnedValues(object):
    """Which values of a multi-valued attribute a mapping owns: those matching ``patterns`` (and
    those it maps); every other value is another system's and is kept. ``keep_replaced``: an
    Expression over ``value`` giving what a replaced owned value stays as (or None: removed)."""

    __slots__ = ("patterns", "keep_replaced")

    def __init__(self, patterns, keep_replaced=None):
        self.patterns, self.keep_replaced = list(patterns), keep_replaced

    def owns(self, value):
        return any(pattern.search(value) for pattern in self.patterns)

    def merge(self, attribute, current, mapped):
        """The values to write: the mapped ones, the co-owners' ones, and replaced owned values as
        ``keep_replaced`` makes them - never two values that name the same thing (AD compares
        proxyAddresses without case: ``SMTP:a@x`` and ``smtp:a@x`` cannot both be there)."""
        result = list(mapped)
        keys = set(unique_key(attribute, v) for v in mapped)
        for value in current:
            key = unique_key(attribute, value)
            if key in keys:
                continue  # mapped (maybe in another case or as the new primary): the mapping decides
            if self.owns(value):
                if self.keep_replaced is None:
                    continue
                value = _text(self.keep_replaced.evaluate(make_scope(value=value)))
                key = unique_key(attribute, value)
                if not value or key in keys:
                    continue
            result.append(value)
            keys.add(key)
        return result


class TargetConfig(object):
    """What ``build`` needs to know about one target, compiled once per run.

    ``attributes``: attribute -> Expression; ``anchors``: [(person field, attribute)];
    ``disable_strategy``: subset of {"lock", "uac", "move"}; ``switch``: the flavour's account switch
    (see ``flavours``) for lock or uac; ``container``: Expression or None.
    """

    def __init__(self, accounts_dn, attributes, username_attribute, username_policy, anchors,
                 object_classes=("inetOrgPerson",), container=None, create_only=(), dn_attributes=("manager",),
                 unique_attributes=None, disable_strategy=("lock",), disabled_dn=None, switch=None, policy=None,
                 delete_accounts=False, vanished="disable", exclude=None, initial_password=False,
                 rename_usernames=False, rules=None, placeholder_member="cn=nobody", create_missing_groups=False,
                 revoke_on_disable=True, member_attribute="member", rdn_attribute=None, rdn_value=None,
                 integer_never_attributes=(), password_value=None, group_lookup=None, group_lookup_base=None,
                 groups_base=None, group_name_attribute="cn", group_attributes=None, limits=None, owned_values=None,
                 adopt_outside=False, create_containers=False, audit_id_attribute="", members_follow_renames=False,
                 decisions=None, suspend_revokes_groups=False):
        self.accounts_dn = accounts_dn
        self.attributes = attributes
        self.username_attribute = username_attribute
        self.username_policy = username_policy
        self.anchors = anchors
        self.object_classes = tuple(object_classes)  # every create's, shared
        self.container = container
        self.create_only = set(a.lower() for a in create_only)
        self.dn_attributes = set(a.lower() for a in dn_attributes)
        self.unique_attributes = list(unique_attributes or [username_attribute])
        self.disable_strategy = set(disable_strategy)
        self.disabled_dn = disabled_dn
        # How an account is disabled and enabled in place (the target flavour's: a lock attribute,
        # AD's userAccountControl bit), or None when disabling only moves it (``move``).
        self.switch = switch
        self.policy = policy or lifecycle.Policy()
        self.delete_accounts = delete_accounts
        self.vanished = vanished
        self.exclude = exclude
        self.initial_password = initial_password
        self.rename_usernames = rename_usernames
        # A RuleSet keeps its guard index: rebuilt per person it cost more than the rules themselves.
        self.rules = rules if isinstance(rules, ruleslib.RuleSet) else ruleslib.RuleSet(list(rules or []))
        self.rule_attributes = ruleslib.managed_attributes(self.rules)
        self.placeholder_member = placeholder_member
        self.create_missing_groups = create_missing_groups
        self.revoke_on_disable = revoke_on_disable
        self.suspend_revokes_groups = suspend_revokes_groups  # lifecycle.suspend.revoke_groups
        self.member_attribute = member_attribute
        # The RDN: by default the username (uid=jan.jansen); AD names users CN=<display name>.
        self.rdn_attribute = rdn_attribute or username_attribute
        self.rdn_value = rdn_value  # Expression or None (None: the username)
        # Integer attributes where 0 and 0x7FFFFFFFFFFFFFFF both mean "never" (AD accountExpires).
        self.integer_never_attributes = set(a.lower() for a in integer_never_attributes)
        self.password_value = password_value  # Expression of a configured initial password, or None
        # Groups the rules name by a looked-up attribute (AD: sAMAccountName), searched under
        # group_lookup_base; groups created under groups_base as <group_name_attribute>=<name>.
        self.group_lookup, self.group_lookup_base = group_lookup, group_lookup_base
        self.groups_base, self.group_name_attribute = groups_base, group_name_attribute
        self.group_attributes = dict(group_attributes or {})  # more attributes of a created group (AD: groupType)
        # attribute (lower case) -> longest value the directory takes (flavours.AD_LIMITS)
        self.limits = dict((a.lower(), n) for a, n in (limits or {}).items())
        # lower attribute -> OwnedValues: the values of it this mapping owns (others are kept)
        self.owned_values = dict(owned_values or {})
        self.adopt_outside = adopt_outside  # an account outside the scope with a joiner's anchor
        self.create_containers = create_containers  # a missing OU is created, not a predicted failure
        self.audit_id_attribute = audit_id_attribute  # AD: objectGUID, recorded in the actions
        # Groups hold members by an identifier a rename keeps (SCIM's id): a move needs no relink.
        self.members_follow_renames = members_follow_renames
        self.decisions = decisions  # decisions.Decisions (reviewed links, ignores, never_links) or None
        # ledger.Reservations: identifiers the ledger keeps for their owners (read by the shell), or None
        self.reservations = None
        mapped = set(a.lower() for a in attributes)
        both = sorted(a for a in self.rule_attributes if a in mapped)
        if both:
            raise ValueError(f"attributes {', '.join(both)} are both mapped and granted by rules: give each one owner")
        if "move" in self.disable_strategy and not disabled_dn:
            raise ValueError("disable strategy 'move' needs disabled_dn")

    def read_attributes(self) -> List[str]:
        """Attributes a reconcile must read: nothing more (cost grows with every attribute)."""
        names = ({self.username_attribute} | set(self.attributes) | set(anchor[1] for anchor in self.anchors)
                 | set(self.rule_attributes.values()))
        if self.switch is not None:
            names.update(self.switch.attributes)
        if self.audit_id_attribute:
            names.add(self.audit_id_attribute)
        return sorted(names, key=str.lower)


def as_values(value) -> List[str]:
    """An expression's result as LDAP values: None, '' and [] mean 'no value'."""
    if type(value) is str:  # pylint: disable=unidiomatic-typecheck
        # Most values (10 a person): plain text, _text's bool and date checks not needed.
        stripped = value.strip()
        if not stripped.endswith("\\"):  # else an escaped trailing space may stay: dnlib.strip
            return [stripped] if stripped else []
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        return [v for v in (_text(x) for x in value) if v != ""]
    text = _text(value)
    return [text] if text != "" else []


def _text(value):
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return dnlib.strip(str(value)) if value is not None else ""  # a DN's escaped trailing space stays


def _same(attribute, current, desired, dn_attributes, never_attributes=()):
    if attribute.lower() in never_attributes:
        return [_never(v) for v in current] == [_never(v) for v in desired]
    if attribute.lower() in dn_attributes:
        return sorted(map(dnlib.normalise, current)) == sorted(map(dnlib.normalise, desired))
    if len(current) <= 1 and len(desired) <= 1:
        return current == desired
    return sorted(current) == sorted(desired)


_NEVER = "9223372036854775807"


def _never(value):
    """0 and 0x7FFFFFFFFFFFFFFF both mean "never" (AD accountExpires); other values as integers."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return value
    return _NEVER if number in (0, int(_NEVER)) else str(number)


def _numbered(current, wanted, limit=None):
    """True for ``Jan Jansen (2)`` when ``Jan Jansen`` is wanted: a name kept from an earlier clash
    (cut to ``limit`` with its number, when the name is that long)."""
    head, dummy, tail = current.rpartition(" (")
    if not (tail.endswith(")") and tail[:-1].isdigit()):
        return False
    return current.lower() == _numbered_name(wanted, int(tail[:-1]), limit).lower()


def _numbered_name(wanted, n, limit=None):
    """``Jan Jansen``, ``Jan Jansen (2)``...: cut (deterministically) so that the number fits
    within ``limit`` characters, so every try differs (AD refuses a cn over 64)."""
    suffix = "" if n == 1 else " (%d)" % n
    if limit is not None and len(wanted) + len(suffix) > limit:
        wanted = wanted[:max(limit - len(suffix), 1)].rstrip()
    return wanted + suffix


def _shown(values):
    if not values:
        return None
    return values[0] if len(values) == 1 else list(values)


def _account_view(account):
    """The ``account`` name in expressions: attributes with one value as a scalar."""
    if account is None:
        return {}
    return {k: v[0] if len(v) == 1 else list(v) for k, v in account.attrs.items()}


def _reads_account(config):
    """Whether an expression that places a person (exclude, container, RDN, login candidates and
    the mappings of unique attributes) reads ``account``; an unknown kind of expression may."""
    candidates = getattr(config.username_policy, "candidates", None) or []
    expressions = [config.exclude, config.container, config.rdn_value] + list(candidates) + list(config.attributes.values())
    return any(not hasattr(e, "reads") or e.reads("account") for e in expressions if e is not None)


class _Planner(object):
    def __init__(self, persons, accounts, config, today, taken_names, groups=None, held_dns=(), outside=(),
                 only=None):
        self.persons = persons
        # ``only``: the person ids (and leavers' anchor values) whose operations this run keeps;
        # None: everyone. Pass 1 places everyone all the same (see ``build``).
        self.only = None if only is None else frozenset(only)
        self.only_folded = None if only is None else frozenset(v.lower() for v in only)
        self.accounts = list(accounts) + list(outside) if config.adopt_outside else accounts
        self.outside = () if config.adopt_outside else outside
        self.config = config
        self.today = today
        self.today_text = today.isoformat()
        self._taken_names = taken_names
        self._registry = None
        self.plan = Plan()
        self.final_dn = {}      # person id -> DN after this run
        self.link_dn = self.final_dn  # person id -> DN a link to them names (see ``links_after_this_run``)
        self.entries = []       # (pid, person, status, account or None, username, target dn)
        self.groups = groups or {}  # normalised group DN -> {dn, exists, members}
        self.managed_accounts = {}  # person id -> (current DN or None, DN after this run)
        self.entitled = {}          # person id -> rules.Entitlements
        self.shared_entitlements = {}  # rule names -> the Entitlements of those rules (no attributes)
        self.suspended = set()      # person ids whose entitlements a suspension withdraws
        self.shared_values = SharedValues()  # creates' attribute values, one tuple per repeated value
        # RDN uniqueness per container: the managed accounts, and the DNs other objects hold there
        self.taken_dns = set(dnlib.normalise(a.dn) for a in accounts) | set(dnlib.normalise(d) for d in held_dns)
        self.last_view = (None, None)  # (account, its expression view)
        # Placing sees the account only when an expression it evaluates reads ``account``; else its
        # view is built once, by the reconcile (0.023 s of ~0.6 s at 10k: building it twice).
        self.place_reads_account = _reads_account(config)
        # Attributes an update never writes: set on create only, and the login when it is the RDN
        # (renamed by a modrdn, not written); AD's sAMAccountName is written when it is renamed.
        self.not_updated = set(config.create_only)
        if config.username_attribute.lower() == config.rdn_attribute.lower() or not config.rename_usernames:
            self.not_updated.add(config.username_attribute.lower())

    @property
    def registry(self):
        # Reading every name in the directory is only worth it when someone needs a new one.
        if self._registry is None:
            if self._taken_names is NAMES_UNKNOWN:
                raise _NamesNeeded()
            self._registry = NameRegistry(self._taken_names, self.config.reservations)
        return self._registry

    def view(self, account):
        """``_account_view``, kept for the last account asked: desired and the rules ask for the
        same one in turn (kept for every account, the views cost ~90 MB at 100k)."""
        if account is None:
            return {}
        if self.last_view[0] is not account:
            self.last_view = (account, _account_view(account))
        return self.last_view[1]

    def scope(self, person, status, account=None, username=None):
        # One make_scope per person and step (Jinja's globals merged once), for .evaluate(scope).
        return make_scope(person=person, contract=status.primary if status else None,
                          contracts=person.get("contracts") or [], account=self.view(account),
                          today=self.today_text, username=username, state=status.state if status else None,
                          employment=status.employment if status else None)

    def problem(self, pid, action, dn, error):
        self.plan.problems.append({"person": pid, "action": action, "dn": dn, "error": str(error)})

    def container_for(self, scope, enabled):
        config = self.config
        if not enabled and "move" in config.disable_strategy:
            return config.disabled_dn
        if config.container is not None:
            value = config.container.evaluate(scope)
            if value:
                return str(value)
        return config.accounts_dn

    def current_or_renamed(self, account, scope, pid=None):
        """An existing account keeps its login name, unless renaming is configured and the
        candidates now give another one (e.g. after a name change)."""
        username = account.first(self.config.username_attribute) or dnlib.rdn_value(account.dn)
        if not self.config.rename_usernames:
            return username
        own = dict((a, account.values(a)) for a in self.config.unique_attributes)
        renamed = allocate(self.config.username_policy, dict(scope, username=username), self.registry,
                           self.derived_names(scope), own=own, person=pid)
        return renamed

    def target_dn(self, scope, username, container, account):
        """The account's DN after this run. With an RDN expression (AD: the display name) the
        value must be unique in its container: ``Jan Jansen``, ``Jan Jansen (2)``..."""
        config = self.config
        if config.rdn_value is None:
            attribute = dnlib.first_rdn(account.dn).partition("=")[0] if account else config.username_attribute
            return dnlib.build(attribute, username, container)
        wanted = _text(config.rdn_value.evaluate(dict(scope, username=username))) or username
        limit = config.limits.get(config.rdn_attribute.lower())
        if account is not None:
            current = dnlib.rdn_value(account.dn)
            same_place = dnlib.normalise(dnlib.parent(account.dn)) == dnlib.normalise(container)
            first = _numbered_name(wanted, 1, limit)
            if same_place and current == first:
                return account.dn
            if same_place and current.lower() == first.lower():
                # 'de Vries' -> 'De Vries': the same name to the directory, renamed all the same
                return dnlib.build(config.rdn_attribute, first, container)
            if same_place and _numbered(current, wanted, limit):
                return account.dn  # keeps its name, also when it carries a number from an earlier clash
        for n in range(1, 1000):
            value = _numbered_name(wanted, n, limit)
            candidate = dnlib.build(config.rdn_attribute, value, container)
            key = dnlib.normalise(candidate)
            if key not in self.taken_dns and (account is None or key != dnlib.normalise(account.dn)):
                self.taken_dns.add(key)
                return candidate
            if account is not None and key == dnlib.normalise(account.dn):
                return account.dn
        raise NamingError(f"no free {config.rdn_attribute} for {wanted!r} in {container}")

    def derived_names(self, scope):
        config = self.config
        mapped = dict((name.lower(), expression) for name, expression in config.attributes.items())

        def derived(name):
            values = {config.username_attribute: name}
            local = dict(scope, username=name)
            for attribute in config.unique_attributes:
                expression = mapped.get(attribute.lower())
                if attribute.lower() != config.username_attribute.lower() and expression is not None:
                    # A list for multi-valued attributes (proxyAddresses): each value must be free.
                    values[attribute] = as_values(expression.evaluate(local))
            return values
        return derived

    # Pass 1: who has an account after this run, and where.
    def place(self):
        config = self.config
        correlation = correlate(self.persons, self.accounts, config.anchors, self.outside, config.decisions)
        self.plan.correlation = correlation
        self.plan.managed = len(correlation.matched) + len(correlation.vanished)
        if self.only is not None:
            self.plan.only_unknown = self.unknown_named(correlation)
        for pid in sorted(self.persons):
            person = self.persons[pid]
            if pid in correlation.conflicted_persons:
                continue  # reported in correlation.conflicts; guessing could give a second account
            if pid in correlation.never_linked:
                continue  # a never_link decision: no account on this target, whatever the lifecycle says
            account = correlation.matched.get(pid)
            status = lifecycle.evaluate(person, self.today, config.policy)
            scope = self.scope(person, status, account if self.place_reads_account else None)
            try:
                if config.exclude is not None and config.exclude.test(scope):
                    continue
                if account is not None:
                    username = self.current_or_renamed(account, scope, pid)
                    scope["username"] = username
                    if status.state == lifecycle.DELETE:
                        if config.delete_accounts:
                            self.entries.append((pid, person, status, account, username, None))
                        continue  # deletion off: the account is no longer managed
                    enabled = status.enabled
                    target = self.target_dn(scope, username, self.container_for(scope, enabled), account)
                elif status.wants_account:
                    username = allocate(config.username_policy, scope, self.registry, self.derived_names(scope),
                                        person=pid)
                    scope["username"] = username
                    target = self.target_dn(scope, username, self.container_for(scope, status.enabled), None)
                else:
                    continue
            except (ExpressionError, NamingError) as exc:
                self.problem(pid, "create" if account is None else "update", account.dn if account else None, exc)
                continue
            self.final_dn[pid] = target
            self.entries.append((pid, person, status, account, username, target))
            if status.state == lifecycle.SUSPENDED:
                self.plan.suspended.append(pid)
            if account is None:
                self.plan.joiners.append(pid)
                self.plan.placements.add(dnlib.normalise(target))
            elif dnlib.normalise(target) != dnlib.normalise(account.dn):
                self.plan.placements.add(dnlib.normalise(target))

    def named(self, pid):
        """Whether this run keeps ``pid``'s operations (a person id, or a leaver's anchor value)."""
        return self.only is None or pid in self.only or (pid is not None and pid.lower() in self.only_folded)

    def unknown_named(self, correlation):
        """The ids in ``only`` that name nobody: neither a vault person nor the first-anchor value
        of an account whose person left the vault (a leaver is named by it: their ``person``)."""
        attribute = self.config.anchors[0][1] if self.config.anchors else None
        left = set()
        for account in correlation.vanished:
            left.update(v.lower() for v in account.values(attribute))
        return sorted(pid for pid in self.only if pid not in self.persons and pid.lower() not in left)

    def links_after_this_run(self):
        """With ``only``, a link (``manager_dn``) names the DN its account has after *this* run:
        a person who is not named keeps their current DN (their move is not made), and one whose
        account this run does not create gives no link - never a DN no entry will hold. A later
        run that names them (or a full run) sets the link; ``plan.unset_links`` says which."""
        if self.only is None:
            return
        self.link_dn = dict(self.final_dn)
        for pid, person, status, account, username, target in self.entries:
            if self.named(pid):
                continue
            if account is not None:
                self.link_dn[pid] = account.dn
            else:
                self.link_dn.pop(pid, None)

    # Pass 2: what to write for each of them.
    def reconcile(self):
        self.links_after_this_run()
        # Placing is done: the names and DNs it kept taken are not the plan's, and each entry is let
        # go once its operations are planned (a first provisioning at 100k: the planner's own state
        # was ~120 MiB of the peak, beside the vault and the plan).
        self._registry = self.taken_dns = None
        entries, self.entries = self.entries, None
        entries.reverse()
        while entries:
            pid, person, status, account, username, target = entries.pop()
            if not self.named(pid):
                continue  # placed (its names and DN are taken as in a full run), not written
            try:
                if account is None:
                    self.create(pid, person, status, username, target)
                elif target is None:
                    self.plan.operations.append(Operation("delete", pid, account.dn, status.reason))
                else:
                    self.update(pid, person, status, account, username, target)
            except ExpressionError as exc:
                self.problem(pid, "create" if account is None else "update", account.dn if account else target, exc)
        if self.config.vanished == "disable":
            for account in self.plan.correlation.vanished:
                if self.named(account.first(self.config.anchors[0][1])):
                    self.vanished(account)
        if self.config.rules:
            self.memberships()
        if self.only is not None:  # a person who is not named is not judged: neither are their problems
            self.plan.problems = [p for p in self.plan.problems if p.get("person") is None or self.named(p["person"])]

    def entitlements(self, pid, person, status, account, username):
        """The rules' groups and attribute values for one person (none for leavers, when configured)."""
        if (self.config.revoke_on_disable and status.state in (lifecycle.LEAVER, lifecycle.DELETE)) or (
                self.config.suspend_revokes_groups and status.state == lifecycle.SUSPENDED):
            granted = ruleslib.Entitlements()
            if status.state == lifecycle.SUSPENDED:
                self.suspended.add(pid)
        else:
            view = self.view(account)
            granted = ruleslib.entitlements(self.config.rules, ruleslib.rules_scope(person, status, view,
                                                                                    self.today_text), self.today)
            if not granted.attributes:  # then its rules say it all: one object per rule set, never
                granted = self.shared_entitlements.setdefault(tuple(granted.rules), granted)  # changed
        self.entitled[pid] = granted
        return granted

    def memberships(self):
        config = self.config
        changes, batches, report, problems = memberships.plan(
            self.managed_accounts, self.entitled, self.groups, config.rules, config.placeholder_member,
            config.create_missing_groups, rdn_is_login=config.rdn_value is None
            and config.rdn_attribute.lower() == config.username_attribute.lower(),
            members_follow=config.members_follow_renames)
        self.plan.rules = report
        self.plan.problems.extend(problems)
        for batch in batches:
            if batch.create:
                batch.attributes = memberships.new_group_attributes(batch.dn, config.group_lookup, config.group_attributes)
        rule_sets, reasons = {}, {}
        for change in changes:
            if change.kind == "relink":
                olds = change.batch.moved[change.person][0]
                op = Operation("relink", change.person, change.account_dn, "still a member: the member DN follows the account",
                               {config.member_attribute + " of " + change.group: [_shown(olds), change.account_dn]},
                               group=change.group, batch=change.batch)
                change.batch.operations.append(op)
                self.plan.operations.append(op)
                continue
            rules = tuple(change.rules or ())
            rules = rule_sets.setdefault(rules, rules)  # one tuple and one text per rule set: 88k
            if change.kind == "grant":                  # grants at 100k, a few hundred sets
                reason = reasons.get(rules)
                if reason is None:
                    reason = reasons[rules] = f"rule {', '.join(rules)}" if rules else "rule"
            else:
                why = " (suspended)" if change.person in self.suspended else " (leaver)"
                reason = "no rule grants it any more" + (why if not self.entitled[change.person].rules
                                                         and change.person in self.entitled else "")
            op = Operation(change.kind, change.person, change.account_dn, reason, group=change.group,
                           batch=change.batch)
            op.member_attribute = config.member_attribute  # its shown change, derived (Operation.changes)
            op.rules = rules
            change.batch.operations.append(op)
            self.plan.operations.append(op)

    def desired(self, person, status, account, username):
        config = self.config
        scope = self.scope(person, status, account, username)
        manager = person.get("manager")
        scope["manager_dn"] = self.link_dn.get(manager) if manager else None
        if manager and self.only is not None and scope["manager_dn"] is None and manager in self.final_dn:
            self.plan.unset_links.append({"person": person.get("id"), "manager": manager})
        values = {}
        for attribute, expression in config.attributes.items():
            values[attribute] = as_values(expression.evaluate(scope))
        for path, attribute in config.anchors[:1]:
            anchor = person_value(person, path)
            if anchor is not None:
                values[attribute] = [anchor]
        values[config.username_attribute] = [username]
        if config.rules:
            pid = person.get("id")
            granted = self.entitlements(pid, person, status, account, username)
            for attribute in config.rule_attributes.values():
                values[attribute] = list(granted.attributes.get(attribute, []))
        return values

    def lock_changes(self, account, enabled):
        """Modifications that reach ``enabled`` in place: the target's account switch (a lock
        attribute, AD's userAccountControl bit); none when disabling only moves (``move``)."""
        if self.config.switch is None:
            return {}, {}
        return self.config.switch.switch(account, enabled)

    def create(self, pid, person, status, username, target):
        config = self.config
        self.managed_accounts[pid] = (None, target)
        values = self.desired(person, status, None, username)
        freeze = self.shared_values.freeze  # held until the run ends: one tuple per repeated value
        attributes = {a: freeze(a, v) for a, v in values.items() if v}
        attributes["objectClass"] = config.object_classes
        if config.switch is not None:
            attributes.update(config.switch.on_create(status.enabled))
        if config.rdn_value is not None:
            attributes[config.rdn_attribute] = (dnlib.rdn_value(target),)
        op = Operation("create", pid, target, status.reason, None, attributes,
                       initial_password=config.initial_password or config.password_value is not None)
        if config.password_value is not None:
            op.password = _text(config.password_value.evaluate(self.scope(person, status, None, username))) or None
        self.plan.operations.append(op)

    def update(self, pid, person, status, account, username, target):
        config = self.config
        self.managed_accounts[pid] = (account.dn, target)
        enabled = status.enabled
        ops = []
        lock_shown, lock_mods = self.lock_changes(account, enabled)
        moved = dnlib.normalise(target) != dnlib.normalise(account.dn) or (
            target != account.dn and dnlib.rdn_value(target) != dnlib.rdn_value(account.dn))  # a case-only rename
        was_enabled = not ((config.switch is not None and config.switch.is_disabled(account)) or
                           ("move" in config.disable_strategy and dnlib.is_under(account.dn, config.disabled_dn)))
        current_dn = account.dn
        if enabled and (lock_mods or (moved and not was_enabled)):
            ops.append(Operation("enable", pid, current_dn, status.returned or status.reason, lock_shown, lock_mods,
                                 new_dn=target if moved else None, event="resumed" if status.returned else None))
            current_dn, moved = target, False
        elif moved and (enabled or not was_enabled):
            renamed = dnlib.rdn_value(target) != dnlib.rdn_value(account.dn)
            why = "rename: the login name follows the name" if renamed else f"mover: {status.reason}"
            ops.append(Operation("move", pid, current_dn, why, new_dn=target))
            current_dn, moved = target, False
        values = self.desired(person, status, account, username)
        changes, modifications = {}, {}
        attrs, skip = account.attrs, self.not_updated
        for attribute, desired in values.items():
            key = attribute.lower()
            if key in skip:
                continue
            # A link to an account this run moves is written too, after the move: the directory may
            # not follow the rename (slapd's refint runs in the background and loses the link when
            # the linking entry is renamed at the same time; many directories have no refint).
            current = attrs.get(key) or []
            owned = config.owned_values.get(key)
            if owned is not None and current:
                desired = owned.merge(attribute, current, desired)
            if current == desired:  # the common case, before the comparisons by attribute kind
                continue
            if not _same(attribute, current, desired, config.dn_attributes, config.integer_never_attributes):
                changes[attribute] = [_shown(current), _shown(desired)]
                modifications[attribute] = desired
        if not enabled and (lock_mods or moved):
            ops.append(Operation("disable", pid, current_dn, status.reason, lock_shown, lock_mods, new_dn=target if moved else None,
                                 event="suspended" if status.state == lifecycle.SUSPENDED else None))
            current_dn = target
        if modifications:
            ops.append(Operation("update", pid, current_dn, status.reason, changes, modifications))
        if ops:
            if config.audit_id_attribute:
                for op in ops:
                    op.guid = account.first(config.audit_id_attribute)
            self.plan.operations.extend(ops)
        else:
            self.plan.unchanged += 1
            self.plan.unchanged_ids.append(pid)

    def vanished(self, account):
        config = self.config
        lock_shown, lock_mods = self.lock_changes(account, False)
        new_dn = None
        if "move" in config.disable_strategy and not dnlib.is_under(account.dn, config.disabled_dn):
            new_dn = dnlib.build(dnlib.first_rdn(account.dn).partition("=")[0], dnlib.rdn_value(account.dn),
                                 config.disabled_dn)
        pid = account.first(config.anchors[0][1])
        if config.rules and config.revoke_on_disable:
            self.managed_accounts[pid] = (account.dn, new_dn or account.dn)
            self.entitled[pid] = ruleslib.Entitlements()
        if lock_mods or new_dn:
            self.plan.operations.append(Operation("disable", pid, account.dn, "leaver: no longer in the vault",
                                                  lock_shown, lock_mods, new_dn=new_dn))
        else:
            self.plan.unchanged += 1
            self.plan.unchanged_ids.append(pid)


def build(persons: Dict[str, dict], accounts: List[Account], config: TargetConfig, today: datetime.date,
          taken_names=None, groups: Optional[Dict[str, dict]] = None, held_dns: Iterable[str] = (),
          outside: Iterable[Account] = (), only: Optional[Iterable[str]] = None) -> Plan:
    """The complete, ordered plan for one target.

    ``persons``: vault persons (id -> person); ``accounts``: the managed scope as ``Account``
    objects; ``today``: a ``datetime.date``; ``taken_names``: attribute -> values already used
    anywhere in the directory (for unique usernames), or ``NAMES_UNKNOWN``: then a plan that
    needs them (a joiner, a renamed login) is returned at once, empty, with ``names_needed``
    set, for the caller to read them and plan again; ``groups``: the managed groups as read (normalised DN ->
    {dn, exists, members}); ``held_dns``: DNs other objects (not managed accounts) hold, which a
    joiner's RDN must not take; ``outside``: accounts outside the managed scope that carry a
    joiner's anchor (adopted with ``config.adopt_outside``, else conflicts).

    ``only``: person ids (a leaver: their account's anchor value) whose operations the plan keeps
    (None: everyone). Correlation, names and DNs are those of the full plan - the same accounts
    and groups are read, uniqueness sees everyone - and then only the named persons are judged:
    their account's operations and their own memberships (a group's batch holds only their
    member changes); everyone else, and every uncorrelated account, is left as it is.
    """
    # The planner makes millions of short-lived containers and no garbage cycles worth chasing;
    # with the collector on, its full passes re-walk the vault and the accounts (every person a
    # dict tree): 0.05-0.09 s of ~0.75 s at 10k persons. Collected as usual once the plan is made.
    collecting = gc.isenabled()
    gc.disable()
    try:
        planner = _Planner(persons, accounts, config, today, taken_names, groups, held_dns, outside, only)
        try:
            planner.place()
        except _NamesNeeded:
            unfinished = Plan()
            unfinished.names_needed = True
            return unfinished
        planner.reconcile()
        plan = planner.plan
        del planner  # its entitlements and DNs are not the plan's: freed before the sort's keys are made
        rank = dict((a, i) for i, a in enumerate(APPLY_ORDER))
        plan.operations.sort(key=lambda op: (rank[op.action], dnlib.normalise(op.dn)))
        plan.operations = _managers_first(plan.operations, config.dn_attributes)
        return plan
    finally:
        if collecting:
            gc.enable()


def _managers_first(operations, dn_attributes):
    """Creates ordered so an account a new account points to (its manager) is created before it:
    Active Directory refuses a ``manager`` that does not exist yet. Otherwise the order is kept."""
    creates = [op for op in operations if op.action == "create"]
    if not creates or not dn_attributes:
        return operations
    by_dn = dict((dnlib.normalise(op.dn), op) for op in creates)
    ordered, placed, visiting = [], set(), set()

    def place(op):
        key = dnlib.normalise(op.dn)
        if key in placed or key in visiting:
            return  # placed already, or a cycle (left in its place; the directory reports it)
        visiting.add(key)
        for attribute, values in op.modifications.items():
            if attribute.lower() in dn_attributes:
                for value in values:
                    target = by_dn.get(dnlib.normalise(value))
                    if target is not None:
                        place(target)
        visiting.discard(key)
        placed.add(key)
        ordered.append(op)

    for op in creates:
        place(op)
    first = next(i for i, op in enumerate(operations) if op.action == "create")
    rest = [op for op in operations if op.action != "create"]
    return rest[:first] + ordered + rest[first:]


def evaluate_thresholds(plan: Plan, thresholds: Optional[dict]) -> Dict[str, dict]:
    """``{action: {count, limit, exceeded}}`` for every action with a limit.

    ``thresholds``: action -> {count: N, percent: P}; a percentage is of the accounts this run
    manages (at least 1), so an empty HR export that would disable everyone trips ``percent``.
    """
    counts = plan.counts()
    out = {}
    base = max(plan.managed, 1)
    for action, limit in sorted((thresholds or {}).items()):
        if action not in THRESHOLD_ACTIONS:
            raise ValueError(f"threshold for unknown action {action!r} (known: {', '.join(THRESHOLD_ACTIONS)})")
        found = limitslib.evaluate(counts[action], limit, base, f"thresholds.{action}")
        if found:
            out[action] = found
    return out


def new_dns(plan: Plan) -> Set[str]:
    """Normalised DNs the plan creates or renames entries to: the ones another object may hold."""
    found = set(plan.placements)  # every person's, named by ``only`` or not: names as in a full run
    for op in plan.operations:
        placed = dnlib.normalise(op.placed_dn) if op.placed_dn else None
        if placed and (op.action == "create" or placed != dnlib.normalise(op.dn)):  # a case-only rename: its own DN
            found.add(placed)
    return found


def _over_limit(limits, attribute, values):
    """The first value of ``attribute`` longer than its limit, as ``(limit, value)``, or None."""
    limit = limits.get(attribute.lower())
    if limit is not None:
        for value in values:
            if isinstance(value, str) and len(value) > limit:
                return limit, value
    return None


def limit_violations(operations: List[Operation], config: TargetConfig) -> Dict[int, str]:
    """``{id(op): reason}`` for creates and updates that write a value over the flavour's limit
    (the RDN is checked too): the directory would refuse them."""
    limits = config.limits
    if not limits:
        return {}
    blocked = {}
    for op in operations:
        if op.action not in ("create", "update", "move", "enable", "disable"):
            continue
        for attribute, values in op.modifications.items():
            found = _over_limit(limits, attribute, values)
            if found:
                blocked[id(op)] = "%s is %d characters, over the directory's limit of %d: %s" % (
                    attribute, len(found[1]), found[0], found[1])
                break
        if op.new_dn and id(op) not in blocked:
            attribute = dnlib.first_rdn(op.new_dn).partition("=")[0]
            found = _over_limit(limits, attribute, [dnlib.rdn_value(op.new_dn)])
            if found:
                blocked[id(op)] = "%s is %d characters, over the directory's limit of %d: %s" % (
                    attribute, len(found[1]), found[0], found[1])
    return blocked


def joiner_anchors(plan: Plan, persons: Dict[str, dict], config: TargetConfig) -> List[str]:
    """The first-anchor values of the persons the plan places for a new account (every joiner,
    named by ``only`` or not): looked up in the whole naming context before anything is created
    (an account may carry them elsewhere)."""
    field = config.anchors[0][0]
    values = set()
    for pid in plan.joiners:
        if pid in persons:
            value = person_value(persons[pid], field)
            if value is not None:
                values.add(value)
    return values


# Object classes of a container the run creates, by its RDN's attribute (the same on AD and OpenLDAP).
CONTAINER_CLASSES = {"ou": ["top", "organizationalUnit"]}


def needed_containers(plan: Plan) -> Dict[str, str]:
    """``{normalised DN: DN}`` of the containers the plan's new and moved accounts are placed in."""
    found = {}
    for op in plan.operations:
        if op.placed_dn:
            parent = dnlib.parent(op.placed_dn)
            found.setdefault(dnlib.normalise(parent), parent)
    return found


def container_operations(missing: Iterable[str]) -> List[Operation]:
    """Operations that create the ``missing`` containers (DNs), parents first; a container whose
    RDN is not ``ou=`` cannot be made here and is left to the pre-flight to report."""
    ops = []
    for dn in sorted(missing, key=lambda d: (len(dnlib.split(d)), dnlib.normalise(d))):
        attribute = dnlib.first_rdn(dn).partition("=")[0].strip()
        classes = CONTAINER_CLASSES.get(attribute.lower())
        if classes is None:
            continue
        ops.append(Operation("container", None, dn, "create_containers: a container the run places accounts in",
                             None, {"objectClass": list(classes), attribute: [dnlib.rdn_value(dn)]}))
    return ops
