"""The vault over time, through real ansible-playbook runs: source thresholds, history, retention,
and data minimisation (a canary column never reaches the vault, its history, output or reports)."""

import csv
import json
import os

from ansible.parsing.vault import VaultLib, VaultSecret

from test_hr_collect import collected_ok


def _truncate_to_header(workspace):
    for name in ("T4E_HELLOID_Persons.csv", "T4E_HelloID_Contracts.csv"):
        path = workspace.hr / name
        path.write_bytes(path.read_bytes().splitlines(True)[0])


def _decrypt(workspace, path):
    secret = VaultSecret(workspace.vault_pass.read_bytes().strip())
    return VaultLib([("default", secret)]).decrypt(path.read_bytes()).decode("utf-8")


def test_an_empty_export_is_stopped_by_source_thresholds_and_the_vault_kept(collect_workspace):
    ws = collect_workspace
    first = collected_ok(ws)
    ws.set_vars(jml_collect_thresholds={"removed": {"count": 3, "percent": 10}, "min_persons": 20})
    _truncate_to_header(ws)
    run = ws.play("collect.yml")
    assert run.rc != 0
    # HelloID's export is empty; ACME's 5 persons remain (Amir is no longer merged: 1 "added").
    assert "source threshold exceeded: removed 33 (limit 3), source(s) helloid, helloid (its contracts file) read no person" in run.text
    assert "min_persons 5 (limit 20)" in run.text
    assert ws.vault.read_bytes() == first

    ws.set_vars(jml_collect_allow_threshold_override=True)
    run = ws.play("collect.yml")
    assert run.rc == 0, run
    assert sorted(ws.vault_document()["persons"]) == ["AC-1001", "AC-1002", "AC-1003", "AC-1004", "AC-1005"]


def test_history_keeps_the_last_n_vaults_encrypted(collect_workspace):
    ws = collect_workspace
    ws.set_vars(jml_collect_history=2)
    path = ws.hr / "T4E_HELLOID_Persons.csv"
    for nickname in ("Bethany", "Beth", "Betty", "Bets"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(";Bethany;Bethany;", ";%s;Bethany;" % nickname, 1)
                        .replace(";Beth;Bethany;", ";%s;Bethany;" % nickname, 1)
                        .replace(";Betty;Bethany;", ";%s;Bethany;" % nickname, 1), encoding="utf-8")
        collected_ok(ws)
        os.utime(ws.vault, (0, 0))  # distinct collected_at seconds are not guaranteed: names come from the content
    history = sorted((ws.path / "vault.json.history").iterdir())
    assert 1 <= len(history) <= 2
    for snapshot in history:
        assert snapshot.read_bytes().startswith(b"$ANSIBLE_VAULT;1.1;AES256")
        assert oct(snapshot.stat().st_mode & 0o777) == "0o600"
        assert json.loads(_decrypt(ws, snapshot))["format"] == "jml.provisioning/vault/v1"


def test_retention_purges_long_gone_leavers_from_vault_and_history(collect_workspace):
    ws = collect_workspace
    ws.set_vars(jml_collect_history=3)
    collected_ok(ws)
    assert "XavieraF" in ws.vault_document()["persons"]  # her contract ended in 2009
    path = ws.hr / "T4E_HELLOID_Persons.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(";Bethany;Bethany;", ";Beth;Bethany;"), encoding="utf-8")
    collected_ok(ws)  # the first vault is now in the history
    history = list((ws.path / "vault.json.history").iterdir())
    assert history and any("XavieraF" in json.loads(_decrypt(ws, s))["persons"] for s in history)

    # 4200 days before 2026-11-26 is 2015-06-03: SophiaR (2011) and XavieraF (2009) go, RashadW (2015-08-04) stays.
    ws.set_vars(jml_collect_retention_days=4200, jml_collect_reference_date="2026-11-26")
    run = ws.play("collect.yml")
    assert run.rc == 0, run
    persons = ws.vault_document()["persons"]
    assert "XavieraF" not in persons and "SophiaR" not in persons
    assert "RashadW" in persons
    for snapshot in (ws.path / "vault.json.history").iterdir():  # her id may remain as others' manager
        assert "XavieraF" not in json.loads(_decrypt(ws, snapshot))["persons"]


CANARY = "CANARY-7f3a91e2"
ACME_CANARY = "not mapped, never stored"  # every ACME record's homeAddress: in no mapping set


def test_a_canary_column_never_reaches_vault_history_output_or_reports(workspace, directory):
    ws = workspace
    for name, encoding in (("T4E_HELLOID_Persons.csv", "utf-8"), ("T4E_HelloID_Contracts.csv", "utf-8-sig")):
        path = ws.hr / name
        with open(path, encoding=encoding, newline="") as handle:
            rows = list(csv.reader(handle, delimiter=";"))
        rows[0].append("CanarySecret")
        for row in rows[1:]:
            row.append(CANARY)
        with open(path, "w", encoding=encoding, newline="") as handle:
            csv.writer(handle, delimiter=";", lineterminator="\n").writerows(rows)
    ws.set_vars(jml_collect_history=2)
    outputs = [ws.play("site.yml", "-vvv", diff=True)]
    path = ws.hr / "T4E_HELLOID_Persons.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(";Bethany;Bethany;", ";Beth;Bethany;"), encoding="utf-8")
    outputs.append(ws.play("site.yml", "-vvv", diff=True))
    outputs.append(ws.play("provision.yml", check=True, diff=True))
    for run in outputs:
        assert run.rc == 0, run
        for canary in (CANARY, ACME_CANARY):
            assert canary not in run.output
            assert canary not in run.plan_file.read_text()
    for canary in (CANARY, ACME_CANARY):
        assert canary not in _decrypt(ws, ws.vault)
        for snapshot in (ws.path / "vault.json.history").iterdir():
            assert canary not in _decrypt(ws, snapshot)
