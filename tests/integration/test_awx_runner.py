"""Run as AWX runs it: the first run, collect -> provision -> evaluate through ansible-runner (the
engine of AWX and Automation Platform), each job in a fresh private data dir laid out as AWX lays
it out, against the real throwaway slapd and the real ACME HR API.

AWX writes, per job: `project/` (a copy of the project: here the collection's playbooks and the
business rules), `inventory/hosts` (an executable script printing the inventory as JSON, every
group and host variable inside it), `env/extravars`, `env/cmdline` (`--vault-id jml@prompt` for a
Vault credential with the id `jml`, the job's verbosity) and `env/passwords` (the answer to the
vault prompt). The collection comes from the built tarball installed into a collections folder,
as the execution environment holds it. Only the vault's folder outlives a job: the persistent path
AWX exposes to the job (docs/awx.md); each job's private data dir is new.

What the events must show (artifacts/<ident>/job_events/*.json, which AWX stores one by one):
- no event is larger than EVENT_BOUND (for this 33-person run at -vvvv);
- no secret - the LDAP bind password, the vault password, the HR API's bearer token - in any
  event, in stdout or in any other artifact;
- the run's summary for workflows: set_stats' `jml_summary` in the playbook_on_stats event's
  artifact_data (what AWX saves as the job's artifacts and hands to the next workflow node);
- a missing vault: a clear failure naming what to do, nothing written, no traceback.
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from jml_workspace import ACME_TOKEN, ROOT, read_people
import helloid

ansible_runner = pytest.importorskip("ansible_runner", reason="ansible-runner: pip install -r requirements-dev.txt")

BIN = Path(sys.executable).parent
VAULT_ID = "jml"
VAULT_PASSWORD = "awx-vault-credential-secret-5150"
EVENT_BOUND = 64 * 1024  # bytes per job event (JSON file), docs/awx.md "Job events"


def ansible(home, collections, *cmd):
    # Only the folder being installed into: the work tree's link in .build/collections would make
    # ansible-galaxy find jml.provisioning "already installed".
    env = dict(os.environ, ANSIBLE_HOME=str(home), ANSIBLE_COLLECTIONS_PATH=str(collections))
    proc = subprocess.run([str(c) for c in cmd], cwd=str(ROOT), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout


@pytest.fixture(scope="module")
def ee_collections(tmp_path_factory):
    """The packaged collection installed like the execution environment's (not the work tree)."""
    dist = tmp_path_factory.mktemp("dist")
    dest = tmp_path_factory.mktemp("ee-collections")
    home = tmp_path_factory.mktemp("galaxy-home")
    ansible(home, dest, BIN / "ansible-galaxy", "collection", "build", "--force", "--output-path", dist)
    tarball, = dist.glob("jml-provisioning-*.tar.gz")
    ansible(home, dest, BIN / "ansible-galaxy", "collection", "install", "--offline", "--force", tarball, "-p", dest)
    assert (dest / "ansible_collections" / "jml" / "provisioning" / "MANIFEST.json").is_file()
    return dest


def demo_inventory():
    """The demo inventory as AWX hands it to a job: one JSON document from a script, group_vars
    inlined. Files named relative to inventory_dir move to the project (playbook_dir), because a
    job's inventory_dir is its private data dir, not the project. The demo's first-run flag is not
    an inventory setting in production: dropped."""
    hosts = yaml.safe_load((ROOT / "inventories/demo/hosts.yml").read_text())["all"]
    group_vars = ROOT / "inventories/demo/group_vars"

    def load(paths):
        found = {}
        for path in paths:
            found.update(yaml.safe_load(path.read_text()) or {})
        found.pop("jml_vault_missing_ok", None)
        for key, value in found.items():
            if isinstance(value, str) and "{{ inventory_dir }}/rules.yml" in value:
                found[key] = value.replace("{{ inventory_dir }}", "{{ playbook_dir }}")
        return found

    inventory = {"all": {"children": ["ungrouped"] + sorted(hosts["children"]),
                         "vars": load(sorted((group_vars / "all").glob("*.yml")))},
                 "ungrouped": {"hosts": sorted(hosts["hosts"])},
                 "_meta": {"hostvars": {}}}
    inventory["_meta"]["hostvars"].update(hosts["hosts"])
    for group, body in hosts["children"].items():
        inventory[group] = {"hosts": sorted(body["hosts"])}
        if (group_vars / (group + ".yml")).exists():
            inventory[group]["vars"] = load([group_vars / (group + ".yml")])
        inventory["_meta"]["hostvars"].update(body["hosts"])
    return inventory


