# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: correlate
short_description: Correlation report of vault persons against a target's accounts
version_added: 0.1.0
description:
  - Matches the persons of the vault (decrypted in memory with the play's vault secrets) to
    accounts, read live from LDAP with the same connection options as
    M(jml.provisioning.ldap_accounts), or given as a list.
  - Reports C(correlated) pairs, C(uncorrelated_persons) (would be created if they need an account),
    C(uncorrelated_accounts) (no anchor value - orphans, never touched), C(vanished) (an anchor value
    no vault person has - treated as leavers) and C(conflicts) (one person matching several
    accounts, or several persons one account - never resolved by guessing).
  - Anchors are tried in order, the first match wins.
  - With O(decisions_file) the reviewed correlation decisions are applied first, exactly as the
    target modules apply them, and the report says what each did. With O(decisions_template) the
    report also holds a starting decisions file for the conflicts, orphans and vanished accounts
    it found.
author:
  - jml.provisioning maintainers (!UNKNOWN)
options:
  _terms:
    description: Path of the vault file (one path).
    type: list
    elements: path
    required: true
  connection:
    description:
      - LDAP connection, as O(jml.provisioning.ldap_accounts#module:connection) (C(server_uri),
        C(bind_dn), C(bind_password), C(start_tls), C(validate_certs), C(ca_file), C(server_name),
        C(page_size)). Not used when O(accounts) is given.
    type: dict
  search_base:
    description: Base DN of the accounts to correlate (subtree).
    type: str
  search_filter:
    description: LDAP filter of the accounts.
    type: str
    default: (objectClass=inetOrgPerson)
  accounts:
    description:
      - Accounts to correlate instead of reading LDAP - each a dict with C(dn) and the anchor
        attributes (a value or a list of values).
    type: list
    elements: dict
  anchors:
    description: Ordered anchors, each C({person - <dotted field>, attribute - <account attribute>}).
    type: list
    elements: dict
    default: [{person: id, attribute: employeeNumber}]
  decisions_file:
    description:
      - Reviewed correlation decisions (YAML), as O(jml.provisioning.ldap_accounts#module:decisions_file)
        - V(link) a person to an account, V(ignore) an account, V(never_link) a person, each with
        C(reason) and C(author).
      - A malformed file, a person not in the vault or an account not among the accounts read is
        an error of the lookup.
    type: path
    version_added: 0.2.0
  decisions_template:
    description:
      - Add RV(_raw[].decisions_template) - a starting decisions file (YAML text) with candidate
        decisions for the conflicts, the orphans (C(uncorrelated_accounts)) and the C(vanished)
        accounts of this report.
      - Every candidate is commented out and its C(reason) and C(author) are V(TODO), which the
        target modules refuse - nothing a machine proposed is applied before someone reviewed it.
        Save the text, keep at most one decision per person and per account, uncomment it, fill
        in the reason and author, and pass the file as O(decisions_file).
    type: bool
    default: false
    version_added: 0.2.0
extends_documentation_fragment:
  - jml.provisioning.vault_reader
notes:
  - The report names persons by id and accounts by DN; it holds no other HR data.
seealso:
  - module: jml.provisioning.ldap_accounts
"""

EXAMPLES = r"""
- name: Who has an account, who would get one, and which accounts nobody claims
  ansible.builtin.debug:
    msg: "{{ lookup('jml.provisioning.correlate', '/var/lib/jml/vault.json',
                    connection=ldap_connection, search_base='ou=people,dc=example,dc=test',
                    anchors=[{'person': 'id', 'attribute': 'employeeNumber'},
                             {'person': 'email', 'attribute': 'mail'}]) }}"

- name: Write a starting decisions file for the conflicts and orphans (to review, not to apply as is)
  ansible.builtin.copy:
    dest: inventories/prod/decisions/ldap.yml.proposed
    mode: "0600"
    content: "{{ lookup('jml.provisioning.correlate', '/var/lib/jml/vault.json',
                        connection=ldap_connection, search_base='ou=people,dc=example,dc=test',
                        decisions_file='inventories/prod/decisions/ldap.yml',
                        decisions_template=true).decisions_template }}"
