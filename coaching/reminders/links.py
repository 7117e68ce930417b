"""Signed links to change or stop reminders without logging in.

The token is the patient's id signed with the site's secret and a purpose-specific salt, so
it cannot be forged or reused for anything else, and a tampered one is refused. It does not
expire: a reminder read months later must still be able to stop the next one. It gives
access to the reminder choices only, never to the patient's record.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from patients.models import Patient

_SALT = "walkback.reminders.preferences"


def preferences_token(patient: Patient) -> str:
    return signing.Signer(salt=_SALT).sign(str(patient.pk))


def patient_for_token(token: str) -> Patient | None:
    try:
        pk = int(signing.Signer(salt=_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return Patient.objects.select_related("user", "clinic").filter(pk=pk).first()


def preferences_url(patient: Patient) -> str:
    return settings.SITE_URL + reverse("reminders:preferences", args=[preferences_token(patient)])


def stop_url(patient: Patient) -> str:
    return settings.SITE_URL + reverse("reminders:stop", args=[preferences_token(patient)])
