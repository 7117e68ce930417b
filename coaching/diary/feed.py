"""The iCalendar text of a calendar feed (docs/diary.md#calendar-feeds).

A feed leaves WalkBack for someone else's calendar server, so it says as little as it can:
"WalkBack session with A. Baker" for the physiotherapist (the patient's initial and family
name, enough to tell patients apart), "Your WalkBack session" for the patient. No notes, no
purpose, no condition, no video link; where it is (the clinic, a phone or a video call) is
all the location says, in the feed owner's language (the view builds it inside
``walkback.accounts.languages.speaking_to``). Times are UTC, so every calendar shows them in
its owner's zone. UIDs and SEQUENCE are those of the session's ``.ics`` download
(``coaching.calendar``), so a rebooked session moves rather than being duplicated; a
cancelled one is STATUS:CANCELLED.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from coaching.calendar import new_calendar, session_event
from coaching.models import CoachingSession, SessionMode
from walkback.accounts.names import family_name

PRODID = "-//WalkBack//Calendar feed//EN"
STAFF_FEED = "staff"
PATIENT_FEED = "patient"


def short_name(full_name: str) -> str:
    """ "Anna Baker" -> "A. Baker"; a one-word name is kept as it is."""
    words = full_name.split()
    if len(words) < 2:
        return full_name.strip()
    return f"{words[0][0]}. {family_name(full_name)}"


def _summary(session: CoachingSession, kind: str) -> str:
    if kind == PATIENT_FEED:
        return _("Your WalkBack session")
    # Translators: a calendar entry's title; the name is "A. Baker" (initial and family name).
    return _("WalkBack session with %(name)s") % {"name": short_name(session.patient.full_name)}


def _location(session: CoachingSession) -> str:
    if session.mode == SessionMode.PHONE:
        return _("Phone call")
    if session.mode == SessionMode.VIDEO:
        return _("Video call")
    return session.patient.clinic.name


def feed_ics(
    sessions: Iterable[CoachingSession], *, kind: str, now: dt.datetime | None = None
) -> bytes:
    now = now or timezone.now()
    calendar = new_calendar(PRODID)
    calendar.add("x-wr-calname", _("WalkBack sessions"))
    # Calendar apps that honour it poll hourly; others choose for themselves.
    calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for session in sessions:
        calendar.add_component(
            session_event(
                session, summary=_summary(session, kind), location=_location(session), now=now
            )
        )
    return calendar.to_ical()
