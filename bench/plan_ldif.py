# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A run's plan (the ``plan_file`` JSON of ldap_accounts) as LDIF for ``ldapmodify -c``.

    .venv/bin/python bench/plan_ldif.py PLAN.json [OUT.ldif]

The floor of the movers figure in bench/provision_bench.py: the same changes the run writes,
applied by the OpenLDAP C client. How the operations map to LDAP requests follows
plugins/module_utils/targets/ldap/directory.py (``operation_requests``, ``_apply_batches``):

- ``move``, ``enable``, ``disable``, ``update``: one modify replacing every changed attribute
  (``changes``: attribute -> [before, after]; an empty after deletes it), then a modrdn to
  ``new_dn`` when there is one (``deleteoldrdn: 1``, ``newsuperior``);
- ``delete``: a delete;
- ``grant``, ``revoke``, ``relink``: one modify per group, after every account operation, as the
  engine writes one modify per group: ``delete`` of the revoked member DNs, ``add`` of the granted
  ones. A revoke names the account's DN before its move; the directory's referential integrity
  (slapd's refint, as in the bench's slapd) has renamed the member by then, so the DN is mapped
  through the plan's moves. A relink (the member DN follows the account) is left to refint too,
  unless ``members_follow=False``: then the old DN is deleted and the new one added.

Operations are written in the engine's apply order (plan.APPLY_ORDER). Creates and containers
are not supported (a plan's ``changes`` of a create leave out objectClass and any password): the
movers' plans hold none; ``ValueError`` says so.
"""

from __future__ import annotations

import base64
import json
import sys

APPLY_ORDER = ("container", "enable", "move", "disable", "create", "update", "delete", "grant", "revoke", "relink")
ACCOUNT_ACTIONS = ("enable", "move", "disable", "update")
MEMBER_ACTIONS = ("grant", "revoke", "relink")


def ldif_line(attr, value):
    """``attr: value``, or ``attr:: base64`` where LDIF needs it (non-ASCII, leading/trailing space, ...)."""
    value = str(value)
    if value.isascii() and value == value.strip() and not value.startswith((":", "<")) and "\n" not in value \
            and "\r" not in value:
        return "%s: %s" % (attr, value)
    return "%s:: %s" % (attr, base64.b64encode(value.encode("utf-8")).decode("ascii"))


def normalise_dn(dn):
    """Case and spaces around separators ignored: enough for the bench's DNs (no escaped commas)."""
    return ",".join("=".join(p.strip() for p in rdn.split("=", 1)) for rdn in dn.split(",")).lower()


def _values(shown):
    if shown is None:
        return []
    if isinstance(shown, list):
        return [str(v) for v in shown]
    return [str(shown)]


def _rdn_and_parent(dn):
    rdn, dummy, parent = dn.partition(",")
    return rdn, parent


def ldif_records(plan, members_follow=True, member_attribute="member"):
    """The LDIF change records (strings, one per request) of a plan document."""
    actions = list(plan["actions"])
    if plan.get("actions_truncated"):
        raise ValueError("the plan is truncated (%d actions left out): a plan_file holds them all" % plan["actions_truncated"])
    order = dict((a, i) for i, a in enumerate(APPLY_ORDER))
    actions.sort(key=lambda op: order.get(op["action"], len(order)))  # stable: the plan's order within an action
    moved = {}
    for op in actions:
        if op.get("new_dn") and op["action"] in ACCOUNT_ACTIONS:
            moved[normalise_dn(op["dn"])] = op["new_dn"]
    records, groups = [], {}
    for op in actions:
        action = op["action"]
        if action in ("create", "container"):
            raise ValueError("a %s cannot be written from a plan file (objectClass and passwords are not in it): %s"
                             % (action, op["dn"]))
        if action == "delete":
            records.append("%s\nchangetype: delete\n" % ldif_line("dn", op["dn"]))
        elif action in ACCOUNT_ACTIONS:
            changes = op.get("changes") or {}
            if changes:
                lines = [ldif_line("dn", op["dn"]), "changetype: modify"]
                for attr in sorted(changes):
                    lines.append("replace: %s" % attr)
                    lines.extend(ldif_line(attr, v) for v in _values(changes[attr][1]))
                    lines.append("-")
                records.append("\n".join(lines) + "\n")
            if op.get("new_dn"):
                rdn, parent = _rdn_and_parent(op["new_dn"])
                lines = [ldif_line("dn", op["dn"]), "changetype: modrdn", ldif_line("newrdn", rdn), "deleteoldrdn: 1"]
                if normalise_dn(parent) != normalise_dn(_rdn_and_parent(op["dn"])[1]):
                    lines.append(ldif_line("newsuperior", parent))
                records.append("\n".join(lines) + "\n")
        elif action in MEMBER_ACTIONS:
            group = groups.setdefault(op["group"], {"add": [], "delete": []})
            if action == "grant":
                group["add"].append(moved.get(normalise_dn(op["dn"]), op["dn"]))
            elif action == "revoke":
                group["delete"].append(moved.get(normalise_dn(op["dn"]), op["dn"]))
            elif not members_follow:
                before, after = next(iter(op["changes"].values()))
                group["delete"].extend(_values(before))
                group["add"].extend(_values(after))
        else:
            raise ValueError("unknown action %r in the plan" % action)
    for dn, change in groups.items():
        lines = [ldif_line("dn", dn), "changetype: modify"]
        for kind in ("delete", "add"):
            if change[kind]:
                lines.append("%s: %s" % (kind, member_attribute))
                lines.extend(ldif_line(member_attribute, v) for v in dict.fromkeys(change[kind]))
                lines.append("-")
        if len(lines) > 2:
            records.append("\n".join(lines) + "\n")
    return records


def write_plan_ldif(plan_path, out_path, **kwargs):
    """Read a plan file, write its LDIF; returns the number of change records (LDAP requests)."""
    with open(plan_path, encoding="utf-8") as handle:
        plan = json.load(handle)
    records = ldif_records(plan, **kwargs)
    with open(out_path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(records))
    return len(records)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) not in (1, 2):
        sys.stderr.write(__doc__.split("\n\n", 2)[1] + "\n")
        return 2
    with open(argv[0], encoding="utf-8") as handle:
        records = ldif_records(json.load(handle))
    text = "\n".join(records)
    if len(argv) == 2:
        with open(argv[1], "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
