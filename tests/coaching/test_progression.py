"""Edges of the progression rules (coaching.progression): pure functions, no database. The
week's target itself is the shared rule, tested in tests/patients/test_progress.py."""

from __future__ import annotations

import datetime as dt

import pytest

from coaching.progress import Timeline, Version, WeekTotals, week_row
from coaching.progression import (
    Action,
    gradual_plan,
    is_close_to_target,
    last_complete_weeks,
    pain_change,
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
    assert pain_change(data, today).rise == 2.0  # this week (5) against last week (3)
    data = weeks((monday(2), 100, 2.0), (monday(1), 100, 4.5), (MON, 20, None))
    assert pain_change(data, today).rise == 2.5  # last week against the week before
    assert pain_change(weeks((monday(1), 100, 4.0)), today) is None  # nothing to compare


PLAN = gradual_plan(baseline_minutes_per_week=40, goal=GOAL)


def _suggest(data, tl, today=MON + dt.timedelta(days=2)):
    return suggest(
        timeline=tl,
        weeks=data,
        today=today,
        plan=PLAN,
        programme_week=10,
        baseline_minutes_per_week=40,
    )


def test_step_up_at_exactly_80_percent_with_stable_pain():
    tl = timeline((monday(8), 5, 20))  # 100 a week
    s = _suggest(weeks((monday(2), 80, 2.0), (monday(1), 80, 2.0)), tl)
    assert s.action == Action.UP
    assert s.walks_per_week * s.minutes_per_walk > 100
    assert "80% and 80%" in s.sentence and s.sentence.startswith("Step up to")


def test_hold_just_below_80_percent():
    tl = timeline((monday(8), 5, 20))
    s = _suggest(weeks((monday(2), 79, 2.0), (monday(1), 100, 2.0)), tl)
    assert s.action == Action.HOLD
    assert (s.walks_per_week, s.minutes_per_walk) == (5, 20)
    assert "79% and 100%" in s.sentence


def test_hold_when_a_week_had_no_logs():
    tl = timeline((monday(8), 5, 20))
    s = _suggest(weeks((monday(2), 120, 2.0)), tl)
    assert s.action == Action.HOLD
    assert "120% and 0%" in s.sentence


def test_step_down_when_pain_rose_two_points():
    tl = timeline((monday(8), 4, 20))  # 80 a week
    s = _suggest(weeks((monday(2), 80, 2.0), (monday(1), 80, 4.0)), tl)
    assert s.action == Action.DOWN
    assert s.walks_per_week * s.minutes_per_walk < 80
    assert "pain rose from 2 to 4" in s.sentence


def test_hold_when_pain_rose_a_little_even_on_target():
    tl = timeline((monday(8), 4, 20))
    s = _suggest(weeks((monday(2), 80, 2.0), (monday(1), 80, 3.5)), tl)
    assert s.action == Action.HOLD and "pain rose" in s.sentence


def test_hold_when_the_goal_is_reached():
    tl = timeline((monday(8), 5, 30))
    s = _suggest(weeks((monday(2), 150, 1.0), (monday(1), 160, 1.0)), tl)
    assert s.action == Action.HOLD and "goal is reached" in s.sentence


def test_hold_until_two_full_weeks_on_a_prescription():
    tl = timeline((monday(0), 3, 10))  # set this week
    s = _suggest(weeks(), tl)
    assert s.action == Action.HOLD and "two full weeks" in s.sentence


def test_mid_week_start_is_judged_on_the_prorated_first_week():
    wednesday = monday(1) + dt.timedelta(days=2)
    tl = timeline((wednesday - dt.timedelta(days=7), 3, 10))  # from Wednesday two weeks ago
    # Week 0 ran Wednesday to Sunday: target 150/7 min, 18 minutes are 84%.
    s = _suggest(weeks((monday(2), 18, 2.0), (monday(1), 30, 2.0)), tl)
    assert s.action == Action.UP, s.sentence
    assert "84% and 100%" in s.sentence


def test_start_suggestion_without_a_prescription():
    s = _suggest(weeks(), Timeline([]))
    assert s.action == Action.START
    assert "baseline of 40 minutes a week" in s.sentence


@pytest.mark.parametrize("baseline", [None, 0, 20, 40, 90, 149, 150, 400])
@pytest.mark.parametrize("goal", [(5, 30, 26), (3, 20, 12), (7, 45, 52), (1, 10, 4)])
def test_plan_rises_gradually_and_ends_at_the_goal(baseline, goal):
    plan = gradual_plan(baseline_minutes_per_week=baseline, goal=goal)
    assert plan[0].week == 0
    assert (plan[-1].walks_per_week, plan[-1].minutes_per_walk) == goal[:2]
    assert plan[-1].week <= goal[2]
    totals = [step.weekly_minutes for step in plan]
    assert totals == sorted(totals) and len(set(totals)) == len(totals)
    assert all(5 <= step.minutes_per_walk <= 180 for step in plan)
