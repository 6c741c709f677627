"""Incremental cycles (option ``incremental``) against a real slapd, with and without the
memberof/refint overlays: after a converged run, a run with nothing changed anywhere is skipped
(the recorded outcome, nothing read or planned) and equals the full no-op's result; after changes
in HR, by hand in the directory (an attribute, a membership, an added, a deleted or a renamed
account, a group) or on the calendar, a cycle plans only the persons concerned, and its result is
the full reconcile's (compared with a run without the option, on random change sets too); a
changed configuration or a due full_every is a full reconcile. Check mode equals the run."""

import datetime

import ldap3
import pytest
import slapd

from jml_workspace import ACME_TOKEN, Workspace, read_people
from test_openldap_jml import _hr_change

PEOPLE = "ou=people,dc=example,dc=test"
GROUPS = "ou=groups,dc=example,dc=test"
ON = {"enabled": True}
STABLE = ("summary", "correlation", "rules", "thresholds", "failures", "approval")


@pytest.fixture
def ws(tmp_path, any_directory, hr_api):
    (tmp_path / "work").mkdir()
    space = Workspace(tmp_path / "work", any_directory, hr_api, ACME_TOKEN)
    space.directory = any_directory
    return space


def connect(directory):
    return ldap3.Connection(ldap3.Server(directory.ldap_uri, get_info=ldap3.NONE), directory.bind_dn,
                            directory.bind_password, auto_bind=True)


def provision(ws, check=False, **variables):
    ws.set_vars(jml_ldap_incremental=variables.pop("incremental", ON), **variables)
    run = ws.play("provision.yml", check=check, diff=check)
    assert run.rc == 0, run.output[-4000:]
    return run


def converged(ws):
    """The directory in line with the vault, then one run that planned nothing (records the state)."""
    assert ws.play("site.yml").rc == 0
    run = provision(ws)
    assert run.plan["incremental"]["mode"] == "full"
    assert sum(v for k, v in run.plan["summary"].items() if k not in ("unchanged", "failed")) == 0, run.plan["summary"]
    return run


def same_result(a, b):
    for key in STABLE:
        assert a.plan[key] == b.plan[key], key


def test_nothing_changed_is_skipped_and_equals_the_full_no_op(ws):
    full = converged(ws)
    before = read_people(ws.directory)
    check = provision(ws, check=True)
    assert check.plan["incremental"]["mode"] == "unchanged", check.plan["incremental"]
    run = provision(ws)
    assert run.plan["incremental"]["mode"] == "unchanged", run.plan["incremental"]
    assert "nothing changed since the last run" in run.output
    same_result(run, full)
    same_result(check, full)
    assert run.plan["changed"] is False and run.plan["actions"] == []
    assert read_people(ws.directory) == before
    off = provision(ws, incremental={})
    assert off.plan["incremental"]["mode"] == "off"
    same_result(off, full)


def plan_of(run):
    return dict((key, run.plan[key]) for key in STABLE + ("actions",))


def full_check_equals_plain_check(ws):
    """Check mode with the option and without it plan the same: the incremental run was full."""
    with_state = provision(ws, check=True)
    plain = provision(ws, check=True, incremental={})
    assert plan_of(with_state) == plan_of(plain)
    return with_state


def accounts(directory):
    return sorted(dn for dn in read_people(directory))


