"""Reads of reminder rows, scoped by the requesting user like every patient read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from coaching.models import Reminder, ReminderState
from coaching.reminders.planner import STAFF_KINDS
from patients.models import Patient
from patients.selectors import patients_for

UPCOMING_STATES = (ReminderState.PENDING, ReminderState.QUEUED, ReminderState.CLAIMED)


@dataclass(frozen=True)
class PatientReminders:
    upcoming: list[Reminder]  # planned or on their way, soonest first
    recent: list[Reminder]  # sent, failed, skipped or cancelled, newest first


def reminders_for_patient(user, patient: Patient, *, limit: int = 20) -> PatientReminders:
    """The reminders to and about ``patient`` (two queries), for staff answering "I never
    got it". Out of scope patients give empty lists."""
    rows = Reminder.objects.filter(
        patient_id=patient.pk, patient__in=patients_for(user).values("pk")
    ).select_related("recipient")
    return PatientReminders(
        upcoming=list(rows.filter(state__in=UPCOMING_STATES).order_by("due_at")[:limit]),
        recent=list(rows.exclude(state__in=UPCOMING_STATES).order_by("-due_at")[:limit]),
    )


FAILED_NOTICES_DAYS = 30


def failed_staff_notices(user, *, limit: int = 5) -> list[Reminder]:
    """Notices to the clinic's staff (problem reports, digests) that failed for good in the
    last 30 days, newest first, for the clinic admin: otherwise nobody would know that a
    physiotherapist was never told. One query; ``limit + 1`` rows, so the page can say
    "and more". Empty for anyone but a clinic admin."""
    if not user.is_clinic_admin:
        return []
    since = timezone.now() - dt.timedelta(days=FAILED_NOTICES_DAYS)
    return list(
        Reminder.objects.filter(
            state=ReminderState.FAILED,
            kind__in=STAFF_KINDS,
            recipient__clinic_id=user.clinic_id,
            due_at__gte=since,
        )
        .select_related("recipient", "patient__user")
        .order_by("-due_at")[: limit + 1]
    )
