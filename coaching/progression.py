"""Walking targets, the proposed gradual plan and the progression suggestion.

Pure functions over already-loaded rows (prescription versions, ``weekly_totals``), so the
caseload can apply them to hundreds of patients without a query each, and the rules can be
tested on their edges without a database.

Definitions (shared by the flags, the patient page and the suggestion):
- A week runs Monday to Sunday in the patient's own time zone (``patients.progress``).
- A week's target is the sum, over its seven days, of one seventh of the weekly minutes of the
  prescription in force that day. A week where a prescription started mid-week (a patient who
  started on a Wednesday) therefore gets a pro-rated target for the days it was in force, and
  a change of prescription mid-week is counted day by day. Fractions keep it exact: 80% of the
  target is compared without rounding.
- A week is "met" when its minutes are at least 80% of its target; a week with no logs is 0%.
- The pain change is the average pain of the most recent week with pain recorded (this week
  or last week) minus the week before it. Pain logging is optional, so a week without pain
  figures gives no change rather than a guess.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from patients.progress import WeekTotals, week_start

ADHERENCE_MET = Fraction(80, 100)
PAIN_RISE_FLAG = 2  # points (0-10) over a week: step down, and flag for the physiotherapist
PAIN_STABLE_BELOW = 1  # a rise smaller than this counts as stable
PLAN_STEP_WEEKS = 2
# The sources give no starting dose (PROTOCOL.md): the plan starts from the patient's own
# baseline, but never below a gentle 30 minutes a week, and the physiotherapist edits it.
PLAN_MIN_START_WEEKLY = 30
PLAN_START_WALKS = 3
MINUTES_STEP = 5


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
    the input (the newer row) wins, as in ``patients.progress.prescription_on``.
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


@dataclass(frozen=True)
class WeekTarget:
    minutes: Fraction
    walks: Fraction

    @property
    def is_set(self) -> bool:
        return self.minutes > 0


def week_target(timeline: Timeline, monday: dt.date) -> WeekTarget:
    """Sum over the week's days of 1/7 of the version in force, computed per run of days
    (integers, one division) because the caseload does this for every patient."""
    end = monday + dt.timedelta(days=7)
    starts, versions = timeline._starts, timeline.versions
    index = bisect.bisect_right(starts, monday) - 1  # the version in force on Monday
    minutes = walks = 0
    day = monday
    while day < end:
        # The next version that takes over this week, if any.
        following = index + 1
        while following < len(starts) and starts[following] <= day:
            following += 1
        until = min(end, starts[following]) if following < len(starts) else end
        if index >= 0:
            version = versions[following - 1]
            days = (until - day).days
            minutes += days * version.weekly_minutes
            walks += days * version.walks_per_week
        index = following
        day = until
    return WeekTarget(minutes=Fraction(minutes, 7), walks=Fraction(walks, 7))


def adherence(minutes: int, target: WeekTarget) -> Fraction | None:
    """Share of the week's target walked; None when there was no target that week."""
    if not target.is_set:
        return None
    return Fraction(minutes) / target.minutes


def is_met(minutes: int, target: WeekTarget) -> bool:
    share = adherence(minutes, target)
    return share is not None and share >= ADHERENCE_MET


def percent(share: Fraction | None) -> int | None:
    return None if share is None else int(share * 100 + Fraction(1, 2))


@dataclass(frozen=True)
class PainChange:
    before: float
    after: float
    week: dt.date  # the Monday of the later week

    @property
    def rise(self) -> float:
        return self.after - self.before

    @property
    def trend(self) -> str:
        """ "up", "down" or "steady" (a change under one point is steady)."""
        if self.rise >= PAIN_STABLE_BELOW:
            return "up"
        if self.rise <= -PAIN_STABLE_BELOW:
            return "down"
        return "steady"


def pain_change(weeks: Mapping[dt.date, WeekTotals], today: dt.date) -> PainChange | None:
    this_monday = week_start(today)
    for later in (this_monday, this_monday - dt.timedelta(days=7)):
        row = weeks.get(later)
        if row is None or row.average_pain is None:
            continue
        earlier = weeks.get(later - dt.timedelta(days=7))
        if earlier is None or earlier.average_pain is None:
            return None
        return PainChange(
            before=float(earlier.average_pain), after=float(row.average_pain), week=later
        )
    return None


@dataclass(frozen=True)
class WeekReview:
    monday: dt.date
    minutes: int
    walks: int
    target: WeekTarget

    @property
    def share(self) -> Fraction | None:
        return adherence(self.minutes, self.target)

    @property
    def met(self) -> bool:
        return is_met(self.minutes, self.target)

    @property
    def percent(self) -> int | None:
        return percent(self.share)


