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


@dataclass(frozen=True)
class Flavour:
    name: str
    limits: dict = field(default_factory=dict)
    username_max_length: int = 64   # the default of username.max_length
    owned_values: dict = field(default_factory=dict)  # the defaults of the owned_values option


FLAVOURS = {
    "openldap": Flavour("openldap"),
    "ad": Flavour("ad", AD_LIMITS, username_max_length=20, owned_values=AD_OWNED_VALUES),
}


def flavour(name):
    return FLAVOURS.get(name or "openldap", FLAVOURS["openldap"])


def over_limit(limits, attribute, values):
    """The first value of ``attribute`` longer than its limit, as ``(limit, value)``, or None."""
    limit = limits.get(attribute.lower())
    if limit is None:
        return None
    for value in values:
        if isinstance(value, str) and len(value) > limit:
            return limit, value
    return None
