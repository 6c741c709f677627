"""The impact report renderers over handmade results: JSON, Markdown, HTML; escaping, thresholds,
empty rules, several targets, truncation."""

import copy
import json
import re
from html.parser import HTMLParser

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.report import impact as report

EVIL = "<script>alert('x')</script> *bold* [link](http://evil.test) | @everyone"

RESULT = {
    "changed": True,
    "check_mode": True,
    "reference_date": "2026-11-26",
    "summary": {"create": 1, "update": 1, "move": 1, "enable": 0, "disable": 29, "delete": 0,
                "grant": 2, "revoke": 1, "unchanged": 4, "failed": 1},
    "actions": [
        {"action": "create", "person": "10023", "dn": "uid=jose.muller,ou=people,dc=example,dc=test",
         "changes": {"givenName": [None, "Jos\u00e9"], "cn": [None, EVIL]}, "reason": "joiner: contract 10023-1 starts"},
        {"action": "move", "person": "10024", "dn": "uid=an,ou=sales,dc=example,dc=test",
         "new_dn": "uid=an,ou=ict,dc=example,dc=test", "changes": {}, "reason": "mover"},
        {"action": "update", "person": "10025", "dn": "uid=bo,ou=people,dc=example,dc=test",
         "changes": {"title": ["Clerk", "Manager"]}, "reason": "attributes changed"},
        {"action": "disable", "person": "10026", "dn": "uid=cy,ou=people,dc=example,dc=test",
         "changes": {"pwdAccountLockedTime": [None, "000001010000Z"]}, "reason": "leaver: ended 2026-11-25"},
    ],
    "actions_truncated": 28,
    "correlation": {"correlated": 33, "uncorrelated_persons": ["10023"],
                    "uncorrelated_accounts": ["uid=svc,ou=people,dc=example,dc=test"], "vanished": [],
                    "conflicts": [{"person": "10099", "accounts": ["uid=a,dc=x", "uid=b,dc=x"],
                                   "anchor": "employeeNumber", "problem": "one person, several accounts"}]},
    "rules": {"vpn-users": {"gain": ["10023", "10024"], "lose": ["10026"]}},
    "thresholds": {"disable": {"count": 29, "limit": 6, "exceeded": True},
                   "delete": {"count": 0, "limit": 0, "exceeded": False}},
    "failed": [{"person": None, "action": "threshold", "dn": None, "error": "threshold exceeded: disable 29 > 6"}],
    "_ansible_no_log": False,
    "diff": [{"before": "", "after": "x"}],
}

CALM = dict(copy.deepcopy(RESULT), rules={}, actions_truncated=0, failed=[],
            thresholds={"disable": {"count": 1, "limit": 10, "exceeded": False}},
            summary={"create": 2, "update": 0, "move": 0, "enable": 1, "disable": 1, "delete": 0,
                     "grant": 0, "revoke": 0, "unchanged": 10, "failed": 0})

DOWN = {"failed": True, "msg": "ldap_accounts: cannot connect to ldaps://127.0.0.1:1; nothing was written"}


