"""Reads of reminder rows, scoped by the requesting user like every patient read."""

from __future__ import annotations

from dataclasses import dataclass

from coaching.models import Reminder, ReminderState
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
