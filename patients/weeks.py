"""A patient's weeks: target, totals, whether the target was met, streaks, and what to say.

Built on ``patients.progress`` (week maths, ``weekly_totals``). A week runs Monday to Sunday in
the patient's own time zone; ``WalkLog.walked_on`` is already their local date and "today" is
``Patient.today()``, so nothing here converts time zones: callers pass the patient's today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from coaching.models import Prescription
from patients.models import Patient, WalkLog
from patients.progress import WeekTotals, programme_week, week_start, weekly_totals

# Pain at or above this on a walk in the last few days makes the home page speak about a
# flare-up (walk less today, keep moving) instead of pushing for minutes. The sources give no
# threshold; 4/10 is well above the 2/10 that PROTOCOL.md uses for "activity-limiting".
FLARE_UP_PAIN = 4
FLARE_UP_DAYS = 3


@dataclass(frozen=True)
class WeekTarget:
    walks: int
    minutes: int
    # True for the first, partial week of the programme: the target is scaled to its days.
    partial: bool = False
    days: int = 7


@dataclass(frozen=True)
class WeekRow:
    """One of a patient's weeks, Monday to Sunday in their own time zone."""

    week: dt.date
    number: int | None  # programme week (0 = the week the programme started in)
    totals: WeekTotals
    target: WeekTarget | None
    is_current: bool

    @property
    def minutes(self) -> int:
        return self.totals.minutes

    @property
    def walks(self) -> int:
        return self.totals.walks

    @property
    def week_end(self) -> dt.date:
        return self.week + dt.timedelta(days=6)

    @property
    def met(self) -> bool:
        """On target: the week's minutes reached the prescribed weekly minutes. The number of
        walks is shown beside it but does not decide it: the trial's walkers reached their
        minutes "mostly over 3-5 days" (PROTOCOL.md), so fewer, longer walks still count."""
        return self.target is not None and self.totals.minutes >= self.target.minutes

    @property
    def minutes_left(self) -> int | None:
        if self.target is None:
            return None
        return max(0, self.target.minutes - self.totals.minutes)

    @property
    def walks_left(self) -> int | None:
        if self.target is None:
            return None
        return max(0, self.target.walks - self.totals.walks)