def hand_changes(directory, kinds, rng):
    """Changes an administrator makes by hand, each of a kind a full reconcile acts on."""
    conn = connect(directory)
    people = sorted(read_people(directory).items())
    managed = [(dn, attrs) for dn, attrs in people if attrs.get("employeenumber")]
    for kind in kinds:
        dn, attrs = managed[rng.randrange(len(managed))]
        if kind == "attribute":
            assert conn.modify(dn, {"title": [(ldap3.MODIFY_REPLACE, ["Changed by hand"])]}), conn.result
        elif kind == "membership":
            groups = list(attrs.get("memberof", [])) or ["cn=staff,%s" % GROUPS]
            conn.modify(groups[0], {"member": [(ldap3.MODIFY_DELETE, [dn])]})
        elif kind == "delete":
            assert conn.delete(dn), conn.result
        elif kind == "add":
            assert conn.add("uid=hand.made%d,%s" % (rng.randrange(10 ** 6), PEOPLE), ["inetOrgPerson"],
                            {"uid": "hand.made", "cn": "Hand Made", "sn": "Made",
                             "employeeNumber": attrs["employeenumber"][0]}), conn.result
        elif kind == "rename":
            assert conn.modify_dn(dn, "uid=renamed%d" % rng.randrange(10 ** 6)), conn.result
        elif kind == "group":
            assert conn.modify("cn=staff,%s" % GROUPS, {"description": [(ldap3.MODIFY_REPLACE, ["by hand"])]})
    conn.unbind()


@pytest.mark.parametrize("kind", ["attribute", "membership", "delete", "add", "rename"])
def test_a_change_by_hand_makes_the_next_run_full(ws, kind):
    import random
    converged(ws)
    hand_changes(ws.directory, [kind], random.Random(kind))
    check = full_check_equals_plain_check(ws)
    assert check.plan["incremental"]["mode"] == "incremental", check.plan["incremental"]
    assert check.plan["incremental"]["reason"].startswith("planned ")
    run = provision(ws)
    assert run.plan["incremental"]["mode"] == "incremental"
    if run.plan["applied"]:
        again = provision(ws)  # after a run that wrote: a cycle checks what it wrote
        assert again.plan["incremental"]["mode"] == "incremental", again.plan["incremental"]
        assert not again.plan["actions"]
    else:  # a conflict (two accounts, one anchor) is left alone: that run planned nothing and converged
        assert run.plan["correlation"]["conflicts"]
    assert provision(ws).plan["incremental"]["mode"] == "unchanged"
    plain = provision(ws, check=True, incremental={})
    assert plan_of(plain) == plan_of(provision(ws, check=True))


def test_hr_configuration_and_calendar_changes_make_the_next_run_full(ws):
    converged(ws)
    today = datetime.date.today()
    # HR: a joiner, a mover, a leaver collected
    _hr_change(ws.hr, today)
    assert ws.play("collect.yml").rc == 0
    check = full_check_equals_plain_check(ws)
    assert check.plan["incremental"]["mode"] == "incremental", check.plan["incremental"]
    assert check.plan["summary"]["create"] == 1
    provision(ws)
    provision(ws)
    assert provision(ws).plan["incremental"]["mode"] == "unchanged"
    # the configuration: one more mapped attribute
    ws.set_vars(jml_ldap_lifecycle={"grace_days": 3})
    check = full_check_equals_plain_check(ws)
    assert check.plan["incremental"]["reason"] == "the configuration changed since the last full reconcile"


def test_the_calendar_decides_when_a_skip_is_safe(ws):
    """The day before the next lifecycle change is skipped, the due day is a full reconcile whose
    plan is the plain run's of that day, and so is the day full_every falls due."""
    monthly = {"enabled": True, "full_every": 10 ** 6}
    assert ws.play("site.yml").rc == 0
    assert provision(ws, incremental=monthly).plan["incremental"]["mode"] == "full"
    state = provision(ws, incremental=monthly).plan["incremental"]
    assert state["mode"] == "unchanged", state
    assert state["next_due"], "the demo data has contracts starting or ending ahead"
    due = datetime.date.fromisoformat(state["next_due"])
    today = datetime.date.today()
    assert due > today
    if due - datetime.timedelta(days=1) > today:
        eve = provision(ws, incremental=monthly, jml_ldap_reference_date=str(due - datetime.timedelta(days=1)))
        assert eve.plan["incremental"]["mode"] == "unchanged", eve.plan["incremental"]
    on_due = provision(ws, check=True, incremental=monthly, jml_ldap_reference_date=str(due))
    assert on_due.plan["incremental"]["mode"] == "incremental", on_due.plan["incremental"]  # the due persons
    plain = provision(ws, check=True, incremental={}, jml_ldap_reference_date=str(due))
    assert plan_of(on_due) == plan_of(plain)
    later = provision(ws, check=True, incremental={"enabled": True, "full_every": 30},
                      jml_ldap_reference_date=str(today + datetime.timedelta(days=30)))
    assert later.plan["incremental"]["reason"] == "a full reconcile is due (full_every: 30 day(s))"
    within = provision(ws, check=True, incremental={"enabled": True, "full_every": 30},
                       jml_ldap_reference_date=str(today + datetime.timedelta(days=29)))
    assert within.plan["incremental"]["mode"] == ("unchanged" if due > today + datetime.timedelta(days=29) else "full")


