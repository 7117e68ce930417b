"""iCalendar (RFC 5545) files for coaching sessions: one session or all six in one file.

Written by hand (the format is small) with the RFC's escaping and 75-octet line folding. Times
are UTC, so every calendar shows them in its owner's own zone. A session's UID is stable, and
SEQUENCE grows with each change, so re-importing a rebooked session moves it instead of
duplicating it. ``audience`` decides the wording: staff see the patient's name, patients see
their physiotherapist's (issue 5 attaches the patient version to session reminders).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

from coaching.models import CoachingSession, SessionMode, SessionStatus

STAFF = "staff"
PATIENT = "patient"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Split lines longer than 75 octets, continuing with CRLF and a space (RFC 5545 3.1)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > (75 if not parts else 74):
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _host() -> str:
    from urllib.parse import urlsplit

    return urlsplit(getattr(settings, "SITE_URL", "") or "http://walkback.invalid").hostname or (
        "walkback.invalid"
    )


def _event(session: CoachingSession, *, audience: str, now: dt.datetime) -> list[str]:
    patient = session.patient
    clinic = patient.clinic
    purpose = session.get_purpose_display()
    if audience == STAFF:
        summary = f"WalkBack {session.label}: {patient.full_name}"
    else:
        physio = patient.physiotherapist.full_name if patient.physiotherapist else clinic.name
        summary = f"WalkBack {session.label} with {physio}"
    mode = session.get_mode_display()
    if session.mode == SessionMode.VIDEO:
        location = session.video_link
        how = f"Video call: {session.video_link}"
    elif session.mode == SessionMode.PHONE:
        location = "Phone call"
        how = (
            "Phone call: your physiotherapist will phone you."
            if audience == PATIENT
            else f"Phone call to {patient.full_name}."
        )
    else:
        location = clinic.name
        how = f"In person at {clinic.name}."
    lines = [
        "BEGIN:VEVENT",
        f"UID:walkback-session-{session.pk}@{_host()}",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(session.scheduled_at)}",
        f"DTEND:{_stamp(session.ends_at)}",
        f"SEQUENCE:{session.rebook_count + int(session.updated_at.timestamp()) // 60}",
        f"SUMMARY:{_escape(summary)}",
        f"DESCRIPTION:{_escape(f'{session.label} ({mode}): {purpose}. {how}')}",
        f"LOCATION:{_escape(location)}",
        "STATUS:" + ("CANCELLED" if session.status == SessionStatus.CANCELLED else "CONFIRMED"),
    ]
    if session.mode == SessionMode.VIDEO and session.video_link:
        lines.append(f"URL:{session.video_link}")
    if session.status == SessionStatus.PLANNED:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{_escape(summary)}",
            "TRIGGER:-PT1H",
            "END:VALARM",
        ]
    lines.append("END:VEVENT")
    return lines


def sessions_ics(sessions: Iterable[CoachingSession], *, audience: str = STAFF) -> str:
    """One calendar holding the given sessions (their patient and clinic must be loaded)."""
    now = timezone.now()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//WalkBack//Coaching sessions//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    for session in sessions:
        lines += _event(session, audience=audience, now=now)
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
