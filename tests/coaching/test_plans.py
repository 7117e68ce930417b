"""Issue 10: a prescription is a plan. Accepted at a session, it steps up each week the patient
is close to target (on their own Monday), steps down when pain rises, and holds otherwise;
guardrails ask for a reason; a mistake is corrected by a version that supersedes it; the
clinic's rules are versioned and refused when they cannot reach the goal in time."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from coaching import services
from coaching.models import Prescription, PrescriptionPlan
from coaching.progress import prescription_on
from tests.coaching.helpers import prescribe, started
from tests.factories import WalkLogFactory
from walkback.accounts.models import ProgrammeRulesVersion
from walkback.audit.models import AuditEvent

START = dt.date(2026, 3, 2)  # a Monday
SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")


def at(day: dt.date, hour: int = 9):
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=SYDNEY), tick=False)


@pytest.fixture
def patient(world):
    with at(START):
        patient = started(world.physio_a, start_on=START)
        prescribe(patient, world.physio_a, on=START, walks=3, minutes=20)  # 60 a week
    return patient


def walk(patient, day: dt.date, minutes: int, pain: int = 2):
    WalkLogFactory(patient=patient, walked_on=day, minutes=minutes, pain=pain)


def walk_week(patient, monday: dt.date, minutes: int, pain: int = 2):
    for offset in (0, 2, 4):
        walk(patient, monday + dt.timedelta(days=offset), minutes // 3, pain)


def advance(day: dt.date) -> int:
    with at(day):
        return services.prescription_plans_advance()


def test_a_week_close_to_target_steps_the_plan_up_on_monday(patient):
    walk_week(patient, START, 60)
    assert advance(START + dt.timedelta(days=6)) == 0  # Sunday: not yet
    assert advance(START + dt.timedelta(days=7)) == 1
    step = prescription_on(patient, START + dt.timedelta(days=7))
    assert 60 < step.weekly_minutes <= 70 and step.plan is not None  # 3 × 23: the step is 10
    assert "last week reached 100% of the target" in step.rationale
    assert AuditEvent.objects.filter(detail__event="plan_step").count() == 1
    # Running again changes nothing; walks logged later never re-decide a past Monday.
    assert advance(START + dt.timedelta(days=8)) == 0
    walk(patient, START + dt.timedelta(days=1), 60, 2)
    assert advance(START + dt.timedelta(days=9)) == 0
    assert Prescription.objects.filter(patient=patient).count() == 2


def test_a_week_below_target_holds_and_a_pain_rise_steps_down(patient):
    walk_week(patient, START, 30)  # 50%
    advance(START + dt.timedelta(days=7))
    assert prescription_on(patient, START + dt.timedelta(days=7)).weekly_minutes == 60
    walk_week(patient, START + dt.timedelta(days=7), 60, pain=5)  # pain 2 -> 5
    advance(START + dt.timedelta(days=14))
    lower = prescription_on(patient, START + dt.timedelta(days=14))
    assert lower.weekly_minutes < 60 and "pain rose from 2 to 5" in lower.rationale


def test_a_newer_plan_supersedes_the_older_plans_later_steps(patient, world):
    walk_week(patient, START, 60)
    advance(START + dt.timedelta(days=7))
    with at(START + dt.timedelta(days=8)):
        newer = prescribe(
            patient, world.physio_a, on=START + dt.timedelta(days=7), walks=3, minutes=22
        )
    assert prescription_on(patient, START + dt.timedelta(days=7)) == newer
    assert PrescriptionPlan.objects.filter(patient=patient, superseded_at__isnull=True).count() == 1
    # The replaced step is kept for the record, and counts nowhere.
    assert Prescription.history.filter(patient=patient, superseded_at__isnull=False).count() == 1


def test_guardrails_ask_for_a_reason_above_the_goal_or_past_the_largest_step(patient, world):
    later = START + dt.timedelta(days=7)
    with at(later), pytest.raises(ValidationError) as error:
        prescribe(patient, world.physio_a, on=later, walks=7, minutes=90)
    assert "630 minutes a week, above the goal" in error.value.message_dict["confirmed_because"][0]
    with at(later), pytest.raises(ValidationError) as error:
        prescribe(patient, world.physio_a, on=later, walks=4, minutes=25)  # 60 -> 100
    assert "adds 40 minutes a week" in error.value.message_dict["confirmed_because"][0]
    assert Prescription.objects.filter(patient=patient).count() == 1  # nothing half-saved
    with at(later):
        saved = prescribe(patient, world.physio_a, on=later, walks=4, minutes=25, confirm="Fit")
    assert saved.confirmed_because == "Fit"


def test_a_mistake_is_corrected_by_a_new_version_never_an_edit(patient, world, client_for):
    mistaken = Prescription.objects.get(patient=patient)
    client = client_for(world.physio_a)
    url = reverse("coaching:prescription-correct", args=[mistaken.pk])
    bad = client.post(url, {"walks_per_week": "3", "minutes_per_walk": "15", "reason": ""})
    assert "Say what was wrong" in bad.content.decode()
    response = client.post(
        url, {"walks_per_week": "3", "minutes_per_walk": "15", "reason": "Typed 20 for 15"}
    )
    assert response.status_code == 302
    corrected = prescription_on(patient, START)
    assert corrected.weekly_minutes == 45 and corrected.supersedes_id == mistaken.pk
    mistaken.refresh_from_db()
    assert mistaken.superseded_at is not None  # kept, marked
    assert AuditEvent.objects.filter(detail__event="corrected", patient=patient).exists()
    # The replaced version cannot be corrected again: it is not found.
    assert client.get(url).status_code == 404
    # Another clinic's physiotherapist cannot reach it either.
    other = client_for(world.physio_b)
    assert (
        other.get(reverse("coaching:prescription-correct", args=[corrected.pk])).status_code == 404
    )


def test_clinic_rules_are_versioned_and_refused_when_the_goal_is_out_of_reach(world):
    clinic = world.clinic_a
    base = {
        "goal_walks_per_week": 5,
        "goal_minutes_per_walk": 30,
        "goal_week": 26,
        "screening_extra_conditions": "",
    }
    with pytest.raises(ValidationError) as error:
        services.clinic_programme_update(
            clinic=clinic, by=world.admin_a, plan_largest_increase=5, plan_step_weeks=2, **base
        )
    assert "reaches the goal only by week" in error.value.message_dict["plan_largest_increase"][0]
    with pytest.raises(ValidationError) as error:
        services.clinic_programme_update(
            clinic=clinic, by=world.admin_a, plan_close_to_target_percent=120, **base
        )
    assert "from 50 to 100" in error.value.message_dict["plan_close_to_target_percent"][0]
    with pytest.raises(ValidationError) as error:
        services.clinic_programme_update(
            clinic=clinic, by=world.admin_a, check_in_months=40, **base
        )
    assert "from 12 to 36 months" in error.value.message_dict["check_in_months"][0]
    services.clinic_programme_update(
        clinic=clinic, by=world.admin_a, plan_largest_increase=15, **base
    )
    clinic.refresh_from_db()
    assert clinic.rules_version == 2 and clinic.plan_largest_increase == 15
    version = ProgrammeRulesVersion.objects.get(clinic=clinic)
    assert version.number == 2 and version.rules["largest_increase"] == 15
    # Saving the same rules again is not a new version.
    services.clinic_programme_update(
        clinic=clinic, by=world.admin_a, plan_largest_increase=15, **base
    )
    assert ProgrammeRulesVersion.objects.filter(clinic=clinic).count() == 1


def test_a_plan_keeps_the_rules_it_was_made_under(patient, world):
    services.clinic_programme_update(
        clinic=world.clinic_a,
        by=world.admin_a,
        goal_walks_per_week=5,
        goal_minutes_per_walk=30,
        goal_week=26,
        screening_extra_conditions="",
        plan_largest_increase=30,
    )
    walk_week(patient, START, 60)
    advance(START + dt.timedelta(days=7))
    # The plan was accepted under a largest step of 10: it rises by 10 at most, not 30.
    assert 60 < prescription_on(patient, START + dt.timedelta(days=7)).weekly_minutes <= 70


def test_keeping_going_starts_by_itself_at_week_26_and_can_be_undone(world):
    """Issue 10: "keeping going" never started by itself."""
    from patients.models import PatientStatus
    from patients.services.enrolment import patient_update

    with at(START):
        patient = started(world.physio_a, start_on=START)
    with at(START + dt.timedelta(weeks=25, days=6)):
        assert services.programme_keeping_going_due() == 0
    with at(START + dt.timedelta(weeks=26)):
        assert services.programme_keeping_going_due() == 1
        assert services.programme_keeping_going_due() == 0  # once
    patient.refresh_from_db()
    assert patient.status == PatientStatus.MAINTENANCE
    assert AuditEvent.objects.filter(patient=patient, detail__why="programme week 26").exists()
    # The physiotherapist can move them back.
    patient_update(patient=patient, by=world.physio_a, status=PatientStatus.ACTIVE)
    patient.refresh_from_db()
    assert patient.status == PatientStatus.ACTIVE


def test_keeping_going_starts_when_session_6_is_done(world):
    from coaching.models import CoachingSession, SessionStatus
    from patients.models import PatientStatus

    with at(START):
        patient = started(world.physio_a, start_on=START)
    session = CoachingSession.objects.get(patient=patient, number=6)
    with at(session.scheduled_at.astimezone(SYDNEY).date()):
        services.session_set_status(session=session, status=SessionStatus.DONE, by=world.physio_a)
    patient.refresh_from_db()
    assert patient.status == PatientStatus.MAINTENANCE
