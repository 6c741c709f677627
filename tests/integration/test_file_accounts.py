"""jml.provisioning.file_accounts in real ansible-playbook runs: the HelloID demo export collected
once (two vaults: as published, and with a mover, a rename, a leaver and a rehire), each test
keeping its own export, checked by reading the file directly (csv, json, Ansible's VaultLib).

Each invocation holds several tasks (check, real, re-run...) and dumps what they registered, so
the whole module makes a handful of ansible-playbook runs."""

import ast
import base64
import copy
import csv
import io
import json
import os

import pytest
import yaml

import helloid
from jml_workspace import BIN, ROOT, Workspace

PASSWORD = b"integration-vault-secret-4711"
RULES = str(ROOT / "inventories" / "demo" / "rules.yml")
TASK = {
    "username": {"candidates": ["(person.name.given | ascii) ~ '.' ~ (person.name | family_name | ascii) ~ (n if n > 1 else '')"]},
    "attributes": {"display_name": "person.name.display", "email": "person.email",
                   "department": "contract.department.code", "title": "contract.title.name or contract.title.code",
                   "manager": "person.manager"},
    "lifecycle": {"exclude": "person.custom.blocked", "delete_after_days": 30, "delete_accounts": True},
    "rules_file": RULES,
    "thresholds": {},
}


def _contracts_changed(hr):
    """v2 of the export: BethanyC moves to EN_ADM, KatoB marries (Barnett -> Barnett-Smith),
    SummerH leaves on 31-12-2015, RashadW (left in 2015) is rehired on 1-1-2016."""
    path = hr / "T4E_HelloID_Contracts.csv"
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    for row in rows[1:]:
        if row[0] == "BethanyC":
            row[10] = "EN_ADM"
        if row[0] == "SummerH":
            row[6] = "31-12-2015"
    rows.append(["RashadW", "2", "Internal", "1", "40", "1-1-2016", "", "BethanyC", "", "1", "EN_ICT", "EN_MEDAPP", "Profit"])
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\n").writerows(rows)
    persons = hr / "T4E_HELLOID_Persons.csv"
    persons.write_bytes(persons.read_bytes().replace(b";Kato;Kato;;Barnett;", b";Kato;Kato;;Barnett-Smith;"))


class Env(object):
    """The module's work folder: two collected vaults and a runner of file_accounts plays."""

    def __init__(self, path):
        self.ws = Workspace(path)
        self.ws.vault_pass.write_bytes(PASSWORD + b"\n")
        self.path = path
        self.v1, self.v2 = path / "vault-v1.json", path / "vault-v2.json"
        self.runs = 0

    def collect(self):
        sources = yaml.safe_load((ROOT / "inventories/demo/group_vars/all/collect.yml").read_text())["jml_sources"][:1]
        hr2 = self.path / "hr2"
        helloid.restore(hr2)
        _contracts_changed(hr2)
        tasks = []
        for hr, vault in ((self.ws.hr, self.v1), (hr2, self.v2)):
            source = yaml.safe_load(yaml.safe_dump(sources).replace("{{ jml_demo_hr_dir }}", str(hr)).replace(
                "{{ jml_demo_leave_dir }}", str(ROOT / "inventories" / "demo" / "hr" / "leave")))
            tasks.append({"name": "collect " + vault.name, "jml.provisioning.hr_collect": {"sources": source, "vault": str(vault)}})
        proc = self.playbook(tasks)
        assert proc.returncode == 0, proc.stdout

    def playbook(self, tasks, *args):
        self.runs += 1
        playbook = self.path / ("play-%d.yml" % self.runs)
        play = {"name": "file_accounts", "hosts": "localhost", "gather_facts": False, "tasks": tasks}
        playbook.write_text(yaml.safe_dump([play], sort_keys=False))
        return self.ws.run([str(BIN / "ansible-playbook"), str(playbook), "-i", "localhost,", "-c", "local",
                            "--vault-password-file", str(self.ws.vault_pass),
                            "-e", "ansible_python_interpreter=%s" % (BIN / "python")] + list(args))

    def play(self, steps, *args):
        """Run ``steps`` (``(name, options, task keywords)``) in one play; returns (process, results
        by name). Every step's result is registered and dumped to a JSON file at the end."""
        tasks, names = [], []
        for name, options, keywords in steps:
            task = {"name": name}
            if options is not None:
                task["jml.provisioning.file_accounts"] = options
            task.update(keywords)
            task.setdefault("register", name)
            names.append(task["register"])
            tasks.append(task)
        dump = self.path / ("results-%d.json" % (self.runs + 1))
        tasks.append({"name": "dump", "ansible.builtin.copy": {
            "dest": str(dump), "mode": "0600",
            "content": "{{ {%s} | to_json }}" % ", ".join("'%s': %s | default(None)" % (n, n) for n in names)},
            "check_mode": False})
        proc = self.playbook(tasks, *args)
        results = json.loads(dump.read_text()) if dump.exists() else {}
        return proc, results

    def options(self, path, vault=None, **changes):
        options = copy.deepcopy(TASK)
        options.update(vault=str(vault or self.v1), path=str(path))
        options.update(changes)
        return options


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    env = Env(tmp_path_factory.mktemp("file-accounts"))
    env.collect()
    return env


