"""Secure messages between a patient and their clinic's physiotherapists (docs/messages.md).

One thread per patient. Each message is plain text, stored as typed (stripped) and shown
escaped; nothing here is HTML. Who has read what is a marker per reader ("read through message
id N"), so each staff member and the patient have their own unread state. The thread keeps two
numbers the services maintain under the thread's row lock, so the caseload's "Unread message"
flag is one cheap ``EXISTS`` (coaching.flags.annotate_facts) and needs no join at page time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan, LessThanOrEqual

from coaching.messaging.limits import MESSAGE_MAX_CHARS


class MessageThread(models.Model):
    """The conversation of one patient with their clinic. Created with the first message."""

    patient = models.OneToOneField(
        "patients.Patient",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="message_thread",
    )
    # The newest message the patient sent, and the newest message any of the clinic's staff
    # has read: the caseload flags the patient while the first is greater. Ids are in commit
    # order within a thread because every send locks this row (coaching.messaging.services).
    last_patient_message_id = models.PositiveBigIntegerField(default=0)
    staff_read_through = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Messages of patient {self.patient_id}"

    @property
    def awaits_staff(self) -> bool:
        return self.last_patient_message_id > self.staff_read_through


class ThreadMessage(models.Model):
    """One message in a patient's thread. (Not ``Message``: that is the reminder outbox's
    built e-mail, ``coaching.reminders.channels.Message``.)"""

    thread = models.ForeignKey(MessageThread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Who wrote it, as a fact of the message: staff who later leave the clinic stay "clinic".
    from_patient = models.BooleanField()
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # The thread page (newest last) and the hourly limit (a patient's recent messages).
            models.Index(fields=["thread", "from_patient", "created_at"], name="message_recent"),
        ]
        constraints = [
            # The service refuses these with a clear message; the database refuses them anyway.
            models.CheckConstraint(
                condition=models.Q(LessThanOrEqual(Length("body"), MESSAGE_MAX_CHARS)),
                name="message_body_at_most_max_chars",
            ),
            models.CheckConstraint(
                condition=models.Q(GreaterThan(Length("body"), 0))
                & ~models.Q(body__regex=r"^\s*$"),
                name="message_body_not_blank",
            ),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} in thread {self.thread_id}"


class ThreadReadMarker(models.Model):
    """How far one reader (the patient, or one staff member) has read a thread."""

    thread = models.ForeignKey(MessageThread, on_delete=models.CASCADE, related_name="read_markers")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_through = models.PositiveBigIntegerField(default=0)
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "reader"], name="read_marker_one_per_reader")
        ]

    def __str__(self) -> str:
        return f"Reader {self.reader_id} through {self.read_through} in {self.thread_id}"
