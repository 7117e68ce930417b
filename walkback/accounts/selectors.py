from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from walkback.accounts.models import ClosedDay, DeviceSession, Role, User


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


def device_sessions_for(user: User) -> QuerySet[DeviceSession]:
    """The phones ``user`` is kept signed in on, most recently used first."""
    return DeviceSession.objects.filter(user=user, expires_at__gt=timezone.now()).order_by(
        "-last_used_at", "-pk"
    )


def device_session_current(user: User, device_id) -> DeviceSession | None:
    """The kept phone a session names, while it is still kept (None once signed out)."""
    if not isinstance(device_id, int):
        return None
    return device_sessions_for(user).filter(pk=device_id).first()


def clinic_member_get(user: User, pk: int) -> User:
    """A person (staff or patient) of the requesting clinic admin's clinic; anyone else's
    account is a 404."""
    if not user.is_authenticated or not user.is_clinic_admin or not user.clinic_id:
        return get_object_or_404(User.objects.none(), pk=pk)
    return get_object_or_404(User.objects.filter(clinic_id=user.clinic_id), pk=pk)
