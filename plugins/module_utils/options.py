# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Argument specs shared by the module documentation stubs and the action plugins (for internal use).

The work runs in action plugins on the controller (where the vault secrets are); the module files
hold the documentation and build ``AnsibleModule`` from the same spec, so ansible-test's
validate-modules checks the documentation against what the action plugin really accepts.
"""

from __future__ import annotations

import copy
import os

from ansible.module_utils.errors import AnsibleFallbackNotFound

# Connection options fall back to environment variables (as microsoft.ad and kubernetes.core
# do), so an AWX/AAP credential type injects them and no secret sits in a variable.
ENV = {
    "ldap": {"server_uri": "JML_LDAP_SERVER", "bind_dn": "JML_LDAP_BIND_DN", "bind_password": "JML_LDAP_BIND_PASSWORD",
             "ca_file": "JML_LDAP_CA_FILE"},
    "scim": {"base_url": "JML_SCIM_URL", "token": "JML_SCIM_TOKEN", "username": "JML_SCIM_USERNAME",
             "password": "JML_SCIM_PASSWORD", "ca_file": "JML_SCIM_CA_FILE"},
    "smtp": {"host": "JML_SMTP_HOST", "username": "JML_SMTP_USERNAME", "password": "JML_SMTP_PASSWORD"},
    "hr": {"token": "JML_HR_TOKEN", "username": "JML_HR_USERNAME", "password": "JML_HR_PASSWORD"},
}


def set_in_environment(*names):
    """``env_fallback``, where an empty variable is not set: a credential type injects ``""`` for
    a field left empty (an optional CA file), which must not become the option's value."""
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    raise AnsibleFallbackNotFound


def _env(kind, option):
    return (set_in_environment, [ENV[kind][option]])


VAULT_SPEC = dict(
    vault=dict(type="path", required=True),
    vault_id=dict(type="str"),
    encrypt=dict(type="bool", default=True),
    lock_timeout=dict(type="float", default=60.0),
)

PAGINATION_SPEC = dict(
    style=dict(type="str", default="none", choices=["none", "next_link", "page", "offset", "cursor"]),
    next_path=dict(type="str"),
    page_param=dict(type="str"),
    size_param=dict(type="str"),
    size=dict(type="int"),
    start=dict(type="int"),
    offset_param=dict(type="str"),
    limit_param=dict(type="str"),
    cursor_param=dict(type="str"),
    cursor_path=dict(type="str"),
)

RECORDS_SPEC = dict(
    path=dict(type="path"),
    url=dict(type="str"),
    delimiter=dict(type="str", default=","),
    encoding=dict(type="str", default="utf-8"),
    quotechar=dict(type="str", default='"'),
    key=dict(type="str", no_log=False),
    records=dict(type="str"),
    contracts_field=dict(type="str"),
    absences_field=dict(type="str"),
    pagination=dict(type="dict", options=PAGINATION_SPEC),
)

AUTH_SPEC = dict(
    type=dict(type="str", required=True, choices=["bearer", "basic"]),
    token=dict(type="str", no_log=True),
    username=dict(type="str"),
    password=dict(type="str", no_log=True),
)
HR_AUTH_SPEC = dict(
    type=dict(type="str", required=True, choices=["bearer", "basic"]),
    token=dict(type="str", no_log=True, fallback=_env("hr", "token")),
    username=dict(type="str", fallback=_env("hr", "username")),
    password=dict(type="str", no_log=True, fallback=_env("hr", "password")),
)

SOURCE_SPEC = dict(
    name=dict(type="str", required=True),
    type=dict(type="str", default="csv", choices=["csv", "json", "http"]),
    persons=dict(type="dict", required=True, options=RECORDS_SPEC),
    contracts=dict(type="dict", options=RECORDS_SPEC),
    absences=dict(type="dict", options=RECORDS_SPEC),
    lookups=dict(type="dict", default={}),
    mapping=dict(type="dict", required=True),
    max_rejected=dict(type="str"),
    auth=dict(type="dict", options=HR_AUTH_SPEC, no_log=False),
    validate_certs=dict(type="bool", default=True),
    ca_file=dict(type="path"),
    timeout=dict(type="float", default=30.0),
    retries=dict(type="int", default=3),
    backoff=dict(type="float", default=1.0),
    max_pages=dict(type="int", default=10000),
    time_budget=dict(type="float", default=1800.0),
)

