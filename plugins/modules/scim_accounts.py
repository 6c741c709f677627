#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scim_accounts
short_description: Reconcile the users and groups of a SCIM 2.0 service provider with the JML vault
version_added: 0.2.0
description:
  - Brings the Users (and the Groups the O(rules) name) of one SCIM 2.0 service provider
    (RFC 7643 and RFC 7644 - the protocol of most SaaS applications) in line with the persons in
    B(the vault) written by M(jml.provisioning.hr_collect), with the lifecycle, naming, rules,
    thresholds, check mode and result of M(jml.provisioning.ldap_accounts).
  - B(Discovery first.) C(/ServiceProviderConfig), C(/ResourceTypes) and C(/Schemas) decide what
    is sent - PATCH only where announced (else a C(PUT) of the whole user, read first, so nothing
    unmapped is lost), C(/Bulk) within its C(maxOperations) and C(maxPayloadSize), C(If-Match)
    with the version read where ETags are announced, filters only where filtering is. A mapped
    attribute the server's schema does not have, or has read-only, and a schema extension it does
    not announce for its Users fail the task before the first write.
  - B(Reads in bulk.) The Users in pages (by cursor where the server announces RFC 9865 cursors,
    else C(startIndex)/C(count); no larger than the announced C(filter.maxResults) and
    C(pagination.maxPageSize)), asking only for the mapped attributes; the managed Groups by
    C(displayName) filters. Users are correlated on O(anchor) (C(externalId) by default), users
    without it are never touched, a conflict is never guessed.
  - B(Minimal writes.) POST for a joiner, PATCH with only the changed paths for a mover (an element
    such as C(emails[type eq "work"].value) is changed through its filter, so its other
    sub-attributes and the other elements stay), C(active=false) to disable and C(true) to
    enable, DELETE after retention, C(members) added and removed by PATCH in batches of
    O(groups.batch_size). Members of a managed group that are not users of this run are never
    removed.
  - The engine names users and groups with keys that look like DNs - C(userName=<login>,ou=Users)
    and C(displayName=<name>,ou=Groups) - in the result, the diff, the plan file and the impact
    report; they never reach the server, which knows the users by C(id) (recorded as the
    action's C(guid)). A rename (O(username.rename)) is a C(move) that PATCHes C(userName);
    group memberships follow it (they are held by C(id)).
  - A 412 (the user changed on the server between the read and the write), and any other refusal,
    is a failure of that account only - its later operations are skipped, the others are
    written, and the next run converges. A 429 or 503 is retried after its C(Retry-After).
  - Runs on the controller (action plugin), where the vault secrets are. Needs Python 3.11 or later
    and C(scim2-client[httpx2]) and C(scim2-models) (see the README for why and which versions).
author:
  - jml.provisioning maintainers (!UNKNOWN)
extends_documentation_fragment:
  - jml.provisioning.target
attributes:
  check_mode:
    support: full
    description:
      - Reads the service provider and the vault, computes the same plan and result as a real run
        and sends no write. Thresholds are evaluated too.
  diff_mode:
    support: full
    description:
      - One diff per planned operation, holding only the changed attributes (as paths).
  action:
    support: full
    description: Runs as an action plugin on the controller, where the vault and its secrets are.
  platform:
    support: full
    platforms: posix
    description: Runs on the controller; the target host of the play is not contacted.
options:
  connection:
    description:
      - How to reach the service provider.
      - 'Options not given fall back to environment variables, which an AWX/AAP credential type
        injects (see the README): C(JML_SCIM_URL), C(JML_SCIM_TOKEN), C(JML_SCIM_USERNAME),
        C(JML_SCIM_PASSWORD), C(JML_SCIM_CA_FILE). An option given in the task wins.'
    type: dict
    suboptions:
      base_url:
        description:
          - The SCIM base URL, the one C(/Users) and C(/ServiceProviderConfig) are under (for
            example V(https://scim.example.com/v2)).
          - If not set, the environment variable C(JML_SCIM_URL).
        type: str
        required: true
      auth:
        description: How to authenticate - a bearer token (OAuth) or HTTP basic.
        type: dict
        suboptions:
          type:
            description: The scheme.
            type: str
            default: bearer
            choices: [bearer, basic]
          token:
            description: The bearer token. Never shown, even at C(-vvvv). If not set, C(JML_SCIM_TOKEN).
            type: str
          username:
            description: The basic authentication user. If not set, C(JML_SCIM_USERNAME).
            type: str
          password:
            description: The basic authentication password. Never shown. If not set, C(JML_SCIM_PASSWORD).
            type: str
      validate_certs:
        description: Verify the server's TLS certificate. Set V(false) only for a throwaway test server.
        type: bool
        default: true
      ca_file:
        description: A PEM file of the CAs to trust instead of the system's. If not set, C(JML_SCIM_CA_FILE).
        type: path
      timeout:
        description: Seconds to wait for an answer to one request.
        type: float
        default: 30.0
      retries:
        description:
          - How often a request answered 429 or 503 (or a connection refused before anything was
            sent) is tried again, after the server's C(Retry-After) (seconds or an HTTP date), else
            after 0.5, 1, 2... seconds.
        type: int
        default: 5
      max_retry_wait:
        description:
          - The longest C(Retry-After) the run waits for; a server asking for more gets its answer
            reported as the operation's failure.
        type: float
        default: 120.0
      page_size:
        description: Users per page of the read; capped by the announced C(filter.maxResults).
        type: int
        default: 100
      bulk:
        description:
          - Send the account writes as C(/Bulk) requests when the server announces bulk, within its
            limits. V(false) sends one request per write.
        type: bool
        default: true
      quirks:
        description:
          - The quirk profile of the server family - how it departs from the RFCs, as data
            (C(targets/scim/discovery.py) C(QUIRKS)). V(rfc) takes what discovery announces as it is.
          - V(github) - PATCH paths with a filter are refused (GitHub Enterprise managed users); a
            changed element such as the work email is sent as the whole C(emails) attribute,
            every other element as read.
          - V(eq-only) - the filter takes one C(eq) comparison, no C(or); the managed groups are
            read one per request.
          - V(scim2-server) - the reference server of the tests (as V(rfc)).
        type: str
        default: rfc
        choices: [rfc, github, eq-only, scim2-server]
  filter:
    description:
      - A SCIM filter (RFC 7644 section 3.4.2.2) that scopes the managed users, for example
        V(userType eq "Employee"). Users outside it are never changed, but their logins count
        as taken, and one carrying a joiner's anchor is a conflict. Needs a server that announces
        filtering.
      - Without it every user of the service provider is in scope - one with an C(externalId) no
        vault person has is a vanished account and is disabled (see O(lifecycle.vanished)).
    type: str
  anchor:
    description: The person field and the user attribute that tie a person to their account.
    type: dict
    default: {}
    suboptions:
      person:
        description: Dotted path of the person field (V(id), V(employee_number)...).
        type: str
        default: id
      attribute:
        description: The user attribute path holding it.
        type: str
        default: externalId
  username:
    description:
      - How joiners are named - their C(userName). Existing users keep theirs unless
        O(username.rename=true).
    type: dict
    required: true
    suboptions:
      attribute:
        description: The login attribute.
        type: str
        default: userName
      candidates:
        description:
          - Jinja2 expressions giving login candidates, tried in order for C(n) = 1, 2, ... until one
            is free among every user of the service provider (compared without case).
        type: list
        elements: str
        required: true
      unique_attributes:
        description:
          - Attribute paths in which a new login must be free too (for example
            V(emails[type eq "work"].value) when the address derives from it). Defaults to the login alone.
        type: list
        elements: str
      max_length:
        description: Maximum length of a login. Default V(255).
        type: int
      allowed_characters:
        description: Characters a login may contain, as the body of a regular expression character class.
        type: str
        default: a-z0-9._-
      lowercase:
        description: Lower-case the candidates.
        type: bool
        default: true
      max_tries:
        description: Highest value of C(n); a joiner with no free candidate is a failure of that joiner.
        type: int
        default: 50
      rename:
        description: Rename existing users when the candidates give another login (a PATCH of C(userName)).
        type: bool
        default: false
  attributes:
    description:
      - SCIM attribute path -> Jinja2 expression over C(person), C(contract), C(contracts),
        C(account), C(today), C(username), C(state), C(employment) and C(manager_dn) (the
        manager's key after this run). Paths - V(title), V(name.givenName),
        V(emails[type eq "work"].value) (one element of a multi-valued attribute, picked by one
        equality), and the same inside a schema extension,
        V(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department).
      - Only these paths (and the login, the anchor and C(active)) are read, compared and written;
        every other attribute of a user is never touched. An expression giving none, V('') or
        V([]) removes the value. Values are typed as the server's schema types them.
      - C(id), C(active) and the login attribute are the target's own and cannot be mapped.
    type: dict
    required: true
  dn_attributes:
    description:
      - Paths whose values are references to users (their C(id) on the server); the expressions
        give keys (C(manager_dn)), the adapter sends ids. A user created in the same run is
        created before the users that point to it.
    type: list
    elements: str
    default: ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"]
  initial_password:
    description: A C(password) sent with a joiner's POST (write-only on every server; never read back or shown).
    type: dict
    default: {}
    suboptions:
      generate:
        description: Generate a random password for each joiner.
        type: bool
        default: false
      length:
        description: Length of a generated password (at least 12).
        type: int
        default: 20
      value:
        description: An expression giving the password instead (same names as O(attributes)).
        type: str
  groups:
    description: How the groups the O(rules) name are kept (by C(displayName)).
    type: dict
    default: {}
    suboptions:
      create_missing:
        description: Create a managed group the server does not have (POST with its members); else a failure of each grant.
        type: bool
        default: false
      revoke_on_disable:
        description: Leavers lose the groups the rules gave them.
        type: bool
        default: true
      batch_size:
        description: Members added or removed per PATCH of a group.
        type: int
        default: 100
"""

EXAMPLES = r"""
- name: Reconcile the SaaS tenant with the vault
  jml.provisioning.scim_accounts:
    vault: /var/lib/jml/vault.json
    connection:
      base_url: https://scim.example.com/v2
      auth:
        type: bearer
        token: "{{ scim_token }}"
    username:
      candidates:
        - "person.name.given | ascii | lower ~ '.' ~ person.name.family | ascii | lower"
        - "person.name.given | ascii | lower ~ '.' ~ person.name.family | ascii | lower ~ n"
    attributes:
      name.givenName: person.name.given
      name.familyName: person.name.family
      displayName: person.name.display
      emails[type eq "work"].value: person.email
      title: contract.title
      urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department: contract.department.name
      urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value: manager_dn
    lifecycle:
      pre_provision_days: 14
      delete_after_days: 90
      delete_accounts: true
    rules:
      - name: engineering
        when: contract.department.code == 'ENG'
        groups: [Engineering]
    groups:
      create_missing: true
    thresholds:
      disable: {percent: 10}
      delete: {count: 20}
  register: scim_result

- name: Only the employees, through a SCIM filter; every write one request
  jml.provisioning.scim_accounts:
    vault: /var/lib/jml/vault.json
    connection:
      base_url: https://tenant.example.com/scim/v2
      auth: {type: basic, username: provisioning, password: "{{ scim_password }}"}
      ca_file: /etc/pki/tls/certs/internal-ca.pem
      bulk: false
    filter: userType eq "Employee"
    username:
      candidates: ["person.email"]
      allowed_characters: a-z0-9._@-
    attributes:
      displayName: person.name.display
      userType: "'Employee'"

- name: Try the configuration on two persons in production first - a manager and her report
  jml.provisioning.scim_accounts:
    vault: /var/lib/jml/vault.json
    connection:
      base_url: https://scim.example.com/v2
      auth: {type: bearer, token: "{{ scim_token }}"}
    username:
      candidates: ["person.email"]
      allowed_characters: a-z0-9._@-
    attributes:
      displayName: person.name.display
    only: ["1001", "1005"]
"""

RETURN = r"""
changed:
  description:
    - Whether anything was (in check mode - would be) written. V(false) when a threshold stopped the run.
  returned: always
  type: bool
summary:
  description: Number of planned operations per action, unchanged accounts and failures.
  returned: always
  type: dict
  contains:
    create:
      description: Accounts created (joiners).
      type: int
    update:
      description: Accounts whose attributes are changed.
      type: int
    move:
      description: Accounts moved to another container (movers).
      type: int
    enable:
      description: Accounts enabled (starters, returning persons).
      type: int
    disable:
      description: Accounts disabled (leavers, vanished accounts).
      type: int
    delete:
      description: Accounts deleted.
      type: int
    grant:
      description: Group memberships granted (one per account and group).
      type: int
    revoke:
      description: Group memberships revoked (one per account and group).
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
      description: Managed accounts that need no operation.
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
    - One account can have several (for example V(enable) then V(update)).
  returned: always
  type: list
  elements: dict
  contains:
    action:
      description:
        - V(create), V(enable), V(move) (a rename), V(update), V(disable) or V(delete) for a user;
          V(grant) or V(revoke) for a group membership.
      type: str
    person:
      description: Id of the vault person; for a vanished account, its anchor value.
      type: str
    dn:
      description: Key of the user before the operation (C(userName=<login>,ou=Users); for a create, the new user's).
      type: str
    new_dn:
      description: The key after the operation, when it renames the user.
      type: str
      returned: when the account is moved
    group:
      description: The group's key (C(displayName=<name>,ou=Groups)), for V(grant) and V(revoke).
      type: str
      returned: for group memberships
    children:
      description: For a V(delete), the number of objects under the entry, deleted with it.
      type: int
      returned: for a delete of an entry with children
    guid:
      description: The user's C(id) on the service provider, recorded for the audit trail.
      type: str
      returned: for existing users
    changes:
      description:
        - Changed attributes, each as C([before, after]); V(null) means absent, several values are
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
      dn: uid=jose.muller,ou=people,dc=example,dc=test
      changes: {givenName: [null, José], employeeNumber: [null, "10023"]}
      reason: "joiner: contract 10023-1 starts 2026-12-01"
    - action: disable
      person: "10007"
      dn: uid=an.jansen,ou=people,dc=example,dc=test
      changes: {pwdAccountLockedTime: [null, 000001010000Z]}
      reason: "leaver: last contract ended 2026-11-30"
actions_truncated:
  description: Number of planned operations left out of RV(actions) because of O(max_actions).
  returned: always
  type: int
  sample: 0
correlation:
  description: How vault persons and the managed accounts were matched.
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
      description: Number of persons matched with exactly one account.
      type: int
    uncorrelated_persons:
      description: Ids of persons without an account (joiners, future joiners and leavers without one).
      type: list
      elements: str
    uncorrelated_accounts:
      description: Keys of users in scope without an anchor value; never touched.
      type: list
      elements: str
    vanished:
      description: Keys of users whose anchor value no vault person has.
      type: list
      elements: str
    conflicts:
      description:
        - Ambiguous matches, left alone - C(person) with several C(accounts), or several C(persons)
          with one account, with the C(anchor) attribute and the C(problem).
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
        - Ids of the persons on leave on the reference date who have an account here (state
          V(suspended) - disabled, never deleted; see O(lifecycle.suspend)), whether or not this
          run disables them.
      type: list
      elements: str
  sample:
    correlated: 1195
    uncorrelated_persons: ["10023"]
    uncorrelated_accounts: ["uid=svc-backup,ou=people,dc=example,dc=test"]
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
    - Operations that could not be planned, that the pre-flight found the service provider would refuse,
      or that failed when applied, each with C(person), C(action), C(dn) and C(error); in check
      mode each also has C(predicted=true). A real run reports exactly the entries check mode
      predicted (plus anything the service provider refuses that could not be foreseen).
    - Non-empty, it fails the task - after everything else was applied.
  returned: always
  type: list
  elements: dict
  sample:
    - person: "10023"
      action: create
      dn: uid=jose.muller,ou=people,dc=example,dc=test
      error: "add: objectClassViolation"
applied:
  description: Number of operations the service provider confirmed in this run (0 in check mode).
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
        subject: "[jml saas1] Provisioning 2026-11-26: 3 created, 1 disabled"
        error: "refused: 550 5.1.1 mailbox unavailable"
    undeliverable:
      - rule: managers
        event: disabled
        person: "10007"
        dn: uid=an.jansen,ou=people,dc=example,dc=test
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
  sample: "scim_accounts: 1 operation(s) failed, the others were applied; first: update
    userName=jose.muller,ou=Users: 412 Failed to update. Resource has changed on the server; see 'failures'"
requests:
  description:
    - What the run sent to the service provider - requests by HTTP method (a re-run with no change
      sends C(GET) only), how many were retried after a 429 or 503 and the seconds waited.
  returned: when the service provider was reached
  type: dict
  sample: {"requests": {"GET": 4, "PATCH": 2, "POST": 3}, "retried": 0, "waited": 0.0}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.jml.provisioning.plugins.module_utils.options import SCIM_ACCOUNTS_SPEC


def main():
    module = AnsibleModule(argument_spec=SCIM_ACCOUNTS_SPEC, supports_check_mode=True)
    module.fail_json(msg="jml.provisioning.scim_accounts runs as an action plugin on the controller; "
                         "it cannot run as a module on a remote host")


if __name__ == "__main__":
    main()
