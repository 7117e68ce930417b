"""Reading the audit trail: the accounting of access (GDPR art. 15, APP 12). The clinic admin
reads their clinic's trail; a patient reads who in the clinic opened their record. Both are
scoped here, by the caller's clinic or patient id, never by what a form says."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from walkback.audit.models import AuditAction, AuditEvent

if TYPE_CHECKING:
    from walkback.accounts.models import User

# What a patient reads for each page name in ``detail["view"]``: whole sentences, so each
# language can put the words in its own order.
VIEW_WORDS = {
    # Translators: a patient reads these next to the name of the staff member who opened the
    # page; "their" is that staff member, "you" the patient.
    "caseload": _("Opened the list of their patients, which shows you"),
    "staff-caseload": _("Opened a physiotherapist's list of patients, which shows you"),
    "patient-detail": _("Opened your record"),
    "patient-edit": _("Opened your details to change them"),
    "patient-reminders": _("Opened your reminders"),
    "prescription-correct": _("Opened your walking plan to correct it"),
    "prescription-new": _("Opened your walking plan to change it"),
    "programme-start": _("Opened your programme start"),
    "screening": _("Opened your screening answers"),
    "session": _("Opened a coaching session"),
    "session-edit": _("Opened a coaching session's notes"),
    "session-ics": _("Opened a coaching session's calendar file"),
    "sessions-ics": _("Opened your sessions' calendar file"),
    "session-rebook": _("Opened a coaching session to rebook it"),
    "diary-day": _("Opened their diary for a day, which shows your session"),
    "diary-week": _("Opened their diary for a week, which shows your session"),
    "diary-rebook": _("Opened a coaching session to move it to another time"),
    "calendar-feed": _("Opened their calendar, which shows when your sessions are"),
    "audit-trail": _("Opened the clinic's audit trail, which lists you"),
    "closings": _("Opened the list of requests to close accounts"),
    "patient-messages": _("Opened your messages with the clinic"),
}


@dataclass(frozen=True)
class TrailFilter:
    """What the admin asked to see; every part optional. Dates are whole days in the clinic's
    time zone (``starts`` and ``ends`` are already the UTC moments)."""

    patient_id: int | None = None
    actor_id: int | None = None
    action: str = ""
    starts: dt.datetime | None = None
    ends: dt.datetime | None = None

    def as_json(self) -> dict:
        """Ids, names of actions and dates only: safe for an audit row's ``detail``."""
        return {
            "patient": self.patient_id,
            "person": self.actor_id,
            "action": self.action or None,
            "from": self.starts.isoformat() if self.starts else None,
            "to": self.ends.isoformat() if self.ends else None,
        }


def clinic_trail(user: User, trail: TrailFilter) -> QuerySet[AuditEvent]:
    """The requesting clinic admin's clinic's trail, newest first, filtered. Read by the
    (clinic, -at) index; the actor joined for the name shown."""
    if not user.is_authenticated or user.role != "clinic_admin" or not user.clinic_id:
        return AuditEvent.objects.none()
    events = AuditEvent.objects.filter(clinic_id=user.clinic_id)
    if trail.patient_id is not None:
        events = events.filter(patient_id=trail.patient_id)
    if trail.actor_id is not None:
        events = events.filter(actor_id=trail.actor_id)
    if trail.action:
        events = events.filter(action=trail.action)
    if trail.starts is not None:
        events = events.filter(at__gte=trail.starts)
    if trail.ends is not None:
        events = events.filter(at__lt=trail.ends)
    return events.select_related("actor").order_by("-at", "-id")


def record_seen_by(patient) -> QuerySet[AuditEvent]:
    """Who in the clinic opened or changed ``patient``'s record, newest first: every row of
    theirs with someone else as the actor (their own visits and the system's are left out).
    The (patient, -at) index reads it."""
    return (
        AuditEvent.objects.filter(patient_id=patient.pk, actor__isnull=False)
        .filter(~Q(actor_id=patient.user_id))
        .filter(action__in=[AuditAction.READ, AuditAction.UPDATE, AuditAction.CREATE])
        .select_related("actor")
        .order_by("-at", "-id")
    )


def what_was_seen(event: AuditEvent) -> str:
    """An audit row in a patient's words: what was opened or changed."""
    if event.action == AuditAction.READ:
        view = str(event.detail.get("view", ""))
        return str(VIEW_WORDS.get(view, VIEW_WORDS["patient-detail"]))
    if event.action == AuditAction.CREATE:
        return gettext("Added to your record")
    return gettext("Changed your record")
