"""Bounds of what is stored about a patient and their walks and check-ins, shared by the
models' constraints, the forms and the services (``walkback/accounts/limits.py`` holds the
programme's goal bounds)."""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from walkback.accounts.limits import CHECK_IN_MONTHS
from walkback.core.limits import Bound


def _filled(message, values: dict) -> str:
    numbers = {
        key: number_format(value, force_grouping=True) if isinstance(value, int) else value
        for key, value in values.items()
    }
    return str(message) % numbers


def lazy_message(message, **values):
    """A message with its numbers in, translated when it is shown (not when it is defined), so
    module-level messages follow the reader's language. Numbers are grouped as the reader's
    language writes them ("2,000")."""
    return lazy(_filled, str)(message, values)


# Minutes walked in a usual week before the programme (screening).
BASELINE_MINUTES_PER_WEEK = Bound(0, 2000)
WALK_MINUTES = Bound(1, 600)
PAIN = Bound(0, 10)
STEPS = Bound(0, 100_000)
WALK_NOTE_MAX = 500
# The reason a physiotherapist gives for correcting a walk (the patient reads it).
WALK_CORRECTION_REASON_MAX = 200
# "Are you sure?" before saving a walk over this many minutes, or over this many times the
# patient's usual walk (docs/programme-rules.md#unusually-long-walks).
LONG_WALK_MINUTES = 180
LONG_WALK_TIMES_USUAL = 3
# The usual walk: the median of the walks of the last this many days, once there are this many.
USUAL_WALK_DAYS = 28
USUAL_WALK_MIN_WALKS = 10
CLEARANCE_NOTE_MAX = 200
CHECK_IN_MONTH = Bound(1, CHECK_IN_MONTHS.high)
# Days to recovery and days off work in a check-in.
CHECK_IN_DAYS = Bound(0, 400)
# Years after discharge a clinic keeps a patient's identity before closing the account by
# itself (docs/security.md#data-rights). Australian health-records laws ask for at least seven
# years for adults; the clinic chooses within these bounds.
RETENTION_YEARS = Bound(1, 25)
RETENTION_YEARS_DEFAULT = 7
BASELINE_MESSAGE = lazy_message(
    _("Enter the minutes walked in a usual week now, from %(low)s to %(high)s."),
    low=BASELINE_MINUTES_PER_WEEK.low,
    high=BASELINE_MINUTES_PER_WEEK.high,
)
WALK_MINUTES_MESSAGE = lazy_message(
    _("Minutes must be a whole number from %(low)s to %(high)s."),
    low=WALK_MINUTES.low,
    high=WALK_MINUTES.high,
)
STEPS_MESSAGE = lazy_message(
    _("Steps must be a number from %(low)s to %(high)s."), low=STEPS.low, high=STEPS.high
)
CHECK_IN_DAYS_MESSAGE = lazy_message(
    _("Please give a number of days from %(low)s to %(high)s."),
    low=CHECK_IN_DAYS.low,
    high=CHECK_IN_DAYS.high,
)
CORRECTION_REASON_REQUIRED = _("Say why you are correcting the walk: the patient reads it.")
