#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: file_accounts
short_description: Keep a flat-file export (CSV or JSON Lines) of a target's accounts in line with the JML vault
version_added: 0.2.0
description:
  - Writes the desired accounts (and group memberships) of one target system as a CSV or JSON
    Lines file, for systems that import a file - badge, payroll, phone, e-learning. It runs on the
    same engine as M(jml.provisioning.ldap_accounts) - lifecycle, unique usernames, mapping
    expressions, business rules to groups, correlation, thresholds, alerts, plan file - with the
    previous export as the target's directory.
  - 'Lifecycle states, from the person''s contracts and the reference date, as in
    M(jml.provisioning.ldap_accounts): V(future) (no row; an existing row gets C(active=false)),
    V(prehire) (a row with C(active=false), O(lifecycle.pre_provision_days) before the start),
    V(active) (C(active=true)), V(suspended) (on leave - C(active=false), never removed, groups kept
    unless O(lifecycle.suspend.revoke_groups)), V(leaver) (C(active=false), managed groups removed) and V(delete)
    (the row is removed when O(lifecycle.delete_accounts=true)). A rehired person''s row is enabled
    again, or created again after a delete.'
  - Each row is an account - a joiner adds a row at the end, a mover changes cells, a rename
    (O(username.rename)) rewrites the login in place, a delete removes the row. Everything is
    applied to the rows in memory and the file is written once. Rows without an anchor value
    (added by hand) are never changed and keep their place.
  - Rows whose anchor value no vault person has any more are B(vanished) and get C(active=false),
    unless O(lifecycle.vanished=ignore).
  - B(Check mode) reads the previous export and the vault, plans and writes nothing; with C(--diff)
    it shows per row the cells that change - exactly what the real run then writes. Actions and
    diffs name a row by the engine's key C(<username column>=<login>,ou=accounts,o=file), which is
    never written to the file.
  - A folder that does not exist (for O(path) or O(delta_path)) is predicted by check mode and fails
    every operation (the file is one write); an export that cannot be written (disk full) fails the
    whole write with an error naming the file, and the previous export stays as it was.
  - A file holds no passwords - there is no C(initial_password) option.
  - Runs on the controller (action plugin), where the vault secrets are; the vault is decrypted in
    memory only.
author:
  - jml.provisioning maintainers (!UNKNOWN)
extends_documentation_fragment:
  - jml.provisioning.target
attributes:
  check_mode:
    support: full
    description:
      - Reads the previous export and the vault, computes the same plan and result as a real run and
        writes nothing. Thresholds are evaluated too.
  diff_mode:
    support: full
    description:
      - One diff per planned operation (row and action), holding only the changed cells; C(before) is
        empty for a create, C(after) for a delete, a rename shows the C(dn) (the row key). At most
        O(max_actions) diffs are returned.
  action:
    support: full
    description: Runs as an action plugin on the controller, where the vault and its secrets are.
  platform:
    support: full
    platforms: posix
    description: Runs on the controller; the target host of the play is not contacted.
