# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The growth curve of the provision benchmark: seconds against persons, log-log.

    .venv/bin/python bench/plot.py [--results bench/results] [--out FILE]

Reads every ``provision-*.json`` in ``--results`` (reports of bench/provision_bench.py), takes the
latest result for each size (by the report's date, then the file's modification time) and draws
one line per figure: ours solid, the floors and references (bare ldap3, the OpenLDAP C tools, the
csv read, Ansible's fixed cost) dashed; a figure measured at one size only is a single marker.
Writes ``provision-growth.png`` beside the reports unless ``--out`` says otherwise. Needs
matplotlib (requirements-dev.txt); the Agg backend, no display.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
FLOORS = ("ldap3-add", "ldap3-read", "ldapadd", "ldapsearch", "ldapmodify", "incr-ldapmodify", "csv-read", "ansible")
# Drawing order (the legend's); figures not named here come after, by name.
ORDER = ("collect", "recollect", "first", "check0", "noop", "check", "movers", "movers-rerun", "incr-unchanged",
         "incr-changed", "incr-full", "peer-first", "peer-noop") + FLOORS


def latest_per_size(results_dir):
    """{persons: (date, result)} from the newest report holding each size."""
    found = {}
    for path in glob.glob(os.path.join(results_dir, "provision-*.json")):
        try:
            with open(path, encoding="utf-8") as handle:
                report = json.load(handle)
        except (OSError, ValueError):
            continue
        # Of one day's reports, the one without a commit suffix is the current one: older runs of
        # that day are kept as provision-DATE-SIZES-COMMIT.json (mtimes mean nothing in a clone).
        archived = re.search(r"-[0-9a-f]{7,40}\.json$", path) is not None
        key = (report.get("date", ""), not archived, os.path.getmtime(path))
        for res in report.get("results", []):
            n = res.get("n")
            if n and res.get("figures") and (n not in found or key > found[n][0]):
                found[n] = (key, res)
    return dict((n, (key[0], res)) for n, (key, res) in found.items())


def series(per_size):
    """{figure: [(persons, seconds), ...]} sorted by persons."""
    out = {}
    for n in sorted(per_size):
        for name, fig in per_size[n][1]["figures"].items():
            if fig.get("seconds"):
                out.setdefault(name, []).append((n, fig["seconds"]))
    return out


def plot(results_dir, out_path=None):
    """Write the PNG; returns its path, or None when there is nothing to plot."""
    import matplotlib  # pylint: disable=import-outside-toplevel
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel

    per_size = latest_per_size(results_dir)
    lines = series(per_size)
    if not lines:
        return None
    out_path = out_path or os.path.join(results_dir, "provision-growth.png")
    names = [n for n in ORDER if n in lines] + sorted(n for n in lines if n not in ORDER)
    fig, ax = plt.subplots(figsize=(11, 6.5), dpi=110)
    colours = plt.get_cmap("tab20")
    for i, name in enumerate(names):
        points = lines[name]
        floor = name in FLOORS
        ax.plot([p[0] for p in points], [p[1] for p in points], linestyle="--" if floor else "-",
                marker="o" if not floor else "s", markersize=4, linewidth=1.2 if floor else 1.8,
                color=colours(i % 20), label=name + (" (fixed cost)" if name == "ansible" else " (floor)" if floor else ""))
    ax.set_xscale("log")
    ax.set_yscale("log")
    sizes = sorted(per_size)
    ax.set_xticks(sizes)
    ax.set_xticklabels(["{:,}".format(n) for n in sizes])
    ax.set_xlabel("persons")
    ax.set_ylabel("seconds (median, whole process)")
    dates = ", ".join("{:,}: {}".format(n, per_size[n][0]) for n in sizes)
    ax.set_title("Provision benchmark: growth with the number of persons (latest run per size: %s)" % dates, fontsize=9)
    ax.grid(True, which="both", linewidth=0.3, alpha=0.6)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(out_path)
    plt.close(fig)
    return out_path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--results", default=os.path.join(BENCH_DIR, "results"), help="folder of provision-*.json")
    parser.add_argument("--out", help="the PNG (default: provision-growth.png in --results)")
    args = parser.parse_args(argv)
    path = plot(args.results, args.out)
    if path is None:
        sys.stderr.write("no provision-*.json with figures in %s\n" % args.results)
        return 1
    sys.stderr.write("wrote %s\n" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
