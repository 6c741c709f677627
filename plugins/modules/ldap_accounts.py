#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ldap_accounts
short_description: Reconcile the accounts of an LDAP directory with the JML vault
version_added: 0.1.0
description:
  - Brings the accounts of one LDAP directory in line with the persons in B(the vault) written by
    M(jml.provisioning.hr_collect) - joiners get an account, movers are updated or moved,
    leavers are disabled (and optionally deleted later).
  - Reads the managed accounts, correlates them with the vault persons over the O(anchor),
    decides each person's lifecycle state on the reference date, computes the complete, ordered
    plan and only then writes. Check mode returns exactly the plan a real run applies.
  - 'Lifecycle states, from the person''s contracts and the reference date:
    V(future) (first contract starts after the pre-provisioning window - no account is created;
    an existing account is disabled),
    V(prehire) (a contract starts within O(lifecycle.pre_provision_days) - the account is created
    disabled),
    V(active) (a contract runs, or the last one ended at most O(lifecycle.grace_days) ago - the
    account is enabled),
    V(suspended) (active, but on leave on the reference date - the account is disabled, never
    deleted, and enabled on return; see O(lifecycle.suspend)),
    V(leaver) (every contract has ended - the account is disabled) and
    V(delete) (the last contract ended more than O(lifecycle.delete_after_days) ago - the account is
    deleted when O(lifecycle.delete_accounts=true), otherwise no longer managed and left as it is).
    A contract''s end date is its last working day; a person without contracts is a leaver.'
  - Accounts whose anchor attribute holds a value no vault person has any more are B(vanished)
    and are disabled like leavers, unless O(lifecycle.vanished=ignore). Accounts in scope without an
    anchor value are B(uncorrelated) and are never touched. A person matching several accounts,
    or an account claimed by several persons, is a B(conflict) - both sides are left alone.
  - Existing accounts keep their names - only joiners are named, from O(username.candidates).
    Only the attributes in O(attributes) (plus the anchor, username and lock attributes) are read,
    compared and written; everything else on an account is never touched.
  - One operation failing (for example a schema violation) does not stop the others - the later
    operations of the same account are skipped, everything else is applied, and the task then fails
    with the list of failures in RV(failures). Planning problems (an expression that fails for a
    person, no free username) are reported the same way and only skip that person.
  - B(Check mode predicts the failures.) After planning, a read-only pre-flight - the same in check
    mode and in a real run - finds what the directory would refuse - a new or moved account in a
    container that does not exist, a DN already held by an object the run does not manage, a value
    over the flavour's limit (AD - C(cn) 64, C(sAMAccountName) 20, C(title) 128, C(employeeID) 16
    and the other schema limits). Check mode lists these in RV(failures) with C(predicted=true); a
    real run reports the same entries and does not send those writes.
  - A joiner's RDN that a contact, group or other object already holds in the container gives the
    next free name (C(Jan Jansen (2))); a C(cn) over the flavour's limit is cut, leaving room for
    the number, so it stays unique.
  - When a planned count exceeds one of the O(thresholds), nothing is written (unless
    O(allow_threshold_override=true)) and the task fails, in check mode too. A threshold stop is
    RV(stopped), not a failed operation.
  - Runs on the controller (action plugin), where the vault secrets are; the vault is decrypted in
    memory only.
author:
  - jml.provisioning maintainers (!UNKNOWN)
extends_documentation_fragment:
  - jml.provisioning.ldap_connection
  - jml.provisioning.target
attributes:
  check_mode:
    support: full
    description:
      - Reads the directory and the vault, computes the same plan and result as a real run and
        writes nothing to the directory. Thresholds are evaluated too, so a check-mode run is the
        impact evaluation of the real one.
  diff_mode:
    support: full
    description:
      - One diff per planned operation (account and action), holding only the changed attributes;
        C(before) is empty for a create, C(after) for a delete, a move or rename shows the C(dn).
        At most O(max_actions) diffs are returned.
  action:
    support: full
    description: Runs as an action plugin on the controller, where the vault and its secrets are.
  platform:
    support: full
    platforms: posix
    description: Runs on the controller; the target host of the play is not contacted.
