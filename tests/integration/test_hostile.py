"""A hostile world: forged files, broken exports, misbehaving servers. Real slapd, real HTTP
server, real ansible-playbook runs; for every failing collect the previous vault is byte-identical."""

import json

from jml_workspace import BIN, ROOT, read_people


def _forged_vault(ws):
    """A plain JSON vault someone with write access to the folder put there: one invented person."""
    ws.vault.write_text(json.dumps({
        "format": "jml.provisioning/vault/v1", "collected_at": "2026-12-01T00:00:00Z", "sources": [],
        "persons": {"EVIL": {"id": "EVIL", "source": "x",
                             "name": {"given": "Eve", "family": "Intruder", "display": "Eve Intruder"},
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


def _lock_file(ws, directory):
    import sys
    sys.path.insert(0, str(ROOT / ".build" / "collections"))
    from ansible_collections.jml.provisioning.plugins.plugin_utils import run_lock
    return run_lock.target_lock_path(str(ws.vault.parent), directory.ldaps_uri, directory.people_dn)


def test_two_overlapping_runs_never_make_a_second_account(workspace, directory):
    ws = workspace
    assert ws.play("collect.yml").rc == 0
    first, first_plan = ws.start("provision.yml")
    second, second_plan = ws.start("provision.yml")
    outputs = [proc.communicate(timeout=300)[0] for proc in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outputs
    plans = [json.loads(p.read_text()) for p in (first_plan, second_plan)]
    assert sorted(p["summary"]["create"] for p in plans) == [0, 33], "the second run waited and had nothing to do"
    people = read_people(directory)
    anchors = [a["employeenumber"][0] for a in people.values()]
    assert len(people) == 33 and len(set(anchors)) == 33


def test_a_held_lock_stops_a_run_clearly_and_a_killed_runs_lock_is_taken_over(workspace, directory):
    import fcntl
    ws = workspace
    assert ws.play("collect.yml").rc == 0
    ws.set_vars(jml_ldap_lock_timeout=1)
    path = _lock_file(ws, directory)
    with open(path, "a+") as holder:
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
        holder.write(json.dumps({"pid": 4242, "host": "ctl1", "started": "2026-12-02T01:00:00Z", "what": "a test"}))
        holder.flush()
        run = ws.play("provision.yml")
    assert run.rc != 0 and "another run holds the lock" in run.text and "pid 4242 on ctl1" in run.text, run
    assert read_people(directory) == {}
    # The holder is gone (killed: its record is still in the file); the next run takes over.
    run = ws.play("provision.yml")
    assert run.rc == 0, run
    assert "was killed before it finished (pid 4242 on ctl1" in run.text
    assert len(read_people(directory)) == 33


def test_a_killed_collects_temporary_files_are_removed_by_the_next_collect(collect_workspace):
    ws = collect_workspace
    assert ws.play("collect.yml").rc == 0
    orphan = ws.vault.parent / ".vault-k1ll3d"
    orphan.write_text("half a vault")
    run = ws.play("collect.yml")
    assert run.rc == 0, run
    assert not orphan.exists() and ".vault-k1ll3d" in run.text


SAFE_BY_DEFAULT = """
- hosts: localhost
  gather_facts: false
  tasks:
    - jml.provisioning.hr_collect:
        vault: "{{ vault }}"
        sources: "{{ jml_sources }}"
        allow_threshold_override: "{{ override | default(false) }}"
    - jml.provisioning.ldap_accounts:
        vault: "{{ vault }}"
        connection: {server_uri: "{{ uri }}", bind_dn: "{{ bind_dn }}", bind_password: "{{ bind_pw }}",
                     ca_file: "{{ ca }}"}
        accounts_dn: ou=people,dc=example,dc=test
        username: {candidates: ["person.name.given|ascii ~ '.' ~ person.name.family|ascii ~ (n if n > 1 else '')"]}
        attributes: {cn: person.name.display, sn: person.name.family}
        plan_file: "{{ plan }}"
"""


def test_out_of_the_box_an_empty_export_stops_the_collect_and_a_mass_disable_stops_the_run(
        workspace, directory, tmp_path):
    import yaml
    from test_hr_collect import sources
    ws = workspace
    playbook = tmp_path / "defaults.yml"
    playbook.write_text(SAFE_BY_DEFAULT)
    extra = tmp_path / "vars.yml"
    extra.write_text(yaml.safe_dump({"jml_sources": sources(ws), "vault": str(ws.vault), "uri": directory.ldaps_uri,
                                     "bind_dn": directory.bind_dn, "bind_pw": directory.bind_password,
                                     "ca": directory.ca_file, "plan": str(tmp_path / "plan.json")}))

    def play(*args):
        return ws.run([str(BIN / "ansible-playbook"), str(playbook), "-e", "@%s" % extra,
                       "--vault-password-file", str(ws.vault_pass)] + list(args))
    assert play().returncode == 0
    before, people = ws.vault.read_bytes(), read_people(directory)
    assert len(people) == 30
    # The export truncated to its header: no option set, yet nothing reaches the vault.
    for name in ("T4E_HELLOID_Persons.csv", "T4E_HelloID_Contracts.csv"):
        path = ws.hr / name
        path.write_bytes(path.read_bytes().splitlines(True)[0])
    run = play()
    text = " ".join(run.stdout.split())
    assert run.returncode != 0 and "source(s) helloid, helloid (its contracts file) read no person" in text and "removed 33 (limit 3)" in text, text
    assert ws.vault.read_bytes() == before, "the previous vault must be byte-identical"
    assert read_people(directory) == people
    # An operator forces the collect through: the reconcile's own default limit still stops.
    run = play("-e", "override=true")
    text = " ".join(run.stdout.split())
    assert run.returncode != 0 and "threshold exceeded (disable 30 > 3)" in text, text
    assert read_people(directory) == people, "a threshold stop writes nothing"


# ---- Broken rows never make a leaver -----------------------------------------------------------

def _collected(ws, **source_changes):
    from test_hr_collect import sources
    source = sources(ws)[0]
    for key, value in source_changes.items():
        if value is None:
            source.pop(key, None)
        else:
            source[key] = value
    ws.set_vars(jml_sources=[source], jml_collect_merge={})
    run = ws.play("collect.yml")
    assert run.rc == 0, run
    return ws.vault.read_bytes(), ws.vault_document()["persons"]


def test_a_contracts_file_cut_short_keeps_that_persons_whole_record(collect_workspace):
    ws = collect_workspace
    before, persons = _collected(ws)
    contracts = ws.hr / "T4E_HelloID_Contracts.csv"
    raw = contracts.read_bytes()
    contracts.write_bytes(raw[:raw.rindex(b";1;EN_HR")])  # the export stopped in the middle of MaryjoM's row
    run = ws.play("collect.yml")
    assert run.rc == 0, run
    assert "T4E_HelloID_Contracts.csv:37: has 9 fields where the header has 13" in run.text, run
    after = ws.vault_document()["persons"]
    assert after["MaryjoM"] == persons["MaryjoM"], "the person keeps the previous record, every contract"


def test_a_persons_row_cut_short_keeps_the_person_and_a_shifted_row_stops_the_collect(collect_workspace):
    ws = collect_workspace
    before, persons = _collected(ws, max_rejected=None)
    path = ws.hr / "T4E_HELLOID_Persons.csv"
    original = path.read_text(encoding="utf-8")
    # A line cut short: the person key (first field) can be read; they keep their record.
    lines = original.split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith("KatoB;"))
    lines[index] = ";".join(lines[index].split(";")[:5])
    path.write_text("\n".join(lines), encoding="utf-8")
    run = ws.play("collect.yml")
    assert run.rc == 0, run
    assert ws.vault_document()["persons"]["KatoB"] == persons["KatoB"]
    # A delimiter inside a value shifts every later field: whose row it is cannot be told.
    path.write_text(original.replace(";Kenosha;M;", ";Keno;sha;M;", 1), encoding="utf-8")
    vault = ws.vault.read_bytes()
    run = ws.play("collect.yml")
    assert run.rc != 0 and "T4E_HELLOID_Persons.csv:2: has 24 fields where the header has 23" in run.text, run
    assert "whose it is cannot be told" in run.text
    assert ws.vault.read_bytes() == vault, "the previous vault must be byte-identical"
    # Allowed by max_rejected: the other rows are collected and nobody of the previous vault vanishes.
    _collected(ws, max_rejected="10")
    assert ws.vault_document()["persons"]["AmirA"] == persons["AmirA"]
    assert sorted(ws.vault_document()["persons"]) == sorted(persons)


def test_an_unbalanced_quote_points_at_the_line_where_it_opened(collect_workspace):
    ws = collect_workspace
    _collected(ws)
    vault = ws.vault.read_bytes()
    path = ws.hr / "T4E_HELLOID_Persons.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[5] = lines[5].replace(";", ';"', 1)  # a quote that never closes, on line 6
    path.write_text("\n".join(lines), encoding="utf-8")
    run = ws.play("collect.yml")
    assert run.rc != 0, run
    assert "T4E_HELLOID_Persons.csv:6:" in run.text and "starts on line 6" in run.text, run
    assert ws.vault.read_bytes() == vault


def test_error_messages_carry_no_invisible_characters(collect_workspace):
    ws = collect_workspace
    _collected(ws)
    path = ws.hr / "T4E_HelloID_Contracts.csv"
    text = path.read_text(encoding="utf-8-sig")
    path.write_text(text.replace("SummerH;1;Internal;1;40;5-8-2014;", "SummerH;1;Internal;1;40;5-8-\x002014\ufeff;"),
                    encoding="utf-8-sig")
    run = ws.play("collect.yml")
    assert "\x00" not in run.output and "\ufeff" not in run.output
