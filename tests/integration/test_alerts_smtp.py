"""Alerts through a real SMTP server (aiosmtpd on 127.0.0.1): the adapter alone, then real
ansible-playbook runs of provision.yml against a real slapd.

Mail goes out only after a real run's writes (or its threshold stop), never in check mode; a mail
failure is a warning and never fails or undoes provisioning.
"""

import csv
import datetime

import pytest

from jml_workspace import read_people
from smtp_server import closed_port, running_smtp

from ansible_collections.jml.provisioning.plugins.module_utils.notify.alerts import Message
from ansible_collections.jml.provisioning.plugins.module_utils.notify import smtp

EXPECTED_ACCOUNTS = 33  # see test_openldap_jml.py
SMTP_LOGIN = {"username": "jml-mailer", "password": "smtp-secret-0815-never-logged"}
IT = "it-accounts@example.test"


def message(to=("a@example.test",), subject="Account created: Anna", body="Anna Jansen\n"):
    return Message("jml@example.test", list(to), subject, body, "r", ["created"])


# --- the SMTP adapter alone ----------------------------------------------------------------------

@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_adapter_sends_over_tls_with_login_and_reports_refused_recipients(security):
    with running_smtp(tls=security, auth=SMTP_LOGIN, refuse=["gone@example.test"]) as server:
        settings = {"host": "127.0.0.1", "port": server.port, "security": security, "ca_file": server.ca_file,
                    "username": SMTP_LOGIN["username"], "password": SMTP_LOGIN["password"], "timeout": 10}
        sent, errors = smtp.send([message(["a@example.test", "gone@example.test"], "Ünïcode subject", "Bödy\n"),
                                  message(["b@example.test"])], settings)
    assert sent == 2
    assert errors == [{"to": "gone@example.test", "subject": "Ünïcode subject",
                       "error": "refused: 550 5.1.1 <gone@example.test>: mailbox unavailable"}]
    first, second = server.messages
    assert (first.mail_from, first.rcpt_tos, first.subject, first.body) == (
        "jml@example.test", ["a@example.test"], "Ünïcode subject", "Bödy\n")
    assert first.tls and first.login == SMTP_LOGIN["username"]
    assert first.headers["Auto-Submitted"] == "auto-generated"
    assert second.rcpt_tos == ["b@example.test"]
    assert SMTP_LOGIN["password"] not in first.raw


def test_adapter_never_raises_and_names_recipient_and_reason():
    with running_smtp(tls="starttls", auth=SMTP_LOGIN) as server:
        base = {"host": "127.0.0.1", "port": server.port, "security": "starttls", "ca_file": server.ca_file,
                "username": SMTP_LOGIN["username"], "timeout": 10}
        wrong = smtp.send([message()], dict(base, password="wrong"))
        untrusted = smtp.send([message()], dict(base, password=SMTP_LOGIN["password"], ca_file=None))
        plain = smtp.send([message()], dict(base, password=SMTP_LOGIN["password"], security="none"))
        unchecked = smtp.send([message()], dict(base, password=SMTP_LOGIN["password"], ca_file=None,
                                                validate_certs=False))
    assert wrong == (0, [{"to": "a@example.test", "subject": "Account created: Anna",
                          "error": "cannot send through 127.0.0.1:%d: 535 5.7.8 Authentication credentials invalid"
                          % server.port}])
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted[1][0]["error"]
    assert "SMTP AUTH extension not supported" in plain[1][0]["error"], "AUTH is only offered after STARTTLS"
    assert unchecked == (1, [])
    with running_smtp() as server:  # no STARTTLS offered: an error, never a silent plain-text fallback
        no_tls = smtp.send([message()], {"host": "127.0.0.1", "port": server.port, "security": "starttls"})
    assert "STARTTLS extension not supported" in no_tls[1][0]["error"] and server.messages == []
    port = closed_port()
    down = smtp.send([message(["a@example.test", "b@example.test"]), message()],
                     {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 5})
    assert down[0] == 0 and [e["to"] for e in down[1]] == ["a@example.test", "b@example.test", "a@example.test"]
    assert down[1][0]["error"] == "cannot send through 127.0.0.1:%d: ConnectionRefusedError: [Errno 111] " \
        "Connection refused" % port
    assert smtp.send([], {"host": "127.0.0.1", "port": port}) == (0, [])