COUNT_OR_PERCENT = dict(count=dict(type="int"), percent=dict(type="float"))

HR_COLLECT_SPEC = dict(
    sources=dict(type="list", elements="dict", required=True, options=SOURCE_SPEC),
    merge=dict(type="dict", options=dict(
        key=dict(type="str", default="id", no_log=False),
        precedence=dict(type="list", elements="str"),
        fields=dict(type="dict", default={}),
    )),
    thresholds=dict(type="dict", options=dict(
        added=dict(type="dict", options=COUNT_OR_PERCENT),
        removed=dict(type="dict", options=COUNT_OR_PERCENT),
        changed=dict(type="dict", options=COUNT_OR_PERCENT),
        min_persons=dict(type="int"),
        empty_source=dict(type="bool", default=True),
    )),
    allow_threshold_override=dict(type="bool", default=False),
    missing_vault=dict(type="str", default="create", choices=["create", "fail"]),
    history=dict(type="int", default=0),
    retention_days=dict(type="int"),
    reference_date=dict(type="str"),
    max_reported=dict(type="int", default=100),
    **copy.deepcopy(VAULT_SPEC)
)

LDAP_CONNECTION_SPEC = dict(
    server_uri=dict(type="str", required=True, fallback=_env("ldap", "server_uri")),
    bind_dn=dict(type="str", fallback=_env("ldap", "bind_dn")),
    bind_password=dict(type="str", no_log=True, fallback=_env("ldap", "bind_password")),
    start_tls=dict(type="bool", default=False),
    validate_certs=dict(type="bool", default=True),
    ca_file=dict(type="path", fallback=_env("ldap", "ca_file")),
    server_name=dict(type="str"),
    connect_timeout=dict(type="int", default=10),
    page_size=dict(type="int", default=500),
)

USERNAME_SPEC = dict(
    attribute=dict(type="str", default="uid"),
    candidates=dict(type="list", elements="str", required=True),
    unique_attributes=dict(type="list", elements="str"),
    unique_base=dict(type="str"),
    max_length=dict(type="int"),
    allowed_characters=dict(type="str", default="a-z0-9._-"),
    lowercase=dict(type="bool", default=True),
    max_tries=dict(type="int", default=50),
    rename=dict(type="bool", default=False),
)

LIFECYCLE_SPEC = dict(
    pre_provision_days=dict(type="int", default=14),
    grace_days=dict(type="int", default=0),
    delete_after_days=dict(type="int"),
    delete_accounts=dict(type="bool", default=False),
    vanished=dict(type="str", default="disable", choices=["disable", "ignore"]),
    exclude=dict(type="str"),
    primary=dict(type="list", elements="raw"),
    suspend=dict(type="dict", default={}, options=dict(
        enabled=dict(type="bool", default=True),
        revoke_groups=dict(type="bool", default=False),
    )),
)

GROUPS_SPEC = dict(
    base=dict(type="str"),
    object_class=dict(type="str", default="groupOfNames"),
    name_attribute=dict(type="str", default="cn"),
    member_attribute=dict(type="str", default="member"),
    placeholder_member=dict(type="str", default="cn=nobody"),
    create_missing=dict(type="bool", default=False),
    revoke_on_disable=dict(type="bool", default=True),
    lookup=dict(type="str"),
    lookup_base=dict(type="str"),
    group_type=dict(type="int"),
)

