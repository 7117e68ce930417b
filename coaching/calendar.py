"""iCalendar (RFC 5545) files for coaching sessions: the only place that writes them.

The staff download (one session or all six) and the calendar file attached to a patient's
session reminder both come from ``sessions_ics``; the ``icalendar`` library does the escaping
and line folding. Times are UTC, so every calendar shows them in its owner's own zone. A
session's UID is stable and its SEQUENCE grows with each change (``session_sequence``), so
re-importing a rebooked session moves it instead of duplicating it, whichever file it came
from. ``audience`` decides only the wording: staff see the patient's name, the patient sees
the clinic's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from icalendar import Alarm, Calendar, Event

from coaching.models import CoachingSession, SessionMode, SessionStatus

STAFF = "staff"
PATIENT = "patient"
PRODID = "-//WalkBack//Coaching sessions//EN"


def _host() -> str:
    return urlsplit(settings.SITE_URL or "http://walkback.invalid").hostname or "walkback.invalid"


def session_uid(session: CoachingSession) -> str:
    return f"walkback-session-{session.pk}@{_host()}"


def session_sequence(session: CoachingSession) -> int:
    """Grows with every saved change: the session's last change in whole seconds since 1970.
    (RFC 5545 integers are 32-bit, which lasts until 2038.)"""
    return int(session.updated_at.timestamp())


def _wording(session: CoachingSession, audience: str) -> tuple[str, str, str]:
    """(summary, description, location) for the audience."""
    patient = session.patient
    clinic = patient.clinic
    mode = session.get_mode_display()
    if audience == PATIENT:
        if session.mode == SessionMode.VIDEO:
            location = session.video_link or str(SessionMode.VIDEO.label)
        elif session.mode == SessionMode.PHONE:
            location = str(SessionMode.PHONE.label)
        else:
            location = clinic.name
        return (
            gettext("WalkBack coaching session %(number)s") % {"number": session.number},
            # Translators: as in "Video call with Riverside Physio".
            gettext("%(mode)s with %(clinic)s") % {"mode": mode, "clinic": clinic.name},
            location,
        )
    if session.mode == SessionMode.VIDEO:
        location = session.video_link
        how = gettext("Video call: %(link)s") % {"link": session.video_link}
    elif session.mode == SessionMode.PHONE:
        location = str(SessionMode.PHONE.label)
        how = gettext("Phone call to %(name)s.") % {"name": patient.full_name}
    else:
        location = clinic.name
        how = gettext("In person at %(clinic)s.") % {"clinic": clinic.name}
    return (
        # Translators: the title of a session in the physiotherapist's calendar, as in
        # "WalkBack Session 2: Ann Lee".
        gettext("WalkBack %(session)s: %(name)s")
        % {"session": session.label, "name": patient.full_name},
        # Translators: as in "Session 2 (Phone call): Review progress and barriers. Phone call
        # to Ann Lee."
        gettext("%(session)s (%(mode)s): %(purpose)s. %(how)s")
        % {
            "session": session.label,
            "mode": mode,
            "purpose": session.get_purpose_display(),
            "how": how,
        },
        location,
    )


def new_calendar(prodid: str = PRODID) -> Calendar:
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", prodid)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    return calendar


def session_event(
    session: CoachingSession, *, summary: str, location: str, now: dt.datetime
) -> Event:
    """The parts every file and feed shares: the stable UID and SEQUENCE, UTC times, the
    status; the caller's wording decides how much more it says."""
    event = Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", session.scheduled_at.astimezone(dt.UTC))
    event.add("dtend", session.ends_at.astimezone(dt.UTC))
    event.add("sequence", session_sequence(session))
    event.add("summary", summary)
    if location:
        event.add("location", location)
    cancelled = session.status == SessionStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def _event(session: CoachingSession, *, audience: str, now: dt.datetime) -> Event:
    summary, description, location = _wording(session, audience)
    event = session_event(session, summary=summary, location=location, now=now)
    event.add("description", description)
    if session.mode == SessionMode.VIDEO and session.video_link:
        event.add("url", session.video_link)
    if session.status == SessionStatus.PLANNED:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", dt.timedelta(hours=-1))
        event.add_component(alarm)
    return event


def sessions_ics(
    sessions: Iterable[CoachingSession],
    *,
    audience: str = STAFF,
    now: dt.datetime | None = None,
) -> str:
    """One calendar holding the given sessions (their patient and clinic must be loaded)."""
    now = now or timezone.now()
    calendar = new_calendar()
    for session in sessions:
        calendar.add_component(_event(session, audience=audience, now=now))
    return calendar.to_ical().decode()
