# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An account switch held as a boolean attribute (for internal use): SCIM's ``active``, a flat
file's ``active`` column.

The planner asks a target's switch the same three questions whatever it is (see
``targets/ldap/_flavours``: a lock attribute, AD's userAccountControl bit): is this account
disabled, what reaches enabled or disabled, what a new account carries.
"""

from __future__ import annotations

TRUE, FALSE = "true", "false"


class ActiveFlag(object):
    """Disabled when the attribute is ``false``; missing means enabled (RFC 7643: ``active`` has
    no default, and servers treat a user without it as active). A new account always carries it,
    so what it is never depends on a server's default."""

    def __init__(self, attribute: str = "active"):
        self.attribute = attribute
        self.attributes = (attribute,)

    def is_disabled(self, account) -> bool:
        return str(account.first(self.attribute) or "").lower() == FALSE

    def switch(self, account, enabled: bool):
        """``(changes shown, modifications)`` that reach ``enabled`` (``account`` None: a new one)."""
        wanted = TRUE if enabled else FALSE
        if account is not None:
            current = str(account.first(self.attribute) or "").lower() or None
            if (current or TRUE) == wanted:
                return {}, {}
            return {self.attribute: [current, wanted]}, {self.attribute: [wanted]}
        return {self.attribute: [None, wanted]}, {self.attribute: [wanted]}

    def on_create(self, enabled: bool) -> dict:
        return {self.attribute: [TRUE if enabled else FALSE]}
