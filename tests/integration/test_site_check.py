"""`site.yml --check` evaluates the HR data just collected: the check-mode collect hands its
would-be vault (encrypted, in memory) to the provision play, and the plan equals, operation for
operation, what the following real `site.yml` run does. On slapd with and without the overlays."""

import datetime
import subprocess
import sys

import pytest

from jml_workspace import ACME_TOKEN, ROOT, Workspace, read_people

ICT = "ou=ict,ou=people,dc=example,dc=test"
CONTAINER = "'%s' if contract.department.code == 'EN_ICT' else 'ou=people,dc=example,dc=test'" % ICT
fmt = "{d.day}-{d.month}-{d.year}".format


@pytest.fixture
def site_workspace(tmp_path, any_directory, hr_api):
    (tmp_path / "work").mkdir()
    return Workspace(tmp_path / "work", any_directory, hr_api, ACME_TOKEN)


def _edit(path, change, encoding):
    lines = path.read_text(encoding=encoding).split("\n")
    path.write_text("\n".join(change(lines)), encoding=encoding)


def _contracts(ws, change):
    _edit(ws.hr / "T4E_HelloID_Contracts.csv", change, "utf-8-sig")


def _set(lines, person, column, value, sequence=None):
    index = lines[0].lstrip("\ufeff").split(";").index(column)
    out = []
    for line in lines:
        fields = line.split(";")
        if fields[0] == person and (sequence is None or fields[1] == sequence):
            fields[index] = value
        out.append(";".join(fields))
    return out


def _files(ws):
    return sorted(p.name for p in ws.path.iterdir() if not p.name.startswith(("plan-", "vars-")))


def test_site_check_plans_the_new_hr_data_and_equals_the_next_real_run(site_workspace, any_directory):
    ws, directory = site_workspace, any_directory
    import ldap3
    conn = ldap3.Connection(ldap3.Server(directory.ldap_uri), directory.bind_dn, directory.bind_password, auto_bind=True)
    conn.add(ICT, ["organizationalUnit"])
    conn.unbind()
    ws.set_vars(jml_ldap_container=CONTAINER)
    assert ws.play("site.yml").rc == 0
    # KatoB leaves (an account disabled), to be rehired below.
    _contracts(ws, lambda lines: _set(lines, "KatoB", "ContractEndDate", "1-1-2020"))
    assert ws.play("site.yml").rc == 0

    # The HR change: joiner NoahV, pre-hire EwaL, mover BethanyC (ICT -> ADM: another OU, another
    # group), leaver SummerH; KatoB rehired; BurtonL gets another manager; AmirA another name.
    subprocess.run([sys.executable, str(ROOT / "hack" / "demo_hr_change.py"), str(ws.hr)], check=True,
                   stdout=subprocess.DEVNULL)
    today = datetime.date.today()
    _contracts(ws, lambda lines: lines + [";".join(
        ["KatoB", "2", "Internal", "1", "40", fmt(d=today - datetime.timedelta(days=3)), "", "AmirA", "", "1",
         "EN_PLA", "EN_PLA", "Profit"])])
    _contracts(ws, lambda lines: _set(lines, "BurtonL", "Manager", "AmirA"))
    _edit(ws.hr / "T4E_HELLOID_Persons.csv", lambda lines: _set(lines, "AmirA", "LastName", "Atkinson-Berg"), "utf-8")

    vault_before, files_before, people_before = ws.vault.read_bytes(), _files(ws), read_people(directory)
    check = ws.play("site.yml", "-vvvv", check=True, diff=True)
    assert check.rc == 0, check
    # The hand-off is a host fact: encrypted, never the vault in clear, and no secret at -vvvv.
    assert "jml_pending_vault_" in check.output and "$ANSIBLE_VAULT;1.1;AES256" in check.output
    assert directory.bind_password not in check.output
    assert ws.vault_pass.read_text().strip() not in check.output
    assert '"format": "jml.provisioning/pending/v1"' not in check.output
    assert ws.vault.read_bytes() == vault_before, "check mode wrote the vault"
    assert _files(ws) == files_before, "check mode left a file behind (the hand-off is in memory only)"
    assert read_people(directory) == people_before, "check mode wrote to the directory"
    assert check.plan["vault_source"] == "collect", "the provision plan must be of the HR data just collected"
    planned = set((a["action"], a["person"]) for a in check.plan["actions"])
    for expected in [("create", "NoahV"), ("create", "EwaL"), ("move", "BethanyC"), ("disable", "SummerH"),
                     ("enable", "KatoB")]:
        assert expected in planned, (expected, sorted(planned))
    updates = dict((a["person"], a["changes"]) for a in check.plan["actions"] if a["action"] == "update")
    assert "manager" in updates["BurtonL"] and "sn" in updates["AmirA"]

    real = ws.play("site.yml")
    assert real.rc == 0, real
    assert real.plan["vault_source"] == "vault"
    assert real.plan["actions"] == check.plan["actions"], "check mode must be exactly what the run does"
    assert real.plan["failures"] == check.plan["failures"] == []
    rerun = ws.play("site.yml")
    assert rerun.rc == 0 and rerun.plan["changed"] is False, rerun


def test_a_real_provision_after_a_check_mode_collect_reads_the_vault_on_disk(site_workspace):
    ws = site_workspace
    assert ws.play("collect.yml").rc == 0
    subprocess.run([sys.executable, str(ROOT / "hack" / "demo_hr_change.py"), str(ws.hr)], check=True,
                   stdout=subprocess.DEVNULL)
    # One run: the collect in check mode (it writes nothing), then a real provision: the real run
    # must apply the vault on disk, never data that was not collected for real.
    playbook = ws.path / "mixed.yml"
    playbook.write_text("""
- name: Collect, check mode only
  hosts: localhost
  gather_facts: false
  check_mode: true
  roles: [jml.provisioning.collect]
- name: Provision for real
  ansible.builtin.import_playbook: jml.provisioning.provision
""")
    run = ws.play(str(playbook))
    assert run.rc == 0, run
    assert run.plan["vault_source"] == "vault"
    assert "NoahV" not in [a["person"] for a in run.plan["actions"]]
