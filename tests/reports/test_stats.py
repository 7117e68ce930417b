"""The statistics against small cases worked by hand (the issue's "must be true")."""

from __future__ import annotations

import datetime as dt

import pytest

from coaching.progress import Timeline, Version, WeekRow, WeekTotals
from patients.outcomes import CheckInAnswer, TimeToEvent, recurrence_times
from walkback.reports import stats

D = dt.date


# --- Weeks on target ------------------------------------------------------------------------


def totals(**weeks) -> dict[dt.date, WeekTotals]:
    """week_YYYY_MM_DD=(minutes, walks, days walked)"""
    result = {}
    for name, (minutes, walks, days) in weeks.items():
        monday = D(*map(int, name.split("_")[1:]))
        result[monday] = WeekTotals(week=monday, minutes=minutes, walks=walks, days_walked=days)
    return result


def timeline(*versions) -> Timeline:
    """versions: (effective from, walks per week, minutes per walk)"""
    return Timeline([Version(*v) for v in versions])


def test_ended_programme_weeks_count_the_partial_first_week_and_not_the_current_one():
    # Start Wednesday 3 Jan 2024: week 0 is Mon 1 Jan; week 1 is Mon 8 - Sun 14 Jan.
    weeks = stats.ended_programme_weeks(D(2024, 1, 3), today=D(2024, 1, 22))
    # Weeks 0 to 2 ended (Sun 7, 14, 21 Jan); week 3 (22-28) is still running.
    assert weeks == [(0, D(2024, 1, 1)), (1, D(2024, 1, 8)), (2, D(2024, 1, 15))]


def test_share_of_weeks_on_target_worked_by_hand():
    """Start Wed 3 Jan 2024, 3 x 15 min (45 a week) from the start, 4 x 20 (80) from Wed 17 Jan.
    Today Mon 5 Feb, so weeks 0-4 have ended. Targets are day by day (docs/programme-rules.md):
      week 0 (1 Jan):  Wed-Sun at 45:            225/7 = 32.1 (shown 33); 35 min -> on target
      week 1 (8 Jan):  45;                        50 min -> on target
      week 2 (15 Jan): Mon-Tue 45, Wed-Sun 80:    490/7 = 70;              60 min -> not
      week 3 (22 Jan): 80; no walks                                        -> not (zeros)
      week 4 (29 Jan): 80;                        80 min -> on target (reaching it counts)
    3 of 5 weeks: 60%."""
    walked = totals(
        week_2024_1_1=(35, 2, 2),
        week_2024_1_8=(50, 3, 3),
        week_2024_1_15=(60, 3, 2),
        week_2024_1_29=(80, 4, 4),
        week_2024_2_5=(500, 9, 7),  # the current week: not counted
    )
    tl = timeline((D(2024, 1, 3), 3, 15), (D(2024, 1, 17), 4, 20))
    weeks = stats.patient_weeks(D(2024, 1, 3), D(2024, 2, 5), walked, tl)
    assert [(w.programme_week, w.minutes, w.target_minutes, w.on_target) for w in weeks] == [
        (0, 35, 33, True),
        (1, 50, 45, True),
        (2, 60, 70, False),
        (3, 0, 80, False),
        (4, 80, 80, True),
    ]
    share = stats.share_of_weeks_on_target(weeks)
    assert (share.part, share.whole, share.percent) == (3, 5, 60.0)


def test_weeks_without_a_prescription_are_not_judged():
    weeks = stats.patient_weeks(
        D(2024, 1, 1),
        D(2024, 1, 29),
        totals(week_2024_1_8=(100, 3, 3)),
        timeline((D(2024, 1, 15), 3, 20)),
    )
    # Weeks 0 and 1 had no prescription yet; weeks 2 and 3 had 60 and no walks.
    assert [w.on_target for w in weeks] == [None, None, False, False]
    assert stats.share_of_weeks_on_target(weeks) == stats.Share(part=0, whole=2)


def week(k: int, minutes: int, walks: int) -> WeekRow:
    monday = D(2024, 1, 1) + dt.timedelta(weeks=k)
    return WeekRow(
        monday=monday,
        programme_week=k,
        totals=WeekTotals(week=monday, minutes=minutes, walks=walks, days_walked=walks),
        target=None,
        is_current=False,
    )


def test_median_minutes_by_week_counts_empty_weeks_as_zero():
    patients = [
        [week(0, 5, 1), week(1, 30, 1), week(2, 90, 1)],  # week 0 is not in the medians
        [week(1, 0, 0), week(2, 120, 1)],
        [week(1, 60, 1)],  # week 2 has not ended for this one yet
    ]
    result = stats.median_minutes_by_week(patients, last=3)
    # Week 1: 0, 30, 60 -> 30; week 2: 90, 120 -> 105; week 3: nobody yet.
    assert result == [(1, 30.0, 3), (2, 105.0, 2), (3, None, 0)]


def test_still_logging_at_a_week():
    patients = [
        [week(12, 40, 2)],
        [week(12, 0, 0)],
        [week(11, 60, 3)],
        [week(12, 20, 1), week(13, 0, 0)],
    ]
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


def test_a_missed_month_censors_at_its_start_and_nothing_after_it_counts():
    """Issue 10: a month nobody answered counted as recurrence-free, and follow-up ran to the
    last answered check-in."""
    from patients.outcomes import MissedMonth

    start = D(2024, 3, 1)
    answers = [
        answer(1, D(2024, 4, 1), False),
        MissedMonth(2, window_start=D(2024, 4, 1)),  # month 2: nobody answered
        answer(3, D(2024, 6, 1), True, D(2024, 5, 20), True, True),
    ]
    times = recurrence_times(start, answers)
    # Censored at the start of month 2, not at month 3, and month 3's recurrence is not used.
    assert times.any == TimeToEvent(31, False)
    assert times.activity_limiting == TimeToEvent(31, False)
    assert times.follow_up_days == 31


@pytest.mark.django_db
def test_missed_months_come_from_the_database(world):
    from patients.outcomes import MissedMonth, answers_for
    from tests.factories import CheckInFactory

    patient = world.patient_a
    CheckInFactory(patient=patient, month_number=1, due_on=D(2024, 4, 1), answered=True)
    CheckInFactory(patient=patient, month_number=2, due_on=D(2024, 5, 1))  # never answered
    CheckInFactory(patient=patient, month_number=3, due_on=D(2024, 6, 1))  # open now
    found = answers_for([patient.pk], {patient.pk: "UTC"}, today=D(2024, 6, 5))[patient.pk]
    assert [type(a).__name__ for a in found] == ["CheckInAnswer", "MissedMonth"]
    assert found[1] == MissedMonth(2, window_start=D(2024, 4, 1))


def test_kaplan_meier_confidence_interval_by_greenwood():
    """Issue 10: recurrence-free curves carry 95% bands. Ten people, one event at day 10 and
    one at day 20: S = 0.9, then 0.8; Greenwood's sum 1/90, then 1/90 + 1/72."""
    import math

    observations = [(10, True), (20, True)] + [(30, False)] * 8
    steps = stats.kaplan_meier(observations)
    first, second = steps[0], steps[1]
    assert first.survival == pytest.approx(0.9) and second.survival == pytest.approx(0.8)
    spread = 1.959964 * math.sqrt(1 / 90 + 1 / 72) / abs(math.log(0.8))
    assert second.lower == pytest.approx(0.8 ** math.exp(spread))
    assert second.upper == pytest.approx(0.8 ** math.exp(-spread))
    assert 0 < second.lower < 0.8 < second.upper < 1
    assert steps[-1].lower == second.lower  # censorings do not move the interval
