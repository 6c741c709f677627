# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a directory flavour refuses, as data (for internal use): one table per flavour, the way
microsoft.ad keeps a property table per object type.

``limits``: attribute (lower case) -> the longest value the directory accepts (AD's schema
``rangeUpper``; ``sAMAccountName`` is capped at 20 by the SAM, whatever the schema says). The
planner cuts the RDN and the login to fit; any other value over its limit is a failure the
pre-flight predicts, so check mode names it and a real run does not send a write it knows will
be refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Active Directory's schema (rangeUpper of the user class's usual attributes). Samba 4.17 enforces
# some of them only (it accepts a 21-character sAMAccountName): the collection enforces them all.
AD_LIMITS = {
    "cn": 64, "samaccountname": 20, "displayname": 256, "givenname": 64, "sn": 64, "initials": 6,
    "title": 128, "department": 64, "company": 64, "description": 1024, "physicaldeliveryofficename": 128,
    "telephonenumber": 64, "mobile": 64, "ipphone": 64, "facsimiletelephonenumber": 64, "employeeid": 16,
    "employeenumber": 512, "employeetype": 256, "mail": 256, "userprincipalname": 1024, "streetaddress": 1024,
    "l": 128, "st": 128, "postalcode": 40, "co": 128, "c": 3, "info": 1024, "proxyaddresses": 1123,
    "homedirectory": 256, "scriptpath": 260, "wwwhomepage": 2048, "name": 255,
}
AD_LIMITS.update(("extensionattribute%d" % i, 1024) for i in range(1, 16))


# Values of multi-valued attributes that other systems co-own, as ``owned_values`` defaults: on
# AD, Exchange and admins add X500: and secondary smtp: addresses to proxyAddresses; a mapping owns
# the primary (SMTP:) address only, and a replaced primary stays as a secondary alias (Exchange's
# own convention on a rename: mail to the old address still arrives).
AD_OWNED_VALUES = {
    "proxyAddresses": {"patterns": ["^SMTP:"], "keep_replaced": "'smtp:' ~ value[5:]"},
}


class LockAttribute(object):
    """Disable by setting an attribute (OpenLDAP's ppolicy ``pwdAccountLockedTime``), enable by
    removing it. A new enabled account carries nothing."""

    def __init__(self, attribute: str = "pwdAccountLockedTime", value: str = "000001010000Z"):
        self.attribute, self.value = attribute, value
        self.attributes = (attribute,)  # read by a reconcile

    def is_disabled(self, account) -> bool:
        return bool(account.values(self.attribute))

    def switch(self, account, enabled: bool):
        """``(changes shown, modifications)`` that reach ``enabled`` (``account`` None: a new one)."""
        current = account.values(self.attribute) if account is not None else []
        if enabled and current:
            return {self.attribute: [current[0] if len(current) == 1 else list(current), None]}, {self.attribute: []}
        if not enabled and not current:
            return {self.attribute: [None, self.value]}, {self.attribute: [self.value]}
        return {}, {}

    def on_create(self, enabled: bool) -> dict:
        return {} if enabled else self.switch(None, False)[1]


UAC_NORMAL_ACCOUNT = 0x200
UAC_DISABLED = 0x2


class AccountControl(object):
    """Disable by the ACCOUNTDISABLE bit of AD's ``userAccountControl``, every other bit kept. A
    new account always carries the attribute (else AD makes it disabled)."""

    attributes = ("userAccountControl",)

    @staticmethod
    def _uac(account) -> int:
        try:
            return int(account.first("userAccountControl")) if account is not None else UAC_NORMAL_ACCOUNT
        except (TypeError, ValueError):
            return UAC_NORMAL_ACCOUNT

    def is_disabled(self, account) -> bool:
        return bool(self._uac(account) & UAC_DISABLED)

    def switch(self, account, enabled: bool):
        current = self._uac(account)
        wanted = current & ~UAC_DISABLED if enabled else current | UAC_DISABLED
        if account is not None and wanted == current:
            return {}, {}
        return ({"userAccountControl": [str(current) if account is not None else None, str(wanted)]},
                {"userAccountControl": [str(wanted)]})

    def on_create(self, enabled: bool) -> dict:
        return self.switch(None, enabled)[1]


def account_switch(strategy, lock_attribute="pwdAccountLockedTime", lock_value="000001010000Z"):
    """The switch of ``disable.strategy`` (``lock`` or ``uac``), or None for ``move`` alone."""
    if "uac" in strategy:
        return AccountControl()
    if "lock" in strategy:
        return LockAttribute(lock_attribute, lock_value)
    return None


@dataclass(frozen=True)
class Flavour:
    name: str
    limits: dict = field(default_factory=dict)
    username_max_length: int = 64   # the default of username.max_length
    owned_values: dict = field(default_factory=dict)  # the defaults of the owned_values option
    # Integer attributes where 0 and 0x7FFFFFFFFFFFFFFF both mean "never" (AD accountExpires).
    integer_never_attributes: tuple = ()
    # The attribute an account is known by whatever its DN, recorded in the actions for the audit trail.
    audit_id_attribute: str = ""


FLAVOURS = {
    "openldap": Flavour("openldap"),
    "ad": Flavour("ad", AD_LIMITS, username_max_length=20, owned_values=AD_OWNED_VALUES,
                  integer_never_attributes=("accountExpires",), audit_id_attribute="objectGUID"),
}


def flavour(name):
    return FLAVOURS.get(name or "openldap", FLAVOURS["openldap"])
