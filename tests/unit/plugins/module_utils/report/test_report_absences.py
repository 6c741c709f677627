"""The impact report shows a leave: suspend and resume counts, and the event beside the action."""

from ansible_collections.jml.provisioning.plugins.module_utils.report import impact as report

LEAVE = {
    "changed": True, "check_mode": True, "reference_date": "2026-12-01",
    "summary": {"create": 0, "update": 0, "move": 0, "enable": 1, "disable": 2, "delete": 0, "grant": 0,
                "revoke": 0, "unchanged": 30, "failed": 0, "suspend": 1, "resume": 1},
    "actions": [
        {"action": "disable", "person": "GabrielL", "dn": "uid=gabriel.landry,ou=people,dc=example,dc=test",
         "changes": {}, "reason": "suspended: on leave since 2026-12-01 until 2027-02-28", "event": "suspended"},
        {"action": "disable", "person": "SummerH", "dn": "uid=summer.heath,ou=people,dc=example,dc=test",
         "changes": {}, "reason": "leaver: last contract ended 2026-11-30"},
        {"action": "enable", "person": "KatoB", "dn": "uid=kato.b,ou=people,dc=example,dc=test",
         "changes": {}, "reason": "returned from leave: absence ended 2026-11-30", "event": "resumed"},
    ],
    "correlation": {}, "rules": {}, "thresholds": {}, "failures": [],
}


def test_markdown_names_the_leave_and_counts_suspensions_and_returns():
    text = report.render_markdown(LEAVE)
    assert "| disable (suspended) | GabrielL |" in text
    assert "| disable | SummerH |" in text
    assert "| enable (resumed) | KatoB |" in text
    assert report.totals(LEAVE)["suspend"] == 1 and report.totals(LEAVE)["resume"] == 1


def test_html_tags_the_leave_and_the_filter_finds_it():
    page = report.render_html(LEAVE)
    assert '<span class="tag disable">disable</span> <span class="muted">suspended</span>' in page
    assert '<span class="tag enable">enable</span> <span class="muted">resumed</span>' in page
    assert [a.search for a in report.view(LEAVE).sections[0].actions if "suspended" in a.search] != []
