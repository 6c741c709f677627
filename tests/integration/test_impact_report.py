"""The impact evaluation end to end: playbooks/evaluate.yml as a real ansible-playbook run against a
real slapd, the reports it writes, and the HTML report in real headless Chromium.

Every case checks that the evaluation wrote nothing to the directory (no entry's entryCSN moved).
"""

import csv
import datetime
import json
import stat
from html.parser import HTMLParser

import chromium

TARGET = "demo_openldap"
FILES = ("impact.json", "impact.md", "impact.html")
EVIL = "<b>Bold</b>"  # a family name that must reach the reports as text, never as markup


def csns(instance):
    """entryCSN of every entry of the directory (accounts, groups, containers), read with ldap3 directly."""
    import ldap3
    conn = ldap3.Connection(ldap3.Server(instance.ldap_uri, get_info=ldap3.NONE), instance.bind_dn,
                            instance.bind_password, auto_bind=True)
    entries = conn.extend.standard.paged_search(instance.base_dn, "(objectClass=*)", attributes=["entryCSN"],
                                                paged_size=500, generator=False)
    found = dict((e["dn"], e["raw_attributes"]["entryCSN"][0]) for e in entries if e.get("type") == "searchResEntry")
    conn.unbind()
    return found


def _accounts(instance):
    return [dn for dn in csns(instance) if dn.startswith("uid=")]


def _hr_change(hr, today, family="de Vries"):
    """A joiner (NoahV, starts today) and a leaver (SummerH, last contract ended yesterday)."""
    fmt = "{d.day}-{d.month}-{d.year}".format
    persons = hr / "T4E_HELLOID_Persons.csv"
    ends_with_newline = persons.read_bytes().endswith(b"\n")
    with open(persons, "a", encoding="utf-8") as handle:
        handle.write(("" if ends_with_newline else "\n")
                     + "NoahV;9100001;N.;Noah;Noah;;%s;;;M;;;0;;;;;;;;;Noah.V@domain.local;FALSE\n" % family)
    path = hr / "T4E_HelloID_Contracts.csv"
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    for row in rows[1:]:
        if row[0] == "SummerH":
            row[6] = fmt(d=today - datetime.timedelta(days=1))
    rows.append(["NoahV", "1", "Internal", "1", "40", fmt(d=today), "", "BethanyC", "", "1", "EN_ICT", "EN_MANA",
                 "Profit"])
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\n").writerows(rows)


def _reports(folder):
    for name in FILES:
        path = folder / name
        assert path.is_file(), "%s was not written" % path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, "%s holds personal data: it must be 0600" % name
    return (json.loads((folder / "impact.json").read_text(encoding="utf-8")),
            (folder / "impact.md").read_text(encoding="utf-8"),
            folder / "impact.html")