options:
  lock_timeout:
    description:
      - 'One run at a time: the run holds an exclusive lock (C(flock)) - per target
        (the absolute O(path)), in O(lock_dir) - for its whole duration, in
        check mode too. A second run waits at most this many seconds for it, then fails
        with who holds it (PID, host, since when), writing nothing.'
      - The kernel releases the lock when a run ends however it ends, so a killed run never blocks
        the next one; the next run reports that it took over a killed run's lock.
      - The lock keeps runs from the same controller apart (and from several hosts sharing an NFSv4
        folder). Runs from several AWX/AAP nodes are kept apart by the job template's "concurrent
        jobs" setting (off by default), not by this lock.
    type: float
    default: 60.0
  encrypt:
    description:
      - The vault is an ansible-vault envelope, which authenticates it (its HMAC is keyed by the vault
        secret). With a vault secret in the play, a plain vault at O(vault) is refused before anything
        is read from the export - anyone who can write that file could have forged it.
      - Set V(false) only to read a plain vault on purpose (one written with
        O(jml.provisioning.hr_collect#module:encrypt=false)).
    type: bool
    default: true
  anchor:
    description:
      - How a row is recognised as a vault person's - the value of a person field stored in a
        column. Compared case-insensitively.
      - The anchor column is written on created rows and kept in step on existing ones. A row
        without a value in it is nobody's - never changed, and kept in its place.
    type: dict
    default: {}
    suboptions:
      person:
        description:
          - Dotted path of the field in the vault person, for example V(id), V(email) or
            V(custom.employee_number).
        type: str
        default: id
      attribute:
        description: The column that holds the value.
        type: str
        default: employee_id
      lookup_base:
        description: Not used by this target (a file has no scope outside the managed rows).
        type: str
      adopt:
        description: Not used by this target (a file has no scope outside the managed rows).
        type: bool
        default: false
  more_anchors:
    description:
      - Further anchors tried in order after O(anchor) for persons it did not match, the first
        match wins (for example V(email) <-> V(mail) to adopt accounts made before this
        collection). An account already claimed, or in a conflict, is never matched again.
      - Only O(anchor) is written to accounts; accounts found through a later anchor get it on this run.
    type: list
    elements: dict
    default: []
    suboptions:
      person:
        description: Dotted path of the field in the vault person.
        type: str
        required: true
      attribute:
        description: The column compared with it (case-insensitively); one of the export's columns.
        type: str
        required: true
  username:
    description:
      - How joiners are named. The username is the value of the O(username.attribute) column.
      - Existing rows keep their login (unless O(username.rename)) - for them C(username) is the
        value of that column.
    type: dict
    required: true
    suboptions:
      attribute:
        description:
          - The column that holds the username (the login). Unique among the rows, compared
            case-insensitively.
        type: str
        default: username
      candidates:
        description:
          - Jinja2 expressions giving username candidates, tried in order for C(n) = 1, 2, ... up to
            O(username.max_tries) until one is free. Names in scope as in O(attributes) (without
            C(username) and C(manager_dn)) plus C(n), the iteration.
          - Each candidate is transliterated to ASCII, lower-cased (see O(username.lowercase)),
            stripped of spaces and of characters not in O(username.allowed_characters), cut to
            O(username.max_length) and stripped of leading and trailing V(.), V(_) and V(-).
            An empty result is skipped, as is a name already tried.
          - A candidate that does not use C(n) gives one name only; see EXAMPLES for one that does.
        type: list
        elements: str
        required: true
      unique_attributes:
        description:
          - Attributes in which a new username must be free, in any row of the previous export
            (also in rows nobody manages), and among the names given earlier in the run.
            Compared case-insensitively.
          - For an attribute other than O(username.attribute), the value tested is the one its
            expression in O(attributes) gives for the candidate username, so for example C(uid) and
            C(mail) stay in step. An attribute not mapped in O(attributes) (same spelling) is
            not tested.
          - A multi-valued attribute (an expression giving a list, such as
            V(['SMTP:' ~ username ~ '@example.test']) for C(proxyAddresses)) is tested value by
            value - every value must be free.
          - C(mail) and C(proxyAddresses) are one namespace of mail addresses, compared without the
            C(smtp:)/C(SMTP:) prefix of a proxy address (it only marks the primary address) - an
            address held as anyone's C(mail) or in anyone's C(proxyAddresses) is taken for both.
            Other proxy address types (C(X500:), C(sip:)) keep their prefix.
          - Defaults to O(username.attribute) alone.
        type: list
        elements: str
      unique_base:
        description: Not used by this target (the rows of the export are the whole namespace).
        type: str
      max_length:
        description:
          - Maximum length of a username, in characters. A candidate cut to this length keeps room
            for the iteration number, so every try gives another name.
          - Default V(64).
        type: int
      allowed_characters:
        description:
          - Characters a username may contain, as the body of a regular expression character class.
            Other characters are removed.
        type: str
        default: a-z0-9._-
      lowercase:
        description:
          - Lower-case the candidates. With V(false) the case is kept and
            O(username.allowed_characters) matches letters in either case.
        type: bool
        default: true
      max_tries:
        description:
          - Highest value of C(n). A joiner for whom no candidate is free by then is reported in
            RV(failures) (action V(create)) and gets no account; the run goes on.
        type: int
        default: 50
      rename:
        description:
          - Rename existing accounts when the candidates give another login name (for example
            after a name change) - the row's username cell is rewritten in place, its groups stay,
            and the O(username.unique_attributes) that derive from C(username) follow. Off by default - a login name is for life.
        type: bool
        default: false
  attributes:
    description:
      - 'The mapping: column name -> Jinja2 expression giving its value (the syntax of
        C(when), not a C({{ }}) template, so Ansible passes it through untouched). Each expression
        is compiled once per run, before anything is read; an invalid one fails the task.'
      - 'Names in scope - C(person) (the vault person), C(contract) (the primary contract - a running
        one, the earliest started first; otherwise the next to start; otherwise the one that ended
        last), C(contracts) (all contracts), C(account) (the account''s current values, attribute
        names lower-cased, one value as a scalar and several as a list; empty for a new account),
        C(today) (the reference date as an ISO C(YYYY-MM-DD) string), C(username), C(state) (the
        lifecycle state), C(employment) and C(manager_dn) (the engine''s internal key of the manager''s row,
        C(username=<login>,ou=accounts,o=file) - map C(person.manager) to export the manager''s id).'
      - 'C(employment) is the whole employment, not one contract - C(employment.start) the earliest
        start and C(employment.end) the latest end over the contracts that run today or start later
        (over all contracts for a leaver); C(employment.end) is empty while any of them is
        open-ended. Map expiry dates from it (AD C(accountExpires - employment.end | filetime)),
        never from C(contract.end) - a person with a second, open-ended contract would be locked out
        when the primary one ends.'
      - Filters available besides Jinja2's own - C(ascii), C(slug), C(initials), C(family_name) (see
        the filters of the same names in this collection) and C(filetime) (a date as a Windows file
        time - the account expires at the midnight that ends that day in the controller's time
        zone, or in the one given - C(employment.end | filetime('Europe/Amsterdam')); no date
        gives "never") and C(shadow_expire) (a date as RFC 2307 C(shadowExpire), days since 1970 -
        the day after the last working day; no date gives no value - C(shadowExpire -
        employment.end | shadow_expire) on OpenLDAP with the C(shadowAccount) class). Ansible's own
        filters are not available in these expressions.
      - A result of V(None), an empty string or an empty list means an empty cell (JSON Lines -
        V(null)). A list gives several values - in CSV one cell, joined with O(csv.group_separator),
        in JSON Lines a list;
        V(true) and V(false) become V(TRUE) and V(FALSE); dates are written as ISO dates; other
        values as text with surrounding spaces removed.
      - Current and desired values are compared as text, column names case-insensitively. Each
        column may be mapped once. The columns are the mapping's order, after the username and
        anchor columns and before O(active_column) and O(groups.column) (see O(columns)).
      - The username, anchor, active and groups columns are the module's own and cannot be mapped.
    type: dict
    required: true
  create_only:
    description:
      - Columns of O(attributes) set when a row is created and never compared or updated
        afterwards (for example an initial C(mail) that users may change). Case-insensitive.
    type: list
    elements: str
    default: []
  lifecycle:
    description: When accounts are created, enabled, disabled and deleted.
    type: dict
    default: {}
    suboptions:
      pre_provision_days:
        description:
          - A joiner's account is created (disabled) this many days before their first contract
            starts, and enabled on the start date.
        type: int
        default: 14
      grace_days:
        description: The account stays enabled this many days after the last contract's end date.
        type: int
        default: 0
      delete_after_days:
        description:
          - A leaver whose last contract ended more than this many days ago is in state V(delete).
            Never, when not set.
        type: int
      delete_accounts:
        description:
          - Remove the rows of persons in state V(delete). With V(false), such rows are no
            longer managed - left as they are (C(active) V(false)) and not counted.
        type: bool
        default: false
      vanished:
        description:
          - What to do with an account whose anchor value is no longer in the vault (the person left
            every HR source) - V(disable) it, or V(ignore) it.
        type: str
        default: disable
        choices: [disable, ignore]
      exclude:
        description:
          - Jinja2 expression; persons for whom it is true are left out entirely - no account is
            created and an existing account is not touched. Names in scope as in O(attributes)
            (without C(username) and C(manager_dn)).
          - 'Example: V(person.custom.blocked).'
        type: str
      primary:
        description:
          - How the primary contract (C(contract) in expressions) is chosen among several - ordered
            criteria, the first that tells two contracts apart decides, the contract id breaks ties.
          - Each item is a built-in name - V(active) (running, then upcoming, then ended), V(start)
            (earliest first), V(end) (latest first, open-ended first), V(fte) (highest first) - or
            a dict with C(name) or C(expression) (over C(contract) and C(today)) and C(order)
            (V(asc) or V(desc)).
          - Default - active first (the longest serving), then the next to start, then the one
            that ended last.
        type: list
        elements: raw
      suspend:
        description:
          - 'Persons on leave - a dated absence in the vault person''s C(absences) that covers the
            reference date, or HR''s status flag C(on_leave: true) on every contract that runs - are
            in state V(suspended) - their row gets C(active=false) (a V(disable), counted as
            V(suspend) too), is never removed by O(lifecycle.delete_after_days), and gets
            C(active=true) again on return (an V(enable) with the reason C(returned from leave),
            counted as V(resume) too).'
          - A leaver is a leaver whatever their leave; with several running contracts, one that is
            not on leave keeps the person active. A row already inactive is left as it is.
        type: dict
        default: {}
        suboptions:
          enabled:
            description: V(false) - this export ignores leave (persons on leave stay active here).
            type: bool
            default: true
          revoke_groups:
            description:
              - V(true) - the managed groups leave the row's groups cell during the leave and come
                back on return. V(false) - they are kept.
            type: bool
            default: false
  rules:
    description:
      - Business rules, evaluated once per person per run. Each is a dict with C(name) (unique),
        C(when) (a Jinja2 expression over C(person), C(contract), C(contracts), C(account),
        C(today), C(state); default V(true)), C(any_contract) (match when the condition holds for
        any active contract as C(contract), not only the primary one), C(groups) (group names - written to
        the O(groups.column) column of the rows they are granted to) and C(attributes)
        (attribute -> expression), and an optional C(description).
      - The managed groups are exactly the groups some rule names. A managed group in a managed
        row's groups cell that no rule grants any more is removed from it; groups no rule names
        stay in the cell, and rows this run does not manage are never touched. Attributes a
        rule grants are owned by the rules (removed from persons no rule grants them to) and
        must not also be in O(attributes).
      - The result's RV(rules) shows for every rule who gains and who loses its groups.
    type: list
    elements: dict
    default: []
  path:
    description:
      - Path of the export on the controller. B(The previous export is the target) - it is read at
        the start of the run (missing - an empty target) and the plan is computed from its rows.
      - Written once per run, atomically (a temporary file beside it, then a rename) with mode
        V(0600), and only when its text changes - a run with nothing to do leaves the file and its
        mtime alone. Check mode never writes it.
      - A previous export that cannot be parsed (another format or delimiter, a broken row, a login
        on two rows, a vault envelope that does not open) stops the run with an error naming the
        file and line; nothing is written.
      - Rows without an anchor value (added by hand) are kept in their place, and byte for byte
        while the header is unchanged. Columns of the previous export that this run does not manage
        are kept, after the managed ones.
    type: path
    required: true
  format:
    description:
      - V(csv) (a header line, then one row per account) or V(jsonl) (JSON Lines - one JSON object per
        line, UTF-8; several values and the groups as lists, C(active) as a boolean, no value as V(null)).
    type: str
    default: csv
    choices: [csv, jsonl]
  csv:
    description: The CSV dialect (O(format=csv)).
    type: dict
    default: {}
    suboptions:
      delimiter:
        description: The field delimiter, one character (for example V(;) for spreadsheet tools set to a European locale).
        type: str
        default: ","
      encoding:
        description: The file's encoding (a Python codec name, for example V(utf-8), V(utf-8-sig) or V(cp1252)).
        type: str
        default: utf-8
      quoting:
        description: Quote V(minimal) (only fields that need it) or V(all) fields.
        type: str
        default: minimal
        choices: [minimal, all]
      quotechar:
        description: The quote character, one character.
        type: str
        default: '"'
      group_separator:
        description:
          - Joins the group names in the groups cell, and the values of a mapping that gives a list.
            Must differ from O(csv.delimiter).
          - Default V(;), or V(|) when O(csv.delimiter) is V(;).
        type: str
  columns:
    description:
      - The column order of the export. Must name every column the run manages (username, anchor,
        the O(attributes), the attributes rules grant, O(active_column) and, when rules grant groups,
        O(groups.column)); further names are written empty for new rows (and kept for existing ones).
      - Default - O(username.attribute), O(anchor.attribute), the O(attributes) in their order, the
        attributes rules grant, O(active_column), O(groups.column).
      - A new order alone changes no account, so it is written with the next run that changes a row.
    type: list
    elements: str
  active_column:
    description:
      - The column that says whether the account is enabled - V(true) or V(false). A leaver's row
        (and a prehire's) has V(false); an empty cell counts as V(true).
    type: str
    default: active
  encrypt_export:
    description:
      - Encrypt the export (and the O(delta_path) file) with the play's vault secret (the one named
        O(vault_id), else the first) as an ansible-vault envelope, for importers that decrypt it
        (C(ansible-vault view)). The next run decrypts it in memory.
      - With V(true) a previous export in plain text is refused (it could have been forged), and
        with V(false) an encrypted one - switch by encrypting or decrypting the file with
        C(ansible-vault).
    type: bool
    default: false
  delta_path:
    description:
      - Also write a file with only the rows this run changed, in the same format, with an
        C(action) column first - V(create), V(update), V(disable), V(enable) or V(delete) (a deleted
        row as it was). For importers that want changes, not the full list.
      - Written (atomically, mode V(0600)) only by a run that changed the export, so a run with
        nothing to do writes nothing at all; an importer should remove or move it after the import.
    type: path
  groups:
    description:
      - Group memberships in the export. A group is a name in each row's groups cell - every group a
        rule names exists; a row lists the managed groups it is granted, in name order, plus any other
        names already in the cell (never touched).
    type: dict
    default: {}
    suboptions:
      column:
        description: The column of the group names. Only written when rules grant groups.
        type: str
        default: groups
      revoke_on_disable:
        description: A disabled (leaver) row loses the managed groups; with V(false) it keeps them.
        type: bool
        default: true