def last_complete_weeks(
    weeks: Mapping[dt.date, WeekTotals], timeline: Timeline, today: dt.date, count: int = 2
) -> list[WeekReview]:
    """The ``count`` most recent complete weeks before today's week, newest first. A week
    with no logs is there with 0 minutes: not walking is information too."""
    this_monday = week_start(today)
    reviews = []
    for back in range(1, count + 1):
        monday = this_monday - dt.timedelta(days=7 * back)
        row = weeks.get(monday)
        reviews.append(
            WeekReview(
                monday=monday,
                minutes=row.minutes if row else 0,
                walks=row.walks if row else 0,
                target=week_target(timeline, monday),
            )
        )
    return reviews


def behind_two_weeks(
    weeks: Mapping[dt.date, WeekTotals], timeline: Timeline, today: dt.date
) -> list[WeekReview] | None:
    """The two last complete weeks when both had a target and neither reached 80% of it."""
    reviews = last_complete_weeks(weeks, timeline, today)
    if all(review.target.is_set and not review.met for review in reviews):
        return reviews
    return None


# --- The proposed gradual plan ---------------------------------------------------------------


@dataclass(frozen=True)
class PlanStep:
    week: int
    walks_per_week: int
    minutes_per_walk: int

    @property
    def weekly_minutes(self) -> int:
        return self.walks_per_week * self.minutes_per_walk

    def __str__(self) -> str:
        return f"{self.walks_per_week} × {self.minutes_per_walk} min"


