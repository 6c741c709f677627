# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):
    """The options every target module shares (module_utils/options.target_spec)."""

    DOCUMENTATION = r"""
options:
  vault:
    description: Path of the vault file on the controller, as written by M(jml.provisioning.hr_collect).
    type: path
    required: true
  vault_id:
    description:
      - Vault id of the secret the vault is encrypted with. Not needed to read it - decryption tries
        every vault secret of the play. Accepted so the same variables serve
        M(jml.provisioning.hr_collect) and this module.
    type: str
  lock_timeout:
    description:
      - 'One run at a time: the run holds an exclusive lock (C(flock)) - per target
        (its server and scope - for LDAP C(connection.server_uri) and C(search_base), for SCIM
        C(connection.base_url) and C(filter), for a file its C(path)), in O(lock_dir) - for its whole duration, in
        check mode too. A second run waits at most this many seconds for it, then fails
        with who holds it (PID, host, since when), writing nothing.'
      - The kernel releases the lock when a run ends however it ends, so a killed run never blocks
        the next one; the next run reports that it took over a killed run's lock.
      - The lock keeps runs from the same controller apart (and from several hosts sharing an NFSv4
        folder). Runs from several AWX/AAP nodes are kept apart by the job template's "concurrent
        jobs" setting (off by default), not by this lock.
    type: float
    default: 60.0
  lock_dir:
    description:
      - Folder of the target's lock file (C(.jml-target-<digest>.lock)). Default - the folder of O(vault),
        where the run's state lives anyway.
    type: path
  encrypt:
    description:
      - The vault is an ansible-vault envelope, which authenticates it (its HMAC is keyed by the vault
        secret). With a vault secret in the play, a plain vault at O(vault) is refused before anything
        is read from the target - anyone who can write that file could have forged it.
      - Set V(false) only to read a plain vault on purpose (one written with
        O(jml.provisioning.hr_collect#module:encrypt=false)).
    type: bool
    default: true
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
        description: The account attribute compared with it (case-insensitively).
        type: str
        required: true
  create_only:
    description:
      - Attributes of O(attributes) set when an account is created and never compared or updated
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
          - Delete the accounts of persons in state V(delete). With V(false), such accounts are no
            longer managed - left as they are (disabled) and not counted.
          - An account with objects under it (Exchange's ActiveSync devices under an AD user) is
            deleted with them - with the tree-delete control where the server announces it (AD,
            Samba), else the children first, deepest first (OpenLDAP). The pre-flight counts them -
            the action's C(children), in check mode too.
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
            in state V(suspended) - their account is disabled (as a leaver''s, by
            O(thresholds) counted as V(disable) and also as V(suspend)), never deleted (only an
            active person is suspended, so O(lifecycle.delete_after_days) never runs during a
            leave), and enabled again on return (an V(enable) with the reason C(returned from
            leave), counted as V(resume) too). A joiner who starts on leave is created disabled.'
          - A leaver is a leaver whatever their leave; with several running contracts, one that is
            not on leave keeps the person active. An account already disabled (by hand) is left as
            it is.
        type: dict
        default: {}
        suboptions:
          enabled:
            description: V(false) - this target ignores leave (persons on leave stay active here).
            type: bool
            default: true
          revoke_groups:
            description:
              - V(true) - the memberships of managed groups are revoked during the leave and
                granted again on return. V(false) - they are kept (the account is disabled only).
            type: bool
            default: false
  rules:
    description:
      - Business rules, evaluated once per person per run. Each is a dict with C(name) (unique),
        C(when) (a Jinja2 expression over C(person), C(contract), C(contracts), C(account),
        C(today), C(state); default V(true)), C(any_contract) (match when the condition holds for
        any active contract as C(contract), not only the primary one), C(groups) (DNs, or names -
        placed under C(groups.base), or looked up by C(groups.lookup)) and C(attributes)
        (attribute -> expression), and an optional C(description).
      - The managed groups are exactly the groups some rule names. A membership of a managed
        account in a managed group that no rule grants any more is revoked; groups no rule names,
        and memberships of accounts this run does not manage, are never touched. Attributes a
        rule grants are owned by the rules (removed from persons no rule grants them to) and
        must not also be in O(attributes).
      - The result's RV(rules) shows for every rule who gains and who loses its groups.
    type: list
    elements: dict
    default: []
  rules_file:
    description:
      - A YAML file of rules in the same shape (a list, or a mapping with a C(rules) list), added
        to O(rules). Keeping rules in a file lets a change be reviewed and evaluated like code.
    type: path
  reference_date:
    description:
      - The date (ISO, V(YYYY-MM-DD)) lifecycle states are decided on and C(today) is in
        expressions. Defaults to the controller's current date.
      - Set it with check mode to see what a later date would do (a what-if). A real run with a
        reference date applies that date's states.
    type: str
  only:
    description:
      - Limit the run to these persons (vault person ids) - to try the configuration in production
        on one account, or to provision one joiner now without applying everything else that is
        pending. Empty (the default) - everyone.
      - 'The plan is the full run''s, cut to the named persons: correlation, unique names and DNs
        are computed over the whole population (a joiner gets the name a full run would give), then
        only the named persons'' operations are kept - their account''s create, update, move,
        enable, disable or delete, and their own group grants and revokes (a group''s write holds
        only their member changes). Nobody else, and no uncorrelated account, is written; the
        containers created (O(jml.provisioning.ldap_accounts#module:create_containers)) are the
        ones the named persons need.'
      - A person who left the vault (a leaver whose account is disabled as vanished) is named by
        their account's anchor value (O(anchor.attribute)), which their actions show as C(person).
      - An id that is neither a vault person nor the anchor of an account whose person left the
        vault fails the task before anything is written, in check mode too.
      - A link to another person's account (C(manager_dn)) names that account where it is after
        this run - the current DN of a manager who is not named; none for a manager whose account
        this run does not create (the link is set by a later run that names them). RV(only) lists
        these C(unset_links).
      - 'O(thresholds): the counts are the named persons'' operations; a C(percent) keeps the
        whole target''s managed accounts as its base (with the subset as base, the default 10% would
        refuse to disable one named leaver - 10% of 1 is 0). C(count) limits are unchanged.'
      - Check mode, RV(summary), RV(actions), RV(rules), RV(failures) and the plan file are the
        limited run's; RV(correlation) is the whole target's; RV(only) says the run was limited.
    type: list
    elements: str
    default: []
  thresholds:
    description:
      - Limits per action that stop a run before it writes anything - protection against a
        truncated or empty HR export disabling everyone.
      - 'A dictionary action -> limits; actions are V(create), V(enable), V(move), V(update),
        V(disable), V(delete), V(grant) and V(revoke), and V(suspend) and V(resume) (the disables
        and enables for a leave, which count toward V(disable) and V(enable) as well). Limits are C(count) (a number of
        operations) and/or C(percent) (a percentage of the accounts this run manages - correlated
        plus vanished, at least 1 - rounded down); with both the smaller applies. A plain number
        is a C(count), a string such as V(5%) a C(percent) (the syntax of every limit of the
        collection, as C(max_rejected) of the sources).'
      - When a planned count is higher than its limit, nothing is written, RV(stopped) says which
        limit and the task fails - in check mode too, so an evaluation shows it. The full plan is
        still returned; a threshold stop is no entry of RV(failures).
      - An unknown action fails the task before anything is read.
      - 'B(Safe by default.) Not set, the limits are C({disable: {count: 50, percent: 10}, delete:
        {count: 50, percent: 10}}) - a run that would disable or delete more than 10% of the accounts
        it manages (or more than 50) stops before any write. Set your own to raise or lower them;
        V({}) switches them off.'
    type: dict
  allow_threshold_override:
    description:
      - Apply the plan even when a threshold is exceeded (after checking the evaluation).
        RV(thresholds) still reports the excess.
    type: bool
    default: false
  max_actions:
    description:
      - At most this many operations are listed in RV(actions) and as diffs; RV(actions_truncated)
        counts the rest. RV(summary) always counts all of them.
      - The other lists of the result are bounded by it too - RV(failures) (RV(failures_truncated)
        counts the rest), the correlation lists and each rule's C(gain) and C(lose) - so a
        100,000-person run's result stays small; the O(plan_file) holds every entry.
      - Only the report is bounded - every planned operation is applied.
    type: int
    default: 1000
  plan_file:
    description:
      - Path of a file on the controller to write the complete plan to as JSON (the result with
        every action, none truncated), for M(jml.provisioning.impact_report) or a review. Each
        action is one line of the file, so a plan greps and diffs action by action.
      - Written on every run, in check mode too and when a threshold stops the run (then it is
        exactly the plan that was refused). Written atomically with mode 0600.
      - It holds attribute values of persons - keep it somewhere only operators can read.
      - It carries the plan's C(approval) block (see RV(approval)), so the plan of a check-mode run
        can be approved and applied exactly with O(approved_plan).
    type: path
  audit:
    description:
      - 'The audit trail: an append-only JSON Lines log of every operation a real run applied,
        tried and saw fail, or wrote without knowing whether it was applied (its C(outcome) - V(applied),
        V(failed) or V(unknown) - the connection was lost before the answer). One entry per
        operation - C(time) (UTC, when the run''s writes finished), C(run_id) (RV(run_id)),
        C(host) (the inventory host), C(target) (C(module), C(server), C(scope)), C(person),
        C(dn) (and C(new_dn) for a move), C(operation), C(changes) (attribute -> [before, after]),
        C(group) and C(rule) (grants and revokes), C(reason), C(outcome), C(error).'
      - B(Never a secret) - passwords are never in it (a create that set an initial password
        says so with C(initial_password) V(true)); an attribute named like a password (C(userPassword),
        C(unicodePwd), C(password)...) is written as C(********) whatever the mapping puts in it.
      - Check mode writes nothing to it, and a run that changes nothing adds nothing. A threshold
        stop writes nothing and records nothing.
      - 'One file per UTC day, C(<dir>/audit-YYYY-MM-DD.jsonl), shared by every target (each entry
        names its target): files are opened for appending only, a run''s entries are written under
        an exclusive lock of the file and C(fsync)-ed, so runs in parallel never interleave. A run
        killed mid-write leaves at most one partial last line, which readers skip.'
      - Read it with the lookup P(jml.provisioning.audit#lookup) - "what happened to person P between
        two dates" - or with any JSON Lines tool (C(jq)). M(jml.provisioning.impact_report) shows
        the run id and the file of a run.
      - A run checks that the folder can be written before it writes to the target, and fails
        (writing nothing) when it cannot - in check mode too, which only looks, so an evaluation
        predicts it. When the entries cannot be appended after the writes, the run warns and
        says so in RV(audit.error).
      - 'Killed during its writes, a run still leaves its entries: before its first write it writes
        the journal C(<dir>/.pending-<target>-<run_id>.jsonl) (0600, whole or not at all) of every
        operation it is about to run, and deletes it once its own entries are appended. The next
        real run of the same target appends a journal left behind to the trail - each entry with the
        outcome V(unknown) and an C(error) saying the run ended before it recorded the outcome - and
        counts them in RV(audit.recovered); an operation whose own entry the run appended before it
        was killed is not recorded twice.'
    type: dict
    default: {}
    suboptions:
      enabled:
        description: Keep the audit trail. V(false) records nothing.
        type: bool
        default: true
      dir:
        description:
          - Folder of the audit files on the controller, made (mode C(0700)) when missing.
          - Default - C(audit/) in the folder of O(vault).
          - The entries name people and their attribute values (never a secret) - keep the folder
            where only operators can read it (files are mode C(0600)).
        type: path
      retention_days:
        description:
          - Files of days more than this many days ago are deleted by the next real run (of any
            target writing to the folder). Files that are not audit files are never touched.
          - V(0) keeps every file.
        type: int
        default: 400
  approved_plan:
    description:
      - Apply exactly the plan in this file - the O(plan_file) of an earlier run, usually a check
        after review (a pull request, an AWX approval node) - no more, no less.
      - The run checks the plan's signature (O(plan_key)), that it is for this target, and that the
        vault's persons, the configuration (the options that shape the plan and the rules' text)
        and the directory as read (accounts in scope, managed groups) are those the plan was
        computed from; then it plans again, on the plan's reference date, and applies only when
        the new plan is the approved one. Any difference refuses the run with nothing written,
        naming what changed (RV(stopped) with C(reason) V(approval)), in check mode too.
      - An approved plan is applied even when it exceeds a threshold - the approval is the consent
        O(allow_threshold_override) otherwise gives.
      - O(reference_date), when set, must be the plan's.
    type: path
  plan_key:
    description:
      - The secret that signs the O(plan_file)'s approval block and checks an O(approved_plan)'s
        (an HMAC-SHA256 key). Without it, the key derives from the play's vault secret (the one
        O(vault_id) names, else the first), so any run that can read the vault can approve.
      - Set it (in AWX from a credential, environment variable E(JML_PLAN_KEY)) to keep approving
        to those who hold it. Never shown in output.
      - A plan written without any key is unsigned and cannot be approved.
    type: str
  decisions_file:
    description:
      - Path of a YAML file on the controller with reviewed correlation decisions, applied before
        the automatic correlation (the anchors). A list of entries (or a mapping with a
        C(decisions) list), each with C(decision) and what it names.
      - V(link) with C(person) (a vault person id) and C(account) (the account's key as the
        correlation report shows it - a DN; SCIM C(userName=<login>,ou=Users); file
        C(<username column>=<login>,ou=accounts,o=file)) - the person owns that account. It wins
        over the anchors and resolves a conflict it names. The account is then managed like any
        correlated one, so its first anchor attribute is written with the person's value; once
        the anchor finds the account by itself the decision is reported V(redundant) (not an
        error - it can go).
      - V(ignore) with C(account) - the account is nobody's (a service account) - never touched,
        never counted as vanished or uncorrelated, listed in RV(correlation.ignored).
      - V(never_link) with C(person) - the person gets no account on this target - never
        created, never correlated; an account the anchors find for them is left as it is.
      - Every entry needs C(reason) and C(author) (a value V(TODO) is refused - the starting file
        of the P(jml.provisioning.correlate#lookup) lookup is not a review); C(date) and C(ticket) are
        optional. Account keys compare as DNs (case and spaces around separators do not matter).
      - The run fails before anything is read or written, in check mode too (C(nothing was
        written)), when the file cannot be read, an entry is malformed, two entries decide the
        same person or the same account, a person is not in the vault, an account is not in the
        managed scope (the accounts the target reads), or a link would take an account that
        carries another vault person's first anchor value (decide for that person too).
      - Each decision and its effect is returned in RV(correlation.decisions) and shown in the
        impact report.
    type: path
    version_added: 0.2.0
  ledger:
    description:
      - The identifier ledger - every value of the unique attributes (O(username.unique_attributes),
        the login by default; e.g. C(uid) and C(mail), C(sAMAccountName), C(userPrincipalName),
        C(mail), C(proxyAddresses)) that this target's accounts hold, recorded with its owner (the
        vault person), the date first issued, last seen and released.
      - The vault's ledger - kept beside the vault in C(<vault>.ledger), encrypted with the vault's
        secret in the same ansible-vault envelope (plain only with O(encrypt=false)), mode 0600,
        one section per target (module, server and scope). A plain ledger where the play has a
        vault secret is refused (a forged one could free a leaver's address).
      - Values the ledger holds for a person count as taken for everyone else when joiners are
        named (with the directory's own values), so a leaver's login and mail address are not
        issued to a namesake after the leaver's account is deleted - the namesake gets the next
        candidate. A rehired person (a joiner the ledger knows) gets their own login back first,
        when the directory has it free.
      - An identifier is released on the first run that finds its owner without an account on the
        target (deleted by the lifecycle or by hand); it stays reserved for the owner for
        O(ledger.quarantine_days) after that.
      - The first run with the ledger seeds it from the existing correlated accounts (made by the
        collection or before it). Check mode reads the ledger and returns what a run would record
        (RV(ledger)) but never writes it; a real run writes it after the writes.
    type: dict
    default: {}
    version_added: 0.2.0
    suboptions:
      enabled:
        description: Keep and consult the ledger.
        type: bool
        default: false
      quarantine_days:
        description:
          - Attribute -> days a released identifier stays reserved for its owner; V(null) - forever.
          - Defaults - forever for C(mail), C(proxyAddresses) and C(userPrincipalName); 365 days for
            every other attribute (the login).
        type: dict
        default: {}
  incremental:
    description:
      - Incremental cycles - on a schedule (every 15 minutes), most runs find nothing or little
        changed. With O(incremental.enabled), a run first asks the target what changed and does
        the least that gives the full reconcile's result (RV(incremental) says what it did).
      - V(unchanged) - the vault file, the configuration and the directory are as the last run
        found them, that run planned nothing, and no person's lifecycle can change before the
        next due date; the run reports the recorded outcome without decrypting the vault,
        reading the accounts or planning. On LDAP the directory is asked with three cheap reads
        - accounts whose change stamp (OpenLDAP C(entryCSN), AD C(uSNChanged)) is newer than the
        last run's highest, the accounts' DNs (a deletion leaves no stamp), each managed group's
        stamp.
      - A directory that keeps a stamp of its newest write says it in one read instead - OpenLDAP
        with the syncprov overlay (every replicating server) keeps C(contextCSN) on each naming
        context, AD keeps C(highestCommittedUSN) per domain controller (with its
        C(invocationId), which a restore changes). The last run keeps that stamp, read before
        its reads; when it is the same, nothing at all was written there since (RV(incremental)
        C(reason) says so). Any write - a password change, another tool, this run's own - changes
        it; the three reads then decide, and a run they find unchanged keeps the new stamp for the
        next. On a busy AD domain controller the USN moves within minutes (logon timestamps,
        machine passwords, DNS), so there the three reads are the common path. OpenLDAP - a
        glued subordinate database below the scope without syncprov on the superior keeps its
        own stamp; advertise it (C(olcSubordinate) V(advertise)) or put syncprov on the superior.
      - V(incremental) - something changed since the last full reconcile (its I(base) - the
        change mark of what it read, every account's DN and anchor, the managed groups, a digest
        of each vault record, each person's next lifecycle date, what it planned). Only the
        persons concerned are planned - records changed, joiners and leavers of the vault, due
        lifecycle dates, accounts changed, added, renamed or deleted by hand, members a group
        gained or lost, whatever the base planned, and their direct reports - their accounts
        read by anchor. The result (summary, correlation report, threshold base) is the full
        reconcile's.
      - V(full) - a full reconcile, which leaves a new base - the first run, a changed
        configuration or target, O(incremental.full), O(incremental.full_every) due, O(only), an
        approved plan, a directory that cannot say what changed (a restored backup; on AD,
        another domain controller than the last run's, whose C(uSNChanged) is its own; a target
        without change stamps - SCIM and file targets are always full), O(more_anchors) or
        correlation decisions (they need every account). RV(incremental) C(reason) says which.
      - With the identifier ledger (O(ledger.enabled)), a cycle records the identifiers of the
        persons it plans; the others keep theirs as the last full reconcile saw them (their
        C(last_seen) is that run's date). A run is skipped only on the day of the last run.
        With O(plan_file), a cycle needs the account digests a full run with a plan file keeps.
      - The state is kept beside the vault in C(<vault>.state), one section per target,
        encrypted with the vault's secret like the vault (it holds the correlation report and
        the accounts' DNs), mode 0600. Check mode reads it and never writes it; check mode plans
        what the run would.
      - A joiner's unique login still reads every taken name of the directory (as a full run).
    type: dict
    default: {}
    version_added: 0.2.0
    suboptions:
      enabled:
        description: Use and keep the incremental state.
        type: bool
        default: false
      full:
        description: Run a full reconcile now (and record a new base).
        type: bool
        default: false
      full_every:
        description:
          - Days after the last full reconcile when the next run is a full one whatever the
            change marks say (a safety net, and a fresh base); V(0) - every run is full.
        type: int
        default: 1
  alerts:
    description:
      - Mail alerts on what a real run did - accounts V(created), V(enabled), V(disabled),
        V(deleted) or V(moved), V(suspended) (disabled for a leave) or V(resumed) (enabled on
        return from leave), a V(threshold) that stopped the run, and V(failed) operations (the
        entries of RV(failures)). Updates raise no event. A suspension is no leaver - it raises
        V(suspended), not V(disabled), and a return V(resumed), not V(enabled).
      - Sent once per run, after the writes (or after a threshold stop, which writes nothing).
        Never in check mode.
      - A mail that cannot be sent (server unreachable, TLS or login refused, a recipient refused)
        is listed in RV(alerts.failed) with a warning; it never fails the task nor undoes
        provisioning. An event for which a rule finds no recipient is listed in
        RV(alerts.undeliverable).
      - Subjects and bodies are Jinja2 templates (C({{ }}) syntax, rendered on the controller in the
        same sandbox as the O(attributes) expressions, with the same filters). Write them as
        C(!unsafe) strings or in a template file, so Ansible does not render them first.
      - 'Names in scope for a message about one event (O(alerts.rules[].digest=false)) and in
        O(alerts.rules[].to_expression) - C(event) (C(kind), C(title), C(action), C(person_id),
        C(name) (display name), C(dn), C(new_dn), C(account_dn) (the DN after the event),
        C(reason), C(error), C(thresholds) (action -> C(count), C(limit)), C(person), C(manager)),
        C(person) (the vault person, empty for a vanished account or a threshold), C(manager) (the
        vault person of the person''s C(manager), or empty), C(account_dn), C(today) (the reference
        date), C(target) (the inventory host name) and, in templates, C(recipients) and C(rule).'
      - 'Names in scope for a digest - C(events) (the list of events, as C(event) above), C(groups)
        (the events per kind in the order above, each with C(kind), C(title) and C(events)),
        C(summary) (for example C(3 created, 1 disabled)), C(today), C(target), C(recipients) and
        C(rule).'
      - The messages hold no secrets - no password ever reaches an event.
    type: dict
    suboptions:
      smtp:
        description: The mail server the alerts are sent through, over one connection per run.
        type: dict
        required: true
        suboptions:
          host:
            description: Host name or address of the SMTP server; if not set, the environment variable C(JML_SMTP_HOST).
            type: str
            required: true
          port:
            description: TCP port. Defaults to V(465) with O(alerts.smtp.security=tls), otherwise V(25).
            type: int
          security:
            description:
              - V(starttls) upgrades the connection with STARTTLS and fails when the server does not
                offer it (never falls back to plain text); V(tls) speaks TLS from the start (SMTPS);
                V(none) sends in plain text.
            type: str
            default: starttls
            choices: [none, starttls, tls]
          username:
            description: User to log in as (SMTP AUTH); if not set, C(JML_SMTP_USERNAME); no login when neither is set.
            type: str
          password:
            description:
              - Password of O(alerts.smtp.username). Keep it in an ansible-vault encrypted variable or
                an AWX/AAP credential; if not set, the environment variable C(JML_SMTP_PASSWORD).
            type: str
          timeout:
            description: Seconds to wait for the server on connect and on each command.
            type: float
            default: 30.0
          validate_certs:
            description: Verify the server's TLS certificate and host name.
            type: bool
            default: true
          ca_file:
            description: PEM file with the CA certificate(s) on the controller; the system's CAs when not set.
            type: path
      from:
        description: Sender address of the alerts, for example V(jml@example.com).
        type: str
        required: true
      digest:
        description:
          - V(true) - per rule, one message per recipient listing all their events of the run
            (recipients with the same events share one message). V(false) - one message per event.
          - The default of O(alerts.rules[].digest).
        type: bool
        default: true
      rules:
        description:
          - Who is told about which events. Every rule that names an event sends it, so one event
            can go to the IT team in a digest and to the manager on its own.
        type: list
        elements: dict
        required: true
        suboptions:
          name:
            description: Name of the rule, unique; reported in RV(alerts.undeliverable).
            type: str
            required: true
          events:
            description: The events this rule sends.
            type: list
            elements: str
            required: true
            choices: [created, enabled, disabled, deleted, moved, suspended, resumed, threshold, failed]
          to:
            description: Static recipient addresses.
            type: list
            elements: str
          to_expression:
            description:
              - Jinja2 expression (the syntax of C(when)) giving the recipient address(es) of one
                event - an address, a comma-separated string or a list, for example
                V(manager.email). Names in scope as described for O(alerts).
              - When it fails, or gives no valid address, the event is not sent for this rule (but
                still to O(alerts.rules[].to)) and is listed in RV(alerts.undeliverable).
              - At least one of O(alerts.rules[].to) and O(alerts.rules[].to_expression) is required.
            type: str
          digest:
            description: One digest per recipient, or one message per event; defaults to O(alerts.digest).
            type: bool
          subject:
            description:
              - 'Jinja2 template of the subject, rendered to one line. A built-in subject when not
                set - C([jml <target>] Account disabled: <name>), or for a digest
                C([jml <target>] Provisioning <date>: <summary>).'
            type: str
          template:
            description:
              - Path of a Jinja2 template file on the controller for the body (plain text), looked up
                like the C(src) of M(ansible.builtin.template) - in the role's or playbook's
                C(templates) folder, or as given. Read and compiled before anything is written.
              - Mutually exclusive with O(alerts.rules[].body). A built-in body (one for an event, one
                for a digest) when neither is set.
            type: path
          body:
            description: Jinja2 template of the body (plain text), inline.
            type: str
"""