options:
  flavour:
    description:
      - The kind of directory - V(openldap) (the C(inetOrgPerson) schema and, for locking, the
        C(ppolicy) overlay) or V(ad) (Active Directory, and Samba AD).
      - With V(ad), C(accountExpires) is compared as a Windows file time (0 and 0x7FFFFFFFFFFFFFFF
        both mean never). Configure the rest of an AD target with the options - O(rdn) V(cn) from
        the display name, O(username) on C(sAMAccountName) (O(username.max_length) 20), the
        O(anchor) C(employeeID), O(disable.strategy) V(uac), O(initial_password) C(unicodePwd)
        (only over LDAPS or StartTLS); C(inventories/demo/ad.yml) is a complete example.
    type: str
    default: openldap
    choices: [openldap, ad]
  rdn:
    description:
      - The RDN of accounts, when it is not the username - AD names users
        C(CN=<display name>); a value taken in the container gets a number - C(Jan Jansen (2)).
        When the value changes (a new display name) the account is renamed; the login name is not.
    type: dict
    suboptions:
      attribute:
        description: The RDN attribute, for example V(cn).
        type: str
        required: true
      value:
        description: Jinja2 expression of its value, for example V(person.name.display).
        type: str
        required: true
  search_base:
    description:
      - Base DN of the search for the managed accounts (subtree). Defaults to O(accounts_dn).
      - It must contain every place a managed account can be - O(accounts_dn), every DN
        O(container) can give and O(disable.disabled_dn). An account moved outside it is no longer
        seen, so the person would look like a joiner when they come back.
    type: str
  search_filter:
    description:
      - LDAP filter that selects the managed accounts under O(search_base). Entries it does not
        match are never read, compared or touched.
    type: str
    default: (objectClass=inetOrgPerson)
  accounts_dn:
    description:
      - DN of the container new accounts are created in, unless O(container) gives another.
      - Also the default of O(search_base).
    type: str
    required: true
  container:
    description:
      - Jinja2 expression giving the DN of the container an account belongs in, for example
        V('ou=' ~ contract.department.code ~ ',ou=people,dc=example,dc=test'). An empty result means
        O(accounts_dn). Names in scope as in O(attributes), except C(manager_dn).
      - When the result changes, the account is moved (a V(move) action, reason C(mover)).
        Disabled accounts go to O(disable.disabled_dn) instead when O(disable.strategy) contains V(move).
      - Not set - every account belongs in O(accounts_dn).
    type: str
  create_containers:
    description:
      - Create the containers (C(ou=) entries, with their missing parents) that new and moved
        accounts are placed in (O(container), O(accounts_dn)) when they do not exist, before any
        account is written. They are operations of the plan (action V(container)), shown in check
        mode and counted in C(summary.container).
      - Without it, an account whose container does not exist is a failure the pre-flight predicts
        (in check mode too); the other accounts are written.
    type: bool
    default: false
  object_classes:
    description:
      - Object classes of new accounts. The object classes of existing accounts are never changed.
    type: list
    elements: str
    default: [inetOrgPerson]
  anchor:
    description:
      - How an account is recognised as a vault person's - the value of a person field stored in an
        account attribute. Compared case-insensitively.
      - The anchor attribute is written on created accounts and kept in step on existing ones.
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
        description: The account attribute that holds the value.
        type: str
        default: employeeNumber
      lookup_base:
        description:
          - Where a joiner's anchor is looked up before an account is created for them - an account
            that already carries it outside O(search_base) (made before the collection, or moved
            away by hand) is never duplicated; it is a correlation conflict, or adopted with
            O(anchor.adopt).
          - Default - the domain naming context of O(search_base) (its C(dc=) part), else
            O(search_base) itself.
        type: str
      adopt:
        description:
          - Adopt an account found outside O(search_base) with a joiner's anchor - it is managed from
            this run on and moved into its container (O(container) or O(accounts_dn)). Without it,
            such an account is a conflict - reported, warned about, and the person left alone.
        type: bool
        default: false
  username:
    description:
      - How joiners are named. The username is the value of the RDN of the account's DN.
      - Existing accounts are never renamed - for them C(username) is the value of their RDN.
    type: dict
    required: true
    suboptions:
      attribute:
        description:
          - Attribute that holds the username. It is the RDN attribute of new accounts
            (C(uid=<username>,<container>)) and is never updated on existing ones.
        type: str
        default: uid
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
          - Attributes in which a new username must be free, anywhere under O(username.unique_base)
            (not only among the managed accounts), and among the names given earlier in the run.
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
        description:
          - Base DN of the search for names already taken. Defaults to O(search_base), or
            O(accounts_dn).
          - This search reads every entry with one of the O(username.unique_attributes) under it,
            and is only made when at least one joiner needs a name.
        type: str
      max_length:
        description:
          - Maximum length of a username, in characters. A candidate cut to this length keeps room
            for the iteration number, so every try gives another name.
          - Default V(64), and V(20) with O(flavour=ad) (the limit of C(sAMAccountName)).
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
            after a name change) - a modrdn to the new name, and the O(username.unique_attributes)
            that derive from C(username) follow. Off by default - a login name is for life.
        type: bool
        default: false
  attributes:
    description:
      - 'The mapping: account attribute name -> Jinja2 expression giving its value (the syntax of
        C(when), not a C({{ }}) template, so Ansible passes it through untouched). Each expression
        is compiled once per run, before anything is read; an invalid one fails the task.'
      - 'Names in scope - C(person) (the vault person), C(contract) (the primary contract - a running
        one, the earliest started first; otherwise the next to start; otherwise the one that ended
        last), C(contracts) (all contracts), C(account) (the account''s current values, attribute
        names lower-cased, one value as a scalar and several as a list; empty for a new account),
        C(today) (the reference date as an ISO C(YYYY-MM-DD) string), C(username), C(state) (the
        lifecycle state), C(employment) and C(manager_dn) (the DN of the account of the person''s
        C(manager) after this run, also when that account is created in the same run; empty without
        one).'
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
      - A result of V(None), an empty string or an empty list means the attribute is absent - it
        is not set on create and removed from an existing account. A list gives several values;
        V(true) and V(false) become V(TRUE) and V(FALSE); dates are written as ISO dates; other
        values as text with surrounding spaces removed.
      - Current and desired values are compared as the directory would - attribute names
        case-insensitively, several values as a set, the O(dn_attributes) as DNs. Each attribute
        may be mapped once.
      - The anchor attribute (O(anchor.attribute)) and the username attribute are set by the module;
        mapping them has no effect.
    type: dict
    required: true
  owned_values:
    description:
      - 'For multi-valued attributes that other systems co-own, which values the mapping owns -
        attribute name -> a dict with C(patterns) (regular expressions, case-sensitive, matched
        with C(re.search)) and optionally C(keep_replaced) (an expression over C(value) - what a
        replaced owned value stays as; without it a replaced value is removed).'
      - The values the mapping gives are always written. Of the values an account already has,
        those that match C(patterns) are the mapping's (replaced when it gives others), and every
        other value is kept as it is - for example the C(X500:) and secondary C(smtp:) addresses
        Exchange or an admin added to C(proxyAddresses). A kept value never duplicates a mapped one
        (compared as uniqueness compares them - addresses without case and C(smtp:) prefix).
      - 'With O(flavour=ad) the default for C(proxyAddresses) is
        C({patterns: ["^SMTP:"], keep_replaced: "''smtp:'' ~ value[5:]"}) - the mapping owns the
        primary address only, and on a login rename the old primary stays as a secondary alias
        (Exchange''s own convention), so mail to it still arrives. Set an attribute to V(null) to
        own every value of it.'
      - Attributes that are not in O(attributes) are never touched anyway.
    type: dict
    default: {}
  dn_attributes:
    description:
      - Attributes whose values are DNs; they are compared case-insensitively and ignoring spaces
        around separators, so a DN spelt differently by the server is no change.
    type: list
    elements: str
    default: [manager]
  disable:
    description: How accounts are disabled and enabled.
    type: dict
    default: {}
    suboptions:
      strategy:
        description:
          - How a disabled account is marked, a list of V(lock) or V(uac), and/or V(move).
          - V(uac) (Active Directory) sets the ACCOUNTDISABLE bit (0x2) of C(userAccountControl) and
            clears it to enable, keeping every other bit; new accounts start as 512 (enabled) or 514.
          - V(lock) sets O(disable.lock_attribute) to O(disable.lock_value) and removes it to
            enable. With OpenLDAP, C(pwdAccountLockedTime=000001010000Z) locks the account
            permanently; it only takes effect when the C(ppolicy) overlay is loaded and the
            applicable password policy has C(pwdLockout=TRUE). An account with any value in the lock
            attribute counts as disabled.
          - V(move) moves the account under O(disable.disabled_dn) and back into its container to
            enable. An account under O(disable.disabled_dn) counts as disabled.
          - Accounts created for V(prehire) persons are created disabled the same way.
        type: list
        elements: str
        default: [lock]
      disabled_dn:
        description:
          - DN of the container disabled accounts are moved to. Required when O(disable.strategy)
            contains V(move). Keep it inside O(search_base).
        type: str
      lock_attribute:
        description: Attribute set to lock an account (strategy V(lock)).
        type: str
        default: pwdAccountLockedTime
      lock_value:
        description: Value of O(disable.lock_attribute) that locks an account.
        type: str
        default: 000001010000Z
  initial_password:
    description: An initial password for new accounts.
    type: dict
    default: {}
    suboptions:
      generate:
        description:
          - Give each created account a random password, stored as an C({SSHA}) hash.
          - The password is generated at write time and never appears in the result, diffs, the
            plan file or logs, so nobody knows it - the first real password must come from a
            reset or self-service process. Without it, accounts are created without a password.
        type: bool
        default: false
      length:
        description:
          - Length of the generated password (at least 12); it always holds an upper-case and a
            lower-case letter, a digit and a symbol, which meets AD's default complexity policy.
        type: int
        default: 20
      attribute:
        description:
          - Attribute that receives the password - V(userPassword) gets an C({SSHA}) hash,
            V(unicodePwd) (AD) the quoted UTF-16LE password in the same add that creates the
            account, so an account is never enabled without a password. A password the
            directory's policy refuses fails that account's create; it is reported and nothing is
            left half-made.
        type: str
        default: userPassword
      must_change:
        description: The user must change the password at first logon (AD C(pwdLastSet=0), ppolicy C(pwdReset)).
        type: bool
        default: false
      value:
        description:
          - Jinja2 expression of the initial password instead of a generated one (names as in
            O(attributes)); an empty result falls back to a generated password. The value is
            used only in the add and never appears in results, diffs or plan files.
        type: str
  groups:
    description: Where the rules' groups live and how memberships are written.
    type: dict
    default: {}
    suboptions:
      base:
        description:
          - DN under which group names given in rules are placed (as C(cn=<name>,<base>)), and where
            O(groups.create_missing) creates them.
        type: str
      object_class:
        description:
          - Object class of groups created by O(groups.create_missing) (V(group) for AD); with
            O(groups.lookup), only groups of this class are found.
        type: str
        default: groupOfNames
      name_attribute:
        description: RDN attribute of groups given by name.
        type: str
        default: cn
      lookup:
        description:
          - Attribute a group name in the rules is looked up by, for example V(sAMAccountName) in
            AD - the rules then name groups as Windows does, whatever their CN and OU. A value with
            C(=) in it is still a DN.
          - Every name of every rule is resolved to its group's DN before the plan is made, with
            one search of O(groups.lookup_base) (an OR filter of up to 100 names per search, not
            one search per name). A name no group has is the group
            C(<name_attribute>=<name>,<base>) - created by O(groups.create_missing) with this
            attribute set to the name too (AD would otherwise invent a C(sAMAccountName) such as
            C($624E9B7E-7755BA9CBEE3F632)). A name two groups have fails the task before anything
            is written - name that group by DN.
          - Not set - a name is always C(<name_attribute>=<name>,<base>).
        type: str
      lookup_base:
        description:
          - Base DN of the O(groups.lookup) search (subtree). Defaults to the domain of
            O(groups.base) - its trailing C(DC=) components, for example V(DC=example,DC=test),
            since a C(sAMAccountName) is unique in the whole domain.
        type: str
      group_type:
        description:
          - C(groupType) of the groups this module creates (AD), for example V(-2147483646) global
            security, V(-2147483644) domain local security, V(-2147483640) universal security,
            V(2) global distribution. Existing groups are never changed.
          - Not set - the domain controller's default, a global security group.
        type: int
      member_attribute:
        description: The attribute holding the members' DNs.
        type: str
        default: member
      placeholder_member:
        description:
          - A C(groupOfNames) needs at least one member - a group whose last managed member is
            revoked keeps this DN as its only member, and loses it again with the next grant.
        type: str
        default: cn=nobody
      create_missing:
        description: Create a managed group that does not exist yet (otherwise its grants are reported in RV(failures)).
        type: bool
        default: false
      revoke_on_disable:
        description: Leavers (and accounts of persons gone from the vault) lose their managed group memberships.
        type: bool
        default: true
