"""The clinic's education library."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext

from coaching.models import (
    EducationTopic,
)
from coaching.services._shared import (
    _check_clinic_staff,
)
from walkback.accounts.models import Clinic, User
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record
from walkback.core.submissions import once_per_submission

# Tries at a free slug: the standard topics (``education_library_seed``) may take one meanwhile.
SLUG_ATTEMPTS = 3


@once_per_submission("education_topic_save")
def education_topic_save(
    *,
    clinic: Clinic,
    by: User,
    title: str,
    body: str,
    summary: str = "",
    position: int = 0,
    is_active: bool = True,
    topic: EducationTopic | None = None,
) -> EducationTopic:
    """Create a topic (``topic=None``) or change one of the clinic's."""
    _check_clinic_staff(by, clinic)
    if topic is not None and topic.clinic_id != clinic.pk:
        raise ValidationError(gettext("That topic belongs to another clinic."))
    title, body = title.strip(), body.strip()
    errors = {}
    if not title:
        errors["title"] = gettext("Give the topic a title.")
    if not body:
        errors["body"] = gettext("Write the text the patient will read.")
    if errors:
        raise ValidationError(errors)
    created = topic is None
    for attempt in range(SLUG_ATTEMPTS):
        try:
            with transaction.atomic():
                if topic is None or created:
                    # One new topic of a clinic at a time, so the free slug stays free until
                    # the insert (NO KEY: rows that refer to the clinic are not held up).
                    Clinic.objects.select_for_update(no_key=True).only("pk").get(pk=clinic.pk)
                    topic = EducationTopic(clinic=clinic, slug=_free_slug(clinic, title))
                topic.title, topic.body, topic.summary = title, body, summary.strip()
                topic.position, topic.is_active = position, is_active
                topic.full_clean()
                topic.save()
                audit_record(
                    actor=by,
                    action=AuditAction.CREATE if created else AuditAction.UPDATE,
                    obj=topic,
                    clinic=clinic,
                    detail={"fields": ["title", "summary", "body", "position", "is_active"]},
                )
        except IntegrityError:
            # The library's standard topics took the free slug between the check and the
            # insert (the unique constraint waited for them): choose again, as the check would.
            if not created or attempt == SLUG_ATTEMPTS - 1:
                raise
        else:
            return topic
    raise AssertionError("unreachable")


def _free_slug(clinic: Clinic, title: str) -> str:
    base = slugify(title)[:100] or "topic"
    slug, n = base, 2
    while EducationTopic.objects.filter(clinic=clinic, slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
