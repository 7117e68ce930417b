"""Demo data for reminders (``DEMO_SEEDERS``): the demo patient's reminder choices, the
reminders the planner makes from them, and one walk reminder due a minute after the demo
starts, so a newcomer sees the whole chain (beat → sweep → worker → e-mail in the console)
within two minutes. Running it again tops up: it adds a fresh one-minute reminder only when
none is waiting, so repeated starts never pile them up."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from coaching.models import Reminder, ReminderKind, ReminderState
from coaching.reminders.services import reminders_plan_for_patient, reminders_plan_upcoming

DEMO_KEY_PREFIX = "demo-walk:"


def seed_reminders(context: dict) -> None:
    patient = context["patient"]
    if patient.reminder_time is None:
        patient.reminder_time = dt.time(7, 30)
        patient.save(update_fields=["reminder_time", "updated_at"])
    reminders_plan_for_patient(patient=patient)
    reminders_plan_upcoming()
    now = timezone.now()
    waiting = Reminder.objects.filter(
        patient=patient,
        idempotency_key__startswith=DEMO_KEY_PREFIX,
        state__in=[ReminderState.PENDING, ReminderState.QUEUED],
    ).exists()
    if not waiting:
        # Not through the planner on purpose: it would move a time inside the patient's
        # quiet hours to the morning, and the demo must show a message now, whatever the hour
        # in Sydney. The row is otherwise an ordinary walk reminder.
        Reminder.objects.create(
            idempotency_key=f"{DEMO_KEY_PREFIX}{patient.pk}:{now:%Y%m%dT%H%M%S}",
            kind=ReminderKind.WALK,
            recipient=patient.user,
            patient=patient,
            due_at=now + dt.timedelta(seconds=60),
        )