notes:
  - 'Performance: the managed scope is read with one paged search asking only for the attributes
    the plan needs (those of O(attributes), the anchor, username and lock attributes). The
    directory-wide read of the O(username.unique_attributes) is made only when a joiner needs a
    name. Expressions are compiled once per run; a plain dotted path such as C(person.name.given)
    is read without Jinja2. When nothing differs, the run makes no write at all and reports
    C(changed=false).'
  - Secrets - O(connection.bind_password) is C(no_log). Generated initial passwords are created at
    write time, stored only as an C({SSHA}) hash and never appear in results, diffs or the plan file.
  - Operations are applied in the order V(enable), V(move), V(disable), V(create), V(update),
    V(delete), then by DN (creates with managers first), one LDAP request per operation (an enable
    or disable that also moves the account is a modify followed by a rename). Requests of one kind
    are pipelined (up to 32 unanswered), and each kind is answered in full before the next starts;
    a create that links to an account still being created waits for it. Every account is at its
    final DN before a create or update writes a DN-valued attribute such as C(manager), which
    Active Directory checks. A link to an account moved in the same run is planned as an update
    and written after the move; it is not left to the directory (slapd's refint renames links in
    the background and can lose one, and many directories have no refint).
  - Group memberships (V(grant) and V(revoke)) come last, one modify per group for all of its
    changes; a failing group write is retried member by member so one bad member does not fail
    the others. A missing group (O(groups.create_missing)) is one add with its members and its own
    attributes (O(groups.lookup), O(groups.group_type)), after every account write.