def hr_changes(ws, rng):
    """Changes in HR: a person leaves the export (and the vault), another changes department."""
    persons, contracts = ws.hr / "T4E_HELLOID_Persons.csv", ws.hr / "T4E_HelloID_Contracts.csv"
    rows = contracts.read_text(encoding="utf-8-sig").splitlines()
    ids = sorted(set(r.split(";")[0] for r in rows[1:] if r))
    gone, mover = rng.sample(ids, 2)
    departments = sorted(set(r.split(";")[10] for r in rows[1:] if r.count(";") >= 10))
    kept = [rows[0]]
    for row in rows[1:]:
        cells = row.split(";")
        if cells[0] == gone:
            continue
        if cells[0] == mover and len(cells) > 10:
            cells[10] = rng.choice(departments)
        kept.append(";".join(cells))
    contracts.write_text("\n".join(kept) + "\n", encoding="utf-8-sig")
    lines = persons.read_bytes().splitlines(True)
    persons.write_bytes(b"".join(line for line in lines if not line.startswith(gone.encode() + b";")))
    assert ws.play("collect.yml").rc == 0


@pytest.mark.parametrize("seed", range(4))
def test_randomised_changes_never_skip_a_run_that_has_work(ws, seed):
    """Property: whenever the incremental run is skipped, a full reconcile would have planned
    nothing; otherwise its plan is the plain run's. Random hand and HR changes, several rounds."""
    import random
    rng = random.Random(seed)
    converged(ws)
    kinds = ["attribute", "membership", "delete", "add", "rename", "group", "hr", None, None]
    for round_ in range(3):
        chosen = [k for k in rng.sample(kinds, rng.randrange(1, 3)) if k]
        if round_ == 0 and seed % 2 and "hr" not in chosen:
            chosen.append("hr")  # odd seeds start with an HR change, whatever the draw
        if "hr" in chosen:
            hr_changes(ws, rng)
        hand_changes(ws.directory, [k for k in chosen if k != "hr"], rng)
        with_state = provision(ws, check=True)
        plain = provision(ws, check=True, incremental={})
        if with_state.plan["incremental"]["mode"] == "unchanged":
            assert not plain.plan["actions"], (chosen, plain.plan["summary"])
            assert plan_of(with_state)["summary"] == plan_of(plain)["summary"]
        else:
            assert plan_of(with_state) == plan_of(plain), chosen
        provision(ws)
        provision(ws)


def test_an_unreadable_or_forged_state_is_ignored_with_a_warning(ws):
    converged(ws)
    state = ws.vault.parent / (ws.vault.name + ".state")
    assert state.read_bytes().startswith(b"$ANSIBLE_VAULT;1.1;AES256"), "encrypted like the vault"
    assert oct(state.stat().st_mode & 0o777) == "0o600"
    for forged in (b'{"format": "jml.provisioning/state-v1", "targets": {}}', b"$ANSIBLE_VAULT;1.1;AES256\nbroken"):
        state.write_bytes(forged)
        run = provision(ws)
        assert run.plan["incremental"]["mode"] == "full"
        assert "ignored, a full reconcile records it again" in run.text
        assert provision(ws).plan["incremental"]["mode"] == "unchanged"


