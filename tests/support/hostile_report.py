# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Impact-report results with script, HTML and Markdown in every field HR or the directory controls.

    data, fields = results(hostile)   # every datum is hostile("<field>")
    twin, dummy = results(benign)     # the same results, every datum plain text

Both have the same shape and the same sort order (each datum starts with its field's name), so a
report of ``data`` must have exactly the elements (HTML) and table cells (Markdown) of the report of
``twin``: a payload that adds an element, an attribute or a cell is caught by comparing the two.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

PWNED = "data-pwned"  # what the payloads that run set on <body>: a browser test looks for it
PAYLOADS = (
    "<script>alert(1)</script>",
    "<script>document.body.setAttribute('%s', 'script')</script>" % PWNED,
    '"><img src=x onerror=alert(1)>',
    "'><img src=x onerror=\"document.body.setAttribute('%s', 'img')\">" % PWNED,
    "</td></tr></table><svg onload=alert(1)>",
    "&amp; &lt;b&gt; &#60;i&#62;",  # entities as literal text: they must show as typed
    "a | b `code` ``x`` *em* _u_ [link](javascript:alert(1)) ![i](x) <b>b</b> @everyone #1 ~s~ \\ $x$",
    "line one\nline two\r\nline three\u2028line four",
)
HOSTILE = " ".join(PAYLOADS)

# Fields that only the HTML report shows (attribute values, the account lists) and one neither shows.
HTML_ONLY = ("cn", "sn", "given", "display", "department", "title", "manager", "olddept", "newdept", "before",
             "after", "later", "vanished", "unanchored", "ignored", "ddetail", "ddate", "dticket")
NOT_SHOWN = ("uncorrelated",)  # counted, never listed


def base(field: str) -> str:
    return field.split(".")[0]


def hostile(field: str) -> str:
    return f"{field}: {HOSTILE}"


def benign(field: str) -> str:
    return f"{field}: plain"


def results(text: Callable[[str], str]) -> tuple[dict, list[str]]:
    """Three targets (two planned, one without a plan); ``text(field)`` is every datum. Returns the fields too
    (``name.N`` in target N: ``base()`` is ``name``)."""
    fields: list[str] = []

    def t(field: str) -> str:
        fields.append(field)
        return text(field)

    def planned(n: str) -> dict:
        def f(name: str) -> str:
            return t(f"{name}.{n}")
        return {
            "changed": True, "check_mode": True, "reference_date": f("date"),
            "summary": {"create": 1, "update": 0, "move": 1, "enable": 0, "disable": 0, "delete": 0, "grant": 1,
                        "revoke": 0, "unchanged": 7, "failed": 2, f("summarykey"): 3},
            "actions": [
                {"action": "create", "person": f("person"), "dn": f("dn"), "reason": f("reason"),
                 "changes": {"cn": [None, f("cn")], "sn": [None, f("sn")], "givenName": [None, f("given")],
                             "displayName": [None, f("display")], "department": [None, f("department")],
                             "title": [None, f("title")], "manager": [None, f("manager")]}},
                {"action": "move", "person": f("mover"), "dn": f("olddn"), "new_dn": f("newdn"),
                 "changes": {"departmentNumber": [f("olddept"), f("newdept")]}, "reason": f("movereason")},
                {"action": f("kind"), "person": f("kindperson"), "dn": f("kinddn"), "reason": f("kindreason"),
                 "changes": {f("attribute"): [f("before"), [f("after"), f("later")]]}},
            ],
            "correlation": {"correlated": 4, "uncorrelated_persons": [f("uncorrelated")],
                            "uncorrelated_accounts": [f("unanchored")], "vanished": [f("vanished")],
                            "conflicts": [{"persons": [f("cperson"), f("cperson2")], "accounts": [f("caccount")],
                                           "anchor": f("anchor"), "problem": f("problem")},
                                          {"person": f("cperson3"), "accounts": []}, f("conflict")],
                            "ignored": [f("ignored")],
                            "decisions": {"applied": 2, "redundant": 1, "entries": [
                                {"decision": "link", "person": f("dperson"), "account": f("daccount"),
                                 "effect": f("deffect"), "detail": f("ddetail"), "reason": f("dreason"),
                                 "author": f("dauthor"), "date": f("ddate"), "ticket": f("dticket")},
                                {"decision": "ignore", "account": f("ignored"), "effect": "ignored",
                                 "reason": f("dreason2"), "author": f("dauthor2")}]}},
            "rules": {f("rule"): {"gain": [f("gain"), f("gain2")], "lose": [f("lose")]},
                      f("rulez"): {"gain": [], "lose": [f("lose2")]}},
            "thresholds": {"disable": {"count": 0, "limit": 5, "exceeded": False},
                           f("threshold"): {"count": 9, "limit": 1, "exceeded": True}},
            "failures": [{"person": f("fperson"), "action": f("faction"), "dn": f("fdn"), "error": f("ferror")},
                         {"person": f("pperson"), "action": "create", "dn": f("pdn"), "error": f("perror"),
                          "predicted": True}],
        }

    data = {t("target.1"): planned("1"), t("target.2"): planned("2"),
            t("down"): {"failed": True, "msg": t("msg")}}
    return data, fields


class Shape(HTMLParser):
    """A page as its elements and their attribute names (no values, no text), plus all its text and values."""

    def __init__(self):
        HTMLParser.__init__(self, convert_charrefs=True)
        self.elements: list[tuple[str, tuple[str, ...]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, tuple(sorted(name for name, dummy in attrs))))
        self.text.extend(value for dummy, value in attrs if value)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        self.text.append(data)


def shape(page: str) -> Shape:
    parsed = Shape()
    parsed.feed(page)
    parsed.close()
    return parsed


def markup(line: str) -> str:
    """The Markdown syntax of ``line``: its unescaped special characters, in order (a backslash escapes the next)."""
    out, escaped = [], False
    for char in re.sub(r"&#?[0-9A-Za-z]+;", "", line):  # entities are the escaping's own, not syntax
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "|`*_[]<>!@~$#":
            out.append(char)
    return "".join(out)
