"""The six coaching sessions: planning, recording, marking and rebooking them."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from coaching.limits import (
    CONFIDENCE,
    TEXT_MAX,
)
from coaching.models import (
    CoachingSession,
    SessionMode,
    SessionStatus,
)
from coaching.reminders.services import reminders_plan_for_session
from coaching.services._shared import (
    _between,
    _check_staff,
    _clinic_today,
    _clinic_zone,
    _day,
    _locked,
    _number,
    _when,
)
from coaching.services.programme import (
    LAST_SESSION,
    _keeping_going,
)
from coaching.services.status import (
    caseload_rows_refresh,
)
from walkback.accounts.models import User
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record
from walkback.core.services import model_update


def _check_schedule(session: CoachingSession, when: dt.datetime, by: User) -> None:
    """A session's time must keep the six in order and not precede enrolment."""
    patient = session.patient
    zone = by.zone
    if when.astimezone(_clinic_zone(patient)).date() < patient.enrolled_on:
        raise ValidationError(
            {
                "scheduled_at": gettext(
                    "A session cannot be before the patient was enrolled (%(day)s)."
                )
                % {"day": _day(patient.enrolled_on)}
            }
        )
    siblings = (
        CoachingSession.objects.filter(patient=patient)
        .exclude(pk=session.pk)
        .exclude(status=SessionStatus.CANCELLED)
    )
    for other in siblings:
        if other.number < session.number and other.scheduled_at >= when:
            raise ValidationError(
                {
                    "scheduled_at": gettext("%(session)s must come after %(other)s (%(when)s).")
                    % {
                        "session": session.label,
                        "other": other.label,
                        "when": _when(other.scheduled_at, zone),
                    }
                }
            )
        if other.number > session.number and other.scheduled_at <= when:
            raise ValidationError(
                {
                    "scheduled_at": gettext("%(session)s must come before %(other)s (%(when)s).")
                    % {
                        "session": session.label,
                        "other": other.label,
                        "when": _when(other.scheduled_at, zone),
                    }
                }
            )


SESSION_PLAN_FIELDS = {"scheduled_at", "duration_minutes", "mode", "video_link", "purpose"}


SESSION_RECORD_FIELDS = {"notes", "goals", "barriers", "action_plan", "confidence", "topics"}


def session_update(*, session: CoachingSession, by: User, **changes) -> CoachingSession:
    """Change a session's plan (time, length, mode, video link, purpose) and/or its record
    (notes, topics covered, goals, barriers, action plan, confidence 0-10)."""
    unknown = set(changes) - SESSION_PLAN_FIELDS - SESSION_RECORD_FIELDS
    if unknown:
        raise TypeError(f"session_update does not change {sorted(unknown)}")
    patient = session.patient
    _check_staff(by, patient)
    with transaction.atomic():
        session = _locked(session)
        topics = changes.pop("topics", None)
        when = changes.get("scheduled_at")
        if when is not None and when != session.scheduled_at:
            if session.status == SessionStatus.DONE:
                raise ValidationError(
                    {
                        "scheduled_at": gettext(
                            "%(session)s is done: its date is part of the record and cannot change."
                        )
                        % {"session": session.label}
                    }
                )
            if session.status != SessionStatus.PLANNED:
                if session.status == SessionStatus.MISSED:
                    message = gettext("%(session)s was missed: rebook it to give it a new date.")
                else:
                    message = gettext("%(session)s was cancelled: rebook it to give it a new date.")
                raise ValidationError({"scheduled_at": message % {"session": session.label}})
            _check_schedule(session, when, by)
        mode = changes.get("mode", session.mode)
        link = changes.get("video_link", session.video_link)
        if mode == SessionMode.VIDEO and not link:
            raise ValidationError(
                {"video_link": gettext("A video session needs the link to join it.")}
            )
        confidence = changes.get("confidence", session.confidence)
        if confidence is not None and confidence not in CONFIDENCE:
            raise ValidationError(
                {
                    "confidence": gettext("Confidence is a number from %(low)s to %(high)s.")
                    % _between(*CONFIDENCE)
                }
            )
        for name in ("notes", "goals", "barriers", "action_plan"):
            if len(changes.get(name) or "") > TEXT_MAX:
                raise ValidationError(
                    {
                        name: gettext("Keep this under %(max)s characters.")
                        % {"max": _number(TEXT_MAX)}
                    }
                )
        if topics is not None:
            topics = list(topics)
            if any(topic.clinic_id != patient.clinic_id for topic in topics):
                raise ValidationError(
                    {"topics": gettext("Choose topics from your clinic's library.")}
                )
        changed = model_update(session, changes, clean_exclude=["patient", "topics"])
        if topics is not None:
            before = set(session.topics.values_list("pk", flat=True))
            if before != {topic.pk for topic in topics}:
                session.topics.set(topics)
                changed.append("topics")
        reminders_plan_for_session(session=session)
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            obj=session,
            patient=patient,
            detail={"fields": changed, "number": session.number},
        )
        caseload_rows_refresh(patient_ids=[patient.pk])
    return session


