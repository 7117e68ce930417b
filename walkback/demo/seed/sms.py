"""Demo data for reminders by SMS (docs/reminders.md, "Channels"): the demo patient has
confirmed a mobile number (one of the numbers Australia keeps for fiction, 0491 570 xxx) and
chose e-mail and text messages, so the planner makes a text for each reminder and the
console SMS channel prints them in the worker's output. One text is due a minute after the
start, beside the demo's one-minute e-mail; running it again adds none while one waits."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from coaching.models import Reminder, ReminderKind, ReminderState
from coaching.reminders.services import reminders_plan_for_patient
from coaching.reminders.sms.models import PhoneVerification

DEMO_PHONE = "+61491570156"
DEMO_SMS_KEY_PREFIX = "demo-walk-sms:"


def seed_sms(context: dict) -> None:
    patient = context["patient"]
    user = patient.user
    if not user.phone:
        user.phone = DEMO_PHONE
        user.save(update_fields=["phone"])
    PhoneVerification.objects.update_or_create(
        user=user,
        defaults={
            "phone": str(user.phone),
            "verified_phone": str(user.phone),
            "verified_at": timezone.now(),
        },
    )
    if "sms" not in patient.reminder_channels:
        patient.reminder_channels = ["email", "sms"]
        patient.save(update_fields=["reminder_channels", "updated_at"])
    reminders_plan_for_patient(patient=patient)
    waiting = Reminder.objects.filter(
        patient=patient,
        idempotency_key__startswith=DEMO_SMS_KEY_PREFIX,
        state__in=[ReminderState.PENDING, ReminderState.QUEUED],
    ).exists()
    if not waiting:
        now = timezone.now()
        Reminder.objects.create(
            idempotency_key=f"{DEMO_SMS_KEY_PREFIX}{patient.pk}:{now:%Y%m%dT%H%M%S}",
            kind=ReminderKind.WALK,
            channel="sms",
            recipient=user,
            patient=patient,
            due_at=now + dt.timedelta(seconds=60),
        )
