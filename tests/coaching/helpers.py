"""Patients at a given stage of the programme, reached through the real services (single
rows: the factories in ``tests.factories``)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from coaching import services
from coaching.services.status import caseload_rows_refresh
from patients.models import CheckIn, Patient, PatientStatus
from patients.services.enrolment import screening_record
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


def prescribe(
    patient, physio, *, on: dt.date, walks: int, minutes: int, session=None, confirm: str = ""
):
    """``confirm``: the reason a dose past the guardrails needs (above the goal, or a rise
    larger than the clinic's largest step)."""
    return services.prescription_set(
        patient=patient,
        walks_per_week=walks,
        minutes_per_walk=minutes,
        effective_from=on,
        rationale="Test",
        by=physio,
        session=session,
        confirmed_because=confirm,
    )


def check_in(patient, month: int, due: dt.date, done: bool = False) -> CheckIn:
    """Set the state of a check-in the programme's start planned (or add it)."""
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
