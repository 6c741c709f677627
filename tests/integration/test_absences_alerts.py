"""Alerts for leave through a real SMTP server (aiosmtpd on 127.0.0.1), from real ansible-playbook
runs against a real slapd: going on leave raises ``suspended`` (never ``disabled``: a rule for
leavers stays quiet), the return raises ``resumed``; check mode sends nothing."""

import shutil

from jml_workspace import ROOT
from smtp_server import running_smtp
from test_alerts_smtp import alerts_vars

IT = "it-accounts@example.test"


def test_suspended_and_resumed_alerts_and_a_leaver_rule_stays_quiet(workspace, directory):
    folder = workspace.path / "leave"
    shutil.copytree(ROOT / "inventories" / "demo" / "hr" / "leave", folder)
    workspace.set_vars(jml_demo_leave_dir=str(folder))
    register = folder / "absences.csv"
    with running_smtp() as server:
        workspace.set_vars(jml_ldap_alerts=alerts_vars(
            server,
            {"name": "it", "events": ["suspended", "resumed"], "to": [IT]},
            {"name": "leavers", "events": ["disabled"], "to_expression": "manager.email", "digest": False},
            {"name": "manager-leave", "events": ["suspended"], "to_expression": "manager.email", "digest": False,
             "subject": "{% raw %}On leave: {{ person.name.display }}{% endraw %}",
             "body": "{% raw %}{{ person.name.display }} is on leave: {{ event.reason }}.{% endraw %}"}))
        assert workspace.play("collect.yml").rc == 0
        workspace.set_vars(jml_ldap_reference_date="2026-11-26")
        assert workspace.play("provision.yml").rc == 0
        assert server.messages == [], "no rule names created"

        register.write_text("EmployeeCode;StartDate;EndDate;LeaveType\nGabrielL;1-12-2026;28-2-2027;PARENTAL\n")
        assert workspace.play("collect.yml").rc == 0
        workspace.set_vars(jml_ldap_reference_date="2026-12-01")
        check = workspace.play("provision.yml", check=True)
        assert check.rc == 0 and server.messages == [], "check mode sent mail"
        real = workspace.play("provision.yml")
        assert real.rc == 0, real
        assert real.plan["alerts"] == {"sent": 2, "failed": [], "undeliverable": []}
        it, manager = server.messages
        assert it.rcpt_tos == [IT] and it.subject == "[jml demo_openldap] Provisioning 2026-12-01: 1 suspended"
        assert "Account suspended (on leave) (1):\n  - Gabriel Landry (GabrielL): uid=gabriel.landry," in it.body
        assert "suspended: on leave since 2026-12-01 until 2027-02-28" in it.body
        assert manager.subject == "On leave: Gabriel Landry"
        assert manager.body == "Gabriel Landry is on leave: suspended: on leave since 2026-12-01 until 2027-02-28.\n"
        assert len(manager.rcpt_tos) == 1 and manager.rcpt_tos[0].lower().startswith("orson")

        workspace.set_vars(jml_ldap_reference_date="2027-03-01")
        assert workspace.play("provision.yml", check=True).rc == 0 and len(server.messages) == 2
        back = workspace.play("provision.yml")
        assert back.rc == 0 and back.plan["alerts"]["sent"] == 1, back
        resumed = server.messages[2]
        assert resumed.subject == "[jml demo_openldap] Provisioning 2027-03-01: 1 resumed"
        assert "Account enabled (returned from leave) (1):" in resumed.body
        assert "returned from leave: absence ended 2027-02-28" in resumed.body
        assert len(server.messages) == 3, "the leavers rule never heard of the leave"
