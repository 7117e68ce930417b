"""The patient's own reminder choices: validated here, then saved, audited and re-planned in
one transaction by ``coaching.reminders.services.reminder_preferences_set``. Both the portal and
the signed link in each reminder come through ``reminder_preferences_update``.

Meaning of the fields as the page explains them: ``reminders_by_email`` is the switch for all
e-mail reminders (walks, sessions, check-ins); ``reminder_days`` and ``reminder_time`` are when
walk reminders come (no days = no walk reminders); ``reminders_paused_until`` silences every
reminder up to and including that date.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from coaching.reminders.services import reminder_preferences_set
from patients.models import Patient
from walkback.accounts.models import User

# A pause is for a holiday or a bad spell, not a way to switch reminders off for good (that is
# the e-mail switch): a year at most, so nobody is forgotten by accident.
PAUSE_MAX_DAYS = 365
PREFERENCE_FIELDS = [
    "reminders_by_email",
    "reminder_days",
    "reminder_time",
    "reminders_paused_until",
]


def reminder_preferences_update(
    *,
    patient: Patient,
    by: User | None,
    reminders_by_email: bool,
    reminder_days: list[int],
    reminder_time: dt.time | None,
    reminders_paused_until: dt.date | None,
    today: dt.date | None = None,
    via: str = "app",
) -> Patient:
    """``by`` is None when the change came through the signed link in a reminder."""
    today = today or patient.today()
    days = sorted(set(reminder_days))
    errors: dict[str, str] = {}
    if any(day not in range(7) for day in days):
        errors["reminder_days"] = "Pick days from Monday to Sunday."
    if days and reminder_time is None:
        errors["reminder_time"] = "Pick the time you would like the walk reminder."
    if reminders_paused_until is not None:
        if reminders_paused_until < today:
            errors["reminders_paused_until"] = "That date has passed. Pick a later date."
        elif reminders_paused_until > today + dt.timedelta(days=PAUSE_MAX_DAYS):
            errors["reminders_paused_until"] = (
                "You can pause reminders for up to a year. To stop them, turn them off instead."
            )
    if errors:
        raise ValidationError(errors)
    reminder_preferences_set(
        patient=patient,
        by=by,
        reminders_by_email=reminders_by_email,
        reminder_days=days,
        reminder_time=reminder_time,
        reminders_paused_until=reminders_paused_until,
        via=via,
    )
    patient.refresh_from_db()
    return patient
