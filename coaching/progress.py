"""Weeks, targets and totals: the shared arithmetic of the programme.

This module is the one place that says what a week's target is and whether a week was on
target. The physiotherapist's caseload, flags and patient page, the patient's portal and the
clinic's figures and exports all ask it; the rule in plain words is in
``docs/programme-rules.md``:

- A week runs Monday to Sunday in the patient's own time zone. ``WalkLog.walked_on`` is already
  the patient's local date, so a week's walks are simply those whose date falls in it.
  Programme week 0 is the (often partial) week that holds the programme start date.
- A week's target is the sum, over its seven days, of one seventh of the weekly minutes (and
  walks) of the prescription in force that day. A programme that starts on a Friday has 3/7 of
  a target in its first week, a change made on a Thursday counts from Thursday, days before the
  first prescription count zero, and a week with no prescription on any day has no target and
  is not judged. A prescription dated later in the current week counts from its own day: a
  week's target does not depend on the day it is looked at.
- Targets are exact fractions here; people see them rounded UP to whole minutes and walks, so
  "45 of 45 minutes" always means on target.
- A week is on target when its minutes reach the exact target minutes. Walks are shown, but do
  not decide: the trial's walkers reached their minutes "mostly over 3-5 days"
  (docs/clinical-rules.md#walking-goal).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Avg, Count, Max, Sum
from django.db.models.functions import TruncWeek
from django.utils import formats
from django.utils.translation import gettext

from coaching.models import Prescription
from patients.models import Patient, WalkLog

WEEK = dt.timedelta(days=7)


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


# --- The week's target (docs/programme-rules.md) ---------------------------------------------


class Version:
    """A prescription version reduced to what the arithmetic needs (a model row works too)."""

    __slots__ = ("effective_from", "walks_per_week", "minutes_per_walk")

    def __init__(self, effective_from: dt.date, walks_per_week: int, minutes_per_walk: int):
        self.effective_from = effective_from
        self.walks_per_week = walks_per_week
        self.minutes_per_walk = minutes_per_walk

    @property
    def weekly_minutes(self) -> int:
        return self.walks_per_week * self.minutes_per_walk


class Timeline:
    """A patient's prescription versions, answering "what was in force on day X" quickly.

    ``versions`` may be in any order; among versions starting the same day, the later one in
    the input (the newer row) wins, as in ``prescription_on``.
    """

    def __init__(self, versions: Sequence):
        ordered = sorted(enumerate(versions), key=lambda pair: (pair[1].effective_from, pair[0]))
        self.versions = [version for _, version in ordered]
        self._starts = [version.effective_from for version in self.versions]

    def on(self, day: dt.date):
        index = bisect.bisect_right(self._starts, day)
        return self.versions[index - 1] if index else None

    def __bool__(self) -> bool:
        return bool(self.versions)

    @property
    def first_day(self) -> dt.date | None:
        return self._starts[0] if self._starts else None


def patient_timeline(patient: Patient) -> Timeline:
    """The patient's prescription versions (one query)."""
    return Timeline(list(Prescription.objects.filter(patient=patient).order_by("id")))


