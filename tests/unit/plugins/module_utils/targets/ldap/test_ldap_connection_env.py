# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Connection options from the environment (what an AWX/AAP credential type injects), and the
warning for a password sent in clear text."""

from __future__ import annotations

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.jml.provisioning.plugins.module_utils import options as specs
from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap.directory import clear_text_bind

TARGET = {"vault": "/v", "username": {"candidates": ["a"]}, "attributes": {}}


def test_ldap_connection_comes_from_the_environment_and_its_password_is_a_no_log_value(monkeypatch):
    monkeypatch.setenv("JML_LDAP_SERVER", "ldaps://dc1.example.test")
    monkeypatch.setenv("JML_LDAP_BIND_DN", "cn=jml,dc=example,dc=test")
    monkeypatch.setenv("JML_LDAP_BIND_PASSWORD", "s3cret")
    result = ArgumentSpecValidator(specs.LDAP_ACCOUNTS_SPEC).validate(dict(TARGET, accounts_dn="ou=people"))
    assert result.error_messages == []
    connection = result.validated_parameters["connection"]
    assert (connection["server_uri"], connection["bind_dn"], connection["bind_password"]) == (
        "ldaps://dc1.example.test", "cn=jml,dc=example,dc=test", "s3cret")
    assert "s3cret" in result._no_log_values  # pylint: disable=protected-access


def test_an_option_given_wins_over_the_environment_and_nothing_at_all_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("JML_LDAP_SERVER", "ldaps://from-env")
    given = ArgumentSpecValidator(specs.LDAP_ACCOUNTS_SPEC).validate(
        dict(TARGET, accounts_dn="ou=people", connection={"server_uri": "ldaps://given"}))
    assert given.validated_parameters["connection"]["server_uri"] == "ldaps://given"
    monkeypatch.delenv("JML_LDAP_SERVER")
    missing = ArgumentSpecValidator(specs.LDAP_ACCOUNTS_SPEC).validate(dict(TARGET, accounts_dn="ou=people"))
    assert missing.error_messages == ["missing required arguments: server_uri found in connection"]


def test_scim_smtp_and_hr_credentials_come_from_the_environment_too(monkeypatch):
    for name, value in (("JML_SCIM_URL", "https://scim"), ("JML_SCIM_TOKEN", "t0ken"), ("JML_SMTP_HOST", "mail"),
                        ("JML_SMTP_PASSWORD", "mailpw"), ("JML_HR_TOKEN", "hrtoken")):
        monkeypatch.setenv(name, value)
    scim = ArgumentSpecValidator(specs.SCIM_ACCOUNTS_SPEC).validate(dict(
        TARGET, alerts={"smtp": {"username": "jml"}, "from": "jml@x", "rules": [{"name": "r", "events": ["created"],
                                                                                 "to": ["a@x"]}]}))
    assert scim.error_messages == []
    params = scim.validated_parameters
    assert params["connection"]["base_url"] == "https://scim" and params["connection"]["auth"]["token"] == "t0ken"
    assert params["connection"]["auth"]["type"] == "bearer"
    assert params["alerts"]["smtp"]["host"] == "mail" and params["alerts"]["smtp"]["password"] == "mailpw"
    source = {"name": "hr", "type": "http", "persons": {"url": "https://hr/api"}, "mapping": {}, "auth": {"type": "bearer"}}
    collect = ArgumentSpecValidator(specs.HR_COLLECT_SPEC).validate({"vault": "/v", "sources": [source]})
    assert collect.validated_parameters["sources"][0]["auth"]["token"] == "hrtoken"


@pytest.mark.parametrize("connection, warned", [
    ({"server_uri": "ldap://dc1.example.test", "bind_password": "pw-123"}, True),
    ({"server_uri": "ldap://dc1.example.test:389", "bind_password": "pw-123", "start_tls": True}, False),
    ({"server_uri": "ldaps://dc1.example.test", "bind_password": "pw-123"}, False),
    ({"server_uri": "ldap://127.0.0.1:3890", "bind_password": "pw-123"}, False),
    ({"server_uri": "ldap://[::1]:389", "bind_password": "pw-123"}, False),
    ({"server_uri": "ldap://dc1.example.test"}, False),  # anonymous: no password to leak
])
def test_a_password_in_clear_text_over_the_network_is_warned_about(connection, warned):
    reason = clear_text_bind(connection)
    assert bool(reason) == warned
    if warned:
        assert "clear text" in reason and "pw-123" not in reason


def test_an_empty_variable_is_not_set(monkeypatch):
    """A credential type injects "" for a field left empty: the option stays unset."""
    monkeypatch.setenv("JML_LDAP_SERVER", "ldaps://dc1")
    monkeypatch.setenv("JML_LDAP_CA_FILE", "")
    result = ArgumentSpecValidator(specs.LDAP_ACCOUNTS_SPEC).validate(dict(TARGET, accounts_dn="ou=people"))
    assert result.validated_parameters["connection"]["ca_file"] is None


def test_the_shipped_awx_credential_types_inject_exactly_the_variables_the_options_read():
    import yaml  # pylint: disable=import-outside-toplevel
    from pathlib import Path  # pylint: disable=import-outside-toplevel
    folder = Path(__file__).resolve().parents[6] / "docs" / "credential_types"
    injected = {}
    for path in sorted(folder.glob("*.yml")):
        document = yaml.safe_load(path.read_text())
        fields = set(f["id"] for f in document["inputs"]["fields"])
        for name, template in document["injectors"]["env"].items():
            assert template.strip("{} ") in fields, (path.name, name)
            injected[name] = path.name
    read = set(name for kind in specs.ENV.values() for name in kind.values())
    assert set(injected) == read, "a credential type injects a variable nothing reads, or one is missing"
