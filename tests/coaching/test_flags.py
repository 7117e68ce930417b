"""The attention flags on their edges, through ``coaching.flags.flags_for`` and real rows."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching.flags import flags_for
from coaching.models import CoachingSession, SessionStatus
from patients.models import CheckIn, Patient, PatientStatus
from tests.coaching.helpers import check_in, enrolled, prescribe, screened, started
from tests.factories import AdverseEventFactory, WalkLogFactory

pytestmark = pytest.mark.django_db

# Friday 13 March 2026, 02:00 UTC: 13:00 in Sydney (the clinic), still Thursday 12 March in
# Los Angeles.
NOW = dt.datetime(2026, 3, 13, 2, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 13)
THIS_MONDAY = dt.date(2026, 3, 9)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def codes(patient, **kwargs):
    return [flag.code for flag in flags_for([patient], **kwargs)[patient.pk]]


def on_programme(physio, weeks_ago=6, walks=5, minutes=30, **extra):
    start = THIS_MONDAY - dt.timedelta(weeks=weeks_ago)
    patient = started(physio, start_on=start, **extra)
    prescribe(patient, physio, on=start, walks=walks, minutes=minutes)
    CoachingSession.objects.filter(patient=patient, scheduled_at__lt=timezone.now()).update(
        status=SessionStatus.DONE, completed_at=timezone.now()
    )
    return patient


def fill_week(patient, monday, minutes, pain=None, days=3):
    for i in range(days):
        WalkLogFactory(
            patient=patient,
            walked_on=monday + dt.timedelta(days=i),
            minutes=minutes // days + (i < minutes % days),
            pain=pain,
        )


def test_behind_target_needs_both_weeks_under_80_percent(world):
    patient = on_programme(world.physio_a)
    fill_week(patient, THIS_MONDAY - dt.timedelta(weeks=2), 119)
    fill_week(patient, THIS_MONDAY - dt.timedelta(weeks=1), 119)
    WalkLogFactory(patient=patient, walked_on=TODAY, minutes=20)
    assert "behind_target" in codes(patient)


def test_exactly_80_percent_in_one_week_clears_behind_target(world):
    patient = on_programme(world.physio_a)
    fill_week(patient, THIS_MONDAY - dt.timedelta(weeks=2), 120)
    fill_week(patient, THIS_MONDAY - dt.timedelta(weeks=1), 10)
    WalkLogFactory(patient=patient, walked_on=TODAY, minutes=20)
    assert "behind_target" not in codes(patient)


def test_weeks_with_no_logs_are_behind(world):
    patient = on_programme(world.physio_a)
    assert set(codes(patient)) >= {"behind_target", "no_recent_log"}


def test_mid_week_start_counts_the_partial_first_week(world):
    wednesday = THIS_MONDAY - dt.timedelta(weeks=2) + dt.timedelta(days=2)
    patient = started(world.physio_a, start_on=wednesday)
    prescribe(patient, world.physio_a, on=wednesday, walks=3, minutes=10)
    # Week 0 (Wed-Sun): target 150/7 = 21.4 min; 17 minutes are under 80%, 18 would not be.
    WalkLogFactory(patient=patient, walked_on=wednesday, minutes=17)
    WalkLogFactory(
        patient=patient, walked_on=THIS_MONDAY - dt.timedelta(days=3), minutes=10
    )  # last week: 10 of 30
    WalkLogFactory(patient=patient, walked_on=TODAY, minutes=10)
    assert "behind_target" in codes(patient)
    WalkLogFactory(patient=patient, walked_on=wednesday + dt.timedelta(days=1), minutes=1)
    assert "behind_target" not in codes(patient)


def test_pain_up_by_two_points_over_a_week(world):
    patient = on_programme(world.physio_a)
    fill_week(patient, THIS_MONDAY - dt.timedelta(weeks=1), 150, pain=3)
    WalkLogFactory(patient=patient, walked_on=THIS_MONDAY, minutes=30, pain=5)
    assert "pain_rising" in codes(patient)


def test_pain_up_by_less_than_two_is_not_flagged(world):
    patient = on_programme(world.physio_a)
    fill_week(patient, THIS_MONDAY - dt.timedelta(weeks=1), 150, pain=3)
    WalkLogFactory(patient=patient, walked_on=THIS_MONDAY, minutes=30, pain=4)
    assert "pain_rising" not in codes(patient)


@pytest.mark.parametrize(("clinic_rise", "flagged"), [(1, True), (3, False), (4, False)])
def test_pain_up_follows_the_clinics_own_pain_rise(world, clinic_rise, flagged):
    """Issue 10: the flag used a constant 2 whatever the clinic had set; the caseload row's
    arrow, written by the refresh, says "up" exactly when the flag is raised."""
    from coaching.models import CaseloadRow
    from coaching.services.status import caseload_rows_refresh

    world.clinic_a.plan_pain_rise = clinic_rise
    world.clinic_a.save()
    patient = on_programme(world.physio_a)
    fill_week(patient, THIS_MONDAY - dt.timedelta(weeks=1), 150, pain=3)
    WalkLogFactory(patient=patient, walked_on=THIS_MONDAY, minutes=30, pain=5)  # up 2 points
    assert ("pain_rising" in codes(patient)) is flagged
    caseload_rows_refresh(patient_ids=[patient.pk])
    row = CaseloadRow.objects.get(patient=patient)
    assert (row.pain_trend == "up") is flagged
    assert (row.pain_trend, any(code == "pain_rising" for code, _ in row.flags)) == (
        "up" if flagged else "steady",
        flagged,
    )


def test_a_new_pain_rise_rule_rewrites_the_caseload_rows(world):
    from coaching.models import CaseloadRow
    from coaching.services import clinic_programme_update

    patient = on_programme(world.physio_a)
    fill_week(patient, THIS_MONDAY - dt.timedelta(weeks=1), 150, pain=3)
    WalkLogFactory(patient=patient, walked_on=THIS_MONDAY, minutes=30, pain=5)
    assert CaseloadRow.objects.get(patient=patient).pain_trend == "up"
    clinic = world.clinic_a
    clinic_programme_update(
        clinic=clinic,
        by=world.admin_a,
        goal_walks_per_week=clinic.goal_walks_per_week,
        goal_minutes_per_walk=clinic.goal_minutes_per_walk,
        goal_week=clinic.goal_week,
        screening_extra_conditions="",
        plan_pain_rise=3,
    )
    row = CaseloadRow.objects.get(patient=patient)
    assert row.pain_trend == "steady" and "pain_rising" not in [code for code, _ in row.flags]


# --- Keeping going (issue 10) -----------------------------------------------------------------


def keeping_going(physio, minutes_by_week_back: dict[int, int]):
    """A patient past the six months on 5 x 30 (150 a week), keeping going, who walked these
    minutes 1, 2, 3... weeks back."""
    patient = on_programme(physio, weeks_ago=30)
    Patient.objects.filter(pk=patient.pk).update(status=PatientStatus.MAINTENANCE)
    patient.refresh_from_db()
    for back, minutes in minutes_by_week_back.items():
        fill_week(patient, THIS_MONDAY - dt.timedelta(weeks=back), minutes)
    WalkLogFactory(patient=patient, walked_on=TODAY, minutes=20)
    return patient


def test_two_low_weeks_flag_a_patient_in_the_programme_but_not_one_keeping_going(world):
    """Issue 10: a patient keeping going was flagged "behind target" week by week."""
    weeks = {1: 90, 2: 90, 3: 150, 4: 150}  # 60%, 60%, then on target: 80% over four weeks
    keeping = keeping_going(world.physio_a, weeks)
    assert not {"behind_target", "behind_keeping_going"} & set(codes(keeping))
    active = on_programme(world.physio_a, weeks_ago=30)
    for back, minutes in weeks.items():
        fill_week(active, THIS_MONDAY - dt.timedelta(weeks=back), minutes)
    assert "behind_target" in codes(active)


def test_keeping_going_is_judged_on_four_weeks_against_the_maintenance_target(world):
    patient = keeping_going(world.physio_a, {1: 90, 2: 90, 3: 150, 4: 149})  # 79.8%
    flags = flags_for([patient])[patient.pk]
    assert [(f.code, f.label, f.detail) for f in flags if "behind" in f.code] == [
        ("behind_keeping_going", "Below keeping-going target", "79% of it over the last 4 weeks.")
    ]
    assert "behind_target" not in codes(patient)


def test_a_dose_the_physio_sets_while_keeping_going_is_the_new_maintenance_target(world):
    patient = keeping_going(world.physio_a, {1: 90, 2: 90, 3: 90, 4: 90})  # 60% of 150
    assert "behind_keeping_going" in codes(patient)
    # Agreed at the last session: 3 x 30 from four weeks ago; 90 a week is on it.
    prescribe(patient, world.physio_a, on=THIS_MONDAY - dt.timedelta(weeks=4), walks=3, minutes=30)
    assert "behind_keeping_going" not in codes(patient)


def test_a_plan_does_not_step_once_the_patient_keeps_going(world):
    """The maintenance target is the dose in force when the programme ended: the weekly step
    of a rising plan stops for a patient keeping going."""
    from coaching.models import Prescription
    from coaching.services import prescription_plans_advance

    patient = on_programme(world.physio_a, weeks_ago=3, walks=3, minutes=20)  # 60 a week
    Patient.objects.filter(pk=patient.pk).update(status=PatientStatus.MAINTENANCE)
    for back in (1, 2, 3):
        fill_week(patient, THIS_MONDAY - dt.timedelta(weeks=back), 60)
    assert prescription_plans_advance() == 0
    assert Prescription.objects.filter(patient=patient).count() == 1
    # The same weeks step the plan of a patient still in the programme.
    Patient.objects.filter(pk=patient.pk).update(status=PatientStatus.ACTIVE)
    assert prescription_plans_advance() > 0


@pytest.mark.parametrize(("days_ago", "flagged"), [(6, False), (7, True)])
def test_no_log_for_seven_days(world, days_ago, flagged):
    patient = on_programme(world.physio_a)
    WalkLogFactory(patient=patient, walked_on=TODAY - dt.timedelta(days=days_ago), minutes=30)
    assert ("no_recent_log" in codes(patient)) is flagged


def test_new_programme_is_not_flagged_for_missing_logs_in_its_first_week(world):
    patient = started(world.physio_a, start_on=TODAY - dt.timedelta(days=6))
    assert "no_recent_log" not in codes(patient)


def test_far_time_zone_uses_the_patients_own_today_and_week(world):
    """Los Angeles is still on Thursday 12 March while the Sydney clinic is on Friday 13."""
    patient = on_programme(world.physio_a, time_zone="America/Los_Angeles")
    WalkLogFactory(
        patient=patient, walked_on=dt.date(2026, 3, 6), minutes=150
    )  # last log: 6 days before the patient's today
    assert "no_recent_log" not in codes(patient)
    # Measured from the clinic's date it would be 7 days, and flagged.
    assert "no_recent_log" in codes(patient, today=TODAY)


def test_far_time_zone_week_boundary(world):
    """Sunday evening in Los Angeles is already Monday in Sydney: the week just ending is still
    the patient's current week, not a complete one."""
    with time_machine.travel(dt.datetime(2026, 3, 16, 2, 0, tzinfo=dt.UTC), tick=False):
        patient = on_programme(world.physio_a, time_zone="America/Los_Angeles")
        fill_week(patient, dt.date(2026, 2, 23), 60)  # behind
        fill_week(patient, dt.date(2026, 3, 2), 60)  # behind
        fill_week(patient, dt.date(2026, 3, 9), 150)  # on target, the patient's current week
        assert patient.today() == dt.date(2026, 3, 15)
        assert "behind_target" in codes(patient)
        # On the clinic's Monday the complete weeks would be 2 and 9 March: not both behind.
        assert "behind_target" not in codes(patient, today=dt.date(2026, 3, 16))


