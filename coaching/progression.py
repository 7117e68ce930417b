"""The walking plan, the one progression rule, the suggestion and the reviews behind the flags.

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
  figures gives no change rather than a guess. A rise of the clinic's ``pain_rise`` (default
  2 points) is "up": the caseload's arrow, the "Pain up" flag and the plan's step down all
  read that one threshold (``ProgrammeRules.pain_rise``, ``Clinic.plan_pain_rise``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.utils import formats
from django.utils.translation import gettext, gettext_lazy, pgettext

from coaching.progress import Timeline, WeekRow, WeekTotals, week_row, week_start
from walkback.accounts.limits import MINUTES_PER_WALK

# Defaults of the clinic's programme rules (``ProgrammeRules``; docs/clinical-rules.md). The
# sources give no dose or step size: each clinic may change the rules below.
CLOSE_TO_TARGET = Fraction(80, 100)
PAIN_RISE_DEFAULT = 2  # points (0-10) over a week: step down, and flag for the physiotherapist
PAIN_STABLE_BELOW = 1  # a rise smaller than this counts as stable
# A plan never starts below a gentle 30 minutes a week, nor below what the patient already
# walks; the physiotherapist edits it.
PLAN_MIN_START_WEEKLY = 30
PLAN_START_WALKS = 3
MINUTES_STEP = 5
MAX_MINUTES_PER_WALK = MINUTES_PER_WALK.high


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
    threshold: int  # the clinic's rise that counts as "up" (``ProgrammeRules.pain_rise``)

    @property
    def rise(self) -> float:
        return self.after - self.before

    @property
    def rising(self) -> bool:
        """Up by the clinic's threshold or more: the "Pain up" flag."""
        return self.rise >= self.threshold

    @property
    def trend(self) -> str:
        """ "up", "down" or "steady": the caseload's arrow. It says "up" exactly when the
        "Pain up" flag is raised (one threshold, the clinic's; issue 10)."""
        if self.rising:
            return "up"
        if self.rise <= -self.threshold:
            return "down"
        return "steady"