def session_set_status(*, session: CoachingSession, status: str, by: User) -> CoachingSession:
    """Mark a session done, missed or cancelled (a wrong mark can be corrected). Back to
    planned goes through ``session_rebook``, which gives it a new time."""
    patient = session.patient
    _check_staff(by, patient)
    if status not in (SessionStatus.DONE, SessionStatus.MISSED, SessionStatus.CANCELLED):
        raise ValidationError({"status": gettext("Choose done, missed or cancelled.")})
    with transaction.atomic():
        session = _locked(session)
        local_day = session.scheduled_at.astimezone(_clinic_zone(patient)).date()
        if status in (SessionStatus.DONE, SessionStatus.MISSED) and local_day > _clinic_today(
            patient
        ):
            raise ValidationError(
                {
                    "status": gettext(
                        "%(session)s is on %(day)s: it can be marked done or missed from that day."
                    )
                    % {"session": session.label, "day": _day(local_day)}
                }
            )
        previous = session.status
        session.status = status
        session.completed_at = timezone.now() if status == SessionStatus.DONE else None
        session.save(update_fields=["status", "completed_at", "updated_at"])
        reminders_plan_for_session(session=session)
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            obj=session,
            patient=patient,
            detail={"fields": ["status"], "from": previous, "to": status},
        )
        if session.number == LAST_SESSION and status == SessionStatus.DONE:
            _keeping_going(patient, why="session 6 done", by=by)
        caseload_rows_refresh(patient_ids=[patient.pk])
    return session


def session_rebook(
    *,
    session: CoachingSession,
    scheduled_at: dt.datetime,
    by: User,
    mode: str | None = None,
    video_link: str | None = None,
) -> CoachingSession:
    """Give a missed or cancelled session a new time; it is planned again."""
    patient = session.patient
    _check_staff(by, patient)
    with transaction.atomic():
        session = _locked(session)
        if session.status == SessionStatus.DONE:
            raise ValidationError(
                gettext("%(session)s is done: it cannot be rebooked.") % {"session": session.label}
            )
        if session.status == SessionStatus.PLANNED:
            raise ValidationError(
                gettext("%(session)s is still planned: change its date with Edit instead.")
                % {"session": session.label}
            )
        if scheduled_at <= timezone.now():
            raise ValidationError({"scheduled_at": gettext("Choose a new time in the future.")})
        _check_schedule(session, scheduled_at, by)
        mode = mode or session.mode
        video_link = session.video_link if video_link is None else video_link
        if mode == SessionMode.VIDEO and not video_link:
            raise ValidationError(
                {"video_link": gettext("A video session needs the link to join it.")}
            )
        session.rebooked_from = session.scheduled_at
        session.rebook_count += 1
        session.scheduled_at = scheduled_at
        session.mode = mode
        session.video_link = video_link
        session.status = SessionStatus.PLANNED
        session.completed_at = None
        session.full_clean(exclude=["patient", "topics"])
        session.save()
        reminders_plan_for_session(session=session)
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            obj=session,
            patient=patient,
            detail={"event": "rebooked", "fields": ["scheduled_at", "mode", "status"]},
        )
        caseload_rows_refresh(patient_ids=[patient.pk])
    return session
