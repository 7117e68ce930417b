"""Check-in writes: the rows of the schedule (``check_ins_plan``) and the patient's answers
(``check_in_submit``), which derive the recurrence class from the facts the patient tells
(docs/clinical-rules.md#recurrences), with the answers about missed months the open check-in
asks again (docs/clinical-rules.md#monthly-check-ins). The schedule itself is
``patients.checkins``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients.checkins import (
    MissedCheckIn,
    check_in_due_dates,
    check_in_open,
    month_window_start,
)
from patients.dates import long_date
from patients.limits import CHECK_IN_DAYS, CHECK_IN_DAYS_MESSAGE, PAIN
from patients.models import PROGRAMME_ENDED, CareType, CheckIn, Patient
from patients.selectors import check_in_missed_months
from patients.signals import records_changed
from walkback.accounts.models import User
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record


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


def _clean_answers(
    patient: Patient,
    answers: Mapping,
    *,
    today: dt.date,
    month_number: int | None = None,
    ends_on: dt.date | None = None,
) -> dict:
    """The answers, checked, with the recurrence class derived. ``ends_on``: the last day a
    missed month asked about again was about (its onset must fall in it)."""
    errors: dict[str, str] = {}
    any_pain = answers.get("any_pain")
    if any_pain is None:
        raise ValidationError({"any_pain": gettext("Please answer Yes or No.")})
    if not any_pain:
        # No pain: the follow-up questions do not apply, whatever was typed into them.
        return dict.fromkeys(ANSWER_FIELDS) | {"any_pain": False, "care_type": ""}
    cleaned = {name: answers.get(name) for name in ANSWER_FIELDS}
    onset = cleaned["onset_date"]
    if onset is None:
        errors["onset_date"] = gettext(
            "Tell us the day the pain started (your best guess is fine)."
        )
    elif onset > today:
        errors["onset_date"] = gettext("That date is in the future. Pick today or an earlier day.")
    elif patient.programme_start and onset < patient.programme_start:
        errors["onset_date"] = gettext(
            "Your programme began on %(date)s. Pick that day or a later one."
        ) % {"date": long_date(patient.programme_start)}
    elif (
        month_number is not None
        and (start := month_window_start(patient, month_number))
        and onset < start
    ):
        errors["onset_date"] = gettext(
            "This check-in is about the time since %(date)s. If the pain "
            "started before then and carried on, pick that day."
        ) % {"date": long_date(start)}
    elif ends_on is not None and onset > ends_on:
        errors["onset_date"] = gettext(
            "These questions are about the time up to %(date)s. Pain that "
            "started later belongs to the next month: pick a day up to then."
        ) % {"date": long_date(ends_on)}
    for name in ("lasted_24_hours", "limited_activity", "care_sought"):
        if cleaned[name] is None:
            errors[name] = gettext("Please answer Yes or No.")
    if cleaned["care_sought"]:
        if cleaned["care_type"] not in {c for c in CareType.values if c}:
            errors["care_type"] = gettext("Tell us who you saw for your back.")
    else:
        cleaned["care_type"] = ""
    for name in ("average_pain", "worst_pain"):
        value = cleaned[name]
        if value is None:
            errors[name] = gettext("Pick a number from 0 (no pain) to 10 (worst pain).")
        elif value not in PAIN:
            errors[name] = gettext("Pain is a number from 0 (no pain) to 10 (worst pain).")
    average, worst = cleaned["average_pain"], cleaned["worst_pain"]
    if "worst_pain" not in errors and average is not None and worst is not None and worst < average:
        errors["worst_pain"] = gettext("The worst pain cannot be lower than the average pain.")
    for name in ("days_to_recovery", "days_off_work"):
        value = cleaned[name]
        if value is not None and value not in CHECK_IN_DAYS:
            errors[name] = str(CHECK_IN_DAYS_MESSAGE)
    recovery = cleaned["days_to_recovery"]
    if (
        onset is not None
        and not errors.keys() & {"onset_date", "days_to_recovery"}
        and recovery
        and onset + dt.timedelta(days=recovery) > today
    ):
        errors["days_to_recovery"] = gettext(
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


MISSED_MONTH_UNANSWERED = _("Please answer Yes or No, or choose “I don't remember”.")


# A missed month's errors are named ``month<N>-<field>``: the name its field has in a form
# prefixed ``month<N>``, so the view puts each message next to its own month's field.
def missed_month_prefix(month_number: int) -> str:
    return f"month{month_number}"


def check_in_submit(
    *,
    patient: Patient,
    by: User,
    month_number: int,
    today: dt.date | None = None,
    missed: Mapping[int, Mapping | None] | None = None,
    **answers,
) -> tuple[CheckIn, bool]:
    """Save the answers to the open check-in, and to each missed month it asks about again
    (``patients.selectors.check_in_missed_months``): ``missed`` maps each such month to its
    answers, or to None when the patient does not remember it (it stays unknown and is not
    asked again). Every one of those months must be there; all is saved or nothing. A month
    answered late is marked ``late``. Returns ``(check_in, saved)``; answering the same month
    again (a double tap) changes nothing and returns ``saved=False``."""
    today = today or patient.today()
    if not patient.can_log:
        raise ValidationError(str(PROGRAMME_ENDED))
    current = check_in_open(patient, today=today)
    if current is None or current.month_number != month_number:
        raise ValidationError(
            gettext("This check-in is not open any more. Thank you all the same.")
        )
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    try:
        cleaned = _clean_answers(patient, answers, today=today, month_number=month_number)
    except ValidationError as error:
        errors.update(error.message_dict)
    months = check_in_missed_months(patient, current=current)
    late: dict[int, dict | None] = {}
    for month in months:
        prefix = missed_month_prefix(month.month_number)
        if missed is None or month.month_number not in missed:
            errors[f"{prefix}-any_pain"] = [str(MISSED_MONTH_UNANSWERED)]
            continue
        given = missed[month.month_number]
        if given is None:
            late[month.month_number] = None
            continue
        try:
            late[month.month_number] = _clean_answers(
                patient,
                given,
                today=today,
                month_number=month.month_number,
                ends_on=month.ends_on,
            )
        except ValidationError as error:
            errors.update({f"{prefix}-{name}": m for name, m in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        check_in, _ = CheckIn.objects.select_for_update().get_or_create(
            patient=patient, month_number=month_number, defaults={"due_on": current.due_on}
        )
        if check_in.completed_at is not None:
            return check_in, False
        now = timezone.now()
        for name, value in cleaned.items():
            setattr(check_in, name, value)
        check_in.due_on = current.due_on
        check_in.completed_at = now
        check_in.save()
        audit_record(
            actor=by,
            action=AuditAction.CREATE,
            obj=check_in,
            patient=patient,
            detail={"fields": ANSWER_FIELDS, "month": month_number},
        )
        for month in months:
            _missed_month_save(patient, by, month, late[month.month_number], now=now)
        records_changed(patient.pk)
    return check_in, True


def _missed_month_save(
    patient: Patient, by: User, month: MissedCheckIn, answers: dict | None, *, now: dt.datetime
) -> None:
    """One missed month, answered late or said to be unknown, in the caller's transaction."""
    row, _ = CheckIn.objects.select_for_update().get_or_create(
        patient=patient,
        month_number=month.month_number,
        defaults={"due_on": month.ends_on + dt.timedelta(days=1)},
    )
    if row.completed_at is not None or row.unknown_at is not None:
        return  # settled meanwhile (another tab): the first word stands
    if answers is None:
        row.unknown_at = now
        row.save(update_fields=["unknown_at"])
        detail: dict = {"fields": ["unknown_at"], "month": month.month_number, "unknown": True}
        action = AuditAction.UPDATE
    else:
        for name, value in answers.items():
            setattr(row, name, value)
        row.completed_at = now
        row.late = True
        row.save()
        detail = {"fields": ANSWER_FIELDS, "month": month.month_number, "late": True}
        action = AuditAction.CREATE
    audit_record(actor=by, action=action, obj=row, patient=patient, detail=detail)