def rows(path, delimiter=","):
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def by_login(path, delimiter=","):
    return dict((row["username"], row) for row in rows(path, delimiter))


def decrypt(path):
    from ansible.parsing.vault import VaultLib, VaultSecret
    return VaultLib([("default", VaultSecret(PASSWORD))]).decrypt(path.read_bytes()).decode("utf-8")


def test_first_export_check_diff_is_what_the_run_writes_and_a_rerun_writes_nothing(env, tmp_path):
    export = tmp_path / "badge.csv"
    options = env.options(export, csv={"delimiter": ";", "quoting": "all"}, reference_date="2016-01-01")
    proc, r = env.play([("check", options, {"check_mode": True, "diff": True}),
                        ("real", options, {}),
                        ("before", None, {"ansible.builtin.stat": {"path": str(export)}}),
                        ("again", options, {}),
                        ("after", None, {"ansible.builtin.stat": {"path": str(export)}})])
    assert proc.returncode == 0, proc.stdout
    check, real, again = r["check"], r["real"], r["again"]
    # 33 persons: OlegF is blocked; SophiaR, XavieraF and RashadW left long ago (no row for a leaver);
    # NathanY starts on 25-1-2016, after the pre-provisioning window.
    assert check["changed"] and check["check_mode"] and check["summary"]["create"] == 28
    assert real["actions"] == check["actions"] and real["applied"] == len(real["actions"])
    people = by_login(export, ";")
    assert len(people) == 28 and "rashad.wong" not in people and "nathan.young" not in people
    assert export.read_text(encoding="utf-8").splitlines()[0] == \
        '"username";"employee_id";"display_name";"email";"department";"title";"manager";"active";"groups"'
    # The diff check mode showed is, cell by cell, what the run wrote.
    creates = [d for d in check["diff"] if d["before_header"].startswith("create ")]
    assert len(creates) == 28
    for diff in creates:
        login = diff["after_header"].split("username=", 1)[1].split(",", 1)[0]
        after = json.loads(diff["after"])
        assert dict((k, people[login][k]) for k in after) == after, login
    grants = dict((d["before_header"].split(" ")[1], d) for d in check["diff"] if d["before_header"].startswith("grant "))
    assert people["bethany.chen"]["groups"] == "ict|managers|staff"
    assert people["orson.rodgers"]["active"] == "true"  # started 27-12-2015
    assert people["bianca.hartman"]["manager"] == "AmirA" and people["francois.jonsson"]["display_name"] == "François Jönsson"
    assert grants and (os.stat(export).st_mode & 0o777) == 0o600
    assert again["changed"] is False and again["summary"]["unchanged"] == 28 and again["actions"] == []
    assert r["before"]["stat"]["mtime"] == r["after"]["stat"]["mtime"], "a no-op re-run rewrote the export"
    assert r["before"]["stat"]["inode"] == r["after"]["stat"]["inode"]