class AwxJobs(object):
    """Jobs of one AWX job template family, each in its own private data dir under ``base``."""

    def __init__(self, base, persistent, collections, secrets, extravars, envvars=None):
        self.base, self.persistent, self.collections = base, persistent, collections
        self.secrets = secrets
        self.extravars = extravars
        self.envvars = envvars or {}  # AWX passes e.g. MAX_EVENT_RES_DATA as MAX_EVENT_RES
        self.seconds = {}

    def run(self, ident, playbook, **extravars):
        pdd = self.base / ident
        project = pdd / "project"
        project.mkdir(parents=True)
        for path in (ROOT / "playbooks").glob("*.yml"):
            shutil.copy(path, project / path.name)
        shutil.copy(ROOT / "inventories/demo/rules.yml", project / "rules.yml")
        (pdd / "inventory").mkdir()
        script = pdd / "inventory" / "hosts"
        script.write_text("#!%s\nimport json\nprint(json.dumps(%r))\n"
                          % (sys.executable, demo_inventory()))
        script.chmod(stat.S_IRWXU)
        env = pdd / "env"
        env.mkdir()
        (env / "extravars").write_text(yaml.safe_dump(dict(self.extravars, **extravars)))
        (env / "cmdline").write_text("--vault-id %s@prompt -vvvv" % VAULT_ID)
        (env / "passwords").write_text(yaml.safe_dump({r"Vault password \(%s\):\s*?$" % VAULT_ID: VAULT_PASSWORD}))
        home = self.base / "ansible-home"
        (env / "envvars").write_text(yaml.safe_dump({
            "ANSIBLE_COLLECTIONS_PATH": str(self.collections), "ANSIBLE_HOME": str(home),
            "ANSIBLE_LOCAL_TEMP": str(home / "tmp"), "ANSIBLE_NOCOLOR": "1",
            "PATH": "%s:%s" % (BIN, os.environ.get("PATH", "/usr/bin:/bin")), **self.envvars}))
        for name in ("extravars", "cmdline", "passwords", "envvars"):
            (env / name).chmod(0o600)
        started = time.monotonic()
        runner = ansible_runner.run(private_data_dir=str(pdd), playbook=playbook, ident=ident, quiet=True,
                                    timeout=180)
        self.seconds[ident] = round(time.monotonic() - started, 2)
        return Job(runner, pdd / "artifacts" / ident)


class Job(object):
    def __init__(self, runner, artifacts):
        self.status, self.rc = runner.status, runner.rc
        self.artifacts = artifacts
        self.stdout = (artifacts / "stdout").read_text()
        self.events = [json.loads(path.read_text()) for path in sorted((artifacts / "job_events").glob("*.json"))]

    @property
    def text(self):
        return " ".join(self.stdout.split())

    @property
    def summary(self):
        stats = [e for e in self.events if e["event"] == "playbook_on_stats"]
        assert len(stats) == 1, [e["event"] for e in self.events][-5:]
        return stats[0]["event_data"].get("artifact_data", {}).get("jml_summary")

    def largest_event(self):
        return max((path.stat().st_size, path.name) for path in (self.artifacts / "job_events").glob("*.json"))

    def __repr__(self):
        return "<Job %s rc=%s>\n%s" % (self.status, self.rc, self.stdout[-5000:])


def assert_clean(job, secrets, bound=EVENT_BOUND):
    """No event over the bound; no secret anywhere in the job's artifacts (events, stdout, the rest)."""
    size, name = job.largest_event()
    assert bound is None or size <= bound, "event %s is %d bytes (bound %d)" % (name, size, bound)
    for path in job.artifacts.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for label, secret in secrets.items():
                assert secret.encode() not in data, "%s found in %s" % (label, path)
    assert "Traceback" not in job.stdout


