"""When questionnaires are asked (docs/questionnaires.md#schedule): pure dates, no queries.

Week 0 is enrolment: open from the day the patient is enrolled (before the programme starts
too, so the physiotherapist can enter a STarT Back at the first visit) until the next
timepoint is due. Week N is due on the programme start plus N weeks, a date in the patient's
own time zone, and stays open until the next timepoint is due; the last stays open for
``LAST_OPEN_DAYS``. A timepoint left unanswered by then is missed, never asked later, so a
score is always about the week it was asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

LAST_OPEN_DAYS = 56


@dataclass(frozen=True)
class Timepoint:
    week: int
    due_on: dt.date | None  # None: enrolment, before the programme has a start date
    closes_on: dt.date | None  # the last day it can be answered; None: not yet known

    @property
    def label(self) -> str:
        return timepoint_label(self.week)


def timepoint_label(week: int) -> str:
    if week == 0:
        return _("At enrolment")
    if week % 52 == 0:
        months = week // 52 * 12
        return ngettext("%(months)s month", "%(months)s months", months) % {"months": months}
    return _("Week %(week)s") % {"week": week}


def timepoints(weeks: Sequence[int], programme_start: dt.date | None) -> list[Timepoint]:
    """The clinic's timepoints for one patient; before the programme starts, enrolment only."""
    ordered = sorted(set(weeks))
    if programme_start is None:
        return [Timepoint(week=0, due_on=None, closes_on=None)] if 0 in ordered else []
    result = []
    for index, week in enumerate(ordered):
        due = programme_start + dt.timedelta(weeks=week)
        if index + 1 < len(ordered):
            closes = programme_start + dt.timedelta(weeks=ordered[index + 1], days=-1)
        else:
            closes = due + dt.timedelta(days=LAST_OPEN_DAYS - 1)
        result.append(Timepoint(week=week, due_on=due, closes_on=closes))
    return result


def open_timepoint(
    weeks: Sequence[int], programme_start: dt.date | None, today: dt.date
) -> Timepoint | None:
    """The timepoint that can be answered today, if any. Enrolment's is open from enrolment,
    before its due date too, until it closes."""
    for point in timepoints(weeks, programme_start):
        if point.closes_on is not None and today > point.closes_on:
            continue
        if point.week == 0 or (point.due_on is not None and point.due_on <= today):
            return point
    return None
