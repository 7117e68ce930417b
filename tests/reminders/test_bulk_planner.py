"""Issue 16: the periodic planner plans in bulk (docs/reminders.md, "Speed"). It must decide
exactly as the write-time service does for each patient, whatever the chunk size, only for
the clinic it is given, in a number of queries that does not grow with the patients, and two
planners at once still write each reminder once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coaching.models import Reminder, SessionStatus
from coaching.reminders.services import reminders_plan_for_patient, reminders_plan_upcoming
from patients.models import PatientStatus
from tests.factories import (
    CheckInFactory,
    ClinicFactory,
    CoachingSessionFactory,
    PatientFactory,
    UserFactory,
    WalkLogFactory,
)
from tests.reminders.helpers import at

SYDNEY = "Australia/Sydney"
WEDNESDAY = at(SYDNEY, 2025, 6, 4, 10, 0)  # 10:00 in Sydney


@pytest.fixture
def now():
    with time_machine.travel(WEDNESDAY, tick=False):
        yield WEDNESDAY


def _varied_clinic(name: str, zone: str = SYDNEY, size: int = 1) -> list:
    """Patients that exercise every rule of the planner: chosen and default times, walking
    days standing in, a pause, a nudge due, a check-in due, sessions in the horizon, other
    zones, and patients who get nothing (stopped, login off, discharged)."""
    clinic = ClinicFactory(name=name, time_zone=zone)
    physio = UserFactory(clinic=clinic)
    today = WEDNESDAY.date()
    patients = []
    for n in range(size):
        chosen = PatientFactory(
            clinic=clinic,
            physiotherapist=physio,
            reminder_days=list(range(7)),
            reminder_time=dt.time(7, 30),
            programme_start=today - dt.timedelta(days=30),
        )
        WalkLogFactory(patient=chosen, walked_on=today - dt.timedelta(days=4 + n % 3))
        default_time = PatientFactory(
            clinic=clinic, preferred_days=[3, 4], programme_start=today - dt.timedelta(days=3)
        )
        CheckInFactory(patient=default_time, due_on=today + dt.timedelta(days=1))
        CoachingSessionFactory(
            patient=default_time,
            scheduled_at=WEDNESDAY + dt.timedelta(days=1, hours=2),
            status=SessionStatus.PLANNED,
        )
        paused = PatientFactory(
            clinic=clinic,
            time_zone="Europe/London",
            reminder_days=[3, 4, 5],
            reminder_time=dt.time(18, 0),
            reminders_paused_until=today + dt.timedelta(days=2),
        )
        screening = PatientFactory(clinic=clinic, status=PatientStatus.SCREENING)
        CoachingSessionFactory(
            patient=screening,
            scheduled_at=WEDNESDAY + dt.timedelta(days=2),
            status=SessionStatus.PLANNED,
        )
        stopped = PatientFactory(clinic=clinic, reminder_days=[3], reminders_by_email=False)
        login_off = PatientFactory(clinic=clinic, reminder_days=[3], user__is_active=False)
        discharged = PatientFactory(
            clinic=clinic, reminder_days=[3], status=PatientStatus.DISCHARGED
        )
        patients += [chosen, default_time, paused, screening, stopped, login_off, discharged]
    Reminder.objects.all().delete()  # whatever the factories' services planned
    return patients


def _rows(**filters) -> set[tuple]:
    return set(
        Reminder.objects.filter(**filters).values_list(
            "idempotency_key",
            "kind",
            "due_at",
            "recipient_id",
            "patient_id",
            "session_id",
            "check_in_id",
            "state",
            "channel",
            "attempts",
            "last_error",
        )
    )


def test_the_bulk_planner_decides_as_the_write_time_service_in_any_chunk_size(db, now):
    patients = _varied_clinic("Harbour Physio", size=2)
    clinic = patients[0].clinic
    elsewhere = _varied_clinic("Zebracorn Clinic", zone="Europe/London")

    reminders_plan_upcoming(clinic=clinic, chunk=3)
    in_chunks = _rows()
    assert {key.split(":")[0] for key, *_ in in_chunks} == {
        "walk",
        "nudge",
        "check_in",
        "check_in_again",
        "session_day",
        "session_hour",
    }
    # Only the clinic it was given: not a row for the other clinic's patients.
    assert not Reminder.objects.filter(recipient__clinic=elsewhere[0].clinic).exists()
    assert not Reminder.objects.filter(patient__in=patients[4:7]).exists()

    Reminder.objects.all().delete()
    reminders_plan_upcoming(clinic=clinic, chunk=1000)
    assert _rows() == in_chunks

    Reminder.objects.all().delete()
    for patient in patients:
        reminders_plan_for_patient(patient=patient)
    assert _rows() == in_chunks

    # Planning again adds nothing and changes nothing.
    reminders_plan_upcoming(clinic=clinic, chunk=2)
    reminders_plan_upcoming()
    assert _rows(patient__clinic=clinic) == in_chunks


def _planner_reads(clinic) -> int:
    with CaptureQueriesContext(connection) as queries:
        reminders_plan_upcoming(clinic=clinic, chunk=500)
    # Reads only: SQLite caps the rows of one insert, so its insert count grows with the rows
    # (PostgreSQL's is one per chunk).
    return sum(query["sql"].lstrip().upper().startswith("SELECT") for query in queries)


def test_the_planners_queries_do_not_grow_with_the_patients(db, now):
    """A rule that read a field the planner does not load (``PLANNER_FIELDS``), or a related
    row per patient, would add a query per patient here."""
    small = _varied_clinic("Small", size=1)[0].clinic
    large = _varied_clinic("Large", size=6)[0].clinic
    assert Reminder.objects.count() == 0
    small_reads = _planner_reads(small)
    large_reads = _planner_reads(large)
    assert Reminder.objects.filter(patient__clinic=large).count() > 5 * (
        Reminder.objects.filter(patient__clinic=small).count()
    )
    assert large_reads == small_reads


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_planners_at_once_write_each_reminder_once(postgres):
    with time_machine.travel(WEDNESDAY, tick=False):
        patients = _varied_clinic("Harbour Physio", size=3)
        reminders_plan_upcoming(clinic=patients[0].clinic)
        expected = _rows()
        Reminder.objects.all().delete()
        errors: list[BaseException] = []

        def plan():
            try:
                reminders_plan_upcoming(chunk=2)
            except BaseException as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=plan) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert _rows() == expected