class Tagged(HTMLParser):
    """(section target, data-attribute, value) -> the element's text, for every tagged element."""

    NUMBERS = ("data-summary", "data-total", "data-overview", "data-chart-value", "data-threshold-count",
               "data-threshold-limit", "data-threshold-exceeded", "data-rule-gain", "data-rule-lose",
               "data-correlation", "data-visible-count", "data-actions-listed", "data-actions-total",
               "data-actions-unlisted", "data-failed-count", "data-target-count")

    def __init__(self):
        HTMLParser.__init__(self)
        self.values, self.target, self.open, self.rows = {}, None, [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "data-target" in attrs:
            self.target = attrs["data-target"]
        if tag == "tr" and "data-action" in attrs:
            self.rows.append((self.target, attrs["data-action"], "hidden" in attrs))
        for name in self.NUMBERS:
            if name in attrs:
                self.open.append([(self.target, name, attrs[name] or ""), ""])

    def handle_endtag(self, tag):
        if self.open and tag in ("td", "th", "span", "text", "tspan"):
            key, text = self.open.pop()
            self.values[key] = text.strip()

    def handle_data(self, data):
        if self.open:
            self.open[-1][1] += data


def tagged(page):
    parser = Tagged()
    parser.feed(page)
    return parser


# ---- the model ------------------------------------------------------------------------------

def test_one_result_or_a_mapping_of_targets():
    assert [name for name, dummy in report.targets(RESULT, "ldap1")] == ["ldap1"]
    assert [name for name, dummy in report.targets(RESULT)] == ["target"]
    assert [name for name, dummy in report.targets({"b": CALM, "a": RESULT})] == ["a", "b"]
    assert report.targets({}) == []
    cleaned = report.targets(RESULT, "x")[0][1]
    assert "_ansible_no_log" not in cleaned and "diff" not in cleaned  # Ansible's envelope is dropped


def test_exceeded_errors_and_totals_over_targets():
    data = {"ldap1": RESULT, "ldap2": CALM, "ad": DOWN}
    assert report.exceeded(data) == [{"target": "ldap1", "action": "disable", "count": 29, "limit": 6}]
    assert report.errors(data) == [{"target": "ad", "msg": DOWN["msg"]}]
    assert report.totals(data)["create"] == 3 and report.totals(data)["unchanged"] == 14
    assert report.errors({"x": {"skipped": True, "changed": False}}) == [
        {"target": "x", "msg": "the planning task was skipped"}]


# ---- JSON -----------------------------------------------------------------------------------

def test_json_is_stable_sorted_and_complete():
    text = report.render_json({"ldap1": RESULT, "ad": DOWN})
    assert text == report.render_json({"ad": DOWN, "ldap1": copy.deepcopy(RESULT)})  # same input, same bytes
    document = json.loads(text)
    assert document["format"] == "jml.provisioning/impact/v1"
    assert list(document) == sorted(document)
    assert document["targets"]["ldap1"]["actions"] == RESULT["actions"]
    assert document["targets"]["ldap1"]["summary"] == RESULT["summary"]
    assert document["exceeded"] == [{"target": "ldap1", "action": "disable", "count": 29, "limit": 6}]
    assert document["errors"] == [{"target": "ad", "msg": DOWN["msg"]}]
    assert "<script>" in text  # JSON keeps the data as it is; escaping is the renderers' job


def test_a_registered_result_of_version_0_1_lost_its_failed_list():
    # 0.1.0 returned the list as 'failed', which register turns into true: the msg is all that is left.
    registered = dict(copy.deepcopy(CALM), failed=True, msg="ldap_accounts: 1 operation(s) failed")
    registered.pop("failures", None)
    document = json.loads(report.render_json(registered, "ldap1"))
    assert document["targets"]["ldap1"]["failed"] == [
        {"person": None, "action": None, "dn": None, "error": "ldap_accounts: 1 operation(s) failed"}]
    assert document["errors"] == []  # it has a plan
    assert "ldap\\_accounts: 1 operation(s) failed |" in report.render_markdown(registered, "ldap1")
    assert report.failures(dict(CALM, failed=False)) == []


def test_a_threshold_stop_is_no_failed_operation():
    stopped = dict(copy.deepcopy(RESULT), failed=True, failures=[], stopped={"reason": "threshold"},
                   msg="ldap_accounts: threshold exceeded (disable 29 > 6)")
    assert report.failures(stopped) == []
    assert json.loads(report.render_json(stopped, "ldap1"))["failures"] == []


def test_predicted_failures_are_listed_and_the_banner_is_never_green():
    predicted = [{"person": "10023", "action": "create", "dn": "CN=Jan Jansen,OU=Gone,DC=example,DC=test",
                  "error": "the container OU=Gone,DC=example,DC=test does not exist", "predicted": True}]
    result = dict(copy.deepcopy(CALM), failed=True, failures=predicted)
    markdown = report.render_markdown(result, "ad1")
    assert "**OK**" not in markdown
    assert "> **FAILURES**: 1 operation(s) would fail" in markdown
    assert "Failures (1)" in markdown and "OU=Gone" in markdown and "10023" in markdown
    html = report.render_html(result, "ad1")
    assert 'data-verdict="ok"' not in html and 'data-failures="1"' in html
    assert json.loads(report.render_json(result, "ad1"))["failures"] == [dict(predicted[0], target="ad1")]


# ---- Markdown -------------------------------------------------------------------------------

def test_markdown_title_totals_thresholds_rules_actions_correlation():
    text = report.render_markdown(RESULT, target="ldap1")
    assert text.startswith("# Impact report: ldap1, reference date 2026-11-26\n")
    assert "> **Threshold EXCEEDED** on ldap1: disable 29 > limit 6." in text
    assert "| disable | 29 | 6 | **EXCEEDED** |" in text
    assert "| delete | 0 | 0 | ok |" in text
    assert "| 1 | 0 | 1 | 1 | 29 | 0 | 2 | 1 | 4 | 1 |" in text  # the totals row, in the contract's order
    assert "| vpn-users | 2 | 1 | 10023, 10024 | 10026 |" in text
    assert "## Actions (32 planned, first 4 listed)" in text
    assert "uid=an,ou=sales,dc=example,dc=test &rarr; uid=an,ou=ict,dc=example,dc=test" in text
    assert "| create | 10023 | uid=jose.muller,ou=people,dc=example,dc=test | cn, givenName |" in text
    assert "_28 more action(s) not listed here" in text
    assert "| 33 | 1 | 1 | 0 | 1 |" in text  # correlation counts
    assert "one person, several accounts: person(s) 10099" in text
    assert "## Failures (1)" in text


def test_markdown_escapes_markdown_html_and_mentions():
    evil = dict(copy.deepcopy(CALM), actions=[{"action": "create", "person": EVIL, "dn": "uid=x|y", "changes": {},
                                               "reason": "line one\nline two"}])
    text = report.render_markdown(evil, target="<b>ldap</b>")
    assert "<script" not in text and "<b>" not in text
    assert "&lt;script&gt;" in text and "&lt;b&gt;ldap&lt;/b&gt;" in text
    assert "\\*bold\\*" in text and "\\[link\\]" in text and "&#64;everyone" in text and "@everyone" not in text
    assert "uid=x\\|y" in text  # a pipe cannot split the table cell
    row = [line for line in text.splitlines() if "uid=x" in line][0]
    assert len(re.findall(r"(?<!\\)\|", row)) == 6  # five cells, no more
    assert "line one line two" in text  # one row per action


def test_markdown_no_thresholds_no_rules_nothing_to_do():
    quiet = dict(copy.deepcopy(CALM), thresholds={}, rules={}, actions=[], changed=False,
                 summary=dict(CALM["summary"], create=0, enable=0, disable=0))
    text = report.render_markdown(quiet, target="ldap1")
    assert "_No thresholds configured._" in text
    assert "_No entitlement changes._" in text
    assert "_Nothing to do._" in text
    assert "> **OK**: no threshold exceeded" in text
    assert "EXCEEDED" not in text


def test_markdown_truncates_to_max_actions():
    many = dict(copy.deepcopy(CALM), actions=[dict(RESULT["actions"][2], person=str(i)) for i in range(120)])
    text = report.render_markdown(many, target="ldap1", max_actions=10)
    assert len([line for line in text.splitlines() if line.startswith("| update |")]) == 10
    assert "## Actions (120 planned, first 10 listed)" in text
    assert "_110 more action(s) not listed here" in text


def test_markdown_several_targets_overview_and_a_target_without_plan():
    text = report.render_markdown({"ldap2": CALM, "ldap1": RESULT, "ad": DOWN})
    assert text.startswith("# Impact report: 3 targets, reference date 2026-11-26\n")
    assert "> **ERROR** on ad: the plan could not be built: ldap\\_accounts: cannot connect" in text
    assert "| ad | **no plan** |" in text
    assert "| **total** | **3** | **1** | **1** | **1** | **30** |" in text
    assert text.index("## ad") < text.index("## ldap1") < text.index("## ldap2")  # name order
    assert "### Thresholds" in text


def test_markdown_without_targets():
    assert "No target was evaluated." in report.render_markdown({})


# ---- HTML -----------------------------------------------------------------------------------

def test_html_is_self_contained():
    page = report.render_html(RESULT, target="ldap1")
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page and "<script>" in page and "<svg" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing loaded from anywhere
    assert "@import" not in page and "url(" not in page
    assert "default-src 'none'" in page  # and the CSP forbids it anyway


def test_html_tags_every_number():
    page = tagged(report.render_html(RESULT, target="ldap1")).values
    for key, count in RESULT["summary"].items():
        assert page[("ldap1", "data-summary", key)] == str(count)
        assert page[("ldap1", "data-chart-value", key)] == str(count)
    assert page[("ldap1", "data-threshold-count", "disable")] == "29"
    assert page[("ldap1", "data-threshold-limit", "disable")] == "6"
    assert page[("ldap1", "data-threshold-exceeded", "disable")] == "EXCEEDED"
    assert page[("ldap1", "data-threshold-exceeded", "delete")] == "ok"
    assert page[("ldap1", "data-rule-gain", "vpn-users")] == "2"
    assert page[("ldap1", "data-rule-lose", "vpn-users")] == "1"
    assert page[("ldap1", "data-correlation", "correlated")] == "33"
    assert page[("ldap1", "data-correlation", "conflicts")] == "1"
    assert page[("ldap1", "data-actions-total", "")] == "32"
    assert page[("ldap1", "data-actions-unlisted", "")] == "28"
    assert page[("ldap1", "data-failed-count", "")] == "1"


def test_html_escapes_data():
    evil = dict(copy.deepcopy(CALM), rules={EVIL: {"gain": [EVIL], "lose": []}},
                actions=[{"action": "create", "person": EVIL, "dn": 'uid="x"', "changes": {EVIL: [None, EVIL]},
                          "reason": EVIL}])
    page = report.render_html(evil, target="<b>t</b>")
    assert page.count("<script>") == 1  # only the page's own
    assert "alert('x')" not in page and "<b>t</b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert 'data-search="create &lt;script&gt;' in page  # attributes too
    assert 'uid=&quot;x&quot;' in page


def test_html_actions_are_rows_the_filter_can_hide():
    parsed = tagged(report.render_html(RESULT, target="ldap1"))
    assert [action for dummy, action, hidden in parsed.rows] == ["create", "move", "update", "disable"]
    assert not any(hidden for dummy, dummy2, hidden in parsed.rows)  # the script hides, not the server
    assert 'id="filter-text"' in report.render_html(RESULT)


def test_html_empty_rules_and_thresholds():
    page = report.render_html(dict(CALM, rules={}, thresholds={}), target="ldap1")
    assert 'data-rules="none"' in page and 'data-thresholds="none"' in page


def test_html_several_targets_one_section_each_and_totals():
    page = report.render_html({"ldap2": CALM, "ldap1": RESULT, "ad": DOWN})
    values = tagged(page).values
    assert re.findall(r'<section class="target" id="target-\d" data-target="([^"]+)"', page) == ["ad", "ldap1", "ldap2"]
    assert values[("ldap1", "data-summary", "disable")] == "29"
    assert values[("ldap2", "data-summary", "disable")] == "1"
    assert values[(None, "data-total", "disable")] == "30"
    assert values[(None, "data-target-count", "")] == "3"
    assert 'data-error="ad"' in page and "cannot connect to ldaps://127.0.0.1:1" in page
    assert 'data-exceeded="ldap1:disable"' in page


def test_html_max_actions():
    page = tagged(report.render_html(RESULT, target="ldap1", max_actions=2))
    assert len(page.rows) == 2
    assert page.values[("ldap1", "data-actions-unlisted", "")] == "30"


def test_render_dispatch_and_unknown_format():
    assert report.render("json", RESULT, "x").startswith("{")
    assert report.render("markdown", RESULT, "x").startswith("# Impact report")
    with pytest.raises(ValueError):
        report.render("pdf", RESULT)


# ---- hostile data in every field ------------------------------------------------------------
# tests/support/hostile_report.py: script, HTML, entities, Markdown syntax and newlines in every datum
# HR or the directory controls (names, department, title, manager, DNs, errors, groups, rules, ...).

def test_html_hostile_data_in_every_field_is_text():
    from hostile_report import HTML_ONLY, NOT_SHOWN, PAYLOADS, base, benign, hostile, results, shape
    data, fields = results(hostile)
    page = report.render_html(data)
    assert page.count("<script") == 1 and "<img" not in page and "<svg onload" not in page  # only the page's own
    for payload in PAYLOADS:
        if any(c in payload for c in "<>\"'&"):
            assert payload not in page, payload
    assert "&amp;amp; &amp;lt;b&amp;gt; &amp;#60;i&amp;#62;" in page  # entities typed in HR stay as typed
    # Every element and attribute is the page's own: the same as for plain text in the same places.
    parsed, twin = shape(page), shape(report.render_html(results(benign)[0]))
    assert parsed.elements == twin.elements
    # And every datum reads back as it was written (the filter's lower-cased search text aside).
    text = "\x00".join(parsed.text)
    for field in fields:
        if base(field) not in NOT_SHOWN:
            assert hostile(field) in text, field
    assert set(HTML_ONLY) <= set(base(f) for f in fields)


def test_markdown_hostile_data_in_every_field_stays_in_its_cell():
    from hostile_report import HTML_ONLY, NOT_SHOWN, base, benign, hostile, markup, results
    data, fields = results(hostile)
    text = report.render_markdown(data)
    twin = report.render_markdown(results(benign)[0])
    assert "<" not in text.replace("&lt;", "") and "@" not in text and "\u2028" not in text and "\r" not in text
    assert "&amp;amp; &amp;lt;b&amp;gt;" in text  # entities typed in HR stay as typed
    lines, twin_lines = text.split("\n"), twin.split("\n")
    assert len(lines) == len(twin_lines)  # a newline in a datum adds no line, so no table row
    for line, plain in zip(lines, twin_lines):
        assert markup(line) == markup(plain), line  # the same cells, emphasis, code spans, links: none added
    rows = [line for line in lines if line.startswith("|")]
    assert rows and all(line.endswith(" |") or line.endswith("|") for line in rows)
    for field in fields:
        if base(field) not in HTML_ONLY + NOT_SHOWN:
            assert report.md(hostile(field)) in text, field


def test_markdown_template_refuses_text_that_skipped_the_md_filter():
    env = report._environment("markdown")
    assert env.from_string("{{ n }} {{ s|md }}").render(n=3, s="a|b") == "3 a\\|b"
    with pytest.raises(TypeError):
        env.from_string("{{ s }}").render(s="<b>raw</b>")


def test_templates_are_strict():
    import jinja2.exceptions
    env = report._environment("html")
    with pytest.raises(jinja2.exceptions.UndefinedError):
        env.from_string("{{ page.nothing }}").render(page=report.view(CALM, "x"))
    assert env.from_string("<a title='{{ v }}'>{{ v }}</a>").render(v="'\"<&") == (
        "<a title='&#x27;&quot;&lt;&amp;'>&#x27;&quot;&lt;&amp;</a>")


# ---- correlation decisions -------------------------------------------------------------------

DECIDED = dict(copy.deepcopy(CALM), correlation=dict(CALM["correlation"], ignored=["uid=svc-backup,dc=x"], decisions={
    "applied": 2, "redundant": 1, "entries": [
        {"index": 0, "decision": "link", "person": "10023", "account": "uid=jmuller,dc=x", "effect": "redundant",
         "detail": "the anchor employeeNumber finds this account too: the decision can go",
         "reason": "made before the collection", "author": "alice", "date": "2026-12-03", "ticket": "CHG-7"},
        {"index": 1, "decision": "ignore", "account": "uid=svc-backup,dc=x", "effect": "ignored",
         "detail": "never touched", "reason": "backup service", "author": "bob"}]}))


def test_markdown_and_html_show_the_decisions_and_their_effect():
    text = report.render_markdown(DECIDED)
    assert "Correlation decisions applied: 2 (1 redundant, 1 account(s) ignored)." in text
    assert "| 1 | link | 10023 | uid=jmuller,dc=x | redundant | made before the collection | alice |" in text
    assert "| 2 | ignore |  | uid=svc-backup,dc=x | ignored | backup service | bob |" in text
    assert "Correlation decisions" not in report.render_markdown(CALM)  # no file, no section
    page = report.render_html(DECIDED)
    assert '<span data-decisions="applied">2</span>' in page and '<span data-decisions="redundant">1</span>' in page
    assert '<tr data-decision="link">' in page and "CHG-7" in page and "the decision can go" in page
    assert "Ignored accounts (decisions)" in page
    assert json.loads(report.render_json(DECIDED))["targets"]["target"]["correlation"]["decisions"]["applied"] == 2


def test_the_sealed_plan_digest_is_shown_for_the_approver():
    sealed = dict(RESULT, approval={"digest": "9f2c4e0d8b1a", "signature": "ab12"})
    text = report.render_markdown(sealed, target="ldap1")
    assert "Plan `9f2c4e0d8b1a` (signed: apply exactly it with `approved_plan`)" in text
    unsigned = report.render_markdown(dict(RESULT, approval={"digest": "9f2c", "signature": None}), target="ldap1")
    assert "Plan `9f2c` (unsigned: it cannot be approved)" in unsigned
    assert "Plan `" not in report.render_markdown(RESULT, target="ldap1")
    page = report.render_html(sealed, target="ldap1")
    assert '<code data-plan-digest data-plan-signed="true">9f2c4e0d8b1a</code>' in page
