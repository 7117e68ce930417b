"""Clinic statistics as pure functions over plain values.

Nothing here touches the database: ``walkback.reports.figures`` gathers the rows and calls
these, and tests/reports/test_stats.py checks each against small cases worked by hand.

Definitions (docs/reports.md says the same for the clinic):
- Programme week k (k = 0, 1, ...) is the Monday-to-Sunday week k weeks after the week that
  holds the programme start (``coaching.progress.programme_week``). Only weeks that have ended
  are counted: a week still running cannot have missed its target yet.
- A week's target, and whether it was on target, are the ones every page shows
  (``coaching.progress``, docs/programme-rules.md): the day-by-day sum of 1/7 of the
  prescription in force each day, so a partial first week has a pro-rated target and is judged
  like any other. Weeks with no prescription on any day are not counted either way.
- Median minutes by week use weeks 1 to 26 (six months): week 0 is usually partial, and its
  minutes are not comparable from one patient to the next.
- A patient is still logging at week 12 (26) if they logged at least one walk in programme
  week 12 (26); only patients whose week 12 (26) has ended are counted.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from coaching.progress import Timeline, WeekRow, WeekTotals, week_row, week_start

PROGRAMME_WEEKS = 26
LOGGING_WEEKS = (12, 26)


def ended_programme_weeks(
    start: dt.date, today: dt.date, last: int = PROGRAMME_WEEKS
) -> list[tuple[int, dt.date]]:
    """(week number, its Monday) for programme weeks 0..``last`` that ended before ``today``."""
    first_monday = week_start(start)
    weeks = []
    for k in range(0, last + 1):
        week_monday = first_monday + dt.timedelta(weeks=k)
        if week_monday + dt.timedelta(days=6) >= today:
            break
        weeks.append((k, week_monday))
    return weeks


def patient_weeks(
    start: dt.date,
    today: dt.date,
    totals: Mapping[dt.date, WeekTotals],
    timeline: Timeline,
    last: int = PROGRAMME_WEEKS,
) -> list[WeekRow]:
    """One patient's ended programme weeks with minutes, walks and target. ``totals`` maps a
    week's Monday to its totals; a week without walks is a week of zeros."""
    return [
        week_row(monday, timeline=timeline, totals=totals, today=today, programme_start=start)
        for _, monday in ended_programme_weeks(start, today, last)
    ]


@dataclass(frozen=True)
class Share:
    part: int
    whole: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.part / self.whole, 1) if self.whole else None

    def __add__(self, other: Share) -> Share:
        """Shares of two groups of patients, taken together."""
        return Share(part=self.part + other.part, whole=self.whole + other.whole)


def share_of_weeks_on_target(weeks: Iterable[WeekRow]) -> Share:
    """Of the weeks that had a target, how many reached it (a share, not a streak)."""
    judged = [w.on_target for w in weeks if w.on_target is not None]
    return Share(part=sum(judged), whole=len(judged))


class MinutesByWeek:
    """Median minutes by programme week, gathered a group of patients at a time: each week
    keeps how many patients walked each number of minutes, not one value per patient, so a
    clinic's refresh holds a few hundred counts whatever its size (docs/reports.md)."""

    def __init__(self, last: int = PROGRAMME_WEEKS):
        self.by_week: dict[int, Counter[int]] = {k: Counter() for k in range(1, last + 1)}

    def add(self, weeks: Iterable[WeekRow]) -> None:
        """One patient's ended weeks."""
        for week in weeks:
            if week.programme_week in self.by_week:
                self.by_week[week.programme_week][week.minutes] += 1

    def result(self) -> list[tuple[int, float | None, int]]:
        return [
            (k, median_of_counts(counts), sum(counts.values()))
            for k, counts in self.by_week.items()
        ]


