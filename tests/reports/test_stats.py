"""The statistics against small cases worked by hand (the issue's "must be true")."""

from __future__ import annotations

import datetime as dt

import pytest

from patients.outcomes import CheckInAnswer, TimeToEvent, recurrence_times
from walkback.reports import stats

D = dt.date


# --- Weeks on target ------------------------------------------------------------------------


def test_ended_programme_weeks_skip_the_partial_first_week_and_the_current_one():
    # Start Wednesday 3 Jan 2024: week 0 is Mon 1 Jan; week 1 is Mon 8 - Sun 14 Jan.
    weeks = stats.ended_programme_weeks(D(2024, 1, 3), today=D(2024, 1, 22))
    # Week 1 ended Sun 14, week 2 ended Sun 21; week 3 (22-28) is still running.
    assert weeks == [(1, D(2024, 1, 8)), (2, D(2024, 1, 15))]


def test_target_in_force_on_a_monday():
    prescriptions = [(D(2024, 1, 3), 45), (D(2024, 1, 15), 80), (D(2024, 1, 17), 100)]
    assert stats.target_on(prescriptions, D(2024, 1, 1)) is None
    assert stats.target_on(prescriptions, D(2024, 1, 8)) == 45
    assert stats.target_on(prescriptions, D(2024, 1, 15)) == 80  # starts that very day
    assert stats.target_on(prescriptions, D(2024, 1, 22)) == 100


def test_weeks_on_target_worked_by_hand():
    """Start Wed 3 Jan 2024, 3 x 15 min (45) from the start, 4 x 20 (80) from Mon 15 Jan.
    Today Mon 5 Feb, so weeks 1-4 have ended:
      week 1 (8 Jan):  50 min vs 45 -> on target
      week 2 (15 Jan): 60 min vs 80 -> not
      week 3 (22 Jan): no walks vs 80 -> not (a week of zeros)
      week 4 (29 Jan): 80 min vs 80 -> on target (reaching it counts)
    2 of 4 weeks: 50%."""
    totals = {
        D(2024, 1, 8): (50, 3, 3),
        D(2024, 1, 15): (60, 3, 2),
        D(2024, 1, 29): (80, 4, 4),
        D(2024, 2, 5): (500, 9, 7),  # the current week: not counted
    }
    prescriptions = [(D(2024, 1, 3), 45), (D(2024, 1, 15), 80)]
    weeks = stats.patient_weeks(D(2024, 1, 3), D(2024, 2, 5), totals, prescriptions)
    assert [(w.week, w.minutes, w.target_minutes, w.on_target) for w in weeks] == [
        (1, 50, 45, True),
        (2, 60, 80, False),
        (3, 0, 80, False),
        (4, 80, 80, True),
    ]
    share = stats.weeks_on_target(weeks)
    assert (share.part, share.whole, share.percent) == (2, 4, 50.0)


def test_weeks_without_a_prescription_are_not_judged():
    weeks = stats.patient_weeks(
        D(2024, 1, 1), D(2024, 1, 29), {D(2024, 1, 8): (100, 3, 3)}, [(D(2024, 1, 15), 60)]
    )
    # Week 1 had no prescription yet; weeks 2 and 3 had 60 and no walks.
    assert [w.on_target for w in weeks] == [None, False, False]
    assert stats.weeks_on_target(weeks) == stats.Share(part=0, whole=2)


def test_median_minutes_by_week_counts_empty_weeks_as_zero():
    def week(k, minutes):
        return stats.PatientWeek(k, D(2024, 1, 1), minutes, 1 if minutes else 0, 1, None)

    patients = [
        [week(1, 30), week(2, 90)],
        [week(1, 0), week(2, 120)],
        [week(1, 60)],  # week 2 has not ended for this one yet
    ]
    result = stats.median_minutes_by_week(patients, last=3)
    # Week 1: 0, 30, 60 -> 30; week 2: 90, 120 -> 105; week 3: nobody yet.
    assert result == [(1, 30.0, 3), (2, 105.0, 2), (3, None, 0)]


def test_still_logging_at_a_week():
    def week(k, walks):
        return stats.PatientWeek(k, D(2024, 1, 1), walks * 20, walks, walks, 60)

    patients = [[week(12, 2)], [week(12, 0)], [week(11, 3)], [week(12, 1), week(13, 0)]]
    # Three reached week 12; two of them logged in it.
    assert stats.still_logging(patients, 12) == stats.Share(part=2, whole=3)
    assert stats.still_logging(patients, 26) == stats.Share(part=0, whole=0)
    assert stats.Share(0, 0).percent is None


