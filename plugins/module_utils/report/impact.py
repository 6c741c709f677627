# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Impact report: ``ldap_accounts`` results (a plan, a check-mode run) as JSON, Markdown and HTML.

Pure: results in, text out - no I/O, no clock, so the same results always give the same bytes
(the module reports ``changed`` only when a file's content differs).

Every renderer takes one result (``target`` names it) or a mapping target -> result (one section
per target, in name order). A single result is recognised by its keys (``summary``, ``actions``,
``msg``, ...). A result without a ``summary`` is a target whose plan could not be built (the task
failed before planning: connection, bind, configuration); it is rendered as an error.

- JSON is for machines: ``{format, targets: {name: result}, summary (totals), exceeded, errors}``,
  keys sorted.
- Markdown is for a merge-request comment: short, bounded (``max_actions``), every datum escaped
  so a name cannot inject Markdown, HTML or a mention.
- HTML is one self-contained page (inline CSS, JS and SVG, no external resource, a Content
  Security Policy that forbids loading any). Every number it shows carries a ``data-*`` attribute
  naming it (``<td data-summary="create">3</td>``), so tests and scripts can read the page. The
  actions filter reads ``q`` and ``action`` from the URL fragment or query (``#q=smith&action=create``).
"""

from __future__ import annotations

import html
import json
import re

FORMAT = "jml.provisioning/impact/v1"
ACTIONS = ("create", "enable", "move", "update", "disable", "delete", "grant", "revoke")
SUMMARY_KEYS = ACTIONS + ("unchanged", "failed")
CORRELATION_KEYS = ("correlated", "uncorrelated_persons", "uncorrelated_accounts", "vanished", "conflicts")
_RESULT_KEYS = frozenset(("summary", "actions", "correlation", "thresholds", "msg", "failed", "failures", "changed",
                          "reference_date", "check_mode"))
_DROPPED_KEYS = frozenset(("invocation", "diff"))  # Ansible's envelope; diffs repeat the actions


# ---------------------------------------------------------------------------------------------
# The model: targets, totals, exceeded thresholds, targets without a plan

def targets(data, target=None):
    """``[(name, result)]`` in name order, for one result (named ``target``) or a mapping name -> result."""
    if isinstance(data, dict) and (target is not None or _is_result(data) or not data):
        if not data and target is None:
            return []
        return [(str(target) if target is not None else "target", _clean(data))]
    if not isinstance(data, dict):
        raise TypeError("expected an ldap_accounts result or a mapping target -> result, got %s"
                        % type(data).__name__)
    return [(str(name), _clean(data[name])) for name in sorted(data, key=str)]


def _is_result(value):
    return isinstance(value, dict) and bool(_RESULT_KEYS.intersection(value))


def _clean(result):
    if not isinstance(result, dict):
        return {"failed": True, "msg": "not a result: %r" % (result,)}
    return dict((k, v) for k, v in result.items()
                if not str(k).startswith("_ansible") and k not in _DROPPED_KEYS)


def has_plan(result):
    """Whether the target's plan was built (a threshold stop has one too)."""
    return isinstance(result.get("summary"), dict)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _summary_keys(summaries):
    """The contract's keys first, then any further key a newer ldap_accounts adds."""
    extra = sorted(set(k for s in summaries for k in s) - set(SUMMARY_KEYS))
    return list(SUMMARY_KEYS) + extra


def totals(data, target=None):
    """Summary counts added over every target with a plan."""
    summaries = [r["summary"] for dummy, r in targets(data, target) if has_plan(r)]
    return dict((key, sum(_int(s.get(key)) for s in summaries)) for key in _summary_keys(summaries))


def exceeded(data, target=None):
    """``[{target, action, count, limit}]`` for every threshold a real run would exceed."""
    found = []
    for name, result in targets(data, target):
        for action, limit in sorted((result.get("thresholds") or {}).items()):
            if isinstance(limit, dict) and limit.get("exceeded"):
                found.append({"target": name, "action": action, "count": _int(limit.get("count")),
                              "limit": _int(limit.get("limit"))})
    return found


def errors(data, target=None):
    """``[{target, msg}]`` for every target whose plan could not be built."""
    return [{"target": name, "msg": _no_plan_reason(result)} for name, result in targets(data, target)
            if not has_plan(result)]


def _no_plan_reason(result):
    if result.get("msg"):
        return str(result["msg"])
    if result.get("skipped"):
        return "the planning task was skipped"
    return "no plan in the result"


def failures(result):
    """The result's failed (or, in check mode, predicted) operations: ``[{person, action, dn, error}]``.

    ``failures`` is the list; results of version 0.1.0 carried it as ``failed``, which ``register``
    turns into ``true`` (ansible-core coerces the key it uses for the task status): then the
    task's ``msg`` is the one failure known. A threshold stop is no failed operation.
    """
    listed = result.get("failures")
    if isinstance(listed, (list, tuple)):
        return [item if isinstance(item, dict) else {"error": item} for item in listed]
    failed = result.get("failed")
    if isinstance(failed, (list, tuple)):
        return [item if isinstance(item, dict) else {"error": item} for item in failed]
    if failed and has_plan(result) and not result.get("stopped") and not exceeded(result, "target"):
        return [{"person": None, "action": None, "dn": None, "error": str(result.get("msg") or "the task failed")}]
    return []


def all_failures(data, target=None):
    """``[{target, person, action, dn, error, predicted}]``: every failed or predicted failure."""
    return [dict(item, target=name) for name, result in targets(data, target) if has_plan(result)
            for item in failures(result)]


def _actions_total(result):
    return len(result.get("actions") or []) + _int(result.get("actions_truncated"))


def _names(values):
    return ", ".join(str(v) for v in values or [])


# ---------------------------------------------------------------------------------------------
# JSON

def render_json(result, target=None):
    """The results for machines: stable (keys sorted, no timestamp), complete, UTF-8."""
    sections = [(name, dict(res, failed=failures(res)) if has_plan(res) else res)
                for name, res in targets(result, target)]
    document = {
        "format": FORMAT,
        "targets": dict(sections),
        "summary": totals(result, target),
        "exceeded": exceeded(result, target),
        "errors": errors(result, target),
        "failures": all_failures(result, target),
    }
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False, default=str) + "\n"


# ---------------------------------------------------------------------------------------------
# Markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#!$])")


def md(value):
    """``value`` as inert Markdown text: one line, no emphasis, link, table cell break, HTML or @mention."""
    if value is None:
        return ""
    text = " ".join(str(value).split())
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("@", "&#64;")


def _md_table(header, rows, align=None):
    align = align or ["---"] * len(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def _md_title(sections):
    dates = sorted(set(str(r.get("reference_date")) for dummy, r in sections if r.get("reference_date")))
    when = (", reference date " + md(", ".join(dates))) if dates else ""
    if len(sections) == 1:
        return "# Impact report: %s%s" % (md(sections[0][0]), when)
    return "# Impact report: %d targets%s" % (len(sections), when)


def render_markdown(result, target=None, max_actions=50):
    """A merge-request comment: what a real run would do, per target, bounded to ``max_actions`` actions."""
    sections = targets(result, target)
    lines = [_md_title(sections), ""]
    if not sections:
        return "\n".join(lines + ["No target was evaluated.", ""])
    over = exceeded(result, target)
    failures = errors(result, target)
    for item in over:
        lines += ["> **Threshold EXCEEDED** on %s: %s %d > limit %d. A real run would write nothing and fail."
                  % (md(item["target"]), md(item["action"]), item["count"], item["limit"]), ""]
    for item in failures:
        lines += ["> **ERROR** on %s: the plan could not be built: %s" % (md(item["target"]), md(item["msg"])), ""]
    failing = all_failures(result, target)
    if failing:
        lines += ["> **FAILURES**: %d operation(s) %s; see the Failures section%s." % (
            len(failing), "would fail" if all(f.get("predicted") for f in failing) else "failed",
            "s" if len(sections) > 1 else ""), ""]
    if not over and not failures and not failing:
        lines += ["> **OK**: no threshold exceeded; every target was planned.", ""]
    if len(sections) > 1:
        keys = _summary_keys([r["summary"] for dummy, r in sections if has_plan(r)])
        lines.append("## Overview")
        lines.append("")
        rows = []
        for name, res in sections:
            if has_plan(res):
                rows.append([md(name)] + [str(_int(res["summary"].get(k))) for k in keys])
            else:
                rows.append([md(name)] + ["**no plan**"] + [""] * (len(keys) - 1))
        total = totals(result, target)
        rows.append(["**total**"] + ["**%d**" % total.get(k, 0) for k in keys])
        lines.extend(_md_table(["target"] + keys, rows, ["---"] + ["---:"] * len(keys)))
        lines.append("")
    for name, res in sections:
        lines.extend(_md_section(name, res, multi=len(sections) > 1, max_actions=max_actions))
    return "\n".join(lines).rstrip("\n") + "\n"


def _md_section(name, result, multi, max_actions):
    level = "###" if multi else "##"
    lines = []
    if multi:
        date = result.get("reference_date")
        lines += ["## %s%s" % (md(name), (", reference date " + md(date)) if date else ""), ""]
    if not has_plan(result):
        return lines + ["**ERROR**: the plan could not be built: %s" % md(_no_plan_reason(result)),
                        ""]
    mode = "check mode: nothing was written" if result.get("check_mode") else "real run"
    if "check_mode" in result:
        lines += ["_%s_" % mode, ""]

    summary = result["summary"]
    lines += ["%s Totals" % level, ""]
    keys = _summary_keys([summary])
    lines += _md_table([md(k) for k in keys], [[str(_int(summary.get(k))) for k in keys]], ["---:"] * len(keys))
    lines.append("")

    lines += ["%s Thresholds" % level, ""]
    thresholds = result.get("thresholds") or {}
    if thresholds:
        rows = []
        for action, limit in sorted(thresholds.items()):
            limit = limit if isinstance(limit, dict) else {}
            status = "**EXCEEDED**" if limit.get("exceeded") else "ok"
            rows.append([md(action), str(_int(limit.get("count"))), str(_int(limit.get("limit"))), status])
        lines += _md_table(["action", "planned", "limit", "status"], rows, ["---", "---:", "---:", "---"])
    else:
        lines.append("_No thresholds configured._")
    lines.append("")

    lines += ["%s Rules" % level, ""]
    rules = result.get("rules") or {}
    if rules:
        rows = []
        for rule, change in sorted(rules.items()):
            change = change if isinstance(change, dict) else {}
            gain, lose = list(change.get("gain") or []), list(change.get("lose") or [])
            rows.append([md(rule), str(len(gain)), str(len(lose)), _md_ids(gain, max_actions), _md_ids(lose, max_actions)])
        lines += _md_table(["rule", "gain", "lose", "who gains", "who loses"], rows,
                           ["---", "---:", "---:", "---", "---"])
    else:
        lines.append("_No entitlement changes._")
    lines.append("")

    actions = list(result.get("actions") or [])
    total = _actions_total(result)
    shown = actions[:max(max_actions, 0)]
    lines += ["%s Actions (%d planned%s)" % (level, total, (", first %d listed" % len(shown)) if len(shown) < total else ""),
              ""]
    if shown:
        rows = []
        for action in shown:
            account = md(action.get("dn"))
            if action.get("new_dn"):
                account += " &rarr; " + md(action.get("new_dn"))
            rows.append([md(action.get("action")), md(action.get("person")), account,
                         md(_names(sorted(action.get("changes") or {}))), md(action.get("reason"))])
        lines += _md_table(["action", "person", "account", "changes", "reason"], rows)
        if total > len(shown):
            lines += ["", "_%d more action(s) not listed here; see the JSON or HTML report._" % (total - len(shown))]
    else:
        lines.append("_Nothing to do._")
    lines.append("")

    failed = failures(result)
    if failed:
        lines += ["%s Failures (%d)" % (level, len(failed)), ""]
        rows = [[md(f.get("action")), md(f.get("person")), md(f.get("dn")), md(f.get("error"))]
                for f in failed[:max(max_actions, 0)]]
        lines += _md_table(["action", "person", "account", "error"], rows)
        if len(failed) > len(rows):
            lines += ["", "_%d more failure(s) not listed here._" % (len(failed) - len(rows))]
        lines.append("")

    correlation = result.get("correlation") or {}
    lines += ["%s Correlation" % level, ""]
    lines += _md_table(["correlated", "uncorrelated persons", "uncorrelated accounts", "vanished", "conflicts"],
                       [[str(_count(correlation.get(k))) for k in CORRELATION_KEYS]], ["---:"] * 5)
    conflicts = list(correlation.get("conflicts") or [])
    if conflicts:
        lines.append("")
        for conflict in conflicts[:max(max_actions, 0)]:
            lines.append("- " + md(_conflict_text(conflict)))
        if len(conflicts) > max(max_actions, 0):
            lines.append("- _%d more conflict(s)_" % (len(conflicts) - max(max_actions, 0)))
    lines.append("")
    return lines


def _md_ids(ids, limit):
    text = md(_names(ids[:limit]))
    if len(ids) > limit:
        text += " _and %d more_" % (len(ids) - limit)
    return text


def _count(value):
    """A correlation entry is a number or a list of ids/DNs/conflicts: its count."""
    if isinstance(value, (list, tuple, dict)):
        return len(value)
    return _int(value)


def _conflict_text(conflict):
    if not isinstance(conflict, dict):
        return str(conflict)
    who = conflict.get("person") or _names(conflict.get("persons"))
    return "%s: person(s) %s, account(s) %s (anchor %s)" % (
        conflict.get("problem") or "conflict", who, _names(conflict.get("accounts")), conflict.get("anchor") or "?")


# ---------------------------------------------------------------------------------------------
# HTML

def h(value):
    """HTML-escaped text (quotes too, so it is safe in attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


_CSS = """
:root{--fg:#1f2328;--muted:#59636e;--bg:#f6f8fa;--card:#fff;--line:#d1d9e0;--bad:#cf222e;--ok:#1a7f37}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--fg);background:var(--bg)}
header.page{background:#24292f;color:#fff;padding:18px 28px}
header.page h1{margin:0;font-size:22px;font-weight:600}
header.page p{margin:4px 0 0;color:#c9d1d9}
main{padding:18px 28px;max-width:1280px}
.toolbar{position:sticky;top:0;z-index:2;display:flex;gap:10px;align-items:center;padding:10px 28px;
background:#eaeef2;border-bottom:1px solid var(--line)}
.toolbar input{flex:0 1 420px;padding:6px 10px;border:1px solid var(--line);border-radius:6px;font:inherit}
.toolbar select{padding:6px;border:1px solid var(--line);border-radius:6px;font:inherit;background:#fff}
.toolbar .hint{color:var(--muted)}
section.target,section.overview{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:0 0 18px}
section.overview h3{margin-top:0}
section.target h2{margin:0 0 4px;font-size:19px}
.meta{color:var(--muted);margin:0 0 12px}
h3{font-size:15px;margin:18px 0 8px}
.banner{border-radius:6px;padding:10px 14px;margin:0 0 14px;font-weight:600}
.banner.bad{background:#ffebe9;border:1px solid #ff818266;color:var(--bad)}
.banner.good{background:#dafbe1;border:1px solid #4ac26b66;color:var(--ok)}
.grid{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
table{border-collapse:collapse;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.exceeded td{background:#ffebe9;color:var(--bad);font-weight:600}
table.actions{width:100%}
table.actions td.dn{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;min-width:22em;
overflow-wrap:anywhere}
table.actions details summary{cursor:pointer}
table.actions dl{margin:4px 0 0;font-size:12px}
table.actions dt{font-weight:600}
table.actions dd{margin:0 0 2px 10px;font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
tr[hidden]{display:none}
.tag{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff;background:#6e7781}
.tag.create{background:#1a7f37}.tag.enable{background:#0a7d8c}.tag.move{background:#8250df}
.tag.update{background:#0969da}.tag.disable{background:#bc4c00}.tag.delete{background:#cf222e}
.tag.grant{background:#4d7c0f}.tag.revoke{background:#9a6700}.tag.threshold{background:#82071e}
svg.chart text{font-size:12px;fill:var(--fg)}
svg.chart .bar{cursor:pointer}
svg.chart .bar:hover rect{opacity:.8}
svg.chart rect.create{fill:#2da44e}svg.chart rect.enable{fill:#1b9aaa}svg.chart rect.move{fill:#8250df}
svg.chart rect.update{fill:#218bff}svg.chart rect.disable{fill:#e16f24}svg.chart rect.delete{fill:#fa4549}
svg.chart rect.grant{fill:#74a52b}svg.chart rect.revoke{fill:#d4a72c}svg.chart rect.failed{fill:#82071e}
svg.chart rect.other{fill:#8c959f}
.muted{color:var(--muted)}
ul.conflicts{margin:6px 0;padding-left:20px}
footer{color:var(--muted);padding:0 28px 24px}
"""

_JS = """
(function () {
  "use strict";
  var input = document.getElementById("filter-text");
  var select = document.getElementById("filter-action");
  function wanted() {
    var query = new URLSearchParams(window.location.search);
    var fragment = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    return {q: fragment.get("q") || query.get("q") || "", action: fragment.get("action") || query.get("action") || ""};
  }
  function apply(remember) {
    var terms = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var action = select.value;
    var total = 0;
    document.querySelectorAll("section.target").forEach(function (section) {
      var shown = 0;
      section.querySelectorAll("tr.action-row").forEach(function (row) {
        var text = row.getAttribute("data-search") || "";
        var ok = (!action || row.getAttribute("data-action") === action) &&
          terms.every(function (term) { return text.indexOf(term) !== -1; });
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      var count = section.querySelector("[data-visible-count]");
      if (count) { count.textContent = String(shown); }
      total += shown;
    });
    var all = document.querySelector("[data-visible-total]");
    if (all) { all.textContent = String(total); }
    document.body.setAttribute("data-filter", input.value);
    document.body.setAttribute("data-filter-action", action);
    if (remember && window.history && window.history.replaceState) {
      var state = new URLSearchParams();
      if (input.value) { state.set("q", input.value); }
      if (action) { state.set("action", action); }
      var hash = state.toString();
      window.history.replaceState(null, "", hash ? "#" + hash : window.location.pathname + window.location.search);
    }
  }
  var start = wanted();
  input.value = start.q;
  if (select.querySelector('option[value="' + start.action.replace(/[^a-z_]/g, "") + '"]')) {
    select.value = start.action;
  }
  input.addEventListener("input", function () { apply(true); });
  select.addEventListener("change", function () { apply(true); });
  document.querySelectorAll("svg.chart .bar").forEach(function (bar) {
    bar.addEventListener("click", function () {
      var action = bar.getAttribute("data-chart");
      select.value = select.value === action ? "" : action;
      apply(true);
    });
  });
  apply(false);
  document.body.setAttribute("data-ready", "true");
}());
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def render_html(result, target=None, max_actions=None):
    """One self-contained page: totals chart, thresholds, rules, filterable actions, correlation."""
    sections = targets(result, target)
    over = exceeded(result, target)
    failures = errors(result, target)
    total = totals(result, target)
    actions_shown = sum(min(len(r.get("actions") or []), max_actions if max_actions is not None else 1 << 62)
                        for dummy, r in sections)
    dates = sorted(set(str(r.get("reference_date")) for dummy, r in sections if r.get("reference_date")))
    title = "Impact report: %s" % (sections[0][0] if len(sections) == 1 else "%d targets" % len(sections))
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="%s">' % _CSP,
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="jml.provisioning.impact_report">',
        "<title>%s</title>" % h(title),
        "<style>%s</style>" % _CSS,
        "</head>",
        '<body data-ready="false">',
        '<header class="page">',
        "<h1>%s</h1>" % h(title),
        '<p>Reference date <span data-reference-dates>%s</span> &middot; <span data-target-count>%d</span> target(s) &middot; what a real run would do</p>'
        % (h(", ".join(dates) or "unknown"), len(sections)),
        "</header>",
        '<div class="toolbar">',
        '<input id="filter-text" type="search" placeholder="Filter actions: person, DN, attribute, value, reason&hellip;" '
        'aria-label="Filter actions" autocomplete="off">',
        '<select id="filter-action" aria-label="Action"><option value="">every action</option>%s</select>'
        % "".join('<option value="%s">%s</option>' % (a, a) for a in ACTIONS),
        '<span class="hint"><span data-visible-total>%d</span> of <span data-actions-listed-total>%d</span> listed actions shown</span>'
        % (actions_shown, actions_shown),
        "</div>",
        "<main>",
    ]
    for item in over:
        out.append('<div class="banner bad" data-exceeded="%s:%s">Threshold exceeded on %s: %s - a real run would '
                   "write nothing and fail.</div>" % (h(item["target"]), h(item["action"]), h(item["target"]), h(item["action"])))
    for item in failures:
        out.append('<div class="banner bad" data-error="%s">No plan for %s: %s</div>'
                   % (h(item["target"]), h(item["target"]), h(item["msg"])))
    failing = all_failures(result, target)
    if failing:
        out.append('<div class="banner bad" data-failures="%d">%d operation(s) %s: see Failures.</div>'
                   % (len(failing), len(failing), "would fail" if all(f.get("predicted") for f in failing) else "failed"))
    if sections and not over and not failures and not failing:
        out.append('<div class="banner good" data-verdict="ok">No threshold exceeded; every target was planned.</div>')
    if len(sections) > 1:
        out.extend(_html_overview(sections, total))
    if not sections:
        out.append("<p>No target was evaluated.</p>")
    for index, (name, res) in enumerate(sections):
        out.extend(_html_section(index, name, res, max_actions))
    out += [
        "</main>",
        "<footer>Written by jml.provisioning.impact_report. It lists personal data: keep it where only "
        "operators can read it.</footer>",
        "<script>%s</script>" % _JS,
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(out)


def _html_overview(sections, total):
    keys = _summary_keys([r["summary"] for dummy, r in sections if has_plan(r)])
    out = ["<section class=\"overview\"><h3>Overview</h3><table class=\"overview\"><thead><tr><th>target</th>%s</tr>"
           "</thead><tbody>" % "".join('<th class="num">%s</th>' % h(k) for k in keys)]
    for name, res in sections:
        if has_plan(res):
            cells = "".join('<td class="num" data-overview="%s:%s">%d</td>' % (h(name), h(k), _int(res["summary"].get(k)))
                            for k in keys)
        else:
            cells = '<td colspan="%d" class="muted">no plan</td>' % len(keys)
        out.append("<tr><td>%s</td>%s</tr>" % (h(name), cells))
    out.append("<tr><th>total</th>%s</tr>" % "".join('<th class="num" data-total="%s">%d</th>' % (h(k), total.get(k, 0))
                                                     for k in keys))
    out.append("</tbody></table></section>")
    return out


def _html_section(index, name, result, max_actions):
    out = ['<section class="target" id="target-%d" data-target="%s">' % (index + 1, h(name)),
           "<h2>%s</h2>" % h(name)]
    if not has_plan(result):
        out.append('<p class="banner bad">The plan could not be built: <span data-section-error>%s</span></p>'
                   % h(_no_plan_reason(result)))
        out.append("</section>")
        return out
    mode = "check mode - nothing was written" if result.get("check_mode") else "real run"
    out.append('<p class="meta">Reference date <span data-reference-date>%s</span> &middot; %s</p>'
               % (h(result.get("reference_date") or "unknown"), mode if "check_mode" in result else "plan"))
    summary = result["summary"]
    keys = _summary_keys([summary])
    out.append('<div class="grid"><div><h3>Planned operations</h3>%s</div>' % _svg_chart(summary))
    out.append('<div><h3>Totals</h3><table class="summary"><tbody>%s</tbody></table></div></div>'
               % "".join('<tr><th>%s</th><td class="num" data-summary="%s">%d</td></tr>' % (h(k), h(k), _int(summary.get(k)))
                         for k in keys))
    out.extend(_html_thresholds(result.get("thresholds") or {}))
    out.extend(_html_rules(result.get("rules") or {}))
    out.extend(_html_actions(result, max_actions))
    out.extend(_html_failed(failures(result)))
    out.extend(_html_correlation(result.get("correlation") or {}))
    out.append("</section>")
    return out


def _svg_chart(summary):
    """Horizontal bars of the planned operations (``unchanged`` is a caption: it would dwarf them)."""
    keys = [k for k in _summary_keys([summary]) if k != "unchanged"]
    counts = [_int(summary.get(k)) for k in keys]
    top = max(counts + [1])
    label_w, bar_w, row_h, width = 80, 360, 24, 500
    height = row_h * len(keys) + 26
    out = ['<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Planned operations per action" '
           'width="%d" height="%d" viewBox="0 0 %d %d">' % (width, height, width, height)]
    for row, (key, count) in enumerate(zip(keys, counts)):
        y = row * row_h
        length = 0 if not count else max(2, int(round(bar_w * count / float(top))))
        css = key if key in ACTIONS or key == "failed" else "other"
        out.append('<g class="bar" data-chart="%s"><title>%s: %d</title>'
                   '<text x="0" y="%d">%s</text>'
                   '<rect class="%s" x="%d" y="%d" width="%d" height="%d" rx="3"></rect>'
                   '<text x="%d" y="%d" data-chart-value="%s">%d</text></g>'
                   % (h(key), h(key), count, y + 16, h(key), css, label_w, y + 4, length, row_h - 8,
                      label_w + length + 6, y + 16, h(key), count))
    out.append('<text x="0" y="%d" class="caption">unchanged accounts: <tspan data-chart-value="unchanged">%d</tspan></text>'
               % (height - 6, _int(summary.get("unchanged"))))
    out.append("</svg>")
    return "".join(out)


def _html_thresholds(thresholds):
    out = ["<h3>Thresholds</h3>"]
    if not thresholds:
        return out + ['<p class="muted" data-thresholds="none">No thresholds configured.</p>']
    out.append('<table class="thresholds"><thead><tr><th>action</th><th class="num">planned</th><th class="num">limit</th>'
               "<th>status</th></tr></thead><tbody>")
    for action, limit in sorted(thresholds.items()):
        limit = limit if isinstance(limit, dict) else {}
        bad = bool(limit.get("exceeded"))
        out.append('<tr class="%s" data-threshold="%s"><td>%s</td><td class="num" data-threshold-count="%s">%d</td>'
                   '<td class="num" data-threshold-limit="%s">%d</td><td data-threshold-exceeded="%s">%s</td></tr>'
                   % ("exceeded" if bad else "ok", h(action), h(action), h(action), _int(limit.get("count")),
                      h(action), _int(limit.get("limit")), h(action), "EXCEEDED" if bad else "ok"))
    out.append("</tbody></table>")
    return out


def _html_rules(rules):
    out = ["<h3>Rules</h3>"]
    if not rules:
        return out + ['<p class="muted" data-rules="none">No entitlement changes.</p>']
    out.append('<table class="rules"><thead><tr><th>rule</th><th class="num">gain</th><th class="num">lose</th>'
               "<th>who gains</th><th>who loses</th></tr></thead><tbody>")
    for rule, change in sorted(rules.items()):
        change = change if isinstance(change, dict) else {}
        gain, lose = list(change.get("gain") or []), list(change.get("lose") or [])
        out.append('<tr data-rule="%s"><td>%s</td><td class="num" data-rule-gain="%s">%d</td>'
                   '<td class="num" data-rule-lose="%s">%d</td><td>%s</td><td>%s</td></tr>'
                   % (h(rule), h(rule), h(rule), len(gain), h(rule), len(lose), h(_names(gain)), h(_names(lose))))
    out.append("</tbody></table>")
    return out


def _search_text(action):
    """What the filter box matches: action, person, DNs, attribute names and values, reason."""
    parts = [action.get("action"), action.get("person"), action.get("dn"), action.get("new_dn")]
    for attribute, pair in sorted((action.get("changes") or {}).items()):
        parts.append(attribute)
        parts.extend(_value(v) for v in (pair if isinstance(pair, (list, tuple)) else [pair]) if v is not None)
    parts.append(action.get("reason"))
    return " ".join(" ".join(str(p).split()) for p in parts if p).lower()


def _value(value):
    if value is None:
        return "(absent)"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _before_after(pair):
    """A change is ``[before, after]``; anything else is taken as the value after."""
    if isinstance(pair, (list, tuple)) and len(pair) == 2:
        return pair[0], pair[1]
    return None, pair


def _html_actions(result, max_actions):
    actions = list(result.get("actions") or [])
    if max_actions is not None:
        actions = actions[:max(max_actions, 0)]
    total = _actions_total(result)
    line = ('<h3>Actions</h3><p class="meta"><span data-visible-count>%d</span> of <span data-actions-listed>%d</span> '
            "listed actions shown; <span data-actions-total>%d</span> planned" % (len(actions), len(actions), total))
    if total > len(actions):
        line += ", <span data-actions-unlisted>%d</span> not listed here (see the plan file)" % (total - len(actions))
    out = [line + ".</p>"]
    if not actions:
        return out + ['<p class="muted">Nothing to do.</p>']
    out.append('<table class="actions"><thead><tr><th>action</th><th>person</th><th>account</th><th>changes</th>'
               "<th>reason</th></tr></thead><tbody>")
    for action in actions:
        kind = action.get("action") or ""
        account = h(action.get("dn"))
        if action.get("new_dn"):
            account += " &rarr; " + h(action.get("new_dn"))
        changes = action.get("changes") or {}
        if changes:
            details = "".join("<dt>%s</dt><dd>%s &rarr; %s</dd>" % ((h(attr),) + tuple(h(_value(v)) for v in _before_after(pair)))
                              for attr, pair in sorted(changes.items()))
            changed = "<details><summary>%s</summary><dl>%s</dl></details>" % (h(_names(sorted(changes))), details)
        else:
            changed = '<span class="muted">-</span>'
        out.append('<tr class="action-row" data-action="%s" data-search="%s"><td><span class="tag %s">%s</span></td>'
                   '<td>%s</td><td class="dn">%s</td><td>%s</td><td>%s</td></tr>'
                   % (h(kind), h(_search_text(action)), h(kind), h(kind), h(action.get("person")), account, changed,
                      h(action.get("reason"))))
    out.append("</tbody></table>")
    return out


def _html_failed(failed):
    if not failed:
        return []
    out = ['<h3>Failures (<span data-failed-count>%d</span>)</h3>' % len(failed),
           '<table class="failed"><thead><tr><th>action</th><th>person</th><th>account</th><th>error</th></tr></thead><tbody>']
    for item in failed:
        out.append('<tr><td><span class="tag %s">%s</span></td><td>%s</td><td class="dn">%s</td><td>%s</td></tr>'
                   % (h(item.get("action")), h(item.get("action")), h(item.get("person")), h(item.get("dn")), h(item.get("error"))))
    out.append("</tbody></table>")
    return out


def _html_correlation(correlation):
    labels = {"correlated": "correlated", "uncorrelated_persons": "persons without an account",
              "uncorrelated_accounts": "accounts without an anchor (never touched)", "vanished": "vanished accounts",
              "conflicts": "conflicts (left alone)"}
    out = ['<h3>Correlation</h3><table class="correlation"><tbody>']
    for key in CORRELATION_KEYS:
        out.append('<tr><th>%s</th><td class="num" data-correlation="%s">%d</td></tr>'
                   % (h(labels[key]), key, _count(correlation.get(key))))
    out.append("</tbody></table>")
    conflicts = list(correlation.get("conflicts") or [])
    if conflicts:
        out.append('<ul class="conflicts">%s</ul>' % "".join("<li>%s</li>" % h(_conflict_text(c)) for c in conflicts))
    for key, title in (("vanished", "Vanished accounts"), ("uncorrelated_accounts", "Accounts without an anchor")):
        values = correlation.get(key)
        if isinstance(values, list) and values:
            out.append('<details><summary>%s</summary><ul>%s</ul></details>'
                       % (h(title), "".join("<li>%s</li>" % h(v) for v in values)))
    return out


# The options of jml.provisioning.impact_report (module documentation stub and action plugin).
ARGUMENT_SPEC = dict(
    result=dict(type="dict"),
    results=dict(type="dict"),
    target=dict(type="str"),
    dest=dict(type="path", required=True),
    name=dict(type="str", default="impact"),
    formats=dict(type="list", elements="str", default=["json", "markdown", "html"],
                 choices=["json", "markdown", "html"]),
    max_actions=dict(type="int", default=50),
)
MUTUALLY_EXCLUSIVE = [("result", "results")]
REQUIRED_ONE_OF = [("result", "results")]
EXTENSIONS = {"json": ".json", "markdown": ".md", "html": ".html"}


def render(fmt, data, target=None, max_actions=50):
    """The text of one format (a key of ``EXTENSIONS``)."""
    if fmt == "json":
        return render_json(data, target)
    if fmt == "markdown":
        return render_markdown(data, target, max_actions=max_actions)
    if fmt == "html":
        return render_html(data, target)
    raise ValueError("unknown report format %r" % (fmt,))
