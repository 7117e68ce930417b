"""Monthly check-ins (docs/clinical-rules.md#monthly-check-ins): when each is due, which one
is open, and saving the answers.

Month N is due on the programme start date plus N calendar months (31 January + 1 month is the
last day of February), as a date in the patient's own time zone: it is due once the patient's
own ``today()`` reaches it. Months run from 1 to the clinic's ``check_in_months`` (12 to 36).
A check-in stays open until the next one is due (the last one for a month), so each answer
covers one month; a month left unanswered by then is missed, never asked about later.

Reminders (issue 5) call ``check_ins_due`` and, to get rows to hang reminders on,
``check_ins_plan``. Days to recurrence for reports are computed elsewhere (patients.outcomes).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from patients.dates import long_date
from patients.limits import CHECK_IN_DAYS, PAIN
from patients.models import PROGRAMME_ENDED, CareType, CheckIn, Patient
from patients.signals import records_changed
from walkback.accounts.models import User
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record


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


def check_ins_due(patient: Patient, *, today: dt.date) -> list[DueCheckIn]:
    """The check-ins the patient should answer today: the open one, unless already answered.
    A list (of at most one today) so callers need not change if catching up is allowed later.
    One query. ``today`` is the patient's own date: ``patient.today()``."""
    current = check_in_open(patient, today=today)
    if current is None:
        return []
    answered = CheckIn.objects.filter(
        patient=patient, month_number=current.month_number, completed_at__isnull=False
    ).exists()
    return [] if answered else [current]


def next_check_in_date(patient: Patient, *, today: dt.date) -> dt.date | None:
    """The next due date after today, for "your next check-in is on ..." (no queries)."""
    return next((due for _, due in check_in_due_dates(patient) if due > today), None)


def check_ins_plan(*, patient: Patient) -> list[CheckIn]:
    """Create (or re-date) the patient's CheckIn rows from the schedule; idempotent.

    Call it when the programme start date is set or changes, or when the clinic changes its
    number of months. Answered check-ins keep their dates; unanswered rows beyond the schedule
    are removed. Not audited: it writes the schedule, no health data.
    """
    schedule = dict(check_in_due_dates(patient))
    with transaction.atomic():
        rows = {c.month_number: c for c in CheckIn.objects.select_for_update().filter(
            patient=patient
        )}  # fmt: skip
        for month, row in list(rows.items()):
            if row.completed_at is None and month not in schedule:
                row.delete()
                del rows[month]
            elif row.completed_at is None and row.due_on != schedule[month]:
                row.due_on = schedule[month]
                row.save(update_fields=["due_on"])
        CheckIn.objects.bulk_create(
            [
                CheckIn(patient=patient, month_number=month, due_on=due_on)
                for month, due_on in schedule.items()
                if month not in rows
            ],
            ignore_conflicts=True,
        )
        records_changed(patient.pk)
    return list(CheckIn.objects.filter(patient=patient).order_by("month_number"))


# An activity-limiting recurrence, by the trial's definition
# (docs/clinical-rules.md#recurrences): pain of at least this much (0-10) that lasted at least
# 24 hours and limited usual activities. Derived from what the patient tells, never ticked.
ACTIVITY_LIMITING_PAIN = 2


def is_activity_limiting(*, worst_pain: int | None, lasted_24_hours, limited_activity) -> bool:
    return bool(
        worst_pain is not None
        and worst_pain >= ACTIVITY_LIMITING_PAIN
        and lasted_24_hours
        and limited_activity
    )


ANSWER_FIELDS = [
    "any_pain",
    "onset_date",
    "lasted_24_hours",
    "limited_activity",
    "activity_limiting",
    "care_sought",
    "care_type",
    "days_to_recovery",
    "average_pain",
    "worst_pain",
    "days_off_work",
]


def month_window_start(patient: Patient, month_number: int) -> dt.date | None:
    """The first day a check-in asks about: the day the one before it was due (the programme
    start for month 1). No queries."""
    if patient.programme_start is None:
        return None
    due = dict(check_in_due_dates(patient))
    return due.get(month_number - 1, patient.programme_start)


