"""The physiotherapist sets the language a patient reads WalkBack in, at enrolment and on the
edit page: saved on the patient's account, audited like the other details, shown on the
patient page. Blank means the clinic's language."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from patients.models import Patient
from patients.services.enrolment import patient_invite, patient_update
from walkback.accounts.languages import language_for
from walkback.accounts.models import User
from walkback.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def enrol_data(**extra):
    return {
        "full_name": "New Person",
        "email": "new.person@example.test",
        "date_of_birth": "1970-01-01",
        "time_zone": "Australia/Sydney",
        "preferred_days": ["0", "2"],
        "preferred_time": "07:30",
        **extra,
    }


def edit_data(patient, physio, **extra):
    return {
        "full_name": patient.user.full_name,
        "time_zone": patient.time_zone,
        "status": patient.status,
        "physiotherapist": physio.pk,
        **extra,
    }


def test_enrolment_saves_the_chosen_language_on_the_patients_account(
    world, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.physio_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("patients:invite"), enrol_data(language="zh-hans"))
    assert response.status_code == 302
    patient = Patient.objects.select_related("user").get(user__email="new.person@example.test")
    assert patient.user.language == "zh-hans"
    assert language_for(patient.user) == "zh-hans"
    created = AuditEvent.objects.get(patient=patient, action=AuditAction.CREATE)
    assert "language" in created.detail["fields"]


def test_enrolment_without_a_language_leaves_the_clinics(world, client_for):
    client_for(world.physio_a).post(reverse("patients:invite"), enrol_data(language=""))
    user = User.objects.get(email="new.person@example.test")
    assert user.language == ""
    assert language_for(user) == world.clinic_a.language


def test_the_invite_and_edit_forms_offer_each_language_in_its_own_name(world, client_for):
    client = client_for(world.physio_a)
    for url in (
        reverse("patients:invite"),
        reverse("patients:edit", args=[world.patient_a.pk]),
    ):
        page = client.get(url).content.decode()
        assert 'name="language"' in page
        for name in ("Clinic&#x27;s language", "English", "简体中文", "العربية"):
            assert name in page, (url, name)


def test_an_unknown_language_is_refused_by_the_form(world, client_for):
    response = client_for(world.physio_a).post(
        reverse("patients:invite"), enrol_data(language="fr")
    )
    assert response.status_code == 200
    assert "language" in response.context["form"].errors
    assert not User.objects.filter(email="new.person@example.test").exists()


def test_the_services_refuse_an_unknown_language(world):
    with pytest.raises(ValidationError) as error:
        patient_invite(
            by=world.physio_a,
            email="x@example.test",
            full_name="X Person",
            time_zone="UTC",
            language="klingon",
        )
    assert "language" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        patient_update(patient=world.patient_a, by=world.physio_a, language="klingon")
    assert "language" in error.value.message_dict
    assert User.objects.get(pk=world.patient_a.user_id).language == ""


def test_editing_changes_the_language_audited_and_shown_on_the_patient_page(world, client_for):
    patient = world.patient_a
    client = client_for(world.physio_a)
    page = client.get(reverse("patients:detail", args=[patient.pk])).content.decode()
    assert "Clinic&#x27;s language (English)" in page
    response = client.post(
        reverse("patients:edit", args=[patient.pk]),
        edit_data(patient, world.physio_a, language="ar"),
    )
    assert response.status_code == 302
    assert User.objects.get(pk=patient.user_id).language == "ar"
    update = AuditEvent.objects.filter(patient=patient, action=AuditAction.UPDATE).latest("pk")
    assert "language" in update.detail["fields"]
    page = client.get(reverse("patients:detail", args=[patient.pk])).content.decode()
    assert "العربية" in page
    # The edit form starts from the saved language.
    form = client.get(reverse("patients:edit", args=[patient.pk])).context["form"]
    assert form.initial["language"] == "ar"


def test_saving_the_same_language_again_is_not_a_change(world):
    patient = world.patient_a
    patient_update(patient=patient, by=world.physio_a, language="zh-hans")
    patient_update(
        patient=Patient.objects.get(pk=patient.pk), by=world.physio_a, language="zh-hans"
    )
    last = AuditEvent.objects.filter(patient=patient, action=AuditAction.UPDATE).latest("pk")
    assert "language" not in last.detail["fields"]


def test_back_to_blank_follows_the_clinic_again(world):
    patient = world.patient_a
    patient_update(patient=patient, by=world.physio_a, language="ar")
    patient_update(patient=Patient.objects.get(pk=patient.pk), by=world.physio_a, language="")
    user = User.objects.get(pk=patient.user_id)
    assert user.language == ""
    assert language_for(user) == world.clinic_a.language
