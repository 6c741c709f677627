"""The README's quick example is run as written (only the server and paths point at the test's)."""

import re

import yaml

from jml_workspace import BIN, ROOT, read_people
from test_hr_collect import sources


def test_readme_quick_example_runs_and_is_idempotent(workspace, directory, tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quick example\s+```yaml\n(.*?)```", readme, re.S).group(1)
    block = block.replace("/var/lib/jml/vault.json", str(workspace.vault))
    block = block.replace('server_uri: "ldaps://ldap.example.test"',
                          'server_uri: "%s", ca_file: "%s"' % (directory.ldaps_uri, directory.ca_file))
    playbook = tmp_path / "quick.yml"
    playbook.write_text(block)
    extra = tmp_path / "quick-vars.yml"
    extra.write_text(yaml.safe_dump({"jml_sources": sources(workspace), "bind_dn": directory.bind_dn,
                                     "bind_pw": directory.bind_password}))
    for expected_changed in ("changed=2", "changed=0"):
        run = workspace.run([str(BIN / "ansible-playbook"), str(playbook), "-e", "@%s" % extra,
                             "--vault-password-file", str(workspace.vault_pass)])
        assert run.returncode == 0, run.stdout
        assert expected_changed in run.stdout, run.stdout
    assert len(read_people(directory)) == 30  # no `exclude` in the quick example: blocked OlegF too


def test_readme_quick_example_with_check_plans_the_new_hr_data(workspace, directory, tmp_path):
    """`--check` on the quick example after an HR change: ldap_accounts plans from what the
    collect just read, in memory, and the real run then does exactly that."""
    import subprocess
    import sys
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quick example\s+```yaml\n(.*?)```", readme, re.S).group(1)
    block = block.replace("/var/lib/jml/vault.json", str(workspace.vault))
    block = block.replace('server_uri: "ldaps://ldap.example.test"',
                          'server_uri: "%s", ca_file: "%s"' % (directory.ldaps_uri, directory.ca_file))
    # The plan as the real run and the check see it, side by side.
    block = block.replace("        attributes: {cn:", "        plan_file: \"{{ plan_file }}\"\n        attributes: {cn:")
    playbook = tmp_path / "quick.yml"
    playbook.write_text(block)

    def play(*args, plan):
        extra = tmp_path / "quick-vars.yml"
        extra.write_text(yaml.safe_dump({"jml_sources": sources(workspace), "bind_dn": directory.bind_dn,
                                         "bind_pw": directory.bind_password, "plan_file": str(tmp_path / plan)}))
        run = workspace.run([str(BIN / "ansible-playbook"), str(playbook), "-e", "@%s" % extra,
                             "--vault-password-file", str(workspace.vault_pass)] + list(args))
        assert run.returncode == 0, run.stdout
        return yaml.safe_load((tmp_path / plan).read_text())

    play(plan="first.json")
    subprocess.run([sys.executable, str(ROOT / "hack" / "demo_hr_change.py"), str(workspace.hr)], check=True,
                   stdout=subprocess.DEVNULL)
    check = play("--check", "--diff", plan="check.json")
    assert check["vault_source"] == "collect"
    assert "NoahV" in [a["person"] for a in check["actions"] if a["action"] == "create"]
    real = play(plan="real.json")
    assert real["actions"] == check["actions"]
