# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Lifecycle: contracts and a date decide future, prehire, active, leaver or delete."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.provision.lifecycle import (
    ACTIVE, DELETE, FUTURE, LEAVER, PREHIRE, Policy, evaluate, primary_contract,
)

TODAY = datetime.date(2026, 6, 15)


def day(offset):
    """An ISO date ``offset`` days from TODAY; None stays None (open start or end)."""
    return None if offset is None else (TODAY + datetime.timedelta(days=offset)).isoformat()


def contract(cid, start, end=None):
    return {"id": cid, "start": day(start), "end": day(end)}


def state(*contracts, **policy):
    return evaluate({"id": "1", "contracts": list(contracts)}, TODAY, Policy(**policy)).state


@pytest.mark.parametrize("start, end, expected", [
    (30, None, FUTURE),     # before the pre-provisioning window
    (15, None, FUTURE),     # one day before the window opens
    (14, None, PREHIRE),    # the window's first day
    (3, None, PREHIRE),     # inside the window
    (0, None, ACTIVE),      # start day
    (-100, 100, ACTIVE),    # mid-contract
    (-100, 0, ACTIVE),      # end day: the end is the last working day
    (-100, -1, LEAVER),     # the day after the end
    (None, None, ACTIVE),   # open start and end
    (None, 5, ACTIVE),      # open start
    (None, -1, LEAVER),     # open start, ended
])
def test_one_contract_over_time(start, end, expected):
    assert state(contract("c1", start, end), pre_provision_days=14) == expected


@pytest.mark.parametrize("ended, expected", [(-1, ACTIVE), (-7, ACTIVE), (-8, LEAVER)])
def test_grace_days_keep_a_leaver_active(ended, expected):
    assert state(contract("c1", -100, ended), grace_days=7) == expected


@pytest.mark.parametrize("ended, expected", [(-30, LEAVER), (-31, DELETE)])
def test_delete_after_days(ended, expected):
    assert state(contract("c1", -400, ended), delete_after_days=30) == expected


def test_without_delete_after_days_a_leaver_is_never_deleted():
    assert state(contract("c1", -4000, -3000)) == LEAVER


def test_no_contracts_is_a_leaver_without_primary():
    status = evaluate({"id": "1", "contracts": []}, TODAY, Policy())
    assert (status.state, status.primary, status.wants_account, status.enabled) == (LEAVER, None, False, False)


def test_rehire_starting_within_the_window_is_a_prehire():
    old, new = contract("c1", -400, -200), contract("c2", 5)
    status = evaluate({"contracts": [old, new]}, TODAY, Policy(pre_provision_days=14))
    assert status.state == PREHIRE
    assert status.primary is new
    assert status.reason == "joiner: contract c2 starts %s" % day(5)


def test_rehire_starting_beyond_the_window_stays_a_leaver():
    old, new = contract("c1", -400, -200), contract("c2", 60)
    status = evaluate({"contracts": [old, new]}, TODAY, Policy(pre_provision_days=14))
    assert status.state == LEAVER
    assert status.primary is new


def test_overlapping_contracts_are_active_with_the_longest_serving_as_primary():
    first, second = contract("c1", -300, 10), contract("c2", -100, None)
    status = evaluate({"contracts": [second, first]}, TODAY, Policy())
    assert status.state == ACTIVE
    assert status.primary is first


@pytest.mark.parametrize("today_offset", [-1, 0, 1])
def test_a_contract_ending_the_day_before_another_starts_leaves_no_gap(today_offset):
    today = TODAY + datetime.timedelta(days=today_offset)
    first, second = contract("c1", -300, -1), contract("c2", 0)
    assert evaluate({"contracts": [first, second]}, today, Policy(pre_provision_days=0)).state == ACTIVE


def test_grace_days_cover_a_short_gap_before_the_next_contract():
    ended_yesterday, starts_in_three_days = contract("c1", -300, -1), contract("c2", 3)
    assert state(ended_yesterday, starts_in_three_days, grace_days=7) == ACTIVE


