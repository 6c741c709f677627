"""The fault corpus: bad HR input of every kind, through real `collect.yml` runs against the demo's
two sources (the vendor's HelloID CSV export and ACME's paginated API on a real local HTTP server).

Each case breaks one thing. A case that must stop the collect asserts the previous vault is
byte-identical and the message names the problem; a case that may go on asserts that nobody of
the previous vault vanished and that the persons the case touches keep their previous record.
Counted by `test_the_corpus_is_big_enough` (the README's Reliability section quotes the figures).
"""

import copy
import json
import os
import shutil

import pytest
import yaml

from hr_api import running_hr_api
from jml_workspace import ACME_TOKEN, ROOT, Workspace

DEMO_SOURCES = yaml.safe_load((ROOT / "inventories/demo/group_vars/all/collect.yml").read_text())["jml_sources"]
ACME = json.loads((ROOT / "inventories/demo/hr/acme/employees.json").read_text(encoding="utf-8"))
PERSONS, CONTRACTS = "T4E_HELLOID_Persons.csv", "T4E_HelloID_Contracts.csv"
ENCODINGS = {PERSONS: "utf-8", CONTRACTS: "utf-8-sig"}


# ---- how a case breaks the input ----------------------------------------------------------------

def text_edit(name, change):
    def edit(ws, ctx):
        path = ws.hr / name
        path.write_text(change(path.read_text(encoding=ENCODINGS[name])), encoding=ENCODINGS[name])
    return edit


def bytes_edit(name, change):
    def edit(ws, ctx):
        path = ws.hr / name
        path.write_bytes(change(path.read_bytes()))
    return edit


def row_edit(name, person, change):
    """``change(fields) -> fields`` on the row(s) of ``person`` (first field)."""
    def lines(text):
        out = []
        for line in text.split("\n"):
            fields = line.split(";")
            out.append(";".join(change(list(fields))) if fields[0] == person else line)
        return "\n".join(out)
    return text_edit(name, lines)


def column(name, column_name):
    header = (ROOT / "inventories/demo/hr/helloid" / name).read_text(encoding="utf-8-sig").split("\n")[0]
    return header.split(";").index(column_name)


def set_field(name, person, column_name, value):
    index = column(name, column_name)

    def change(fields):
        fields[index] = value
        return fields
    return row_edit(name, person, change)


def sources_edit(change):
    def edit(ws, ctx):
        sources = copy.deepcopy(DEMO_SOURCES)
        change(sources)
        ws.set_vars(jml_sources=sources)
    return edit


def acme(faults=None, persons=None, style="next_link", token=ACME_TOKEN, **source_changes):
    """ACME's API for this case: its own faults, records or pagination."""
    def edit(ws, ctx):
        api = running_hr_api(persons if persons is not None else ACME, style=style, page_size=2,
                             auth={"type": "bearer", "token": ACME_TOKEN}, faults=faults or {})
        ctx["apis"].append(api)
        served = api.__enter__()
        ws.set_vars(jml_demo_connection=dict(ws.vars["jml_demo_connection"], acme_url=served.url, acme_token=token))
        if source_changes or style != "next_link":
            sources = copy.deepcopy(DEMO_SOURCES)
            sources[1].update(source_changes)
            if style != "next_link":
                sources[1]["persons"]["pagination"] = {"style": "cursor", "cursor_param": "cursor",
                                                       "cursor_path": "next_cursor"}
            ws.set_vars(jml_sources=sources)
    return edit


def acme_record(index, **fields):
    records = copy.deepcopy(ACME)
    for key, value in fields.items():
        if value is None:
            records[index].pop(key, None)
        else:
            records[index][key] = value
    return records


def remove(name):
    return lambda ws, ctx: (ws.hr / name).unlink()


# ---- the cases ----------------------------------------------------------------------------------
# (id, how, expect, pattern, persons that must keep their previous record)
FAIL, GOES_ON = "fails", "goes on"

