"""Weeks, targets and totals: the shared arithmetic of the programme.

Rules (DESIGN.md): targets and progress are computed, never stored twice. A week runs Monday to
Sunday in the patient's own time zone; ``WalkLog.walked_on`` is already the patient's local
date, so a week's walks are simply those whose date falls in it. Programme week 0 is the
(often partial) week that holds the programme start date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Avg, Count, Max, Sum
from django.db.models.functions import TruncWeek

from coaching.models import Prescription
from patients.models import Patient, WalkLog


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week holding ``day``."""
    return day - dt.timedelta(days=day.weekday())


def programme_week(patient: Patient, day: dt.date) -> int | None:
    """0 for the week the programme started in, 1 for the next... None before it started."""
    if patient.programme_start is None or day < patient.programme_start:
        return None
    return (week_start(day) - week_start(patient.programme_start)).days // 7


def prescription_on(patient: Patient, day: dt.date) -> Prescription | None:
    """The prescription in force on ``day``: the newest version that started by then."""
    return (
        Prescription.objects.filter(patient=patient, effective_from__lte=day)
        .order_by("-effective_from", "-id")
        .first()
    )


@dataclass(frozen=True)
class WeekTotals:
    week: dt.date
    minutes: int = 0
    walks: int = 0
    days_walked: int = 0
    average_pain: float | None = None
    worst_pain: int | None = None


def weekly_totals(
    patient_ids: Iterable[int], since: dt.date, until: dt.date
) -> dict[int, dict[dt.date, WeekTotals]]:
    """Minutes, walks, walking days and pain per patient per week, in one grouped query.

    Weeks with no walks are absent from the inner dict: callers decide what an empty week means.
    """
    rows = (
        WalkLog.objects.filter(
            patient_id__in=list(patient_ids), walked_on__gte=since, walked_on__lte=until
        )
        .annotate(week=TruncWeek("walked_on"))
        .values("patient_id", "week")
        .annotate(
            minutes=Sum("minutes"),
            walks=Count("id"),
            days=Count("walked_on", distinct=True),
            average_pain=Avg("pain"),
            worst_pain=Max("pain"),
        )
        .order_by()
    )
    result: dict[int, dict[dt.date, WeekTotals]] = defaultdict(dict)
    for row in rows:
        week = row["week"]
        if isinstance(week, dt.datetime):
            week = week.date()
        result[row["patient_id"]][week] = WeekTotals(
            week=week,
            minutes=row["minutes"] or 0,
            walks=row["walks"],
            days_walked=row["days"],
            average_pain=row["average_pain"],
            worst_pain=row["worst_pain"],
        )
    return result
