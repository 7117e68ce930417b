"""The monthly check-ins' schedule (docs/clinical-rules.md#monthly-check-ins): when each is
due, which one is open, and the month each asks about. No writes and no queries: saving the
answers is ``patients.services.check_ins``, reading which is due ``patients.selectors``.

Month N is due on the programme start date plus N calendar months (31 January + 1 month is the
last day of February), as a date in the patient's own time zone: it is due once the patient's
own ``today()`` reaches it. Months run from 1 to the clinic's ``check_in_months`` (12 to 36).
A check-in stays open until the next one is due (the last one for a month), so each answer
covers one month. A month left unanswered by then is missed: the next check-in asks about it
again if it is among the clinic's ``check_in_catch_up_months`` just before it
(``catch_up_months``); otherwise, or when the patient does not remember, it stays unknown
(patients.outcomes).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from patients.models import Patient


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole calendar months, kept inside the target month (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check_in_due_dates(patient: Patient) -> list[tuple[int, dt.date]]:
    """Every check-in of the patient's schedule as ``(month_number, due_on)``; empty until the
    programme has a start date."""
    if patient.programme_start is None:
        return []
    months = patient.clinic.check_in_months
    return [(n, add_months(patient.programme_start, n)) for n in range(1, months + 1)]


@dataclass(frozen=True)
class DueCheckIn:
    month_number: int
    due_on: dt.date
    closes_on: dt.date  # the last day it can be answered
    total_months: int


def check_in_open(patient: Patient, *, today: dt.date) -> DueCheckIn | None:
    """The check-in that can be answered today (answered or not): no queries."""
    start = patient.programme_start
    if start is None:  # no schedule before the programme starts
        return None
    schedule = check_in_due_dates(patient)
    for index, (month, due_on) in enumerate(schedule):
        next_due = (
            schedule[index + 1][1] if index + 1 < len(schedule) else add_months(start, month + 1)
        )
        if due_on <= today < next_due:
            return DueCheckIn(
                month_number=month,
                due_on=due_on,
                closes_on=next_due - dt.timedelta(days=1),
                total_months=len(schedule),
            )
    return None


def next_check_in_date(patient: Patient, *, today: dt.date) -> dt.date | None:
    """The next due date after today, for "your next check-in is on ..." (no queries)."""
    return next((due for _, due in check_in_due_dates(patient) if due > today), None)


def month_window_start(patient: Patient, month_number: int) -> dt.date | None:
    """The first day a check-in asks about: the day the one before it was due (the programme
    start for month 1). No queries."""
    if patient.programme_start is None:
        return None
    due = dict(check_in_due_dates(patient))
    return due.get(month_number - 1, patient.programme_start)


@dataclass(frozen=True)
class MissedCheckIn:
    """A missed month asked about again: the days its check-in was about, first and last."""

    month_number: int
    starts_on: dt.date
    ends_on: dt.date


def catch_up_months(
    patient: Patient, *, current_month: int, open_months: Iterable[int]
) -> list[MissedCheckIn]:
    """The missed months the check-in of ``current_month`` asks about again, oldest first: the
    clinic's ``check_in_catch_up_months`` months just before it, those of them still open
    (``open_months``: neither answered nor said to be unknown). A month further back is never
    asked again, so each missed month is asked about at most at the next few check-ins and
    then stays unknown. No queries."""
    start = patient.programme_start
    if start is None:
        return []
    due = dict(check_in_due_dates(patient))
    still_open = set(open_months)
    return [
        MissedCheckIn(
            month_number=month,
            starts_on=due.get(month - 1, start),
            ends_on=due[month] - dt.timedelta(days=1),
        )
        for month in catch_up_window(patient, current_month)
        if month in still_open and month in due
    ]


def catch_up_window(patient: Patient, current_month: int) -> range:
    """The months the check-in of ``current_month`` may ask about again (answered or not)."""
    first = max(1, current_month - patient.clinic.check_in_catch_up_months)
    return range(first, current_month)
