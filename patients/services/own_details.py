"""A patient correcting their own details (the right to rectification, GDPR art. 16, APP 13):
name and phone here, e-mail through a link to the new address
(``walkback.accounts.services.email_change_request``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from patients.models import Patient
from patients.signals import records_changed
from walkback.accounts.services import validate_full_name
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record

NAME_REQUIRED = _("Type your name as you would like the clinic to see it.")


def patient_details_correct(*, patient: Patient, full_name: str, phone) -> list[str]:
    """Set the patient's own name and phone (empty removes it). Returns the names of the
    fields that changed; nothing is written when none did."""
    full_name = (full_name or "").strip()
    if not full_name:
        raise ValidationError({"full_name": str(NAME_REQUIRED)})
    validate_full_name(full_name)
    with transaction.atomic():
        user = patient.user
        changed = []
        if full_name != user.full_name:
            user.full_name = full_name
            changed.append("full_name")
        if str(phone or "") != str(user.phone or ""):
            user.phone = phone or ""
            changed.append("phone")
        if not changed:
            return []
        user.full_clean(exclude=["password"])
        user.save(update_fields=changed)
        audit_record(
            actor=user,
            action=AuditAction.UPDATE,
            obj=user,
            patient=patient,
            detail={"fields": changed, "by": "patient"},
        )
        # The caseload sorts by the name.
        records_changed(patient.pk)
    return changed
