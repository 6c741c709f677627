# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Naming filters: the engine's own (the ones mappings and username candidates use), for templates.

They are the very functions the expressions of ``hr_collect`` and ``ldap_accounts`` call, so a
name built in a template is the name the engine builds.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.jml.provisioning.plugins.module_utils.expressions.expression import (
    family_name as _family_name,
    initials as _initials,
    slug as _slug,
    to_ascii as _to_ascii,
)


def _wrap(name, func):
    def wrapper(value, *args, **kwargs):
        try:
            return func(value, *args, **kwargs)
        except Exception as exc:  # any failure is the filter's, with its name
            raise AnsibleFilterError(f"jml.provisioning.{name}: {exc}") from exc
    wrapper.__name__ = name
    wrapper.__doc__ = func.__doc__
    return wrapper


to_ascii = _wrap("ascii", _to_ascii)
slug = _wrap("slug", _slug)
initials = _wrap("initials", _initials)
family_name = _wrap("family_name", _family_name)


class FilterModule(object):
    """Naming filters of jml.provisioning."""

    def filters(self):
        return {
            "ascii": to_ascii,
            "slug": slug,
            "initials": initials,
            "family_name": family_name,
        }
