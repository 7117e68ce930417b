"""Checks and date helpers the programme's services share."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils import timezone

from coaching.models import (
    CoachingSession,
)
from patients.models import Patient
from walkback.accounts.models import Clinic, Role, User


def _check_staff(by: User, patient: Patient, *, physio_only: bool = True) -> None:
    roles = (Role.PHYSIO,) if physio_only else (Role.PHYSIO, Role.CLINIC_ADMIN)
    if by.role not in roles:
        raise ValidationError("Only the clinic's physiotherapists can do this.")
    if by.clinic_id != patient.clinic_id:
        raise ValidationError("This patient is not in your clinic.")


def _clinic_zone(patient: Patient) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(patient.clinic.time_zone)


def _clinic_today(patient: Patient) -> dt.date:
    return timezone.now().astimezone(_clinic_zone(patient)).date()


def _when(moment: dt.datetime, zone: dt.tzinfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _locked(session: CoachingSession) -> CoachingSession:
    """The session re-read under a row lock: two physiotherapists (or two tabs) changing it at
    once are applied one after the other, each seeing the other's result."""
    return (
        CoachingSession.objects.select_for_update()
        .select_related("patient__clinic")
        .get(pk=session.pk)
    )


def _check_clinic_staff(by: User, clinic: Clinic) -> None:
    if by.role not in (Role.PHYSIO, Role.CLINIC_ADMIN) or by.clinic_id != clinic.pk:
        raise ValidationError("Only this clinic's staff can change its library and settings.")