def test_one_persons_lifecycle_prehire_active_leaver_rehire_and_delete_after_retention(env, tmp_path):
    export = tmp_path / "phone.csv"

    def on(name, date, vault=None, **kw):
        return [(name, env.options(export, vault=vault, reference_date=date, **kw), {}),
                (name + "_file", None, {"ansible.builtin.slurp": {"src": str(export)}})]
    steps = (on("prehire", "2014-07-01") + on("joined", "2014-07-10") + on("left", "2015-08-10")
             + on("rehired", "2016-01-01", vault=env.v2) + on("gone", "2016-03-01", vault=env.v1))
    proc, r = env.play(steps)
    assert proc.returncode == 0, proc.stdout

    def rashad(name):
        text = base64.b64decode(r[name + "_file"]["content"]).decode("utf-8")
        found = [row for row in csv.DictReader(io.StringIO(text)) if row["employee_id"] == "RashadW"]
        return found[0] if found else None

    def actions(name):
        return [a["action"] for a in r[name]["actions"] if a["person"] == "RashadW"]
    assert actions("prehire") == ["create", "grant", "grant"] and rashad("prehire")["active"] == "false"
    assert rashad("prehire")["groups"] == "managers;staff"  # granted with the row, usable on day one
    assert actions("joined") == ["enable"] and rashad("joined")["active"] == "true"
    assert actions("left") == ["disable", "revoke", "revoke"]
    assert rashad("left")["active"] == "false" and rashad("left")["groups"] == ""
    assert actions("rehired")[:2] == ["enable", "update"] and rashad("rehired")["active"] == "true"
    assert rashad("rehired")["title"] != rashad("left")["title"] and "ict" in rashad("rehired")["groups"]
    # Back on the first vault (the rehire undone): the last contract ended 4-8-2015, over 30 days ago.
    assert actions("gone") == ["delete"] and rashad("gone") is None
    assert r["gone"]["summary"]["delete"] == 1


def test_mover_rename_leaver_and_rules_on_a_semicolon_csv(env, tmp_path):
    export = tmp_path / "elearning.csv"
    first = env.options(export, reference_date="2016-01-01", csv={"delimiter": ";"})
    second = env.options(export, vault=env.v2, reference_date="2016-01-01", csv={"delimiter": ";"},
                         username=dict(TASK["username"], rename=True))
    proc, r = env.play([("first", first, {}), ("first_file", None, {"ansible.builtin.slurp": {"src": str(export)}}),
                        ("check", second, {"check_mode": True, "diff": True}), ("second", second, {})], "--diff")
    assert proc.returncode == 0, proc.stdout
    planned = sorted((a["action"], a["person"]) for a in r["second"]["actions"])
    assert planned == [("create", "RashadW"), ("disable", "SummerH"), ("grant", "RashadW"), ("grant", "RashadW"),
                       ("move", "KatoB"), ("revoke", "BethanyC"), ("revoke", "SummerH"), ("revoke", "SummerH"),
                       ("update", "BethanyC"), ("update", "KatoB")]
    assert r["check"]["actions"] == r["second"]["actions"]
    people = by_login(export, ";")
    assert "kato.barnett" not in people
    assert people["kato.barnett-smith"]["display_name"] == "Kato Barnett-Smith"
    assert people["kato.barnett-smith"]["groups"] == "managers|staff"  # groups follow the rename
    assert people["bethany.chen"]["department"] == "EN_ADM" and people["bethany.chen"]["groups"] == "managers|staff"
    assert people["summer.heath"]["active"] == "false" and people["summer.heath"]["groups"] == ""
    assert people["rashad.wong"]["groups"] == "ict|staff" and people["rashad.wong"]["active"] == "true"
    # The rows keep their order: the renamed row is where it was, the joiner at the end.
    logins = [row["username"] for row in rows(export, ";")]
    first_text = base64.b64decode(r["first_file"]["content"]).decode()
    before = [row["username"] for row in csv.DictReader(io.StringIO(first_text), delimiter=";")]
    assert logins.index("kato.barnett-smith") == before.index("kato.barnett")
    assert logins[-1] == "rashad.wong"
    move = [a for a in r["second"]["actions"] if a["action"] == "move"][0]
    assert move["reason"] == "rename: the login name follows the name" and move["new_dn"] == "username=kato.barnett-smith,ou=accounts,o=file"
    assert "username=kato.barnett-smith,ou=accounts,o=file" in proc.stdout and "EN_ADM" in proc.stdout  # --diff


