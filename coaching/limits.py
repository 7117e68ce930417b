"""The programme's bounds, named once: forms, services, messages and database constraints
all read them from here (``patients/limits.py`` holds the patient's own)."""

from __future__ import annotations

from walkback.core.limits import Bound

# A pause is for a holiday or a bad spell, not a way to switch reminders off for good (that is
# the e-mail switch): a year at most, so nobody is forgotten by accident.
REMINDER_PAUSE_MAX_DAYS = 365

SESSION_MINUTES = Bound(5, 180)
# How confident the patient is to follow the plan, asked in a session (0 = not at all).
CONFIDENCE = Bound(0, 10)
# Free text staff type: session notes, goals, barriers, action plan, screening conditions.
TEXT_MAX = 5000
RATIONALE_MAX = 2000  # why a prescription changed
SCREENING_CONDITION_MAX = 100  # each extra screening condition a clinic adds
