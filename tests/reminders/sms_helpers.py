"""Helpers for the SMS tests."""

from __future__ import annotations

from coaching.reminders.sms.models import PhoneVerification

PHONE = "+61412345678"


def verified_phone(user, phone: str = PHONE) -> str:
    """Give ``user`` a mobile number they have confirmed with a code."""
    user.phone = phone
    user.save(update_fields=["phone"])
    PhoneVerification.objects.update_or_create(
        user=user, defaults={"phone": phone, "verified_phone": phone}
    )
    return phone
