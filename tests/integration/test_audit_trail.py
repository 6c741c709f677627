"""The audit trail against the real servers: a joiner / mover / leaver cycle through the real
playbooks on slapd, the SCIM server and the Samba AD DC writes one entry per applied operation,
linked to its run; check mode and a run with nothing to do write none; no password ever appears;
the lookup answers "what happened to person P between two dates"; retention deletes old files only."""

import ast
import datetime
import json
import os
import stat
import subprocess
import sys

import ldap3
import yaml

from jml_workspace import BIN, ROOT

ICT = "ou=ict,ou=people,dc=example,dc=test"
CONTAINER = "'%s' if contract.department.code == 'EN_ICT' else 'ou=people,dc=example,dc=test'" % ICT
SECRET = "'Audit-S3cret-' ~ person.id ~ '-pw!'"  # an expression: a known password per person, to look for


def today():
    return datetime.datetime.now(datetime.timezone.utc).date()


def entries(folder):
    """Every entry of every audit file in ``folder``, read independently (json, line by line)."""
    found = []
    for name in sorted(os.listdir(folder)):
        if name.startswith("audit-") and name.endswith(".jsonl"):
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                found.extend(json.loads(line) for line in handle)
    return found


def audit_text(folder):
    return "".join(open(os.path.join(folder, n), encoding="utf-8").read() for n in sorted(os.listdir(folder))
                   if n.startswith("audit-"))


def lookup(ws, folder, **query):
    """``query('jml.provisioning.audit', folder, **query)`` in a real ansible-playbook run."""
    out = ws.path / "lookup.json"
    playbook = ws.path / "lookup.yml"
    arguments = ", ".join("%s=%s" % (k, json.dumps(v)) for k, v in query.items())
    playbook.write_text(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": [{
        "ansible.builtin.copy": {"content": "{{ query('jml.provisioning.audit', %s, %s) | to_json }}"
                                 % (json.dumps(str(folder)), arguments), "dest": str(out)}}]}]))
    done = ws.run([str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(playbook),
                   "-e", "ansible_python_interpreter=" + sys.executable])
    assert done.returncode == 0, done.stdout
    return json.loads(out.read_text())


def _contracts(ws, old, new):
    path = ws.hr / "T4E_HelloID_Contracts.csv"
    text = path.read_text(encoding="utf-8-sig")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8-sig")


def _add_ict(directory):
    conn = ldap3.Connection(ldap3.Server(directory.ldap_uri), directory.bind_dn, directory.bind_password, auto_bind=True)
    conn.add(ICT, ["organizationalUnit"])
    conn.unbind()


def _same(entry, action):
    return (entry["operation"], entry["person"], entry["dn"], entry.get("new_dn"), entry["changes"], entry["reason"]) == (
        action["action"], action["person"], action["dn"], action.get("new_dn"), action["changes"], action["reason"])