def _ceil_ratio(value: int, numerator: int, denominator: int) -> int:
    return -(-value * numerator // denominator)


def week_target(
    patient: Patient,
    week: dt.date,
    prescriptions: list[Prescription],
    *,
    today: dt.date,
) -> WeekTarget | None:
    """The target of the week starting on Monday ``week``.

    It is the prescription in force on the week's last day (or today, for the current week),
    so a progression made mid-week counts for that week. The first week with a target is
    scaled to the days left in it when the programme (or the first prescription) began after
    Monday: starting on a Friday means three days' worth, rounded up.
    ``prescriptions`` is the patient's full list, newest first (one query, see ``week_rows``).
    """
    last_day = min(week + dt.timedelta(days=6), today)
    prescription = next((p for p in prescriptions if p.effective_from <= last_day), None)
    if prescription is None:
        return None
    first_prescription = prescriptions[-1].effective_from
    began = max(d for d in (patient.programme_start, first_prescription) if d is not None)
    if week_start(began) == week and began > week:
        days = 7 - began.weekday()
        return WeekTarget(
            walks=_ceil_ratio(prescription.walks_per_week, days, 7),
            minutes=_ceil_ratio(prescription.weekly_minutes, days, 7),
            partial=True,
            days=days,
        )
    return WeekTarget(walks=prescription.walks_per_week, minutes=prescription.weekly_minutes)


def week_rows(patient: Patient, *, today: dt.date) -> list[WeekRow]:
    """Every week of the patient's programme up to the current one, oldest first.

    Two queries whatever the length of the history: the prescriptions, and the weekly totals
    in one grouped query. Weeks start at the programme's first week, or earlier if a walk or a
    prescription is dated earlier (or if no start date is set yet).
    """
    prescriptions = list(
        Prescription.objects.filter(patient=patient).order_by("-effective_from", "-id")
    )
    earliest = patient.programme_start or today
    if prescriptions:
        earliest = min(earliest, prescriptions[-1].effective_from)
    totals = weekly_totals([patient.pk], dt.date.min, today).get(patient.pk, {})
    if totals:
        earliest = min(earliest, min(totals))
    current = week_start(today)
    rows = []
    week = week_start(earliest)
    while week <= current:
        rows.append(
            WeekRow(
                week=week,
                number=programme_week(patient, min(week + dt.timedelta(days=6), today)),
                totals=totals.get(week, WeekTotals(week=week)),
                target=week_target(patient, week, prescriptions, today=today),
                is_current=week == current,
            )
        )
        week += dt.timedelta(days=7)
    return rows


def week_row(patient: Patient, day: dt.date, *, today: dt.date) -> WeekRow:
    """The week holding ``day``, with its total and target (two queries)."""
    week = week_start(day)
    prescriptions = list(
        Prescription.objects.filter(patient=patient).order_by("-effective_from", "-id")
    )
    totals = weekly_totals([patient.pk], week, week + dt.timedelta(days=6)).get(patient.pk, {})
    return WeekRow(
        week=week,
        number=programme_week(patient, min(week + dt.timedelta(days=6), today)),
        totals=totals.get(week, WeekTotals(week=week)),
        target=week_target(patient, week, prescriptions, today=today),
        is_current=week == week_start(today),
    )


def walk_confirmation(patient: Patient, walk: WalkLog, *, today: dt.date) -> str:
    """What changed, in words: "That's 75 of 150 minutes this week." (two queries)."""
    row = week_row(patient, walk.walked_on, today=today)
    when = "this week" if row.is_current else f"in the week of {row.week.day} {row.week:%B}"
    if row.target is None:
        return f"That's {row.minutes} minutes {when}."
    return f"That's {row.minutes} of {row.target.minutes} minutes {when}."


def long_date(day: dt.date) -> str:
    """'Monday 3 June 2024': the date written out, as patients read it."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def weeks_on_target(rows: list[WeekRow]) -> int:
    """Weeks on target in a row, counting back from last week. The current week joins the
    streak once its target is reached, but an unfinished current week never breaks it."""
    streak = 0
    for row in reversed(rows):
        if row.is_current and not row.met:
            continue
        if not row.met:
            break
        streak += 1
    return streak


def in_flare_up(patient: Patient, *, today: dt.date) -> bool:
    """A sore spell: the latest pain score logged in the last few days is high (one query)."""
    latest = (
        WalkLog.objects.filter(
            patient=patient,
            walked_on__gt=today - dt.timedelta(days=FLARE_UP_DAYS),
            walked_on__lte=today,
            pain__isnull=False,
        )
        .order_by("-walked_on", "-created_at")
        .values_list("pain", flat=True)
        .first()
    )
    return latest is not None and latest >= FLARE_UP_PAIN


@dataclass(frozen=True)
class Encouragement:
    tone: str  # no-target | flare-up | done | on-track | fresh-start | catching-up
    text: str


def encouragement(row: WeekRow, *, today: dt.date, flare_up: bool) -> Encouragement:
    """One kind line that fits where the patient is this week (PROTOCOL.md: accountability,
    never pressure; a flare-up means walk less that day, not stop)."""
    if flare_up:
        return Encouragement(
            "flare-up",
            "Your back has been sore. Walk a little less today, keep moving gently, "
            "and build up again when you can. Every short walk counts.",
        )
    target = row.target
    if target is None:
        return Encouragement(
            "no-target",
            "Your physiotherapist will set your walking target with you. "
            "Any walk you log now still counts.",
        )
    if row.met:
        return Encouragement("done", "You have reached this week's target. Well done!")
    days_gone = (today - row.week).days + 1 - (7 - target.days)
    days_left = 7 - today.weekday()
    expected = target.minutes * max(days_gone, 0) / target.days
    if row.minutes >= expected:
        return Encouragement("on-track", "You are on track this week. Keep it up!")
    if row.minutes == 0 and days_gone <= 1:
        return Encouragement("fresh-start", "A new week. A short walk today is a great start.")
    day_word = "day" if days_left == 1 else "days"
    return Encouragement(
        "catching-up",
        f"{row.minutes_left} minutes to go, with {days_left} {day_word} left. "
        "A few short walks will get you there.",
    )