seealso:
  - module: jml.provisioning.hr_collect
"""

EXAMPLES = r"""
- name: Reconcile the OpenLDAP directory with the vault
  jml.provisioning.ldap_accounts:
    vault: /var/lib/jml/vault.json
    connection:
      server_uri: ldaps://ldap.example.test
      bind_dn: cn=jml,ou=services,dc=example,dc=test
      bind_password: "{{ jml_ldap_bind_password }}"
      ca_file: /etc/ssl/certs/example-ca.pem
    search_base: ou=people,dc=example,dc=test
    accounts_dn: ou=people,dc=example,dc=test
    anchor:
      person: id
      attribute: employeeNumber
    username:
      attribute: uid
      candidates:
        - "(person.name.given | ascii) ~ '.' ~ (person.name | family_name | ascii) ~ (n if n > 1 else '')"
      unique_attributes: [uid, mail]
      unique_base: dc=example,dc=test
    attributes:
      cn: person.name.display
      sn: person.name | family_name
      givenName: person.name.given
      displayName: person.name.display
      initials: person.name.initials
      mail: username ~ '@example.test'
      employeeType: contract.type
      departmentNumber: contract.department.code
      title: contract.title.code
      manager: manager_dn
    disable:
      strategy: [lock]
    initial_password:
      generate: true
    lifecycle:
      pre_provision_days: 14
      grace_days: 1
      exclude: person.custom.blocked
    thresholds:
      disable: {count: 10, percent: 20}
      delete: {count: 0}
  register: reconciled

