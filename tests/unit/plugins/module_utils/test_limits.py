# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One limit syntax for source thresholds, target thresholds and max_rejected."""

from __future__ import annotations

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.collect import collect
from ansible_collections.jml.provisioning.plugins.module_utils import limits
from ansible_collections.jml.provisioning.plugins.module_utils.provision import plan as planlib


@pytest.mark.parametrize("spec, base, bound", [
    (10, 1000, 10), ("10", 1000, 10), (" 7 ", 5, 7),
    ("5%", 1000, 50), ("2.5%", 1000, 25), ("10%", 9, 0),
    ({"count": 50, "percent": 10}, 1000, 50), ({"count": 50, "percent": 10}, 100, 10),
    ({"count": 3}, 1000, 3), ({"percent": 1.0}, 1000, 10),
])
def test_the_three_forms_give_the_smaller_bound(spec, base, bound):
    assert limits.parse(spec, "x").bound(base) == bound


def test_a_mapping_naming_neither_is_no_limit():
    assert limits.evaluate(5, {"count": None, "percent": None}, 10, "x") is None
    assert limits.evaluate(5, None, 10, "x") is None


@pytest.mark.parametrize("spec", ["ten", "5 %%", "%", True, [1], {"count": 1, "ratio": 2}, {"count": "many"}])
def test_anything_else_is_one_error_that_names_the_option(spec):
    with pytest.raises(limits.LimitError, match=r"^thresholds\.delete must be a count \(10\), a percentage \(5%\)"):
        limits.parse(spec, "thresholds.delete")


def test_every_caller_speaks_the_same_syntax():
    # The target thresholds take a percentage string now, like max_rejected always did.
    plan = planlib.Plan()
    plan.managed = 200
    plan.operations = [planlib.Operation("disable", str(i), "uid=%d" % i, "left") for i in range(11)]
    assert planlib.evaluate_thresholds(plan, {"disable": "5%"})["disable"] == {"count": 11, "limit": 10, "exceeded": True}
    # The source thresholds: a count and a percentage of the previous vault.
    changes = {"joined": [], "left": list(range(6)), "changed": []}
    found = collect.evaluate_thresholds(changes, 100, 94, {"removed": {"count": 50, "percent": 5}}, True)
    assert found["removed"] == {"count": 6, "limit": 5, "exceeded": True}
    with pytest.raises(collect.CollectError, match="thresholds.removed must be a count"):
        collect.evaluate_thresholds(changes, 100, 94, {"removed": "some"}, True)


def test_a_bad_target_threshold_fails_with_the_config_before_any_request(make_config):
    from ansible_collections.jml.provisioning.plugins.module_utils.provision.config import ConfigError
    with pytest.raises(ConfigError, match="thresholds.delete must be a count"):
        make_config(thresholds={"delete": "lots"})