CSV = [
    ("persons-missing", remove(PERSONS), FAIL, "T4E_HELLOID_Persons.csv: cannot read", ()),
    ("contracts-missing", remove(CONTRACTS), FAIL, "T4E_HelloID_Contracts.csv: cannot read", ()),
    ("persons-empty-file", bytes_edit(PERSONS, lambda b: b""), FAIL, "the file is empty", ()),
    ("persons-header-only", bytes_edit(PERSONS, lambda b: b.split(b"\n")[0] + b"\n"), FAIL,
     "", ()),
    ("contracts-header-only", bytes_edit(CONTRACTS, lambda b: b.split(b"\n")[0] + b"\n"), FAIL,
     "helloid (its contracts file)", ()),
    ("persons-directory", lambda ws, ctx: ((ws.hr / PERSONS).unlink(), (ws.hr / PERSONS).mkdir()), FAIL,
     "cannot read", ()),
    ("duplicate-header-column", text_edit(PERSONS, lambda t: t.replace("NickName;", "Initials;", 1)), FAIL,
     "appears twice in the header", ()),
    ("mapped-column-renamed", text_edit(PERSONS, lambda t: t.replace("LastName", "Surname", 1)), FAIL,
     "LastName", ()),
    ("wrong-delimiter", text_edit(PERSONS, lambda t: t.replace(";", ",")), FAIL, "", ()),
    ("row-cut-short", row_edit(PERSONS, "KatoB", lambda f: f[:6]), GOES_ON,
     "has 6 fields where the header has 23", ("KatoB",)),
    ("contract-row-cut-short", row_edit(CONTRACTS, "BurtonL", lambda f: f[:5]), GOES_ON,
     "has 5 fields where the header has 13", ("BurtonL",)),
    ("last-line-cut-mid-field", bytes_edit(CONTRACTS, lambda b: b[:b.rindex(b";1;EN_HR")]), GOES_ON,
     "has 9 fields where the header has 13", ("MaryjoM",)),
    ("row-with-extra-field", row_edit(PERSONS, "ClaireS", lambda f: f[:3] + ["x"] + f[3:]), GOES_ON,
     "has 24 fields where the header has 23", ("ClaireS",)),
    ("unbalanced-quote", row_edit(PERSONS, "BethanyC", lambda f: [f[0], '"' + f[1]] + f[2:]), FAIL,
     "starts on line 3", ()),
    ("nul-byte-unmapped-column", bytes_edit(PERSONS, lambda b: b.replace(b"Kenosha", b"Ken\x00osha", 1)), GOES_ON,
     "", ()),
    ("invalid-utf8", bytes_edit(PERSONS, lambda b: b.replace("Øyvind".encode(), b"\xd8yvind", 1)), FAIL,
     "cannot decode as utf-8", ()),
    ("utf16-file", lambda ws, ctx: (ws.hr / PERSONS).write_bytes(
        (ws.hr / PERSONS).read_text(encoding="utf-8").encode("utf-16")), FAIL, "cannot decode", ()),
    ("crlf-line-ends", bytes_edit(PERSONS, lambda b: b.replace(b"\n", b"\r\n")), GOES_ON, "", ()),
    ("trailing-blank-lines", bytes_edit(CONTRACTS, lambda b: b + b"\n\n\n"), GOES_ON, "", ()),
    ("bom-in-persons-file", bytes_edit(PERSONS, lambda b: b"\xef\xbb\xbf" + b), GOES_ON, "", ()),
    ("date-not-a-date", set_field(CONTRACTS, "BiancaM", "ContractStartDate", "32-13-2020"), GOES_ON,
     "contract.start", ("BiancaM",)),
    ("date-iso-in-dmy-file", set_field(CONTRACTS, "BrianS", "ContractStartDate", "2020-01-05"), GOES_ON,
     "", ("BrianS",)),
    ("date-text", set_field(CONTRACTS, "GabrielL", "ContractEndDate", "soon"), GOES_ON, "", ("GabrielL",)),
    ("required-field-empty", set_field(PERSONS, "HollyM", "LastName", ""), GOES_ON, "", ("HollyM",)),
    ("duplicate-person-id", row_edit(PERSONS, "JessicaS", lambda f: ["KaitlinH"] + f[1:]), FAIL,
     "duplicate person id 'KaitlinH'", ()),
    ("duplicate-id-other-case", row_edit(PERSONS, "JessicaS", lambda f: ["kaitlinh"] + f[1:]), FAIL,
     "ids that differ only in case are one key", ()),
    ("id-blank", row_edit(PERSONS, "LacotaB", lambda f: ["   "] + f[1:]), GOES_ON, "", ("LacotaB",)),
    ("contract-for-unknown-person", text_edit(CONTRACTS, lambda t: t.rstrip("\n") + "\nNOBODY;1;Internal;1;40;1-1-2020;;;;1;EN;EN;Profit"),
     GOES_ON, "no person with this key", ()),
    ("contract-key-empty", row_edit(CONTRACTS, "LeonardP", lambda f: [""] + f[1:]), GOES_ON, "",
     ("LeonardP",)),
    ("manager-unknown", set_field(CONTRACTS, "LoisC", "Manager", "NOSUCHPERSON"), GOES_ON, "", ()),
    ("manager-is-self", set_field(CONTRACTS, "NathanY", "Manager", "NathanY"), GOES_ON, "", ()),
    ("huge-field", set_field(PERSONS, "OlegF", "Street", "x" * 100000), GOES_ON, "", ()),
    ("unknown-department-code", set_field(CONTRACTS, "OrsonR", "OrganizationalUnit", "NOPE"), GOES_ON, "", ()),
    ("all-rows-shifted", text_edit(PERSONS, lambda t: "\n".join(
        [t.split("\n")[0]] + [line + ";extra" for line in t.split("\n")[1:] if line])), FAIL,
     "rows rejected, more than max_rejected", ()),
    ("persons-file-swapped-with-contracts", lambda ws, ctx: shutil.copy(ws.hr / CONTRACTS, ws.hr / PERSONS), FAIL,
     "", ()),
]