- name: Reconcile Active Directory - logins, UPN, mail and proxyAddresses in step; groups by sAMAccountName
  jml.provisioning.ldap_accounts:
    vault: /var/lib/jml/vault.json
    flavour: ad
    connection:
      server_uri: ldaps://dc1.example.test
      bind_dn: CN=jml-svc,OU=Service,DC=example,DC=test
      bind_password: "{{ vault_ad_bind_password }}"
      ca_file: /etc/pki/ad-ca.pem
    search_base: OU=People,DC=example,DC=test
    search_filter: (&(objectClass=user)(objectCategory=person))
    accounts_dn: OU=People,DC=example,DC=test
    object_classes: [top, person, organizationalPerson, user]
    anchor: {person: id, attribute: employeeID}
    rdn: {attribute: cn, value: person.name.display}
    disable: {strategy: [uac]}
    initial_password: {generate: true, attribute: unicodePwd}
    username:
      attribute: sAMAccountName
      max_length: 20
      candidates:
        - "(person.name.given | ascii) ~ '.' ~ (person.name | family_name | ascii) ~ (n if n > 1 else '')"
      unique_attributes: [sAMAccountName, userPrincipalName, mail, proxyAddresses]
      unique_base: DC=example,DC=test
    attributes:
      givenName: person.name.given
      sn: person.name | family_name
      displayName: person.name.display
      mail: username ~ '@example.test'
      userPrincipalName: username ~ '@example.test'
      proxyAddresses: "['SMTP:' ~ username ~ '@example.test']"
      manager: manager_dn
      accountExpires: employment.end | filetime
    lifecycle:
      delete_after_days: 90
      delete_accounts: true
    rules:
      - name: sales
        when: contract.department.code == 'SALES'
        groups: [sales-eu]            # the group whose sAMAccountName is sales-eu, in any OU
    groups:
      base: OU=Groups,DC=example,DC=test
      object_class: group
      lookup: sAMAccountName
      placeholder_member: ""
      create_missing: true
      group_type: -2147483646         # global security (the DC's default too)

