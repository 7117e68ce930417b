"""Signed links to change or stop reminders without logging in.

The token is the patient's id and their links' generation, signed with the site's secret, a
purpose-specific salt and the time it was made, so it cannot be forged or reused for anything
else, and a tampered one is refused. It works for ``REMINDER_LINK_DAYS`` (60 by default):
each reminder carries a fresh link, so the newest one always works, and an old e-mail found
later cannot change anything. The patient can stop every link already sent at once
(``reminder_links_revoke``). A link gives access to the reminder choices only, never to the
patient's record (docs/security.md).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse

from patients.models import Patient

_SALT = "walkback.reminders.preferences"


def preferences_token(patient: Patient) -> str:
    value = f"{patient.pk}:{patient.reminder_links_generation}"
    return signing.TimestampSigner(salt=_SALT).sign(value)


def patient_for_token(token: str) -> Patient | None:
    """The patient a link is for, or None when it is forged, tampered with, too old or
    revoked."""
    max_age = dt.timedelta(days=settings.REMINDER_LINK_DAYS)
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=max_age)
        pk, generation = (int(part) for part in value.split(":"))
    except (signing.BadSignature, ValueError):
        return None
    return (
        Patient.objects.select_related("user", "clinic")
        .filter(pk=pk, reminder_links_generation=generation)
        .first()
    )


def preferences_url(patient: Patient) -> str:
    return settings.SITE_URL + reverse("reminders:preferences", args=[preferences_token(patient)])


def stop_url(patient: Patient) -> str:
    return settings.SITE_URL + reverse("reminders:stop", args=[preferences_token(patient)])
