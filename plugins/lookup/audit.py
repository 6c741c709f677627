# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: audit
short_description: Entries of the audit trail - what happened to a person between two dates
version_added: 0.2.0
description:
  - Reads the audit trail the target modules keep (their option C(audit), for example
    O(jml.provisioning.ldap_accounts#module:audit)) and returns the entries that match - every
    operation a real run applied, tried and saw fail, or may have applied (C(outcome) V(applied),
    V(failed), V(unknown)), oldest first.
  - Answers "what happened to person P between two dates" (O(person), O(since), O(until)),
    "what did run R do" (O(run_id)), "what happened to this account" (O(dn)).
  - Bounded - only the files of the days between O(since) and O(until) are opened, and they are
    read one line at a time. A partial last line (a run killed while writing) is skipped.
  - The entries name people and their attribute values (never a secret) - use C(no_log) on
    tasks that print them where the log is not for operators.
author:
  - jml.provisioning maintainers (!UNKNOWN)
options:
  _terms:
    description:
      - The audit folder (one path) - the target module's C(audit.dir), by default C(audit/) in
        the folder of the vault.
    type: list
    elements: path
    required: true
  person:
    description: Only entries of this person (the vault person id).
    type: str
  since:
    description: Only entries of this day (V(YYYY-MM-DD), UTC) or later.
    type: str
  until:
    description: Only entries of this day (V(YYYY-MM-DD), UTC) or earlier, the whole day included.
    type: str
  run_id:
    description: Only entries of this run (the target module's result C(run_id)).
    type: str
  operation:
    description: Only entries of this operation.
    type: str
    choices: [create, enable, move, update, disable, delete, grant, revoke, relink, container]
  outcome:
    description: Only entries with this outcome.
    type: str
    choices: [applied, failed, unknown]
  dn:
    description: Only entries of this DN (the account's DN before or after the operation), without case.
    type: str
  target:
    description: Only entries of this target - the module (V(ldap_accounts)), its server or the inventory host.
    type: str
  max_entries:
    description:
      - At most this many entries are returned (the oldest); a warning says when more matched.
        V(0) returns them all.
    type: int
    default: 10000
notes:
  - Returns one list of entries; use C(query('jml.provisioning.audit', ...)) or C(wantlist=true).
  - 'An entry - C(time) (UTC), C(run_id), C(host), C(target) (C(module), C(server), C(scope)),
    C(person), C(dn), C(new_dn) (moves), C(operation), C(changes) (attribute -> [before, after]),
    C(group) and C(rule) (grants and revokes), C(reason), C(outcome), C(error) (not applied),
    C(guid) (the account''s objectGUID or SCIM id), C(initial_password) (V(true) when one was
    set - never its value).'
seealso:
  - module: jml.provisioning.ldap_accounts
  - module: jml.provisioning.scim_accounts
  - module: jml.provisioning.file_accounts
"""

EXAMPLES = r"""
- name: What happened to person 10023 in December 2026
  ansible.builtin.debug:
    msg: >-
      {{ item.time }} {{ item.operation }} {{ item.dn }} on {{ item.target.module }}:
      {{ item.outcome }} ({{ item.reason }})
  loop: >-
    {{ query('jml.provisioning.audit', '/var/lib/jml/audit',
             person='10023', since='2026-12-01', until='2026-12-31') }}

- name: Everything the last run of the directory did
  ansible.builtin.set_fact:
    last_run: "{{ query('jml.provisioning.audit', '/var/lib/jml/audit', run_id=jml_ldap_result.run_id) }}"

- name: Operations that failed or may not have been applied in the last seven days
  ansible.builtin.debug:
    msg: "{{ item.time }} {{ item.operation }} {{ item.dn }}: {{ item.outcome }}: {{ item.error }}"
  loop: >-
    {{ query('jml.provisioning.audit', '/var/lib/jml/audit', outcome='failed', since=week_ago)
       + query('jml.provisioning.audit', '/var/lib/jml/audit', outcome='unknown', since=week_ago) }}
  vars:
    week_ago: "{{ '%Y-%m-%d' | strftime(now().timestamp() - 7 * 86400, utc=true) }}"
"""

RETURN = r"""
_list:
  description: The matching entries, oldest first (format C(jml.provisioning/audit/v1), one per operation).
  type: list
  elements: dict
"""

import datetime
import itertools
import os

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.jml.provisioning.plugins.module_utils.audit import trail
from ansible_collections.jml.provisioning.plugins.plugin_utils import audit_log

display = Display()


def _day(value, option):
    if value in (None, ""):
        return None
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise AnsibleLookupError(f"jml.provisioning.audit: {option} must be a date (YYYY-MM-DD), got {value!r}")


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        if len(terms) != 1:
            raise AnsibleLookupError(f"jml.provisioning.audit takes exactly one audit folder, got {len(terms)}")
        folder = terms[0]
        if not os.path.isdir(folder):
            raise AnsibleLookupError(f"jml.provisioning.audit: {folder} is not a folder (no run has written an audit trail there)")
        since, until = _day(self.get_option("since"), "since"), _day(self.get_option("until"), "until")
        if since and until and since > until:
            raise AnsibleLookupError(f"jml.provisioning.audit: since {since} is after until {until}")
        query = trail.Query(person=self.get_option("person"), since=since, until=until,
                            run_id=self.get_option("run_id"), operation=self.get_option("operation"),
                            outcome=self.get_option("outcome"), dn=self.get_option("dn"),
                            target=self.get_option("target"))
        limit = self.get_option("max_entries")
        found = audit_log.read(folder, query)
        try:
            if not limit:
                return list(found)
            chosen = list(itertools.islice(found, limit))
            if next(found, None) is not None:
                display.warning(f"jml.provisioning.audit: more than {limit} entries match; the oldest {limit} "
                                "are returned (narrow the query or raise max_entries)")
            return chosen
        except OSError as exc:
            raise AnsibleLookupError(f"jml.provisioning.audit: cannot read {folder}: {exc}")
