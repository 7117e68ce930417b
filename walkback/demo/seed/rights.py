"""Demo data for the data-rights pages (docs/security.md#data-rights): phone numbers for the
demo logins, the clinic's retention period, and Dora Dunn (discharged) asking for her account
to be closed, so the clinic admin's "Closing accounts" page has a request to decide.

Phone numbers are from the ranges Australia's ACMA reserves for fiction (0491 570 xxx)."""

from __future__ import annotations

from django.db.models import F

from patients.models import AccountClosing, Patient, PatientStatus, RetentionPolicy
from walkback.accounts.models import User

DEMO_PHONES = {
    "admin@demo.test": "+61491570006",
    "physio@demo.test": "+61491570156",
    "patient@demo.test": "+61491570157",
    "dora.dunn@demo.test": "+61491570158",
}
CLOSING_ASKED_BY = "dora.dunn@demo.test"


def seed_rights(context: dict) -> None:
    for email, phone in DEMO_PHONES.items():
        User.objects.filter(email=email, phone="").update(phone=phone)
    # The seeders set the stage directly; the retention clock starts at the last change.
    Patient.objects.filter(status=PatientStatus.DISCHARGED, discharged_at__isnull=True).update(
        discharged_at=F("updated_at")
    )
    RetentionPolicy.objects.get_or_create(clinic=context["clinic"])
    dora = Patient.objects.filter(user__email=CLOSING_ASKED_BY).first()
    if dora is not None:
        AccountClosing.objects.get_or_create(patient=dora)