JSON_AND_HTTP = [
    ("http-401-wrong-token", acme(token="not-the-token"), FAIL, "401", ()),
    ("http-401-on-page-2", acme(faults={2: "401"}), FAIL, "page 2", ()),
    ("http-500-always", acme(faults={2: "500"}), FAIL, "500", ()),
    ("http-500-once-retried", acme(faults={2: "500-once"}, backoff=0.01), GOES_ON, "", ()),
    ("http-429-once-retried", acme(faults={2: "429-once"}), GOES_ON, "", ()),
    ("http-html-instead-of-json", acme(faults={1: "html"}), FAIL, "page 1", ()),
    ("http-truncated-json", acme(faults={2: "malformed"}), FAIL, "malformed JSON", ()),
    ("http-slower-than-timeout", acme(faults={2: "slow:3"}, timeout=1, retries=0), FAIL, "page 2", ()),
    ("http-time-budget", acme(faults={2: "slow:1.5"}, time_budget=1.0), FAIL, "time_budget", ()),
    ("http-pagination-loop", acme(faults={3: "loop"}), FAIL, "loop", ()),
    ("http-page-repeats", acme(faults={2: "repeat"}), FAIL, "the same records as page 1", ()),
    ("http-max-pages", acme(max_pages=2), FAIL, "more than 2 pages", ()),
    ("http-unreachable", lambda ws, ctx: ws.set_vars(jml_demo_connection=dict(
        ws.vars["jml_demo_connection"], acme_url="http://127.0.0.1:9/api/persons")), FAIL, "page 1", ()),
    ("http-empty-list", acme(persons=[]), FAIL, "source(s) acme read no person", ()),
    ("json-record-not-an-object", acme(persons=ACME[:2] + ["not a record"] + ACME[3:]), GOES_ON, "", ()),
    ("json-jobs-not-a-list", acme(persons=acme_record(1, jobs="none")), GOES_ON, "jobs", ("AC-1002",)),
    ("json-id-missing", acme(persons=acme_record(3, employeeId=None)), FAIL, "whose it is cannot be told", ()),
    ("json-id-missing-allowed", acme(persons=acme_record(3, employeeId=None), max_rejected="1"), GOES_ON, "",
     ("AC-1004",)),
    ("json-id-a-number", acme(persons=acme_record(3, employeeId=1004)), GOES_ON, "", ()),
    ("json-date-garbage", acme(persons=acme_record(4, jobs=[{"startDate": "yesterday", "department": "ACME_OPS"}])),
     GOES_ON, "", ()),
    ("json-disallowed-department", acme(persons=acme_record(0, jobs=[
        {"startDate": "2024-03-01", "endDate": None, "department": "ACME_SECRET", "jobTitle": "x", "manager": None}])),
     GOES_ON, "contract.department.code", ("AC-1001",)),
    ("json-records-path-wrong", sources_edit(lambda s: s[1]["persons"].update(records="items")), FAIL, "items", ()),
    ("json-file-malformed", sources_edit(lambda s: s.__setitem__(1, dict(
        s[1], type="json", persons={"path": str(ROOT / "README.md"), "records": "data", "contracts_field": "jobs"},
        auth=None))), FAIL, "", ()),
]


