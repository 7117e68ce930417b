"""Clinic statistics as pure functions over plain values.

Nothing here touches the database: ``walkback.reports.figures`` gathers the rows and calls
these, and tests/reports/test_stats.py checks each against small cases worked by hand.

Definitions (docs/reports.md says the same for the clinic):
- Programme week k (k = 0, 1, ...) is the Monday-to-Sunday week k weeks after the week that
  holds the programme start (``patients.progress.programme_week``). Week 0 is usually partial,
  so the adherence figures use weeks 1 to 26 (six months), and only weeks that have ended.
- A week is on target when the minutes walked reach the weekly minutes of the prescription in
  force on the week's Monday. Weeks with no prescription yet are not counted either way.
- A patient is still logging at week 12 (26) if they logged at least one walk in programme
  week 12 (26); only patients whose week 12 (26) has ended are counted.
"""

from __future__ import annotations

import bisect
import datetime as dt
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PROGRAMME_WEEKS = 26
LOGGING_WEEKS = (12, 26)


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def ended_programme_weeks(
    start: dt.date, today: dt.date, last: int = PROGRAMME_WEEKS
) -> list[tuple[int, dt.date]]:
    """(week number, its Monday) for programme weeks 1..``last`` that ended before ``today``."""
    first_monday = monday(start)
    weeks = []
    for k in range(1, last + 1):
        week_monday = first_monday + dt.timedelta(weeks=k)
        if week_monday + dt.timedelta(days=6) >= today:
            break
        weeks.append((k, week_monday))
    return weeks


def target_on(prescriptions: Sequence[tuple[dt.date, int]], day: dt.date) -> int | None:
    """Weekly minutes of the prescription in force on ``day``. ``prescriptions`` are
    (effective from, weekly minutes) sorted by date, later versions after earlier ones."""
    index = bisect.bisect_right([p[0] for p in prescriptions], day)
    return prescriptions[index - 1][1] if index else None


@dataclass(frozen=True)
class PatientWeek:
    week: int
    monday: dt.date
    minutes: int
    walks: int
    days_walked: int
    target_minutes: int | None

    @property
    def on_target(self) -> bool | None:
        if self.target_minutes is None:
            return None
        return self.minutes >= self.target_minutes


def patient_weeks(
    start: dt.date,
    today: dt.date,
    totals: dict[dt.date, tuple[int, int, int]],
    prescriptions: Sequence[tuple[dt.date, int]],
    last: int = PROGRAMME_WEEKS,
) -> list[PatientWeek]:
    """One patient's ended programme weeks with minutes, walks and target. ``totals`` maps a
    week's Monday to (minutes, walks, days walked); a week without walks is a week of zeros."""
    weeks = []
    for number, week_monday in ended_programme_weeks(start, today, last):
        minutes, walks, days = totals.get(week_monday, (0, 0, 0))
        weeks.append(
            PatientWeek(
                week=number,
                monday=week_monday,
                minutes=minutes,
                walks=walks,
                days_walked=days,
                target_minutes=target_on(prescriptions, week_monday),
            )
        )
    return weeks


@dataclass(frozen=True)
class Share:
    part: int
    whole: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.part / self.whole, 1) if self.whole else None


def weeks_on_target(weeks: Iterable[PatientWeek]) -> Share:
    """Of the weeks that had a target, how many reached it."""
    judged = [w.on_target for w in weeks if w.on_target is not None]
    return Share(part=sum(judged), whole=len(judged))


def median_minutes_by_week(
    weeks_per_patient: Iterable[Sequence[PatientWeek]], last: int = PROGRAMME_WEEKS
) -> list[tuple[int, float | None, int]]:
    """(week, median minutes, patients counted) for weeks 1..``last``. A patient counts in a
    week once that week has ended for them, with zero minutes if they logged nothing."""
    by_week: dict[int, list[int]] = {k: [] for k in range(1, last + 1)}
    for weeks in weeks_per_patient:
        for week in weeks:
            if week.week in by_week:
                by_week[week.week].append(week.minutes)
    return [
        (k, float(statistics.median(values)) if values else None, len(values))
        for k, values in by_week.items()
    ]


def still_logging(weeks_per_patient: Iterable[Sequence[PatientWeek]], week: int) -> Share:
    """Of the patients whose programme week ``week`` has ended, how many logged a walk in it."""
    part = whole = 0
    for weeks in weeks_per_patient:
        found = next((w for w in weeks if w.week == week), None)
        if found is not None:
            whole += 1
            part += found.walks > 0
    return Share(part=part, whole=whole)


# --- Kaplan-Meier ----------------------------------------------------------------------------


@dataclass(frozen=True)
class KMStep:
    """At ``time``: ``at_risk`` people were still followed and event-free just before it,
    ``events`` had the event, ``censored`` left follow-up; ``survival`` is the estimate just
    after it."""

    time: int
    at_risk: int
    events: int
    censored: int
    survival: float


def kaplan_meier(observations: Iterable[tuple[int, bool]]) -> list[KMStep]:
    """The product-limit estimate. ``observations`` are (time, had the event). At a time with
    both events and censorings, the censored people count as at risk for those events (the
    usual convention: they were known event-free at that time)."""
    counts: dict[int, list[int]] = {}
    total = 0
    for time, event in observations:
        pair = counts.setdefault(time, [0, 0])
        pair[0 if event else 1] += 1
        total += 1
    at_risk = total
    survival = 1.0
    steps = []
    for time in sorted(counts):
        events, censored = counts[time]
        if events:
            survival *= 1 - events / at_risk
        steps.append(KMStep(time, at_risk, events, censored, survival))
        at_risk -= events + censored
    return steps


def survival_at(steps: Sequence[KMStep], time: int) -> float:
    """The estimate at ``time`` (a step function, continuous from the right)."""
    value = 1.0
    for step in steps:
        if step.time > time:
            break
        value = step.survival
    return value


def number_at_risk(observations: Sequence[tuple[int, bool]], time: int) -> int:
    """People still followed and event-free at ``time`` (their time is ``time`` or later)."""
    return sum(1 for t, _ in observations if t >= time)


def km_median(steps: Sequence[KMStep]) -> int | None:
    """The first time the estimate falls to one half or below; None if it never does."""
    return next((s.time for s in steps if s.survival <= 0.5), None)