def test_a_joiner_mover_leaver_cycle_is_in_the_audit_trail_and_nothing_else(workspace, directory):
    ws = workspace
    folder = ws.path / "audit"  # the default: audit/ beside the vault
    _add_ict(directory)
    ws.set_vars(jml_ldap_container=CONTAINER, jml_ldap_initial_password={"value": SECRET})
    assert ws.play("collect.yml").rc == 0

    check = ws.play("provision.yml", check=True)
    assert check.rc == 0, check
    assert not folder.exists(), "check mode wrote an audit entry"
    assert check.plan["run_id"] is None
    assert check.plan["audit"] == {"enabled": True, "dir": str(folder), "file": None, "entries": 0, "expired": [], "recovered": 0}

    joiners = ws.play("provision.yml")
    assert joiners.rc == 0, joiners
    plan = joiners.plan
    run_id = plan["run_id"]
    assert run_id and len(run_id) == 36
    path = folder / ("audit-%s.jsonl" % today().isoformat())
    assert plan["audit"]["file"] == str(path) and plan["audit"]["entries"] == len(plan["actions"]) == plan["applied"]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(path.stat().st_mode) == 0o600
    first = entries(folder)
    assert len(first) == len(plan["actions"]) and all(_same(e, a) for e, a in zip(first, plan["actions"]))
    assert set(e["run_id"] for e in first) == {run_id}
    assert set(e["outcome"] for e in first) == {"applied"}
    assert first[0]["target"] == {"module": "ldap_accounts", "server": directory.ldaps_uri,
                                  "scope": "ou=people,dc=example,dc=test"}
    assert first[0]["host"] and first[0]["time"].startswith(today().isoformat())
    creates = [e for e in first if e["operation"] == "create"]
    assert len(creates) > 20 and all(e["initial_password"] is True for e in creates)
    grants = [e for e in first if e["operation"] == "grant"]
    assert grants and all(e["rule"] and e["group"] for e in grants)
    bytes_after_joiners = path.read_bytes()

    rerun = ws.play("provision.yml")
    assert rerun.rc == 0 and rerun.plan["changed"] is False, rerun
    assert rerun.plan["audit"]["entries"] == 0 and rerun.plan["audit"]["file"] is None
    assert path.read_bytes() == bytes_after_joiners, "a run with nothing to do appended something"

    # Bethany moves from ICT to administration; Summer leaves.
    _contracts(ws, "BethanyC;1;Internal;1;40;", "BethanyC;1;X;1;40;")
    path_contracts = ws.hr / "T4E_HelloID_Contracts.csv"
    path_contracts.write_text(path_contracts.read_text(encoding="utf-8-sig").replace(";EN_ICT;", ";EN_ADM;", 1),
                              encoding="utf-8-sig")
    _contracts(ws, "SummerH;1;Internal;1;40;5-8-2014;;", "SummerH;1;Internal;1;40;5-8-2014;1-1-2020;")
    assert ws.play("collect.yml").rc == 0
    assert ws.play("provision.yml", check=True).rc == 0
    assert path.read_bytes() == bytes_after_joiners, "check mode appended"
    moves = ws.play("provision.yml")
    assert moves.rc == 0, moves
    assert path.read_bytes().startswith(bytes_after_joiners), "an earlier entry was rewritten"
    second = entries(folder)[len(first):]
    assert len(second) == len(moves.plan["actions"]) and all(_same(e, a) for e, a in zip(second, moves.plan["actions"]))
    assert set(e["run_id"] for e in second) == {moves.plan["run_id"]}
    bethany = [(e["operation"], e["dn"], e.get("new_dn")) for e in second if e["person"] == "BethanyC"]
    assert ("move", "uid=bethany.chen,%s" % ICT, "uid=bethany.chen,ou=people,dc=example,dc=test") in bethany
    assert any(e["operation"] == "revoke" and e["person"] == "BethanyC" and "ict" in e["group"] for e in second)
    summer = [e for e in second if e["person"] == "SummerH" and e["operation"] == "disable"]
    assert len(summer) == 1 and summer[0]["changes"] == {"pwdAccountLockedTime": [None, "000001010000Z"]}
    assert summer[0]["reason"].startswith("leaver")

    # Never a secret: neither the initial passwords nor their hashes nor the bind password.
    text = audit_text(folder)
    assert "Audit-S3cret-" not in text and "{SSHA}" not in text and directory.bind_password not in text
    assert "userPassword" not in text

    # What happened to Bethany between yesterday and today: her create, her move, her memberships.
    answer = lookup(ws, folder, person="BethanyC", since=(today() - datetime.timedelta(days=1)).isoformat(),
                    until=today().isoformat())
    assert answer == [e for e in entries(folder) if e["person"] == "BethanyC"]
    assert [e["operation"] for e in answer][:1] == ["create"] and "move" in [e["operation"] for e in answer]
    assert lookup(ws, folder, person="BethanyC", since=(today() + datetime.timedelta(days=1)).isoformat()) == []
    assert lookup(ws, folder, run_id=moves.plan["run_id"]) == second
    assert lookup(ws, folder, person="SummerH", operation="disable") == summer

    # The lookup's EXAMPLES run as written, pointed at this trail.
    tree = ast.parse((ROOT / "plugins" / "lookup" / "audit.py").read_text(encoding="utf-8"))
    text = next(node.value.value for node in tree.body
                if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "EXAMPLES")
    playbook = ws.path / "examples.yml"
    playbook.write_text(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": yaml.safe_load(
        text.replace("/var/lib/jml/audit", str(folder)))}]))
    done = ws.run([str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(playbook),
                   "-e", json.dumps({"jml_ldap_result": {"run_id": moves.plan["run_id"]}})])
    assert done.returncode == 0 and "failed=0" in done.stdout, done.stdout


