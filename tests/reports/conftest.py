"""Clinic data for the report tests: both clinics of ``world`` get a programme's worth of
history, clinic B's under its distinctive "Zebracorn" names, so any leak shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coaching.models import SessionMode, SessionStatus
from coaching.proms.models import QuestionnaireResponse
from patients.models import BodyRegion, Severity, WalkingRelated, WalkLog
from tests.factories import (
    AdverseEventFactory,
    CheckInFactory,
    CoachingSessionFactory,
    PatientFactory,
    PrescriptionFactory,
)

LEAK = "Zebracorn"


def give_history(patient, physio, *, start: dt.date, today: dt.date, region=BodyRegion.KNEE):
    patient.programme_start = start
    patient.save(update_fields=["programme_start"])
    PrescriptionFactory(
        patient=patient, effective_from=start, walks_per_week=3, minutes_per_walk=20, author=physio
    )
    walks = []
    day = start
    while day < today:
        walks.append(WalkLog(patient=patient, walked_on=day, minutes=25, pain=1))
        day += dt.timedelta(days=2)
    WalkLog.objects.bulk_create(walks)
    zone = patient.zone
    for number, (mode, status) in enumerate(
        [
            (SessionMode.IN_PERSON, SessionStatus.DONE),
            (SessionMode.PHONE, SessionStatus.DONE),
            (SessionMode.VIDEO, SessionStatus.MISSED),
        ],
        start=1,
    ):
        scheduled_at = dt.datetime.combine(
            start + dt.timedelta(weeks=2 * (number - 1)), dt.time(10), tzinfo=zone
        )
        CoachingSessionFactory(
            patient=patient,
            number=number,
            purpose="prescribe",
            mode=mode,
            status=status,
            scheduled_at=scheduled_at,
            # The schema asks a done session for its completion time and a video one for a link.
            completed_at=scheduled_at if status == SessionStatus.DONE else None,
            video_link="https://video.example.test/room" if mode == SessionMode.VIDEO else "",
        )
    for month in (1, 2, 3):
        due = start + dt.timedelta(days=30 * month)
        CheckInFactory(
            patient=patient,
            month_number=month,
            due_on=due,
            completed_at=dt.datetime.combine(due, dt.time(12), tzinfo=zone),
            any_pain=month == 2,
            onset_date=due - dt.timedelta(days=5) if month == 2 else None,
            activity_limiting=month == 2,
            care_sought=False,
        )
    AdverseEventFactory(
        patient=patient,
        occurred_on=start + dt.timedelta(days=10),
        body_region=region,
        severity=Severity.MILD,
        related_to_walking=WalkingRelated.YES,
        description=f"{LEAK} secret description",
    )
    # Outcome questionnaires (issue 15): pain at enrolment and week 12, answered by the patient.
    QuestionnaireResponse.objects.bulk_create(
        QuestionnaireResponse(
            patient=patient,
            instrument="nprs",
            version=1,
            week=week,
            answers={"pain": pain},
            score=pain,
            answered_by=patient.user,
            completed_at=dt.datetime.combine(
                start + dt.timedelta(weeks=week), dt.time(12), tzinfo=zone
            ),
        )
        for week, pain in ((0, 6), (12, 3))
    )


@pytest.fixture
def seeded(world):
    today = timezone.now().date()
    start = today - dt.timedelta(days=120)
    give_history(world.patient_a, world.physio_a, start=start, today=today)
    give_history(world.patient_a2, world.physio_a2, start=start, today=today)
    give_history(world.patient_b, world.physio_b, start=start, today=today, region=BodyRegion.HIP)
    return world


def add_patients(world, n: int):
    """``n`` more clinic A patients with a history, to show counts do not grow with them."""
    today = timezone.now().date()
    for _ in range(n):
        patient = PatientFactory(clinic=world.clinic_a, physiotherapist=world.physio_a)
        give_history(patient, world.physio_a, start=today - dt.timedelta(days=60), today=today)


def run_refreshes() -> int:
    """Run every figure refresh asked for, here, as the ``reports`` worker would: the page
    only asks (issue 16)."""
    from walkback.reports import services
    from walkback.reports.models import FigureRefresh

    ids = list(FigureRefresh.objects.values_list("pk", flat=True))
    for refresh_id in ids:
        services.figures_refresh_run(refresh_id=refresh_id)
    return len(ids)


@pytest.fixture
def figures(seeded):
    """``seeded`` with the periodic refresh of the default views done."""
    from walkback.reports import services

    services.figures_refresh_all()
    run_refreshes()
    return seeded


@pytest.fixture
def queued(monkeypatch, django_capture_on_commit_callbacks):
    """The refresh ids handed to the broker by what runs inside ``with queued.capture():``
    (its on-commit callbacks are run, as after a real commit)."""

    class Queued(list):
        def capture(self):
            return django_capture_on_commit_callbacks(execute=True)

    calls = Queued()
    monkeypatch.setattr("walkback.reports.tasks.figures_refresh_run_task.delay", calls.append)
    return calls
