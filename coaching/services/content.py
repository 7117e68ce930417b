"""Writes of the clinic's own content in other languages (docs/content-languages.md): an
education topic's text, and the extra screening conditions. Each validates, writes and
records its audit row in one transaction, like the topic edits themselves."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext, ngettext

from coaching.content import other_languages
from coaching.content_models import EducationTopicTranslation, ScreeningConditionsTranslation
from coaching.limits import SCREENING_CONDITION_MAX
from coaching.models import EducationTopic
from coaching.services._shared import _check_clinic_staff
from patients.services.enrolment import clinic_conditions, condition_lines
from walkback.accounts.models import Clinic, User
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record
from walkback.core.submissions import once_per_submission
from walkback.core.validators import CONTROL_CHARACTERS


def _check_language(clinic: Clinic, language: str) -> None:
    if language not in dict(other_languages(clinic)):
        # The views only offer the clinic's other languages: a developer's mistake.
        raise ValueError(f"not another language of the clinic: {language!r}")


@once_per_submission("education_topic_translate")
def education_topic_translate(
    *,
    clinic: Clinic,
    by: User,
    topic: EducationTopic,
    language: str,
    title: str,
    body: str,
    summary: str = "",
) -> EducationTopicTranslation | None:
    """Write (or change) the topic's text in ``language``. Everything left empty removes that
    language's text, and patients reading it get the clinic's own text again."""
    _check_clinic_staff(by, clinic)
    if topic.clinic_id != clinic.pk:
        raise ValidationError(gettext("That topic belongs to another clinic."))
    _check_language(clinic, language)
    title, summary, body = title.strip(), summary.strip(), body.strip()
    with transaction.atomic():
        row = (
            EducationTopicTranslation.objects.select_for_update()
            .filter(topic=topic, language=language)
            .first()
        )
        if not (title or summary or body):
            _remove(row, by=by, clinic=clinic, detail={"topic": topic.pk, "language": language})
            return None
        errors = {}
        if not title:
            errors["title"] = gettext("Give the topic a title in this language.")
        if not body:
            errors["body"] = gettext("Write the text the patient will read in this language.")
        if errors:
            raise ValidationError(errors)
        created = row is None
        if row is None:
            row = EducationTopicTranslation(topic=topic, language=language)
        row.title, row.summary, row.body = title, summary, body
        row.full_clean()
        row.save()
        audit_record(
            actor=by,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=row,
            clinic=clinic,
            detail={
                "fields": ["title", "summary", "body"],
                "topic": topic.pk,
                "language": language,
            },
        )
    return row


def _remove(row, *, by: User, clinic: Clinic, detail: dict) -> None:
    """Emptying every box of a language removes it (the clinic's own text shows again)."""
    if row is None:
        return
    row_pk = row.pk
    row.delete()
    audit_record(
        actor=by,
        action=AuditAction.DELETE,
        object_type=f"coaching.{type(row).__name__}",
        clinic=clinic,
        detail={"id": row_pk, **detail},
    )


def screening_conditions_translate(
    *, clinic: Clinic, by: User, language: str, conditions: str
) -> ScreeningConditionsTranslation | None:
    """Write the clinic's extra screening conditions in ``language``: the same number of lines,
    in the same order, as the clinic's own list. Empty removes them (the clinic's own list is
    shown instead)."""
    _check_clinic_staff(by, clinic)
    _check_language(clinic, language)
    lines = condition_lines(conditions)
    with transaction.atomic():
        clinic = Clinic.objects.select_for_update().get(pk=clinic.pk)
        own = clinic_conditions(clinic)
        row = ScreeningConditionsTranslation.objects.filter(
            clinic=clinic, language=language
        ).first()
        if not lines:
            _remove(row, by=by, clinic=clinic, detail={"language": language})
            return None
        if len(lines) != len(own):
            raise ValidationError(
                {
                    "conditions": ngettext(
                        "Your clinic lists %(count)s condition: write it on one line.",
                        "Your clinic lists %(count)s conditions: write one line for each, in "
                        "the same order.",
                        len(own),
                    )
                    % {"count": len(own)}
                }
            )
        if any(len(line) > SCREENING_CONDITION_MAX for line in lines):
            raise ValidationError(
                {
                    "conditions": gettext("Keep each condition under %(max)s characters.")
                    % {"max": SCREENING_CONDITION_MAX}
                }
            )
        if any(CONTROL_CHARACTERS.search(line) for line in lines):
            raise ValidationError(
                {"conditions": gettext("Write each condition on one line, with no tabs.")}
            )
        created = row is None
        if row is None:
            row = ScreeningConditionsTranslation(clinic=clinic, language=language)
        row.conditions = "\n".join(lines)
        row.written_for = "\n".join(own)
        row.full_clean()
        row.save()
        audit_record(
            actor=by,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=row,
            clinic=clinic,
            detail={"fields": ["conditions"], "language": language},
        )
    return row
