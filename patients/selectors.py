"""The only door to patient rows. Every view that reads patient data goes through here, and
each function scopes by the requesting user: a patient sees themselves, staff see their
clinic. Anything out of scope is simply not found (a 404 in views)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from patients.models import Patient, WalkLog
from walkback.accounts.models import Role, User


def patients_for(user: User) -> QuerySet[Patient]:
    if not user.is_authenticated or not user.is_active or not user.clinic_id:
        return Patient.objects.none()
    qs = Patient.objects.select_related("user", "clinic")
    if user.role in (Role.PHYSIO, Role.CLINIC_ADMIN):
        return qs.filter(clinic_id=user.clinic_id)
    if user.role == Role.PATIENT:
        return qs.filter(user_id=user.pk)
    return Patient.objects.none()


def patient_get(user: User, pk: int) -> Patient:
    return get_object_or_404(patients_for(user), pk=pk)


def own_patient(user: User) -> Patient:
    """The patient record of a logged-in patient."""
    return get_object_or_404(patients_for(user).filter(user_id=user.pk))


def walks_for(user: User) -> QuerySet[WalkLog]:
    return WalkLog.objects.filter(patient__in=patients_for(user).values("pk"))
