"""The programme's bounds, named once: forms, services, messages and database constraints
all read them from here (``patients/limits.py`` holds the patient's own)."""

from __future__ import annotations

# A pause is for a holiday or a bad spell, not a way to switch reminders off for good (that is
# the e-mail switch): a year at most, so nobody is forgotten by accident.
REMINDER_PAUSE_MAX_DAYS = 365