notes:
  - 'Performance: the previous export is read once, every expression is compiled once per run, the
    plan is applied to the rows in memory and the file is written once, only when its text changed.'
  - Operations are applied in the order V(enable), V(move), V(disable), V(create), V(update),
    V(delete), then group grants and revokes, all to the rows in memory; a failing operation (for
    example an update of a row that is not there) is reported in RV(failures), the later operations
    of the same row are skipped and everything else is written.
seealso:
  - module: jml.provisioning.hr_collect
  - module: jml.provisioning.ldap_accounts
"""

EXAMPLES = r"""
- name: Export the badge system's accounts as CSV
  jml.provisioning.file_accounts:
    vault: /var/lib/jml/vault.json
    path: /srv/exports/badge/accounts.csv
    csv:
      delimiter: ";"
    username:
      candidates:
        - "(person.name.given | ascii) ~ '.' ~ (person.name | family_name | ascii) ~ (n if n > 1 else '')"
    attributes:
      display_name: person.name.display
      email: person.email
      department: contract.department.code
      title: contract.title.name or contract.title.code
      start_date: employment.start
      end_date: employment.end
    lifecycle:
      pre_provision_days: 7
      delete_after_days: 90
      delete_accounts: true
    rules:
      - name: all-staff
        when: "true"
        groups: [building-access]
      - name: ict
        when: contract.department.code == 'EN_ICT'
        any_contract: true
        groups: [server-room]
    plan_file: /var/lib/jml/badge-plan.json