def test_first_run_and_cycle_as_awx_runs_it(tmp_path, directory, hr_api, ee_collections):
    persistent = tmp_path / "var-lib-jml"  # the path exposed to every job (AWX_ISOLATION_SHOW_PATHS)
    persistent.mkdir()
    hr = persistent / "hr"
    (persistent / "export").mkdir()  # the demo's badge.csv goes here
    helloid.restore(hr)
    vault = persistent / "vault.json"
    secrets = {"bind password": directory.bind_password, "vault password": VAULT_PASSWORD,
               "HR API token": ACME_TOKEN}
    extravars = {
        # Two targets, so set_stats must aggregate: the directory and the badge system's CSV file.
        "jml_targets": "ldap_targets:file_targets",
        "jml_vault_path": str(vault),
        "jml_demo_hr_dir": str(hr),
        "jml_demo_leave_dir": str(ROOT / "inventories" / "demo" / "hr" / "leave"),  # the project's, read only
        "jml_demo_connection": {"ldaps_uri": directory.ldaps_uri, "bind_dn": directory.bind_dn,
                                "bind_password": directory.bind_password, "ca_file": directory.ca_file,
                                "acme_url": hr_api.url, "acme_token": ACME_TOKEN},
        # Results list at most 20 actions in AWX (docs/awx.md, "Job events"); the plan file has all.
        "jml_ldap_max_actions": 20,
        "jml_file_max_actions": 20,
        "jml_ldap_plan_file": str(persistent / "plan.json"),
        "jml_file_plan_file": str(persistent / "plan-csv.json"),
        # The impact report into the job's own artifacts folder (ansible-runner names it).
        "jml_report_dir": "{{ lookup('ansible.builtin.env', 'AWX_ISOLATED_DATA_DIR') }}/jml-report",
    }
    jobs = AwxJobs(tmp_path / "jobs", persistent, ee_collections, secrets, extravars)

    # A provision before any collect (or after the vault was lost): a clear failure, nothing written.
    job = jobs.run("1-provision-without-vault", "provision.yml")
    assert (job.status, job.rc) == ("failed", 2), job
    assert "ldap_accounts: the vault %s does not exist" % vault in job.text, job
    assert "docs/awx.md" in job.text and "nothing was written" in job.text, job
    assert sorted(job.summary) == ["demo_csv", "demo_openldap"]
    assert all(t["ok"] is False and "does not exist" in t["error"] for t in job.summary.values()), job.summary
    assert read_people(directory) == {}
    assert_clean(job, secrets)

    # The first collect must be said to be one: without the flag a missing vault stops it.
    job = jobs.run("2-collect-without-flag", "collect.yml")
    assert (job.status, job.rc) == ("failed", 2), job
    assert "hr_collect: the vault %s does not exist; nothing was written" % vault in job.text, job
    assert "-e jml_vault_missing_ok=true" in job.text, job
    assert not vault.exists() and not Path(str(vault) + ".fingerprint").exists()
    assert_clean(job, secrets)

    job = jobs.run("3-first-collect", "collect.yml", jml_vault_missing_ok=True)
    assert (job.status, job.rc) == ("successful", 0), job
    assert vault.read_bytes().startswith(b"$ANSIBLE_VAULT;1.1;AES256")  # the Vault credential's secret
    assert_clean(job, secrets)

    job = jobs.run("4-provision", "provision.yml")
    assert (job.status, job.rc) == ("successful", 0), job
    plan = json.loads((persistent / "plan.json").read_text())
    published = job.summary["demo_openldap"]
    assert published == dict(plan["summary"], check_mode=False, ok=True, exceeded=[], only=None), published
    assert published["create"] == len(read_people(directory)) > 30 and published["failed"] == 0
    csv_plan = json.loads((persistent / "plan-csv.json").read_text())
    assert job.summary["demo_csv"] == dict(csv_plan["summary"], check_mode=False, ok=True, exceeded=[], only=None)
    assert_clean(job, secrets)

    job = jobs.run("5-evaluate", "evaluate.yml")
    assert (job.status, job.rc) == ("successful", 0), job
    published = job.summary["demo_openldap"]
    assert published["check_mode"] is True and published["ok"] is True
    assert published["create"] == 0 and published["unchanged"] == plan["summary"]["create"], published
    report = job.artifacts / "jml-report"
    assert sorted(p.name for p in report.iterdir()) == ["impact.html", "impact.json", "impact.md"]
    assert json.loads((report / "impact.json").read_text())["targets"]["demo_openldap"]["summary"]["create"] == 0
    assert sorted(job.summary) == ["demo_csv", "demo_openldap"] and job.summary["demo_csv"]["create"] == 0
    assert_clean(job, secrets)

    # One person on demand (a survey's jml_only): the summary says whom the run was limited to.
    job = jobs.run("6-evaluate-one", "evaluate.yml", jml_only=["AmirA"])
    assert (job.status, job.rc) == ("successful", 0), job
    assert all(target["only"] == ["AmirA"] for target in job.summary.values()), job.summary
    assert job.summary["demo_openldap"]["unchanged"] == 1, job.summary
    assert_clean(job, secrets)

    largest = max(p.stat().st_size for p in jobs.base.glob("*/artifacts/*/job_events/*.json"))
    print("\nansible-runner jobs (s): %s; largest event %d bytes (bound %d)" % (jobs.seconds, largest, EVENT_BOUND))