def _all_cases():
    return [pytest.param(*case, id=case[0]) for case in CSV + JSON_AND_HTTP]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """One clean collect of both sources: the vault every case starts from (the same vault secret)."""
    work = tmp_path_factory.mktemp("corpus-baseline")
    with running_hr_api(ACME, style="next_link", page_size=2, auth={"type": "bearer", "token": ACME_TOKEN}) as api:
        ws = Workspace(work, None, api, ACME_TOKEN)
        run = ws.play("collect.yml")
        assert run.rc == 0, run
    return ws.vault.read_bytes(), ws.vault_document()


@pytest.mark.parametrize("name, break_it, expect, pattern, keep", _all_cases())
def test_bad_input_loses_nothing(baseline, tmp_path, name, break_it, expect, pattern, keep):
    vault_bytes, previous = baseline
    ctx = {"apis": []}
    with running_hr_api(ACME, style="next_link", page_size=2, auth={"type": "bearer", "token": ACME_TOKEN}) as api:
        ws = Workspace(tmp_path, None, api, ACME_TOKEN)
        ws.vault.write_bytes(vault_bytes)
        os.chmod(ws.vault, 0o600)
        try:
            break_it(ws, ctx)
            run = ws.play("collect.yml", verbosity=1)  # -v: every rejected row with file, row and field
        finally:
            for started in ctx["apis"]:
                started.__exit__(None, None, None)
    assert "\x00" not in run.output and "\ufeff" not in run.output, "invisible characters in a message"
    assert pattern in run.text, run
    if expect == FAIL:
        assert run.rc != 0, run
        assert ws.vault.read_bytes() == vault_bytes, "a failing collect must leave the vault byte-identical"
        return
    assert run.rc == 0, run
    now = ws.vault_document()["persons"]
    vanished = sorted(set(previous["persons"]) - set(now))
    assert vanished == [] or name == "json-id-a-number", vanished  # (an id that changed in HR)
    for pid in keep:
        assert now[pid] == previous["persons"][pid], "%s must keep the previous record" % pid


def test_the_corpus_is_big_enough():
    """The issue asks for at least 60 bad-input cases (with the injection, kill, overlap, forged
    vault and -vvvv cases in test_hostile.py and test_injection.py)."""
    assert len(CSV) + len(JSON_AND_HTTP) >= 55
