#!/usr/bin/env python
"""Regenerate the README's picture of the impact report (docs/images/impact-report.png).

The demo's story, for real: a throwaway slapd and the sample HR systems, a first provisioning, the
demo's HR change (hack/demo_hr_change.py), then ``playbooks/evaluate.yml`` (check mode, nothing is
written to the directory); the HTML report it writes is photographed in headless Chromium.

    .venv/bin/python hack/screenshot_report.py [--out docs/images/impact-report.png]
        [--keep DIR] [--width 1280] [--height 1500] [--filter 'q=...']

Needs what the integration tests need (make system-deps venv collection) and chromium.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

import chromium  # noqa: E402  (tests/support)
import slapd  # noqa: E402
from hr_api import running_hr_api  # noqa: E402
from jml_workspace import ACME_TOKEN, Workspace  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "images" / "impact-report.png"))
    parser.add_argument("--keep", help="copy the reports (json, md, html) to this folder too")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1500)
    parser.add_argument("--filter", help="URL fragment for the page's filter, e.g. 'q=EN_ADM'")
    args = parser.parse_args()
    if not chromium.find():
        sys.exit("screenshot_report: chromium is not installed (bash hack/install-system-deps.sh)")
    if not (ROOT / ".build" / "collections" / "ansible_collections" / "jml" / "provisioning").exists():
        sys.exit("screenshot_report: run `make collection` first")

    work = Path(tempfile.mkdtemp(prefix="jml-screenshot-"))
    try:
        persons = json.loads((ROOT / "inventories/demo/hr/acme/employees.json").read_text(encoding="utf-8"))
        auth = {"type": "bearer", "token": ACME_TOKEN}
        with slapd.running_slapd(str(work / "slapd")) as instance, \
                running_hr_api(persons, style="next_link", page_size=2, auth=auth) as api:
            (work / "work").mkdir()
            workspace = Workspace(work / "work", instance, api, ACME_TOKEN)
            step(workspace.play("site.yml"), "first provisioning")
            subprocess.run([sys.executable, str(ROOT / "hack" / "demo_hr_change.py"), str(workspace.hr)], check=True)
            step(workspace.play("collect.yml"), "collect of the HR change")
            workspace.set_vars(jml_report_dir=str(work / "report"))
            step(workspace.play("evaluate.yml"), "evaluation")
        html_file = work / "report" / "impact.html"
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        chromium.screenshot(html_file, out, args.width, args.height, fragment=args.filter)
        print("%s (%d bytes)" % (out, out.stat().st_size))
        if args.keep:
            keep = Path(args.keep)
            keep.mkdir(parents=True, exist_ok=True)
            for name in ("impact.json", "impact.md", "impact.html"):
                shutil.copy(str(work / "report" / name), str(keep / name))
            print("reports copied to %s" % keep)
    finally:
        shutil.rmtree(str(work), ignore_errors=True)


def step(run, what):
    if run.rc != 0:
        sys.exit("screenshot_report: the %s failed:\n%s" % (what, run.output[-4000:]))


if __name__ == "__main__":
    main()