ALERTS_SPEC = {
    "smtp": dict(type="dict", required=True, options=dict(
        host=dict(type="str", required=True, fallback=_env("smtp", "host")),
        port=dict(type="int"),
        security=dict(type="str", default="starttls", choices=["none", "starttls", "tls"]),
        username=dict(type="str", fallback=_env("smtp", "username")),
        password=dict(type="str", no_log=True, fallback=_env("smtp", "password")),
        timeout=dict(type="float", default=30.0),
        validate_certs=dict(type="bool", default=True),
        ca_file=dict(type="path"),
    )),
    "from": dict(type="str", required=True),
    "digest": dict(type="bool", default=True),
    "rules": dict(
        type="list", elements="dict", required=True, mutually_exclusive=[["template", "body"]],
        required_one_of=[["to", "to_expression"]], options=dict(
            name=dict(type="str", required=True),
            events=dict(type="list", elements="str", required=True,
                        choices=["created", "enabled", "disabled", "deleted", "moved", "suspended", "resumed",
                                 "threshold", "failed"]),
            to=dict(type="list", elements="str"),
            to_expression=dict(type="str"),
            digest=dict(type="bool"),
            subject=dict(type="str"),
            template=dict(type="path"),
            body=dict(type="str"),
        )),
}

# The audit trail of every target module (plugin_utils/audit_log.py): on by default, next to the vault.
AUDIT_SPEC = dict(
    enabled=dict(type="bool", default=True),
    dir=dict(type="path"),
    retention_days=dict(type="int", default=400),
)


def target_spec(anchor_attribute: str, username_attribute: str, **own) -> dict:
    """The options every target module shares (the contract's vocabulary: vault, anchor,
    username, attributes, lifecycle, rules, thresholds, alerts, plan_file...) and the target's ``own``."""
    username = copy.deepcopy(USERNAME_SPEC)
    username["attribute"] = dict(type="str", default=username_attribute)
    spec = dict(
        more_anchors=dict(type="list", elements="dict", default=[], options=dict(
            person=dict(type="str", required=True),
            attribute=dict(type="str", required=True),
        )),
        anchor=dict(type="dict", default={}, options=dict(
            person=dict(type="str", default="id"),
            attribute=dict(type="str", default=anchor_attribute),
            lookup_base=dict(type="str"),
            adopt=dict(type="bool", default=False),
        )),
        username=dict(type="dict", required=True, options=username),
        attributes=dict(type="dict", required=True),
        create_only=dict(type="list", elements="str", default=[]),
        lifecycle=dict(type="dict", default={}, options=copy.deepcopy(LIFECYCLE_SPEC)),
        rules=dict(type="list", elements="dict", default=[]),
        rules_file=dict(type="path"),
        reference_date=dict(type="str"),
        only=dict(type="list", elements="str", default=[]),
        thresholds=dict(type="dict"),
        allow_threshold_override=dict(type="bool", default=False),
        max_actions=dict(type="int", default=1000),
        plan_file=dict(type="path"),
        approved_plan=dict(type="path"),
        plan_key=dict(type="str", no_log=True, fallback=(set_in_environment, ["JML_PLAN_KEY"])),
        decisions_file=dict(type="path"),
        ledger=dict(type="dict", default={}, options=dict(
            enabled=dict(type="bool", default=False),
            quarantine_days=dict(type="dict", default={}),
        )),
        incremental=dict(type="dict", default={}, options=dict(
            enabled=dict(type="bool", default=False),
            full=dict(type="bool", default=False),
            full_every=dict(type="int", default=1),
        )),
        lock_dir=dict(type="path"),
        alerts=dict(type="dict", options=copy.deepcopy(ALERTS_SPEC)),
        audit=dict(type="dict", default={}, options=copy.deepcopy(AUDIT_SPEC)),
        **copy.deepcopy(VAULT_SPEC)
    )
    spec.update(own)
    return spec


