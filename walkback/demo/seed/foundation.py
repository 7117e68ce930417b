"""Demo data for ``manage.py seed_demo``. Idempotent: looks up before it creates."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from patients.models import Patient, PatientStatus
from walkback.accounts.models import Clinic, ClosedDay, Role, User
from walkback.demo.factories import NO_PASSWORD, UserFactory

DEMO_PASSWORD = "walkback-demo"  # noqa: S105 - published demo login


def demo_user(email, full_name, role, clinic, *, can_log_in: bool = True, **extra) -> User:
    """The login with this e-mail, made with the demo password (or none) when it is new."""
    return User.objects.filter(email=email).first() or UserFactory.create(
        email=email,
        password=DEMO_PASSWORD if can_log_in else NO_PASSWORD,
        full_name=full_name,
        role=role,
        clinic=clinic,
        **extra,
    )


def seed_foundation(context: dict) -> None:
    clinic, _ = Clinic.objects.get_or_create(
        name="Harbour Physio (demo)", defaults={"time_zone": "Australia/Sydney"}
    )
    other, _ = Clinic.objects.get_or_create(
        name="Northside Back Clinic (demo, other clinic)", defaults={"time_zone": "Europe/London"}
    )
    admin = demo_user("admin@demo.test", "Alex Admin", Role.CLINIC_ADMIN, clinic)
    physio = demo_user("physio@demo.test", "Priya Physio", Role.PHYSIO, clinic)
    patient_user = demo_user("patient@demo.test", "Pat Walker", Role.PATIENT, clinic)
    patient, _ = Patient.objects.get_or_create(
        user=patient_user,
        defaults={
            "clinic": clinic,
            "physiotherapist": physio,
            "time_zone": clinic.time_zone,
            "status": PatientStatus.ACTIVE,
            "preferred_days": [0, 2, 4, 5],
        },
    )
    # The other clinic, so a newcomer can see that nothing crosses over.
    demo_user("admin@northside.test", "Nora Northside", Role.CLINIC_ADMIN, other)
    other_physio = demo_user("physio@northside.test", "Noel Northside", Role.PHYSIO, other)
    other_user = demo_user("patient@northside.test", "Nina Northside", Role.PATIENT, other)
    Patient.objects.get_or_create(
        user=other_user,
        defaults={
            "clinic": other,
            "physiotherapist": other_physio,
            "time_zone": other.time_zone,
            "status": PatientStatus.ACTIVE,
        },
    )
    context.update(clinic=clinic, other_clinic=other, admin=admin, physio=physio, patient=patient)


# The fixed-date public holidays of New South Wales, the demo clinic's state.
DEMO_HOLIDAYS = ((1, 1), (1, 26), (4, 25), (12, 25), (12, 26))


def seed_clinic_settings(context: dict) -> None:
    """The demo clinic's contact and its coming public holidays (the clinic settings page).
    Run after the seeded programmes, so their sessions stay where the demo's stories put
    them; a programme started in the demo then moves its sessions off these days."""
    clinic = context["clinic"]
    if not clinic.contact_phone:
        clinic.contact_phone = "+61290000000"
        clinic.address = "1 Harbour Street\nSydney NSW 2000"
        clinic.save(update_fields=["contact_phone", "address"])
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(clinic.time_zone)).date()
    for month, day in DEMO_HOLIDAYS:
        holiday = dt.date(today.year, month, day)
        if holiday <= today:
            holiday = holiday.replace(year=today.year + 1)
        ClosedDay.objects.get_or_create(clinic=clinic, day=holiday)