def test_rows_nobody_manages_stay_byte_for_byte_and_in_place(env, tmp_path):
    export = tmp_path / "badge.csv"
    proc, r = env.play([("first", env.options(export, reference_date="2016-01-01"), {})])
    assert proc.returncode == 0, proc.stdout
    lines = export.read_text(encoding="utf-8").splitlines(True)
    hand = ['"visitor.desk",,"Visitor  Desk",,,,,true,staff\r\n',   # quoted by hand, CRLF: not how it is written
            'svc-backup,,"Backup, nightly",,,,,false,\n']
    lines[3:3] = [hand[0]]
    lines.append(hand[1])
    # A managed row edited by hand is put back; its column order and others stay.
    lines[1] = lines[1].replace(",true,", ",false,")
    export.write_text("".join(lines), encoding="utf-8")
    proc, r = env.play([("second", env.options(export, vault=env.v2, reference_date="2016-01-01"), {})])
    assert proc.returncode == 0, proc.stdout
    after = export.read_bytes().decode("utf-8").splitlines(True)
    assert after[3] == hand[0] and after[len(lines) - 1] == hand[1]
    assert after[1].split(",")[7] == "true"
    assert "username=svc-backup,ou=accounts,o=file" in r["second"]["correlation"]["uncorrelated_accounts"]
    assert not any(a["dn"].startswith(("username=svc-backup", "username=visitor.desk")) for a in r["second"]["actions"])


def test_encrypted_jsonl_export_round_trip_with_a_delta_file(env, tmp_path):
    export, delta = tmp_path / "payroll.jsonl", tmp_path / "changes.jsonl"
    first = env.options(export, format="jsonl", encrypt_export=True, delta_path=str(delta), reference_date="2016-01-01")
    second = dict(first, vault=str(env.v2))
    proc, r = env.play([("first", first, {}), ("second", second, {}),
                        ("before", None, {"ansible.builtin.stat": {"path": str(export)}}),
                        ("third", second, {}),
                        ("after", None, {"ansible.builtin.stat": {"path": str(export)}})])
    assert proc.returncode == 0, proc.stdout
    assert export.read_bytes().startswith(b"$ANSIBLE_VAULT;1.1;AES256")
    assert PASSWORD.decode() not in proc.stdout
    people = dict((row["username"], row) for row in map(json.loads, decrypt(export).splitlines()))
    assert people["summer.heath"]["active"] is False and people["summer.heath"]["groups"] == []
    assert people["bethany.chen"]["groups"] == ["managers", "staff"]
    changes = [json.loads(line) for line in decrypt(delta).splitlines()]
    assert sorted((c["action"], c["username"]) for c in changes) == [
        ("create", "rashad.wong"), ("disable", "summer.heath"), ("update", "bethany.chen"), ("update", "kato.barnett")]
    assert list(changes[0])[0] == "action"
    assert r["third"]["changed"] is False and r["before"]["stat"]["mtime"] == r["after"]["stat"]["mtime"]


