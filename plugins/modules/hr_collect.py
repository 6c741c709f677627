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
  - Reads HR sources (CSV and JSON files, paginated JSON HTTP APIs; several source systems at
    once, each with its own mapping set of Jinja2 expressions) and writes B(the vault), one file
    holding only the mapped fields, in the format C(jml.provisioning/vault/v1).
  - Persons and contracts may come from separate files joined on the person key, or nested in
    each person record; code lists (departments, functions) are offered to expressions as lookups.
    Persons of several sources are merged on a key when O(merge) says so.
  - The vault is encrypted with the play's vault secret (an ansible-vault envelope, so
    C(ansible-vault view) shows it) unless O(encrypt=false) is asked for explicitly.
  - Runs on the controller (action plugin), where the vault secrets are. The file is written
    atomically with mode 0600; when collection fails the previous vault stays as it was.
  - Re-collecting unchanged data reports C(changed=false) and does not rewrite the file
    (the comparison is of the decrypted content). When the sources' bytes, the options and the
    vault file are all as they were at the last collect, it stops right after reading the sources.
  - A row with an empty required field or an unparseable date is rejected and reported with
    file, row and field (never the row's content); the other rows are collected. A person whose
    row is rejected keeps its record from the previous vault, so a broken row never makes a leaver.
  - 'Person keys follow one rule everywhere (collect, merge, correlation): surrounding spaces are not part of
    them and case does not tell two persons apart - two rows whose ids differ only in case are a duplicate.'
  - A missing mapped column, a duplicate person id, an unreadable file or a wrong vault password
    fail the task and leave the previous vault untouched.
author:
  - jml.provisioning maintainers (!UNKNOWN)
attributes:
  check_mode:
    support: full
    description:
      - Reads everything and reports what would change; writes nothing to disk.
      - The would-be vault is handed to the later tasks of the same run in memory, as an encrypted
        host fact (C(ansible_facts)), so O(ignore:vault) readers in check mode -
        M(jml.provisioning.ldap_accounts), the P(jml.provisioning.correlate#lookup) and
        P(jml.provisioning.vault#lookup) lookups - plan from the HR data just collected
        (C(site.yml --check) is the evaluation of the new export). A real run always reads the
        vault on disk.
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
        purpose (tests, a vault kept on an encrypted volume); the readers then need O(encrypt=false)
        too.
      - With V(true) and a vault secret, a plain file at O(vault) (the previous vault), in its history
        or as its fingerprint is refused or ignored, never trusted - anyone who can write it could
        have forged it. To start encrypting a plain vault, move the plain one away first.
    type: bool
    default: true
  lock_timeout:
    description:
      - 'One run at a time: the run holds an exclusive lock (C(flock)) - per vault (C(<vault>.lock)) - for its whole
        duration, in check mode too. A second run waits at most this many seconds for it, then fails
        with who holds it (PID, host, since when), writing nothing.'
      - The kernel releases the lock when a run ends however it ends, so a killed run never blocks
        the next one; the next run reports that it took over a killed run's lock, and removes the
        temporary files the killed run left in the vault's folder.
      - The lock keeps runs from the same controller apart (and from several hosts sharing an NFSv4
        folder). Runs from several AWX/AAP nodes are kept apart by the job template's "concurrent
        jobs" setting (off by default), not by this lock.
    type: float
    default: 60.0
  max_reported:
    description: At most this many rejected rows, diffs and ids per list of RV(changes) are returned.
    type: int
    default: 100
  merge:
    description:
      - How persons of several sources become one. Without it, a person id found in two sources
        fails the collect.
      - Persons whose O(merge.key) values are equal (case-insensitive) are merged into one person
        that carries the contracts of all of them (each contract gets its C(source)) and a
        C(sources) list; each person field comes from the first source in the precedence that
        has a value.
    type: dict
    suboptions:
      key:
        description: The person field (dotted, for example V(id), V(email), V(custom.employee_number)) that identifies the same human across sources.
        type: str
        default: id
      precedence:
        description: Source names, the first wins each person field; default the order of O(sources).
        type: list
        elements: str
      fields:
        description: Per person field (dotted), its own precedence list of source names.
        type: dict
        default: {}
  thresholds:
    description:
      - Source thresholds against the previous vault. When one is exceeded the collect fails, the
        previous vault stays as it was and the message shows the numbers. An empty or truncated
        export must never reach the vault.
      - Percentages are of the previous vault's persons; C(added), C(removed), C(changed) and
        C(empty_source) are not checked on the first collect.
      - 'B(Safe by default.) Not set, the limits are C({removed: {count: 50, percent: 10},
        empty_source: true}) - a collect that would remove more than 10% of the persons (or more
        than 50, whichever is smaller) or that reads no person from a source that had some stops.
        Set your own to raise or lower them; C({empty_source: false}) switches every limit off.'
    type: dict
    suboptions:
      added:
        description: Limit on persons new in the vault.
        type: dict
        suboptions: &countpercent
          count:
            description: At most this many.
            type: int
          percent:
            description: At most this percentage of the previous vault's persons.
            type: float
      removed:
        description: Limit on persons no longer in any source (purged persons do not count).
        type: dict
        suboptions: *countpercent
      changed:
        description: Limit on persons whose fields changed.
        type: dict
        suboptions: *countpercent
      min_persons:
        description: The new vault must hold at least this many persons.
        type: int
      empty_source:
        description:
          - Stop when a source reads no person although the previous vault had persons from it (an
            empty export, a wrong path that still exists, an API answering with an empty page).
        type: bool
        default: true
  allow_threshold_override:
    description: Accept a collect that exceeds a source threshold (an operator's explicit decision).
    type: bool
    default: false
  missing_vault:
    description:
      - What a collect does when there is no vault at O(vault) yet.
      - V(create) (the default) starts a new one - the first collect. Every person is then a joiner
        and the source thresholds against the previous vault cannot be checked.
      - V(fail) stops with an error that says what to do, writing nothing - for scheduled runs, where a
        missing vault means a lost one (an execution-environment container without a persistent
        path for the vault, a wrong path, a deleted file) rather than a first run. The role
        C(jml.provisioning.collect) and the playbooks use V(fail) unless C(jml_vault_missing_ok) is true.
    type: str
    choices: [create, fail]
    default: create
  history:
    description:
      - Keep this many previous vaults for audit in C(<vault>.history/), rotated. Each is the
        previous vault file copied before it is replaced, so it is encrypted like the vault.
    type: int
    default: 0
  retention_days:
    description:
      - Purge persons whose last contract ended more than this many days before O(reference_date)
        from the vault, and from the history; history snapshots older than this are deleted.
        Persons with an open-ended or upcoming contract are never purged.
    type: int
  reference_date:
    description: The date retention is computed for (ISO C(YYYY-MM-DD)); today when not set.
    type: str
  sources:
    description: The HR sources to read, each with its own mapping set. All are read before anything is written; any unreadable source fails the collect.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Name of the source, stored as each person's C(source).
        type: str
        required: true
      type:
        description:
          - V(csv) files, V(json) files, or a paginated JSON V(http) API.
        type: str
        default: csv
        choices: [csv, json, http]
      persons:
        description: Where the person records are.
        type: dict
        required: true
        suboptions: &records
          path:
            description: Path of the file on the controller (V(csv) and V(json) sources).
            type: path
          url:
            description: URL of the first page (V(http) sources).
            type: str
          delimiter:
            description: Field delimiter (CSV).
            type: str
            default: ","
          encoding:
            description:
              - Text encoding, for example V(utf-8), V(utf-8-sig), V(cp1252), V(latin-1).
                A leading byte order mark is always stripped.
            type: str
            default: utf-8
          quotechar:
            description: Quote character (CSV).
            type: str
            default: '"'
          key:
            description:
              - For O(sources[].persons), the field holding the person key that contracts join on.
              - For O(sources[].contracts), the field holding that key in the contracts records
                (default the persons' key field name).
            type: str
          records:
            description: Dotted path to the list of records inside a JSON document or each API page; none means the document itself is the list.
            type: str
          contracts_field:
            description: For O(sources[].persons) of JSON and HTTP sources, the field of each person record holding its list of contract records.
            type: str
          absences_field:
            description:
              - For O(sources[].persons) of JSON and HTTP sources, the field of each person record
                holding its list of absence records (mapped by the mapping set's C(absence) part).
            type: str
          pagination:
            description: How an V(http) source pages.
            type: dict
            suboptions:
              style:
                description:
                  - V(none), V(next_link) (next URL in the body at O(sources[].persons.pagination.next_path)
                    or in an RFC 5988 C(Link) header), V(page), V(offset) or V(cursor).
                type: str
                default: none
                choices: [none, next_link, page, offset, cursor]
              next_path:
                description: Dotted path of the next link in the body (V(next_link)); default V(next).
                type: str
              page_param:
                description: Query parameter of the page number (V(page)); default V(page).
                type: str
              size_param:
                description: Query parameter of the page size (V(page)); default V(per_page).
                type: str
              size:
                description: Page size asked for (V(page), V(offset)); default 100. A shorter page ends the read.
                type: int
              start:
                description: First page number (V(page)); default 1.
                type: int
              offset_param:
                description: Query parameter of the offset (V(offset)); default V(offset).
                type: str
              limit_param:
                description: Query parameter of the limit (V(offset)); default V(limit).
                type: str
              cursor_param:
                description: Query parameter of the cursor (V(cursor)); default V(cursor).
                type: str
              cursor_path:
                description: Dotted path of the next cursor in the body (V(cursor)); default V(next_cursor).
                type: str
      contracts:
        description:
          - Where separate contract records are (one per contract), joined to persons on the key fields.
            Without it (and without O(sources[].persons.contracts_field)) each person record also
            yields one contract.
        type: dict
        suboptions: *records
      absences:
        description:
          - Where separate absence records are (one per absence - a CSV with one row per leave, a
            JSON list), joined to persons on the key fields as contracts are, and mapped by the
            mapping set's C(absence) part. Without it (and without
            O(sources[].persons.absences_field)) an C(absence) mapping reads at most one absence
            from each person record (none when its fields are empty).
        type: dict
        suboptions: *records
      lookups:
        description:
          - Code lists, by name - C({name - {path, key, type, delimiter, encoding, records}}). Each
            file is read into a table keyed by its O(sources[].lookups) C(key) column and offered to
            expressions as C(lookups.<name>), for example
            V(lookups.units[row.OrganizationalUnit].DisplayName) for a department's name or
            manager from a departments file.
        type: dict
        default: {}
      mapping:
        description:
          - The mapping set. C(person) maps vault person fields (V(id), V(name.<x>), V(email),
            V(manager), V(custom.<x>)) and C(contract) vault contract fields (V(id), V(start),
            V(end), V(department.code), V(department.name), V(title.code), V(title.name),
            V(location) or any other name) to Jinja2 expressions.
          - In person expressions C(row) is the person record and C(contracts) the raw records of
            its contracts; in contract expressions C(row) is the contract record and C(parent) the
            person record; C(lookups) holds the code lists everywhere.
          - 'Leave. The contract field V(on_leave) - true while HR says the person is on leave in
            that contract (a snapshot as of the collect) - must be a boolean - compare HR''s code
            in the expression, for example V(row.Status in [''LOA'', ''SABBATICAL'']); an empty
            value is V(false). When it drops back to false the collect records the day it saw the
            return as the contract''s C(returned), so the target modules report a return from
            leave.'
          - C(absence) maps dated absences, the person's C(absences) list - V(start) (required),
            V(end) (the last day of leave, inclusive; empty - open-ended) and optionally V(reason),
            nothing else. Dates are read with C(date_format); a date that does not parse or an end
            before the start rejects the row (with file, row and field) and its person, who keeps
            their previous record. Map V(reason) to a code (V(PARENTAL), V(SABBATICAL)), never to
            free text - the vault keeps only what IT needs, and a medical reason is none of it.
          - C(required) lists fields (V(person.<field>), V(contract.<field>)) whose empty value
            rejects the row; C(allowed) maps such fields to their allowed values; C(date_format)
            is the strptime format of V(start), V(end) and the fields in C(date_fields); dates are
            stored as ISO C(YYYY-MM-DD).
          - Filters available besides Jinja2's own - C(ascii), C(slug), C(initials), C(family_name).
        type: dict
        required: true
      max_rejected:
        description: Fail the collect when more rows than this are rejected - a count (V(10)) or a percentage of the source's person records (V(5%)).
        type: str
      auth:
        description:
          - Credentials of an V(http) source.
          - A credential not given falls back to an environment variable, which an AWX/AAP credential
            type injects (see the README) - C(JML_HR_TOKEN), C(JML_HR_USERNAME), C(JML_HR_PASSWORD);
            with several V(http) sources, give each its own in the task.
        type: dict
        suboptions:
          type:
            description: V(bearer) (token) or V(basic) (username and password).
            type: str
            required: true
            choices: [bearer, basic]
          token:
            description: The bearer token. If not set, C(JML_HR_TOKEN).
            type: str
          username:
            description: The basic auth user name. If not set, C(JML_HR_USERNAME).
            type: str
          password:
            description: The basic auth password. If not set, C(JML_HR_PASSWORD).
            type: str
      validate_certs:
        description: Verify the HTTPS server's certificate (V(http) sources).
        type: bool
        default: true
      ca_file:
        description: CA bundle to verify the HTTPS server with.
        type: path
      timeout:
        description: Seconds to wait for each page.
        type: float
        default: 30.0
      retries:
        description: Retries of a page on connection errors, timeouts, HTTP 429 and 5xx, with exponential backoff.
        type: int
        default: 3
      backoff:
        description: First backoff in seconds (doubled each retry; a numeric C(Retry-After) wins).
        type: float
        default: 1.0
      max_pages:
        description:
          - HTTP sources - at most this many pages; more stops the collect (nothing written). A next
            link already read, a cursor already used or a page with the same records as the one
            before stops it too.
        type: int
        default: 10000
      time_budget:
        description:
          - HTTP sources - seconds for reading every page, retries and waits included; longer stops
            the collect (nothing written), so a slow or endless API never holds the run.
        type: float
        default: 1800.0
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
  description:
    - What changed since the previous vault, each list cut to O(max_reported) entries (AWX stores
      every result; a first collect of 100,000 persons must not return 100,000 ids). The counts
      are RV(change_counts).
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
    purged:
      description: Ids of persons purged by O(retention_days).
      type: list
      elements: str
  sample: {joined: ["10023"], left: [], changed: {"10001": ["contracts"]}, purged: []}
change_counts:
  description: How many persons joined, left, changed and were purged (all of them, not only those listed in RV(changes)).
  returned: always
  type: dict
  sample: {joined: 1, left: 0, changed: 1, purged: 0}
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
thresholds:
  description: Per source threshold with a limit, the count, the limit and whether it is exceeded.
  returned: always
  type: dict
  sample: {removed: {count: 33, limit: 3, exceeded: true}}
unchanged_inputs:
  description:
    - True when every source's content, the options and the vault file were exactly those of the
      last collect, so the collect stopped after reading the sources (a keyed fingerprint of
      them is kept in C(<vault>.fingerprint), encrypted like the vault).
  returned: when the inputs were unchanged
  type: bool
kept_from_previous:
  description: Ids of persons whose rows were rejected and who keep their previous vault record.
  returned: always
  type: list
  elements: str
ansible_facts:
  description:
    - In check mode, when the vault would change - one fact C(jml_pending_vault_<digest of the vault
      path>) with the would-be vault as a difference to the vault on disk (the persons that join,
      change or leave), compressed and encrypted with the vault secret (an ansible-vault envelope;
      plain only with O(encrypt=false)). It never holds HR data in clear, nothing is written to
      disk, and readers refuse it when the vault on disk changed since.
  returned: in check mode, when the vault would change
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.jml.provisioning.plugins.module_utils.options import HR_COLLECT_SPEC


def main():
    module = AnsibleModule(argument_spec=HR_COLLECT_SPEC, supports_check_mode=True)
    module.fail_json(msg="jml.provisioning.hr_collect runs as an action plugin on the controller; "
                         "it cannot run as a module on a remote host")


if __name__ == "__main__":
    main()