def test_a_result_awx_would_store_empty_is_warned_of(tmp_path, directory, hr_api, ee_collections):
    """ansible-runner stores a task result in its event only up to MAX_EVENT_RES characters (AWX's
    MAX_EVENT_RES_DATA, 700,000 by default); a larger one becomes {} - summary and counts too. The
    target warns when its result nears the job's limit, so the operator lowers max_actions. Here a
    limit of 20,000 characters and the roles' default of 100 actions: the 33 creates and 55 grants
    of the first provisioning are too much for it, the nothing-to-do re-run is not."""
    persistent = tmp_path / "var-lib-jml"
    persistent.mkdir()
    helloid.restore(persistent / "hr")
    secrets = {"bind password": directory.bind_password, "vault password": VAULT_PASSWORD,
               "HR API token": ACME_TOKEN}
    extravars = {
        "jml_targets": "ldap_targets", "jml_vault_path": str(persistent / "vault.json"),
        "jml_demo_hr_dir": str(persistent / "hr"),
        "jml_demo_leave_dir": str(ROOT / "inventories" / "demo" / "hr" / "leave"),  # the project's, read only
        "jml_demo_connection": {"ldaps_uri": directory.ldaps_uri, "bind_dn": directory.bind_dn,
                                "bind_password": directory.bind_password, "ca_file": directory.ca_file,
                                "acme_url": hr_api.url, "acme_token": ACME_TOKEN},
    }
    jobs = AwxJobs(tmp_path / "jobs", persistent, ee_collections, secrets, extravars,
                   envvars={"MAX_EVENT_RES": "20000"})
    job = jobs.run("1-collect", "collect.yml", jml_vault_missing_ok=True)
    assert (job.status, job.rc) == ("successful", 0), job

    job = jobs.run("2-provision", "provision.yml")
    assert (job.status, job.rc) == ("successful", 0), job
    warning = "ldap_accounts: this result is "
    assert warning in job.text and "keep no result over 20,000 (MAX_EVENT_RES), so lower max_actions" in job.text, job
    results = [e["event_data"]["res"] for e in job.events
               if e["event"] == "runner_on_ok" and e["event_data"].get("task_action") == "jml.provisioning.ldap_accounts"]
    assert results == [{}], "the warning says ansible-runner empties this result: it did"
    assert job.summary["demo_openldap"]["create"] > 30  # set_stats still carries the counts
    assert_clean(job, secrets, bound=None)  # 100 actions at -vvvv: over 64 KiB (docs/awx.md)

    job = jobs.run("3-provision-again", "provision.yml")
    assert (job.status, job.rc) == ("successful", 0), job
    assert warning not in job.text, job
    results = [e["event_data"]["res"] for e in job.events
               if e["event"] == "runner_on_ok" and e["event_data"].get("task_action") == "jml.provisioning.ldap_accounts"]
    assert len(results) == 1 and results[0]["summary"]["create"] == 0, results
