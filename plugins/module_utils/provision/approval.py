# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Approved plans: a plan sealed with the fingerprints of what it was computed from (for internal use).

A check-mode run seals its plan: a digest of the operations, and fingerprints of the vault's
persons, of the configuration (the options that shape the plan, the rules' text) and of the
directory as read (accounts and managed groups), with the reference date and the target, signed
with an HMAC whose key the operator holds (``plan_key``, or one derived from the vault secret).

A later run given that plan recomputes its own and applies it only when everything matches -
signature, target, vault, configuration, directory, and then the plan's digest: the planner is
pure, so the same inputs give the same operations, and "exactly that plan" is checked rather
than trusted. Any difference refuses the run before a single write, naming what changed. The
approval is the explicit consent the thresholds ask for, so an approved plan is applied even
when it exceeds one.

Plain Python: data in, data out (hashing only; the shell reads and writes the files).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional

FORMAT = "jml.provisioning/plan-approval/v1"
FINGERPRINTS = ("vault", "config", "directory")


class ApprovalError(ValueError):
    """An approved plan that is not one (unreadable, unsigned, forged, for another target)."""


def _plain(value):
    """JSON for what json.dumps cannot take: sets (their order is the hash seed's) sorted."""
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, bytes):
        return value.hex()
    if hasattr(value, "dn") and hasattr(value, "attrs"):
        return {"dn": value.dn, "attrs": value.attrs}
    return str(value)


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain).encode("utf-8")


def sha256(value) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


def _sorted_values(attrs: dict) -> dict:
    # Multi-valued attributes are sets: the order a directory returns them in is not a change.
    return dict((name.lower(), sorted(values, key=str) if isinstance(values, (list, tuple, set)) else values)
                for name, values in attrs.items())


def account_digests(accounts: Iterable) -> Dict[str, str]:
    """Each account's digest (lower-case key -> hex): its key and the attributes read."""
    return dict((account.dn.lower(), hashlib.sha256(canonical([account.dn.lower(), _sorted_values(account.attrs)])).hexdigest())
                for account in accounts)


def fingerprint_of(digests: Dict[str, str], groups: Optional[dict]) -> str:
    """The directory fingerprint from the accounts' digests (an incremental cycle keeps them from
    the last full reconcile, with the accounts it read replaced) and the managed groups."""
    digest = hashlib.sha256()
    for value in sorted(digests.values()):
        digest.update(value.encode("ascii") + b"\n")
    digest.update(b"groups\n" + canonical(groups or {}))
    return digest.hexdigest()


def directory_fingerprint(accounts: Iterable, groups: Optional[dict]) -> str:
    """The directory as the plan saw it: every account in scope (key and the attributes read) and
    the managed groups with their members; order-independent."""
    return fingerprint_of(account_digests(accounts), groups)


def plan_digest(operations: Iterable) -> str:
    """The operations as the contract shows them (``as_dict``: never a password). Order-independent,
    like the values of a multi-valued change: the apply order is the engine's to choose, and some
    of it comes from sets, whose order changes with the process's hash seed."""
    lines = []
    for op in operations:
        shown = op.as_dict()
        shown["changes"] = dict((a, [sorted(v, key=str) if isinstance(v, list) else v for v in c])
                                for a, c in (shown.get("changes") or {}).items())
        lines.append(canonical(shown))
    digest = hashlib.sha256()
    for line in sorted(lines):
        digest.update(line + b"\n")
    return digest.hexdigest()


@dataclass
class Approval:
    """What a sealed plan promises: its digest, what it was computed from, for which target and day."""

    digest: str
    fingerprints: Dict[str, str]
    reference_date: str
    target: str
    operations: int = 0
    summary: dict = field(default_factory=dict)

    def body(self) -> dict:
        return {"format": FORMAT, "digest": self.digest, "fingerprints": dict(self.fingerprints),
                "reference_date": self.reference_date, "target": self.target, "operations": self.operations,
                "summary": dict(self.summary)}


def _signature(body: dict, key: bytes) -> str:
    return hmac.new(key, canonical(body), hashlib.sha256).hexdigest()


def seal(approval: Approval, key: Optional[bytes]) -> dict:
    """The approval block of a plan file; unsigned (``signature: null``) without a key."""
    body = approval.body()
    body["signature"] = _signature(approval.body(), key) if key else None
    return body


def unseal(document, key: Optional[bytes], source: str = "approved_plan") -> Approval:
    """The ``Approval`` of a plan file's approval block, its signature checked with ``key``."""
    block = document.get("approval") if isinstance(document, dict) else None
    if not isinstance(block, dict) or block.get("format") != FORMAT:
        raise ApprovalError(f"{source} holds no sealed plan (a plan_file written by a run with plan_file set)")
    if not key:
        raise ApprovalError(f"{source}: no key to check its signature with (set plan_key, or run with the vault secret)")
    if not block.get("signature"):
        raise ApprovalError(f"{source} is not signed: it was written without a key, so it cannot be approved")
    try:
        approval = Approval(digest=str(block["digest"]), reference_date=str(block["reference_date"]),
                            target=str(block["target"]), operations=int(block.get("operations") or 0),
                            summary=dict(block.get("summary") or {}),
                            fingerprints=dict((k, str(block["fingerprints"][k])) for k in FINGERPRINTS))
    except (KeyError, TypeError, ValueError) as exc:
        raise ApprovalError(f"{source}: its approval block is incomplete ({exc})")
    if not hmac.compare_digest(_signature(approval.body(), key), str(block["signature"])):
        raise ApprovalError(f"{source}: the signature does not match: the plan was changed after it was "
                            "written, or it was signed with another key")
    return approval


def changed_inputs(approval: Approval, fingerprints: Dict[str, str]) -> List[str]:
    """Which of the fingerprints given differ from the approved ones (names in FINGERPRINTS order)."""
    return [name for name in FINGERPRINTS if name in fingerprints and fingerprints[name] != approval.fingerprints[name]]


WHAT = {"vault": "the vault's persons (a collect ran since)", "config": "the configuration (options or rules)",
        "directory": "the directory (accounts or groups changed)", "plan": "the plan itself"}


def refusal(names: List[str]) -> str:
    return ("the approved plan no longer matches: %s changed since it was computed (run the check again "
            "and approve its new plan)" % ", ".join(WHAT[n] for n in names))
