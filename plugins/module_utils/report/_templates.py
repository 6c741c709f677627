# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The impact report's Markdown and HTML templates (Jinja2), rendered by ``report.py``.

Python string constants, not files: module_utils may be shipped without data files, and
``TEMPLATES`` feeds a ``DictLoader``. The templates only lay out the view model that
``report.py`` builds; every datum in them is HR or directory data, so:

- HTML is rendered with autoescaping on: every ``{{ }}`` is escaped (quotes included, so it is
  safe in attributes). Never ``|safe``, never ``join`` (autoescape's join escapes otherwise than
  the report does): the ``names`` filter joins lists as plain text, escaped on output.
- Markdown is rendered without autoescaping, so every ``{{ }}`` that prints text goes through
  ``|md`` (one line, ``|``, backticks, HTML, @mentions escaped); anything else - numbers aside -
  makes the rendering fail instead of reaching a merge-request comment unescaped.

A line starting with ``{#- #}`` continues the line before it (the comment eats the newline), which
keeps the source lines short and the output as it was.
"""

from __future__ import annotations

# The page's own style and script, included as they are (no expression in them).
CSS = """
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

JS = """
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

MARKDOWN = """\
{% set multi = page.sections|length > 1 %}
{% if page.sections|length == 1 %}
# Impact report: {{ page.sections[0].name|md }}
{%- else %}
# Impact report: {{ page.sections|length }} targets
{%- endif %}
{% if page.dates %}, reference date {{ page.dates|names|md }}{% endif %}


{% if not page.sections %}
No target was evaluated.
{% else %}
{% for item in page.exceeded %}
> **Threshold EXCEEDED** on {{ item["target"]|md }}: {{ item["action"]|md }} {{ item["count"] }} > limit {{ item["limit"] }}.
{#- #} A real run would write nothing and fail.

{% endfor %}
{% for item in page.errors %}
> **ERROR** on {{ item["target"]|md }}: the plan could not be built: {{ item["msg"]|md }}

{% endfor %}
{% if page.failing %}
> **FAILURES**: {{ page.failing }} operation(s) {% if page.predicted %}would fail{% else %}failed{% endif %}
{#- #}; see the Failures section{% if multi %}s{% endif %}.

{% endif %}
{% if page.ok %}
> **OK**: no threshold exceeded; every target was planned.

{% endif %}
{% if multi %}
## Overview

| target |{% for key in page.keys %} {{ key|md }} |{% endfor %}

|---|{% for key in page.keys %}---:|{% endfor %}

{% for section in page.sections %}
{% if section.planned %}
| {{ section.name|md }} |{% for key, count in section.summary %} {{ count }} |{% endfor %}

{% else %}
| {{ section.name|md }} | **no plan** |{% for key in page.keys[1:] %}  |{% endfor %}

{% endif %}
{% endfor %}
| **total** |{% for key, count in page.totals %} **{{ count }}** |{% endfor %}


{% endif %}
{% for section in page.sections %}
{% if multi %}
## {{ section.name|md }}{% if section.reference_date %}, reference date {{ section.reference_date|md }}{% endif %}


{% endif %}
{% if not section.planned %}
**ERROR**: the plan could not be built: {{ section.error|md }}

{% else %}
{% if section.check_mode is not none %}
_{% if section.check_mode %}check mode: nothing was written{% else %}real run{% endif %}_

{% endif %}
{% if section.run_id %}
Run {{ section.run_id|md }}{% if section.audit_file %}: {{ section.audit_entries }} audit entries in {{ section.audit_file|md }}
{%- elif not section.check_mode %}: no audit entries{% endif %}


{% endif %}
{% if section.plan_digest %}
Plan `{{ section.plan_digest|md }}` ({% if section.plan_signed %}signed: apply exactly it with `approved_plan`\
{%- else %}unsigned: it cannot be approved{% endif %})

{% endif %}
{% if section.only %}
_limited to {{ section.only|length }} person(s) (only): {{ section.only|join(", ")|md }}_

{% endif %}
##{% if multi %}#{% endif %} Totals

|{% for key, count in section.summary %} {{ key|md }} |{% endfor %}

|{% for key, count in section.summary %}---:|{% endfor %}

|{% for key, count in section.summary %} {{ count }} |{% endfor %}


##{% if multi %}#{% endif %} Thresholds

{% if section.thresholds %}
| action | planned | limit | status |
|---|---:|---:|---|
{% for item in section.thresholds %}
| {{ item.action|md }} | {{ item.count }} | {{ item.limit }} | {% if item.exceeded %}**EXCEEDED**{% else %}ok{% endif %} |
{% endfor %}
{% else %}
_No thresholds configured._
{% endif %}

##{% if multi %}#{% endif %} Rules

{% if section.rules %}
| rule | gain | lose | who gains | who loses |
|---|---:|---:|---|---|
{% for rule in section.rules %}
| {{ rule.name|md }} | {{ rule.gain|length }} | {{ rule.lose|length }} | {{ rule.gain[:limit]|names|md }}
{%- if rule.gain|length > limit %} _and {{ rule.gain|length - limit }} more_{% endif %} | {{ rule.lose[:limit]|names|md }}
{%- if rule.lose|length > limit %} _and {{ rule.lose|length - limit }} more_{% endif %} |
{% endfor %}
{% else %}
_No entitlement changes._
{% endif %}

##{% if multi %}#{% endif %} Actions ({{ section.actions_total }} planned
{%- if section.actions|length < section.actions_total %}, first {{ section.actions|length }} listed{% endif %})

{% if section.actions %}
| action | person | account | changes | reason |
|---|---|---|---|---|
{% for action in section.actions %}
| {{ action.kind|md }}{% if action.event %} ({{ action.event|md }}){% endif %}
{#- #} | {{ action.person|md }} | {{ action.dn|md }}{% if action.new_dn %} &rarr; {{ action.new_dn|md }}{% endif %}
{#- #} | {{ action.changed|names|md }} | {{ action.reason|md }} |
{% endfor %}
{% if section.actions_unlisted %}

_{{ section.actions_unlisted }} more action(s) not listed here; see the JSON or HTML report._
{% endif %}
{% else %}
_Nothing to do._
{% endif %}

{% if section.failures %}
##{% if multi %}#{% endif %} Failures ({{ section.failures|length }})

| action | person | account | error |
|---|---|---|---|
{% for item in section.failures[:limit] %}
| {{ item.action|md }} | {{ item.person|md }} | {{ item.dn|md }} | {{ item.error|md }} |
{% endfor %}
{% if section.failures|length > limit %}

_{{ section.failures|length - limit }} more failure(s) not listed here._
{% endif %}

{% endif %}
##{% if multi %}#{% endif %} Correlation

| correlated | uncorrelated persons | uncorrelated accounts | vanished | conflicts |
|---:|---:|---:|---:|---:|
|{% for key, count in section.correlation %} {{ count }} |{% endfor %}

{% if section.conflicts %}

{% for conflict in section.conflicts[:limit] %}
- {{ conflict|md }}
{% endfor %}
{% if section.conflicts|length > limit %}
- _{{ section.conflicts|length - limit }} more conflict(s)_
{% endif %}
{% endif %}
{% if section.decisions %}

Correlation decisions applied: {{ section.decisions|length|md }} ({{ section.redundant|md }} redundant, {{ section.ignored|length|md }} account(s) ignored).

| # | decision | person | account | effect | reason | author |
|---:|---|---|---|---|---|---|
{% for item in section.decisions[:limit] %}
| {{ loop.index|md }} | {{ item.kind|md }} | {{ item.person|md }} | {{ item.account|md }} | {{ item.effect|md }} | {{ item.reason|md }} | {{ item.author|md }} |
{% endfor %}
{% if section.decisions|length > limit %}

_{{ section.decisions|length - limit }} more decision(s) not listed here._
{% endif %}
{% endif %}
{% if section.suspended %}

Suspended (on leave: disabled, never deleted): {{ section.suspended[:limit]|join(", ")|md }}
{%- if section.suspended|length > limit %} and {{ section.suspended|length - limit }} more{% endif %}

{% endif %}

{% endif %}
{% endfor %}
{% endif %}
"""

HTML = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="jml.provisioning.impact_report">
<title>{{ page.title }}</title>
<style>{% include "impact.css" %}</style>
</head>
<body data-ready="false">
<header class="page">
<h1>{{ page.title }}</h1>
<p>Reference date <span data-reference-dates>{{ page.dates|names or "unknown" }}</span> &middot;
{#- #} <span data-target-count>{{ page.sections|length }}</span> target(s) &middot; what a real run would do</p>
</header>
<div class="toolbar">
<input id="filter-text" type="search" placeholder="Filter actions: person, DN, attribute, value, reason&hellip;" \
aria-label="Filter actions" autocomplete="off">
<select id="filter-action" aria-label="Action"><option value="">every action</option>
{#- #}{% for action in actions %}<option value="{{ action }}">{{ action }}</option>{% endfor %}</select>
<span class="hint"><span data-visible-total>{{ page.actions_shown }}</span> of <span data-actions-listed-total>
{#- #}{{ page.actions_shown }}</span> listed actions shown</span>
</div>
<main>
{% for item in page.exceeded %}
<div class="banner bad" data-exceeded="{{ item["target"] }}:{{ item["action"] }}">Threshold exceeded on {{ item["target"] }}:
{#- #} {{ item["action"] }} - a real run would write nothing and fail.</div>
{% endfor %}
{% for item in page.errors %}
<div class="banner bad" data-error="{{ item["target"] }}">No plan for {{ item["target"] }}: {{ item["msg"] }}</div>
{% endfor %}
{% if page.failing %}
<div class="banner bad" data-failures="{{ page.failing }}">{{ page.failing }} operation(s)
{#- #} {% if page.predicted %}would fail{% else %}failed{% endif %}: see Failures.</div>
{% endif %}
{% if page.ok %}
<div class="banner good" data-verdict="ok">No threshold exceeded; every target was planned.</div>
{% endif %}
{% if page.sections|length > 1 %}
<section class="overview"><h3>Overview</h3><table class="overview"><thead><tr><th>target</th>
{#- #}{% for key in page.keys %}<th class="num">{{ key }}</th>{% endfor %}</tr></thead><tbody>
{% for section in page.sections %}
<tr><td>{{ section.name }}</td>
{%- if section.planned %}
{% for key, count in section.summary %}<td class="num" data-overview="{{ section.name }}:{{ key }}">{{ count }}</td>{% endfor %}
{%- else %}
<td colspan="{{ page.keys|length }}" class="muted">no plan</td>
{%- endif %}
</tr>
{% endfor %}
<tr><th>total</th>{% for key, count in page.totals %}<th class="num" data-total="{{ key }}">{{ count }}</th>{% endfor %}</tr>
</tbody></table></section>
{% endif %}
{% if not page.sections %}
<p>No target was evaluated.</p>
{% endif %}
{% for section in page.sections %}
<section class="target" id="target-{{ loop.index }}" data-target="{{ section.name }}">
<h2>{{ section.name }}</h2>
{% if not section.planned %}
<p class="banner bad">The plan could not be built: <span data-section-error>{{ section.error }}</span></p>
{% else %}
<p class="meta">Reference date <span data-reference-date>{{ section.reference_date or "unknown" }}</span> &middot;
{#- #} {% if section.check_mode is none %}plan{% elif section.check_mode %}check mode - nothing was written{% else %}real run{% endif %}
{%- if section.run_id %} &middot; run <span data-run-id>{{ section.run_id }}</span>{% endif %}
{%- if section.audit_file %} &middot; <span data-audit-entries>{{ section.audit_entries }}</span> audit entries in
{#- #} <span data-audit-file>{{ section.audit_file }}</span>{% endif %}
{%- if section.plan_digest %} &middot; plan <code data-plan-digest data-plan-signed="{{ section.plan_signed|lower }}">\
{{ section.plan_digest }}</code>{% endif %}
{%- if section.only %} &middot; limited to <span data-only>{{ section.only|length }} person(s): {{ section.only|join(", ") }}</span>{% endif %}</p>
{% set chart = section.chart %}
<div class="grid"><div><h3>Planned operations</h3><svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" \
aria-label="Planned operations per action" width="{{ chart.width }}" height="{{ chart.height }}" \
viewBox="0 0 {{ chart.width }} {{ chart.height }}">
{%- for bar in chart.bars %}
<g class="bar" data-chart="{{ bar.key }}"><title>{{ bar.key }}: {{ bar.count }}</title><text x="0" y="{{ bar.y + 16 }}">{{ bar.key }}</text>
{#- #}<rect class="{{ bar.css }}" x="{{ chart.label_width }}" y="{{ bar.y + 4 }}" width="{{ bar.length }}" height="{{ chart.row_height - 8 }}" \
rx="3"></rect><text x="{{ chart.label_width + bar.length + 6 }}" y="{{ bar.y + 16 }}" data-chart-value="{{ bar.key }}">{{ bar.count }}</text></g>
{%- endfor %}
<text x="0" y="{{ chart.height - 6 }}" class="caption">unchanged accounts: <tspan data-chart-value="unchanged">{{ chart.unchanged }}</tspan>
{#- #}</text></svg></div>
<div><h3>Totals</h3><table class="summary"><tbody>
{%- for key, count in section.summary %}<tr><th>{{ key }}</th><td class="num" data-summary="{{ key }}">{{ count }}</td></tr>{% endfor -%}
</tbody></table></div></div>
<h3>Thresholds</h3>
{% if not section.thresholds %}
<p class="muted" data-thresholds="none">No thresholds configured.</p>
{% else %}
<table class="thresholds"><thead><tr><th>action</th><th class="num">planned</th><th class="num">limit</th><th>status</th></tr></thead><tbody>
{% for item in section.thresholds %}
<tr class="{% if item.exceeded %}exceeded{% else %}ok{% endif %}" data-threshold="{{ item.action }}"><td>{{ item.action }}</td>
{#- #}<td class="num" data-threshold-count="{{ item.action }}">{{ item.count }}</td><td class="num" data-threshold-limit="{{ item.action }}">
{#- #}{{ item.limit }}</td><td data-threshold-exceeded="{{ item.action }}">{% if item.exceeded %}EXCEEDED{% else %}ok{% endif %}</td></tr>
{% endfor %}
</tbody></table>
{% endif %}
<h3>Rules</h3>
{% if not section.rules %}
<p class="muted" data-rules="none">No entitlement changes.</p>
{% else %}
<table class="rules"><thead><tr><th>rule</th><th class="num">gain</th><th class="num">lose</th><th>who gains</th><th>who loses</th></tr>
{#- #}</thead><tbody>
{% for rule in section.rules %}
<tr data-rule="{{ rule.name }}"><td>{{ rule.name }}</td><td class="num" data-rule-gain="{{ rule.name }}">{{ rule.gain|length }}</td>
{#- #}<td class="num" data-rule-lose="{{ rule.name }}">{{ rule.lose|length }}</td><td>{{ rule.gain|names }}</td><td>{{ rule.lose|names }}</td></tr>
{% endfor %}
</tbody></table>
{% endif %}
<h3>Actions</h3><p class="meta"><span data-visible-count>{{ section.actions|length }}</span> of <span data-actions-listed>
{#- #}{{ section.actions|length }}</span> listed actions shown; <span data-actions-total>{{ section.actions_total }}</span> planned
{#- #}{% if section.actions_unlisted %}, <span data-actions-unlisted>{{ section.actions_unlisted }}</span> not listed here (see the plan file){% endif %}.</p>
{% if not section.actions %}
<p class="muted">Nothing to do.</p>
{% else %}
<table class="actions"><thead><tr><th>action</th><th>person</th><th>account</th><th>changes</th><th>reason</th></tr></thead><tbody>
{% for action in section.actions %}
<tr class="action-row" data-action="{{ action.kind }}" data-search="{{ action.search }}"><td><span class="tag {{ action.kind }}">{{ action.kind }}</span>
{#- #}{% if action.event %} <span class="muted">{{ action.event }}</span>{% endif %}</td>
{#- #}<td>{{ action.person }}</td><td class="dn">{{ action.dn }}{% if action.new_dn %} &rarr; {{ action.new_dn }}{% endif %}</td><td>
{%- if action.changes %}
<details><summary>{{ action.changed|names }}</summary><dl>
{%- for change in action.changes %}<dt>{{ change.attribute }}</dt><dd>{{ change.before }} &rarr; {{ change.after }}</dd>{% endfor -%}
</dl></details>
{%- else %}
<span class="muted">-</span>
{%- endif %}
</td><td>{{ action.reason }}</td></tr>
{% endfor %}
</tbody></table>
{% endif %}
{% if section.failures %}
<h3>Failures (<span data-failed-count>{{ section.failures|length }}</span>)</h3>
<table class="failed"><thead><tr><th>action</th><th>person</th><th>account</th><th>error</th></tr></thead><tbody>
{% for item in section.failures %}
<tr><td><span class="tag {{ item.action }}">{{ item.action }}</span></td><td>{{ item.person }}</td><td class="dn">{{ item.dn }}</td>
{#- #}<td>{{ item.error }}</td></tr>
{% endfor %}
</tbody></table>
{% endif %}
<h3>Correlation</h3><table class="correlation"><tbody>
{% for key, count in section.correlation %}
<tr><th>{{ correlation_labels[key] }}</th><td class="num" data-correlation="{{ key }}">{{ count }}</td></tr>
{% endfor %}
</tbody></table>
{% if section.conflicts %}
<ul class="conflicts">{% for conflict in section.conflicts %}<li>{{ conflict }}</li>{% endfor %}</ul>
{% endif %}
{% if section.decisions %}
<h3>Correlation decisions</h3>
<p><span data-decisions="applied">{{ section.decisions|length }}</span> applied,
{#- #} <span data-decisions="redundant">{{ section.redundant }}</span> redundant (the anchors find them: they can go),
{#- #} <span data-decisions="ignored">{{ section.ignored|length }}</span> account(s) ignored.</p>
<table class="decisions"><thead><tr><th>decision</th><th>person</th><th>account</th><th>effect</th><th>reason</th>
{#- #}<th>author</th><th>date</th><th>ticket</th></tr></thead><tbody>
{% for item in section.decisions %}
<tr data-decision="{{ item.kind }}"><td>{{ item.kind }}</td><td>{{ item.person or "" }}</td><td class="dn">{{ item.account or "" }}</td>
{#- #}<td>{{ item.effect }}<div class="detail">{{ item.detail or "" }}</div></td><td>{{ item.reason }}</td>
{#- #}<td>{{ item.author }}</td><td>{{ item.date or "" }}</td><td>{{ item.ticket or "" }}</td></tr>
{% endfor %}
</tbody></table>
{% endif %}
{% set lists = [("Vanished accounts", section.vanished), ("Accounts without an anchor", section.unanchored),
                ("Ignored accounts (decisions)", section.ignored),
                ("Suspended persons (on leave: disabled, never deleted)", section.suspended)] %}
{% for title, values in lists if values %}
<details><summary>{{ title }}</summary><ul>{% for value in values %}<li>{{ value }}</li>{% endfor %}</ul></details>
{% endfor %}
{% endif %}
</section>
{% endfor %}
</main>
<footer>Written by jml.provisioning.impact_report. It lists personal data: keep it where only operators can read it.</footer>
<script>{% include "impact.js" %}</script>
</body>
</html>
"""

# Labels of the correlation counts, in CORRELATION_KEYS order.
CORRELATION_LABELS = {
    "correlated": "correlated",
    "uncorrelated_persons": "persons without an account",
    "uncorrelated_accounts": "accounts without an anchor (never touched)",
    "vanished": "vanished accounts",
    "conflicts": "conflicts (left alone)",
}

TEMPLATES = {
    "impact.md": MARKDOWN,
    "impact.html": HTML,
    "impact.css": CSS,
    "impact.js": JS,
}
