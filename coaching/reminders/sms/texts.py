"""What a reminder says by SMS (and on a lock screen): short, and nothing about the patient's
health. A text can be read by anyone holding the phone and passes through carriers, so it
says no more than "time for your walk": no minutes, targets, pain, names of people or of the
clinic (a physiotherapy clinic's name says why someone is a patient), no check-in questions.
A session reminder gives the day and time, which the patient needs and which says nothing of
why. The details are behind the login (docs/reminders.md, "Channels").

Each text fits one segment: in English one GSM-7 segment (160 characters, no emoji or curly
quotes, which would switch the whole message to UCS-2); in Chinese or Arabic, which GSM-7
cannot carry, one UCS-2 segment of 70 characters. The site's address is added only when it
still fits. Texts are written in the recipient's language (``messages.build`` renders them
inside ``speaking_to``); "STOP" stays in Latin letters, as the provider only knows that word.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from coaching.models import Reminder, ReminderKind

SEGMENT = 160
# A text with any character outside GSM-7 (all of Chinese and Arabic) is sent as UCS-2: 70
# UTF-16 code units a segment.
UCS2_SEGMENT = 70
# Translators: keep the word STOP in Latin capitals: it is what the phone network recognises.
STOP_LINE = gettext_noop("Reply STOP to stop these texts.")

# The GSM 03.38 basic character set (the extension table's characters count double).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC for char in text)


def ucs2_length(text: str) -> int:
    """The text's length in UTF-16 code units, as UCS-2 segments count it."""
    return len(text.encode("utf-16-le")) // 2


def fits_one_segment(text: str) -> bool:
    if is_gsm7(text):
        return len(text) <= SEGMENT
    return ucs2_length(text) <= UCS2_SEGMENT


def _first_line(reminder: Reminder, zone) -> str:
    kind = reminder.kind
    if kind == ReminderKind.WALK:
        return _("WalkBack: time for your walk today.")
    if kind == ReminderKind.NUDGE:
        return _("WalkBack: time for a walk? Even a short one counts.")
    if kind in (ReminderKind.SESSION_DAY_BEFORE, ReminderKind.SESSION_HOUR_BEFORE):
        start = reminder.session.scheduled_at.astimezone(zone) if reminder.session else None
        if start is None:
            if kind == ReminderKind.SESSION_DAY_BEFORE:
                return _("WalkBack: a reminder of your session tomorrow.")
            return _("WalkBack: your session starts soon.")
        time = f"{start:%H:%M}"
        if kind == ReminderKind.SESSION_DAY_BEFORE:
            return _("WalkBack: a reminder of your session tomorrow at %(time)s.") % {"time": time}
        return _("WalkBack: your session starts soon at %(time)s.") % {"time": time}
    if kind in (ReminderKind.CHECK_IN, ReminderKind.CHECK_IN_FOLLOW_UP):
        return _("WalkBack: your monthly check-in is ready when you are.")
    if kind == ReminderKind.QUESTIONNAIRE:
        return _("WalkBack: a short questionnaire is ready when you are.")
    if kind == ReminderKind.MESSAGE_TO_PATIENT:
        return _("WalkBack: you have a new message from your clinic.")
    # Staff messages are e-mail only (the planner never makes SMS rows for them).
    return _("WalkBack: you have a new message in WalkBack.")


def sms_text(reminder: Reminder, zone, *, now: dt.datetime | None = None) -> str:
    """The whole SMS for ``reminder``: first line, the site's address if it fits, STOP."""
    first = _first_line(reminder, zone)
    link = settings.SITE_URL + reverse("portal:home")
    stop = _(STOP_LINE)
    with_link = f"{first} {link} {stop}"
    if fits_one_segment(with_link):
        return with_link
    return f"{first} {stop}"