- name: Reconcile and tell IT (one digest) and each leaver's manager (one mail per leaver)
  jml.provisioning.ldap_accounts:
    vault: /var/lib/jml/vault.json
    connection:
      server_uri: ldaps://ldap.example.test
      bind_dn: cn=jml,ou=services,dc=example,dc=test
      bind_password: "{{ jml_ldap_bind_password }}"
    accounts_dn: ou=people,dc=example,dc=test
    username:
      candidates:
        - "(person.name.given | slug) ~ '.' ~ (person.name.family | slug) ~ (n if n > 1 else '')"
    attributes:
      cn: person.name.display
      sn: person.name.family
      givenName: person.name.given
    alerts:
      smtp:
        host: smtp.example.test
        port: 587
        security: starttls
        username: jml
        password: "{{ jml_smtp_password }}"
      from: jml@example.test
      rules:
        - name: it
          events: [created, disabled, deleted, threshold, failed]
          to: [it-accounts@example.test]
        - name: managers
          events: [disabled]
          to_expression: manager.email
          digest: false
          subject: !unsafe "Account of {{ event.name }} disabled"
          template: leaver-mail.txt.j2   # templates/leaver-mail.txt.j2 next to the playbook

- name: Evaluate the impact without writing (check mode)
  jml.provisioning.ldap_accounts:
    vault: /var/lib/jml/vault.json
    connection:
      server_uri: ldaps://ldap.example.test
      bind_dn: cn=jml,ou=services,dc=example,dc=test
      bind_password: "{{ jml_ldap_bind_password }}"
    accounts_dn: ou=people,dc=example,dc=test
    username:
      candidates:
        - "(person.name.given | slug) ~ '.' ~ (person.name.family | slug) ~ (n if n > 1 else '')"
    attributes:
      cn: person.name.display
      sn: person.name.family
      givenName: person.name.given
    thresholds:
      disable: {percent: 5}
    plan_file: /var/lib/jml/plan.json
  check_mode: true
  register: evaluation
  ignore_errors: true   # a threshold that would be exceeded fails the task; report it anyway

- name: Show what a real run would do
  ansible.builtin.debug:
    msg:
      - "Planned: {{ evaluation.summary | default('no plan: ' ~ evaluation.msg | default('')) }}"
      - "Thresholds: {{ evaluation.thresholds | default({}) }}"
      - "Would fail: {{ evaluation.failures | default([]) }}"

- name: What if - the state of the directory on the first of next month
  jml.provisioning.ldap_accounts:
    vault: /var/lib/jml/vault.json
    connection:
      server_uri: ldap://ldap.example.test
      start_tls: true
      bind_dn: cn=jml,ou=services,dc=example,dc=test
      bind_password: "{{ jml_ldap_bind_password }}"
    accounts_dn: ou=people,dc=example,dc=test
    container: "'ou=' ~ (contract.department.code | lower) ~ ',ou=people,dc=example,dc=test'"
    search_base: ou=people,dc=example,dc=test
    username:
      candidates:
        - "(person.name.given | initials | lower) ~ (person.name.family | slug('')) ~ (n if n > 1 else '')"
    attributes:
      cn: person.name.display
      sn: person.name.family
      givenName: person.name.given
    disable:
      strategy: [lock, move]
      disabled_dn: ou=disabled,ou=people,dc=example,dc=test
    reference_date: "2026-12-01"
  check_mode: true
  diff: true
  register: what_if

- name: Show who would join and leave by then
  ansible.builtin.debug:
    msg: "{{ what_if.actions | selectattr('action', 'in', ['create', 'disable']) | map(attribute='dn') }}"

