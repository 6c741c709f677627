"""The correlate lookup on a seeded directory: all four categories, live from LDAP and from a list."""

import json

import ldap3

from jml_workspace import BIN

PEOPLE = "ou=people,dc=example,dc=test"


def _seed(directory):
    conn = ldap3.Connection(ldap3.Server(directory.ldap_uri, get_info=ldap3.NONE), directory.bind_dn,
                            directory.bind_password, auto_bind=True)
    entries = [
        ("uid=amir,%s" % PEOPLE, {"employeeNumber": "AmirA"}),                  # correlated
        ("uid=bethany1,%s" % PEOPLE, {"employeeNumber": "BethanyC"}),           # conflict: one person,
        ("uid=bethany2,%s" % PEOPLE, {"employeeNumber": "BethanyC"}),           # two accounts
        ("uid=svc-backup,%s" % PEOPLE, {}),                                      # uncorrelated account
        ("uid=gone,%s" % PEOPLE, {"employeeNumber": "LeftLongAgo"}),             # vanished
        ("uid=brian,%s" % PEOPLE, {"mail": "Brian.Schwartz@domain.local"}),      # second anchor: email
    ]
    for dn, extra in entries:
        uid = dn.split(",", maxsplit=1)[0][4:]
        assert conn.add(dn, ["inetOrgPerson"], dict({"cn": uid, "sn": uid}, **extra)), conn.result
    conn.unbind()


def test_correlation_report_has_all_four_categories(collect_workspace, directory, tmp_path):
    ws = collect_workspace
    assert ws.play("collect.yml").rc == 0
    _seed(directory)
    out = tmp_path / "report.json"
    playbook = tmp_path / "correlate.yml"
    playbook.write_text("""
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.copy:
        dest: "%(out)s"
        content: "{{ lookup('jml.provisioning.correlate', '%(vault)s', connection=conn, search_base='%(base)s',
                             anchors=[{'person': 'id', 'attribute': 'employeeNumber'},
                                      {'person': 'email', 'attribute': 'mail'}]) | to_json }}"
      vars:
        conn: {server_uri: "%(uri)s", bind_dn: "%(bind)s", bind_password: "%(password)s", ca_file: "%(ca)s"}
""" % {"out": out, "vault": ws.vault, "base": PEOPLE, "uri": directory.ldaps_uri, "bind": directory.bind_dn,
       "password": directory.bind_password, "ca": directory.ca_file})
    run = ws.run([str(BIN / "ansible-playbook"), str(playbook), "--vault-password-file", str(ws.vault_pass)])
    assert run.returncode == 0, run.stdout
    report = json.loads(out.read_text())
    assert {"person": "AmirA", "dn": "uid=amir,%s" % PEOPLE} in report["correlated"]
    assert {"person": "BrianS", "dn": "uid=brian,%s" % PEOPLE} in report["correlated"]  # by email
    assert report["uncorrelated_accounts"] == ["uid=svc-backup,%s" % PEOPLE]
    assert report["vanished"] == ["uid=gone,%s" % PEOPLE]
    assert report["conflicts"] == [{"person": "BethanyC", "accounts": ["uid=bethany1,%s" % PEOPLE,
                                                                       "uid=bethany2,%s" % PEOPLE],
                                    "anchor": "employeeNumber", "problem": "one person, several accounts"}]
    assert "BethanyC" not in report["uncorrelated_persons"] and "NoahV" not in report["uncorrelated_persons"]
    assert "FrancoisJ" in report["uncorrelated_persons"]
    assert directory.bind_password not in run.stdout


def test_correlation_of_a_given_account_list(collect_workspace, tmp_path):
    ws = collect_workspace
    assert ws.play("collect.yml").rc == 0
    out = tmp_path / "report.json"
    playbook = tmp_path / "correlate-list.yml"
    playbook.write_text("""
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.copy:
        dest: "%(out)s"
        content: "{{ lookup('jml.provisioning.correlate', '%(vault)s', accounts=accounts) | to_json }}"
      vars:
        accounts:
          - {dn: "uid=amir,ou=people,dc=x", employeeNumber: AmirA}
          - {dn: "uid=x1,ou=people,dc=x", employeeNumber: [SummerH]}
          - {dn: "uid=x2,ou=people,dc=x", employeeNumber: summerh}
          - {dn: "uid=orphan,ou=people,dc=x"}
""" % {"out": out, "vault": ws.vault})
    run = ws.run([str(BIN / "ansible-playbook"), str(playbook), "--vault-password-file", str(ws.vault_pass)])
    assert run.returncode == 0, run.stdout
    report = json.loads(out.read_text())
    assert report["correlated"] == [{"person": "AmirA", "dn": "uid=amir,ou=people,dc=x"}]
    assert report["uncorrelated_accounts"] == ["uid=orphan,ou=people,dc=x"]
    assert report["conflicts"][0]["person"] == "SummerH"  # anchors compare case-insensitively
