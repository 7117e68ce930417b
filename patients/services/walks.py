"""Logging, changing and deleting walks: the rules and the writes. Every write runs in one
transaction with its audit row. The rules live here, not in the form, so a walk saved any
other way (an import, a later API) obeys them too; the form only turns text into typed values
and shows these messages next to the right field. The reads are ``patients.selectors``.
"""

from __future__ import annotations

import datetime as dt
import statistics
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients.dates import long_date
from patients.limits import (
    CORRECTION_REASON_REQUIRED,
    LONG_WALK_MINUTES,
    LONG_WALK_TIMES_USUAL,
    PAIN,
    STEPS,
    STEPS_MESSAGE,
    USUAL_WALK_DAYS,
    USUAL_WALK_MIN_WALKS,
    WALK_CORRECTION_REASON_MAX,
    WALK_MINUTES,
    WALK_MINUTES_MESSAGE,
    WALK_NOTE_MAX,
)
from patients.models import PROGRAMME_ENDED, Patient, WalkLog, WalkSource
from patients.signals import records_changed
from walkback.accounts.models import Role, User
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record

# Patients may change or delete a walk dated within the last 14 days (today and the 13 days
# before it); older walks are part of the record the physiotherapist has already seen.
EDIT_WINDOW_DAYS = 14


CORRECTED = _(
    "Your physiotherapist corrected this walk, so it can no longer be changed here. "
    "Ask them if something is still wrong."
)


def walk_is_editable(walk: WalkLog, *, today: dt.date) -> bool:
    """The patient may change or delete it: recent, and not corrected by their
    physiotherapist (a correction is theirs to change again)."""
    return walk.walked_on > today - dt.timedelta(days=EDIT_WINDOW_DAYS) and not walk.is_corrected


def _not_editable(walk: WalkLog, verb: str) -> str:
    if walk.is_corrected:
        return str(CORRECTED)
    if verb == "deleted":
        message = gettext(
            "Walks more than %(days)s days old can no longer be deleted. "
            "Ask your physiotherapist if something is wrong."
        )
    else:
        message = gettext(
            "Walks more than %(days)s days old can no longer be changed. "
            "Ask your physiotherapist if something is wrong."
        )
    return message % {"days": EDIT_WINDOW_DAYS}


def _check(patient: Patient, *, walked_on, minutes, steps, pain, note, today: dt.date) -> None:
    if not patient.can_log:
        raise ValidationError(str(PROGRAMME_ENDED))
    errors: dict[str, str] = {}
    if walked_on > today:
        errors["walked_on"] = gettext("That date is in the future. Pick today or an earlier day.")
    elif patient.programme_start and walked_on < patient.programme_start:
        errors["walked_on"] = gettext(
            "Your programme began on %(date)s. Pick that day or a later one."
        ) % {"date": long_date(patient.programme_start)}
    if minutes not in WALK_MINUTES:
        errors["minutes"] = str(WALK_MINUTES_MESSAGE)
    if steps is not None and steps not in STEPS:
        errors["steps"] = str(STEPS_MESSAGE)
    if pain is not None and pain not in PAIN:
        errors["pain"] = gettext("Back pain is a number from 0 (no pain) to 10 (worst pain).")
    if len(note) > WALK_NOTE_MAX:
        errors["note"] = gettext(
            "Please keep the note to %(max)s characters (it has %(length)s)."
        ) % {"max": WALK_NOTE_MAX, "length": len(note)}
    if errors:
        raise ValidationError(errors)


