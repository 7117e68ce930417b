"""Checks and date helpers the programme's services share."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext

from coaching.models import (
    CoachingSession,
)
from patients.models import Patient
from walkback.accounts.models import Clinic, Role, User


def _check_staff(by: User, patient: Patient, *, physio_only: bool = True) -> None:
    roles = (Role.PHYSIO,) if physio_only else (Role.PHYSIO, Role.CLINIC_ADMIN)
    if by.role not in roles:
        raise ValidationError(gettext("Only the clinic's physiotherapists can do this."))
    if by.clinic_id != patient.clinic_id:
        raise ValidationError(gettext("This patient is not in your clinic."))


def _clinic_zone(patient: Patient) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(patient.clinic.time_zone)


def _clinic_today(patient: Patient) -> dt.date:
    return timezone.now().astimezone(_clinic_zone(patient)).date()


def _when(moment: dt.datetime, zone: dt.tzinfo) -> str:
    local = moment.astimezone(zone)
    # Translators: a date and time as in "Mon 3 Mar 2026, 14:05" (Django date format letters).
    return formats.date_format(local, gettext("D j M Y, H:i"))


def _day(day: dt.date) -> str:
    # Translators: a date as in "3 Mar 2026" (Django date format letters).
    return formats.date_format(day, gettext("j M Y"))


def _number(value: int) -> str:
    """A whole number as the reader writes it ("5,000" in English)."""
    return formats.number_format(value, force_grouping=True)


def _between(low: int, high: int) -> dict[str, str]:
    """The ends of a range, for a message "... from %(low)s to %(high)s"."""
    return {"low": _number(low), "high": _number(high)}


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
        raise ValidationError(
            gettext("Only this clinic's staff can change its library and settings.")
        )
