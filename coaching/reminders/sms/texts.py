"""What a reminder says by SMS (and on a lock screen): short, and nothing about the patient's
health. A text can be read by anyone holding the phone and passes through carriers, so it
says no more than "time for your walk": no minutes, targets, pain, names of people or of the
clinic (a physiotherapy clinic's name says why someone is a patient), no check-in questions.
A session reminder gives the day and time, which the patient needs and which says nothing of
why. The details are behind the login (docs/reminders.md, "Channels").

Each text fits one GSM-7 segment (160 characters, no emoji or curly quotes, which would
switch the whole message to UCS-2 and its 70-character segments); the site's address is added
only when it still fits.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse

from coaching.models import Reminder, ReminderKind

SEGMENT = 160
STOP_LINE = "Reply STOP to stop these texts."

# The GSM 03.38 basic character set (the extension table's characters count double).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC for char in text)


def fits_one_segment(text: str) -> bool:
    return is_gsm7(text) and len(text) <= SEGMENT


def _first_line(reminder: Reminder, zone) -> str:
    kind = reminder.kind
    if kind == ReminderKind.WALK:
        return "WalkBack: time for your walk today."
    if kind == ReminderKind.NUDGE:
        return "WalkBack: time for a walk? Even a short one counts."
    if kind in (ReminderKind.SESSION_DAY_BEFORE, ReminderKind.SESSION_HOUR_BEFORE):
        start = reminder.session.scheduled_at.astimezone(zone) if reminder.session else None
        when = f" at {start:%H:%M}" if start else ""
        if kind == ReminderKind.SESSION_DAY_BEFORE:
            return f"WalkBack: a reminder of your session tomorrow{when}."
        return f"WalkBack: your session starts soon{when}."
    if kind in (ReminderKind.CHECK_IN, ReminderKind.CHECK_IN_FOLLOW_UP):
        return "WalkBack: your monthly check-in is ready when you are."
    if kind == ReminderKind.QUESTIONNAIRE:
        return "WalkBack: a short questionnaire is ready when you are."
    if kind == ReminderKind.MESSAGE_TO_PATIENT:
        return "WalkBack: you have a new message from your clinic."
    # Staff messages are e-mail only (the planner never makes SMS rows for them).
    return "WalkBack: you have a new message in WalkBack."


def sms_text(reminder: Reminder, zone, *, now: dt.datetime | None = None) -> str:
    """The whole SMS for ``reminder``: first line, the site's address if it fits, STOP."""
    first = _first_line(reminder, zone)
    link = settings.SITE_URL + reverse("portal:home")
    with_link = f"{first} {link} {STOP_LINE}"
    if fits_one_segment(with_link):
        return with_link
    return f"{first} {STOP_LINE}"