- name: Evaluate the export without writing (check mode)
  jml.provisioning.file_accounts:
    vault: /var/lib/jml/vault.json
    path: /srv/exports/badge/accounts.csv
    csv:
      delimiter: ";"
    username:
      candidates:
        - "(person.name.given | ascii) ~ '.' ~ (person.name | family_name | ascii) ~ (n if n > 1 else '')"
    attributes:
      display_name: person.name.display
      email: person.email
      department: contract.department.code
      title: contract.title.name or contract.title.code
      start_date: employment.start
      end_date: employment.end
    lifecycle:
      pre_provision_days: 7
      delete_after_days: 90
      delete_accounts: true
    rules:
      - name: all-staff
        when: "true"
        groups: [building-access]
      - name: ict
        when: contract.department.code == 'EN_ICT'
        any_contract: true
        groups: [server-room]
  check_mode: true
  diff: true
  register: badge_plan

- name: Show which rows a real run would change
  ansible.builtin.debug:
    msg: "{{ badge_plan.summary }}"

- name: Payroll import - JSON Lines, encrypted with the vault secret, with a delta file of the changed rows
  jml.provisioning.file_accounts:
    vault: /var/lib/jml/vault.json
    path: /srv/exports/payroll/employees.jsonl
    format: jsonl
    encrypt_export: true
    delta_path: /srv/exports/payroll/changes.jsonl
    anchor:
      attribute: personnel_number
    username:
      attribute: login
      candidates:
        - "(person.name.given | ascii | lower)[:1] ~ (person.name.family | ascii | lower) ~ (n if n > 1 else '')"
    attributes:
      given_name: person.name.given
      family_name: person.name | family_name
      cost_centre: contract.department.code
      fte: contract.fte
    columns: [personnel_number, login, given_name, family_name, cost_centre, fte, active]
    thresholds:
      disable: {count: 5, percent: 10}

