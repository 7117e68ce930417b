"""What the patient's pages say about their weeks: the walk confirmation, streaks, flare-ups
and the encouraging line.

The weeks themselves (target, totals, on target) come from ``coaching.progress``, the one rule
every page uses (docs/programme-rules.md). A week runs Monday to Sunday in the patient's own
time zone; ``WalkLog.walked_on`` is already their local date and "today" is
``Patient.today()``, so nothing here converts time zones: callers pass the patient's today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coaching.models import CaseloadRow
from coaching.progress import Timeline, WeekRow, patient_week, target_due_by, week_start
from patients.models import Patient, WalkLog

# Pain at or above this on a walk in the last few days makes the home page speak about a
# flare-up (walk less today, keep moving) instead of pushing for minutes. The sources give no
# threshold; 4/10 is well above the 2/10 that the trial uses (docs/clinical-rules.md#recurrences)
# for "activity-limiting".
FLARE_UP_PAIN = 4
FLARE_UP_DAYS = 3


def walk_confirmation(patient: Patient, walk: WalkLog, *, today: dt.date) -> str:
    """What changed, in words: "That's 75 of 150 minutes this week." One query for a walk
    this week: the maintained row, just refreshed in the walk's transaction, holds this week's
    minutes and target as the week's row computes them; two for an earlier week."""
    monday = week_start(walk.walked_on)
    if monday == week_start(today):
        stored = (
            CaseloadRow.objects.filter(
                patient_id=patient.pk, week_monday=monday, valid_until__gt=timezone.now()
            )
            .values_list("week_minutes", "week_target_minutes")
            .first()
        )
        if stored is not None:
            minutes, target = stored
            if target is None:
                return _("That's %(minutes)s minutes this week.") % {"minutes": minutes}
            return _("That's %(minutes)s of %(target)s minutes this week.") % {
                "minutes": minutes,
                "target": target,
            }
    row = patient_week(patient, walk.walked_on, today=today)
    if row.is_current:
        if row.target is None:
            return _("That's %(minutes)s minutes this week.") % {"minutes": row.minutes}
        return _("That's %(minutes)s of %(target)s minutes this week.") % {
            "minutes": row.minutes,
            "target": row.target_minutes,
        }
    week = date_format(row.monday, _("j F"))
    if row.target is None:
        return _("That's %(minutes)s minutes in the week of %(week)s.") % {
            "minutes": row.minutes,
            "week": week,
        }
    return _("That's %(minutes)s of %(target)s minutes in the week of %(week)s.") % {
        "minutes": row.minutes,
        "target": row.target_minutes,
        "week": week,
    }


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


def encouragement(
    row: WeekRow, *, timeline: Timeline, today: dt.date, flare_up: bool
) -> Encouragement:
    """One kind line that fits where the patient is this week
    (docs/clinical-rules.md#self-monitoring-and-reminders: accountability,
    never pressure; a flare-up means walk less that day, not stop). "On track" compares the
    week's minutes with the part of its target due by the end of today, day by day."""
    if flare_up:
        return Encouragement(
            "flare-up",
            _(
                "Your back has been sore. Walk a little less today, keep moving gently, "
                "and build up again when you can. Every short walk counts."
            ),
        )
    if row.target is None:
        return Encouragement(
            "no-target",
            _(
                "Your physiotherapist will set your walking target with you. "
                "Any walk you log now still counts."
            ),
        )
    if row.on_target:
        return Encouragement("done", _("You have reached this week's target. Well done!"))
    due = target_due_by(timeline, today)
    if row.minutes >= due.minutes:
        return Encouragement("on-track", _("You are on track this week. Keep it up!"))
    if row.minutes == 0 and due.days <= 1:
        return Encouragement("fresh-start", _("A new week. A short walk today is a great start."))
    days_left = 7 - today.weekday()
    return Encouragement(
        "catching-up",
        ngettext(
            "%(minutes)s minutes to go, with %(days)s day left. "
            "A few short walks will get you there.",
            "%(minutes)s minutes to go, with %(days)s days left. "
            "A few short walks will get you there.",
            days_left,
        )
        % {"minutes": row.minutes_left, "days": days_left},
    )
