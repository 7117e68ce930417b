"""The only door to patient rows. Every view that reads patient data goes through here, and
each function scopes by the requesting user: a patient sees themselves, staff see their
clinic. Anything out of scope is simply not found (a 404 in views)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from patients.checkins import (
    DueCheckIn,
    MissedCheckIn,
    catch_up_months,
    catch_up_window,
    check_in_open,
)
from patients.models import AccountClosing, CheckIn, Patient, RetentionPolicy, WalkLog
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


def closings_for(user: User) -> QuerySet[AccountClosing]:
    """Requests to close an account, of the clinic admin's own clinic only."""
    if user.role != Role.CLINIC_ADMIN:
        return AccountClosing.objects.none()
    return AccountClosing.objects.filter(
        patient__in=patients_for(user).values("pk")
    ).select_related("patient__user", "patient__physiotherapist", "decided_by")


def retention_for(user: User) -> RetentionPolicy:
    """The clinic's retention policy, or the default one (unsaved) when it never chose."""
    assert user.clinic_id is not None  # staff of a clinic (user_belongs_to_a_clinic)
    policy = RetentionPolicy.objects.filter(clinic_id=user.clinic_id).first()
    return policy or RetentionPolicy(clinic_id=user.clinic_id)


def walks_for(user: User) -> QuerySet[WalkLog]:
    return WalkLog.objects.filter(patient__in=patients_for(user).values("pk"))


def own_walk_get(user: User, pk: int) -> WalkLog:
    """One of the requesting patient's own walks; anyone else's is a 404."""
    return get_object_or_404(
        walks_for(user).filter(patient__user_id=user.pk).select_related("patient__clinic"), pk=pk
    )


def staff_walk_get(user: User, pk: int) -> WalkLog:
    """A walk of a patient of the requesting staff member's clinic; a patient's request, or
    another clinic's walk, is a 404."""
    if user.role not in (Role.PHYSIO, Role.CLINIC_ADMIN):
        raise Http404
    return get_object_or_404(
        walks_for(user).select_related("patient__clinic", "patient__user", "corrected_by"), pk=pk
    )


def walks_between(user: User, first: dt.date, last: dt.date) -> QuerySet[WalkLog]:
    """The requesting patient's own walks dated ``first`` to ``last``, newest first."""
    return walks_for(user).filter(
        patient__user_id=user.pk, walked_on__gte=first, walked_on__lte=last
    )


def check_ins_due(patient: Patient, *, today: dt.date) -> list[DueCheckIn]:
    """The check-ins the patient should answer today: the open one, unless already answered
    (a list of at most one; the missed months it asks about again are
    ``check_in_missed_months``). One query. ``today`` is the patient's own date:
    ``patient.today()``."""
    current = check_in_open(patient, today=today)
    if current is None:
        return []
    answered = CheckIn.objects.filter(
        patient=patient, month_number=current.month_number, completed_at__isnull=False
    ).exists()
    return [] if answered else [current]


def check_in_missed_months(patient: Patient, *, current: DueCheckIn) -> list[MissedCheckIn]:
    """The missed months the open check-in asks about again (``patients.checkins.
    catch_up_months``), oldest first. One query: the months already answered or said to be
    unknown, among those the clinic allows to be asked again."""
    window = catch_up_window(patient, current.month_number)
    if not window:
        return []
    settled = set(
        CheckIn.objects.filter(
            patient=patient, month_number__gte=window.start, month_number__lt=window.stop
        )
        .exclude(completed_at__isnull=True, unknown_at__isnull=True)
        .values_list("month_number", flat=True)
    )
    return catch_up_months(
        patient, current_month=current.month_number, open_months=set(window) - settled
    )