def test_retention_deletes_only_old_audit_files_and_only_in_a_real_run(workspace):
    ws = workspace
    folder = ws.path / "trail"
    folder.mkdir()
    old = "audit-%s.jsonl" % (today() - datetime.timedelta(days=31)).isoformat()
    kept = "audit-%s.jsonl" % (today() - datetime.timedelta(days=30)).isoformat()
    for name in (old, kept, "notes.txt", old + ".bak"):
        (folder / name).write_text('{"person": "x"}\n')
    ws.set_vars(jml_audit={"dir": str(folder), "retention_days": 30})  # the roles' shared variable
    assert ws.play("collect.yml").rc == 0
    check = ws.play("provision.yml", check=True)
    assert check.rc == 0 and old in os.listdir(folder), "check mode deleted a file"
    run = ws.play("provision.yml")
    assert run.rc == 0, run
    assert run.plan["audit"]["expired"] == [old] and run.plan["audit"]["dir"] == str(folder)
    assert sorted(os.listdir(folder)) == sorted([kept, "notes.txt", old + ".bak", "audit-%s.jsonl" % today().isoformat()])


def test_an_audit_folder_that_cannot_be_written_stops_the_run_before_any_write(workspace, directory):
    ws = workspace
    blocker = ws.path / "not-a-folder"
    blocker.write_text("a file where the audit folder should be\n")
    ws.set_vars(jml_ldap_audit={"dir": str(blocker / "audit")})
    assert ws.play("collect.yml").rc == 0
    message = "the audit trail in %s cannot be written: %s is not a folder; nothing was written" % (
        blocker / "audit", blocker)
    check = ws.play("provision.yml", check=True)
    assert check.rc != 0 and message in check.text, "check mode predicts what stops the real run"
    run = ws.play("provision.yml")
    assert run.rc != 0 and message in run.text, run
    conn = ldap3.Connection(ldap3.Server(directory.ldap_uri), directory.bind_dn, directory.bind_password, auto_bind=True)
    conn.search(directory.people_dn, "(employeeNumber=*)", attributes=["uid"])
    assert conn.entries == [], "the run wrote to the directory without an audit trail"
    conn.unbind()
    ws.set_vars(jml_ldap_audit={"enabled": False})
    off = ws.play("provision.yml")
    assert off.rc == 0 and off.plan["audit"] == {"enabled": False, "dir": None, "file": None, "entries": 0, "expired": [], "recovered": 0}
    assert not (ws.path / "audit").exists()


def test_the_scim_target_writes_its_entries_without_the_password(tmp_path):
    from test_scim_accounts import OPTIONS, play, running_scim, seed  # the SCIM suite's tenant and runner
    options = dict(OPTIONS, initial_password={"value": SECRET})
    folder = tmp_path / "audit"
    with running_scim(log_requests=True) as scim:
        seed(scim)
        check = play(tmp_path, scim, options, check=True)
        assert check.rc == 0 and not folder.exists(), check
        run = play(tmp_path, scim, options)
        assert run.rc == 0, run
        assert any("Audit-S3cret-" in json.dumps(r.get("body")) for r in scim.requests()), "the password was sent"
        found = entries(folder)
        assert run.result["audit"]["entries"] == len(found) == len(run.result["actions"])
        assert all(_same(e, a) for e, a in zip(found, run.result["actions"]))
        assert set(e["run_id"] for e in found) == {run.result["run_id"]}
        assert found[0]["target"]["module"] == "scim_accounts" and found[0]["target"]["server"] == scim.url
        by = dict(((e["operation"], e["person"]), e) for e in found)
        assert by[("create", "1001")]["initial_password"] is True and by[("create", "1001")]["guid"]
        assert by[("delete", "1004")]["outcome"] == "applied" and by[("disable", "1003")]["outcome"] == "applied"
        text = audit_text(folder)
        assert "Audit-S3cret-" not in text and scim.token not in text
        rerun = play(tmp_path, scim, options)
        assert rerun.rc == 0 and rerun.result["changed"] is False and rerun.result["audit"]["entries"] == 0
        assert entries(folder) == found