- name: Fix one person's row of the phone list now - the other pending changes wait for the nightly run
  jml.provisioning.file_accounts:
    vault: /var/lib/jml/vault.json
    path: /srv/exports/phone/phone.csv
    username:
      candidates:
        - "(person.name.given | ascii) ~ '.' ~ (person.name | family_name | ascii) ~ (n if n > 1 else '')"
    attributes:
      display_name: person.name.display
    only: ["BethanyC"]
"""

RETURN = r"""
changed:
  description:
    - Whether anything was (in check mode - would be) written. V(false) when a threshold stopped the run.
  returned: always
  type: bool
summary:
  description: Number of planned operations per action, unchanged rows and failures.
  returned: always
  type: dict
  contains:
    create:
      description: Rows added (joiners).
      type: int
    update:
      description: Rows whose cells are changed.
      type: int
    move:
      description: Rows renamed (O(username.rename) - the login follows the name).
      type: int
    enable:
      description: Rows set to C(active=true) (starters, returning persons).
      type: int
    disable:
      description: Rows set to C(active=false) (leavers, vanished rows).
      type: int
    delete:
      description: Rows removed.
      type: int
    grant:
      description: Group memberships granted (one per row and group).
      type: int
    revoke:
      description: Group memberships revoked (one per row and group).
      type: int
    suspend:
      description:
        - Of the V(disable) operations, those for a person on leave (state V(suspended)); counted
          in RV(summary.disable) as well.
      type: int
    resume:
      description:
        - Of the V(enable) operations, those for a person back from leave; counted in
          RV(summary.enable) as well.
      type: int
    unchanged:
      description: Managed rows that need no operation.
      type: int
    failed:
      description:
        - Operations that could not be planned, that the pre-flight predicts would fail, or that
          failed when applied (the length of RV(failures)). A threshold stop is not counted here.
      type: int
  sample: {create: 3, update: 5, move: 1, enable: 0, disable: 2, delete: 0,
           grant: 0, revoke: 0, unchanged: 1190, failed: 0}