def test_an_export_that_cannot_be_read_stops_the_run_and_nothing_is_written(env, tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text("username,employee_id,display_name\nann,1,Ann\nbob,2\n", encoding="utf-8")
    sealed = tmp_path / "sealed.jsonl"
    proc, r = env.play([("sealed", env.options(sealed, format="jsonl", encrypt_export=True), {})])
    assert proc.returncode == 0, proc.stdout
    data = bytearray(sealed.read_bytes())
    data[-10] = ord("0") if data[-10] != ord("0") else ord("1")  # one hex digit of the HMAC'd text
    sealed.write_bytes(bytes(data))
    stamps = dict((p, (p.read_bytes(), os.stat(p).st_mtime_ns)) for p in (broken, sealed))
    missing = tmp_path / "no-such-folder" / "export.csv"
    proc, r = env.play([("broken", env.options(broken), {"ignore_errors": True}),
                        ("sealed", env.options(sealed, format="jsonl", encrypt_export=True), {"ignore_errors": True}),
                        ("plain", env.options(broken, encrypt_export=True), {"ignore_errors": True}),
                        ("nowhere", env.options(missing), {"ignore_errors": True, "check_mode": True})])
    assert proc.returncode == 0, proc.stdout
    assert r["broken"]["failed"] and "%s line 3: 2 fields where the header has 3; nothing was written" % broken in r["broken"]["msg"]
    assert r["sealed"]["failed"] and "cannot decrypt the previous export %s" % sealed in r["sealed"]["msg"]
    assert "is not an ansible-vault envelope but encrypt_export is true" in r["plain"]["msg"]
    assert stamps == dict((p, (p.read_bytes(), os.stat(p).st_mtime_ns)) for p in (broken, sealed))
    nowhere = r["nowhere"]
    assert nowhere["failed"] and all(f["predicted"] for f in nowhere["failures"])
    assert "the folder %s does not exist" % missing.parent in nowhere["msg"]
    assert PASSWORD.decode() not in proc.stdout


def test_the_examples_of_ansible_doc_run_as_written(env, tmp_path):
    """Only the paths (vault, exports, plan file) point at the test's."""
    tree = ast.parse((ROOT / "plugins" / "modules" / "file_accounts.py").read_text(encoding="utf-8"))
    text = next(node.value.value for node in tree.body
                if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "EXAMPLES")
    tasks = yaml.safe_load(text)
    for task in tasks:
        module = task.get("jml.provisioning.file_accounts")
        if module is not None:
            module["vault"] = str(env.v1)
            for key in ("path", "delta_path", "plan_file"):
                if key in module:
                    module[key] = str(tmp_path / os.path.basename(module[key]))
    proc = env.playbook(tasks)
    assert proc.returncode == 0, proc.stdout
    assert "failed=0" in proc.stdout
    assert len(rows(tmp_path / "accounts.csv", ";")) == 30  # no exclude in the example: OlegF (blocked) too
    assert (tmp_path / "employees.jsonl").read_bytes().startswith(b"$ANSIBLE_VAULT;1.1;AES256")
    assert (tmp_path / "badge-plan.json").exists()
    assert [row["username"] for row in rows(tmp_path / "phone.csv")] == ["bethany.chen"]  # only: one person


def test_correlation_decisions_link_a_hand_made_row_ignore_a_robot_and_never_link(env, tmp_path):
    """On a file target an account is named ``<username column>=<login>,ou=accounts,o=file``."""
    export = tmp_path / "badge.csv"
    proc, r = env.play([("first", env.options(export, reference_date="2016-01-01"), {})])
    assert proc.returncode == 0, proc.stdout
    lines = export.read_text(encoding="utf-8").splitlines(True)
    amir = [line for line in lines if line.startswith("amir.atkinson,")][0]
    # Amir's row made by hand under another login and without the anchor; a robot row with an
    # employee id nobody has (vanished: its row would be marked inactive).
    lines[lines.index(amir)] = amir.replace("amir.atkinson,AmirA,", "aatkinson,,")
    lines.append("svc-backup,SVC-1,Backup robot,,,,,true,\n")
    export.write_text("".join(lines), encoding="utf-8")
    decisions = tmp_path / "decisions.yml"
    decisions.write_text(yaml.safe_dump([
        {"decision": "link", "person": "AmirA", "account": "username=aatkinson,ou=accounts,o=file",
         "reason": "row typed in by the badge office", "author": "alice"},
        {"decision": "ignore", "account": "username=svc-backup,ou=accounts,o=file", "reason": "robot", "author": "bob"},
        {"decision": "never_link", "person": "BethanyC", "reason": "no badge", "author": "bob"},
    ]))
    options = env.options(export, reference_date="2016-01-01", decisions_file=str(decisions))
    proc, r = env.play([("check", options, {"check_mode": True}), ("real", options, {}), ("again", options, {})])
    assert proc.returncode == 0, proc.stdout
    check, real, again = r["check"], r["real"], r["again"]
    assert real["actions"] == check["actions"] and real["correlation"] == check["correlation"]
    people = by_login(export)
    assert "amir.atkinson" not in people and people["aatkinson"]["employee_id"] == "AmirA", "linked, not duplicated"
    assert people["svc-backup"]["active"] == "true", "ignored: not marked inactive"
    assert "bethany.chen" in people  # a never_link leaves the row the anchor finds as it is
    assert not any(a["person"] == "BethanyC" for a in real["actions"])
    assert [e["effect"] for e in real["correlation"]["decisions"]["entries"]] == ["linked", "ignored", "left alone"]
    assert again["changed"] is False and again["actions"] == []


def test_only_one_person_of_a_pending_mover_rename_leaver_and_rehire_is_written(env, tmp_path):
    export = tmp_path / "elearning.csv"
    first = env.options(export, reference_date="2016-01-01", csv={"delimiter": ";"})
    second = env.options(export, vault=env.v2, reference_date="2016-01-01", csv={"delimiter": ";"},
                         username=dict(TASK["username"], rename=True))
    limited = dict(second, only=["BethanyC"])
    proc, r = env.play([("first", first, {}), ("before", None, {"ansible.builtin.slurp": {"src": str(export)}}),
                        ("full", second, {"check_mode": True}), ("check", limited, {"check_mode": True}),
                        ("run", limited, {}), ("rerun", limited, {})])
    assert proc.returncode == 0, proc.stdout
    planned = sorted((a["action"], a["person"]) for a in r["check"]["actions"])
    assert planned == [("revoke", "BethanyC"), ("update", "BethanyC")]
    assert r["check"]["actions"] == [a for a in r["full"]["actions"] if a["person"] == "BethanyC"]
    for key in ("summary", "actions", "rules", "failures", "only"):
        assert r["run"][key] == r["check"][key], key
    assert r["run"]["only"] == {"persons": ["BethanyC"], "count": 1, "unset_links": []}
    assert r["rerun"]["changed"] is False
    before = dict((row["username"], row) for row in csv.DictReader(
        io.StringIO(base64.b64decode(r["before"]["content"]).decode()), delimiter=";"))
    after = by_login(export, ";")
    assert after["bethany.chen"]["department"] == "EN_ADM" and after["bethany.chen"]["groups"] == "managers|staff"
    # The rename, the leaver and the rehire wait for a run that names them: their rows are as they were.
    assert dict((k, v) for k, v in after.items() if k != "bethany.chen") == dict(
        (k, v) for k, v in before.items() if k != "bethany.chen")
    assert "kato.barnett" in after and "rashad.wong" not in after and after["summer.heath"]["active"] == "true"


def test_incremental_on_a_file_target_is_always_a_full_reconcile(env, tmp_path):
    """An export keeps no change marks: with incremental on, every run is full (and says why)."""
    export = tmp_path / "badge.csv"
    options = env.options(export, reference_date="2016-01-01", incremental={"enabled": True})
    proc, r = env.play([("first", options, {}), ("again", options, {}), ("check", options, {"check_mode": True})])
    assert proc.returncode == 0, proc.stdout
    for name in ("first", "again", "check"):
        assert r[name]["incremental"]["mode"] == "full", r[name]["incremental"]
    assert r["again"]["incremental"]["reason"] == "the target keeps no change marks: every run is a full reconcile"
    assert r["again"]["actions"] == [] and r["check"]["actions"] == []
