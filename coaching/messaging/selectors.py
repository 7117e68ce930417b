"""Reads of a patient's message thread (docs/messages.md). The caller finds the patient
through the scoped selectors (``patients.selectors.patient_get`` for staff,
``coaching.portal.selectors.portal_patient`` for the patient), so nothing here can reach
another clinic's or another patient's thread. Three queries however long the thread."""

from __future__ import annotations

from dataclasses import dataclass, field

from coaching.messaging.models import MessageThread, ThreadMessage, ThreadReadMarker
from patients.models import Patient
from walkback.accounts.models import Role, User

# The messages a page shows, newest last; "Earlier messages" pages back. Rendering is most of a
# thread page's time (docs/messages.md, "Speed"), so a page stays short.
MESSAGES_SHOWN = 50


@dataclass(frozen=True)
class ShownMessage:
    message: ThreadMessage
    mine: bool
    # Not read by this reader before this visit.
    new: bool
    # Read by the other side: the clinic (for the patient's messages) or the patient.
    seen_by_other: bool


@dataclass
class ThreadPage:
    messages: list[ShownMessage] = field(default_factory=list)
    newest_id: int = 0
    older_hidden: bool = False
    # The oldest message shown: "Earlier messages" asks for those before it.
    oldest_id: int = 0
    # Showing earlier messages (not the newest): the page links back to the newest.
    earlier: bool = False
    # The page shows something this reader had not read (for a physiotherapist, also what no
    # physiotherapist had read): the view then moves the markers (thread_mark_read), and a
    # page seen again costs no write and no extra read.
    moves_markers: bool = False

    @property
    def new_count(self) -> int:
        return sum(1 for shown in self.messages if shown.new)


def thread_page(patient: Patient, reader: User, *, before: int | None = None) -> ThreadPage:
    """The newest ``MESSAGES_SHOWN`` messages of ``patient``'s thread (those before message
    ``before`` when given), oldest first, as ``reader`` sees them."""
    thread = MessageThread.objects.filter(pk=patient.pk).first()
    if thread is None:
        return ThreadPage()
    messages = ThreadMessage.objects.filter(thread=thread)
    if before is not None:
        messages = messages.filter(pk__lt=before)
    rows = list(messages.select_related("author").order_by("-id")[: MESSAGES_SHOWN + 1])
    older_hidden = len(rows) > MESSAGES_SHOWN
    rows = list(reversed(rows[:MESSAGES_SHOWN]))
    markers = dict(
        ThreadReadMarker.objects.filter(thread=thread).values_list("reader_id", "read_through")
    )
    mine_through = markers.get(reader.pk, 0)
    patient_through = markers.get(patient.user_id, 0)
    is_patient = reader.pk == patient.user_id
    shown = []
    for message in rows:
        mine = message.author_id == reader.pk
        if message.from_patient:
            seen = message.pk <= thread.staff_read_through
        else:
            seen = message.pk <= patient_through
        shown.append(
            ShownMessage(
                message=message,
                mine=mine,
                new=not mine and message.pk > mine_through,
                # Only the side that wrote it is told whether the other side read it.
                seen_by_other=seen and (message.from_patient == is_patient),
            )
        )
    newest = rows[-1].pk if rows else 0
    clears_flag = reader.role == Role.PHYSIO and newest > thread.staff_read_through
    return ThreadPage(
        messages=shown,
        newest_id=newest,
        older_hidden=older_hidden,
        oldest_id=rows[0].pk if rows else 0,
        earlier=before is not None,
        moves_markers=newest > mine_through or clears_flag,
    )
