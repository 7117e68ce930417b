"""The programme's goal bounds. They live at the lowest layer that stores them (a clinic's
defaults); patients and coaching read them from here for their own fields, forms and checks."""

from __future__ import annotations

from walkback.core.limits import Bound

WALKS_PER_WEEK = Bound(1, 14)
MINUTES_PER_WALK = Bound(1, 180)
# The programme week by which the walking goal should be reached.
GOAL_WEEK = Bound(4, 104)
# How many monthly check-ins a clinic offers each patient (follow-up of one to three years).
CHECK_IN_MONTHS = Bound(12, 36)
# A clinic's postal address, shown to patients and at the foot of its e-mails.
ADDRESS_MAX = 300
# Closed days a clinic lists at once (a few years of public holidays and closures).
CLOSED_DAYS_MAX = 200
# How many earlier months a check-in may ask about when they were missed (0: none; each missed
# month is then unknown). docs/clinical-rules.md#monthly-check-ins
CHECK_IN_CATCH_UP = Bound(0, 6)
# How many working days the clinic usually takes to answer a patient's message (shown on the
# messages page: docs/messages.md).
MESSAGE_REPLY_DAYS = Bound(1, 10)
