"""Reads for the patient's own pages. Each takes the patient found by ``own_patient(user)``, so
nothing here can reach another person's rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from coaching.content import TopicText, topic_text, with_text_in
from coaching.models import CoachingSession, EducationTopic, SessionStatus
from coaching.portal.encouragement import Encouragement, encouragement, in_flare_up
from coaching.progress import WeekRow, on_target_streak, patient_weeks
from patients.checkins import DueCheckIn, next_check_in_date
from patients.models import Patient
from patients.selectors import check_ins_due, patients_for
from walkback.accounts.languages import language_for


def portal_patient(user) -> Patient:
    """The logged-in patient's own record, through ``patients_for``, with their
    physiotherapist's name joined in (the portal names them on several pages)."""
    patient = get_object_or_404(
        # The user and their clinic are the request's own, already loaded (the clinic joined
        # by walkback.accounts.backends): not joined again, the joins cost more than the row.
        patients_for(user)
        .select_related(None)
        .select_related("physiotherapist")
        .filter(user_id=user.pk)
    )
    patient.user = user
    if patient.clinic_id == user.clinic_id:
        patient.clinic = user.clinic
    return patient


def next_session(patient: Patient, *, now: dt.datetime) -> CoachingSession | None:
    """The next planned coaching session that has not ended yet."""
    return (
        CoachingSession.objects.filter(
            patient=patient,
            status=SessionStatus.PLANNED,
            scheduled_at__gte=now - dt.timedelta(hours=3),
        )
        .order_by("scheduled_at")
        .first()
    )


@dataclass(frozen=True)
class HomeSummary:
    today: dt.date
    week: WeekRow
    streak: int
    message: Encouragement
    next_session: CoachingSession | None
    check_in_due: DueCheckIn | None
    next_check_in: dt.date | None
    # The goals and action plan agreed at the latest session that recorded them.
    plan_session: CoachingSession | None = None


def home_summary(patient: Patient, *, now: dt.datetime | None = None) -> HomeSummary:
    """Everything the home page shows, in a fixed number of queries whatever the history's
    length: prescriptions, weekly totals, recent pain, next session, check-in answered."""
    now = now or timezone.now()
    today = patient.today(now)
    weeks = patient_weeks(patient, today=today)
    due = check_ins_due(patient, today=today)
    return HomeSummary(
        today=today,
        week=weeks.current,
        streak=on_target_streak(weeks.rows),
        message=encouragement(
            weeks.current,
            timeline=weeks.timeline,
            today=today,
            flare_up=in_flare_up(patient, today=today),
        ),
        next_session=next_session(patient, now=now),
        check_in_due=due[0] if due else None,
        next_check_in=next_check_in_date(patient, today=today),
        plan_session=agreed_plan(patient),
    )


def agreed_plan(patient: Patient) -> CoachingSession | None:
    """The latest session done with goals or an action plan written down (one query)."""
    return (
        CoachingSession.objects.filter(patient=patient, status=SessionStatus.DONE)
        .exclude(goals="", action_plan="")
        .order_by("-number")
        .only("number", "goals", "action_plan")
        .first()
    )


@dataclass(frozen=True)
class LearnTopic:
    # In the patient's language, else the clinic's with a note (docs/content-languages.md).
    topic: TopicText
    covered: bool  # covered in a session that took place, or assigned for a coming one
    sessions: list[int]


def learn_topics(patient: Patient) -> list[LearnTopic]:
    """The education topics on the patient's sessions, in the patient's language: covered ones
    first (two queries, with or without translations)."""
    language = language_for(patient.user)
    sessions = CoachingSession.objects.filter(patient=patient).exclude(
        status=SessionStatus.CANCELLED
    )
    topics = (
        with_text_in(
            EducationTopic.objects.filter(
                clinic_id=patient.clinic_id, is_active=True, sessions__in=sessions
            ),
            language,
        )
        .distinct()
        .prefetch_related(
            Prefetch("sessions", queryset=sessions.order_by("number"), to_attr="patient_sessions")
        )
    )
    result = [
        LearnTopic(
            topic=topic_text(topic, language=language, clinic=patient.clinic),
            covered=any(s.status == SessionStatus.DONE for s in topic.patient_sessions),
            sessions=[s.number for s in topic.patient_sessions],
        )
        for topic in topics
    ]
    return sorted(result, key=lambda t: (not t.covered, t.topic.position, t.topic.title))


def learn_topic_get(patient: Patient, slug: str) -> TopicText:
    """One topic the patient may read, in their language: one of their own sessions' topics,
    else a 404."""
    language = language_for(patient.user)
    sessions = CoachingSession.objects.filter(patient=patient).exclude(
        status=SessionStatus.CANCELLED
    )
    topic = (
        with_text_in(
            EducationTopic.objects.filter(
                clinic_id=patient.clinic_id, is_active=True, slug=slug, sessions__in=sessions
            ),
            language,
        )
        .distinct()
        .first()
    )
    if topic is None:
        raise Http404("No such topic")
    return topic_text(topic, language=language, clinic=patient.clinic)
