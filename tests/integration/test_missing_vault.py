"""A missing vault is a lost vault unless the run says it is the first: the playbooks stop with a
message that says what to do, write nothing (no new vault where everyone is a joiner, no account
touched) and show no traceback. In AWX this is what a job meets when the vault's folder is not a
persistent path (docs/awx.md, "The vault between jobs")."""

import subprocess
import sys

from jml_workspace import ROOT, read_people

STRICT = ("-e", "jml_vault_missing_ok=false")  # the role's default; the demo inventory sets true


def assert_clean_failure(run):
    assert run.rc == 2, run
    assert "Traceback" not in run.output and "exception occurred" not in run.output.lower(), run


def test_a_missing_vault_stops_collect_provision_and_evaluate(workspace, directory):
    ws = workspace
    history = ws.path / "vault.json.history"

    # The first collect, not said to be one: nothing at all is written (no vault, lock, fingerprint).
    run = ws.play("collect.yml", *STRICT)
    assert_clean_failure(run)
    assert "hr_collect: the vault %s does not exist; nothing was written" % ws.vault in run.text, run
    assert "-e jml_vault_missing_ok=true" in run.text and "restore it from a backup" in run.text, run
    assert sorted(p.name for p in ws.path.iterdir() if p.name.startswith("vault.json")) == []

    # Said to be one (the demo inventory does): collect and provision; then an HR change, so the
    # history keeps the first vault.
    assert ws.play("site.yml").rc == 0
    subprocess.run([sys.executable, str(ROOT / "hack" / "demo_hr_change.py"), str(ws.hr)], check=True,
                   stdout=subprocess.DEVNULL)
    assert ws.play("collect.yml", *STRICT).rc == 0
    snapshot, = sorted(p.name for p in history.iterdir())
    before = read_people(directory)
    assert len(before) > 30

    # The vault is lost (an execution environment whose vault folder was not persistent).
    ws.vault.unlink()
    run = ws.play("collect.yml", *STRICT)
    assert_clean_failure(run)
    assert "hr_collect: the vault %s does not exist" % ws.vault in run.text, run
    assert "restore it from its history (%s/%s, the newest of 1 snapshots)" % (history, snapshot) in run.text, run
    assert not ws.vault.exists()

    run = ws.play("provision.yml")
    assert_clean_failure(run)
    assert ("ldap_accounts: the vault %s does not exist: collect the HR data first (hr_collect, "
            "playbooks/collect.yml); if a vault was collected before, it is lost: restore it from its history"
            % ws.vault) in run.text, run
    assert "nothing was written" in run.text and "docs/awx.md" in run.text, run
    assert read_people(directory) == before  # not one entry touched: no entryCSN moved

    run = ws.play("evaluate.yml", "-e", "jml_report_dir=%s" % (ws.path / "report"))
    assert_clean_failure(run)
    assert "impact_report: no plan for demo_openldap (ldap_accounts: the vault %s does not exist" % ws.vault in run.text, run
    assert read_people(directory) == before

    # Restored from the history, everything works again.
    (history / snapshot).rename(ws.vault)
    assert ws.play("collect.yml", *STRICT).rc == 0
    assert ws.play("provision.yml").rc == 0
