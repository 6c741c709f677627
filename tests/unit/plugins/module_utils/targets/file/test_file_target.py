# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The file target on the engine, without Ansible: options -> layout and config, then
``reconcile.run`` over an in-memory export through the whole lifecycle."""

from __future__ import annotations

import copy
import datetime

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.jml.provisioning.plugins.module_utils.options import FILE_ACCOUNTS_SPEC
from ansible_collections.jml.provisioning.plugins.module_utils.provision import reconcile
from ansible_collections.jml.provisioning.plugins.module_utils.provision.config import ConfigError
from ansible_collections.jml.provisioning.plugins.module_utils.targets.file import adapter, config as configlib

TODAY = datetime.date(2026, 12, 1)
OPTIONS = {
    "vault": "/unused/vault.json",
    "path": "/unused/export.csv",
    "username": {"candidates": ["person.name.given | lower ~ '.' ~ person.name.family | lower ~ (n if n > 1 else '')"],
                 "rename": True},
    "attributes": {"display_name": "person.name.display", "department": "contract.department.code",
                   "codes": "[contract.department.code, 'X']"},
    "lifecycle": {"delete_after_days": 30, "delete_accounts": True},
    "rules": [{"name": "sales", "when": "contract.department.code == 'SALES'", "groups": ["sales"]},
              {"name": "all", "when": "true", "groups": ["staff"]}],
}


def options(**changes):
    params = copy.deepcopy(OPTIONS)
    params.update(changes)
    result = ArgumentSpecValidator(FILE_ACCOUNTS_SPEC).validate(params)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def person(pid, given, family, start="2020-01-01", end=None, department="SALES"):
    return {"id": pid, "name": {"given": given, "family": family, "display": f"{given} {family}"},
            "contracts": [{"id": pid + "-1", "start": start, "end": end, "department": {"code": department}}]}


class Memory(object):
    def __init__(self, text=None):
        self.text, self.saves = text, 0

    def load(self, path):
        return self.text

    def save(self, path, text):
        self.text, self.saves = text, self.saves + 1


def run(persons, memory, today=TODAY, check_mode=False, **changes):
    layout, config = configlib.build(options(**changes))
    target = adapter.FileTarget(layout, "/tmp/export.csv", memory.load, memory.save)
    result, operations = reconcile.run(persons, config, target, today, check_mode=check_mode)
    return result


def test_a_file_holds_no_passwords_and_the_options_are_the_shared_ones():
    assert "initial_password" not in FILE_ACCOUNTS_SPEC and "connection" not in FILE_ACCOUNTS_SPEC
    for shared in ("vault", "anchor", "username", "attributes", "lifecycle", "rules", "thresholds", "alerts", "plan_file"):
        assert shared in FILE_ACCOUNTS_SPEC
    assert FILE_ACCOUNTS_SPEC["anchor"]["options"]["attribute"]["default"] == "employee_id"
    assert FILE_ACCOUNTS_SPEC["username"]["options"]["attribute"]["default"] == "username"


def test_the_default_columns_follow_the_mapping():
    layout, config = configlib.build(options())
    assert layout.columns == ["username", "employee_id", "display_name", "department", "codes", "active", "groups"]
    assert config.members_follow_renames and config.placeholder_member is None
    without_rules, dummy = configlib.build(options(rules=[]))
    assert without_rules.columns[-1] == "active" and without_rules.groups is None
    semicolon, dummy = configlib.build(options(csv={"delimiter": ";"}))
    assert semicolon.group_separator == "|"


@pytest.mark.parametrize("changes, message", [
    (dict(columns=["username", "employee_id"]), "missing: display_name"),
    (dict(attributes={"active": "true"}), "a column of its own"),
    (dict(attributes={"Display": "1", "display": "2"}), "named twice"),
    (dict(csv={"group_separator": ","}), "differ from csv.delimiter"),
    (dict(csv={"encoding": "klingon"}), "unknown encoding"),
    (dict(rules=[{"name": "x", "groups": ["cn=x,ou=groups,dc=example,dc=test"]}]), "is a DN; a file target's groups are names"),
    (dict(rules=[{"name": "x", "groups": ["a;b"]}]), "holds the group separator"),
])
def test_bad_columns_are_refused_before_anything_is_read(changes, message):
    with pytest.raises(ConfigError, match=message):
        configlib.build(options(**changes))


def test_joiner_rerun_mover_rename_leaver_delete_rehire():
    memory = Memory()
    persons = {"1001": person("1001", "Jan", "Jansen"), "1002": person("1002", "Ann", "Smit", start="2026-12-10")}
    first = run(persons, memory)
    assert first["summary"]["create"] == 2 and not first["failed"]
    assert memory.text == ("username,employee_id,display_name,department,codes,active,groups\n"
                           "ann.smit,1002,Ann Smit,SALES,SALES;X,false,sales;staff\n"
                           "jan.jansen,1001,Jan Jansen,SALES,SALES;X,true,sales;staff\n")
    again = run(persons, memory)
    assert again["changed"] is False and memory.saves == 1 and again["summary"]["unchanged"] == 2

    # Mover and rename: the login follows the name, the row keeps its place and its groups.
    persons["1001"] = person("1001", "Jan", "Bakker", department="ICT")
    moved = run(persons, memory)
    assert [a["action"] for a in moved["actions"]] == ["move", "update", "revoke"], moved["actions"]
    assert memory.text.splitlines()[2] == "jan.bakker,1001,Jan Bakker,ICT,ICT;X,true,staff"

    # Leaver: disabled and its groups revoked; after the retention: deleted; then rehired.
    persons["1001"] = person("1001", "Jan", "Bakker", end="2026-11-30", department="ICT")
    left = run(persons, memory)
    assert [a["action"] for a in left["actions"]] == ["disable", "revoke"]
    assert memory.text.splitlines()[2] == "jan.bakker,1001,Jan Bakker,ICT,ICT;X,false,"
    gone = run(persons, memory, today=datetime.date(2027, 1, 15))
    assert [(a["action"], a["person"]) for a in gone["actions"]] == [("enable", "1002"), ("delete", "1001")]
    assert "jan.bakker" not in memory.text and "ann.smit,1002,Ann Smit,SALES,SALES;X,true," in memory.text
    persons["1001"]["contracts"].append({"id": "1001-2", "start": "2027-02-01", "end": None,
                                         "department": {"code": "SALES"}})
    back = run(persons, memory, today=datetime.date(2027, 2, 1))
    assert "create" in [a["action"] for a in back["actions"]]
    assert "jan.bakker,1001,Jan Bakker,SALES,SALES;X,true,sales;staff" in memory.text.splitlines()


def test_check_mode_writes_nothing_and_plans_what_the_run_does():
    memory = Memory()
    persons = {"1001": person("1001", "Jan", "Jansen")}
    check = run(persons, memory, check_mode=True)
    assert memory.saves == 0 and check["changed"] is True
    real = run(persons, memory)
    assert real["actions"] == check["actions"] and memory.saves == 1


def test_a_vanished_row_is_disabled_and_a_hand_row_is_kept_and_its_login_taken():
    memory = Memory("username,employee_id,display_name,department,codes,active,groups\n"
                    "jan.jansen,9999,Old,SALES,SALES;X,true,staff\n"
                    "jan.jansen2,,Hand made,,,true,staff\n")
    result = run({"1001": person("1001", "Jan", "Jansen")}, memory)
    lines = memory.text.splitlines()
    assert lines[1] == "jan.jansen,9999,Old,SALES,SALES;X,false,"
    assert lines[2] == "jan.jansen2,,Hand made,,,true,staff"  # nobody's: untouched, and its login taken
    assert lines[3].startswith("jan.jansen3,1001,")
    assert result["correlation"]["uncorrelated_accounts"] == ["username=jan.jansen2,ou=accounts,o=file"]


def test_an_unwritable_folder_is_predicted_and_fails_every_operation(tmp_path):
    layout, config = configlib.build(options())
    memory = Memory()
    target = adapter.FileTarget(layout, str(tmp_path / "missing" / "export.csv"), memory.load, memory.save)
    result, dummy = reconcile.run({"1001": person("1001", "Jan", "Jansen")}, config, target, TODAY, check_mode=True)
    assert result["failed"] and all(f["predicted"] for f in result["failures"])
    assert "the folder %s does not exist" % (tmp_path / "missing") in result["failures"][0]["error"]


def test_a_save_that_fails_fails_the_whole_write():
    layout, config = configlib.build(options())

    def broken(path, text):
        raise OSError(28, "No space left on device")
    target = adapter.FileTarget(layout, "/tmp/export.csv", lambda path: None, broken)
    result, dummy = reconcile.run({"1001": person("1001", "Jan", "Jansen")}, config, target, TODAY)
    assert result["failed"] and result["applied"] == 0 and result["changed"] is False
    assert {f["error"] for f in result["failures"]} == {
        "the export could not be written: /tmp/export.csv: No space left on device; the previous export is unchanged"}


def test_an_attribute_a_rule_grants_is_a_column_of_its_own():
    rules = OPTIONS["rules"] + [{"name": "badge", "when": "contract.department.code == 'SALES'",
                                 "attributes": {"badge_level": "'2'"}}]
    layout, dummy = configlib.build(options(rules=rules))
    assert layout.columns == ["username", "employee_id", "display_name", "department", "codes", "badge_level",
                              "active", "groups"]
    memory = Memory()
    run({"1001": person("1001", "Jan", "Jansen"), "1002": person("1002", "Ann", "Smit", department="ICT")}, memory,
        rules=rules)
    assert memory.text.splitlines()[1:] == ["ann.smit,1002,Ann Smit,ICT,ICT;X,,true,staff",
                                            "jan.jansen,1001,Jan Jansen,SALES,SALES;X,2,true,sales;staff"]
    assert run({"1001": person("1001", "Jan", "Jansen"), "1002": person("1002", "Ann", "Smit", department="ICT")},
               memory, rules=rules)["changed"] is False