def test_status_flags():
    prehire = evaluate({"contracts": [contract("c1", 3)]}, TODAY, Policy())
    active = evaluate({"contracts": [contract("c1", -3)]}, TODAY, Policy())
    assert (prehire.wants_account, prehire.enabled) == (True, False)
    assert (active.wants_account, active.enabled) == (True, True)


def test_dates_may_be_date_objects():
    person = {"contracts": [{"id": "c1", "start": TODAY, "end": TODAY}]}
    assert evaluate(person, TODAY, Policy()).state == ACTIVE


# The primary contract --------------------------------------------------------------------------

def test_primary_is_the_active_contract_with_the_earliest_start():
    contracts = [contract("ended", -900, -800), contract("late", -10), contract("future", 5),
                 contract("early", -500, 30)]
    assert primary_contract(contracts, TODAY)["id"] == "early"


def test_primary_is_the_next_to_start_when_none_is_active():
    contracts = [contract("ended", -900, -1), contract("later", 40), contract("next", 5)]
    assert primary_contract(contracts, TODAY)["id"] == "next"


def test_primary_is_the_last_ended_when_all_ended():
    contracts = [contract("older", -900, -800), contract("last", -700, -10), contract("old", -500, -300)]
    assert primary_contract(contracts, TODAY)["id"] == "last"


def test_primary_breaks_ties_by_contract_id():
    assert primary_contract([contract("b", -10), contract("a", -10)], TODAY)["id"] == "a"


def test_primary_of_nothing_is_none():
    assert primary_contract([], TODAY) is None


# --- configurable primary contract (ordered criteria) ---

from ansible_collections.jml.provisioning.plugins.module_utils.provision.config import (  # noqa: E402
    ConfigError, primary_criteria,
)

TODAY_P = datetime.date(2026, 6, 1)
HALF = {"id": "half", "start": "2020-01-01", "end": None, "fte": "0.5"}
FULL = {"id": "full", "start": "2022-01-01", "end": None, "fte": "1.0"}
ENDED = {"id": "ended", "start": "2010-01-01", "end": "2015-01-01", "fte": "1.0"}
NEXT = {"id": "next", "start": "2026-06-10", "end": None, "fte": "1.0"}


def test_primary_default_is_active_then_earliest_start():
    assert primary_contract([FULL, HALF, ENDED], TODAY_P)["id"] == "half"


def test_primary_by_highest_fte_among_active_contracts():
    criteria = primary_criteria(["active", "fte"])
    assert primary_contract([HALF, FULL, ENDED, NEXT], TODAY_P, criteria)["id"] == "full"


def test_primary_by_expression_with_order():
    criteria = primary_criteria([{"expression": "contract.id == 'next'", "order": "desc"}])
    assert primary_contract([HALF, FULL, NEXT], TODAY_P, criteria)["id"] == "next"


def test_primary_ties_are_broken_by_contract_id():
    a = dict(HALF, id="b")
    b = dict(HALF, id="a")
    assert primary_contract([a, b], TODAY_P, primary_criteria(["active"]))["id"] == "a"


def test_primary_missing_values_sort_last_in_either_order():
    no_fte = dict(FULL, id="nofte", fte=None)
    assert primary_contract([no_fte, HALF], TODAY_P, primary_criteria(["fte"]))["id"] == "half"
    assert primary_contract([no_fte, HALF], TODAY_P, primary_criteria([{"name": "fte", "order": "asc"}]))["id"] == "half"


def test_primary_criteria_reject_unknown_names_and_orders():
    with pytest.raises(ConfigError, match="unknown criterion 'salary'"):
        primary_criteria(["salary"])
    with pytest.raises(ConfigError, match="order must be asc or desc"):
        primary_criteria([{"name": "fte", "order": "up"}])