# --- Kaplan-Meier ---------------------------------------------------------------------------


def test_kaplan_meier_with_censoring_worked_by_hand():
    """Six people: events at 3, 5, 5 and 9; censored at 4 and 9.
      t=3: 6 at risk, 1 event      -> S = 5/6            = 0.8333
      t=4: 5 at risk, 1 censored   -> S unchanged
      t=5: 4 at risk, 2 events     -> S = 5/6 * 2/4      = 0.4167
      t=9: 2 at risk, 1 event and 1 censored (censored counted at risk)
                                   -> S = 0.4167 * 1/2   = 0.2083
    Median: first time S <= 0.5 -> day 5."""
    obs = [(3, True), (4, False), (5, True), (5, True), (9, True), (9, False)]
    steps = stats.kaplan_meier(obs)
    assert [(s.time, s.at_risk, s.events, s.censored) for s in steps] == [
        (3, 6, 1, 0),
        (4, 5, 0, 1),
        (5, 4, 2, 0),
        (9, 2, 1, 1),
    ]
    assert [round(s.survival, 4) for s in steps] == [0.8333, 0.8333, 0.4167, 0.2083]
    assert stats.km_median(steps) == 5
    assert stats.survival_at(steps, 0) == 1.0
    assert stats.survival_at(steps, 4) == pytest.approx(5 / 6)
    assert stats.survival_at(steps, 8) == pytest.approx(5 / 12)
    assert stats.number_at_risk(obs, 0) == 6
    assert stats.number_at_risk(obs, 5) == 4
    assert stats.number_at_risk(obs, 6) == 2
    assert stats.number_at_risk(obs, 10) == 0


def test_kaplan_meier_all_censored_never_falls_and_has_no_median():
    steps = stats.kaplan_meier([(10, False), (20, False)])
    assert [s.survival for s in steps] == [1.0, 1.0]
    assert stats.km_median(steps) is None
    assert stats.kaplan_meier([]) == []


# --- Days to recurrence ---------------------------------------------------------------------


def answer(month, completed, any_pain, onset=None, limiting=None, care=None):
    return CheckInAnswer(month, completed, any_pain, onset, limiting, care)


def test_days_to_recurrence_worked_by_hand():
    """Start 1 Mar 2024.
    month 1, answered 31 Mar: no pain
    month 2, answered 30 Apr: pain from 20 Apr, not limiting, no care  -> any: day 50
    month 3, answered 30 May: pain from 10 May, limiting, care sought -> limiting, care: 70
    month 4, answered 29 Jun: no pain (follow-up ends: day 120)"""
    start = D(2024, 3, 1)
    answers = [
        answer(3, D(2024, 5, 30), True, D(2024, 5, 10), True, True),
        answer(1, D(2024, 3, 31), False),
        answer(4, D(2024, 6, 29), False),
        answer(2, D(2024, 4, 30), True, D(2024, 4, 20), False, False),
    ]
    times = recurrence_times(start, answers)
    assert times.follow_up_days == 120
    assert times.any == TimeToEvent(50, True)
    assert times.activity_limiting == TimeToEvent(70, True)
    assert times.care_seeking == TimeToEvent(70, True)


def test_no_recurrence_is_censored_at_the_last_completed_check_in():
    start = D(2024, 3, 1)
    times = recurrence_times(
        start, [answer(1, D(2024, 3, 31), False), answer(2, D(2024, 5, 5), False)]
    )
    assert times.any == TimeToEvent(65, False)
    assert times.activity_limiting == TimeToEvent(65, False)
    assert times.care_seeking == TimeToEvent(65, False)


def test_onset_missing_or_outside_the_window_is_kept_within_it():
    start = D(2024, 3, 1)
    # No onset date: the day they answered (the latest it can have been).
    assert recurrence_times(start, [answer(1, D(2024, 3, 31), True)]).any == TimeToEvent(30, True)
    # An onset before the programme start counts as day 0; after the answer, as the answer.
    early = recurrence_times(start, [answer(1, D(2024, 3, 31), True, D(2024, 2, 1))])
    assert early.any == TimeToEvent(0, True)
    late = recurrence_times(start, [answer(1, D(2024, 3, 31), True, D(2024, 4, 9))])
    assert late.any == TimeToEvent(30, True)


def test_no_follow_up_yet_is_left_out():
    assert recurrence_times(D(2024, 3, 1), []) is None
    assert recurrence_times(None, [answer(1, D(2024, 3, 31), False)]) is None
