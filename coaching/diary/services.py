"""Writes for the diary: rebooking a session into a new slot, and calendar feed links
(docs/diary.md)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coaching.diary.models import CalendarFeed
from coaching.diary.selectors import busy_sessions, clinic_zone
from coaching.models import CoachingSession, SessionStatus
from coaching.services import session_rebook, session_update
from coaching.services._shared import _check_staff, _day, _when
from walkback.accounts.models import ClosedDay, Role, User
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record


def diary_rebook(
    *, session: CoachingSession, scheduled_at: dt.datetime, by: User
) -> CoachingSession:
    """Move a session to ``scheduled_at``: not in the past, not on a day the clinic is closed,
    not overlapping another session of the patient's physiotherapist. A planned session is
    moved with ``session_update``, a missed or cancelled one booked again with
    ``session_rebook``: either way its reminders are planned again and the change audited.
    Nothing is saved when any check fails."""
    patient = session.patient
    _check_staff(by, patient)
    clinic = patient.clinic
    zone = clinic_zone(clinic)
    if session.status == SessionStatus.DONE:
        raise ValidationError(
            _("%(session)s is done: it cannot be moved.") % {"session": session.label}
        )
    if scheduled_at <= timezone.now():
        raise ValidationError(
            {"scheduled_at": _("That time has already passed. Choose a time from now on.")}
        )
    day = scheduled_at.astimezone(zone).date()
    physiotherapist = patient.physiotherapist or by
    with transaction.atomic():
        # One booking at a time per diary: two rebookings racing for the same free slot are
        # applied one after the other, and the second sees the first's session as a clash.
        # (The same row lock, FOR NO KEY UPDATE, as ``physio_lock_for_patients``: rows that
        # merely point at the physiotherapist are not held up.)
        User.objects.select_for_update(no_key=True).only("pk").get(pk=physiotherapist.pk)
        if ClosedDay.objects.filter(clinic=clinic, day=day).exists():
            raise ValidationError(
                {
                    "scheduled_at": _("The clinic is closed on %(day)s. Choose another day.")
                    % {"day": _day(day)}
                }
            )
        length = dt.timedelta(minutes=session.duration_minutes)
        clashes = busy_sessions(
            physiotherapist, scheduled_at, scheduled_at + length, exclude_pk=session.pk
        )
        if clashes:
            other = clashes[0]
            raise ValidationError(
                {
                    "scheduled_at": _(
                        "That time overlaps another session: %(session)s with %(name)s at "
                        "%(when)s. Choose another time."
                    )
                    % {
                        "session": other.label,
                        "name": other.patient.full_name,
                        "when": _when(other.scheduled_at, zone),
                    }
                }
            )
        if session.status == SessionStatus.PLANNED:
            return session_update(session=session, by=by, scheduled_at=scheduled_at)
        return session_rebook(session=session, scheduled_at=scheduled_at, by=by)


def calendar_feed_new(*, owner: User) -> str:
    """A new feed link for ``owner`` (a physiotherapist or a patient), revoking the one they
    had. Returns the token: it is shown once and only its hash is kept."""
    if owner.role not in (Role.PHYSIO, Role.PATIENT) or not owner.is_active:
        raise ValidationError(_("Only physiotherapists and patients have a calendar link."))
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        revoked = calendar_feed_revoke(owner=owner, record=False)
        feed = CalendarFeed.objects.create(owner=owner, token_hash=CalendarFeed.hash_token(token))
        audit_record(
            actor=owner,
            action=AuditAction.CREATE,
            obj=feed,
            patient=getattr(owner, "patient", None) if owner.role == Role.PATIENT else None,
            detail={"event": "calendar_feed_new", "revoked": revoked},
        )
    return token


def calendar_feed_revoke(*, owner: User, record: bool = True) -> int:
    """Stop ``owner``'s feed link from working (it answers 404 from now on). Returns how many
    links were stopped (0 or 1)."""
    with transaction.atomic():
        stopped = CalendarFeed.objects.filter(owner=owner, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if record and stopped:
            audit_record(
                actor=owner,
                action=AuditAction.UPDATE,
                object_type=CalendarFeed._meta.label,
                patient=getattr(owner, "patient", None) if owner.role == Role.PATIENT else None,
                detail={"event": "calendar_feed_revoked"},
            )
    return stopped
