"""Questionnaire writes (docs/questionnaires.md): a patient's (or, at enrolment, their
physiotherapist's entry of the patient's) answers, saved with their scores all together or
not at all; and a clinic's choice of instruments and weeks. Audited in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coaching.proms.instruments import instruments
from coaching.proms.models import LAST_WEEK, QuestionnaireResponse, QuestionnaireSettings
from coaching.proms.scoring import score, validate_answers
from coaching.proms.selectors import questionnaires_due
from patients.models import Patient
from walkback.accounts.models import Clinic, User
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record

MOST_WEEKS = 10


def _normalised(answers: Mapping[str, object]) -> dict[str, object]:
    """Text answers trimmed; an empty text is no answer."""
    cleaned: dict[str, object] = {}
    for key, value in answers.items():
        if isinstance(value, str):
            value = value.strip()
            if not value:
                continue
        if value is not None:
            cleaned[key] = value
    return cleaned


def questionnaire_submit(
    *,
    patient: Patient,
    by: User,
    instrument_key: str,
    answers: Mapping[str, object],
    today: dt.date,
) -> QuestionnaireResponse:
    """Save one questionnaire of the timepoint open today. Problems come back as a
    ``ValidationError`` keyed by item, and nothing is saved."""
    due = questionnaires_due(patient, today=today)
    if due is None:
        raise ValidationError(_("There is no questionnaire to answer today."))
    if instrument_key in due.answered:
        raise ValidationError(_("This questionnaire is already answered. Thank you."))
    instrument = next((i for i in due.instruments if i.key == instrument_key), None)
    if instrument is None:
        raise ValidationError(_("This questionnaire is not one to answer now."))
    cleaned = _normalised(answers)
    errors = validate_answers(instrument, cleaned)
    if errors:
        raise ValidationError({key: [message] for key, message in errors.items()})
    result = score(instrument, cleaned)
    try:
        with transaction.atomic():
            response = QuestionnaireResponse.objects.create(
                patient=patient,
                instrument=instrument.key,
                version=instrument.version,
                week=due.timepoint.week,
                answers=cleaned,
                score=result.score,
                subscales={key: str(value) for key, value in result.subscales.items()},
                band=result.band.key if result.band else "",
                answered_by=by,
                completed_at=timezone.now(),
            )
            audit_record(
                actor=by,
                action=AuditAction.CREATE,
                obj=response,
                patient=patient,
                detail={"instrument": instrument.key, "week": due.timepoint.week},
            )
    except IntegrityError as error:
        # Two submissions at once: the second finds the first (the unique constraint).
        raise ValidationError(_("This questionnaire is already answered. Thank you.")) from error
    return response


def questionnaire_settings_set(
    *, clinic: Clinic, by: User, instrument_keys: list[str], weeks: list[int]
) -> QuestionnaireSettings:
    """The clinic's instruments and weeks, checked: known instruments, at least one; whole
    weeks from 0 to ``LAST_WEEK`` including 0 (the baseline every change is measured from)."""
    errors: dict[str, str] = {}
    available = instruments()
    if not instrument_keys:
        errors["instruments"] = _("Choose at least one questionnaire.")
    elif any(key not in available for key in instrument_keys):
        errors["instruments"] = _("Choose from the questionnaires listed.")
    unique_weeks = sorted(set(weeks))
    if 0 not in unique_weeks:
        errors["weeks"] = _("Include week 0 (enrolment): every change is measured from it.")
    elif any(week < 0 or week > LAST_WEEK for week in unique_weeks):
        errors["weeks"] = _("Weeks run from 0 to %(last)s.") % {"last": LAST_WEEK}
    elif len(unique_weeks) > MOST_WEEKS:
        errors["weeks"] = _("Choose at most %(most)s weeks.") % {"most": MOST_WEEKS}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row, _created = QuestionnaireSettings.objects.update_or_create(
            clinic=clinic,
            defaults={"instruments": list(dict.fromkeys(instrument_keys)), "weeks": unique_weeks},
        )
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            obj=row,
            clinic=clinic,
            detail={"instruments": row.instruments, "weeks": row.weeks},
        )
    return row
