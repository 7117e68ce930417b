"""Rows for the patient portal's tests: walks, prescriptions, sessions, topics."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from coaching.models import (
    CoachingSession,
    EducationTopic,
    Prescription,
    SessionMode,
    SessionPurpose,
    SessionStatus,
)
from patients.models import WalkLog

_numbers = itertools.count(1)


def walk(patient, *, on: dt.date | None = None, minutes: int = 30, **extra) -> WalkLog:
    return WalkLog.objects.create(
        patient=patient, walked_on=on or patient.today(), minutes=minutes, **extra
    )


def prescription(patient, *, start: dt.date, walks: int = 5, minutes: int = 30, author=None):
    return Prescription.objects.create(
        patient=patient,
        effective_from=start,
        walks_per_week=walks,
        minutes_per_walk=minutes,
        author=author or patient.physiotherapist or patient.user,
    )


def session(patient, *, number: int = 1, when=None, status=SessionStatus.PLANNED, topics=()):
    done = status == SessionStatus.DONE
    row = CoachingSession.objects.create(
        patient=patient,
        number=number,
        purpose=SessionPurpose.PRESCRIBE if number in (1, 3, 5) else SessionPurpose.REVIEW,
        mode=SessionMode.IN_PERSON,
        scheduled_at=when or timezone.now() + dt.timedelta(days=3),
        status=status,
        completed_at=timezone.now() if done else None,
    )
    row.topics.set(topics)
    return row


def topic(clinic, *, title: str | None = None, body: str = "Walking is safe.") -> EducationTopic:
    n = next(_numbers)
    title = title or f"Topic {n}"
    return EducationTopic.objects.create(
        clinic=clinic, title=title, slug=f"topic-{n}", summary=f"About {title}", body=body
    )


def topic_on_session(patient) -> EducationTopic:
    """A topic on a planned session of ``patient`` (a new session number each time)."""
    row = topic(patient.clinic)
    used = set(patient.sessions.values_list("number", flat=True))
    number = next(n for n in range(1, 7) if n not in used)
    session(patient, number=number, topics=[row])
    return row