actions:
  description:
    - The planned operations in apply order (at most O(max_actions)), in check mode too.
    - One row can have several (for example V(enable) then V(update)).
  returned: always
  type: list
  elements: dict
  contains:
    action:
      description:
        - V(create), V(enable), V(move), V(update), V(disable) or V(delete) for an account; V(grant)
          or V(revoke) for a group in the row's groups cell.
      type: str
    person:
      description: Id of the vault person; for a vanished row, its anchor value.
      type: str
    dn:
      description: The row's key before the operation, C(<username column>=<login>,ou=accounts,o=file) (for a create, the new row's); never written to the file.
      type: str
    new_dn:
      description: The row's key after a rename.
      type: str
      returned: when the account is moved
    group:
      description: The group's key C(cn=<name>,ou=groups,o=file), for V(grant) and V(revoke).
      type: str
      returned: for group memberships
    changes:
      description:
        - Changed cells, each as C([before, after]); V(null) means empty, several values are
          a list. Empty for a move or delete.
      type: dict
    event:
      description:
        - V(suspended) for a V(disable) of a person on leave, V(resumed) for an V(enable) on
          return from leave (the alert these raise). Absent for every other operation.
      type: str
      returned: for a leave's disable or enable
    reason:
      description: 'Why, for example C(joiner: contract 10023-1 starts 2026-12-01).'
      type: str
  sample:
    - action: create
      person: "10023"
      dn: username=jose.muller,ou=accounts,o=file
      changes: {display_name: [null, José Müller], employee_id: [null, "10023"]}
      reason: "joiner: contract 10023-1 starts 2026-12-01"
    - action: disable
      person: "10007"
      dn: username=an.jansen,ou=accounts,o=file
      changes: {active: ["true", "false"]}
      reason: "leaver: last contract ended 2026-11-30"
actions_truncated:
  description: Number of planned operations left out of RV(actions) because of O(max_actions).
  returned: always
  type: int
  sample: 0
correlation:
  description: How vault persons and the rows of the previous export were matched.
  returned: always
  type: dict
  contains:
    truncated:
      description:
        - Per list cut to O(max_actions) entries, how many it leaves out (the plan file holds them
          all); present only when a list was cut.
      type: dict
      returned: when a list was cut
      sample: {uncorrelated_accounts: 1204}
    correlated:
      description: Number of persons matched with exactly one row.
      type: int
    uncorrelated_persons:
      description: Ids of persons without a row (joiners, future joiners and leavers without one).
      type: list
      elements: str
    uncorrelated_accounts:
      description: Keys of rows with a login but without an anchor value; never touched.
      type: list
      elements: str
    vanished:
      description: Keys of rows whose anchor value no vault person has.
      type: list
      elements: str
    conflicts:
      description:
        - Ambiguous matches, left alone - C(person) with several C(accounts), or several C(persons)
          with one row, with the C(anchor) column and the C(problem).
      type: list
      elements: dict
    ignored:
      description: Keys of the accounts an C(ignore) decision of O(decisions_file) names; never touched.
      type: list
      elements: str
      version_added: 0.2.0
    decisions:
      description:
        - The decisions of O(decisions_file) and what each did - C(applied) (how many),
          C(redundant) (links the anchors now find by themselves - they can go) and C(entries),
          one per decision in file order with C(index), C(decision), C(person) and/or C(account),
          C(reason), C(author), C(date), C(ticket), C(effect) (V(linked), V(redundant),
          V(ignored), V(left alone), V(no account)) and C(detail).
        - C({applied - 0, redundant - 0, entries - []}) without a decisions file. C(entries) holds
          at most O(max_actions) entries (C(truncated.decisions) counts the rest; the plan file has all).
      type: dict
      version_added: 0.2.0
    suspended:
      description:
        - Ids of the persons on leave on the reference date who have a row here (state
          V(suspended) - inactive, never removed; see O(lifecycle.suspend)), whether or not this
          run deactivates them.
      type: list
      elements: str
  sample:
    correlated: 1195
    uncorrelated_persons: ["10023"]
    uncorrelated_accounts: ["username=svc-backup,ou=accounts,o=file"]
    vanished: []
    conflicts: []