def _clean_answers(
    patient: Patient, answers: dict, *, today: dt.date, month_number: int | None = None
) -> dict:
    errors: dict[str, str] = {}
    any_pain = answers.get("any_pain")
    if any_pain is None:
        raise ValidationError({"any_pain": "Please answer Yes or No."})
    if not any_pain:
        # No pain: the follow-up questions do not apply, whatever was typed into them.
        return dict.fromkeys(ANSWER_FIELDS) | {"any_pain": False, "care_type": ""}
    cleaned = {name: answers.get(name) for name in ANSWER_FIELDS}
    onset = cleaned["onset_date"]
    if onset is None:
        errors["onset_date"] = "Tell us the day the pain started (your best guess is fine)."
    elif onset > today:
        errors["onset_date"] = "That date is in the future. Pick today or an earlier day."
    elif patient.programme_start and onset < patient.programme_start:
        errors["onset_date"] = (
            f"Your programme began on {long_date(patient.programme_start)}. "
            "Pick that day or a later one."
        )
    elif (
        month_number is not None
        and (start := month_window_start(patient, month_number))
        and onset < start
    ):
        errors["onset_date"] = (
            f"This check-in is about the time since {long_date(start)}. If the pain "
            "started before then and carried on, pick that day."
        )
    for name in ("lasted_24_hours", "limited_activity", "care_sought"):
        if cleaned[name] is None:
            errors[name] = "Please answer Yes or No."
    if cleaned["care_sought"]:
        if cleaned["care_type"] not in {c for c in CareType.values if c}:
            errors["care_type"] = "Tell us who you saw for your back."
    else:
        cleaned["care_type"] = ""
    for name in ("average_pain", "worst_pain"):
        value = cleaned[name]
        if value is None:
            errors[name] = "Pick a number from 0 (no pain) to 10 (worst pain)."
        elif value not in PAIN:
            errors[name] = "Pain is a number from 0 (no pain) to 10 (worst pain)."
    average, worst = cleaned["average_pain"], cleaned["worst_pain"]
    if "worst_pain" not in errors and average is not None and worst is not None and worst < average:
        errors["worst_pain"] = "The worst pain cannot be lower than the average pain."
    for name in ("days_to_recovery", "days_off_work"):
        value = cleaned[name]
        if value is not None and value not in CHECK_IN_DAYS:
            errors[name] = f"Please give a number of days {CHECK_IN_DAYS.words}."
    recovery = cleaned["days_to_recovery"]
    if (
        onset is not None
        and not errors.keys() & {"onset_date", "days_to_recovery"}
        and recovery
        and onset + dt.timedelta(days=recovery) > today
    ):
        errors["days_to_recovery"] = (
            "That is later than today. If you have not recovered yet, leave this empty."
        )
    if cleaned["days_off_work"] is None:
        cleaned["days_off_work"] = 0
    if errors:
        raise ValidationError(errors)
    cleaned["activity_limiting"] = is_activity_limiting(
        worst_pain=cleaned["worst_pain"],
        lasted_24_hours=cleaned["lasted_24_hours"],
        limited_activity=cleaned["limited_activity"],
    )
    return cleaned


def check_in_submit(
    *, patient: Patient, by: User, month_number: int, today: dt.date | None = None, **answers
) -> tuple[CheckIn, bool]:
    """Save the answers to the open check-in. Returns ``(check_in, saved)``; answering the same
    month again (a double tap) changes nothing and returns ``saved=False``."""
    today = today or patient.today()
    if not patient.can_log:
        raise ValidationError(PROGRAMME_ENDED)
    current = check_in_open(patient, today=today)
    if current is None or current.month_number != month_number:
        raise ValidationError("This check-in is not open any more. Thank you all the same.")
    cleaned = _clean_answers(patient, answers, today=today, month_number=month_number)
    with transaction.atomic():
        check_in, _ = CheckIn.objects.select_for_update().get_or_create(
            patient=patient, month_number=month_number, defaults={"due_on": current.due_on}
        )
        if check_in.completed_at is not None:
            return check_in, False
        for name, value in cleaned.items():
            setattr(check_in, name, value)
        check_in.due_on = current.due_on
        check_in.completed_at = timezone.now()
        check_in.save()
        audit_record(
            actor=by,
            action=AuditAction.CREATE,
            obj=check_in,
            patient=patient,
            detail={"fields": ANSWER_FIELDS, "month": month_number},
        )
        records_changed(patient.pk)
    return check_in, True
