"""Adverse events ("Report a problem"): the patient's report flags them for their
physiotherapist until the physiotherapist marks it reviewed (``reviewed_at``)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from coaching.reminders.services import (
    adverse_event_notify,
)
from coaching.services._shared import (
    _check_staff,
)
from coaching.services.status import (
    caseload_rows_refresh,
)
from patients.models import (
    AdverseEvent,
    BodyRegion,
    Patient,
    Severity,
    WalkingRelated,
)
from walkback.accounts.models import User
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record
from walkback.core.submissions import once_per_submission

DESCRIPTION_MAX = 1000
# How far back a problem may be dated: it is about the programme, but someone may report a
# sore knee from before they started, so the limit is generous rather than the start date.
OLDEST_DAYS = 365


@once_per_submission("adverse_event_report")
def adverse_event_report(
    *,
    patient: Patient,
    by: User,
    occurred_on: dt.date,
    body_region: str,
    severity: str,
    related_to_walking: str,
    description: str = "",
    today: dt.date | None = None,
) -> AdverseEvent:
    """Record a problem the patient reports. The unreviewed event flags the patient on the
    caseload, and a notice to their physiotherapist is written in the same transaction, so the
    notice and the event commit together. The same ``submission_token`` twice saves one
    report and one notice (``once_per_submission``)."""
    today = today or patient.today()
    description = (description or "").strip()
    errors: dict[str, str] = {}
    if occurred_on > today:
        errors["occurred_on"] = gettext("That date is in the future. Pick today or an earlier day.")
    elif occurred_on < today - dt.timedelta(days=OLDEST_DAYS):
        errors["occurred_on"] = gettext(
            "That is more than a year ago. Please tell your physiotherapist."
        )
    if body_region not in BodyRegion.values:
        errors["body_region"] = gettext("Choose where in your body the problem is.")
    if severity not in Severity.values:
        errors["severity"] = gettext("Choose how bad it is.")
    if related_to_walking not in WalkingRelated.values:
        errors["related_to_walking"] = gettext("Choose Yes, No or Not sure.")
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = gettext(
            "Please keep this to %(max)s characters (it has %(count)s)."
        ) % {"max": DESCRIPTION_MAX, "count": len(description)}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        event = AdverseEvent.objects.create(
            patient=patient,
            occurred_on=occurred_on,
            body_region=body_region,
            severity=severity,
            related_to_walking=related_to_walking,
            description=description,
        )
        audit_record(
            actor=by,
            action=AuditAction.CREATE,
            obj=event,
            patient=patient,
            detail={"fields": ["occurred_on", "body_region", "severity", "related_to_walking"]},
        )
        adverse_event_notify(event=event)
        caseload_rows_refresh(patient_ids=[patient.pk])
    return event


def adverse_event_mark_reviewed(*, event: AdverseEvent, by: User) -> AdverseEvent:
    """The physiotherapist has seen a reported problem: it stops flagging the patient."""
    _check_staff(by, event.patient)
    with transaction.atomic():
        event = AdverseEvent.objects.select_for_update().get(pk=event.pk)
        if event.reviewed_at is None:
            event.reviewed_at = timezone.now()
            event.reviewed_by = by
            event.save(update_fields=["reviewed_at", "reviewed_by"])
            audit_record(
                actor=by,
                action=AuditAction.UPDATE,
                obj=event,
                patient=event.patient,
                detail={"fields": ["reviewed_at"]},
            )
            caseload_rows_refresh(patient_ids=[event.patient_id])
    return event