def _round_minutes(value: float) -> int:
    """Down to a multiple of 5, so a step never runs ahead of the even line to the goal."""
    return max(MINUTES_STEP, min(180, int(value // MINUTES_STEP) * MINUTES_STEP))


def gradual_plan(
    *, baseline_minutes_per_week: int | None, goal: tuple[int, int, int]
) -> list[PlanStep]:
    """Steps every two weeks from the baseline to the goal (walks, minutes per walk, by week).

    Weekly minutes rise evenly from the start dose to the goal; walks per week rise from three
    (or the goal, if lower) to the goal's; minutes per walk are rounded down to 5. Steps never go
    down, and consecutive identical steps are merged, so each step is a real change.
    """
    goal_walks, goal_minutes, goal_week = goal
    goal_weekly = goal_walks * goal_minutes
    start_weekly = min(max(baseline_minutes_per_week or 0, PLAN_MIN_START_WEEKLY), goal_weekly)
    start_walks = min(PLAN_START_WALKS, goal_walks)
    goal_week = max(goal_week, PLAN_STEP_WEEKS)
    steps: list[PlanStep] = []
    weeks = list(range(0, goal_week, PLAN_STEP_WEEKS)) + [goal_week]
    for week in weeks:
        if week == goal_week:
            step = PlanStep(week, goal_walks, goal_minutes)
        else:
            share = week / goal_week
            weekly = start_weekly + (goal_weekly - start_weekly) * share
            walks = max(1, round(start_walks + (goal_walks - start_walks) * share))
            step = PlanStep(week, walks, _round_minutes(weekly / walks))
            if step.weekly_minutes >= goal_weekly:
                step = PlanStep(week, goal_walks, goal_minutes)
        if steps and step.weekly_minutes <= steps[-1].weekly_minutes:
            continue
        steps.append(step)
    return steps


def plan_step_for_week(plan: Sequence[PlanStep], week: int) -> PlanStep:
    current = plan[0]
    for step in plan:
        if step.week <= week:
            current = step
    return current


# --- The suggestion at a review ---------------------------------------------------------------


class Action:
    START = "start"
    UP = "up"
    HOLD = "hold"
    DOWN = "down"


@dataclass(frozen=True)
class Suggestion:
    action: str
    walks_per_week: int
    minutes_per_walk: int
    sentence: str

    @property
    def verb(self) -> str:
        return {
            Action.START: "Start",
            Action.UP: "Step up",
            Action.HOLD: "Hold",
            Action.DOWN: "Step down",
        }[self.action]


def _fmt_pain(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def suggest(
    *,
    timeline: Timeline,
    weeks: Mapping[dt.date, WeekTotals],
    today: dt.date,
    plan: Sequence[PlanStep],
    programme_week: int | None,
    baseline_minutes_per_week: int | None,
) -> Suggestion:
    """The next step from the patient's record, explained in one sentence. It is only ever a
    proposal: the physiotherapist's form decides what is saved."""
    current = timeline.on(today)
    if current is None:
        first = plan_step_for_week(plan, programme_week or 0)
        baseline = (
            f"the baseline of {baseline_minutes_per_week} minutes a week"
            if baseline_minutes_per_week is not None
            else "no recorded baseline"
        )
        return Suggestion(
            Action.START,
            first.walks_per_week,
            first.minutes_per_walk,
            f"Start at {first}: the plan's step for this week, from {baseline}.",
        )
    now = f"{current.walks_per_week} × {current.minutes_per_walk} min"
    change = pain_change(weeks, today)
    if change is not None and change.rise >= PAIN_RISE_FLAG:
        lower = [step for step in plan if step.weekly_minutes < current.weekly_minutes]
        if lower:
            walks, minutes = lower[-1].walks_per_week, lower[-1].minutes_per_walk
        elif current.minutes_per_walk > MINUTES_STEP:
            walks = current.walks_per_week
            minutes = max(MINUTES_STEP, current.minutes_per_walk - MINUTES_STEP)
        else:
            walks, minutes = max(1, current.walks_per_week - 1), current.minutes_per_walk
        return Suggestion(
            Action.DOWN,
            walks,
            minutes,
            f"Step down to {walks} × {minutes} min: average pain rose from "
            f"{_fmt_pain(change.before)} to {_fmt_pain(change.after)} over a week.",
        )
    reviews = last_complete_weeks(weeks, timeline, today)
    if not all(review.target.is_set for review in reviews):
        return Suggestion(
            Action.HOLD,
            current.walks_per_week,
            current.minutes_per_walk,
            f"Hold at {now}: there are not yet two full weeks of walking on a prescription "
            "to judge from.",
        )
    shares = " and ".join(f"{review.percent}%" for review in reversed(reviews))
    if not all(review.met for review in reviews):
        return Suggestion(
            Action.HOLD,
            current.walks_per_week,
            current.minutes_per_walk,
            f"Hold at {now}: the last two weeks reached {shares} of the target, and stepping "
            "up needs at least 80% in both.",
        )
    if change is not None and change.rise >= PAIN_STABLE_BELOW:
        return Suggestion(
            Action.HOLD,
            current.walks_per_week,
            current.minutes_per_walk,
            f"Hold at {now}: the last two weeks reached {shares} of the target, but average "
            f"pain rose from {_fmt_pain(change.before)} to {_fmt_pain(change.after)}.",
        )
    higher = [step for step in plan if step.weekly_minutes > current.weekly_minutes]
    if not higher:
        return Suggestion(
            Action.HOLD,
            current.walks_per_week,
            current.minutes_per_walk,
            f"Hold at {now}: the goal is reached (the last two weeks reached {shares} of the "
            "target); keep going.",
        )
    step = higher[0]
    return Suggestion(
        Action.UP,
        step.walks_per_week,
        step.minutes_per_walk,
        f"Step up to {step}: the last two weeks reached {shares} of the target with stable pain.",
    )


# --- Rows for the progress chart and its table -----------------------------------------------


@dataclass(frozen=True)
class WeekRow:
    monday: dt.date
    programme_week: int
    minutes: int
    walks: int
    days_walked: int
    target_minutes: int | None
    target_walks: int | None
    average_pain: float | None
    is_current: bool

    @property
    def percent(self) -> int | None:
        if not self.target_minutes:
            return None
        return int(self.minutes * 100 / self.target_minutes + 0.5)

    @property
    def label(self) -> str:
        return f"Week {self.programme_week}"


def week_rows(
    *,
    programme_start: dt.date,
    today: dt.date,
    weeks: Mapping[dt.date, WeekTotals],
    timeline: Timeline,
    since: dt.date | None = None,
) -> list[WeekRow]:
    """One row per week from the programme start (or ``since``) to this week, oldest first,
    empty weeks included (a gap in walking should show as a gap)."""
    first_monday = week_start(programme_start)
    monday = max(first_monday, week_start(since)) if since else first_monday
    this_monday = week_start(today)
    rows = []
    while monday <= this_monday:
        row = weeks.get(monday)
        target = week_target(timeline, monday)
        rows.append(
            WeekRow(
                monday=monday,
                programme_week=(monday - first_monday).days // 7,
                minutes=row.minutes if row else 0,
                walks=row.walks if row else 0,
                days_walked=row.days_walked if row else 0,
                target_minutes=int(target.minutes + Fraction(1, 2)) if target.is_set else None,
                target_walks=int(target.walks + Fraction(1, 2)) if target.is_set else None,
                average_pain=(
                    float(row.average_pain) if row and row.average_pain is not None else None
                ),
                is_current=monday == this_monday,
            )
        )
        monday += dt.timedelta(days=7)
    return rows
