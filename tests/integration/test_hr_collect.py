"""hr_collect through real ansible-playbook runs: bad input is named precisely and loses nothing."""

import copy
import os

import yaml

from jml_workspace import ROOT

DEMO_SOURCES = yaml.safe_load((ROOT / "inventories/demo/group_vars/all/collect.yml").read_text())["jml_sources"]


def sources(workspace, **mapping_changes):
    """The demo's HelloID source pointed at the workspace's copy, with mapping fields replaced."""
    source = copy.deepcopy(DEMO_SOURCES[0])
    source["persons"]["path"] = str(workspace.hr / "T4E_HELLOID_Persons.csv")
    source["contracts"]["path"] = str(workspace.hr / "T4E_HelloID_Contracts.csv")
    source["absences"]["path"] = str(ROOT / "inventories" / "demo" / "hr" / "leave" / "absences.csv")  # read only
    for field, expression in mapping_changes.items():
        part, dummy, name = field.partition("__")
        source["mapping"][part][name] = expression
    return [source]


def collected_ok(workspace):
    run = workspace.play("collect.yml")
    assert run.rc == 0, run
    return workspace.vault.read_bytes()


def test_vault_is_encrypted_0600_and_readable_with_ansible_vault(collect_workspace):
    ws = collect_workspace
    data = collected_ok(ws)
    assert data.startswith(b"$ANSIBLE_VAULT;1.1;AES256")
    assert oct(os.stat(ws.vault).st_mode & 0o777) == "0o600"
    document = ws.vault_document()
    assert document["format"] == "jml.provisioning/vault/v1"
    assert len(document["persons"]) == 37  # 33 from HelloID, 5 from ACME, Amir Atkinson in both
    assert document["sources"][0]["rejected"] == 2 and document["sources"][1]["persons"] == 5
    assert document["persons"]["AmirA"]["sources"] == ["helloid", "acme"]


def test_only_mapped_fields_reach_the_vault(collect_workspace):
    ws = collect_workspace
    collected_ok(ws)
    text = ws.vault_document().__repr__()
    # Unmapped HR columns (birth date, private address, phone) never reach the vault.
    for unmapped in ("6-8-1968", "1968-08-06", "Kenosha", "7519 Nisl Avenue", "9708EI"):
        assert unmapped not in text


def test_recollect_unchanged_is_not_changed_and_check_mode_writes_nothing(collect_workspace):
    ws = collect_workspace
    first = collected_ok(ws)
    again = ws.play("collect.yml")
    assert again.rc == 0 and "changed=0" in again.output
    assert "sources unchanged since the last collect" in again.text  # stopped after reading
    assert ws.vault.read_bytes() == first, "an unchanged collect rewrote the vault"
    fingerprint = ws.path / "vault.json.fingerprint"
    assert fingerprint.read_bytes().startswith(b"$ANSIBLE_VAULT") and oct(fingerprint.stat().st_mode & 0o777) == "0o600"
    ws.set_vars(jml_collect_history=1)  # another option: the full collect runs again
    assert "sources unchanged" not in ws.play("collect.yml").text

    (ws.hr / "T4E_HELLOID_Persons.csv").write_text(
        (ws.hr / "T4E_HELLOID_Persons.csv").read_text(encoding="utf-8").replace("Bethany;Bethany", "Beth;Bethany"),
        encoding="utf-8")
    check = ws.play("collect.yml", check=True, diff=True)
    assert check.rc == 0 and "changed=1" in check.output
    assert "changed 1" in check.text and '"given": "Beth"' in check.output
    assert ws.vault.read_bytes() == first, "check mode wrote the vault"


def test_missing_mapped_column_names_column_and_file_and_keeps_the_vault(collect_workspace):
    ws = collect_workspace
    first = collected_ok(ws)
    ws.set_vars(jml_sources=sources(ws, person__email="row.EmailWork"), jml_collect_merge={})
    run = ws.play("collect.yml")
    assert run.rc != 0
    assert "T4E_HELLOID_Persons.csv: source helloid: column EmailWork used by mapping person.email is missing" \
        in run.text
    assert ws.vault.read_bytes() == first