@dataclass(frozen=True, slots=True)
class WeekTarget:
    """A week's target, exact. It is kept in sevenths (the sum over the days of the weekly
    minutes and walks in force), so deciding and rounding stay in whole numbers, with no
    fraction built for every week of every patient. ``days`` is how many of the week's days
    had a prescription in force (fewer than 7 only in the week the first one started)."""

    minute_sevenths: int
    walk_sevenths: int
    days: int = 7

    @property
    def minutes(self) -> Fraction:
        return Fraction(self.minute_sevenths, 7)

    @property
    def walks(self) -> Fraction:
        return Fraction(self.walk_sevenths, 7)

    @property
    def is_set(self) -> bool:
        return self.minute_sevenths > 0

    @property
    def partial(self) -> bool:
        return 0 < self.days < 7

    @property
    def shown_minutes(self) -> int:
        """Rounded UP, so reaching the number shown is reaching the target (whole minutes
        against a fraction: m >= ceil(t) exactly when m >= t)."""
        return -(-self.minute_sevenths // 7)

    @property
    def shown_walks(self) -> int:
        return -(-self.walk_sevenths // 7)


def target_between(timeline: Timeline, first: dt.date, end: dt.date) -> WeekTarget:
    """The target of the days from ``first`` up to (not including) ``end``: 1/7 of the weekly
    minutes and walks of the version in force, day by day. Computed per run of days under one
    version, in integers (sevenths), because the caseload and the clinic figures do this for
    every patient and every week."""
    starts, versions = timeline._starts, timeline.versions
    index = bisect.bisect_right(starts, first) - 1  # the version in force on the first day
    minutes = walks = covered = 0
    day = first
    while day < end:
        # The next version that takes over within the range, if any.
        following = index + 1
        while following < len(starts) and starts[following] <= day:
            following += 1
        until = min(end, starts[following]) if following < len(starts) else end
        if index >= 0:
            version = versions[following - 1]
            days = (until - day).days
            minutes += days * version.weekly_minutes
            walks += days * version.walks_per_week
            covered += days
        index = following
        day = until
    return WeekTarget(minute_sevenths=minutes, walk_sevenths=walks, days=covered)


def week_target(timeline: Timeline, monday: dt.date) -> WeekTarget:
    """The target of the week starting on ``monday`` (docs/programme-rules.md)."""
    return target_between(timeline, monday, monday + WEEK)


def target_due_by(timeline: Timeline, day: dt.date) -> WeekTarget:
    """The part of ``day``'s week's target due from Monday to the end of ``day``."""
    return target_between(timeline, week_start(day), day + dt.timedelta(days=1))


def adherence(minutes: int, target: WeekTarget) -> Fraction | None:
    """Share of the week's target walked; None when there was no target that week."""
    if not target.is_set:
        return None
    return Fraction(minutes * 7, target.minute_sevenths)


def on_target(minutes: int, target: WeekTarget | None) -> bool | None:
    """The week's minutes reached its exact target; None when the week had no target."""
    if target is None or not target.is_set:
        return None
    return minutes * 7 >= target.minute_sevenths


def percent(share: Fraction | None) -> int | None:
    """A share as whole percent, rounded DOWN for the same reason targets are rounded up: 100%
    (or the 80% a step up needs) is only shown once it is really reached."""
    return None if share is None else share.numerator * 100 // share.denominator


# --- A patient's weeks, as every page shows them ---------------------------------------------


@dataclass(frozen=True, slots=True)
class WeekRow:
    """One of a patient's weeks with its walking and its target: the row behind the
    physiotherapist's chart, the portal's home and history, and the clinic's figures."""

    monday: dt.date
    programme_week: int | None  # 0 = the week the programme started in; None before it
    totals: WeekTotals
    target: WeekTarget | None  # None: no prescription on any day of the week, not judged
    is_current: bool

    @property
    def week_end(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def minutes(self) -> int:
        return self.totals.minutes

    @property
    def walks(self) -> int:
        return self.totals.walks

    @property
    def days_walked(self) -> int:
        return self.totals.days_walked

    @property
    def average_pain(self) -> float | None:
        pain = self.totals.average_pain
        return None if pain is None else float(pain)

    @property
    def label(self) -> str:
        if self.programme_week is None:
            # Translators: %(day)s is a short date, as in "Week of 3 Mar".
            return gettext("Week of %(day)s") % {
                # Translators: a short date as in "3 Mar" (Django date format letters).
                "day": formats.date_format(self.monday, gettext("j M"))
            }
        # Translators: a week of the programme, counted from 0, as in "Week 5".
        return gettext("Week %(number)s") % {"number": self.programme_week}

    @property
    def target_minutes(self) -> int | None:
        """The target as shown (rounded up); None when the week has no target."""
        return None if self.target is None else self.target.shown_minutes

    @property
    def target_walks(self) -> int | None:
        return None if self.target is None else self.target.shown_walks

    @property
    def on_target(self) -> bool | None:
        return on_target(self.minutes, self.target)

    @property
    def share(self) -> Fraction | None:
        return None if self.target is None else adherence(self.minutes, self.target)

    @property
    def percent(self) -> int | None:
        return percent(self.share)

    @property
    def minutes_left(self) -> int | None:
        return None if self.target is None else max(0, self.target.shown_minutes - self.minutes)

    @property
    def walks_left(self) -> int | None:
        return None if self.target is None else max(0, self.target.shown_walks - self.walks)


def week_row(
    monday: dt.date,
    *,
    timeline: Timeline,
    totals: Mapping[dt.date, WeekTotals],
    today: dt.date,
    programme_start: dt.date | None,
) -> WeekRow:
    """The week starting on ``monday``; a week without walks has zero totals."""
    target = week_target(timeline, monday)
    number = None
    if programme_start is not None:
        # Days since the Monday of the start's week (the clinic figures do this for every week).
        days = (monday - programme_start).days + programme_start.weekday()
        number = days // 7 if days >= 0 else None
    return WeekRow(
        monday=monday,
        programme_week=number,
        totals=totals.get(monday) or WeekTotals(week=monday),
        target=target if target.is_set else None,
        is_current=monday <= today < monday + WEEK,
    )


def week_rows(
    *,
    first: dt.date,
    last: dt.date,
    timeline: Timeline,
    totals: Mapping[dt.date, WeekTotals],
    today: dt.date,
    programme_start: dt.date | None,
) -> list[WeekRow]:
    """One row per week from the week holding ``first`` to the week holding ``last``, oldest
    first, empty weeks included (a gap in walking should show as a gap)."""
    rows = []
    monday, end = week_start(first), week_start(last)
    while monday <= end:
        rows.append(
            week_row(
                monday,
                timeline=timeline,
                totals=totals,
                today=today,
                programme_start=programme_start,
            )
        )
        monday += WEEK
    return rows


def first_week(
    patient: Patient, timeline: Timeline, totals: Mapping[dt.date, WeekTotals], today: dt.date
) -> dt.date:
    """Where a patient's weeks begin: the programme start, or earlier if a prescription or a
    walk is dated earlier (or no start is set yet); never after today."""
    candidates = [today, patient.programme_start, timeline.first_day, min(totals, default=None)]
    return min(day for day in candidates if day is not None)


@dataclass(frozen=True)
class PatientWeeks:
    """A patient's prescriptions, weekly totals and week rows up to this week."""

    timeline: Timeline
    totals: dict[dt.date, WeekTotals]
    rows: list[WeekRow]

    @property
    def current(self) -> WeekRow:
        return self.rows[-1]


def patient_weeks(
    patient: Patient, *, today: dt.date, timeline: Timeline | None = None
) -> PatientWeeks:
    """Every week of the patient's history up to the current one, oldest first: the rows both
    the physiotherapist's patient page and the patient's own history draw. Two queries whatever
    the length of the history (the prescriptions, unless ``timeline`` is given, and the weekly
    totals in one grouped query)."""
    if timeline is None:
        timeline = patient_timeline(patient)
    totals = weekly_totals([patient.pk], dt.date.min, today).get(patient.pk, {})
    rows = week_rows(
        first=first_week(patient, timeline, totals, today),
        last=today,
        timeline=timeline,
        totals=totals,
        today=today,
        programme_start=patient.programme_start,
    )
    return PatientWeeks(timeline=timeline, totals=totals, rows=rows)


def patient_week(
    patient: Patient, day: dt.date, *, today: dt.date, timeline: Timeline | None = None
) -> WeekRow:
    """The week holding ``day``, with its totals and target (two queries, one when the
    ``timeline`` is given)."""
    if timeline is None:
        timeline = patient_timeline(patient)
    monday = week_start(day)
    totals = weekly_totals([patient.pk], monday, monday + dt.timedelta(days=6))
    return week_row(
        monday,
        timeline=timeline,
        totals=totals.get(patient.pk, {}),
        today=today,
        programme_start=patient.programme_start,
    )


def on_target_streak(rows: Sequence[WeekRow]) -> int:
    """How many weeks on target in a row (a count, not a share: reports use
    ``share_of_weeks_on_target``), counting back from last week. The current week joins the
    streak once its target is reached, but an unfinished current week never breaks it."""
    streak = 0
    for row in reversed(rows):
        if row.is_current and not row.on_target:
            continue
        if not row.on_target:
            break
        streak += 1
    return streak
