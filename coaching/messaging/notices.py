"""The notice of a new secure message, through the reminder outbox (docs/reminders.md,
docs/messages.md).

Whom, and how often: one notice per *unread burst*, not per message. A message starts a burst
when the other side has nothing unread from this side before it; later messages of the same
burst add no notice (the first one already said "you have a new message"). When the notice's
time comes it is skipped if the message was read meanwhile.

What it says: only that there is a message. Never its words, never the patient's name: an
e-mail, a text message or a lock screen is not a place for health information.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from coaching.messaging.models import MessageThread, ThreadMessage, ThreadReadMarker
from coaching.models import Reminder, ReminderChannel, ReminderKind
from coaching.reminders import planner
from coaching.reminders.messages import Content, Skip
from coaching.reminders.timing import end_of_quiet_hours
from patients.models import Patient
from walkback.accounts.models import Role, User

# Written in the recipient's language when sent (``coaching.reminders.messages.build``).
PATIENT_SUBJECT = gettext_noop("You have a new message from your clinic")
STAFF_SUBJECT = gettext_noop("A patient sent a message")


def _key(message_id: int, recipient_id: int) -> str:
    return f"message:{message_id}:{recipient_id}"


def _message_id(reminder: Reminder) -> int:
    # message:<message>:<recipient>, with @<channel> after it for channels other than e-mail
    return int(planner.base_key(reminder.idempotency_key).split(":")[1])


def staff_recipients(patient: Patient) -> list[User]:
    """The patient's own physiotherapist; with none (or one who left), the clinic's active
    physiotherapists, so a message is never left unseen."""
    physio = patient.physiotherapist
    if physio is not None and physio.is_active and physio.clinic_id == patient.clinic_id:
        return [physio]
    return list(
        User.objects.filter(clinic_id=patient.clinic_id, role=Role.PHYSIO, is_active=True)
        .select_related("clinic")
        .order_by("pk")
    )


def message_notices_plan(
    *, message: ThreadMessage, thread: MessageThread, patient: Patient, now: dt.datetime
) -> list[Reminder]:
    """Write the notices of ``message`` if it starts a burst. Called by ``message_send`` in
    its transaction, under the thread's lock: the outbox row commits with the message."""
    if message.from_patient:
        earlier_unread = ThreadMessage.objects.filter(
            thread=thread, from_patient=True, pk__gt=thread.staff_read_through
        ).exclude(pk=message.pk)
        recipients = [] if earlier_unread.exists() else staff_recipients(patient)
        kind = ReminderKind.MESSAGE_TO_STAFF
    else:
        read_through = (
            ThreadReadMarker.objects.filter(thread=thread, reader_id=patient.user_id)
            .values_list("read_through", flat=True)
            .first()
        ) or 0
        earlier_unread = ThreadMessage.objects.filter(
            thread=thread, from_patient=False, pk__gt=read_through
        ).exclude(pk=message.pk)
        recipients = [] if earlier_unread.exists() else [patient.user]
        kind = ReminderKind.MESSAGE_TO_PATIENT
    # The patient's notice goes by every channel they chose for reminders (docs/reminders.md,
    # "Channels"); staff notices are e-mail, like every staff message.
    channels = (
        planner.patient_channels(patient)
        if kind == ReminderKind.MESSAGE_TO_PATIENT
        else [ReminderChannel.EMAIL.value]
    )
    rows = [
        Reminder(
            idempotency_key=planner.channel_key(_key(message.pk, user.pk), channel),
            channel=channel,
            kind=kind,
            # Not a time anyone chose: held back in quiet hours like every notice.
            due_at=end_of_quiet_hours(now, user.zone),
            recipient=user,
            patient=patient,
        )
        for user in recipients
        for channel in channels
    ]
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    return rows


def message_notice(reminder: Reminder, now: dt.datetime | None = None) -> Content | Skip:
    """What the notice says when it is sent, or why it is not sent (the message was read)."""
    now = now or timezone.now()
    message_id = _message_id(reminder)
    if reminder.kind == ReminderKind.MESSAGE_TO_PATIENT:
        read = ThreadReadMarker.objects.filter(
            thread_id=reminder.patient_id, reader_id=reminder.recipient_id
        ).values_list("read_through", flat=True)
        if (read.first() or 0) >= message_id:
            return Skip("the message was read")
        return Content(
            subject=_(PATIENT_SUBJECT),
            paragraphs=[
                _("You have a new message from your clinic."),
                _("Log in to WalkBack to read it."),
            ],
            action=(_("Read the message"), settings.SITE_URL + reverse("portal:messages")),
        )
    thread = MessageThread.objects.filter(pk=reminder.patient_id).first()
    if thread is None or thread.staff_read_through >= message_id:
        return Skip("the message was read")
    return Content(
        subject=_("WalkBack: a patient sent a message"),
        paragraphs=[
            _("A patient sent a message."),
            _("Log in to WalkBack to read it: the caseload shows who is waiting for an answer."),
        ],
        action=(_("Open your caseload"), settings.SITE_URL + reverse("coaching:caseload")),
    )
