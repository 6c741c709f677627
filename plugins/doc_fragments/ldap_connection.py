# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):
    """The LDAP connection options, built by C(LDAP_CONNECTION_SPEC) in module_utils/options.py."""

    DOCUMENTATION = r"""
options:
  connection:
    description:
      - How to reach and bind to the directory. One connection is opened per task, on the
        controller, and closed at its end.
      - 'Options not given fall back to environment variables, which an AWX/AAP credential type
        injects (see the README): C(JML_LDAP_SERVER), C(JML_LDAP_BIND_DN), C(JML_LDAP_BIND_PASSWORD),
        C(JML_LDAP_CA_FILE). An option given in the task wins.'
    type: dict
    suboptions:
      server_uri:
        description:
          - URI of the directory server, for example V(ldaps://ldap.example.com) or
            V(ldap://ldap.example.com:389).
          - An C(ldaps://) URI uses TLS from the start; for C(ldap://) see O(connection.start_tls).
            A password bound over C(ldap://) to another host without StartTLS is a warning.
          - If not set, the environment variable C(JML_LDAP_SERVER).
        type: str
        required: true
      bind_dn:
        description:
          - DN to bind as. For M(jml.provisioning.ldap_accounts) it needs read access to the managed
            accounts and to the attributes usernames must be unique in, and write access where
            accounts are created, changed, moved and deleted.
          - If not set, the environment variable C(JML_LDAP_BIND_DN); binds anonymously when neither is set.
        type: str
      bind_password:
        description:
          - Password of O(connection.bind_dn). Never logged or returned (C(no_log)).
          - Keep it in an ansible-vault encrypted variable or an AWX/AAP credential; if not set, the
            environment variable C(JML_LDAP_BIND_PASSWORD).
        type: str
      start_tls:
        description:
          - Upgrade an C(ldap://) connection with StartTLS before binding. The task fails, with nothing
            written, when the server refuses it.
        type: bool
        default: false
      validate_certs:
        description:
          - Verify the server's TLS certificate (for C(ldaps://) and StartTLS).
          - Set V(false) only for throwaway test directories.
        type: bool
        default: true
      ca_file:
        description:
          - PEM file on the controller with the CA certificate(s) to verify the server's certificate
            with. If not set, the environment variable C(JML_LDAP_CA_FILE); the system's trusted CAs
            when neither is set.
        type: path
      server_name:
        description:
          - Name the server's certificate must be valid for, when it differs from the host in
            O(connection.server_uri) (for example when connecting by IP address or through a tunnel).
        type: str
      connect_timeout:
        description:
          - Seconds to wait for the connection to open. Each response is awaited at least 30 seconds
            (or this long, if longer).
        type: int
        default: 10
      page_size:
        description:
          - Entries per page of the paged searches (simple paged results control).
          - Must not exceed the server's size limit for the bind DN.
        type: int
        default: 500
"""
