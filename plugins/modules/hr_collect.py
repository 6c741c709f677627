#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: hr_collect
short_description: Collect HR exports into the encrypted JML vault
version_added: 0.1.0
description:
  - Reads HR sources (CSV persons file, optionally a contracts file joined on the person key)
    through a mapping set of Jinja2 expressions and writes B(the vault), one file holding only
    the mapped fields, in the format C(jml.provisioning/vault/v1).
  - The vault is encrypted with the play's vault secret (an ansible-vault envelope, so
    C(ansible-vault view) shows it) unless O(encrypt=false) is asked for explicitly.
  - Runs on the controller (action plugin), where the vault secrets are. The file is written
    atomically with mode 0600; when collection fails the previous vault stays as it was.
  - Re-collecting unchanged data reports C(changed=false) and does not rewrite the file
    (the comparison is of the decrypted content).
  - A row with an empty required field or an unparseable date is rejected and reported with
    file, row and field (never the row's content); the other rows are collected. A person whose
    row is rejected keeps its record from the previous vault, so a broken row never makes a leaver.
  - A missing mapped column, a duplicate person id, an unreadable file or a wrong vault password
    fail the task and leave the previous vault untouched.
author:
  - jml.provisioning maintainers (!UNKNOWN)
attributes:
  check_mode:
    support: full
    description: Reads everything and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: Shows each joined, left or changed person's record before and after.
  action:
    support: full
    description: Runs as an action plugin on the controller, where the vault secrets are.
  platform:
    support: full
    platforms: posix
    description: Runs on the controller; the play's target host is not contacted.
options:
  vault:
    description: Path of the vault file on the controller. Its folder must exist.
    type: path
    required: true
  vault_id:
    description:
      - Vault id of the secret to encrypt with (as given to C(--vault-id)). The first of the
        play's vault secrets when not set. Decryption tries all of them.
    type: str
  encrypt:
    description:
      - Encrypt the vault with the play's vault secret. Set V(false) only to write plain JSON on
        purpose (tests, a vault kept on an encrypted volume).
    type: bool
    default: true
  max_reported:
    description: At most this many rejected rows and diffs are returned.
    type: int
    default: 100
  sources:
    description: The HR sources to read. Person ids must be unique across sources.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Name of the source, stored as each person's C(source).
        type: str
        required: true
      type:
        description: Kind of source.
        type: str
        default: csv
        choices: [csv]
      persons:
        description: The persons file (one row per person).
        type: dict
        required: true
        suboptions: &csvfile
          path:
            description: Path of the CSV file on the controller.
            type: path
            required: true
          delimiter:
            description: Field delimiter.
            type: str
            default: ","
          encoding:
            description:
              - Text encoding, for example V(utf-8), V(utf-8-sig), V(cp1252), V(latin-1).
                A leading byte order mark is always stripped from the header.
            type: str
            default: utf-8
          quotechar:
            description: Quote character.
            type: str
            default: '"'
          key:
            description:
              - For O(sources[].persons), the column holding the person key that contracts join on.
              - For O(sources[].contracts), the column holding that key in the contracts file
                (default the persons file's key column name).
            type: str
      contracts:
        description:
          - The contracts file (one row per contract), joined to persons on the key columns.
            Without it each person row also yields one contract.
        type: dict
        suboptions: *csvfile
      mapping:
        description:
          - The mapping set. C(person) maps vault person fields (V(id), V(name.<x>), V(email),
            V(manager), V(custom.<x>)) and C(contract) vault contract fields (V(id), V(start),
            V(end), V(department.code), V(department.name), V(title.code), V(title.name),
            V(location) or any other name) to Jinja2 expressions.
          - In person expressions C(row) is the person row and C(contracts) the raw rows of its
            contracts; in contract expressions C(row) is the contract row.
          - C(required) lists fields (V(person.<field>), V(contract.<field>)) whose empty value
            rejects the row; C(date_format) is the strptime format of V(start), V(end) and the
            fields in C(date_fields); dates are stored as ISO C(YYYY-MM-DD).
          - Filters available besides Jinja2's own - C(ascii), C(slug), C(initials), C(family_name).
        type: dict
        required: true
notes:
  - Expressions are Jinja2 expressions (the syntax of C(when)), not C({{ }}) templates, so
    Ansible passes them through untouched. Each is compiled once per run.
seealso:
  - module: jml.provisioning.ldap_accounts
  - plugin: jml.provisioning.vault
    plugin_type: lookup
"""

EXAMPLES = r"""
- name: Collect the HR export into the encrypted vault
  jml.provisioning.hr_collect:
    vault: /var/lib/jml/vault.json
    sources:
      - name: hr_main
        persons:
          path: /srv/hr/persons.csv
          delimiter: ";"
          key: EmployeeCode
        contracts:
          path: /srv/hr/contracts.csv
          delimiter: ";"
          encoding: utf-8-sig
        mapping:
          date_format: "%d-%m-%Y"
          required: [person.name.family, contract.start]
          person:
            id: row.EmployeeCode
            name.given: row.NickName
            name.family: row.LastName
            name.display: row.NickName ~ ' ' ~ row.LastName
            email: row.EmailBusiness
          contract:
            start: row.ContractStartDate
            end: row.ContractEndDate
            department.code: row.OrganizationalUnit
            title.code: row.FunctionCode
  register: collected

- name: Show who joined
  ansible.builtin.debug:
    var: collected.changes.joined
"""

RETURN = r"""
vault:
  description: Path of the vault file.
  returned: always
  type: str
encrypted:
  description: Whether the vault is written as an ansible-vault envelope.
  returned: always
  type: bool
persons:
  description: Number of persons in the (new) vault.
  returned: always
  type: int
sources:
  description: Per source, its name, type, time of collection and counts of persons and rejected rows.
  returned: always
  type: list
  elements: dict
  sample: [{name: hr_main, type: csv, collected_at: "2026-11-26T02:00:00Z", persons: 1204, rejected: 2}]
changes:
  description: What changed since the previous vault.
  returned: always
  type: dict
  contains:
    joined:
      description: Ids of persons new in the vault.
      type: list
      elements: str
    left:
      description: Ids of persons no longer in any source.
      type: list
      elements: str
    changed:
      description: Ids of changed persons with the names of their changed fields (values only in diff mode).
      type: dict
  sample: {joined: ["10023"], left: [], changed: {"10001": ["contracts"]}}
rejected:
  description: Rejected rows (at most O(max_reported)), each with source, file, row number, field and problem.
  returned: always
  type: list
  elements: dict
  sample: [{source: hr_main, file: persons.csv, row: 12, field: contract.start,
            problem: "not a date in the format %d-%m-%Y", person: "10023"}]
rejected_count:
  description: Number of rejected rows.
  returned: always
  type: int
kept_from_previous:
  description: Ids of persons whose rows were rejected and who keep their previous vault record.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.jml.provisioning.plugins.module_utils.options import HR_COLLECT_SPEC


def main():
    module = AnsibleModule(argument_spec=HR_COLLECT_SPEC, supports_check_mode=True)
    module.fail_json(msg="jml.provisioning.hr_collect runs as an action plugin on the controller; "
                         "it cannot run as a module on a remote host")


if __name__ == "__main__":
    main()
