"""The week's rules: the patient's own week in their own time zone, targets, streaks, and the
line the home page says. Edge cases from the issue: a walk at 23:30 local on Sunday, a patient
whose time zone differs from the clinic's, a daylight-saving week, the first partial week."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine

from coaching.portal.encouragement import encouragement
from coaching.portal.selectors import home_summary
from coaching.progress import on_target_streak, patient_timeline, patient_week, patient_weeks
from patients.services.walks import walk_log
from tests.factories import ClinicFactory, PatientFactory, PrescriptionFactory, WalkLogFactory

SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")
LONDON = zoneinfo.ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db


def local(zone, *args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone)


@pytest.fixture
def sydney_patient():
    clinic = ClinicFactory(time_zone="Australia/Sydney")
    patient = PatientFactory(clinic=clinic, programme_start=dt.date(2024, 5, 6))
    PrescriptionFactory(
        patient=patient, effective_from=dt.date(2024, 5, 6), walks_per_week=5, minutes_per_walk=30
    )
    return patient


def test_walk_at_2330_on_sunday_counts_in_that_week_and_not_the_next(sydney_patient):
    patient = sydney_patient
    # Sunday 9 June 2024, 23:30 in Sydney = 13:30 UTC on the same Sunday.
    with time_machine.travel(local(SYDNEY, 2024, 6, 9, 23, 30), tick=False):
        assert patient.today() == dt.date(2024, 6, 9)
        walk, _ = walk_log(patient=patient, by=patient.user, walked_on=patient.today(), minutes=40)
        summary = home_summary(patient)
        assert summary.week.monday == dt.date(2024, 6, 3)
        assert summary.week.minutes == 40
    # An hour later it is Monday in Sydney: a new week, still Sunday in UTC.
    with time_machine.travel(local(SYDNEY, 2024, 6, 10, 0, 30), tick=False):
        summary = home_summary(patient)
        assert summary.week.monday == dt.date(2024, 6, 10)
        assert summary.week.minutes == 0
        last_week = patient_weeks(patient, today=patient.today()).rows[-2]
        assert (last_week.monday, last_week.minutes) == (dt.date(2024, 6, 3), 40)


def test_the_week_follows_the_patients_time_zone_not_the_clinics():
    clinic = ClinicFactory(time_zone="Australia/Sydney")
    patient = PatientFactory(
        clinic=clinic, time_zone="Europe/London", programme_start=dt.date(2024, 5, 6)
    )
    WalkLogFactory(patient=patient, walked_on=dt.date(2024, 6, 9), minutes=25)  # a Sunday
    # 08:00 on Monday in Sydney is still 23:00 on Sunday in London.
    with time_machine.travel(local(SYDNEY, 2024, 6, 10, 8, 0), tick=False):
        assert patient.today() == dt.date(2024, 6, 9)
        summary = home_summary(patient)
    assert summary.week.monday == dt.date(2024, 6, 3)
    assert summary.week.minutes == 25


def test_a_daylight_saving_week_still_has_seven_days_of_walks():
    # Clocks went forward in London at 01:00 UTC on Sunday 31 March 2024.
    patient = PatientFactory(
        clinic=ClinicFactory(time_zone="Europe/London"), programme_start=dt.date(2024, 3, 4)
    )
    PrescriptionFactory(
        patient=patient, effective_from=dt.date(2024, 3, 4), walks_per_week=5, minutes_per_walk=15
    )
    for day in range(25, 32):
        WalkLogFactory(patient=patient, walked_on=dt.date(2024, 3, day), minutes=10)
    # 23:30 BST on the Sunday of the change (22:30 UTC): still that week.
    with time_machine.travel(local(LONDON, 2024, 3, 31, 23, 30), tick=False):
        walk_log(patient=patient, by=patient.user, walked_on=patient.today(), minutes=5)
        summary = home_summary(patient)
    assert summary.week.monday == dt.date(2024, 3, 25)
    assert (summary.week.minutes, summary.week.walks) == (75, 8)
    assert summary.week.target_minutes == 75
    assert summary.week.on_target
    assert summary.message.tone == "done"


def test_first_partial_week_scales_the_target_to_the_days_left():
    # The programme starts on Friday 7 June 2024: three days (Fri, Sat, Sun) of a 5 x 30 week.
    patient = PatientFactory(programme_start=dt.date(2024, 6, 7))
    PrescriptionFactory(
        patient=patient, effective_from=dt.date(2024, 6, 7), walks_per_week=5, minutes_per_walk=30
    )
    WalkLogFactory(patient=patient, walked_on=dt.date(2024, 6, 7), minutes=35)
    WalkLogFactory(patient=patient, walked_on=dt.date(2024, 6, 8), minutes=30)
    with time_machine.travel(local(SYDNEY, 2024, 6, 8, 12, 0), tick=False):
        row = home_summary(patient).week
    assert row.target.partial and row.target.days == 3
    # ceil(150 * 3 / 7) = 65 minutes, ceil(5 * 3 / 7) = 3 walks
    assert (row.target_minutes, row.target_walks) == (65, 3)
    assert row.on_target and row.minutes == 65
    assert row.programme_week == 0
    # The next week is a full one.
    rows = patient_weeks(patient, today=dt.date(2024, 6, 12)).rows
    assert [r.monday for r in rows] == [dt.date(2024, 6, 3), dt.date(2024, 6, 10)]
    assert rows[1].target_minutes == 150 and not rows[1].target.partial
    assert rows[1].programme_week == 1


def test_a_programme_starting_on_monday_has_a_full_first_week():
    patient = PatientFactory(programme_start=dt.date(2024, 6, 3))
    PrescriptionFactory(
        patient=patient, effective_from=dt.date(2024, 6, 3), walks_per_week=4, minutes_per_walk=20
    )
    row = patient_week(patient, dt.date(2024, 6, 5), today=dt.date(2024, 6, 5))
    assert (row.target_minutes, row.target.partial) == (80, False)


def test_target_follows_a_progression_made_mid_week():
    patient = PatientFactory(programme_start=dt.date(2024, 6, 3))
    PrescriptionFactory(
        patient=patient, effective_from=dt.date(2024, 6, 3), walks_per_week=3, minutes_per_walk=20
    )
    PrescriptionFactory(
        patient=patient, effective_from=dt.date(2024, 6, 19), walks_per_week=4, minutes_per_walk=25
    )
    rows = patient_weeks(patient, today=dt.date(2024, 6, 20)).rows
    # Monday and Tuesday at 60 a week, Wednesday to Sunday at 100: 620/7 = 88.6, shown as 89.
    assert [r.target_minutes for r in rows] == [60, 60, 89]
    # The week's target is the same when looked at before the new prescription's day.
    before = patient_week(patient, dt.date(2024, 6, 18), today=dt.date(2024, 6, 18))
    assert before.target_minutes == 89


def test_no_prescription_means_no_target():
    patient = PatientFactory(programme_start=None)
    WalkLogFactory(patient=patient, walked_on=patient.today(), minutes=10)
    summary = home_summary(patient)
    assert summary.week.target is None
    assert summary.week.minutes == 10
    assert summary.streak == 0
    assert summary.message.tone == "no-target"


def test_streak_counts_back_from_last_week_and_an_unfinished_week_does_not_break_it():
    patient = PatientFactory(programme_start=dt.date(2024, 5, 6))
    PrescriptionFactory(
        patient=patient, effective_from=dt.date(2024, 5, 6), walks_per_week=2, minutes_per_walk=30
    )
    weeks = [dt.date(2024, 5, 6) + dt.timedelta(weeks=n) for n in range(6)]
    # met, missed, met, met, met, (current: 30 of 60 so far)
    for week, minutes in zip(weeks, [60, 20, 70, 60, 90, 30], strict=True):
        WalkLogFactory(patient=patient, walked_on=week + dt.timedelta(days=1), minutes=minutes)
    today = weeks[-1] + dt.timedelta(days=2)
    rows = patient_weeks(patient, today=today).rows
    assert [r.on_target for r in rows] == [True, False, True, True, True, False]
    assert on_target_streak(rows) == 3
    # Reaching the target this week adds it to the run.
    WalkLogFactory(patient=patient, walked_on=today, minutes=30)
    assert on_target_streak(patient_weeks(patient, today=today).rows) == 4


def test_an_empty_week_breaks_the_streak():
    patient = PatientFactory(programme_start=dt.date(2024, 5, 6))
    PrescriptionFactory(
        patient=patient, effective_from=dt.date(2024, 5, 6), walks_per_week=1, minutes_per_walk=30
    )
    WalkLogFactory(patient=patient, walked_on=dt.date(2024, 5, 7), minutes=30)
    # nothing in the week of 13 May
    WalkLogFactory(patient=patient, walked_on=dt.date(2024, 5, 21), minutes=30)
    assert on_target_streak(patient_weeks(patient, today=dt.date(2024, 5, 28)).rows) == 1


@pytest.mark.parametrize(
    ("today", "minutes", "tone"),
    [
        (dt.date(2024, 6, 3), 0, "fresh-start"),  # Monday, nothing yet
        (dt.date(2024, 6, 5), 70, "on-track"),  # Wednesday: 3/7 of 150 is 64
        (dt.date(2024, 6, 6), 30, "catching-up"),  # Thursday, 30 of 150
        (dt.date(2024, 6, 9), 150, "done"),
    ],
)
def test_encouragement_fits_where_the_patient_is(today, minutes, tone):
    patient = PatientFactory(programme_start=dt.date(2024, 5, 6))
    PrescriptionFactory(
        patient=patient, effective_from=dt.date(2024, 5, 6), walks_per_week=5, minutes_per_walk=30
    )
    if minutes:
        WalkLogFactory(patient=patient, walked_on=dt.date(2024, 6, 3), minutes=minutes)
    row = patient_week(patient, today, today=today)
    message = encouragement(row, timeline=patient_timeline(patient), today=today, flare_up=False)
    assert message.tone == tone
    if tone == "catching-up":
        assert "120 minutes to go, with 4 days left" in message.text


def test_high_pain_in_the_last_days_turns_the_message_to_the_flare_up_advice():
    patient = PatientFactory(programme_start=dt.date(2024, 5, 6))
    PrescriptionFactory(patient=patient, effective_from=dt.date(2024, 5, 6))
    with time_machine.travel(local(SYDNEY, 2024, 6, 5, 9, 0), tick=False):
        WalkLogFactory(patient=patient, walked_on=dt.date(2024, 6, 4), minutes=10, pain=6)
        assert home_summary(patient).message.tone == "flare-up"
        # A later, easier walk means the sore spell has passed.
        WalkLogFactory(patient=patient, walked_on=dt.date(2024, 6, 5), minutes=10, pain=2)
        assert home_summary(patient).message.tone != "flare-up"


@pytest.mark.parametrize(("minutes", "tone"), [(42, "catching-up"), (43, "on-track")])
def test_on_track_counts_the_target_due_so_far_day_by_day(minutes, tone):
    # Started on Friday 7 June: by the end of Saturday two days of 150/7 are due (42.9).
    patient = PatientFactory(programme_start=dt.date(2024, 6, 7))
    PrescriptionFactory(
        patient=patient, effective_from=dt.date(2024, 6, 7), walks_per_week=5, minutes_per_walk=30
    )
    WalkLogFactory(patient=patient, walked_on=dt.date(2024, 6, 7), minutes=minutes)
    today = dt.date(2024, 6, 8)
    row = patient_week(patient, today, today=today)
    message = encouragement(row, timeline=patient_timeline(patient), today=today, flare_up=False)
    assert message.tone == tone
    if tone == "catching-up":
        assert f"{65 - minutes} minutes to go, with 2 days left" in message.text
