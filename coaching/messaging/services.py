"""Writes of secure messages (docs/messages.md): sending one, and marking a thread read.

Every send locks the patient's thread row (created with the first message), so two sends to
one thread are applied one after the other: the hourly limit counts every message before it,
and message ids grow in commit order within a thread (the read markers rely on that). The
message, its audit row, its notices in the outbox and the caseload's flag commit together.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from coaching.messaging.limits import MESSAGE_MAX_CHARS
from coaching.messaging.models import MessageThread, ThreadMessage, ThreadReadMarker
from coaching.messaging.notices import message_notices_plan
from coaching.services._shared import _check_staff
from coaching.services.status import caseload_rows_refresh
from patients.models import Patient
from walkback.accounts.models import Role, User
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record
from walkback.core.submissions import once_per_submission

EMPTY = gettext_noop("Write your message first: this box is empty.")
RATE_WINDOW = dt.timedelta(hours=1)


def too_long(length: int) -> str:
    return _(
        "Please keep a message to %(most)s characters: this one has %(length)s. Send it in "
        "parts, or ask for a call."
    ) % {
        "most": number_format(MESSAGE_MAX_CHARS, force_grouping=True),
        "length": number_format(length, force_grouping=True),
    }


def too_many(limit: int) -> str:
    return _(
        "You have sent %(limit)s messages in the last hour, which is as many as we take in an "
        "hour. Your message was not sent: please try again later, or phone the clinic."
    ) % {"limit": limit}


def message_body_clean(body: str) -> str:
    """The words as they are kept: line endings made one kind, blank edges trimmed. Raises the
    plain-words error the form shows next to the box."""
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body:
        raise ValidationError({"body": _(EMPTY)})
    if len(body) > MESSAGE_MAX_CHARS:
        raise ValidationError({"body": too_long(len(body))})
    return body


def _thread_locked(patient: Patient) -> MessageThread:
    """The patient's thread under a row lock, created first if it does not exist. Two first
    messages at once: the primary key lets one insert win; the other reads it."""
    MessageThread.objects.get_or_create(patient=patient)
    return MessageThread.objects.select_for_update().get(pk=patient.pk)


def _marker_set(thread: MessageThread, reader: User, through: int, now: dt.datetime) -> bool:
    """Move ``reader``'s marker forward to ``through`` (never back). True if it moved."""
    marker, created = ThreadReadMarker.objects.get_or_create(
        thread=thread, reader=reader, defaults={"read_through": through, "read_at": now}
    )
    if created:
        return through > 0
    if marker.read_through >= through:
        return False
    marker.read_through, marker.read_at = through, now
    marker.save(update_fields=["read_through", "read_at"])
    return True


def _staff_reads(reader: User) -> bool:
    """Whose reading clears the caseload's flag: the clinic's physiotherapists (an admin may
    look at a thread without it counting as answered)."""
    return reader.role == Role.PHYSIO


@once_per_submission("message_send")
def message_send(
    *, patient: Patient, by: User, body: str, now: dt.datetime | None = None
) -> ThreadMessage:
    """Send ``body`` in ``patient``'s thread, from the patient themselves or one of their
    clinic's physiotherapists. Refused with a message next to the box, and nothing saved, when
    it is empty, longer than ``MESSAGE_MAX_CHARS`` or, from a patient, over the hourly limit
    (``settings.MESSAGES_PER_HOUR``)."""
    now = now or timezone.now()
    from_patient = by.pk == patient.user_id
    if not from_patient:
        _check_staff(by, patient)
    body = message_body_clean(body)
    with transaction.atomic():
        thread = _thread_locked(patient)
        if from_patient:
            limit = settings.MESSAGES_PER_HOUR
            recent = ThreadMessage.objects.filter(
                thread=thread, from_patient=True, created_at__gt=now - RATE_WINDOW
            ).count()
            if recent >= limit:
                raise ValidationError({"body": too_many(limit)})
        message = ThreadMessage.objects.create(
            thread=thread, author=by, from_patient=from_patient, body=body
        )
        audit_record(
            actor=by,
            action=AuditAction.CREATE,
            obj=message,
            patient=patient,
            # The length, never the words: the trail holds no health information.
            detail={"event": "message_sent", "characters": len(body)},
        )
        # Writing in the thread means having read it up to here.
        _marker_set(thread, by, message.pk, now)
        if from_patient:
            thread.last_patient_message_id = message.pk
        elif _staff_reads(by):
            thread.staff_read_through = message.pk
        thread.save(update_fields=["last_patient_message_id", "staff_read_through"])
        message_notices_plan(message=message, thread=thread, patient=patient, now=now)
        caseload_rows_refresh(patient_ids=[patient.pk])
    return message


def thread_mark_read(
    *, patient: Patient, reader: User, through: int, now: dt.datetime | None = None
) -> bool:
    """``reader`` has seen ``patient``'s thread up to message ``through`` (the newest one the
    page showed, so a message arriving meanwhile stays unread). Nothing is written when the
    marker is already there: a page seen again costs no write. True if anything changed."""
    if through <= 0:
        return False
    now = now or timezone.now()
    thread = MessageThread.objects.filter(pk=patient.pk).first()
    if thread is None:
        return False
    staff_clears = _staff_reads(reader) and thread.staff_read_through < through
    marker = ThreadReadMarker.objects.filter(thread=thread, reader=reader).first()
    if not staff_clears and marker is not None and marker.read_through >= through:
        return False
    with transaction.atomic():
        thread = MessageThread.objects.select_for_update().get(pk=patient.pk)
        moved = _marker_set(thread, reader, through, now)
        if _staff_reads(reader) and thread.staff_read_through < through:
            thread.staff_read_through = through
            thread.save(update_fields=["staff_read_through"])
            caseload_rows_refresh(patient_ids=[patient.pk])
            moved = True
    return moved


def messages_erase(*, patient: Patient) -> int:
    """Every message of the patient's thread, its read markers and the thread itself, for the
    closing of the account (coaching.services.closing): free text either side typed about
    the person. Returns how many messages went. The caller holds the transaction."""
    count = ThreadMessage.objects.filter(thread_id=patient.pk).count()
    MessageThread.objects.filter(pk=patient.pk).delete()
    return count
