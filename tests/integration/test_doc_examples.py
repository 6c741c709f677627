"""The ldap_accounts EXAMPLES of ansible-doc run as written against a real slapd: only the
server, the credentials, the CA and the vault path point at the test's. The HR data is the
vendor's HelloID export, where some persons lack optional fields (a second name, initials)."""

import ast

import ldap3
import yaml

from jml_workspace import BIN, ROOT, read_people

RUN_HERE = ("Reconcile the OpenLDAP directory with the vault", "Evaluate the impact without writing (check mode)",
            "Show what a real run would do", "What if - the state of the directory on the first of next month",
            "Show who would join and leave by then", "Apply exactly the approved plan of the evaluation")


def examples(module):
    tree = ast.parse((ROOT / "plugins" / "modules" / (module + ".py")).read_text(encoding="utf-8"))
    text = next(node.value.value for node in tree.body
                if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "EXAMPLES")
    return yaml.safe_load(text.replace("!unsafe ", ""))


def pointed_at(task, directory, vault):
    module = task.get("jml.provisioning.ldap_accounts")
    if module is not None:
        module["vault"] = str(vault)
        if "plan_file" in module:
            module["plan_file"] = str(vault.parent / "plan.json")
        if "approved_plan" in module:
            module["approved_plan"] = str(vault.parent / "plan.json")
        connection = module["connection"]
        scheme = "ldap" if connection["server_uri"].startswith("ldap://") else "ldaps"
        connection.update(server_uri=directory.ldap_uri if scheme == "ldap" else directory.ldaps_uri,
                          bind_dn=directory.bind_dn, bind_password=directory.bind_password,
                          ca_file=directory.ca_file)
    return task


def test_the_openldap_examples_run_as_written(workspace, directory, tmp_path):
    assert workspace.play("collect.yml").rc == 0
    # The what-if example places accounts in one OU per department, as a real directory has them.
    codes = set(c["department"]["code"].lower() for p in workspace.vault_document()["persons"].values()
                for c in p["contracts"] if (c.get("department") or {}).get("code"))
    conn = ldap3.Connection(ldap3.Server(directory.ldap_uri, get_info=ldap3.NONE), directory.bind_dn,
                            directory.bind_password, auto_bind=True)
    for ou in sorted(codes) + ["disabled"]:
        assert conn.add("ou=%s,%s" % (ou, directory.people_dn), ["organizationalUnit"]), conn.result
    conn.unbind()

    tasks = [pointed_at(t, directory, workspace.vault) for t in examples("ldap_accounts") if t["name"] in RUN_HERE]
    assert [t["name"] for t in tasks] == list(RUN_HERE)
    playbook = tmp_path / "examples.yml"
    playbook.write_text(yaml.safe_dump([{"name": "ldap_accounts EXAMPLES", "hosts": "localhost",
                                         "gather_facts": False, "tasks": tasks}], sort_keys=False))
    run = workspace.run([str(BIN / "ansible-playbook"), str(playbook), "-i", "localhost,", "-c", "local",
                         "--vault-password-file", str(workspace.vault_pass)])
    assert run.returncode == 0, run.stdout
    assert "failed=0" in run.stdout and "ignored=0" in run.stdout, run.stdout
    # The first example excludes blocked persons; the evaluation's has no such rule and plans Oleg
    # (blocked in HR) - and its approved plan, applied by the last example, creates exactly him.
    people = read_people(directory)
    assert len(people) == 34 and "uid=oleg.foster,%s" % directory.people_dn in people
