# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The export's pure parts: parsing (and its errors), rendering, applying operations to rows."""

from __future__ import annotations

import json

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.provision.plan import Operation
from ansible_collections.jml.provisioning.plugins.module_utils.targets.file import export as ex

COLUMNS = ["username", "employee_id", "display_name", "active", "groups"]


def layout(file_format="csv", **kw):
    kw.setdefault("groups", "groups")
    return ex.Layout(COLUMNS if kw["groups"] else COLUMNS[:-1], "username", "employee_id", "active",
                     file_format=file_format, name="/x/export." + file_format, **kw)


CSV = ("username,employee_id,display_name,active,groups\n"
       "jan.jansen,1001,Jan Jansen,true,staff;sales\n"
       "\"svc, backup\",,Backup  service,true,\n"
       "ann.smit,1002,Ann Smit,false,\n")


def test_csv_rows_are_accounts_under_a_pseudo_dn_and_unmanaged_rows_too():
    export = ex.parse(CSV, layout())
    accounts = ex.accounts(export, layout())
    assert [a.dn for a in accounts] == ["username=jan.jansen,ou=accounts,o=file",
                                        "username=svc\\, backup,ou=accounts,o=file",
                                        "username=ann.smit,ou=accounts,o=file"]
    assert accounts[0].attrs["groups"] == ["staff", "sales"]
    assert accounts[0].attrs["display_name"] == ["Jan Jansen"]
    assert accounts[1].attrs["employee_id"] == []  # no anchor: nobody's, uncorrelated
    assert accounts[2].first("active") == "false"


def test_members_are_the_rows_that_name_the_group_case_insensitively():
    export = ex.parse(CSV.replace("staff;sales", "Staff; sales"), layout())
    groups = {"cn=staff,ou=groups,o=file": "cn=staff,ou=groups,o=file",
              "cn=ict,ou=groups,o=file": "cn=ict,ou=groups,o=file"}
    found = ex.members(export, layout(), groups)
    assert found["cn=staff,ou=groups,o=file"] == {"dn": "cn=staff,ou=groups,o=file", "exists": True,
                                                  "members": ["username=jan.jansen,ou=accounts,o=file"]}
    assert found["cn=ict,ou=groups,o=file"]["members"] == [] and found["cn=ict,ou=groups,o=file"]["exists"]


@pytest.mark.parametrize("text, message", [
    ("username;employee_id\njan;1\n", "no 'username' column"),
    ("username,employee_id,display_name,active,groups\njan,1,Jan\n", "line 2: 3 fields where the header has 5"),
    ("username,employee_id,display_name,active,groups\n\"jan,1,Jan,true,\n", "not CSV as configured"),
    ("username,employee_id,display_name,active,groups\n,1001,Jan,true,\n", "line 2: employee_id 1001 has no username"),
    ("username,employee_id,display_name,active,groups\njan,1,J,true,\nJAN,2,J,true,\n", "line 3: username JAN is also on line 2"),
])
def test_a_csv_export_that_cannot_be_parsed_names_the_file_and_line(text, message):
    with pytest.raises(ex.ExportError) as caught:
        ex.parse(text, layout())
    assert message in str(caught.value) and "/x/export.csv" in str(caught.value)


@pytest.mark.parametrize("text, message", [
    ('{"username": "jan"}\nnot json\n', "line 2: not JSON"),
    ('["jan"]\n', "line 1: a JSON object per line expected"),
])
def test_a_jsonl_export_that_cannot_be_parsed_names_the_line(text, message):
    with pytest.raises(ex.ExportError, match=message):
        ex.parse(text, layout("jsonl"))


def test_a_missing_or_empty_export_is_an_empty_target():
    assert ex.parse(None, layout()).rows == [] and ex.parse("\n", layout("jsonl")).rows == []


def op(action, login, modifications=None, new=None, group=None, person="1001"):
    dn = "username=%s,ou=accounts,o=file" % login
    return Operation(action, person, dn, "test", modifications=modifications,
                     new_dn="username=%s,ou=accounts,o=file" % new if new else None,
                     group="cn=%s,ou=groups,o=file" % group if group else None)


def test_apply_create_update_disable_rename_delete_grant_revoke_keeps_unmanaged_rows_byte_for_byte():
    text = CSV.replace("Backup  service", "\"Backup  service\"")  # quoted by hand: not how the writer quotes
    export = ex.parse(text, layout())
    operations = [
        op("move", "jan.jansen", new="jan.jansen2"),
        op("disable", "ann.smit", {"active": ["false"]}, person="1002"),  # already false: a no-op cell write
        op("create", "piet.puk", {"username": ["piet.puk"], "employee_id": ["1003"], "display_name": ["Piet Puk"],
                                  "active": ["true"], "objectClass": []}, person="1003"),
        op("update", "jan.jansen2", {"display_name": ["Jan Jansen-Smit"]}),
        op("grant", "piet.puk", group="staff", person="1003"),
        op("revoke", "jan.jansen", group="sales"),  # the DN the group held, before the rename
    ]
    applied = ex.apply(export, operations, layout())
    assert applied.failures == [] and len(applied.done) == 6
    out = ex.render(applied.export, layout())
    lines = out.splitlines(True)
    assert lines[0] == "username,employee_id,display_name,active,groups\n"
    assert lines[1] == "jan.jansen2,1001,Jan Jansen-Smit,true,staff\n"
    assert lines[2] == "\"svc, backup\",,\"Backup  service\",true,\n"  # as it was typed
    assert lines[4] == "piet.puk,1003,Piet Puk,true,staff\n"
    assert [(a, r.cells["username"]) for a, r in applied.delta] == [
        ("update", "jan.jansen2"), ("disable", "ann.smit"), ("create", "piet.puk")]
    delta = ex.render(ex.delta_export(applied, layout()), layout())
    assert delta.splitlines()[0] == "action,username,employee_id,display_name,active,groups"
    assert delta.splitlines()[3] == "create,piet.puk,1003,Piet Puk,true,staff"

    deleted = ex.apply(ex.parse(out, layout()), [op("delete", "ann.smit", person="1002")], layout())
    assert "ann.smit" not in ex.render(deleted.export, layout())
    assert [a for a, r in deleted.delta] == ["delete"]