def test_with_the_identifier_ledger_a_cycle_records_what_a_full_run_records(ws):
    import random
    ws.set_vars(jml_ldap_ledger={"enabled": True})
    converged(ws)
    hand_changes(ws.directory, ["delete", "attribute", "rename"], random.Random(7))
    _hr_change(ws.hr, datetime.date.today())
    assert ws.play("collect.yml").rc == 0
    with_state = provision(ws, check=True)
    plain = provision(ws, check=True, incremental={})
    assert with_state.plan["incremental"]["mode"] == "incremental", with_state.plan["incremental"]
    assert plan_of(with_state) == plan_of(plain)
    assert with_state.plan["ledger"] == plain.plan["ledger"]
    run = provision(ws)
    assert run.plan["ledger"] == plain.plan["ledger"]


def test_a_run_limited_by_only_keeps_the_base_and_the_next_cycle_checks_its_writes(ws):
    converged(ws)
    _hr_change(ws.hr, datetime.date.today())  # joiner NoahV, mover BethanyC, leaver SummerH
    assert ws.play("collect.yml").rc == 0
    limited = provision(ws, jml_only=["NoahV"])
    assert limited.plan["incremental"]["mode"] == "full" and limited.plan["summary"]["create"] == 1
    ws.set_vars(jml_only=[])
    check = full_check_equals_plain_check(ws)
    assert check.plan["incremental"]["mode"] == "incremental", check.plan["incremental"]
    assert "NoahV" not in set(a["person"] for a in check.plan["actions"] if a["action"] == "create")
    assert {"BethanyC", "SummerH"} <= set(a["person"] for a in check.plan["actions"])


def restored_from_before_the_base(ws):
    """A backup taken, then runs that wrote (a joiner, a mover, a leaver), an account made by hand,
    then a full reconcile that leaves a base, then the backup restored: the entries went back to stamps below the
    base's mark, where "newer than the mark" cannot see them. The next run is a full reconcile that
    says why, with the plain run's plan; then cycles resume."""
    converged(ws)
    slapd.snapshot(ws.directory, "backup")
    _hr_change(ws.hr, datetime.date.today())  # joiner NoahV, mover BethanyC, leaver SummerH
    assert ws.play("collect.yml").rc == 0
    assert provision(ws).plan["actions"]
    # Then an account made by hand, nobody's: the newest stamp the base's mark keeps is one entry
    # the restore takes away, so no entry left carries it.
    conn = connect(ws.directory)
    assert conn.add("uid=printer.admin,%s" % PEOPLE, ["inetOrgPerson"],
                    {"uid": "printer.admin", "cn": "Printer Admin", "sn": "Admin"}), conn.result
    conn.unbind()
    base = provision(ws, incremental=dict(ON, full=True))
    assert base.plan["incremental"]["mode"] == "full" and not base.plan["actions"], base.plan["summary"]
    slapd.restore(ws.directory, "backup")
    check = provision(ws, check=True)
    assert check.plan["incremental"]["mode"] == "full", check.plan["incremental"]
    assert "restored" in check.plan["incremental"]["reason"], check.plan["incremental"]
    plain = provision(ws, check=True, incremental={})
    assert plan_of(check) == plan_of(plain)
    assert {"NoahV", "BethanyC", "SummerH"} <= set(a["person"] for a in check.plan["actions"])
    run = provision(ws)
    assert run.plan["actions"] == check.plan["actions"] and run.plan["incremental"] == check.plan["incremental"]
    assert not provision(ws).plan["actions"]
    assert not provision(ws, check=True, incremental={}).plan["actions"]
    return check


def test_a_directory_restored_from_before_the_base_gets_a_full_reconcile(ws):
    restored_from_before_the_base(ws)


