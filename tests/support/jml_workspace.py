"""Running the repository's playbooks as real ansible-playbook processes, for the integration suite:
a work folder with the vendor's HR export, a vault password, vars pointing the demo inventory at
it, and an independent ldap3 read of the directory."""

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

import helloid  # the vendor's HelloID export, byte for byte

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ACME_TOKEN = "acme-integration-token-0815"  # bearer token of the test ACME HR API


class Run(object):
    def __init__(self, proc, plan_file):
        self.rc = proc.returncode
        self.output = proc.stdout
        self.plan_file = plan_file

    @property
    def text(self):
        """The output with line wrapping folded away, for assertions on messages."""
        return " ".join(self.output.split())

    @property
    def plan(self):
        with open(self.plan_file) as handle:
            return json.load(handle)

    def __repr__(self):
        return "<Run rc=%s>\n%s" % (self.rc, self.output[-6000:])


class Workspace(object):
    """A work folder: HR copy, vault password, vars pointing the demo inventory at it."""

    def __init__(self, path, instance=None, hr_api=None, acme_token=None):
        self.path = path
        self.hr = path / "hr"
        helloid.restore(self.hr)
        self.vault = path / "vault.json"
        self.vault_pass = path / "vault-pass"
        self.vault_pass.write_text("integration-vault-secret-4711\n")
        self.vault_pass.chmod(0o600)
        self.home = path / "ansible-home"
        self.runs = 0
        self.vars = {"jml_vault_path": str(self.vault), "jml_demo_hr_dir": str(self.hr)}
        connection = {}
        if instance is not None:
            connection.update(ldaps_uri=instance.ldaps_uri, bind_dn=instance.bind_dn,
                              bind_password=instance.bind_password, ca_file=instance.ca_file)
        if hr_api is not None:
            connection.update(acme_url=hr_api.url, acme_token=acme_token)
        self.vars["jml_demo_connection"] = connection

    def set_vars(self, **values):
        self.vars.update(values)

    def play(self, playbook, *args, check=False, diff=False, verbosity=0, vault_pass=None):
        cmd, plan_file = self.command(playbook, *args, check=check, diff=diff, verbosity=verbosity,
                                      vault_pass=vault_pass)
        return Run(self.run(cmd), plan_file)

    def start(self, playbook, *args, check=False):
        """The same run as ``play``, started in the background: ``(Popen, plan file)``."""
        cmd, plan_file = self.command(playbook, *args, check=check)
        proc = subprocess.Popen(cmd, cwd=str(ROOT), env=self.environment(), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, universal_newlines=True, start_new_session=True)
        return proc, plan_file

    def command(self, playbook, *args, check=False, diff=False, verbosity=0, vault_pass=None):
        self.runs += 1
        vars_file = self.path / ("vars-%d.yml" % self.runs)
        plan_file = self.path / ("plan-%d.json" % self.runs)
        # The demo inventory's directory only: its SCIM and file targets are the demo's, not this test's.
        vars_file.write_text(yaml.safe_dump(dict({"jml_targets": "ldap_targets", **self.vars},
                                                 jml_ldap_plan_file=str(plan_file))))
        cmd = [str(BIN / "ansible-playbook"), str(ROOT / "playbooks" / playbook),
               "-i", str(ROOT / "inventories" / "demo" / "hosts.yml"),
               "--vault-password-file", str(vault_pass or self.vault_pass), "-e", "@%s" % vars_file]
        cmd += ["--check"] if check else []
        cmd += ["--diff"] if diff else []
        cmd += ["-" + "v" * verbosity] if verbosity else []
        cmd += list(args)
        return cmd, plan_file

    def environment(self):
        return dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_HOME=str(self.home),
                    ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".build" / "collections"), ANSIBLE_NOCOLOR="1",
                    ANSIBLE_LOCAL_TEMP=str(self.home / "tmp"), PATH="%s:%s" % (BIN, os.environ.get("PATH", "")),
                    **getattr(self, "extra_env", {}))

    def run(self, cmd):
        """Run an Ansible command with the suite's isolated settings; returns the CompletedProcess."""
        return subprocess.run(cmd, cwd=str(ROOT), env=self.environment(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True, timeout=300, check=False)

    def vault_document(self):
        """The vault decrypted independently with ansible-vault's own library."""
        from ansible.parsing.vault import VaultLib, VaultSecret
        secret = VaultSecret(self.vault_pass.read_bytes().strip())
        return json.loads(VaultLib([("default", secret)]).decrypt(self.vault.read_bytes()))


def read_people(instance, base=None):
    """Every entry under ou=people, read with ldap3 directly (not through the collection)."""
    import ldap3
    server = ldap3.Server(instance.ldap_uri, get_info=ldap3.NONE)
    conn = ldap3.Connection(server, instance.bind_dn, instance.bind_password, auto_bind=True)
    wanted = ["*", "entryCSN", "modifyTimestamp", "pwdAccountLockedTime", "memberOf"]
    entries = conn.extend.standard.paged_search(base or instance.people_dn, "(objectClass=inetOrgPerson)",
                                                attributes=wanted, paged_size=500, generator=False)
    people = {}
    for entry in entries:
        if entry.get("type") == "searchResEntry":
            # Requested operational attributes that are absent come back as empty lists: drop them.
            people[entry["dn"]] = dict((k.lower(), [v.decode() if isinstance(v, bytes) else str(v) for v in vals])
                                       for k, vals in entry["raw_attributes"].items() if vals)
    conn.unbind()
    return people
