"""Each bound is named once (``*/limits.py``) and the database, the forms and the services
all hold the same one: a value one past it is refused by each of them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from coaching.forms import PrescriptionForm, ProgrammeSettingsForm
from coaching.models import Prescription
from coaching.services.prescriptions import prescription_set
from coaching.services.programme import clinic_programme_update
from patients.forms import PatientEditForm, ScreeningForm
from patients.limits import BASELINE_MESSAGE, BASELINE_MINUTES_PER_WEEK
from patients.models import Patient
from patients.services.enrolment import screening_record
from walkback.accounts.limits import WALKS_PER_WEEK
from walkback.accounts.models import Clinic
from walkback.core.limits import Bound

pytestmark = pytest.mark.django_db


def test_a_bound_includes_both_ends_and_only_whole_numbers():
    bound = Bound(1, 14)
    assert 1 in bound and 14 in bound and 0 not in bound and 15 not in bound
    assert 2.5 not in bound and "3" not in bound and None not in bound
    assert bound.words == "from 1 to 14"


def refused_by_database(model, pk, **values) -> bool:
    try:
        with transaction.atomic():
            model.objects.filter(pk=pk).update(**values)
    except IntegrityError:
        return True
    return False


def test_baseline_minutes_bound_is_the_same_in_database_form_and_service(world):
    high = BASELINE_MINUTES_PER_WEEK.high
    patient = world.patient_a
    assert not refused_by_database(Patient, patient.pk, baseline_minutes_per_week=high)
    assert refused_by_database(Patient, patient.pk, baseline_minutes_per_week=high + 1)
    form = ScreeningForm(data={"baseline_minutes_per_week": str(high + 1)})
    form.is_valid()
    assert form.errors["baseline_minutes_per_week"] == [BASELINE_MESSAGE]
    with pytest.raises(ValidationError) as error:
        screening_record(
            patient=patient,
            by=world.physio_a,
            recovered_in_last_6_months=True,
            episode_lasted_24h=True,
            able_to_walk=True,
            already_active_3_per_week=False,
            baseline_minutes_per_week=high + 1,
        )
    assert error.value.message_dict["baseline_minutes_per_week"] == [BASELINE_MESSAGE]


def test_walks_per_week_bound_is_the_same_everywhere(world):
    high = WALKS_PER_WEEK.high
    clinic, patient = world.clinic_a, world.patient_a
    assert refused_by_database(Clinic, clinic.pk, goal_walks_per_week=high + 1)
    assert refused_by_database(Patient, patient.pk, goal_walks_per_week=high + 1)
    assert not refused_by_database(Patient, patient.pk, goal_walks_per_week=high)
    prescription = Prescription.objects.create(
        patient=patient,
        walks_per_week=high,
        minutes_per_walk=10,
        effective_from=dt.date(2026, 3, 2),
        rationale="test",
        author=world.physio_a,
    )
    assert refused_by_database(Prescription, prescription.pk, walks_per_week=high + 1)
    for form_class, field in [
        (PrescriptionForm, "walks_per_week"),
        (ProgrammeSettingsForm, "goal_walks_per_week"),
        (PatientEditForm, "goal_walks_per_week"),
    ]:
        form_field = form_class.base_fields[field]
        assert (form_field.min_value, form_field.max_value) == WALKS_PER_WEEK, form_class
    with pytest.raises(ValidationError) as error:
        prescription_set(
            patient=patient,
            walks_per_week=high + 1,
            minutes_per_walk=10,
            effective_from=dt.date(2026, 3, 2),
            rationale="more",
            by=world.physio_a,
        )
    assert "from 1 to 14" in error.value.message_dict["walks_per_week"][0]
    with pytest.raises(ValidationError) as error:
        clinic_programme_update(
            clinic=clinic,
            by=world.admin_a,
            goal_walks_per_week=high + 1,
            goal_minutes_per_walk=30,
            goal_week=26,
            screening_extra_conditions="",
        )
    assert "goal_walks_per_week" in error.value.message_dict


def test_missed_months_asked_again_bound_is_the_same_everywhere(world):
    """Issue 10: how many missed months a check-in asks about again (0 to 6)."""
    from walkback.accounts.limits import CHECK_IN_CATCH_UP

    clinic = world.clinic_a
    assert not refused_by_database(
        Clinic, clinic.pk, check_in_catch_up_months=CHECK_IN_CATCH_UP.low
    )
    assert not refused_by_database(
        Clinic, clinic.pk, check_in_catch_up_months=CHECK_IN_CATCH_UP.high
    )
    assert refused_by_database(
        Clinic, clinic.pk, check_in_catch_up_months=CHECK_IN_CATCH_UP.high + 1
    )
    field = ProgrammeSettingsForm.base_fields["check_in_catch_up_months"]
    assert (field.min_value, field.max_value) == CHECK_IN_CATCH_UP
    for value in (CHECK_IN_CATCH_UP.low - 1, CHECK_IN_CATCH_UP.high + 1):
        with pytest.raises(ValidationError) as error:
            clinic_programme_update(
                clinic=clinic,
                by=world.admin_a,
                goal_walks_per_week=5,
                goal_minutes_per_walk=30,
                goal_week=26,
                screening_extra_conditions="",
                check_in_catch_up_months=value,
            )
        assert "from 0 to 6" in error.value.message_dict["check_in_catch_up_months"][0]