LDAP_ACCOUNTS_SPEC = target_spec(
    "employeeNumber", "uid",
    connection=dict(type="dict", apply_defaults=True, options=LDAP_CONNECTION_SPEC),
    flavour=dict(type="str", default="openldap", choices=["openldap", "ad"]),
    rdn=dict(type="dict", options=dict(
        attribute=dict(type="str", required=True),
        value=dict(type="str", required=True),
    )),
    search_base=dict(type="str"),
    search_filter=dict(type="str", default="(objectClass=inetOrgPerson)"),
    accounts_dn=dict(type="str", required=True),
    container=dict(type="str"),
    create_containers=dict(type="bool", default=False),
    object_classes=dict(type="list", elements="str", default=["inetOrgPerson"]),
    owned_values=dict(type="dict", default={}),
    dn_attributes=dict(type="list", elements="str", default=["manager"]),
    disable=dict(type="dict", default={}, options=dict(
        strategy=dict(type="list", elements="str", default=["lock"]),
        disabled_dn=dict(type="str"),
        lock_attribute=dict(type="str", default="pwdAccountLockedTime"),
        lock_value=dict(type="str", default="000001010000Z"),
    )),
    initial_password=dict(type="dict", default={}, no_log=False, options=dict(
        generate=dict(type="bool", default=False),
        length=dict(type="int", default=20),
        attribute=dict(type="str", default="userPassword"),
        must_change=dict(type="bool", default=False),
        value=dict(type="str", no_log=False),
    )),
    groups=dict(type="dict", default={}, options=GROUPS_SPEC),
)

SCIM_CONNECTION_SPEC = dict(
    base_url=dict(type="str", required=True, fallback=_env("scim", "base_url")),
    auth=dict(type="dict", apply_defaults=True, no_log=False, options=dict(
        type=dict(type="str", default="bearer", choices=["bearer", "basic"]),
        token=dict(type="str", no_log=True, fallback=_env("scim", "token")),
        username=dict(type="str", fallback=_env("scim", "username")),
        password=dict(type="str", no_log=True, fallback=_env("scim", "password")),
    )),
    validate_certs=dict(type="bool", default=True),
    ca_file=dict(type="path", fallback=_env("scim", "ca_file")),
    timeout=dict(type="float", default=30.0),
    retries=dict(type="int", default=5),
    max_retry_wait=dict(type="float", default=120.0),
    page_size=dict(type="int", default=100),
    bulk=dict(type="bool", default=True),
    quirks=dict(type="str", default="rfc", choices=["rfc", "github", "eq-only", "scim2-server"]),
)

SCIM_ACCOUNTS_SPEC = target_spec(
    "externalId", "userName",
    connection=dict(type="dict", apply_defaults=True, options=SCIM_CONNECTION_SPEC),
    filter=dict(type="str"),
    dn_attributes=dict(type="list", elements="str",
                       default=["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"]),
    initial_password=dict(type="dict", default={}, no_log=False, options=dict(
        generate=dict(type="bool", default=False),
        length=dict(type="int", default=20),
        value=dict(type="str", no_log=False),
    )),
    groups=dict(type="dict", default={}, options=dict(
        create_missing=dict(type="bool", default=False),
        revoke_on_disable=dict(type="bool", default=True),
        batch_size=dict(type="int", default=100),
    )),
)
# What only LDAP has: a base to look for names and anchors in, accounts outside a scope to adopt.
del SCIM_ACCOUNTS_SPEC["username"]["options"]["unique_base"]
del SCIM_ACCOUNTS_SPEC["anchor"]["options"]["lookup_base"]
del SCIM_ACCOUNTS_SPEC["anchor"]["options"]["adopt"]

FILE_ACCOUNTS_SPEC = target_spec(
    "employee_id", "username",
    path=dict(type="path", required=True),
    format=dict(type="str", default="csv", choices=["csv", "jsonl"]),
    csv=dict(type="dict", default={}, options=dict(
        delimiter=dict(type="str", default=","),
        encoding=dict(type="str", default="utf-8"),
        quoting=dict(type="str", default="minimal", choices=["minimal", "all"]),
        quotechar=dict(type="str", default='"'),
        group_separator=dict(type="str"),
    )),
    columns=dict(type="list", elements="str"),
    active_column=dict(type="str", default="active"),
    encrypt_export=dict(type="bool", default=False),
    delta_path=dict(type="path"),
    groups=dict(type="dict", default={}, options=dict(
        column=dict(type="str", default="groups"),
        revoke_on_disable=dict(type="bool", default=True),
    )),
)