def test_the_ad_target_records_failures_and_never_a_password(collect_workspace, samba_ad):
    from test_ad_samba import AD_VARS, _clear, _extra, _point_at, managed
    ws, ad = collect_workspace, samba_ad
    _clear(ad)
    try:
        _point_at(ws, ad)
        persons = ws.hr / "T4E_HELLOID_Persons.csv"  # a joiner whose password the domain refuses
        persons.write_bytes(persons.read_bytes().rstrip(b"\n")
                            + "\nWeakW;9100009;W.;Walt;Walt;;Weak;;;M;;;0;;;;;;;;;;FALSE\n".encode())
        contracts = ws.hr / "T4E_HelloID_Contracts.csv"
        contracts.write_text(contracts.read_text(encoding="utf-8-sig").rstrip("\n")
                             + "\nWeakW;1;Internal;1;40;1-1-2020;;AmirA;;1;EN_ICT;EN_MANA;Profit\n", encoding="utf-8-sig")
        assert ws.play("collect.yml").rc == 0
        password = _extra(ws, "password", jml_ldap_initial_password={
            "attribute": "unicodePwd", "value": "'abc' if person.id == 'WeakW' else 'Xk9-' ~ person.id ~ '-Strong!'"})
        check = ws.play("provision.yml", "-e", AD_VARS, "-e", password, check=True)
        assert check.rc == 0 and not (ws.path / "audit").exists(), check
        real = ws.play("provision.yml", "-e", AD_VARS, "-e", password)
        assert real.rc != 0, real  # WeakW's create failed, the others were applied
        plan = real.plan
        found = entries(ws.path / "audit")
        assert plan["audit"]["entries"] == len(found) == len(plan["actions"])
        assert all(_same(e, a) for e, a in zip(found, plan["actions"]))
        weak = [e for e in found if e["person"] == "WeakW"]
        assert weak and weak[0]["operation"] == "create" and weak[0]["outcome"] == "failed", weak
        assert "constraintViolation" in weak[0]["error"] and "WeakW" not in managed(ad)
        assert all(e["outcome"] == "failed" for e in weak)  # its grants were skipped, and say so
        assert len([e for e in found if e["outcome"] == "applied"]) == plan["applied"] == len(found) - len(weak)
        assert found[0]["target"]["module"] == "ldap_accounts" and found[0]["target"]["server"] == ad.ldaps_uri
        text = audit_text(ws.path / "audit")
        leaked = [pid for pid in managed(ad) if "Xk9-%s-Strong!" % pid in text]
        assert leaked == [] and "'abc'" not in text and '"abc"' not in text and ad.admin_password not in text
        assert "unicodePwd" not in text

        # A rename: the entry carries the account's objectGUID, whatever its DN.
        persons.write_text(persons.read_text(encoding="utf-8").replace(";Bethany;Bethany;", ";Beth;Bethany;"),
                           encoding="utf-8")
        assert ws.play("collect.yml").rc == 0
        rename = ws.play("provision.yml", "-e", AD_VARS, "-e", password)
        moved = [e for e in entries(ws.path / "audit") if e["run_id"] == rename.plan["run_id"] and e["operation"] == "move"]
        assert moved and moved[0]["person"] == "BethanyC" and moved[0]["guid"] and moved[0]["new_dn"].startswith("cn=Beth Chen,")
    finally:
        _clear(ad)


def test_the_lookup_is_documented_with_examples_that_parse():
    doc = subprocess.run([str(BIN / "ansible-doc"), "-t", "lookup", "jml.provisioning.audit", "--json"],
                         capture_output=True, text=True, env=dict(
                             os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".build" / "collections")), check=True)
    data = json.loads(doc.stdout)["jml.provisioning.audit"]
    assert set(data["doc"]["options"]) >= {"person", "since", "until", "run_id", "max_entries"}
    assert yaml.safe_load(data["examples"])