def test_bad_rows_are_rejected_with_file_row_field_and_the_rest_collected(collect_workspace):
    ws = collect_workspace
    path = ws.hr / "T4E_HelloID_Contracts.csv"
    text = path.read_text(encoding="utf-8-sig")
    text = text.replace("BethanyC;1;Internal;1;40;3-1-2005;", "BethanyC;1;Internal;1;40;;")  # empty required
    path.write_text(text, encoding="utf-8-sig")
    run = ws.play("collect.yml")
    assert run.rc == 0, run
    assert "4 row(s) rejected, first: T4E_HelloID_Contracts.csv:4: field contract.start: required value is empty" \
        in run.text
    document = ws.vault_document()
    assert "BethanyC" not in document["persons"] and len(document["persons"]) == 36
    assert document["sources"][0]["rejected"] == 4


def test_a_rejected_person_keeps_the_previous_record(collect_workspace):
    ws = collect_workspace
    collected_ok(ws)
    path = ws.hr / "T4E_HelloID_Contracts.csv"
    path.write_text(path.read_text(encoding="utf-8-sig").replace(";3-1-2005;", ";31-31-2005;"), encoding="utf-8-sig")
    run = ws.play("collect.yml")
    assert run.rc == 0, run
    document = ws.vault_document()
    assert document["persons"]["BethanyC"]["contracts"][0]["start"] == "2005-01-03"


def test_duplicate_person_key_names_both_rows(collect_workspace):
    ws = collect_workspace
    path = ws.hr / "T4E_HELLOID_Persons.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.append(lines[2])  # BethanyC again
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = ws.play("collect.yml")
    assert run.rc != 0
    assert "duplicate person id 'BethanyC' in T4E_HELLOID_Persons.csv rows 3 and 36" in run.text
    assert not ws.vault.exists()


def test_unreadable_file_and_wrong_vault_password_keep_the_vault(collect_workspace):
    ws = collect_workspace
    first = collected_ok(ws)
    contracts = ws.hr / "T4E_HelloID_Contracts.csv"
    contracts.chmod(0)
    moved = False
    try:
        if os.access(contracts, os.R_OK):  # root reads anything: make it unreadable another way
            contracts.rename(ws.hr / "moved.csv")
            contracts.mkdir()
            moved = True
        run = ws.play("collect.yml")
    finally:
        if moved:
            contracts.rmdir()
            (ws.hr / "moved.csv").rename(contracts)
        contracts.chmod(0o644)
    assert run.rc != 0 and "T4E_HelloID_Contracts.csv: cannot read" in run.text
    assert ws.vault.read_bytes() == first

    wrong = ws.path / "wrong-pass"
    wrong.write_text("not-the-secret\n")
    run = ws.play("collect.yml", vault_pass=wrong)
    assert run.rc != 0 and "cannot decrypt the vault" in run.text
    assert "not-the-secret" not in run.output
    assert ws.vault.read_bytes() == first


def test_cp1252_export_and_plaintext_only_when_asked(collect_workspace):
    ws = collect_workspace
    for name in ("T4E_HELLOID_Persons.csv", "T4E_HelloID_Contracts.csv"):
        path = ws.hr / name
        path.write_bytes(path.read_text(encoding="utf-8-sig").encode("cp1252", errors="replace"))
    source = sources(ws)[0]
    source["persons"]["encoding"] = source["contracts"]["encoding"] = "cp1252"
    ws.set_vars(jml_sources=[source], jml_collect_merge={}, jml_vault_encrypt=False)
    run = ws.play("collect.yml")
    assert run.rc == 0, run
    raw = ws.vault.read_text(encoding="utf-8")
    assert raw.startswith('{"format":"jml.provisioning/vault/v1"')
    assert "Fran\u00e7ois" in raw  # decoded from cp1252 0xE7
