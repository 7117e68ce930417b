"""Reads for the physiotherapist's diary (docs/diary.md): every query is scoped to the
requesting physiotherapist's own patients in their own clinic."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from coaching.diary.models import CalendarFeed
from coaching.models import CoachingSession, SessionStatus
from coaching.selectors import session_get
from walkback.accounts.models import Clinic, ClosedDay, Role, User

# Free slots start on the hour and the half hour.
SLOT_STEP = dt.timedelta(minutes=30)
# How many days the rebooking page offers at a time (a page per week, with "later" links).
SLOT_DAYS = 7
# The longest session (coaching.limits.SESSION_MINUTES): how far back an overlapping
# session may start.
LONGEST_SESSION = dt.timedelta(minutes=180)


def clinic_zone(clinic: Clinic) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(clinic.time_zone)


def clinic_today(clinic: Clinic, now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(clinic_zone(clinic)).date()


def day_bounds(day: dt.date, zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """Midnight to midnight of ``day`` in ``zone`` (23 or 25 hours on a clock change)."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    return start, end


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass
class DiaryDay:
    day: dt.date
    closed: bool
    is_today: bool
    sessions: list[CoachingSession] = field(default_factory=list)


def _diary_sessions(user: User) -> QuerySet[CoachingSession]:
    """Sessions of the physiotherapist's own patients (the caseload they run), in their clinic."""
    if user.role != Role.PHYSIO or not user.clinic_id:
        return CoachingSession.objects.none()
    return CoachingSession.objects.filter(
        patient__physiotherapist=user, patient__clinic_id=user.clinic_id
    )


def diary_days(user: User, first: dt.date, days: int) -> list[DiaryDay]:
    """``days`` days from ``first`` in the clinic's zone, each with its sessions in time order
    and whether the clinic is closed. Two queries, whatever the number of sessions."""
    clinic = user.clinic
    assert clinic is not None
    zone = clinic_zone(clinic)
    last = first + dt.timedelta(days=days - 1)
    start, _ = day_bounds(first, zone)
    _, end = day_bounds(last, zone)
    sessions = (
        _diary_sessions(user)
        .filter(scheduled_at__gte=start, scheduled_at__lt=end)
        .select_related("patient__user")
        .order_by("scheduled_at", "pk")
    )
    closed = set(
        ClosedDay.objects.filter(clinic=clinic, day__gte=first, day__lte=last).values_list(
            "day", flat=True
        )
    )
    today = clinic_today(clinic)
    by_day = {
        first + dt.timedelta(days=n): DiaryDay(
            day=first + dt.timedelta(days=n),
            closed=first + dt.timedelta(days=n) in closed,
            is_today=first + dt.timedelta(days=n) == today,
        )
        for n in range(days)
    }
    for session in sessions:
        by_day[session.scheduled_at.astimezone(zone).date()].sessions.append(session)
    return list(by_day.values())


def diary_session_get(user: User, pk: int) -> CoachingSession:
    """A session the physiotherapist may rebook: any session of their clinic's patients (the
    same scope as the session pages), else 404."""
    return session_get(user, pk)


def busy_sessions(
    physiotherapist: User, start: dt.datetime, end: dt.datetime, *, exclude_pk: int | None = None
) -> list[CoachingSession]:
    """The physiotherapist's sessions that overlap ``start``..``end`` (cancelled ones free
    their time)."""
    found = (
        _diary_sessions(physiotherapist)
        .filter(scheduled_at__lt=end, scheduled_at__gt=start - LONGEST_SESSION)
        .exclude(status=SessionStatus.CANCELLED)
        .select_related("patient__user")
        .order_by("scheduled_at")
    )
    if exclude_pk is not None:
        found = found.exclude(pk=exclude_pk)
    return [session for session in found if session.ends_at > start]


def free_slots(
    session: CoachingSession, first: dt.date, *, now: dt.datetime | None = None
) -> list[tuple[dt.date, bool, list[dt.datetime]]]:
    """For each of ``SLOT_DAYS`` days from ``first``: (day, open, free start times). A slot is
    free when it lies in the clinic's working hours on an open day, is in the future, keeps the
    six sessions in order and does not overlap another session of the patient's
    physiotherapist. Three queries."""
    now = now or timezone.now()
    patient = session.patient
    clinic = patient.clinic
    zone = clinic_zone(clinic)
    physiotherapist = patient.physiotherapist
    length = dt.timedelta(minutes=session.duration_minutes)
    last = first + dt.timedelta(days=SLOT_DAYS - 1)
    window_start, _ = day_bounds(first, zone)
    _, window_end = day_bounds(last, zone)
    closed = set(
        ClosedDay.objects.filter(clinic=clinic, day__gte=first, day__lte=last).values_list(
            "day", flat=True
        )
    )
    busy = (
        busy_sessions(physiotherapist, window_start, window_end, exclude_pk=session.pk)
        if physiotherapist is not None
        else []
    )
    siblings = list(
        CoachingSession.objects.filter(patient=patient)
        .exclude(pk=session.pk)
        .exclude(status=SessionStatus.CANCELLED)
        .values_list("number", "scheduled_at")
    )
    after = max((at for number, at in siblings if number < session.number), default=None)
    before = min((at for number, at in siblings if number > session.number), default=None)
    days = []
    for n in range(SLOT_DAYS):
        day = first + dt.timedelta(days=n)
        is_open = day not in closed and (clinic.diary_weekends or day.weekday() < 5)
        slots: list[dt.datetime] = []
        if is_open:
            moment = dt.datetime.combine(day, clinic.diary_day_starts, tzinfo=zone)
            closing = dt.datetime.combine(day, clinic.diary_day_ends, tzinfo=zone)
            while moment + length <= closing:
                if (
                    moment > now
                    and moment != session.scheduled_at  # where it is now is no move
                    and (after is None or moment > after)
                    and (before is None or moment < before)
                    and not any(
                        other.scheduled_at < moment + length and other.ends_at > moment
                        for other in busy
                    )
                ):
                    slots.append(moment)
                moment += SLOT_STEP
        days.append((day, is_open, slots))
    return days


def calendar_feed_live(owner: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(owner=owner, revoked_at__isnull=True).first()


def calendar_feed_by_token(token: str) -> CalendarFeed:
    """The live feed the token opens, with its owner (and, for a patient, their record and
    clinic) in the same query; 404 for a revoked, unknown or deactivated one."""
    return get_object_or_404(
        CalendarFeed.objects.select_related("owner__clinic", "owner__patient__clinic"),
        token_hash=CalendarFeed.hash_token(token),
        revoked_at__isnull=True,
        owner__is_active=True,
        owner__role__in=[Role.PHYSIO, Role.PATIENT],
    )


# How far back a feed reaches: last month's sessions stay in the calendar, older ones drop
# off (the programme's six sessions are all within six months ahead).
FEED_HISTORY = dt.timedelta(days=31)


def feed_sessions(feed: CalendarFeed, *, now: dt.datetime | None = None) -> list[CoachingSession]:
    """The sessions a feed shows: a physiotherapist's own patients' sessions, or the patient's
    own, from ``FEED_HISTORY`` ago on. One query."""
    owner = feed.owner
    since = (now or timezone.now()) - FEED_HISTORY
    if owner.role == Role.PHYSIO:
        found = _diary_sessions(owner)
    elif owner.role == Role.PATIENT and hasattr(owner, "patient"):
        found = CoachingSession.objects.filter(patient=owner.patient)
    else:
        return []
    return list(
        found.filter(scheduled_at__gte=since)
        .select_related("patient__user", "patient__clinic")
        .order_by("scheduled_at", "pk")
    )
