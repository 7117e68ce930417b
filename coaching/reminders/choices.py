"""Which reminder channels a patient may choose (docs/reminders.md, "Channels").

- e-mail: always;
- SMS: once the patient has confirmed their mobile number with a code
  (``coaching.reminders.sms``);
- push: only with at least one push subscription on a phone (docs/web-push.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coaching.models import ReminderChannel
from coaching.reminders.push_selectors import has_push_subscription
from coaching.reminders.sms.selectors import phone_verified, sms_blocker

if TYPE_CHECKING:
    from collections.abc import Sequence

    from django_stubs_ext import StrOrPromise


def available_channels(user) -> set[str]:
    found = {ReminderChannel.EMAIL.value}
    if phone_verified(user):
        found.add(ReminderChannel.SMS.value)
    if has_push_subscription(user):
        found.add(ReminderChannel.PUSH.value)
    return found


# What the patient reads next to each choice, and why one may be missing.
CHANNEL_LABELS = {
    ReminderChannel.EMAIL.value: _("E-mail"),
    ReminderChannel.SMS.value: _("Text message (SMS) to my mobile"),
    ReminderChannel.PUSH.value: _("Notification on this phone (WalkBack on your home screen)"),
}
UNAVAILABLE = {
    ReminderChannel.SMS.value: _(
        "Confirm your mobile number first (below), then pick text messages."
    ),
    ReminderChannel.PUSH.value: _(
        "Turn on notifications on your phone first, then pick them here."
    ),
}


@dataclass(frozen=True)
class ChannelOptions:
    offered: Sequence[tuple[str, StrOrPromise]]  # (value, label) the form shows
    missing: Sequence[StrOrPromise]  # why the others are not offered, in plain words
    sms_chosen_but_blocked: str  # "" or why texts the patient chose are not going
    sms_confirmed: bool  # the patient's number is confirmed


def reminder_channel_options(user, patient) -> ChannelOptions:
    """What the patient's reminder page offers: the channels that can work, plus any they
    chose earlier (so saving the page never drops one silently)."""
    available = available_channels(user)
    chosen = set(patient.reminder_channels or [])
    offered = [
        (value, CHANNEL_LABELS[value])
        for value in CHANNEL_LABELS
        if value in available or value in chosen
    ]
    missing = [UNAVAILABLE[value] for value in UNAVAILABLE if value not in available]
    blocked = sms_blocker(user) if ReminderChannel.SMS.value in chosen else ""
    blocked = gettext(blocked) if blocked else ""
    return ChannelOptions(
        offered=offered,
        missing=missing,
        sms_chosen_but_blocked=blocked,
        sms_confirmed=ReminderChannel.SMS.value in available,
    )
