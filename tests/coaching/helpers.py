"""Building patients at a given stage through the real services."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from coaching import services
from coaching.services import caseload_rows_refresh
from patients.models import AdverseEvent, CheckIn, Patient, PatientStatus, WalkLog
from patients.services import screening_record
from tests.factories import PatientFactory


def enrolled(physio, *, on: dt.date, time_zone: str | None = None, **extra) -> Patient:
    patient = PatientFactory(
        clinic=physio.clinic,
        physiotherapist=physio,
        status=PatientStatus.SCREENING,
        time_zone=time_zone or physio.clinic.time_zone,
        **extra,
    )
    created = dt.datetime.combine(on, dt.time(9), tzinfo=zoneinfo.ZoneInfo(physio.clinic.time_zone))
    Patient.objects.filter(pk=patient.pk).update(created_at=created)
    patient.refresh_from_db()
    return patient


def screened(patient, physio, **answers) -> Patient:
    values = {
        "recovered_in_last_6_months": True,
        "episode_lasted_24h": True,
        "able_to_walk": True,
        "already_active_3_per_week": False,
        "baseline_minutes_per_week": 40,
    }
    values.update(answers)
    screening_record(patient=patient, by=physio, **values)
    patient.refresh_from_db()
    return patient


def started(physio, *, start_on: dt.date, time_zone: str | None = None, **extra) -> Patient:
    patient = enrolled(physio, on=start_on - dt.timedelta(days=3), time_zone=time_zone, **extra)
    screened(patient, physio)
    services.programme_start(patient=patient, start_on=start_on, by=physio)
    patient.refresh_from_db()
    return patient


def prescribe(patient, physio, *, on: dt.date, walks: int, minutes: int, session=None):
    return services.prescription_set(
        patient=patient,
        walks_per_week=walks,
        minutes_per_walk=minutes,
        effective_from=on,
        rationale="Test",
        by=physio,
        session=session,
    )


def walk(patient, day: dt.date, minutes: int, pain: int | None = None) -> WalkLog:
    row = WalkLog.objects.create(patient=patient, walked_on=day, minutes=minutes, pain=pain)
    caseload_rows_refresh(patient_ids=[patient.pk])  # as the walk services do
    return row


def adverse_event(patient, day: dt.date) -> AdverseEvent:
    event = AdverseEvent.objects.create(
        patient=patient,
        occurred_on=day,
        body_region="knee",
        severity="mild",
        related_to_walking="yes",
    )
    caseload_rows_refresh(patient_ids=[patient.pk])
    return event


def check_in(patient, month: int, due: dt.date, done: bool = False) -> CheckIn:
    from django.utils import timezone

    # Starting the programme plans the check-in rows; a test sets the one it needs.
    row, _ = CheckIn.objects.update_or_create(
        patient=patient,
        month_number=month,
        defaults={
            "due_on": due,
            "completed_at": timezone.now() if done else None,
            "any_pain": False if done else None,  # an answered check-in says whether
        },
    )
    caseload_rows_refresh(patient_ids=[patient.pk])
    return row
