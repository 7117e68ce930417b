"""Reads about a user's number: is it verified, did it say STOP. Scoped to the user asked
about (callers pass the requesting patient's own user)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from coaching.reminders.sms.models import PhoneVerification, SmsOptOut


def phone_verification(user) -> PhoneVerification | None:
    return PhoneVerification.objects.filter(user_id=user.pk).first()


def phone_verified(user, verification: PhoneVerification | None = None) -> bool:
    """True while the number the user proved is still their number (changing it unverifies)."""
    if not user.phone:
        return False
    verification = verification if verification is not None else phone_verification(user)
    return verification is not None and str(verification.verified_phone) == str(user.phone)


def phone_opted_out(phone) -> bool:
    return bool(phone) and SmsOptOut.objects.filter(phone=str(phone)).exists()


def sms_blocker(user) -> str:
    """Why no SMS may go to ``user`` now, in plain words ("" when one may). In English, as the
    outbox records it; a page shows ``gettext(sms_blocker(user))``."""
    if not user.phone:
        return gettext_noop("no mobile number")
    if not phone_verified(user):
        return gettext_noop("the mobile number is not confirmed")
    if phone_opted_out(user.phone):
        return gettext_noop("the number replied STOP")
    return ""
