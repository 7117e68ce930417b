from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from walkback.accounts.models import ClosedDay, Role, User


def has_confirmed_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def staff_for(user: User) -> QuerySet[User]:
    """Physiotherapists and admins of the requesting staff member's clinic."""
    if not user.is_authenticated or user.is_patient or not user.clinic_id:
        return User.objects.none()
    return User.objects.filter(clinic_id=user.clinic_id, role__in=[Role.PHYSIO, Role.CLINIC_ADMIN])


def physios_for(user: User) -> QuerySet[User]:
    return staff_for(user).filter(role=Role.PHYSIO)


def closed_days_of(user: User) -> list[dt.date]:
    """The days the requesting staff member's clinic is closed, in order."""
    if not user.is_authenticated or user.is_patient or not user.clinic_id:
        return []
    return list(ClosedDay.objects.filter(clinic_id=user.clinic_id).values_list("day", flat=True))