class _Tagged(HTMLParser):
    """The tagged numbers of a report page and the rows of its actions table (hidden or not)."""

    def __init__(self):
        HTMLParser.__init__(self)
        self.values, self.rows, self.target, self.open = {}, [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "data-target" in attrs:
            self.target = attrs["data-target"]
        if tag == "tr" and "data-action" in attrs:
            self.rows.append({"action": attrs["data-action"], "hidden": "hidden" in attrs})
        for name in ("data-summary", "data-visible-count", "data-chart-value", "data-correlation"):
            if name in attrs:
                self.open = [(self.target, name, attrs[name] or ""), ""]

    def handle_data(self, data):
        if self.open:
            self.open[1] += data

    def handle_endtag(self, tag):
        if self.open:
            self.values[self.open[0]] = self.open[1].strip()
            self.open = None


def _recap(run, host):
    """The PLAY RECAP counters of one host, e.g. {'ok': 3, 'changed': 0, ...}."""
    line = [text for text in run.output.split("PLAY RECAP")[-1].splitlines() if text.startswith(host + " ")][0]
    return dict((key, int(value)) for key, value in (item.split("=") for item in line.split(":", 1)[1].split()))


def _page(dom):
    parser = _Tagged()
    parser.feed(dom)
    return parser


def test_evaluate_reports_the_plan_and_writes_nothing(workspace, directory, tmp_path):
    assert workspace.play("site.yml").rc == 0
    _hr_change(workspace.hr, datetime.date.today())
    assert workspace.play("collect.yml").rc == 0
    before = csns(directory)
    report_dir = tmp_path / "report"
    workspace.set_vars(jml_report_dir=str(report_dir))

    run = workspace.play("evaluate.yml")
    assert run.rc == 0, run
    assert csns(directory) == before, "the evaluation wrote to the directory"
    document, markdown, dummy = _reports(report_dir)

    result = document["targets"][TARGET]
    assert result["check_mode"] is True
    assert result["summary"] == run.plan["summary"]
    assert result["actions"] == run.plan["actions"]
    accounts = [(a["action"], a["person"]) for a in result["actions"] if a["action"] not in ("grant", "revoke")]
    assert accounts == [("disable", "SummerH"), ("create", "NoahV")]
    assert document["exceeded"] == [] and document["errors"] == []

    assert markdown.startswith("# Impact report: demo\\_openldap, reference date %s\n" % datetime.date.today())
    assert "> **OK**: no threshold exceeded" in markdown
    assert "| disable | 1 | 6 | ok |" in markdown  # limit min(10, 20% of 33 managed accounts)
    assert "| create | NoahV | uid=noah.devries,ou=people,dc=example,dc=test |" in markdown
    for rule, change in result["rules"].items():  # business rules: who gains and who loses
        assert "| %s | %d | %d |" % (rule.replace("_", "\\_"), len(change["gain"]), len(change["lose"])) in markdown
    assert "Impact report %s" % (report_dir / "impact.json") in run.text

    (report_dir / "impact.md").unlink()
    checked = workspace.play("evaluate.yml", check=True)  # under --check too: the report is the point
    assert checked.rc == 0, checked
    assert (report_dir / "impact.md").read_text(encoding="utf-8") == markdown
    assert _recap(checked, "localhost")["changed"] == 1

    again = workspace.play("evaluate.yml")  # same plan, same reports: nothing changes
    assert again.rc == 0, again
    assert _recap(again, "localhost")["changed"] == 0
    assert csns(directory) == before


def test_evaluate_fails_when_a_threshold_would_be_exceeded_and_still_reports(workspace, directory, tmp_path):
    assert workspace.play("site.yml").rc == 0
    for name in ("T4E_HELLOID_Persons.csv", "T4E_HelloID_Contracts.csv"):  # an export truncated to its header
        path = workspace.hr / name
        path.write_bytes(path.read_bytes().splitlines(True)[0])
    workspace.set_vars(jml_collect_allow_threshold_override=True)
    assert workspace.play("collect.yml").rc == 0
    before = csns(directory)
    report_dir = tmp_path / "report"
    workspace.set_vars(jml_report_dir=str(report_dir))

    run = workspace.play("evaluate.yml")
    assert run.rc != 0, run
    assert "threshold exceeded on demo_openldap: disable 29 > 6" in run.text, run
    assert csns(directory) == before, "the evaluation wrote to the directory"
    document, markdown, dummy = _reports(report_dir)
    assert document["exceeded"] == [{"target": TARGET, "action": "disable", "count": 29, "limit": 6}]
    assert document["targets"][TARGET]["summary"]["disable"] == 29
    assert "> **Threshold EXCEEDED** on demo\\_openldap: disable 29 > limit 6." in markdown
    assert "| disable | 29 | 6 | **EXCEEDED** |" in markdown


def test_evaluate_fails_when_a_target_cannot_be_planned(workspace, directory, tmp_path):
    assert workspace.play("collect.yml").rc == 0
    no_dir = workspace.play("evaluate.yml")
    assert no_dir.rc != 0 and "set jml_report_dir" in no_dir.text

    report_dir = tmp_path / "report"
    down = dict(workspace.vars["jml_demo_connection"], ldaps_uri="ldaps://127.0.0.1:1")
    workspace.set_vars(jml_report_dir=str(report_dir), jml_demo_connection=down)
    run = workspace.play("evaluate.yml")
    assert run.rc != 0, run
    assert "no plan for demo_openldap" in run.text and "cannot connect to ldaps://127.0.0.1:1" in run.text
    document, markdown, dummy = _reports(report_dir)
    assert document["errors"][0]["target"] == TARGET
    assert "cannot connect to ldaps://127.0.0.1:1" in document["errors"][0]["msg"]
    assert "> **ERROR** on demo\\_openldap: the plan could not be built" in markdown
    assert _accounts(directory) == []


def test_html_report_in_headless_chromium(workspace, directory, tmp_path):
    chromium.require()
    _hr_change(workspace.hr, datetime.date.today(), family=EVIL)
    assert workspace.play("collect.yml").rc == 0
    report_dir = tmp_path / "report"
    workspace.set_vars(jml_report_dir=str(report_dir))
    run = workspace.play("evaluate.yml")
    assert run.rc == 0, run
    assert _accounts(directory) == [], "the evaluation wrote to the directory"
    document, markdown, html_file = _reports(report_dir)
    result = document["targets"][TARGET]
    assert any(EVIL in str(a["changes"].get("sn")) for a in result["actions"])  # the name reached the plan
    assert "<b>" not in markdown

    # The numbers the browser shows are the JSON's.
    page = _page(chromium.dump_dom(html_file))
    for key, count in result["summary"].items():
        assert page.values[(TARGET, "data-summary", key)] == str(count), key
        assert page.values[(TARGET, "data-chart-value", key)] == str(count), key
    assert page.values[(TARGET, "data-correlation", "correlated")] == str(result["correlation"]["correlated"])
    assert len(page.rows) == len(result["actions"]) > result["summary"]["create"] > 30
    assert not any(row["hidden"] for row in page.rows)
    assert page.values[(TARGET, "data-visible-count", "")] == str(len(result["actions"]))
    assert "<b>Bold</b>" not in page_html(html_file)

    # The filter box, set from the URL: only matching rows stay visible.
    wanted = [a for a in result["actions"] if "bianca" in json.dumps(a, ensure_ascii=False).lower()]
    assert 0 < len(wanted) < len(result["actions"])
    for address in ({"fragment": "q=bianca"}, {"query": "q=BIANCA"}):
        filtered = _page(chromium.dump_dom(html_file, **address))
        assert sum(not row["hidden"] for row in filtered.rows) == len(wanted), address
        assert filtered.values[(TARGET, "data-visible-count", "")] == str(len(wanted))
    by_action = _page(chromium.dump_dom(html_file, fragment="action=create"))
    assert sum(not row["hidden"] for row in by_action.rows) == result["summary"]["create"]
    assert all(row["hidden"] == (row["action"] != "create") for row in by_action.rows)

    # The evil name is text in the DOM after the script ran, never an element.
    dom = chromium.dump_dom(html_file, fragment="q=noah")
    assert "<b>Bold</b>" not in dom and "&lt;b&gt;Bold&lt;/b&gt;" in dom

    png = tmp_path / "impact.png"
    chromium.screenshot(html_file, png, 1280, 1600)
    assert png.stat().st_size > 10 * 1024
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def page_html(path):
    return path.read_text(encoding="utf-8")


def test_hostile_data_in_every_field_runs_no_script_in_chromium(tmp_path):
    """Script and HTML in every HR and directory datum (tests/support/hostile_report.py): in a real browser,
    after the page's own script ran, no payload ran and no element or attribute was added."""
    from ansible_collections.jml.provisioning.plugins.module_utils.report import impact as report
    from hostile_report import PWNED, base, benign, hostile, results, shape

    chromium.require()
    data, fields = results(hostile)
    html_file, twin_file = tmp_path / "hostile.html", tmp_path / "plain.html"
    html_file.write_text(report.render("html", data), encoding="utf-8")
    twin_file.write_text(report.render("html", results(benign)[0]), encoding="utf-8")
    # Fail fast: an alert() that ran would block headless Chromium until its timeout.
    page = page_html(html_file)
    assert page.count("<script") == 1 and "<img" not in page, "a payload reached the page as markup"

    dom, twin = shape(chromium.dump_dom(html_file)), shape(chromium.dump_dom(twin_file))
    assert ("body", ("data-filter", "data-filter-action", "data-ready")) in dom.elements  # the page's script ran
    assert not any(PWNED in names for dummy, names in dom.elements), "a payload ran in the browser"
    assert [tag for tag, dummy in dom.elements].count("script") == 1
    assert not any(tag in ("img", "b", "i") for tag, dummy in dom.elements)
    assert dom.elements == twin.elements  # the same elements and attributes as for plain text
    text = "\x00".join(dom.text)
    for field in fields:
        if base(field) != "uncorrelated":  # counted, never listed
            assert hostile(field).replace("\r\n", "\n") in text, field  # HTML parsing makes CR LF a LF

    # The filter, fed a payload from the URL: it matches text and still adds nothing.
    filtered = shape(chromium.dump_dom(html_file, fragment="q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"))
    assert not any(PWNED in names for dummy, names in filtered.elements)
    assert [tag for tag, dummy in filtered.elements].count("script") == 1
    assert [names for tag, names in filtered.elements if tag == "tr" and "data-action" in names
            and "hidden" in names] == []  # every action holds the payload: none hidden
