"""Two-step login writes (docs/security.md#two-step-login): recovery codes, the clinic
admin's "lost my phone" reset, and a patient turning it off. Each is one transaction with its
audit row; codes are never logged or audited, only how many were made."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from walkback.accounts.models import User
from walkback.accounts.services import user_sessions_end
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record

RECOVERY_CODES = 10
RECOVERY_CODE_LENGTH = len(StaticToken.random_token())  # 8 letters and digits
RECOVERY_DEVICE_NAME = "Recovery codes"


def recovery_code_normalise(typed: str) -> str:
    """What a person types for a recovery code ("ABCD EFGH", "abcd-efgh"), as it is stored."""
    return "".join(ch for ch in typed.lower() if ch.isalnum())


def recovery_codes_make(*, user: User) -> list[str]:
    """Make a fresh set of recovery codes for ``user`` (earlier codes stop working). Each
    works once, in place of a code from the phone. Returned once, to be shown once."""
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME)
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
        audit_record(
            actor=user,
            action=AuditAction.ACCOUNT,
            obj=user,
            detail={"event": "recovery_codes_made", "count": len(codes)},
        )
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def _devices_delete(user: User) -> int:
    devices = list(devices_for_user(user, confirmed=None))
    for device in devices:
        device.delete()
    return len(devices)


def two_step_reset(*, user: User, by: User) -> None:
    """The clinic admin's answer to "I lost my phone": every two-step device and recovery code
    of ``user`` is removed and every session of theirs ends. Staff set it up again at their
    next login; a patient may."""
    if not by.is_clinic_admin or by.clinic_id is None or user.clinic_id != by.clinic_id:
        raise PermissionDenied
    if user.pk == by.pk:
        raise ValidationError(gettext("Another clinic admin must reset your own two-step login."))
    with transaction.atomic():
        removed = _devices_delete(user)
        user_sessions_end(user=user)
        audit_record(
            actor=by,
            action=AuditAction.ACCOUNT,
            obj=user,
            detail={"event": "2fa_reset_by_admin", "devices": removed},
        )


def two_step_turn_off(*, user: User) -> None:
    """A patient turns two-step login off. Staff cannot: it is required of them (in the demo
    they may skip enrolling, but once on it stays on)."""
    if user.is_clinic_staff:
        raise ValidationError(gettext("Clinic staff must keep two-step login on."))
    with transaction.atomic():
        removed = _devices_delete(user)
        audit_record(
            actor=user,
            action=AuditAction.ACCOUNT,
            obj=user,
            detail={"event": "2fa_off", "devices": removed},
        )
