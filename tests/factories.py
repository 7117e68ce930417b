from __future__ import annotations

import factory

from coaching.services import caseload_rows_refresh
from patients.models import Patient, PatientStatus
from walkback.accounts.models import Clinic, Role, User

PASSWORD = "correct-horse-battery-9"  # noqa: S105 - test fixture


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")
    time_zone = "Australia/Sydney"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    role = Role.PHYSIO
    clinic = factory.SubFactory(ClinicFactory)

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient
        skip_postgeneration_save = True

    clinic = factory.SubFactory(ClinicFactory)
    user = factory.SubFactory(
        UserFactory, role=Role.PATIENT, clinic=factory.SelfAttribute("..clinic")
    )
    physiotherapist = None
    time_zone = factory.LazyAttribute(lambda o: o.clinic.time_zone)
    status = PatientStatus.ACTIVE

    @factory.post_generation
    def caseload_row(obj, create, extracted, **kwargs):
        # Every patient has their maintained row, as after the enrolment service.
        if create:
            caseload_rows_refresh(patient_ids=[obj.pk])