def median_of_counts(counts: Mapping[int, int]) -> float | None:
    """``statistics.median`` of a list given as {value: how many times}: the middle value, or
    the mean of the two middle ones."""
    n = sum(counts.values())
    if not n:
        return None
    wanted = [(n - 1) // 2, n // 2]  # 0-based positions of the middle value(s)
    found: list[int] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while wanted and wanted[0] < seen:
            found.append(value)
            wanted.pop(0)
    return (found[0] + found[1]) / 2


def median_minutes_by_week(
    weeks_per_patient: Iterable[Sequence[WeekRow]], last: int = PROGRAMME_WEEKS
) -> list[tuple[int, float | None, int]]:
    """(week, median minutes, patients counted) for weeks 1..``last``. A patient counts in a
    week once that week has ended for them, with zero minutes if they logged nothing."""
    gathered = MinutesByWeek(last)
    for weeks in weeks_per_patient:
        gathered.add(weeks)
    return gathered.result()


def still_logging(weeks_per_patient: Iterable[Sequence[WeekRow]], week: int) -> Share:
    """Of the patients whose programme week ``week`` has ended, how many logged a walk in it."""
    part = whole = 0
    for weeks in weeks_per_patient:
        found = next((w for w in weeks if w.programme_week == week), None)
        if found is not None:
            whole += 1
            part += found.walks > 0
    return Share(part=part, whole=whole)


# --- Kaplan-Meier ----------------------------------------------------------------------------


Z_95 = 1.959964  # the normal quantile of a two-sided 95% interval


@dataclass(frozen=True)
class KMStep:
    """At ``time``: ``at_risk`` people were still followed and event-free just before it,
    ``events`` had the event, ``censored`` left follow-up; ``survival`` is the estimate just
    after it, and ``lower``-``upper`` its 95% confidence interval."""

    time: int
    at_risk: int
    events: int
    censored: int
    survival: float
    lower: float = 1.0
    upper: float = 1.0


def _interval(survival: float, greenwood: float) -> tuple[float, float]:
    """The 95% interval of a survival estimate from Greenwood's variance sum, on the log(-log)
    scale, so it stays within 0 and 1 (Kalbfleisch and Prentice)."""
    if survival >= 1.0:
        return 1.0, 1.0
    if survival <= 0.0 or math.isinf(greenwood):
        return 0.0, 0.0 if survival <= 0.0 else survival
    spread = Z_95 * math.sqrt(greenwood) / abs(math.log(survival))
    return survival ** math.exp(spread), survival ** math.exp(-spread)


def km_counts(
    observations: Iterable[tuple[int, bool]], into: dict[int, list[int]] | None = None
) -> dict[int, list[int]]:
    """{time: [events, censored]} of ``observations`` (time, had the event), added to
    ``into`` if given: the estimate needs only these, one pair per distinct day."""
    counts = {} if into is None else into
    for time, event in observations:
        pair = counts.setdefault(time, [0, 0])
        pair[0 if event else 1] += 1
    return counts


def kaplan_meier(observations: Iterable[tuple[int, bool]]) -> list[KMStep]:
    """The product-limit estimate. ``observations`` are (time, had the event)."""
    return kaplan_meier_of_counts(km_counts(observations))


def kaplan_meier_of_counts(counts: Mapping[int, Sequence[int]]) -> list[KMStep]:
    """The product-limit estimate from {time: [events, censored]} (``km_counts``). At a time
    with both events and censorings, the censored people count as at risk for those events
    (the usual convention: they were known event-free at that time)."""
    at_risk = sum(events + censored for events, censored in counts.values())
    survival = 1.0
    greenwood = 0.0  # the sum of d / (n (n - d)) over the event times so far
    steps = []
    for time in sorted(counts):
        events, censored = counts[time]
        if events:
            survival *= 1 - events / at_risk
            greenwood = (
                greenwood + events / (at_risk * (at_risk - events))
                if at_risk > events
                else math.inf
            )
        lower, upper = _interval(survival, greenwood)
        steps.append(KMStep(time, at_risk, events, censored, survival, lower, upper))
        at_risk -= events + censored
    return steps


def step_at(steps: Sequence[KMStep], time: int) -> KMStep | None:
    """The step in force at ``time`` (None before the first)."""
    current = None
    for step in steps:
        if step.time > time:
            break
        current = step
    return current


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


def at_risk_at(steps: Sequence[KMStep], time: int) -> int:
    """``number_at_risk`` read off the estimate's steps (every distinct time is a step): the
    people at risk at the first step at or after ``time``, or none after the last."""
    return next((s.at_risk for s in steps if s.time >= time), 0)


def km_median(steps: Sequence[KMStep]) -> int | None:
    """The first time the estimate falls to one half or below; None if it never does."""
    return next((s.time for s in steps if s.survival <= 0.5), None)