def test_screening_incomplete_and_clearance_missing(world):
    fresh = enrolled(world.physio_a, on=TODAY)
    assert codes(fresh) == ["screening_incomplete"]
    half = screened(enrolled(world.physio_a, on=TODAY), world.physio_a, able_to_walk=None)
    assert codes(half) == ["screening_incomplete"]
    flagged = screened(enrolled(world.physio_a, on=TODAY), world.physio_a, older_age=True)
    assert codes(flagged) == ["clearance_missing"]
    cleared = screened(
        enrolled(world.physio_a, on=TODAY),
        world.physio_a,
        older_age=True,
        clearance_date=TODAY,
    )
    assert codes(cleared) == []


def test_session_overdue_after_a_day(world):
    patient = on_programme(world.physio_a, weeks_ago=1)
    fill_week(patient, THIS_MONDAY - dt.timedelta(weeks=1), 150)
    WalkLogFactory(patient=patient, walked_on=TODAY, minutes=30)
    session = CoachingSession.objects.get(patient=patient, number=2)
    session.scheduled_at = timezone.now() - dt.timedelta(hours=23)
    session.save()
    assert "session_overdue" not in codes(patient)
    session.scheduled_at = timezone.now() - dt.timedelta(hours=25)
    session.save()
    assert "session_overdue" in codes(patient)
    # The row names the session (issue 10).
    (flag,) = [f for f in flags_for([patient])[patient.pk] if f.code == "session_overdue"]
    assert flag.detail.startswith("Session 2, ")
    session.status = SessionStatus.MISSED
    session.save()
    assert "session_overdue" not in codes(patient)