def test_the_first_provisioning_of_an_empty_directory_leaves_a_base(ws):
    """No account read is still a base (with a plan file: no digests is not 'none kept')."""
    assert ws.play("collect.yml").rc == 0
    first = provision(ws)
    assert first.plan["incremental"]["mode"] == "full" and first.plan["summary"]["create"] > 0
    second = provision(ws)
    assert second.plan["incremental"]["mode"] == "incremental", second.plan["incremental"]
    assert second.plan["actions"] == []
    assert provision(ws).plan["incremental"]["mode"] == "unchanged"


def test_a_person_who_leaves_the_vault_is_planned_by_their_accounts_anchor(ws):
    """A person removed from the HR export leaves the vault: a cycle finds their account by its
    anchor and plans what a full run plans for a vanished account."""
    converged(ws)
    for name in ("T4E_HELLOID_Persons.csv", "T4E_HelloID_Contracts.csv"):
        path = ws.hr / name
        lines = path.read_bytes().splitlines(True)
        path.write_bytes(b"".join(line for line in lines if not line.startswith(b"AmirA;")))
    assert ws.play("collect.yml").rc == 0
    check = full_check_equals_plain_check(ws)
    assert check.plan["incremental"]["mode"] == "incremental", check.plan["incremental"]
    assert "AmirA" in set(a["person"] for a in check.plan["actions"]), check.plan["summary"]


ELSEWHERE = "ou=elsewhere,dc=example,dc=test"


def namesake(hr, of, new_id):
    """A new person in the HR export with the name (and contracts) of ``of``: another employee
    number, no business mail, a contract that starts today."""
    persons, contracts = hr / "T4E_HELLOID_Persons.csv", hr / "T4E_HelloID_Contracts.csv"
    today = datetime.date.today()
    for path, changed in ((persons, {1: "9%06d" % (sum(map(ord, new_id)) % 10 ** 6), 21: ""}),
                          (contracts, {5: "%d-%d-%d" % (today.day, today.month, today.year), 6: ""})):
        data = path.read_bytes()  # appended as bytes: the vendor's files keep their own BOM and line ends
        cells = next(line for line in data.decode("utf-8-sig").splitlines() if line.startswith(of + ";")).split(";")
        cells[0] = new_id
        for column, value in changed.items():
            cells[column] = value
        path.write_bytes(data + (b"" if data.endswith(b"\n") else b"\n") + ";".join(cells).encode("utf-8") + b"\n")


def messy_change(ws, kind):
    """Changes a real directory sees that no rule of the collection makes: strays, a manager's
    rename, an account moved out of scope, a member nobody manages, a namesake joiner."""
    conn = connect(ws.directory)
    people = read_people(ws.directory)
    managed = sorted(dn for dn, attrs in people.items() if attrs.get("employeenumber"))
    if kind == "stray-add":  # an account without an anchor: uncorrelated, never touched, reported
        assert conn.add("uid=stray.admin,%s" % PEOPLE, ["inetOrgPerson"],
                        {"uid": "stray.admin", "cn": "Stray Admin", "sn": "Admin"}), conn.result
    elif kind == "stray-delete":
        assert conn.delete("uid=stray.admin,%s" % PEOPLE), conn.result
    elif kind == "manager-rename":  # the reports' manager DN must follow
        managers = sorted(set(v for attrs in people.values() for v in attrs.get("manager", []) if v in people))
        assert managers, "someone manages someone"
        assert conn.modify_dn(managers[0], "uid=renamed.manager"), conn.result
    elif kind == "move-out":  # out of the managed scope: a full run adopts it or reports a conflict
        conn.add(ELSEWHERE, ["organizationalUnit"], {"ou": "elsewhere"})
        assert conn.modify_dn(managed[3], managed[3].split(",", 1)[0], new_superior=ELSEWHERE), conn.result
    elif kind == "foreign-member":  # a member no account of ours is: never revoked
        assert conn.add("cn=printer,%s" % ELSEWHERE.replace("ou=elsewhere", "ou=people"), ["device"],
                        {"cn": "printer"}) or conn.result["result"] == 68, conn.result
        assert conn.modify("cn=staff,%s" % GROUPS, {"member": [(ldap3.MODIFY_ADD, ["cn=printer,%s" % PEOPLE])]}), conn.result
    elif kind == "namesake":  # HR: a joiner with an existing person's name takes the next free login
        namesake(ws.hr, "AmirA", "AmirA2")
        assert ws.play("collect.yml").rc == 0
    conn.unbind()