rules:
  description:
    - Per business rule, the ids of the persons who C(gain) a group of the rule (a grant the rule
      gives) and who C(lose) one (a revoke of a group the rule names) in this plan. In check
      mode this is the impact of a rule change - exactly what the real run then does.
    - Each list holds at most O(max_actions) ids; C(gain_truncated) and C(lose_truncated) count
      the rest when there are more (the plan file holds them all).
  returned: always
  type: dict
  sample: {sales-staff: {gain: ["10023"], lose: []}}
thresholds:
  description: Per action with a limit in O(thresholds), the planned C(count), the effective C(limit) and whether it is C(exceeded).
  returned: always
  type: dict
  sample: {disable: {count: 2, limit: 10, exceeded: false}}
only:
  description:
    - V(null) for a run over everyone. With O(only), the run was limited to the named persons -
      C(persons) (the ids, sorted), C(count), and C(unset_links) - the named persons whose link to
      another account (C(manager_dn)) was left unset because this run does not create that
      account (each C(person) and its C(manager)).
    - RV(summary), RV(actions), RV(rules) and RV(failures) are then the named persons' only;
      RV(correlation) is the whole target's.
  returned: always
  type: dict
  sample: {persons: ["10023"], count: 1, unset_links: []}
failures_truncated:
  description:
    - How many failures RV(failures) leaves out - it lists at most O(max_actions); the plan file
      (O(plan_file)) holds them all.
  returned: always
  type: int
  sample: 0
failures:
  description:
    - Operations that could not be planned, that the pre-flight found would fail (a folder that does not exist),
      or that failed when applied, each with C(person), C(action), C(dn) and C(error); in check
      mode each also has C(predicted=true). A real run reports exactly the entries check mode
      predicted (plus a write that fails, for example a full disk).
    - Non-empty, it fails the task - after everything else was applied.
    - Version 0.1.0 returned this list as C(failed); see the changelog for the migration.
  returned: always
  type: list
  elements: dict
  sample:
    - person: "10023"
      action: create
      dn: username=jose.muller,ou=accounts,o=file
      error: "the export could not be written: /srv/exports/badge/accounts.csv: No space left on device; the previous export is unchanged"
applied:
  description: Number of operations written to the export in this run (0 in check mode).
  returned: always
  type: int
  sample: 12
