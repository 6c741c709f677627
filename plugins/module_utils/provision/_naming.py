# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unique usernames for joiners (for internal use).

Candidate expressions are tried in order for n = 1, 2, ... up to ``max_tries``; each candidate is
transliterated, lower-cased, stripped to the allowed characters and cut to ``max_length``. A name
is free when none of the attributes it fills (``unique_attributes``, e.g. uid and mail, computed
from the same ``username`` so they stay in step) holds that value anywhere in the directory, nor
was reserved earlier in this run. Existing accounts keep their names: only joiners are named.

A multi-valued attribute (``proxyAddresses``) is checked value by value. Mail addresses are one
namespace: a ``mail`` value and a ``proxyAddresses`` value collide when they name the same
address, the ``smtp:``/``SMTP:`` type prefix aside (it only marks the primary address), because
Exchange and AD refuse an address that any other recipient holds in either attribute.
"""

from __future__ import annotations

import re
from typing import Callable, Optional, Tuple

from ansible_collections.jml.provisioning.plugins.module_utils.expressions.expression import make_scope, to_ascii


class NamingError(ValueError):
    """No free name within the tries; the person is reported, the run goes on."""


class UsernamePolicy(object):
    def __init__(self, candidates, max_length=64, allowed_characters="a-z0-9._-", lowercase=True, max_tries=50):
        self.candidates = candidates
        self.max_length = max_length
        self.lowercase = lowercase
        self.max_tries = max_tries
        flags = 0 if lowercase else re.IGNORECASE
        self._disallowed = re.compile(f"[^{allowed_characters}]", flags)

    def normalise(self, value, n=1):
        """A candidate's value as a name; ``n``: the iteration it was computed for. A name cut to
        ``max_length`` keeps room for the iteration number, so every try differs
        (``averyveryverylongna2``, not ``averyveryverylongnam`` twice)."""
        if value is None:
            return None
        text = to_ascii(str(value)).strip()
        if self.lowercase:
            text = text.lower()
        text = self._disallowed.sub("", text.replace(" ", ""))
        if len(text) > self.max_length and n > 1:
            suffix = str(n)
            head = text[:-len(suffix)] if text.endswith(suffix) else text
            return (head[:max(self.max_length - len(suffix), 0)].strip("._-") + suffix) or None
        return text[:self.max_length].strip("._-") or None


# Attributes that hold mail addresses: compared as one namespace, see the module docstring.
ADDRESS_ATTRIBUTES = frozenset(("mail", "proxyaddresses"))
_SMTP_PREFIX = "smtp:"


def unique_key(attribute: str, value: str) -> Tuple[str, str]:
    """``(namespace, value)`` as uniqueness compares it: case-insensitive, addresses without their
    ``smtp:`` prefix (other proxy address types such as ``X500:`` keep theirs: they never clash
    with a plain address)."""
    name, text = attribute.lower(), value.lower()
    if name in ADDRESS_ATTRIBUTES:
        return "address", text[len(_SMTP_PREFIX):] if text.startswith(_SMTP_PREFIX) else text
    return name, text


def _values(value):
    """One value or several (a multi-valued attribute) as a list of non-empty texts."""
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return [str(v) for v in value if v not in (None, "")]
    return [str(value)] if value != "" else []


def _keys(values):
    """``{attribute: value or values}`` -> the set of their ``unique_key``s."""
    return set(unique_key(attr, v) for attr, value in (values or {}).items() for v in _values(value))


class NameRegistry(object):
    """Values already used, compared as ``unique_key`` does (case-insensitive, per value)."""

    def __init__(self, taken=None, reservations=None):
        self._taken = _keys(taken)
        self.hints = {}  # first-try names -> (iteration, names) the last namesake was given
        # The identifier ledger's (ledger.Reservations): values kept for their owner, or None.
        self.reservations = reservations

    def is_free(self, values: dict, own: Optional[dict] = None, person: Optional[str] = None) -> bool:
        """True when no value is taken, in the directory or (for another ``person``) by the ledger;
        ``own`` (attribute -> values) are the asking account's own."""
        keys = _keys(values)
        if (keys & self._taken) - _keys(own):
            return False
        return self.reservations is None or not self.reservations.taken_for(keys, person)

    def own_logins(self, person: Optional[str]):
        """The logins the ledger issued to ``person`` before, the latest first (a rehire's)."""
        if self.reservations is None or person is None:
            return []
        return self.reservations.logins.get(person, [])

    def reserve(self, values: dict) -> None:
        self._taken.update(_keys(values))


def allocate(policy: UsernamePolicy, scope: dict, registry: NameRegistry, derived: Callable[[str], dict],
             own: Optional[dict] = None, person: Optional[str] = None) -> str:
    """The first free username for a person.

    ``scope``: names for the candidate expressions (``person``, ``contract``...); ``derived(name)``
    returns ``{attribute: value or list of values}`` of every unique attribute for that username;
    ``own``: the values an existing account already holds (free for itself, when it is renamed).
    The name and its values are reserved in ``registry``. ``person``: the vault person's id: the
    ledger's values reserved for them are free for them, and a login the ledger issued to them
    before (a rehire's) is tried first.

    Namesakes would make this quadratic (the 200th Jan Jansen tries 199 taken names first), so
    the registry remembers, per first-try names, the iteration the last namesake got: a person
    whose candidates give the same names there too starts at that iteration: every name before
    it was taken then and still is (a run only adds names).
    """
    candidate_scope = make_scope(**scope)  # once per person, not per try: a namesake may try many

    def names_at(n):
        candidate_scope["n"] = n
        return tuple(policy.normalise(candidate.evaluate(candidate_scope), n) for candidate in policy.candidates)

    for name in registry.own_logins(person):
        if own:
            break  # an existing account keeps or renames its own name: only joiners get one back
        values = derived(name)
        if registry.is_free(values, None, person):
            registry.reserve(values)
            return name
    first = names_at(1)
    # The hint skips names taken for a namesake; one the ledger keeps for this person may be among them.
    start, hint = 1, None if own or registry.own_logins(person) else registry.hints.get(first)
    if hint is not None and hint[0] > 1 and names_at(hint[0]) == hint[1]:
        start = hint[0]
    tried, seen = [], set()
    for n in range(start, policy.max_tries + 1):
        names = first if n == 1 else hint[1] if n == start and start > 1 else names_at(n)
        for name in names:
            if not name or name in seen:
                continue
            seen.add(name)
            tried.append(name)
            values = derived(name)
            if registry.is_free(values, own, person):
                registry.reserve(values)
                if not own:
                    registry.hints[first] = (n, names)
                return name
    raise NamingError("no free username after %d tries (last tried: %s)"
                      % (policy.max_tries, ", ".join(tried[-3:]) or "no candidate gave a name"))