def pain_change(
    weeks: Mapping[dt.date, WeekTotals], today: dt.date, *, threshold: int
) -> PainChange | None:
    this_monday = week_start(today)
    for later in (this_monday, this_monday - dt.timedelta(days=7)):
        row = weeks.get(later)
        if row is None or row.average_pain is None:
            continue
        earlier = weeks.get(later - dt.timedelta(days=7))
        if earlier is None or earlier.average_pain is None:
            return None
        return PainChange(
            before=float(earlier.average_pain),
            after=float(row.average_pain),
            week=later,
            threshold=threshold,
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


# A patient keeping going (after the six months) is judged on this many complete weeks
# together: coaching has ended, and a low week or two (a cold, a holiday) is expected.
KEEPING_GOING_WEEKS = 4


def behind_keeping_going(
    weeks: Mapping[dt.date, WeekTotals], timeline: Timeline, today: dt.date
) -> Fraction | None:
    """The share of their maintenance target a patient keeping going walked over the last
    ``KEEPING_GOING_WEEKS`` complete weeks together, when it is under the close-to-target share;
    None when it is not, or when any of those weeks had no target (docs/programme-rules.md,
    "Keeping going"). The maintenance target is the week's target by the one rule
    (``coaching.progress``): plans stop stepping once a patient keeps going, so it is the dose
    in force when the programme ended, or one the physiotherapist has set since."""
    reviews = last_complete_weeks(weeks, timeline, today, count=KEEPING_GOING_WEEKS)
    targets = [review.target for review in reviews if review.target is not None]
    if len(targets) < KEEPING_GOING_WEEKS:
        return None
    walked = sum(review.minutes for review in reviews)
    share = Fraction(walked * 7, sum(target.minute_sevenths for target in targets))
    return share if share < CLOSE_TO_TARGET else None


# --- The clinic's programme rules -------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeRules:
    """How a clinic progresses a walking plan (docs/clinical-rules.md#what-the-sources-leave-open).

    The goal may be the patient's own (``Patient.goal``); everything else is the clinic's. A
    plan keeps the rules it was made under (``as_json``), so a later change of the clinic's
    rules does not rewrite a plan already accepted."""

    goal_walks: int = 5
    goal_minutes: int = 30
    goal_week: int = 26
    start_walks: int = PLAN_START_WALKS
    step_weeks: int = 1
    largest_increase: int = 10  # weekly minutes a step may add
    close_to_target_percent: int = 80
    pain_rise: int = PAIN_RISE_DEFAULT

    @classmethod
    def of(cls, clinic, goal: tuple[int, int, int] | None = None) -> ProgrammeRules:
        walks, minutes, week = goal or (
            clinic.goal_walks_per_week,
            clinic.goal_minutes_per_walk,
            clinic.goal_week,
        )
        return cls(
            goal_walks=walks,
            goal_minutes=minutes,
            goal_week=week,
            start_walks=clinic.plan_start_walks,
            step_weeks=clinic.plan_step_weeks,
            largest_increase=clinic.plan_largest_increase,
            close_to_target_percent=clinic.plan_close_to_target_percent,
            pain_rise=clinic.plan_pain_rise,
        )

    @classmethod
    def from_json(cls, data: Mapping) -> ProgrammeRules:
        return cls(**{name: int(data[name]) for name in cls.__dataclass_fields__ if name in data})

    def as_json(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @property
    def goal_dose(self) -> Dose:
        return Dose(self.goal_walks, self.goal_minutes)

    @property
    def goal_weekly(self) -> int:
        return self.goal_walks * self.goal_minutes

    @property
    def close_share(self) -> Fraction:
        return Fraction(self.close_to_target_percent, 100)


# --- Doses and the plan ----------------------------------------------------------------------


@dataclass(frozen=True)
class Dose:
    walks: int
    minutes: int

    @property
    def weekly(self) -> int:
        return self.walks * self.minutes

    def __str__(self) -> str:
        # Translators: a walking dose, e.g. "3 × 20 min": 3 walks a week of 20 minutes each.
        return gettext("%(walks)s × %(minutes)s min") % {
            "walks": self.walks,
            "minutes": self.minutes,
        }


@dataclass(frozen=True)
class PlanStep:
    """The dose from programme week ``week`` on, if every week before it was close to target."""

    week: int
    walks_per_week: int
    minutes_per_walk: int

    @property
    def dose(self) -> Dose:
        return Dose(self.walks_per_week, self.minutes_per_walk)

    @property
    def weekly_minutes(self) -> int:
        return self.walks_per_week * self.minutes_per_walk

    def __str__(self) -> str:
        return str(self.dose)


def _dose_under(weekly: int, walks: int, grain: int) -> Dose:
    minutes = min(MAX_MINUTES_PER_WALK, weekly // walks // grain * grain)
    return Dose(walks, minutes)


def start_dose(rules: ProgrammeRules, baseline_minutes_per_week: int | None) -> Dose:
    """The first dose: at or above what the patient already walks (never below a gentle 30
    minutes a week), in the clinic's starting number of walks, minutes in steps of 5."""
    weekly = min(max(baseline_minutes_per_week or 0, PLAN_MIN_START_WEEKLY), rules.goal_weekly)
    walks = max(1, min(rules.start_walks, rules.goal_walks), -(-weekly // MAX_MINUTES_PER_WALK))
    minutes = -(-weekly // (walks * MINUTES_STEP)) * MINUTES_STEP  # rounded up to 5
    dose = Dose(walks, min(MAX_MINUTES_PER_WALK, max(MINUTES_STEP, minutes)))
    return rules.goal_dose if dose.weekly >= rules.goal_weekly else dose


def rise(rules: ProgrammeRules, dose: Dose) -> Dose:
    """One step up towards the goal: the largest dose that adds no more than the clinic's
    largest increase, with the same walks or one more and minutes in steps of 5; when 5 is
    too coarse to rise at all, minutes in steps of 1, and then any number of walks up to the
    goal's. At or past the goal, the dose stays."""
    if dose.weekly >= rules.goal_weekly:
        return dose
    ceiling = dose.weekly + rules.largest_increase
    if rules.goal_weekly <= ceiling:
        return rules.goal_dose
    near = [w for w in (dose.walks, dose.walks + 1) if w <= rules.goal_walks] or [dose.walks]
    tries = [(near, MINUTES_STEP), (near, 1), (range(1, rules.goal_walks + 1), 1)]
    for walk_counts, grain in tries:
        candidates = [_dose_under(ceiling, walks, grain) for walks in walk_counts]
        best = max(candidates, key=lambda d: (d.weekly, -abs(d.walks - dose.walks), -d.walks))
        if best.weekly > dose.weekly:
            return best
    return dose


def step_down(rules: ProgrammeRules, dose: Dose) -> Dose:
    """One step back: about the clinic's largest increase less, the same walks where it can
    be, minutes in steps of 5 (else of 1, else one walk fewer)."""
    target = max(1, dose.weekly - rules.largest_increase)
    options = [_dose_under(target, dose.walks, MINUTES_STEP), _dose_under(target, dose.walks, 1)]
    if dose.walks > 1:
        options.append(Dose(dose.walks - 1, dose.minutes))
    for lower in options:
        if lower.minutes >= 1 and lower.weekly < dose.weekly:
            return lower
    return dose


def projected_plan(rules: ProgrammeRules, start: Dose, start_week: int = 0) -> list[PlanStep]:
    """The plan the physiotherapist accepts: the start dose, then one rise every
    ``step_weeks`` until the goal. Each rise happens only when the week before it was close to
    target (``next_dose``); this is the path if every week is."""
    steps = [PlanStep(start_week, start.walks, start.minutes)]
    dose, week = start, start_week
    while dose.weekly < rules.goal_weekly:
        higher = rise(rules, dose)
        if higher == dose:
            break
        dose, week = higher, week + rules.step_weeks
        steps.append(PlanStep(week, dose.walks, dose.minutes))
    return steps


def plan_step_for_week(plan: Sequence[PlanStep], week: int) -> PlanStep:
    current = plan[0]
    for step in plan:
        if step.week <= week:
            current = step
    return current


def goal_reached_in_week(rules: ProgrammeRules, start: Dose) -> int | None:
    """The programme week the projected plan reaches the goal, or None if it never does."""
    last = projected_plan(rules, start)[-1]
    return last.week if last.weekly_minutes >= rules.goal_weekly else None


def rules_reach_the_goal(rules: ProgrammeRules) -> int | None:
    """From the gentlest start, the week the goal is reached under these rules (None: never).
    The clinic's rules are refused when this is after the goal week."""
    return goal_reached_in_week(rules, start_dose(rules, 0))


# --- The next step ----------------------------------------------------------------------------


class Action:
    START = "start"
    UP = "up"
    HOLD = "hold"
    DOWN = "down"


# What a suggestion (and a plan's weekly step) says, by key: the key and its values are what
# is kept (``Suggestion.says``, ``Prescription.rationale_says``), and the sentence is written
# in the reader's language when shown. Values: "dose" and "goal" are [walks, minutes], "before"
# and "after" average pain, "day" an ISO date, the rest whole numbers.
SENTENCES = {
    "down": gettext_lazy(
        "Step down to %(dose)s: average pain rose from %(before)s to %(after)s over a week."
    ),
    "hold_no_week": gettext_lazy(
        "Hold at %(dose)s: there is not yet a full week on this prescription to judge."
    ),
    "hold_short": gettext_lazy(
        "Hold at %(dose)s: last week reached %(percent)s%% of the target, and stepping up "
        "needs %(needed)s%%."
    ),
    "hold_pain": gettext_lazy(
        "Hold at %(dose)s: last week reached %(percent)s%% of the target, but average pain "
        "rose from %(before)s to %(after)s."
    ),
    "hold_goal": gettext_lazy(
        "Hold at %(dose)s: the goal is reached (last week %(percent)s%% of the target); keep going."
    ),
    "up": gettext_lazy(
        "Step up to %(dose)s: last week reached %(percent)s%% of the target with stable pain."
    ),
    "start": gettext_lazy(
        "Start at %(dose)s: at or above the baseline of %(baseline)s minutes a week, rising "
        "towards %(goal)s a week."
    ),
    "start_no_baseline": gettext_lazy(
        "Start at %(dose)s: at or above no recorded baseline, rising towards %(goal)s a week."
    ),
    "hold_set": gettext_lazy("Hold at %(dose)s: the plan already set this week's dose on %(day)s."),
    # A correction of a prescription: the physiotherapist's reason, as they typed it.
    "correction": gettext_lazy("Correction: %(reason)s"),
}


def _shown(name: str, value: Any) -> Any:
    if name in ("dose", "goal"):
        return str(Dose(*value))
    if name in ("before", "after"):
        return _fmt_pain(value)
    if name == "day":
        return formats.date_format(dt.date.fromisoformat(value), "l")
    return value


def sentence(says: Mapping[str, Any]) -> str:
    """A kept sentence (``{"say": key, **values}``) in the current language."""
    values = {name: _shown(name, value) for name, value in says.items() if name != "say"}
    return str(SENTENCES[says["say"]]) % values


@dataclass(frozen=True)
class Suggestion:
    action: str
    walks_per_week: int
    minutes_per_walk: int
    says: dict  # ``{"say": key of SENTENCES, **values}``

    @property
    def dose(self) -> Dose:
        return Dose(self.walks_per_week, self.minutes_per_walk)

    @property
    def sentence(self) -> str:
        """Which rule fired, in words, in the current language."""
        return sentence(self.says)

    @property
    def verb(self) -> str:
        if self.action == Action.START:
            return pgettext("plan step", "Start")
        if self.action == Action.UP:
            return pgettext("plan step", "Step up")
        if self.action == Action.DOWN:
            return pgettext("plan step", "Step down")
        return pgettext("plan step", "Hold")


def _fmt_pain(value: float) -> str:
    """A pain average with at most one decimal (2, 3.5), in the reader's number format."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", str(formats.get_format("DECIMAL_SEPARATOR")))


def _says(key: str, dose: Dose, **values: Any) -> dict:
    return {"say": key, "dose": [dose.walks, dose.minutes], **values}


def next_dose(
    rules: ProgrammeRules, current: Dose, review: WeekRow | None, pain: PainChange | None
) -> Suggestion:
    """The one progression rule, used by the weekly step of an accepted plan and by the
    suggestion at a session: from the dose in force and the last complete week (``review``),
    step down when pain rose by the clinic's threshold, step up when the week was close to
    target with stable pain, hold otherwise. The sentence says which rule fired."""
    if pain is not None and pain.rise >= rules.pain_rise:
        lower = step_down(rules, current)
        return Suggestion(
            Action.DOWN,
            lower.walks,
            lower.minutes,
            _says("down", lower, before=pain.before, after=pain.after),
        )
    if review is None or review.target is None:
        return Suggestion(
            Action.HOLD, current.walks, current.minutes, _says("hold_no_week", current)
        )
    share = review.share or Fraction(0)
    if share < rules.close_share:
        return Suggestion(
            Action.HOLD,
            current.walks,
            current.minutes,
            _says(
                "hold_short",
                current,
                percent=review.percent,
                needed=rules.close_to_target_percent,
            ),
        )
    if pain is not None and pain.rise >= PAIN_STABLE_BELOW:
        return Suggestion(
            Action.HOLD,
            current.walks,
            current.minutes,
            _says(
                "hold_pain", current, percent=review.percent, before=pain.before, after=pain.after
            ),
        )
    higher = rise(rules, current)
    if higher == current:
        return Suggestion(
            Action.HOLD,
            current.walks,
            current.minutes,
            _says("hold_goal", current, percent=review.percent),
        )
    return Suggestion(
        Action.UP, higher.walks, higher.minutes, _says("up", higher, percent=review.percent)
    )


def suggest(
    *,
    rules: ProgrammeRules,
    timeline: Timeline,
    weeks: Mapping[dt.date, WeekTotals],
    today: dt.date,
    baseline_minutes_per_week: int | None,
) -> Suggestion:
    """The proposal at a session: the plan's start dose when there is no prescription yet,
    otherwise ``next_dose`` on last week, unless the plan already took this week's step (then
    the dose in force stays). Only ever a proposal: the physiotherapist's form decides."""
    current = timeline.on(today)
    if current is None:
        first = start_dose(rules, baseline_minutes_per_week)
        goal = [rules.goal_walks, rules.goal_minutes]
        if baseline_minutes_per_week is None:
            says = _says("start_no_baseline", first, goal=goal)
        else:
            says = _says("start", first, baseline=baseline_minutes_per_week, goal=goal)
        return Suggestion(Action.START, first.walks, first.minutes, says)
    dose = Dose(current.walks_per_week, current.minutes_per_walk)
    if current.effective_from >= week_start(today):
        return Suggestion(
            Action.HOLD,
            dose.walks,
            dose.minutes,
            _says("hold_set", dose, day=current.effective_from.isoformat()),
        )
    review = last_complete_weeks(weeks, timeline, today, count=1)[0]
    return next_dose(rules, dose, review, pain_change(weeks, today, threshold=rules.pain_rise))
