"""The one rule for a week's target and for "on target" (coaching.progress,
docs/programme-rules.md), tested once, on its edges. Pure functions, no database, except the
last two tests (the loader's queries)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coaching.progress import (
    Timeline,
    Version,
    WeekTotals,
    target_due_by,
    week_row,
    week_rows,
    week_target,
)
from tests.factories import PatientFactory, PrescriptionFactory, WalkLogFactory

MON = dt.date(2026, 3, 2)  # a Monday
WED, THU, FRI, SUN = (MON + dt.timedelta(days=d) for d in (2, 3, 4, 6))


def timeline(*versions) -> Timeline:
    return Timeline([Version(*v) for v in versions])


def row(tl: Timeline, minutes: int = 0, *, monday: dt.date = MON, today: dt.date | None = None):
    totals = {monday: WeekTotals(week=monday, minutes=minutes, walks=3, days_walked=3)}
    return week_row(
        monday,
        timeline=tl,
        totals=totals if minutes else {},
        today=today or monday + dt.timedelta(days=20),
        programme_start=tl.first_day,
    )


def test_a_full_week_on_one_prescription_is_its_weekly_minutes_and_walks():
    target = week_target(timeline((MON - dt.timedelta(weeks=3), 5, 30)), MON)
    assert (target.minutes, target.walks, target.days, target.partial) == (150, 5, 7, False)


def test_a_programme_starting_on_a_friday_has_three_sevenths_of_a_target():
    tl = timeline((FRI, 5, 30))
    target = week_target(tl, MON)
    assert target.minutes == Fraction(150 * 3, 7) and target.walks == Fraction(15, 7)
    assert target.days == 3 and target.partial
    # Shown rounded up: 64.29 minutes is "65", 2.14 walks is "3".
    assert (row(tl).target_minutes, row(tl).target_walks) == (65, 3)
    # The next week is a full one.
    assert week_target(tl, MON + dt.timedelta(weeks=1)).minutes == 150


def test_a_change_on_a_thursday_counts_day_by_day():
    tl = timeline((MON - dt.timedelta(weeks=4), 3, 20), (THU, 4, 25))
    target = week_target(tl, MON)
    # Monday to Wednesday at 60 a week, Thursday to Sunday at 100 a week.
    assert target.minutes == Fraction(3 * 60 + 4 * 100, 7)  # 82.86: shown as 83
    assert target.walks == Fraction(3 * 3 + 4 * 4, 7)
    assert not target.partial
    assert row(tl, 83).on_target and not row(tl, 82).on_target


def test_a_week_with_no_prescription_has_no_target_and_is_not_judged():
    tl = timeline((MON + dt.timedelta(weeks=1), 5, 30))  # starts next week
    week = row(tl, 200)
    assert not week_target(tl, MON).is_set
    assert week.target is None and week.target_minutes is None
    assert week.on_target is None and week.percent is None and week.minutes_left is None
    assert row(Timeline([]), 50).on_target is None


def test_exactly_on_target_counts_and_one_minute_under_does_not():
    tl = timeline((MON - dt.timedelta(weeks=1), 5, 30))
    assert row(tl, 150).on_target and row(tl, 150).percent == 100
    assert row(tl, 150).minutes_left == 0 and row(tl, 200).minutes_left == 0
    assert row(tl, 149).on_target is False and row(tl, 149).minutes_left == 1
    # 149 of 150 is 99.3%: percentages round down, so "100%" always means on target.
    assert row(tl, 149).percent == 99


def test_walks_are_shown_but_do_not_decide():
    tl = timeline((MON - dt.timedelta(weeks=1), 5, 30))
    totals = {MON: WeekTotals(week=MON, minutes=150, walks=2, days_walked=2)}
    week = week_row(MON, timeline=tl, totals=totals, today=SUN, programme_start=None)
    assert week.on_target and week.walks_left == 3


def test_a_future_dated_prescription_counts_from_its_own_day_in_its_week_only():
    # Today is Tuesday; the physiotherapist has set a step up from Thursday.
    today = MON + dt.timedelta(days=1)
    tl = timeline((MON - dt.timedelta(weeks=2), 3, 20), (THU, 4, 25))
    this_week = row(tl, today=today)
    assert this_week.is_current
    assert this_week.target.minutes == Fraction(3 * 60 + 4 * 100, 7)
    # The week's target does not change as the days pass: Sunday sees the same one.
    assert row(tl, today=SUN).target == this_week.target
    # Last week is untouched, and so far this week only Monday and Tuesday are due, at 60.
    assert row(tl, monday=MON - dt.timedelta(weeks=1), today=today).target.minutes == 60
    assert target_due_by(tl, today).minutes == Fraction(2 * 60, 7)
    # A prescription dated two weeks ahead leaves this week alone.
    later = timeline((MON - dt.timedelta(weeks=2), 3, 20), (THU + dt.timedelta(weeks=2), 4, 25))
    assert week_target(later, MON).minutes == 60


def test_the_current_week_is_judged_on_its_whole_target_and_due_so_far_day_by_day():
    tl = timeline((WED, 5, 28))  # 140 a week from Wednesday: 100 this week
    today = FRI
    week = row(tl, 60, today=today)
    assert week.is_current and week.target.minutes == 100 and not week.on_target
    # Due by the end of Friday: Wednesday, Thursday and Friday, 20 a day.
    due = target_due_by(tl, today)
    assert (due.minutes, due.days) == (60, 3)
    assert target_due_by(tl, MON).days == 0  # nothing due before the start


def test_two_versions_on_the_same_day_the_newer_wins():
    tl = Timeline([Version(MON, 3, 10), Version(MON, 5, 30)])
    assert week_target(tl, MON).minutes == 150


def test_week_rows_include_empty_weeks_number_programme_weeks_and_mark_this_week():
    start = WED - dt.timedelta(weeks=3)
    totals = {MON - dt.timedelta(weeks=2): WeekTotals(week=MON - dt.timedelta(weeks=2), minutes=45)}
    rows = week_rows(
        first=start - dt.timedelta(weeks=1),  # a walk logged before the programme started
        last=MON + dt.timedelta(days=1),
        timeline=timeline((start, 3, 15)),
        totals=totals,
        today=MON + dt.timedelta(days=1),
        programme_start=start,
    )
    assert [r.programme_week for r in rows] == [None, 0, 1, 2, 3]
    assert [r.label for r in rows][:2] == ["Week of 2 Feb", "Week 0"]
    assert [r.minutes for r in rows] == [0, 0, 45, 0, 0]
    assert [r.target_minutes for r in rows] == [None, 33, 45, 45, 45]  # 45 x 5/7 = 32.1: 33
    assert [r.is_current for r in rows] == [False, False, False, False, True]


def _naive_target(tl: Timeline, monday: dt.date) -> Fraction:
    """The rule as written: each day, 1/7 of the weekly minutes of the version in force."""
    total = Fraction(0)
    for offset in range(7):
        version = tl.on(monday + dt.timedelta(days=offset))
        if version is not None:
            total += Fraction(version.weekly_minutes, 7)
    return total


VERSION = st.tuples(st.integers(-20, 20), st.integers(1, 14), st.integers(1, 180))


@settings(max_examples=300, deadline=None)
@given(st.lists(VERSION, max_size=6), st.integers(-3, 3), st.integers(0, 700))
def test_the_fast_target_is_the_day_by_day_rule_and_what_is_shown_decides_alike(
    versions, week, minutes
):
    tl = timeline(*[(MON + dt.timedelta(days=d), w, m) for d, w, m in versions])
    monday = MON + dt.timedelta(weeks=week)
    assert week_target(tl, monday).minutes == _naive_target(tl, monday)
    # "45 of 45 min" must mean on target: the number shown decides exactly as the exact target.
    week_ = row(tl, minutes, monday=monday)
    if week_.target is not None:
        assert week_.on_target == (minutes >= week_.target_minutes)
        assert (week_.percent >= 100) == week_.on_target


@pytest.mark.django_db
def test_a_patients_weeks_are_two_queries_whatever_the_history(django_assert_num_queries):
    from coaching.progress import patient_weeks

    patient = PatientFactory(programme_start=dt.date(2022, 6, 8))
    PrescriptionFactory(patient=patient, effective_from=dt.date(2022, 6, 8))
    WalkLogFactory(
        patient=patient, walked_on=dt.date(2022, 6, 1), minutes=20
    )  # before the start: shown too
    with django_assert_num_queries(2):  # prescriptions; weekly totals (one grouped query)
        weeks = patient_weeks(patient, today=dt.date(2024, 6, 5))
    assert len(weeks.rows) == 106 and weeks.rows[0].monday == dt.date(2022, 5, 30)
    assert weeks.rows[0].target is None and weeks.rows[1].target_minutes == 108  # 150 x 5/7
    assert weeks.current.is_current
