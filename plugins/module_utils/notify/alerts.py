# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Alerts: the events of a real run -> the mail messages to send (for internal use).

Pure: no I/O, no clock. Events come from what a run really did (``events_from_run``: applied
operations, a threshold stop, failures); ``plan_messages`` decides who gets which message, with
which subject and body, from the ``alerts`` option compiled once per run by ``compile_config``
(before anything is written, so a template typo fails early). Sending is the shell's job
(``notify/smtp.py``).

Subjects and bodies are Jinja2 templates (``{{ }}``), rendered in the same sandbox as the
mapping expressions; recipients are static addresses and/or a Jinja2 expression such as
``manager.email``. A recipient expression that fails or yields no address makes the event
*undeliverable* for that rule: reported, never an exception.
"""

from __future__ import annotations

import re
from email.utils import getaddresses

from ansible_collections.jml.provisioning.plugins.module_utils.expressions.expression import (
    FILTERS, HAS_JINJA2, ExpressionError, compile_expression,
)

try:
    from jinja2 import ChainableUndefined, TemplateSyntaxError
    from ansible_collections.jml.provisioning.plugins.module_utils.expressions.expression import _Environment
except ImportError:  # pragma: no cover - reported by the plugins with missing_required_lib
    pass

EVENT_KINDS = ("created", "enabled", "disabled", "deleted", "moved", "suspended", "resumed", "threshold", "failed")
ACTION_EVENTS = {"create": "created", "enable": "enabled", "disable": "disabled", "delete": "deleted",
                 "move": "moved"}
TITLES = {"created": "Account created", "enabled": "Account enabled", "disabled": "Account disabled",
          "deleted": "Account deleted", "moved": "Account moved", "suspended": "Account suspended (on leave)",
          "resumed": "Account enabled (returned from leave)", "threshold": "Provisioning stopped by a threshold",
          "failed": "Provisioning failure"}

# A bare address: no spaces, quotes, brackets or separators, so it can never break a header.
_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"\\]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")

_PREFIX = "[jml{% if target %} {{ target }}{% endif %}] "

DEFAULT_SUBJECT = _PREFIX + "{{ event.title }}: {% if event.kind == 'failed' %}{{ event.action }} {% endif %}{{ event.name }}"

DEFAULT_BODY = """\
{% if event.kind == 'threshold' %}
Provisioning{% if target %} of {{ target }}{% endif %} was stopped on {{ today }} before writing anything:
a threshold was exceeded.

{% for action, limit in event.thresholds | dictsort %}
  {{ action }}: {{ limit.count }} planned, limit {{ limit.limit }}
{% endfor %}

Check the HR export and the evaluation (check mode); set allow_threshold_override to apply the plan.
{% else %}
{{ event.title }}{% if target %} on {{ target }}{% endif %}, {{ today }}.

Person:  {{ event.name }}{% if event.person_id and event.person_id != event.name %} ({{ event.person_id }}){% endif %}

{% if event.dn %}
Account: {{ event.dn }}
{% endif %}
{% if event.new_dn %}
Now:     {{ event.new_dn }}
{% endif %}
{% if event.kind == 'failed' %}
Action:  {{ event.action }}
Error:   {{ event.error }}
{% elif event.reason %}
Reason:  {{ event.reason }}
{% endif %}
{% if manager %}
Manager: {{ manager.name.display or manager.id }}
{% endif %}
{% endif %}
"""

DEFAULT_DIGEST_SUBJECT = _PREFIX + "Provisioning {{ today }}: {{ summary }}"

DEFAULT_DIGEST_BODY = """\
Provisioning{% if target %} of {{ target }}{% endif %} on {{ today }}: {{ summary }}.
{% for group in groups %}

{{ group.title }} ({{ group.events | length }}):
{% for e in group.events %}
  - {{ e.name }}{% if e.person_id and e.person_id != e.name %} ({{ e.person_id }}){% endif %}\
{% if e.account_dn %}: {{ e.account_dn }}{% endif %}\
{% if e.kind == 'failed' %} - {{ e.action }} failed: {{ e.error }}{% elif e.reason %} - {{ e.reason }}{% endif %}