@pytest.mark.parametrize("kind", ["stray-add", "stray-delete", "manager-rename", "move-out", "foreign-member",
                                  "namesake"])
def test_a_messy_change_gives_the_full_reconciles_plan_and_converges(ws, kind):
    converged(ws)
    if kind == "stray-delete":  # a stray the last runs saw, and reported
        messy_change(ws, "stray-add")
        assert provision(ws).plan["incremental"]["mode"] == "incremental"
        assert provision(ws).plan["incremental"]["mode"] == "unchanged"
    messy_change(ws, kind)
    check = full_check_equals_plain_check(ws)
    assert check.plan["incremental"]["mode"] == "incremental", check.plan["incremental"]
    if kind == "namesake":
        creates = [a for a in check.plan["actions"] if a["action"] == "create"]
        assert [a["person"] for a in creates] == ["AmirA2"] and creates[0]["dn"] not in read_people(ws.directory)
    run = provision(ws)
    assert plan_of(run)["actions"] == plan_of(check)["actions"]  # check mode is the truth
    again = provision(ws)
    assert not again.plan["actions"], again.plan["summary"]
    assert provision(ws).plan["incremental"]["mode"] == "unchanged"
    plain = provision(ws, check=True, incremental={})
    assert plan_of(plain) == plan_of(provision(ws, check=True))


@pytest.mark.parametrize("classes", [["account"], ["inetOrgPerson"]])
def test_a_joiners_dn_taken_by_an_object_nobody_manages_after_the_base(ws, classes):
    """After the base, someone creates an entry at the very DN a namesake joiner would take: no
    account (an ``account`` object for a service, outside the search filter), or an account
    without an anchor (uncorrelated, never touched). The cycle, like a full run, gives the joiner
    the next free name, and the run meets no failure and leaves that entry as it was."""
    converged(ws)
    namesake(ws.hr, "AmirA", "AmirA2")
    assert ws.play("collect.yml").rc == 0
    wanted = [a for a in provision(ws, check=True).plan["actions"] if a["action"] == "create"]
    assert [a["person"] for a in wanted] == ["AmirA2"], wanted
    dn = wanted[0]["dn"]
    rdn, value = dn.split(",", 1)[0].split("=", 1)
    conn = connect(ws.directory)
    extra = {"cn": "Print Service", "sn": "Service"} if "inetOrgPerson" in classes else {}
    assert conn.add(dn, classes, dict(extra, **{rdn: value, "description": "the print service's login"})), conn.result
    conn.unbind()
    check = provision(ws, check=True)
    assert check.plan["incremental"]["mode"] == "incremental", check.plan["incremental"]
    plain = provision(ws, check=True, incremental={})
    assert plan_of(check) == plan_of(plain)
    creates = [a for a in check.plan["actions"] if a["action"] == "create"]
    assert [a["person"] for a in creates] == ["AmirA2"] and creates[0]["dn"].lower() != dn.lower(), creates
    run = provision(ws)
    assert run.plan["actions"] == check.plan["actions"] and not run.plan["failures"], run.plan["failures"]
    after = connect(ws.directory)
    assert after.search(dn, "(objectClass=*)", search_scope=ldap3.BASE, attributes=["description"]), after.result
    assert [str(v) for v in after.entries[0]["description"].values] == ["the print service's login"]
    after.unbind()
    assert not provision(ws).plan["actions"]
