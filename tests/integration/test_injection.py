"""HR values that try to be something else - LDAP filter and DN metacharacters, Jinja2, HTML, NUL,
bidi overrides - through real collect and provision runs against a real slapd: each is stored as
the literal text it is (or rejected), touches no other account, and a re-run changes nothing."""

import ldap3
import pytest

from jml_workspace import read_people

PERSONS = "T4E_HELLOID_Persons.csv"


def _set(ws, person, column, value):
    path = ws.hr / PERSONS
    lines = path.read_text(encoding="utf-8").split("\n")
    index = lines[0].split(";").index(column)
    for i, line in enumerate(lines):
        fields = line.split(";")
        if fields[0] == person:
            fields[index] = value
            lines[i] = ";".join(fields)
    path.write_text("\n".join(lines), encoding="utf-8")


# (id, person, column, value, attribute that must hold the literal value, its expected text)
STORED = [
    ("filter-metacharacters", "AmirA", "NickName", "*)(uid=*", "givenname", "*)(uid=*"),
    # (no ';': that is the export's own delimiter)
    ("dn-metacharacters", "BethanyC", "NickName", 'Beth,ou=admins+cn="x"<y>=', "givenname", 'Beth,ou=admins+cn="x"<y>='),
    ("leading-hash", "BiancaM", "NickName", "#Bianca ", "givenname", "#Bianca"),
    ("backslashes", "BrianS", "LastName", "Back\\slash\\2a", "sn", "Back\\slash\\2a"),
    ("jinja-expression", "BurtonL", "NickName", "{{ 7 * 7 }}", "givenname", "{{ 7 * 7 }}"),
    ("jinja-statement", "ClaireS", "NickName", "{% raw %}x{% endraw %}", "givenname", "{% raw %}x{% endraw %}"),
    ("jinja-lookup", "GabrielL", "LastName", "{{ lookup('env', 'HOME') }}", "sn", "{{ lookup('env', 'HOME') }}"),
    ("html", "HollyM", "NickName", "<script>alert(1)</script>", "givenname", "<script>alert(1)</script>"),
    ("anchor-filter-metacharacters", "JessicaS", "EmployeeCode", "Jess*)(employeeNumber=*", "employeenumber",
     "Jess*)(employeeNumber=*"),
]
REJECTED = [
    ("nul", "KaitlinH", "LastName", "Hall\x00man"),
    ("bidi-override", "KatoB", "LastName", "Bu\u202eckley"),
    ("escape-sequence", "KennanR", "NickName", "Ken\x1b[31mnan"),
]


@pytest.fixture
def provisioned(workspace):
    assert workspace.play("site.yml").rc == 0
    return workspace


@pytest.mark.parametrize("name, person, column, value, attribute, expected", [pytest.param(*c, id=c[0]) for c in STORED])
def test_an_hr_value_is_stored_as_the_literal_text_it_is(
        provisioned, directory, name, person, column, value, attribute, expected):
    ws = provisioned
    before = read_people(directory)
    if column == "EmployeeCode":  # the person key itself: contracts follow it
        contracts = ws.hr / "T4E_HelloID_Contracts.csv"
        contracts.write_text(contracts.read_text(encoding="utf-8-sig").replace(person + ";", value + ";"),
                             encoding="utf-8-sig")
    _set(ws, person, column, value)
    ws.set_vars(jml_ldap_thresholds={"disable": {"count": 1}, "delete": {"count": 0}})
    run = ws.play("site.yml")
    assert run.rc == 0, run
    after = read_people(directory)
    holders = [dn for dn, attrs in after.items() if expected in attrs.get(attribute, [])]
    assert len(holders) == 1, (holders, name)
    assert "49" not in after[holders[0]].get("givenname", [])
    changed = [dn for dn in after if dn in before and after[dn].get("entrycsn") != before[dn].get("entrycsn")]
    assert len(changed) <= 2, "only the person concerned (and, for a new key, the old account) changed: %s" % changed
    rerun = ws.play("provision.yml")
    assert rerun.rc == 0 and rerun.plan["changed"] is False, rerun


@pytest.mark.parametrize("name, person, column, value", [pytest.param(*c, id=c[0]) for c in REJECTED])
def test_a_control_character_in_an_hr_value_rejects_the_row_and_the_person_keeps_the_record(
        provisioned, directory, name, person, column, value):
    ws = provisioned
    previous = ws.vault_document()["persons"][person]
    _set(ws, person, column, value)
    run = ws.play("collect.yml", verbosity=1)
    assert run.rc == 0, run
    assert "contains a control character" in run.text
    assert value not in run.output and "\x00" not in run.output and "\x1b" not in run.output
    assert ws.vault_document()["persons"][person] == previous


def test_a_joiners_anchor_with_filter_metacharacters_is_searched_escaped(workspace, directory):
    """The look-up of joiners' anchors in the whole naming context sends them in an OR filter."""
    conn = ldap3.Connection(ldap3.Server(directory.ldap_uri), directory.bind_dn, directory.bind_password,
                            auto_bind=True)
    conn.add("ou=legacy,dc=example,dc=test", ["organizationalUnit"])
    assert conn.add("uid=decoy,ou=legacy,dc=example,dc=test", ["inetOrgPerson"],
                    {"cn": "d", "sn": "d", "employeeNumber": "anything"}), conn.result
    conn.unbind()
    contracts = workspace.hr / "T4E_HelloID_Contracts.csv"
    contracts.write_text(contracts.read_text(encoding="utf-8-sig").replace("AmirA;", "*;"), encoding="utf-8-sig")
    _set(workspace, "AmirA", "EmployeeCode", "*")
    run = workspace.play("site.yml")
    assert run.rc == 0, run
    assert not run.plan["correlation"]["conflicts"], "'*' must match no account but its own"
    people = read_people(directory, base="dc=example,dc=test")
    assert sorted(a["employeenumber"][0] for a in people.values()).count("*") == 1
