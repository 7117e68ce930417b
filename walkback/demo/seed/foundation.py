"""Demo data for ``manage.py seed_demo``. Idempotent: looks up before it creates."""

from __future__ import annotations

from patients.models import Patient, PatientStatus
from walkback.accounts.models import Clinic, Role, User

DEMO_PASSWORD = "walkback-demo"  # noqa: S105 - published demo login


def _user(email, full_name, role, clinic, **extra) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email,
            password=DEMO_PASSWORD,
            full_name=full_name,
            role=role,
            clinic=clinic,
            **extra,
        )
    return user


def seed_foundation(context: dict) -> None:
    clinic, _ = Clinic.objects.get_or_create(
        name="Harbour Physio (demo)", defaults={"time_zone": "Australia/Sydney"}
    )
    other, _ = Clinic.objects.get_or_create(
        name="Northside Back Clinic (demo, other clinic)", defaults={"time_zone": "Europe/London"}
    )
    admin = _user("admin@demo.test", "Alex Admin", Role.CLINIC_ADMIN, clinic)
    physio = _user("physio@demo.test", "Priya Physio", Role.PHYSIO, clinic)
    patient_user = _user("patient@demo.test", "Pat Walker", Role.PATIENT, clinic)
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
    _user("admin@northside.test", "Nora Northside", Role.CLINIC_ADMIN, other)
    other_physio = _user("physio@northside.test", "Noel Northside", Role.PHYSIO, other)
    other_user = _user("patient@northside.test", "Nina Northside", Role.PATIENT, other)
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