{% endfor %}
{% endfor %}
"""


class AlertConfigError(ValueError):
    """The ``alerts`` option is inconsistent; the message names the setting."""


_TEMPLATE_ENVIRONMENT = None


def _template_environment():
    # The mapping expressions' sandbox, with the template module's block handling.
    global _TEMPLATE_ENVIRONMENT
    if _TEMPLATE_ENVIRONMENT is None:
        env = _Environment(undefined=ChainableUndefined, trim_blocks=True, keep_trailing_newline=True)
        env.filters.update(FILTERS)
        _TEMPLATE_ENVIRONMENT = env
    return _TEMPLATE_ENVIRONMENT


class Template(object):
    """A compiled Jinja2 template: call it with the names in scope as keywords; returns text."""

    __slots__ = ("source", "label", "_compiled")

    def __init__(self, source, label):
        self.source, self.label = source, label
        if not HAS_JINJA2:
            raise ExpressionError(f"jinja2 is required to render {label}")
        try:
            self._compiled = _template_environment().from_string(source)
        except TemplateSyntaxError as exc:
            raise ExpressionError(f"{label}: invalid template (line {exc.lineno}): {exc.message}")

    def __call__(self, **scope):
        try:
            return self._compiled.render(**scope)
        except Exception as exc:  # any error inside the user's template is a config/data error
            raise ExpressionError(f"{self.label}: template failed: {exc}", kind=type(exc).__name__)


def compile_template(source, label):
    """Compile one template (``{{ }}`` syntax); ``label`` names it in errors."""
    if not isinstance(source, str):
        raise ExpressionError(f"{label}: template must be a string, got {type(source).__name__}")
    return Template(source, label)


class Rule(object):
    """One compiled alert rule: which events, to whom, with which subject and body."""

    __slots__ = ("name", "events", "to", "to_expression", "subject", "body", "digest")

    def __init__(self, name, events, to, to_expression, subject, body, digest):
        self.name, self.events, self.to, self.to_expression = name, events, to, to_expression
        self.subject, self.body, self.digest = subject, body, digest


class AlertConfig(object):
    __slots__ = ("sender", "rules")

    def __init__(self, sender, rules):
        self.sender, self.rules = sender, rules


class Message(object):
    """One mail: ``to`` (list of addresses), ``subject`` (one line), ``body`` (text)."""

    __slots__ = ("sender", "to", "subject", "body", "rule", "events")

    def __init__(self, sender, to, subject, body, rule, events):
        self.sender, self.to, self.subject, self.body = sender, to, subject, body
        self.rule, self.events = rule, events

    def as_dict(self):
        return {"from": self.sender, "to": list(self.to), "subject": self.subject, "body": self.body,
                "rule": self.rule, "events": list(self.events)}

    def __repr__(self):
        return f"<Message {self.rule} to {', '.join(self.to)}: {self.subject!r}>"


def parse_addresses(value):
    """An address, a comma-separated string or a list of them -> ``(addresses, rejected)``.

    ``Name <a@b>`` gives ``a@b``; anything that is not one plain address is rejected (so HR data
    can never add a header or a recipient the rule did not mean).
    """
    if value is None:
        return [], []
    items = [value] if isinstance(value, str) else list(value) if isinstance(value, (list, tuple)) else [value]
    found, rejected = [], []
    for item in items:
        if item is None or (isinstance(item, str) and not item.strip()):
            continue
        if not isinstance(item, str):
            rejected.append(str(item))
            continue
        if "\n" in item or "\r" in item:
            rejected.append(item)
            continue
        for dummy, address in getaddresses([item]):
            if _ADDRESS.match(address or ""):
                found.append(address)
            else:
                rejected.append(item)
                break
    return found, rejected


def _unique(addresses):
    seen, out = set(), []
    for address in addresses:
        if address.lower() not in seen:
            seen.add(address.lower())
            out.append(address)
    return out


def compile_config(options, read_template=None):
    """The ``alerts`` option -> ``AlertConfig``; raises ``AlertConfigError`` naming the setting.

    ``read_template(path) -> text`` reads a rule's ``template`` file (the shell's I/O, passed in).
    """
    try:
        return _compile_config(options, read_template)
    except ExpressionError as exc:
        raise AlertConfigError(str(exc))


def _compile_config(options, read_template):
    sender = options.get("from")
    senders, dummy = parse_addresses(sender)
    if len(senders) != 1:
        raise AlertConfigError(f"alerts.from must be one email address, got {sender!r}")
    default_digest = options.get("digest", True) is not False
    rules, names = [], set()
    for index, spec in enumerate(options.get("rules") or []):
        name = spec.get("name") or "rule%d" % (index + 1)
        label = f"alerts.rules[{name}]"
        if name in names:
            raise AlertConfigError(f"{label}: rule names must be unique")
        names.add(name)
        events = list(spec.get("events") or [])
        unknown = [e for e in events if e not in EVENT_KINDS]
        if not events or unknown:
            raise AlertConfigError("%s.events must list events among %s%s" % (
                label, ", ".join(EVENT_KINDS), "; unknown: %s" % ", ".join(map(str, unknown)) if unknown else ""))
        to, rejected = parse_addresses(spec.get("to"))
        if rejected:
            raise AlertConfigError(f"{label}.to: not an email address: {', '.join(rejected)}")
        expression = spec.get("to_expression")
        if not to and not expression:
            raise AlertConfigError(f"{label} needs recipients: to and/or to_expression")
        if spec.get("template") and spec.get("body"):
            raise AlertConfigError(f"{label}: template and body are mutually exclusive")
        digest = default_digest if spec.get("digest") is None else bool(spec["digest"])
        body = spec.get("body")
        if spec.get("template"):
            if read_template is None:
                raise AlertConfigError(f"{label}.template: no template reader")
            body = read_template(spec["template"])
        subject = spec.get("subject") or (DEFAULT_DIGEST_SUBJECT if digest else DEFAULT_SUBJECT)
        rules.append(Rule(
            name, set(events), _unique(to),
            compile_expression(expression, f"{label}.to_expression") if expression else None,
            compile_template(subject, f"{label}.subject"),
            compile_template(body or (DEFAULT_DIGEST_BODY if digest else DEFAULT_BODY),
                             f"{label}.{'template' if spec.get('template') else 'body'}"),
            digest))
    if not rules:
        raise AlertConfigError("alerts.rules must hold at least one rule")
    return AlertConfig(senders[0], rules)


def _event(kind, action, person_id=None, dn=None, new_dn=None, reason=None, error=None, thresholds=None):
    return {"kind": kind, "action": action, "person_id": person_id, "dn": dn, "new_dn": new_dn,
            "reason": reason, "error": error, "thresholds": thresholds or {}}


def events_from_run(applied=(), failed=(), thresholds=None):
    """The events of a real run, in this order: the operations that were applied (in apply order;
    updates raise none; a disable or enable for a leave is ``suspended`` or ``resumed``, not
    ``disabled`` or ``enabled``: a person on leave is no leaver), a threshold stop (``thresholds``: the threshold report of a stopped run),
    then the failures (entries of the result's ``failed`` list)."""
    events = []
    for op in applied:
        kind = getattr(op, "event", None) or ACTION_EVENTS.get(op.action)
        if kind:
            events.append(_event(kind, op.action, op.person, op.dn, op.new_dn, op.reason))
    exceeded = dict((a, t) for a, t in (thresholds or {}).items() if t.get("exceeded"))
    if exceeded:
        events.append(_event("threshold", "threshold", reason="nothing was written", thresholds=exceeded))
    for entry in failed:
        events.append(_event("failed", entry.get("action"), entry.get("person"), entry.get("dn"),
                             error=entry.get("error")))
    return events


def _display_name(event, person):
    if event["kind"] == "threshold":
        return ", ".join("%s %d > %d" % (a, t["count"], t["limit"]) for a, t in sorted(event["thresholds"].items()))
    if isinstance(person, dict):
        name = person.get("name") if isinstance(person.get("name"), dict) else {}
        display = name.get("display") or " ".join(p for p in (name.get("given"), name.get("family")) if p)
        if display:
            return display
    if event["person_id"]:
        return str(event["person_id"])
    return event["dn"] or ""


def _item(event, persons):
    """An event as templates see it: the event plus its person, manager, name and account DN."""
    person = persons.get(event["person_id"]) if event["person_id"] is not None else None
    manager_id = person.get("manager") if isinstance(person, dict) else None
    manager = persons.get(manager_id) if manager_id else None
    return dict(event, title=TITLES[event["kind"]], name=_display_name(event, person), person=person,
                manager=manager, account_dn=event["new_dn"] or event["dn"])


def _summary(items):
    counts = [(kind, sum(1 for i in items if i["kind"] == kind)) for kind in EVENT_KINDS]
    return ", ".join("%d %s" % (n, kind) for kind, n in counts if n)


def _groups(items):
    return [{"kind": kind, "title": TITLES[kind], "events": [i for i in items if i["kind"] == kind]}
            for kind in EVENT_KINDS if any(i["kind"] == kind for i in items)]


def _undeliverable(rule, item, error):
    return {"rule": rule.name, "event": item["kind"], "person": item["person_id"], "dn": item["account_dn"],
            "error": error}


def _recipients(rule, item, common, undeliverable):
    """Static recipients plus the expression's; an expression failing or giving nothing is reported."""
    to = list(rule.to)
    if rule.to_expression is not None:
        try:
            value = rule.to_expression(event=item, person=item["person"], manager=item["manager"],
                                       account_dn=item["account_dn"], **common)
        except ExpressionError as exc:
            undeliverable.append(_undeliverable(rule, item, str(exc)))
            return _unique(to)
        found, rejected = parse_addresses(value)
        if rejected:
            undeliverable.append(_undeliverable(rule, item, f"{rule.name}.to_expression gave no valid address: {', '.join(rejected)}"))
        elif not found:
            undeliverable.append(_undeliverable(rule, item, f"{rule.name}.to_expression gave no address"))
        to.extend(found)
    return _unique(to)


def _subject_line(text):
    return " ".join(text.split())


def _body_text(text):
    return text if text.endswith("\n") else text + "\n"


def plan_messages(events, persons, config, today, target=None):
    """Events -> ``(messages, undeliverable)``.

    ``persons``: the vault persons (id -> person), to find an event's person and their manager;
    ``config``: an ``AlertConfig``; ``today``: the reference date (date or ISO text); ``target``:
    the name of the target (for subjects). Per rule, in order: one message per event
    (``digest: false``), or one digest per group of recipients with the same events. Nothing is
    raised for a recipient or template failure: it is listed in ``undeliverable``.
    """
    today_text = today.isoformat() if hasattr(today, "isoformat") else str(today)
    common = {"today": today_text, "target": target}
    items = [_item(event, persons) for event in events]
    messages, undeliverable = [], []
    for rule in config.rules:
        matching = [item for item in items if item["kind"] in rule.events]
        if rule.digest:
            _digests(rule, matching, config.sender, common, messages, undeliverable)
            continue
        for item in matching:
            to = _recipients(rule, item, common, undeliverable)
            if not to:
                continue
            scope = dict(common, event=item, person=item["person"], manager=item["manager"],
                         account_dn=item["account_dn"], recipients=to, rule=rule.name)
            try:
                messages.append(Message(config.sender, to, _subject_line(rule.subject(**scope)),
                                        _body_text(rule.body(**scope)), rule.name, [item["kind"]]))
            except ExpressionError as exc:
                undeliverable.append(_undeliverable(rule, item, str(exc)))
    return messages, undeliverable


def _digests(rule, items, sender, common, messages, undeliverable):
    by_recipient = {}   # address (lower) -> (address, [item index])
    for index, item in enumerate(items):
        for address in _recipients(rule, item, common, undeliverable):
            by_recipient.setdefault(address.lower(), (address, []))[1].append(index)
    groups = {}         # the same events -> one message to all their recipients
    for address, indices in by_recipient.values():
        groups.setdefault(tuple(indices), []).append(address)
    for indices, to in groups.items():
        chosen = [items[i] for i in indices]
        scope = dict(common, events=chosen, groups=_groups(chosen), summary=_summary(chosen), recipients=to,
                     rule=rule.name)
        try:
            messages.append(Message(sender, to, _subject_line(rule.subject(**scope)), _body_text(rule.body(**scope)),
                                    rule.name, [i["kind"] for i in chosen]))
        except ExpressionError as exc:
            for item in chosen:
                undeliverable.append(_undeliverable(rule, item, str(exc)))
