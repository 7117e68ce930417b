"""Issue 10, proven by simulation: a small cohort through 26 weeks of the real services
(walkback/demo/simulation.py). The properties the clinic relies on: a fully adherent patient
reaches the goal by the goal week and at least 120 minutes a week by week 12, whatever the
baseline; no weekly target ever rises by more than the clinic's largest increase; a flare-up
steps down and comes back."""

from __future__ import annotations

from itertools import pairwise

import pytest

from coaching.progression import ProgrammeRules
from walkback.demo.simulation import simulate

RULES = ProgrammeRules()


_cache: dict = {}


@pytest.fixture
def results(db):
    """Simulated once for the module (it rolls itself back)."""
    if not _cache:
        _cache.update(
            simulate(baselines=(0, 60, 150), profiles=("on target", "60%", "flare-up weeks 6-7"))
        )
    return _cache


def targets(rows):
    return {row.week: row.target for row in rows}


@pytest.mark.parametrize("baseline", [0, 60, 150])
def test_an_adherent_patient_reaches_120_by_week_12_and_the_goal_by_week_26(results, baseline):
    weeks = targets(results[("on target", baseline)])
    assert weeks[12] >= 120
    assert weeks[RULES.goal_week] == RULES.goal_weekly


def test_no_weekly_target_rises_more_than_the_largest_increase(results):
    for key, rows in results.items():
        full = [row.target for row in rows if row.week >= 1 and row.target is not None]
        rises = [later - earlier for earlier, later in pairwise(full)]
        assert max(rises, default=0) <= RULES.largest_increase, key


def test_a_flare_up_steps_down_and_comes_back(results):
    weeks = targets(results[("flare-up weeks 6-7", 0)])
    assert weeks[7] < weeks[6] or weeks[8] < weeks[7]  # stepped down after the pain rose
    assert weeks[12] > min(weeks[7], weeks[8])  # and came back up
    assert weeks[26] == RULES.goal_weekly


def test_a_patient_far_below_target_is_held_not_pushed(results):
    weeks = targets(results[("60%", 60)])
    assert weeks[12] == weeks[1]  # 60% never allows a step up under the default 80%
