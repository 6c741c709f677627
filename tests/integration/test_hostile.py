"""A hostile world: forged files, broken exports, misbehaving servers. Real slapd, real HTTP
server, real ansible-playbook runs; for every failing collect the previous vault is byte-identical."""

import json

from jml_workspace import BIN, read_people


def _forged_vault(ws):
    """A plain JSON vault someone with write access to the folder put there: one invented person."""
    ws.vault.write_text(json.dumps({
        "format": "jml.provisioning/vault/v1", "collected_at": "2026-12-01T00:00:00Z", "sources": [],
        "persons": {"EVIL": {"id": "EVIL", "source": "x", "name": {"given": "Eve", "family": "Intruder",
                                                                    "display": "Eve Intruder"},
                             "contracts": [{"id": "EVIL-1", "start": "2020-01-01", "end": None}]}}}))


def test_a_forged_plain_vault_creates_nothing(workspace, directory):
    ws = workspace
    _forged_vault(ws)
    for check in (True, False):
        run = ws.play("provision.yml", check=check)
        assert run.rc != 0
        assert "is not an ansible-vault envelope but the play has a vault secret: refused" in run.text, run
    assert read_people(directory) == {}, "a forged vault must create nothing"
    # The lookups refuse it too.
    playbook = ws.path / "lookup.yml"
    playbook.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.debug:\n        msg: \"{{ query('jml.provisioning.vault', '%s') }}\"\n" % ws.vault)
    run = ws.run([str(BIN / "ansible-playbook"), str(playbook), "--vault-password-file", str(ws.vault_pass)])
    assert run.returncode != 0 and "refused" in " ".join(run.stdout.split()), run.stdout
    # A collect does not build on it either: the previous vault stays as it is.
    before = ws.vault.read_bytes()
    run = ws.play("collect.yml")
    assert run.rc != 0 and "refused" in run.text
    assert ws.vault.read_bytes() == before


def test_a_plain_vault_is_read_when_every_task_says_so(workspace, directory):
    ws = workspace
    ws.set_vars(jml_vault_encrypt=False)
    assert ws.play("site.yml").rc == 0
    assert ws.vault.read_text().startswith("{")
    assert len(read_people(directory)) == 33