"""

RETURN = r"""
_raw:
  description: One correlation report.
  type: list
  elements: dict
  contains:
    correlated:
      description: Matched pairs, C({person, dn}).
      type: list
      elements: dict
    uncorrelated_persons:
      description: Ids of persons without an account.
      type: list
      elements: str
    uncorrelated_accounts:
      description: DNs of accounts without an anchor value.
      type: list
      elements: str
    vanished:
      description: DNs of accounts whose anchor value no vault person has.
      type: list
      elements: str
    conflicts:
      description: Conflicts, each with C(person) or C(persons), C(accounts), C(anchor) and C(problem).
      type: list
      elements: dict
    ignored:
      description: DNs of the accounts an C(ignore) decision names.
      type: list
      elements: str
      version_added: 0.2.0
    decisions:
      description:
        - The decisions of O(decisions_file) and their effect - C(applied), C(redundant) and
          C(entries) (each with C(decision), C(person) and/or C(account), C(reason), C(author),
          C(effect), C(detail)), as the target modules return them.
      type: dict
      version_added: 0.2.0
    decisions_template:
      description: A starting decisions file (YAML text), every candidate commented out; only with O(decisions_template).
      type: str
      version_added: 0.2.0
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.jml.provisioning.plugins.module_utils.provision import decisions as decisionslib
from ansible_collections.jml.provisioning.plugins.module_utils.provision.correlation import Account, correlate
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import directory as ldaptarget
from ansible_collections.jml.provisioning.plugins.plugin_utils import pending_vault, vault_file
from ansible_collections.jml.provisioning.plugins.plugin_utils.decisions_file import load_decisions
from ansible_collections.jml.provisioning.plugins.plugin_utils.results import vault_secrets


def _given_accounts(accounts):
    out = []
    for index, entry in enumerate(accounts):
        if not isinstance(entry, dict) or not entry.get("dn"):
            raise AnsibleLookupError("accounts[%d] needs a dn" % index)
        attrs = {}
        for name, value in entry.items():
            if name == "dn" or value is None:
                continue
            values = value if isinstance(value, (list, tuple)) else [value]
            attrs[name.lower()] = [str(v) for v in values]
        out.append(Account(entry["dn"], attrs))
    return out


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        if len(terms) != 1:
            raise AnsibleLookupError("jml.provisioning.correlate takes exactly one vault path")
        anchors = [(a.get("person"), a.get("attribute")) for a in self.get_option("anchors")]
        if not anchors or not all(p and a for p, a in anchors):
            raise AnsibleLookupError("anchors must be a list of {person, attribute}")
        try:
            persons = pending_vault.read(terms[0], vault_secrets(self._loader), variables,
                                         bool((variables or {}).get("ansible_check_mode")),
                                         self.get_option("encrypt"))[0]["persons"]
        except vault_file.VaultFileError as exc:
            raise AnsibleLookupError(str(exc))
        accounts = self.get_option("accounts")
        if accounts is not None:
            found = _given_accounts(accounts)
        else:
            found = self._read(anchors)
        try:
            result = correlate(persons, found, anchors, decisions=self._decisions())
        except decisionslib.DecisionError as exc:
            raise AnsibleLookupError(str(exc))
        report = result.report()
        report["correlated"] = sorted(({"person": pid, "dn": account.dn} for pid, account in result.matched.items()),
                                      key=lambda pair: pair["person"])
        if self.get_option("decisions_template"):
            report["decisions_template"] = decisionslib.template(report, self.get_option("search_base") or "")
        return [report]

    def _decisions(self):
        try:
            return load_decisions(self.get_option("decisions_file"))
        except decisionslib.DecisionError as exc:
            raise AnsibleLookupError(str(exc))

    def _read(self, anchors):
        connection = self.get_option("connection")
        base = self.get_option("search_base")
        if not connection or not base:
            raise AnsibleLookupError("give accounts, or connection and search_base to read them from LDAP")
        if not ldaptarget.HAS_LDAP3:
            raise AnsibleLookupError("the Python package ldap3 is required to read accounts from LDAP")
        options = dict(connection)
        page_size = options.pop("page_size", None) or 500
        try:
            conn = ldaptarget.connect(**options)
            try:
                return ldaptarget.read_accounts(conn, base, self.get_option("search_filter"),
                                                sorted(set(a for dummy, a in anchors)), page_size)
            finally:
                conn.unbind()
        except ldaptarget.TargetError as exc:
            raise AnsibleLookupError(str(exc))
