"""The proposed gradual plan, the progression suggestion and the reviews behind the flags.

Pure functions over already-loaded rows (prescription versions, ``weekly_totals``), so the
caseload can apply them to hundreds of patients without a query each, and the rules can be
tested on their edges without a database.

Definitions:
- A week, its target and whether it was on target are defined once, in ``coaching.progress``
  (in plain words: ``docs/programme-rules.md``): Monday to Sunday in the patient's own time
  zone; the target is the day-by-day sum of 1/7 of the prescription in force each day, exact.
- "Close to target" is at least 80% of that exact target (``CLOSE_TO_TARGET``): two complete
  weeks close to target allow a step up; two weeks under it raise the "behind target" flag. A
  week with no logs is 0%.
- The pain change is the average pain of the most recent week with pain recorded (this week
  or last week) minus the week before it. Pain logging is optional, so a week without pain
  figures gives no change rather than a guess.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from coaching.progress import Timeline, WeekRow, WeekTotals, week_row, week_start
from walkback.accounts.limits import MINUTES_PER_WALK

# Two complete weeks at this share of their target or more allow a step up; two under it raise
# the "behind target" flag. A tolerance of the physiotherapist's tools, not "on target".
CLOSE_TO_TARGET = Fraction(80, 100)
PAIN_RISE_FLAG = 2  # points (0-10) over a week: step down, and flag for the physiotherapist
PAIN_STABLE_BELOW = 1  # a rise smaller than this counts as stable
PLAN_STEP_WEEKS = 2
# The sources give no starting dose (PROTOCOL.md): the plan starts from the patient's own
# baseline, but never below a gentle 30 minutes a week, and the physiotherapist edits it.
PLAN_MIN_START_WEEKLY = 30
PLAN_START_WALKS = 3
MINUTES_STEP = 5


def is_close_to_target(week: WeekRow) -> bool:
    """At least 80% of the week's exact target: enough for a step up, and not "behind". This
    is not "on target" (``WeekRow.on_target``, 100%)."""
    share = week.share
    return share is not None and share >= CLOSE_TO_TARGET


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


def last_complete_weeks(
    weeks: Mapping[dt.date, WeekTotals], timeline: Timeline, today: dt.date, count: int = 2
) -> list[WeekRow]:
    """The ``count`` most recent complete weeks before today's week, newest first. A week
    with no logs is there with 0 minutes: not walking is information too."""
    this_monday = week_start(today)
    return [
        week_row(
            this_monday - dt.timedelta(days=7 * back),
            timeline=timeline,
            totals=weeks,
            today=today,
            programme_start=None,
        )
        for back in range(1, count + 1)
    ]


def behind_two_weeks(
    weeks: Mapping[dt.date, WeekTotals], timeline: Timeline, today: dt.date
) -> list[WeekRow] | None:
    """The two last complete weeks when both had a target and neither was close to it."""
    reviews = last_complete_weeks(weeks, timeline, today)
    if all(review.target is not None and not is_close_to_target(review) for review in reviews):
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
    return max(MINUTES_STEP, min(MINUTES_PER_WALK.high, int(value // MINUTES_STEP) * MINUTES_STEP))


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
    if not all(review.target is not None for review in reviews):
        return Suggestion(
            Action.HOLD,
            current.walks_per_week,
            current.minutes_per_walk,
            f"Hold at {now}: there are not yet two full weeks of walking on a prescription "
            "to judge from.",
        )
    shares = " and ".join(f"{review.percent}%" for review in reversed(reviews))
    if not all(is_close_to_target(review) for review in reviews):
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