def walk_log(
    *,
    patient: Patient,
    by: User,
    walked_on: dt.date,
    minutes: int,
    steps: int | None = None,
    pain: int | None = None,
    note: str = "",
    submission_token: uuid.UUID | None = None,
    source: str = WalkSource.TYPED,
    today: dt.date | None = None,
) -> tuple[WalkLog, bool]:
    """Save one walk. Returns ``(walk, created)``.

    The same ``submission_token`` twice (a double tap, a resent form) saves one walk: the
    second call returns the first walk with ``created=False``. A unique constraint backs this,
    so two requests racing each other still end with one row.
    """
    today = today or patient.today()
    note = (note or "").strip()
    if submission_token is not None:
        existing = WalkLog.objects.filter(patient=patient, submission_token=submission_token)
        if walk := existing.first():
            return walk, False
    _check(
        patient, walked_on=walked_on, minutes=minutes, steps=steps, pain=pain, note=note,
        today=today,
    )  # fmt: skip
    try:
        with transaction.atomic():
            walk = WalkLog.objects.create(
                patient=patient,
                walked_on=walked_on,
                minutes=minutes,
                steps=steps,
                pain=pain,
                note=note,
                source=source,
                submission_token=submission_token,
            )
            audit_record(
                actor=by,
                action=AuditAction.CREATE,
                obj=walk,
                patient=patient,
                detail={"fields": ["walked_on", "minutes", "steps", "pain", "note"]},
            )
            records_changed(patient.pk)
    except IntegrityError:
        # Lost a race with the same submission: the other request saved the walk.
        if submission_token is None:
            raise
        return WalkLog.objects.get(patient=patient, submission_token=submission_token), False
    return walk, True


def walk_update(
    *,
    walk: WalkLog,
    by: User,
    walked_on: dt.date,
    minutes: int,
    steps: int | None = None,
    pain: int | None = None,
    note: str = "",
    today: dt.date | None = None,
) -> WalkLog:
    """Change a walk the patient logged in the last 14 days (to a date also in that window)."""
    patient = walk.patient
    today = today or patient.today()
    if not walk_is_editable(walk, today=today):
        raise ValidationError(_not_editable(walk, "changed"))
    note = (note or "").strip()
    _check(
        patient, walked_on=walked_on, minutes=minutes, steps=steps, pain=pain, note=note,
        today=today,
    )  # fmt: skip
    if walked_on <= today - dt.timedelta(days=EDIT_WINDOW_DAYS):
        raise ValidationError(
            {
                "walked_on": gettext("You can move a walk to a day in the last %(days)s days.")
                % {"days": EDIT_WINDOW_DAYS}
            }
        )
    values = {"walked_on": walked_on, "minutes": minutes, "steps": steps, "pain": pain}
    values["note"] = note
    changed = sorted(name for name, value in values.items() if getattr(walk, name) != value)
    if not changed:
        return walk
    with transaction.atomic():
        for name, value in values.items():
            setattr(walk, name, value)
        walk.save()
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            obj=walk,
            patient=patient,
            detail={"fields": changed},
        )
        records_changed(patient.pk)
    return walk


def walk_delete(*, walk: WalkLog, by: User, today: dt.date | None = None) -> None:
    """Delete a walk the patient logged in the last 14 days."""
    patient = walk.patient
    today = today or patient.today()
    if not patient.can_log:
        raise ValidationError(str(PROGRAMME_ENDED))
    if not walk_is_editable(walk, today=today):
        raise ValidationError(_not_editable(walk, "deleted"))
    with transaction.atomic():
        audit_record(
            actor=by,
            action=AuditAction.DELETE,
            obj=walk,
            patient=patient,
        )
        walk.delete()
        records_changed(patient.pk)


def walk_logged_on(walk: WalkLog) -> dt.date:
    """The patient's date on which the walk was logged: the latest date it can have."""
    return timezone.localtime(walk.created_at, walk.patient.zone).date()