def test_check_in_overdue_from_the_day_after_it_is_due(world):
    patient = on_programme(world.physio_a)
    CheckIn.objects.filter(patient=patient).delete()
    check_in(patient, 1, TODAY)
    assert "check_in_overdue" not in codes(patient)
    check_in(patient, 1, TODAY - dt.timedelta(days=1))
    assert "check_in_overdue" in codes(patient)


def test_a_missed_month_stops_flagging_once_the_next_falls_due(world):
    patient = on_programme(world.physio_a)
    CheckIn.objects.filter(patient=patient).delete()
    check_in(patient, 1, TODAY - dt.timedelta(days=30))
    assert "check_in_overdue" in codes(patient)
    check_in(patient, 2, TODAY)  # month 2 is asked now; month 1 is not asked again
    assert "check_in_overdue" not in codes(patient)


def test_completed_check_in_is_not_overdue(world):
    patient = on_programme(world.physio_a)
    check_in(patient, 1, TODAY - dt.timedelta(days=20), done=True)
    assert "check_in_overdue" not in codes(patient)


def test_unreviewed_adverse_event_until_reviewed(world):
    from coaching.services.adverse_events import adverse_event_mark_reviewed

    patient = on_programme(world.physio_a)
    event = AdverseEventFactory(patient=patient, occurred_on=TODAY)
    assert codes(patient)[0] == "adverse_event"  # the most urgent flag comes first
    adverse_event_mark_reviewed(event=event, by=world.physio_a)
    assert "adverse_event" not in codes(patient)