# Change-managed: the check's plan file (above) is reviewed and approved (a pull request, an AWX
# approval node); the real run applies exactly it, or nothing when anything changed since.
- name: Apply exactly the approved plan of the evaluation
  jml.provisioning.ldap_accounts:
    vault: /var/lib/jml/vault.json
    connection:
      server_uri: ldaps://ldap.example.test
      bind_dn: cn=jml,ou=services,dc=example,dc=test
      bind_password: "{{ jml_ldap_bind_password }}"
    accounts_dn: ou=people,dc=example,dc=test
    username:
      candidates:
        - "(person.name.given | slug) ~ '.' ~ (person.name.family | slug) ~ (n if n > 1 else '')"
    attributes:
      cn: person.name.display
      sn: person.name.family
      givenName: person.name.given
    thresholds:
      disable: {percent: 5}
    approved_plan: /var/lib/jml/plan.json

- name: One joiner now - the full plan cut to person 10023, nobody else is written
  jml.provisioning.ldap_accounts:
    vault: /var/lib/jml/vault.json
    connection:
      server_uri: ldaps://ldap.example.test
      bind_dn: cn=jml,ou=services,dc=example,dc=test
      bind_password: "{{ jml_ldap_bind_password }}"
    accounts_dn: ou=people,dc=example,dc=test
    username:
      candidates:
        - "(person.name.given | slug) ~ '.' ~ (person.name.family | slug) ~ (n if n > 1 else '')"
    attributes:
      cn: person.name.display
      sn: person.name.family
      givenName: person.name.given
      manager: manager_dn
    only: ["10023"]
  register: one_joiner
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
    relink:
      description:
        - Memberships that follow an account to its new DN (a mover, or a stale member DN an
          earlier move left in a directory without refint). Present only when there are any.
      type: int
      returned: when memberships follow accounts
    container:
      description: Containers created (O(create_containers)). Present only when there are any.
      type: int
      returned: when containers are created
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
        - V(create), V(enable), V(move), V(update), V(disable) or V(delete) for an account; V(grant),
          V(revoke) or V(relink) for a membership (V(relink) - still a member, the group's member
          DN follows the account; written only where the directory did not rename it itself);
          V(container) for a container O(create_containers) makes.
      type: str
    person:
      description: Id of the vault person; for a vanished account, its anchor value.
      type: str
    dn:
      description: DN of the account before the operation (for a create, the new account's DN).
      type: str
    new_dn:
      description: DN after the operation, when it moves the account.
      type: str
      returned: when the account is moved
    group:
      description: The group's DN, for V(grant), V(revoke) and V(relink).
      type: str
      returned: for group memberships
    children:
      description: For a V(delete), the number of objects under the entry, deleted with it.
      type: int
      returned: for a delete of an entry with children
    guid:
      description: The account's C(objectGUID) (Active Directory), recorded for the audit trail.
      type: str
      returned: for existing AD accounts
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
      description: DNs of accounts in scope without an anchor value; never touched.
      type: list
      elements: str
    vanished:
      description: DNs of accounts whose anchor value no vault person has.
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
    - Operations that could not be planned, that the pre-flight found the directory would refuse,
      or that failed when applied, each with C(person), C(action), C(dn) and C(error); in check
      mode each also has C(predicted=true). A real run reports exactly the entries check mode
      predicted (plus anything the directory refuses that could not be foreseen).
    - Non-empty, it fails the task - after everything else was applied.
    - Version 0.1.0 returned this list as C(failed); see the changelog for the migration.
  returned: always
  type: list
  elements: dict
  sample:
    - person: "10023"
      action: create
      dn: uid=jose.muller,ou=people,dc=example,dc=test
      error: "add: objectClassViolation"
applied:
  description: Number of operations the directory confirmed in this run (0 in check mode).
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
        subject: "[jml ldap1] Provisioning 2026-11-26: 3 created, 1 disabled"
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
      V(off) (the option is not enabled); C(reason) - why a run was full, what a cycle planned, or
      for V(unchanged) which newest-write stamp proved it (empty - the three reads did);
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
  sample: "ldap_accounts: 1 operation(s) failed, the others were applied; first: create
    uid=jose.muller,ou=people,dc=example,dc=test: add: objectClassViolation; see 'failures'"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.jml.provisioning.plugins.module_utils.options import LDAP_ACCOUNTS_SPEC


def main():
    module = AnsibleModule(argument_spec=LDAP_ACCOUNTS_SPEC, supports_check_mode=True)
    module.fail_json(msg="jml.provisioning.ldap_accounts runs as an action plugin on the controller; "
                         "it cannot run as a module on a remote host")


if __name__ == "__main__":
    main()