# --- real runs -----------------------------------------------------------------------------------

def alerts_vars(server, *rules, **smtp_settings):
    settings = {"host": "127.0.0.1", "port": server.port if server else closed_port(), "security": "none",
                "timeout": 10}
    settings.update(smtp_settings)
    return {"smtp": settings, "from": "jml@example.test", "rules": list(rules)}


def leaver(hr, today):
    """SummerH's contract ended yesterday (her manager is LoisC, Lois.Chase@domain.local)."""
    path = hr / "T4E_HelloID_Contracts.csv"
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    for row in rows[1:]:
        if row[0] == "SummerH":
            row[6] = "{d.day}-{d.month}-{d.year}".format(d=today - datetime.timedelta(days=1))
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\n").writerows(rows)


def test_digest_of_creations_then_leaver_to_manager_never_in_check_mode(workspace, directory):
    template = workspace.path / "leaver.txt.j2"
    template.write_text("Dear {{ manager.name.given }},\n\n"
                        "the account of {{ person.name.display }} ({{ account_dn }}) was disabled on {{ today }}:\n"
                        "{{ event.reason }}.\n", encoding="utf-8")
    with running_smtp() as server:
        workspace.set_vars(jml_ldap_alerts=alerts_vars(
            server,
            {"name": "it", "events": ["created", "disabled"], "to": [IT]},
            {"name": "managers", "events": ["disabled"], "to_expression": "manager.email", "digest": False,
             # Ansible must pass the template through: {% raw %} (or !unsafe in a vars file).
             "subject": "{% raw %}Leaver: {{ person.name.display }}{% endraw %}", "template": str(template)}))
        assert workspace.play("collect.yml").rc == 0

        check = workspace.play("provision.yml", check=True)
        assert check.rc == 0, check
        assert server.messages == [], "check mode sent mail"
        assert check.plan["alerts"] == {"sent": 0, "failed": [], "undeliverable": []}

        real = workspace.play("provision.yml")
        assert real.rc == 0, real
        assert len(read_people(directory)) == EXPECTED_ACCOUNTS
        assert real.plan["alerts"] == {"sent": 1, "failed": [], "undeliverable": []}
        assert len(server.messages) == 1, "one digest for the whole run"
        digest = server.messages[0]
        assert digest.rcpt_tos == [IT] and digest.mail_from == "jml@example.test"
        assert digest.subject == "[jml demo_openldap] Provisioning %s: %d created" % (
            real.plan["reference_date"], EXPECTED_ACCOUNTS)
        assert "Account created (%d):" % EXPECTED_ACCOUNTS in digest.body
        assert "  - Summer Heath (SummerH): uid=summer.heath,ou=people,dc=example,dc=test - " in digest.body
        assert digest.body.count("\n  - ") == EXPECTED_ACCOUNTS

        rerun = workspace.play("provision.yml")
        assert rerun.rc == 0 and rerun.plan["changed"] is False
        assert len(server.messages) == 1, "nothing happened, nothing sent"

        leaver(workspace.hr, datetime.date.today())
        assert workspace.play("collect.yml").rc == 0
        check = workspace.play("provision.yml", check=True)
        assert check.rc == 0 and [a["action"] for a in check.plan["actions"] if a["action"] not in ("grant", "revoke")] == ["disable"]
        assert len(server.messages) == 1, "check mode sent mail"

        real = workspace.play("provision.yml")
        assert real.rc == 0, real
        assert real.plan["alerts"] == {"sent": 2, "failed": [], "undeliverable": []}
        it, manager = server.messages[1:]
        assert it.rcpt_tos == [IT] and it.subject.endswith(": 1 disabled")
        assert "Account disabled (1):\n  - Summer Heath (SummerH): uid=summer.heath," in it.body
        assert manager.rcpt_tos == ["Lois.Chase@domain.local"]
        assert manager.subject == "Leaver: Summer Heath"
        assert manager.body == ("Dear Lois,\n\nthe account of Summer Heath (uid=summer.heath,ou=people,dc=example,"
                                "dc=test) was disabled on %s:\n%s.\n"
                                % (real.plan["reference_date"], real.plan["actions"][0]["reason"]))


