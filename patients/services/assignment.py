"""Moving a patient to another physiotherapist of the same clinic (a clinic admin's job)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from patients.models import Patient
from patients.signals import records_changed
from walkback.accounts.models import Role, User
from walkback.accounts.services import physio_lock_for_patients
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record


def patient_reassign(*, patient: Patient, physiotherapist: User, by: User) -> Patient:
    """Give ``patient`` to ``physiotherapist``; the audit trail keeps who moved them, from
    whom and to whom. Their walks, sessions and prescriptions stay with them. Nobody can move
    a patient to another clinic: the new physiotherapist must be an active one of the
    patient's own clinic, and only that clinic's admin may do it."""
    if by.role != Role.CLINIC_ADMIN or by.clinic_id != patient.clinic_id:
        raise ValidationError(gettext("Only an admin of the patient's clinic can move a patient."))
    if (
        physiotherapist.role != Role.PHYSIO
        or physiotherapist.clinic_id != patient.clinic_id
        or not physiotherapist.is_active
    ):
        raise ValidationError(
            {"physiotherapist": gettext("Choose an active physiotherapist of your clinic.")}
        )
    with transaction.atomic():
        physio_lock_for_patients(physiotherapist)
        locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
        previous = locked.physiotherapist_id
        if previous == physiotherapist.pk:
            raise ValidationError(
                {
                    "physiotherapist": gettext("%(patient)s is already with %(physio)s.")
                    % {"patient": patient.full_name, "physio": physiotherapist}
                }
            )
        locked.physiotherapist = physiotherapist
        locked.save(update_fields=["physiotherapist", "updated_at"])
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            obj=locked,
            patient=locked,
            detail={
                "event": "physiotherapist_changed",
                "from_user_id": previous,
                "to_user_id": physiotherapist.pk,
            },
        )
        records_changed(locked.pk)
    patient.physiotherapist = physiotherapist
    return patient