def test_an_unchanged_plan_renders_the_same_text():
    export = ex.parse(CSV, layout())
    assert ex.render(ex.apply(export, [], layout()).export, layout()) == CSV


def test_blank_lines_stay_where_they_are():
    text = CSV.replace("ann.smit", "\nann.smit")
    export = ex.parse(text, layout())
    assert len(ex.accounts(export, layout())) == 3
    applied = ex.apply(export, [op("update", "ann.smit", {"display_name": ["Ann"]}, person="1002")], layout())
    assert ex.render(applied.export, layout()) == text.replace("Ann Smit", "Ann")
    jsonl = '{"username": "a", "employee_id": "1"}\n\n{"username": "b"}\n'
    assert ex.render(ex.apply(ex.parse(jsonl, layout("jsonl")), [], layout("jsonl")).export, layout("jsonl")) == jsonl


def test_a_file_without_final_newline_gets_one_before_an_appended_row():
    export = ex.parse(CSV.rstrip("\n"), layout())
    create = op("create", "piet.puk", {"username": ["piet.puk"], "employee_id": ["1003"], "active": ["true"]}, person="1003")
    out = ex.render(ex.apply(export, [create], layout()).export, layout())
    assert out.endswith("ann.smit,1002,Ann Smit,false,\npiet.puk,1003,,true,\n")


def test_a_failing_operation_skips_the_later_ones_of_the_same_account_only():
    export = ex.parse(CSV, layout())
    applied = ex.apply(export, [op("update", "nobody", {"display_name": ["x"]}, person="9"),
                                op("grant", "nobody", group="staff", person="9"),
                                op("update", "ann.smit", {"display_name": ["Ann"]}, person="1002")], layout())
    assert [f["error"][:22] for f in applied.failures] == ["no row of /x/export.cs", "skipped: an earlier op"]
    assert [o.person for o in applied.done] == ["1002"]


def test_a_create_where_a_row_holds_the_login_fails():
    applied = ex.apply(ex.parse(CSV, layout()), [op("create", "ann.smit", {"username": ["ann.smit"]}, person="7")], layout())
    assert "already there" in applied.failures[0]["error"]


def test_a_new_managed_column_rewrites_the_header_and_keeps_other_columns():
    text = "username,employee_id,phone\njan.jansen,1001,+31 6\n,,x\n"
    lay = layout(groups=None)
    export = ex.parse(text, lay)
    applied = ex.apply(export, [op("update", "jan.jansen", {"display_name": ["Jan"]})], lay)
    assert ex.render(applied.export, lay) == ("username,employee_id,display_name,active,phone\n"
                                              "jan.jansen,1001,Jan,,+31 6\n,,,,x\n")


def test_csv_dialect_semicolon_and_quote_all():
    lay = layout(delimiter=";", quoting="all", group_separator="|")
    create = op("create", "jan", {"username": ["jan"], "employee_id": ["1"], "display_name": ["A;B"], "active": ["true"]})
    applied = ex.apply(ex.parse(None, lay), [create, op("grant", "jan", group="staff"), op("grant", "jan", group="ict")], lay)
    out = ex.render(applied.export, lay)
    assert out == ('"username";"employee_id";"display_name";"active";"groups"\n'
                   '"jan";"1";"A;B";"true";"ict|staff"\n')
    assert ex.accounts(ex.parse(out, lay), lay)[0].attrs["groups"] == ["ict", "staff"]


def test_jsonl_rows_carry_lists_booleans_and_null_and_read_back_the_same():
    lay = layout("jsonl")
    create = op("create", "jan", {"username": ["jan"], "employee_id": ["1"], "display_name": ["Jan"],
                                  "active": ["false"], "objectClass": ["x"]})
    applied = ex.apply(ex.parse('{"username": "svc", "note": 1}\n', lay),
                       [create, op("grant", "jan", group="staff")], lay)
    out = ex.render(applied.export, lay)
    first, second = out.splitlines()
    assert first == '{"username": "svc", "note": 1}'
    assert json.loads(second) == {"username": "jan", "employee_id": "1", "display_name": "Jan", "active": False,
                                  "groups": ["staff"]}
    account = ex.accounts(ex.parse(out, lay), lay)[1]
    assert account.attrs["active"] == ["false"] and account.attrs["groups"] == ["staff"]


@pytest.mark.parametrize("kw, message", [
    (dict(delimiter=";;"), "one character"),
    (dict(group_separator=","), "differ from csv.delimiter"),
    (dict(quoting="none"), "csv.quoting"),
])
def test_a_bad_dialect_is_refused(kw, message):
    with pytest.raises(ex.ExportError, match=message):
        layout(**kw)