def test_unreachable_mail_server_is_a_warning_and_provisioning_stands(workspace, directory):
    workspace.set_vars(jml_ldap_alerts=alerts_vars(None, {"name": "it", "events": ["created"], "to": [IT]}))
    assert workspace.play("collect.yml").rc == 0
    run = workspace.play("provision.yml")
    assert run.rc == 0, run
    assert len(read_people(directory)) == EXPECTED_ACCOUNTS, "accounts are written whatever the mail does"
    assert run.plan["failures"] == [] and run.plan["summary"]["failed"] == 0
    alerts = run.plan["alerts"]
    assert alerts["sent"] == 0 and [f["to"] for f in alerts["failed"]] == [IT]
    assert "Connection refused" in alerts["failed"][0]["error"]
    assert "[WARNING]: ldap_accounts: 1 alert recipient(s) did not get their message (provisioning is not " \
           "affected), first: %s: cannot send through 127.0.0.1:" % IT in run.text
    assert "changed=1" in run.output and "failed=0" in run.output


def test_starttls_and_login_work_and_the_password_never_shows_at_vvvv(workspace, directory):
    with running_smtp(tls="starttls", auth=SMTP_LOGIN) as server:
        workspace.set_vars(jml_ldap_alerts=alerts_vars(
            server, {"name": "it", "events": ["created"], "to": [IT]}, security="starttls",
            ca_file=server.ca_file, username=SMTP_LOGIN["username"], password=SMTP_LOGIN["password"]))
        run = workspace.play("site.yml", "-vvvv", diff=True)
    assert run.rc == 0, run
    assert [(m.rcpt_tos, m.tls, m.login) for m in server.messages] == [([IT], True, SMTP_LOGIN["username"])]
    assert server.logins == [(SMTP_LOGIN["username"], True)]
    assert SMTP_LOGIN["password"] not in run.output
    assert run.plan["alerts"]["sent"] == 1
    assert SMTP_LOGIN["password"] not in run.plan_file.read_text()


def test_a_threshold_stop_sends_the_threshold_alert_in_a_real_run_only(workspace, directory):
    with running_smtp() as server:
        workspace.set_vars(jml_ldap_alerts=alerts_vars(
            server, {"name": "ops", "events": ["threshold", "failed"], "to": ["ops@example.test"],
                     "digest": False}))
        assert workspace.play("site.yml").rc == 0
        assert server.messages == [], "no threshold, no failure: nothing for this rule"
        for name in ("T4E_HELLOID_Persons.csv", "T4E_HelloID_Contracts.csv"):
            path = workspace.hr / name
            path.write_bytes(path.read_bytes().splitlines(True)[0])
        workspace.set_vars(jml_collect_allow_threshold_override=True)
        assert workspace.play("collect.yml").rc == 0

        check = workspace.play("provision.yml", check=True)
        assert check.rc != 0 and "threshold exceeded (disable 29 > 6)" in check.text
        assert server.messages == [], "check mode sent mail"

        before = read_people(directory)
        run = workspace.play("provision.yml")
        assert run.rc != 0 and "threshold exceeded (disable 29 > 6)" in run.text
        assert read_people(directory) == before
    assert run.plan["alerts"] == {"sent": 1, "failed": [], "undeliverable": []}
    assert [(m.rcpt_tos, m.subject) for m in server.messages] == [
        (["ops@example.test"], "[jml demo_openldap] Provisioning stopped by a threshold: disable 29 > 6")]
    assert "disable: 29 planned, limit 6" in server.messages[0].body