def test_discharged_patients_are_not_flagged(world):
    patient = on_programme(world.physio_a)
    patient.status = "discharged"
    patient.save()
    assert codes(patient) == []


def test_flags_for_runs_a_fixed_number_of_queries(world):
    few = [on_programme(world.physio_a) for _ in range(2)]
    many = few + [on_programme(world.physio_a) for _ in range(6)]
    for patient in many:
        fill_week(patient, THIS_MONDAY - dt.timedelta(weeks=1), 150, pain=2)
        AdverseEventFactory(patient=patient, occurred_on=TODAY)
    with CaptureQueriesContext(connection) as small:
        flags_for(few)
    with CaptureQueriesContext(connection) as large:
        result = flags_for(many)
    assert len(small) == len(large) == 3
    assert set(result) == {p.pk for p in many}


def test_a_recurrence_told_at_a_check_in_raises_a_caseload_flag(world):
    """Issue 10: a care-seeking recurrence showed nowhere on the caseload or patient page."""
    from coaching.flags import summaries_for
    from patients.services.check_ins import check_in_submit

    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        patient = started(world.physio_a, start_on=dt.date(2026, 3, 2))
    answered = dt.datetime(2026, 4, 3, 9, tzinfo=dt.UTC)
    with time_machine.travel(answered, tick=False):
        check_in_submit(
            patient=patient,
            by=patient.user,
            month_number=1,
            any_pain=True,
            onset_date=dt.date(2026, 3, 20),
            lasted_24_hours=True,
            limited_activity=True,
            care_sought=True,
            care_type="gp",
            average_pain=3,
            worst_pain=6,
            days_off_work=1,
        )
        flags = summaries_for([patient])[patient.pk].flags
    assert "recurrence" in [flag.code for flag in flags]
    assert "month 1" in next(f.detail for f in flags if f.code == "recurrence")
    # A month and more later it has left the caseload (the patient page keeps the answer).
    with time_machine.travel(answered + dt.timedelta(days=32), tick=False):
        assert "recurrence" not in [f.code for f in summaries_for([patient])[patient.pk].flags]
