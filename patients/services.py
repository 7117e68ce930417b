"""Writes to patient records. Each runs in one transaction with its audit row."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from patients.models import Patient
from walkback.accounts.models import Role, User
from walkback.accounts.services import invitation_create
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record


def patient_invite(
    *,
    by: User,
    email: str,
    full_name: str,
    time_zone: str,
    physiotherapist: User | None = None,
    **details,
) -> Patient:
    """Create a patient's account and record, and e-mail them a one-time link to set a
    password. ``details`` are further Patient fields (date of birth, preferred days...)."""
    if by.role not in (Role.PHYSIO, Role.CLINIC_ADMIN):
        raise ValidationError("Only clinic staff can invite patients.")
    physiotherapist = physiotherapist or (by if by.role == Role.PHYSIO else None)
    if physiotherapist is not None and (
        physiotherapist.clinic_id != by.clinic_id or physiotherapist.role != Role.PHYSIO
    ):
        raise ValidationError({"physiotherapist": "Choose a physiotherapist of your clinic."})
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "Someone already has an account with this e-mail."})
    with transaction.atomic():
        user = User.objects.create_user(
            email=email,
            full_name=full_name.strip(),
            role=Role.PATIENT,
            clinic=by.clinic,
            time_zone=time_zone,
        )
        patient = Patient(
            user=user,
            clinic=by.clinic,
            physiotherapist=physiotherapist,
            time_zone=time_zone,
            **details,
        )
        patient.full_clean(exclude=["user"])
        patient.save()
        audit_record(
            actor=by,
            action=AuditAction.CREATE,
            obj=patient,
            patient=patient,
            detail={"fields": sorted(["email", "full_name", "time_zone", *details])},
        )
        invitation_create(user=user, by=by)
    return patient
