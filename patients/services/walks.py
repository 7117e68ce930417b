"""Logging, changing and deleting walks: the rules and the writes. Every write runs in one
transaction with its audit row. The rules live here, not in the form, so a walk saved any
other way (an import, a later API) obeys them too; the form only turns text into typed values
and shows these messages next to the right field. The reads are ``patients.selectors``.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from patients.dates import long_date
from patients.limits import PAIN, STEPS, WALK_MINUTES, WALK_NOTE_MAX
from patients.models import PROGRAMME_ENDED, Patient, WalkLog, WalkSource
from patients.signals import records_changed
from walkback.accounts.models import User
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record

# Patients may change or delete a walk dated within the last 14 days (today and the 13 days
# before it); older walks are part of the record the physiotherapist has already seen.
EDIT_WINDOW_DAYS = 14


def walk_is_editable(walk: WalkLog, *, today: dt.date) -> bool:
    return walk.walked_on > today - dt.timedelta(days=EDIT_WINDOW_DAYS)


def _check(patient: Patient, *, walked_on, minutes, steps, pain, note, today: dt.date) -> None:
    if not patient.can_log:
        raise ValidationError(PROGRAMME_ENDED)
    errors: dict[str, str] = {}
    if walked_on > today:
        errors["walked_on"] = "That date is in the future. Pick today or an earlier day."
    elif patient.programme_start and walked_on < patient.programme_start:
        errors["walked_on"] = (
            f"Your programme began on {long_date(patient.programme_start)}. "
            "Pick that day or a later one."
        )
    if minutes not in WALK_MINUTES:
        errors["minutes"] = f"Minutes must be a whole number {WALK_MINUTES.words}."
    if steps is not None and steps not in STEPS:
        errors["steps"] = f"Steps must be a number {STEPS.words}."
    if pain is not None and pain not in PAIN:
        errors["pain"] = "Back pain is a number from 0 (no pain) to 10 (worst pain)."
    if len(note) > WALK_NOTE_MAX:
        errors["note"] = f"Please keep the note to {WALK_NOTE_MAX} characters (it has {len(note)})."
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
        raise ValidationError(
            f"Walks more than {EDIT_WINDOW_DAYS} days old can no longer be changed. "
            "Ask your physiotherapist if something is wrong."
        )
    note = (note or "").strip()
    _check(
        patient, walked_on=walked_on, minutes=minutes, steps=steps, pain=pain, note=note,
        today=today,
    )  # fmt: skip
    if walked_on <= today - dt.timedelta(days=EDIT_WINDOW_DAYS):
        raise ValidationError(
            {"walked_on": f"You can move a walk to a day in the last {EDIT_WINDOW_DAYS} days."}
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
        raise ValidationError(PROGRAMME_ENDED)
    if not walk_is_editable(walk, today=today):
        raise ValidationError(
            f"Walks more than {EDIT_WINDOW_DAYS} days old can no longer be deleted. "
            "Ask your physiotherapist if something is wrong."
        )
    with transaction.atomic():
        audit_record(
            actor=by,
            action=AuditAction.DELETE,
            obj=walk,
            patient=patient,
        )
        walk.delete()
        records_changed(patient.pk)
