# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: vault
short_description: Persons from the JML vault, decrypted in memory
version_added: 0.1.0
description:
  - Reads the vault written by M(jml.provisioning.hr_collect), decrypting it in memory with the
    play's vault secrets (the plaintext never touches the disk), and returns its persons, for
    templates and ad-hoc tasks.
  - Persons can be chosen by id and by a Jinja2 expression over C(person) (the syntax of C(when)),
    evaluated in the same sandbox as mappings, with the collection's filters.
author:
  - jml.provisioning maintainers (!UNKNOWN)
options:
  _terms:
    description: Path of the vault file (one path).
    type: list
    elements: path
    required: true
  ids:
    description: Only these person ids (in this order; unknown ids are left out).
    type: list
    elements: str
  where:
    description:
      - A Jinja2 expression over C(person) (and C(today), an ISO date); only persons for which it
        is true are returned, true as in Jinja2's C({% if %}) (a non-empty string, V(false) too, is true).
        Example V(person.contracts | selectattr('end', 'none') | list | length > 0).
      - The sandbox has Jinja2's own filters and tests plus the collection's (C(ascii), C(slug),
        C(initials), C(family_name)), not Ansible's; use string methods such as C(startswith).
    type: str
  fields:
    description: Return only these top-level person fields (for example V(id), V(name), V(email)).
    type: list
    elements: str
extends_documentation_fragment:
  - jml.provisioning.vault_reader
notes:
  - Returns one list of persons (a lookup result of one element per person); use
    C(query('jml.provisioning.vault', ...)) or C(wantlist=true) in templates.
  - The result holds HR data; use C(no_log) on tasks that print it.
seealso:
  - module: jml.provisioning.hr_collect
"""

EXAMPLES = r"""
- name: Everyone in the Sales department's primary contracts
  ansible.builtin.debug:
    msg: "{{ item.name.display }}"
  loop: >-
    {{ query('jml.provisioning.vault', '/var/lib/jml/vault.json',
             where="person.contracts | selectattr('department.code', 'equalto', 'SALES') | list") }}

- name: Two persons by id
  ansible.builtin.set_fact:
    managers: "{{ query('jml.provisioning.vault', '/var/lib/jml/vault.json', ids=['AmirA', 'LoisC']) }}"
"""

RETURN = r"""
_list:
  description: Persons as stored in the vault (format C(jml.provisioning/vault/v1)).
  type: list
  elements: dict
"""

import datetime

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.jml.provisioning.plugins.module_utils.expressions.expression import ExpressionError, compile_expression, make_scope
from ansible_collections.jml.provisioning.plugins.plugin_utils import pending_vault, vault_file
from ansible_collections.jml.provisioning.plugins.plugin_utils.results import vault_secrets


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        if len(terms) != 1:
            raise AnsibleLookupError(f"jml.provisioning.vault takes exactly one vault path, got {len(terms)}")
        try:
            document = pending_vault.read(terms[0], vault_secrets(self._loader), variables,
                                          bool((variables or {}).get("ansible_check_mode")),
                                          self.get_option("encrypt"))[0]
            where = self.get_option("where")
            condition = compile_expression(where, "where") if where else None
        except (vault_file.VaultFileError, ExpressionError) as exc:
            raise AnsibleLookupError(str(exc))
        persons = document["persons"]
        ids = self.get_option("ids")
        chosen = [persons[pid] for pid in ids if pid in persons] if ids else list(persons.values())
        if condition is not None:
            today = datetime.date.today().isoformat()
            try:
                chosen = [p for p in chosen if condition.test(make_scope(person=p, today=today))]
            except ExpressionError as exc:
                raise AnsibleLookupError(str(exc))
        fields = self.get_option("fields")
        if fields:
            chosen = [dict((k, p.get(k)) for k in fields) for p in chosen]
        return chosen
