"""Correlation decisions as code on a real slapd seeded as directories are: an account made before
the collection without an anchor (linked: updated, not duplicated), a person with two accounts
(a conflict a link resolves), a service account carrying an anchor value no vault person has
(ignored: not disabled), a person who must not get an account here (never_link), and a decision
that names nobody (an error in check mode, nothing written). Check mode equals the run; a second
run changes nothing; the correlate lookup writes a starting file nobody can apply unreviewed."""

import json

import ldap3
import pytest
import yaml

from jml_workspace import BIN, read_people

BASE = "dc=example,dc=test"
PEOPLE = "ou=people," + BASE
LEGACY_AMIR = "uid=aatkinson,%s" % PEOPLE          # made before the collection, no anchor value
BETHANY_OLD = "uid=bchen,%s" % PEOPLE              # BethanyC has two accounts: a conflict
BETHANY_NEW = "uid=bethany.chen,%s" % PEOPLE
SERVICE = "uid=svc-backup,%s" % PEOPLE             # an anchor value no vault person has: vanished
LOCK = "pwdaccountlockedtime"


def _connect(directory):
    return ldap3.Connection(ldap3.Server(directory.ldap_uri, get_info=ldap3.NONE), directory.bind_dn,
                            directory.bind_password, auto_bind=True)


def _seed(directory):
    conn = _connect(directory)
    for dn, attrs in [
        (LEGACY_AMIR, {"cn": "Amir Atkinson", "sn": "Atkinson", "description": "made by hand in 2019"}),
        (BETHANY_OLD, {"cn": "Bethany Chen", "sn": "Chen", "employeeNumber": "BethanyC"}),
        (BETHANY_NEW, {"cn": "Bethany Chen", "sn": "Chen", "employeeNumber": "BethanyC"}),
        (SERVICE, {"cn": "backup", "sn": "backup", "employeeNumber": "SVC-0001"}),
    ]:
        assert conn.add(dn, ["inetOrgPerson"], attrs), conn.result
    conn.unbind()


DECISIONS = [
    {"decision": "link", "person": "AmirA", "account": "UID=AAtkinson, OU=People,dc=example,dc=test",
     "reason": "account made before the collection; checked with Amir", "author": "alice", "date": "2026-12-03",
     "ticket": "CHG-1001"},
    {"decision": "link", "person": "BethanyC", "account": BETHANY_NEW,
     "reason": "bchen is the old account of the 2005 contract", "author": "alice"},
    {"decision": "ignore", "account": SERVICE, "reason": "backup robot, owned by the ICT team", "author": "bob"},
    {"decision": "never_link", "person": "ClaireS", "reason": "board member: no directory account", "author": "bob"},
]


@pytest.fixture
def seeded(workspace, directory):
    assert workspace.play("collect.yml").rc == 0
    _seed(directory)
    return workspace


def _write(ws, entries, name="decisions.yml"):
    path = ws.path / name
    path.write_text(yaml.safe_dump({"decisions": entries}, sort_keys=False))
    ws.set_vars(jml_ldap_decisions_file=str(path))
    return path


def _people(directory):
    return read_people(directory, base=PEOPLE)


def test_decisions_link_ignore_never_link_check_equals_run_and_a_rerun_changes_nothing(seeded, directory):
    ws = seeded
    _write(ws, DECISIONS)
    before = _people(directory)
    check = ws.play("provision.yml", check=True)
    assert check.rc == 0, check
    assert _people(directory) == before, "check mode wrote"

    real = ws.play("provision.yml")
    assert real.rc == 0, real
    assert real.plan["actions"] == check.plan["actions"]
    assert real.plan["correlation"] == check.plan["correlation"]
    assert real.plan["summary"] == check.plan["summary"]

    people = _people(directory)
    by_anchor = {}
    for dn, attrs in people.items():
        for value in attrs.get("employeenumber", []):
            by_anchor.setdefault(value, []).append(dn)
    # linked: the legacy account is updated and carries the anchor from now on - no second account
    assert by_anchor["AmirA"] == [LEGACY_AMIR]
    assert people[LEGACY_AMIR]["mail"] and people[LEGACY_AMIR]["description"] == ["made by hand in 2019"]
    update = [a for a in real.plan["actions"] if a["dn"] == LEGACY_AMIR and a["action"] == "update"]
    assert update and update[0]["changes"]["employeeNumber"] == [None, "AmirA"]
    # the conflict is resolved by the link; the other account of the person is left alone, not disabled
    assert not real.plan["correlation"]["conflicts"]
    assert LOCK not in people[BETHANY_OLD] and LOCK not in people[BETHANY_NEW]
    assert not [a for a in real.plan["actions"] if a["dn"] == BETHANY_OLD]
    # ignored: the service account would have been disabled as vanished
    assert people[SERVICE] == before[SERVICE]
    assert real.plan["correlation"]["ignored"] == [SERVICE]
    assert SERVICE not in real.plan["correlation"]["vanished"]
    assert SERVICE not in real.plan["correlation"]["uncorrelated_accounts"]
    # never_link: no account for ClaireS, and she is no joiner in the report either
    assert "ClaireS" not in by_anchor
    assert "ClaireS" not in real.plan["correlation"]["uncorrelated_persons"]
    decided = real.plan["correlation"]["decisions"]
    assert decided["applied"] == 4 and decided["redundant"] == 0  # without them: a duplicate and a conflict
    assert [(e["decision"], e["effect"]) for e in decided["entries"]] == [
        ("link", "linked"), ("link", "linked"), ("ignore", "ignored"), ("never_link", "no account")]
    assert decided["entries"][0]["account"] == LEGACY_AMIR and decided["entries"][0]["ticket"] == "CHG-1001"
    assert "also carry the person's employeeNumber: left alone" in decided["entries"][1]["detail"]

    rerun = ws.play("provision.yml")
    assert rerun.rc == 0 and rerun.plan["changed"] is False, rerun
    assert rerun.plan["summary"]["update"] == 0 and rerun.plan["summary"]["create"] == 0
    # the anchor now finds Amir's account by itself: the link is reported redundant, not an error
    effects = [e["effect"] for e in rerun.plan["correlation"]["decisions"]["entries"]]
    assert effects == ["redundant", "linked", "ignored", "no account"]  # bchen still makes BethanyC's a conflict


