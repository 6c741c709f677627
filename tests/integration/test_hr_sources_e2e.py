"""HTTP failures and the vault lookup through real ansible-playbook runs."""

import copy
import json

from hr_api import running_hr_api
from jml_workspace import ACME_TOKEN, BIN, ROOT
from test_hr_collect import DEMO_SOURCES, collected_ok

ACME = json.loads((ROOT / "inventories/demo/hr/acme/employees.json").read_text(encoding="utf-8"))


def test_a_500_on_page_3_fails_the_collect_and_keeps_the_vault(collect_workspace):
    ws = collect_workspace
    first = collected_ok(ws)
    with running_hr_api(ACME, style="next_link", page_size=2, faults={3: "500"},
                        auth={"type": "bearer", "token": ACME_TOKEN}) as broken:
        sources = copy.deepcopy(DEMO_SOURCES)
        sources[1]["backoff"] = 0.05  # three quick retries, then the page fails for good
        ws.set_vars(jml_sources=sources,
                    jml_demo_connection=dict(ws.vars["jml_demo_connection"], acme_url=broken.url))
        run = ws.play("collect.yml", "-vvvv")
    assert run.rc != 0
    assert "source acme:" in run.text and "page 3: HTTP 500" in run.text
    assert ACME_TOKEN not in run.output
    assert ws.vault.read_bytes() == first


def test_a_wrong_token_fails_the_collect_clearly(collect_workspace):
    ws = collect_workspace
    ws.set_vars(jml_demo_connection=dict(ws.vars["jml_demo_connection"], acme_token="not-the-token"))
    run = ws.play("collect.yml")
    assert run.rc != 0 and "authentication failed (HTTP 401)" in run.text
    assert "not-the-token" not in run.output
    assert not ws.vault.exists()


def test_the_vault_lookup_decrypts_in_memory_and_filters(collect_workspace, tmp_path):
    ws = collect_workspace
    collected_ok(ws)
    playbook = tmp_path / "lookup.yml"
    playbook.write_text("""
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.copy:
        dest: "%(out)s"
        content: "{{ query('jml.provisioning.vault', '%(vault)s', where=\\"'acme' in (person.sources or [person.source])\\",
                           fields=['id', 'sources']) | to_json }}"
""" % {"out": tmp_path / "out.json", "vault": ws.vault})
    run = ws.run([str(BIN / "ansible-playbook"), str(playbook), "--vault-password-file", str(ws.vault_pass)])
    assert run.returncode == 0, run.stdout
    found = json.loads((tmp_path / "out.json").read_text())
    assert sorted(p["id"] for p in found) == ["AC-1001", "AC-1002", "AC-1004", "AC-1005", "AmirA"]
    assert list(tmp_path.glob("*.json")) == [tmp_path / "out.json"]  # no plaintext vault left anywhere