def walk_correct(
    *,
    walk: WalkLog,
    by: User,
    minutes: int,
    walked_on: dt.date,
    reason: str,
) -> WalkLog:
    """A physiotherapist corrects a walk of any age: a new number of minutes or date, with a
    reason the patient reads on their history. Never a silent edit: what the patient first
    logged is kept (``original_minutes``, ``original_walked_on``), the audit trail records the
    change, and the corrected values are the walk's own, so every week total, target and
    caseload row uses them (docs/programme-rules.md#corrected-walks). A discharged patient's
    walks can be corrected too: their record is still read."""
    patient = walk.patient
    if by.role != Role.PHYSIO or by.clinic_id != patient.clinic_id or not by.is_active:
        raise ValidationError(
            gettext("Only a physiotherapist of the patient's clinic can correct a walk.")
        )
    reason = " ".join((reason or "").split())
    logged_on = walk_logged_on(walk)
    errors: dict[str, str] = {}
    if minutes not in WALK_MINUTES:
        errors["minutes"] = str(WALK_MINUTES_MESSAGE)
    if walked_on > logged_on:
        errors["walked_on"] = gettext(
            "The walk was logged on %(date)s, so it was on that day or before."
        ) % {"date": long_date(logged_on)}
    elif patient.programme_start and walked_on < patient.programme_start:
        errors["walked_on"] = gettext(
            "The programme began on %(date)s. Pick that day or a later one."
        ) % {"date": long_date(patient.programme_start)}
    if not reason:
        errors["reason"] = str(CORRECTION_REASON_REQUIRED)
    elif len(reason) > WALK_CORRECTION_REASON_MAX:
        errors["reason"] = gettext(
            "Please keep the reason to %(max)s characters (it has %(length)s)."
        ) % {"max": WALK_CORRECTION_REASON_MAX, "length": len(reason)}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = WalkLog.objects.select_for_update().get(pk=walk.pk)
        changed = [
            name
            for name, value in (("minutes", minutes), ("walked_on", walked_on))
            if getattr(locked, name) != value
        ]
        if not changed:
            raise ValidationError(
                {
                    "minutes": gettext(
                        "That is what the walk already says: change the minutes or the date."
                    )
                }
            )
        if not locked.is_corrected:
            locked.original_minutes, locked.original_walked_on = locked.minutes, locked.walked_on
        locked.minutes, locked.walked_on = minutes, walked_on
        locked.corrected_by, locked.corrected_at = by, timezone.now()
        locked.correction_reason = reason
        locked.save()
        # Field names only: the reason is free text about the patient's health.
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            obj=locked,
            patient=patient,
            detail={"event": "walk_corrected", "fields": changed},
        )
        records_changed(patient.pk)
    return locked


def usual_walk_minutes(
    patient: Patient, *, today: dt.date, leave_out: WalkLog | None = None
) -> int | None:
    """The patient's usual walk: the median minutes of their walks of the last
    ``USUAL_WALK_DAYS`` days, once there are ``USUAL_WALK_MIN_WALKS`` of them (fewer say too
    little); None before that (docs/programme-rules.md#unusually-long-walks)."""
    walks = WalkLog.objects.filter(
        patient=patient,
        walked_on__gt=today - dt.timedelta(days=USUAL_WALK_DAYS),
        walked_on__lte=today,
    )
    if leave_out is not None:
        walks = walks.exclude(pk=leave_out.pk)
    minutes = list(walks.values_list("minutes", flat=True))
    if len(minutes) < USUAL_WALK_MIN_WALKS:
        return None
    return round(statistics.median(minutes))


def long_walk_question(
    patient: Patient, *, minutes: int, today: dt.date, walk: WalkLog | None = None
) -> str | None:
    """What to ask before saving a walk that is probably a slip of the finger (200 typed for
    20): over ``LONG_WALK_MINUTES``, or over ``LONG_WALK_TIMES_USUAL`` times the usual walk.
    None when nothing needs asking. ``walk`` is the walk being changed, left out of the usual."""
    if minutes > LONG_WALK_MINUTES:
        return gettext("Are you sure? %(minutes)s minutes is a long walk.") % {"minutes": minutes}
    usual = usual_walk_minutes(patient, today=today, leave_out=walk)
    if usual is not None and minutes > LONG_WALK_TIMES_USUAL * usual:
        return gettext(
            "Are you sure? %(minutes)s minutes is a long walk: "
            "your usual walk is about %(usual)s minutes."
        ) % {"minutes": minutes, "usual": usual}
    return None
