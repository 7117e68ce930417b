"""Edges of the progression rules (coaching.progression): pure functions, no database. The
week's target itself is the shared rule, tested in tests/patients/test_progress.py."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coaching.progress import Timeline, Version, WeekTotals, week_row
from coaching.progression import (
    PAIN_RISE_DEFAULT,
    Action,
    Dose,
    PainChange,
    ProgrammeRules,
    is_close_to_target,
    last_complete_weeks,
    next_dose,
    pain_change,
    plan_step_for_week,
    projected_plan,
    rise,
    rules_reach_the_goal,
    start_dose,
    step_down,
    suggest,
)

MON = dt.date(2026, 3, 2)  # a Monday
GOAL = (5, 30, 26)


def weeks(*rows):
    """rows: (monday, minutes, average_pain)"""
    return {
        monday: WeekTotals(week=monday, minutes=minutes, walks=3, days_walked=3, average_pain=pain)
        for monday, minutes, pain in rows
    }


def timeline(*versions):
    return Timeline([Version(*v) for v in versions])


def monday(back: int) -> dt.date:
    return MON - dt.timedelta(weeks=back)


def close(minutes: int, tl: Timeline, monday: dt.date = MON) -> bool:
    totals = weeks((monday, minutes, None))
    return is_close_to_target(
        week_row(monday, timeline=tl, totals=totals, today=monday, programme_start=None)
    )


def test_close_to_target_is_80_percent_of_the_prorated_target():
    wednesday = MON + dt.timedelta(days=2)
    # Wednesday to Sunday: a target of 150/7 minutes; 80% of it is 17.14...
    assert close(18, timeline((wednesday, 3, 10)))
    assert not close(17, timeline((wednesday, 3, 10)))


def test_exactly_80_percent_is_close_and_just_below_is_not():
    tl = timeline((monday(6), 5, 30))
    assert close(120, tl)
    assert not close(119, tl)


def test_a_week_with_no_logs_counts_as_zero():
    tl = timeline((monday(6), 3, 10))
    reviews = last_complete_weeks({}, tl, MON + dt.timedelta(days=3))
    assert [r.minutes for r in reviews] == [0, 0]
    assert [is_close_to_target(r) for r in reviews] == [False, False]
    assert [r.on_target for r in reviews] == [False, False]
    assert reviews[0].monday == monday(1)


def test_no_prescription_means_no_target_and_no_adherence():
    reviews = last_complete_weeks({}, Timeline([]), MON)
    assert all(r.target is None and r.share is None for r in reviews)


def test_pain_change_uses_this_week_when_it_has_pain_and_last_week_otherwise():
    today = MON + dt.timedelta(days=1)
    data = weeks((monday(2), 100, 2.0), (monday(1), 100, 3.0), (MON, 20, 5.0))
    assert pain_change(data, today, threshold=2).rise == 2.0  # this week (5) against last week (3)
    data = weeks((monday(2), 100, 2.0), (monday(1), 100, 4.5), (MON, 20, None))
    assert pain_change(data, today, threshold=2).rise == 2.5  # last week against the week before
    assert (
        pain_change(weeks((monday(1), 100, 4.0)), today, threshold=2) is None
    )  # nothing to compare


RULES = ProgrammeRules()


def _suggest(data, tl, today=MON + dt.timedelta(days=2), rules=RULES):
    return suggest(rules=rules, timeline=tl, weeks=data, today=today, baseline_minutes_per_week=40)


def review(minutes, tl, pain=None):
    return week_row(
        monday(1),
        timeline=tl,
        totals=weeks((monday(1), minutes, pain)),
        today=MON,
        programme_start=None,
    )


def test_step_up_at_exactly_80_percent_with_stable_pain():
    tl = timeline((monday(8), 5, 20))  # 100 a week
    s = _suggest(weeks((monday(2), 80, 2.0), (monday(1), 80, 2.0)), tl)
    assert s.action == Action.UP
    assert s.dose.weekly == 110  # the clinic's largest step: 10 minutes a week
    assert "80% of the target" in s.sentence
    s = _suggest(weeks((monday(2), 80, 2.0), (monday(1), 79, 2.0)), tl)
    assert s.action == Action.HOLD and "79%" in s.sentence and "needs 80%" in s.sentence


def test_a_pain_rise_of_the_clinic_threshold_steps_down_and_says_so():
    tl = timeline((monday(8), 5, 20))
    s = _suggest(weeks((monday(2), 100, 2.0), (monday(1), 100, 4.0)), tl)
    assert s.action == Action.DOWN and s.dose.weekly < 100
    assert "pain rose from 2 to 4" in s.sentence
    # The clinic's own threshold decides: at 3 points, a 2-point rise only holds.
    s = _suggest(
        weeks((monday(2), 100, 2.0), (monday(1), 100, 4.0)), tl, rules=ProgrammeRules(pain_rise=3)
    )
    assert s.action == Action.HOLD and "pain rose" in s.sentence


def test_the_suggestion_holds_when_the_plan_already_stepped_this_week():
    tl = timeline((monday(8), 5, 20), (MON, 5, 22))
    s = _suggest(weeks((monday(1), 100, 2.0)), tl)
    assert s.action == Action.HOLD and "already set this week" in s.sentence


def test_start_suggestion_without_a_prescription_starts_at_or_above_the_baseline():
    s = _suggest(weeks(), Timeline([]))
    assert s.action == Action.START
    assert "baseline of 40 minutes a week" in s.sentence
    assert s.dose.weekly >= 40  # 3 × 10 was below what the patient already walked


def test_next_dose_at_the_goal_holds():
    tl = timeline((monday(8), 5, 30))
    s = next_dose(RULES, Dose(5, 30), review(150, tl), None)
    assert s.action == Action.HOLD and "goal is reached" in s.sentence


rules_strategy = st.builds(
    ProgrammeRules,
    goal_walks=st.integers(1, 14),
    goal_minutes=st.integers(5, 180),
    goal_week=st.integers(4, 104),
    start_walks=st.integers(1, 14),
    step_weeks=st.integers(1, 4),
    largest_increase=st.integers(5, 60),
    close_to_target_percent=st.integers(50, 100),
    pain_rise=st.integers(1, 10),
)


@given(rules=rules_strategy, baseline=st.one_of(st.none(), st.integers(0, 2000)))
def test_a_plan_never_rises_more_than_the_largest_increase_and_ends_at_the_goal(rules, baseline):
    start = start_dose(rules, baseline)
    plan = projected_plan(rules, start)
    assert plan[0].week == 0
    # At or above what the patient already walks, unless that is past the goal.
    assert start.weekly >= min(baseline or 0, rules.goal_weekly)
    totals = [step.weekly_minutes for step in plan]
    assert all(0 < later - earlier <= rules.largest_increase for earlier, later in pairwise(totals))
    assert all(b.week - a.week == rules.step_weeks for a, b in pairwise(plan))
    # It ends at the goal, unless no whole-minute dose lies within the cap (contrived rules,
    # which the clinic's settings refuse through rules_reach_the_goal).
    last = plan[-1].dose
    assert last == rules.goal_dose or start.weekly >= rules.goal_weekly or rise(rules, last) == last
    assert all(
        1 <= step.minutes_per_walk <= 180 and 1 <= step.walks_per_week <= 14 for step in plan
    )


@given(rules=rules_strategy, walks=st.integers(1, 14), minutes=st.integers(1, 180))
def test_a_step_down_is_lower_and_a_rise_never_passes_the_cap(rules, walks, minutes):
    dose = Dose(walks, minutes)
    lower = step_down(rules, dose)
    assert lower.weekly < dose.weekly or dose.weekly <= 5
    higher = rise(rules, dose)
    assert dose.weekly <= higher.weekly <= max(dose.weekly, rules.goal_weekly)
    assert higher.weekly - dose.weekly <= rules.largest_increase


def test_default_rules_reach_120_by_week_12_and_the_goal_by_week_26_from_any_baseline():
    for baseline in (0, 20, 40, 90, 120, 150):
        plan = projected_plan(RULES, start_dose(RULES, baseline))
        assert plan_step_for_week(plan, 12).weekly_minutes >= 120, baseline
        assert plan_step_for_week(plan, 26).dose == RULES.goal_dose, baseline
    assert rules_reach_the_goal(RULES) <= RULES.goal_week
    assert rules_reach_the_goal(ProgrammeRules(largest_increase=5, step_weeks=2)) > 26


@pytest.mark.parametrize(
    ("before", "after", "trend"), [(2, 3.5, "steady"), (2, 4, "up"), (5, 3, "down")]
)
def test_the_pain_arrow_and_the_pain_up_flag_share_one_threshold(before, after, trend):
    """Issue 10: the arrow said "up" at one point while the flag waited for two."""
    change = PainChange(before=before, after=after, week=MON, threshold=PAIN_RISE_DEFAULT)
    assert change.trend == trend
    assert (change.trend == "up") == change.rising == (change.rise >= PAIN_RISE_DEFAULT)


@pytest.mark.parametrize(("threshold", "trend"), [(1, "up"), (2, "up"), (3, "steady")])
def test_the_arrow_follows_the_clinics_own_pain_rise(threshold, trend):
    change = PainChange(before=2, after=4, week=MON, threshold=threshold)
    assert (change.trend, change.rising) == (trend, trend == "up")