def test_without_the_decisions_the_same_directory_gets_a_duplicate_and_a_disabled_service(seeded, directory):
    """The control: what the decisions prevent."""
    check = seeded.play("provision.yml", check=True)
    actions = check.plan["actions"]
    assert any(a["action"] == "create" and a["person"] == "AmirA" for a in actions), "a second account for Amir"
    assert any(a["action"] == "disable" and a["dn"] == SERVICE for a in actions)
    assert any(c.get("person") == "BethanyC" for c in check.plan["correlation"]["conflicts"])
    assert any(a["action"] == "create" and a["person"] == "ClaireS" for a in actions)


@pytest.mark.parametrize("bad, message", [
    ({"decision": "link", "person": "NOBODY", "account": BETHANY_OLD, "reason": "r", "author": "a"},
     "decisions[4] (link): person NOBODY is not in the vault"),
    ({"decision": "ignore", "account": "uid=svc-print,%s" % PEOPLE, "reason": "r", "author": "a"},
     "decisions[4] (ignore): account uid=svc-print,%s is not in the target's managed scope" % PEOPLE),
    ({"decision": "ignore", "account": LEGACY_AMIR, "reason": "r", "author": "a"},
     "decisions[4] (ignore) contradicts decisions[0] (link): both decide account"),
    ({"decision": "never_link", "person": "KatoB", "reason": "TODO", "author": "a"}, "reason is still TODO"),
])
def test_an_invalid_decision_fails_in_check_mode_and_in_a_run_with_nothing_written(seeded, directory, bad, message):
    ws = seeded
    _write(ws, DECISIONS + [bad])
    before = _people(directory)
    for check in (True, False):
        run = ws.play("provision.yml", check=check)
        assert run.rc != 0
        assert message in run.text and "nothing was written" in run.text, run.text
        assert _people(directory) == before


def test_a_link_that_would_take_another_persons_account_is_an_error(seeded, directory):
    ws = seeded
    _write(ws, [{"decision": "link", "person": "AmirA", "account": BETHANY_NEW, "reason": "typo", "author": "a"}])
    before = _people(directory)
    run = ws.play("provision.yml", check=True)
    assert run.rc != 0
    assert "carries person BethanyC's employeeNumber (BethanyC)" in run.text and "nothing was written" in run.text
    assert _people(directory) == before


def test_the_correlate_lookup_applies_decisions_and_writes_a_starting_file(seeded, directory, tmp_path):
    ws = seeded
    applied = _write(ws, DECISIONS[:1], "reviewed.yml")
    out = tmp_path / "report.json"
    playbook = tmp_path / "correlate.yml"
    playbook.write_text("""
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.copy:
        dest: "%(out)s"
        content: "{{ lookup('jml.provisioning.correlate', '%(vault)s', connection=conn, search_base='%(base)s',
                             decisions_file='%(decisions)s', decisions_template=true) | to_json }}"
      vars:
        conn: {server_uri: "%(uri)s", bind_dn: "%(bind)s", bind_password: "%(password)s", ca_file: "%(ca)s"}
""" % {"out": out, "vault": ws.vault, "base": PEOPLE, "uri": directory.ldaps_uri, "bind": directory.bind_dn,
       "password": directory.bind_password, "ca": directory.ca_file, "decisions": applied})
    run = ws.run([str(BIN / "ansible-playbook"), str(playbook), "--vault-password-file", str(ws.vault_pass)])
    assert run.returncode == 0, run.stdout
    report = json.loads(out.read_text())
    assert {"person": "AmirA", "dn": LEGACY_AMIR} in report["correlated"]
    assert report["decisions"]["entries"][0]["effect"] == "linked"
    text = report["decisions_template"]
    assert yaml.safe_load(text)["decisions"] is None  # nothing applies as it stands
    assert '#   person: "BethanyC"' in text and '#   account: "%s"' % BETHANY_OLD in text
    assert "# vanished: " in text and '#   account: "%s"' % SERVICE in text
    assert LEGACY_AMIR not in text  # decided already
    # uncommented as it stands, the file is refused: a machine's guess is not a review
    proposed = tmp_path / "proposed.yml"
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# - decision: ignore"))
    proposed.write_text("decisions:\n" + "\n".join(line[2:] for line in lines[start:start + 5]) + "\n")
    assert yaml.safe_load(proposed.read_text())["decisions"][0]["reason"] == "TODO"
    ws.set_vars(jml_ldap_decisions_file=str(proposed))
    check = ws.play("provision.yml", check=True)
    assert check.rc != 0 and "still TODO" in check.text and "nothing was written" in check.text
    assert directory.bind_password not in run.stdout