stopped:
  description:
    - Why nothing was written - C(reason) V(threshold) and the C(exceeded) actions, or C(reason)
      V(approval) and what C(changed) since the O(approved_plan) was computed (V(directory), or
      V(plan) when the directory's answers during planning differ).
  returned: when a threshold or a no longer matching approved plan stopped the run
  type: dict
  sample: {reason: threshold, exceeded: [disable]}
approval:
  description:
    - The plan's approval block, as the O(plan_file) holds it - what O(approved_plan) checks.
    - C(digest) of the operations, C(fingerprints) (C(vault), C(config), C(directory)) of what
      the plan was computed from, C(reference_date), C(target), C(operations) and C(summary), and
      C(signature) (an HMAC-SHA256 with O(plan_key) or the vault-derived key; V(null) without a key).
    - C(applied_approved_plan) when O(approved_plan) was given - whether it matched and was applied
      (in check mode - would be).
  returned: when O(plan_file) or O(approved_plan) is set
  type: dict
  sample:
    format: jml.provisioning/plan-approval/v1
    digest: 9f2c4e0d8b1a4c5e9d7f3b2a1c0e8d6f5b4a3c2e1d0f9e8d7c6b5a4f3e2d1c0b
    fingerprints: {vault: 1b2c..., config: 3d4e..., directory: 5f6a...}
    reference_date: "2026-11-26"
    target: ldap_accounts ldaps://dc1.example.test:636 ou=people,dc=example,dc=test
    operations: 4
    summary: {create: 3, disable: 1, unchanged: 1190, failed: 0}
    signature: 0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9
alerts:
  description:
    - What the O(alerts) did. Zero and empty when O(alerts) is not set, in check mode, and when
      the run raised no event.
  returned: always
  type: dict
  contains:
    sent:
      description: Number of messages the mail server accepted (for at least one recipient).
      type: int
    failed:
      description:
        - Recipients that did not get their message, each with C(to), C(subject) and C(error) (the
          connection, TLS, login or recipient error). Also shown as a warning; the task does not fail.
      type: list
      elements: dict
    undeliverable:
      description:
        - Events a rule found no recipient for, each with C(rule), C(event), C(person), C(dn) and
          C(error) (the failing or empty O(alerts.rules[].to_expression), or a template error).
      type: list
      elements: dict
  sample:
    sent: 2
    failed:
      - to: it@example.com
        subject: "[jml badge] Provisioning 2026-11-26: 3 created, 1 disabled"
        error: "refused: 550 5.1.1 mailbox unavailable"
    undeliverable:
      - rule: managers
        event: disabled
        person: "10007"
        dn: username=an.jansen,ou=accounts,o=file
        error: managers.to_expression gave no address
reference_date:
  description: The date the lifecycle was evaluated on (ISO).
  returned: always
  type: str
  sample: "2026-11-26"
check_mode:
  description: Whether this was a check-mode run (the plan only, nothing written).
  returned: always
  type: bool
run_id:
  description:
    - The id of this real run (a UUID) - in every audit entry it wrote (option O(audit)), and shown
      by M(jml.provisioning.impact_report). A new one on every real run; null in check mode, which
      records nothing (so the same plan gives the same evaluation report).
  returned: always
  type: str
  sample: 6f1c2b8e-3d4a-4c55-9e0f-2a7b9c1d5e60
audit:
  description: The audit trail of this run (option O(audit)).
  returned: always
  type: dict
  contains:
    enabled:
      description: Whether the audit trail is kept.
      type: bool
      returned: always
    dir:
      description: Its folder (null when not kept).
      type: str
      returned: always
    file:
      description: The file this run appended its entries to; null when it wrote none (check mode, nothing done).
      type: str
      returned: always
    entries:
      description: How many entries this run appended (0 in check mode).
      type: int
      returned: always
    expired:
      description: Names of the audit files older than the retention period that this run deleted.
      type: list
      elements: str
      returned: always
    recovered:
      description:
        - How many entries an earlier run of this target left pending and this run recorded - that
          run was killed during its writes, or could not append its entries after them (see O(audit)).
        - Each has the outcome V(unknown) - it may or may not have been applied; this run converges
          the target either way.
      type: int
      returned: always
    error:
      description: Why the entries could not be appended after the writes (a warning says so too).
      type: str
      returned: when the trail could not be written
  sample: {enabled: true, dir: /var/lib/jml/audit, file: /var/lib/jml/audit/audit-2026-12-03.jsonl,
           entries: 12, expired: [], recovered: 0}
incremental:
  description:
    - What an incremental cycle did (O(incremental)) - C(mode) V(unchanged) (nothing changed since
      the last run - its outcome reported, nothing read or planned), V(incremental) (only the
      persons something changed for were planned; the result is the full reconcile's), V(full) or
      V(off) (the option is not enabled); C(reason) - why a run was full, or what a cycle planned;
      C(full_date) - the last full reconcile's date; C(next_due) - the first date on which a
      person's lifecycle may change.
  returned: always
  type: dict
  sample: {mode: unchanged, reason: "", full_date: "2026-12-04", next_due: "2026-12-07"}
ledger:
  description:
    - What the identifier ledger (O(ledger)) recorded in this run (in check mode - would record) -
      C(recorded) identifiers new to it, C(released) (their owner has no account any more),
      C(restored) (released ones seen on their owner's account again), C(reserved) (held or in
      quarantine) and C(identifiers) (all it knows for this target).
  returned: when O(ledger.enabled=true)
  type: dict
  sample: {recorded: 2, released: 1, restored: 0, reserved: 1204, identifiers: 1310}
vault_source:
  description:
    - Which HR data the plan is of - V(collect) (in check mode, the would-be vault of this run's
      check-mode M(jml.provisioning.hr_collect), as in C(site.yml --check)) or V(vault) (the vault
      on disk; always in a real run).
  returned: always
  type: str
  sample: collect
msg:
  description: Why the task failed.
  returned: when a threshold stopped the run or an operation failed
  type: str
  sample: "file_accounts: 1 operation(s) failed, the others were applied; first: create
    username=jose.muller,ou=accounts,o=file: the export could not be written: ...; see 'failures'"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.jml.provisioning.plugins.module_utils.options import FILE_ACCOUNTS_SPEC


def main():
    module = AnsibleModule(argument_spec=FILE_ACCOUNTS_SPEC, supports_check_mode=True)
    module.fail_json(msg="jml.provisioning.file_accounts runs as an action plugin on the controller; "
                         "it cannot run as a module on a remote host")


if __name__ == "__main__":
    main()
