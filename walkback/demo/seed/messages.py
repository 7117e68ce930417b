"""Demo data for secure messages (``DEMO_SEEDERS``, docs/messages.md): the demo patient has an
unread reply from their physiotherapist, and the demo physiotherapist an unread question from
one of their patients (the caseload flags it). Through the real service, so the outbox holds
the notices too. Running it again adds nothing: a patient who has a thread is left alone."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from coaching.messaging.models import MessageThread, ThreadMessage
from coaching.messaging.services import message_send
from patients.models import Patient

QUESTION = (
    "Is it OK to walk on the beach? The sand feels like harder work than the footpath, "
    "and I wasn't sure if it counts the same."
)
REPLY = (
    "Yes, the beach is a good place to walk and it counts the same. Sand is harder work, so "
    "start with about half your usual time on the firm sand near the water, and see how your "
    "back feels the next morning. We can talk about it at your next session."
)
UNREAD_FOR_PHYSIO = (
    "I walked 20 minutes yesterday, but my left calf felt tight afterwards. "
    "Should I keep going at the same pace this week?"
)
UNREAD_FROM_EMAIL = "sam.starter@demo.test"


def _backdate(message: ThreadMessage, ago: dt.timedelta) -> None:
    ThreadMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - ago)


def seed_messages(context: dict) -> None:
    patient, physio = context["patient"], context["physio"]
    if not MessageThread.objects.filter(patient=patient).exists():
        asked = message_send(patient=patient, by=patient.user, body=QUESTION)
        answered = message_send(patient=patient, by=physio, body=REPLY)
        _backdate(asked, dt.timedelta(days=1, hours=3))
        _backdate(answered, dt.timedelta(hours=20))
    # Another of the physiotherapist's patients (the newest one when the programme's demo
    # patients are missing) is waiting for an answer.
    others = Patient.objects.filter(physiotherapist=physio).exclude(pk=patient.pk)
    waiting = others.filter(user__email=UNREAD_FROM_EMAIL).first() or others.order_by("-pk").first()
    if waiting is not None and not MessageThread.objects.filter(patient=waiting).exists():
        sent = message_send(patient=waiting, by=waiting.user, body=UNREAD_FOR_PHYSIO)
        _backdate(sent, dt.timedelta(hours=2))
