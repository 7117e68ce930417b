"""Staff management additions: caseload sizes, and moving a patient to a colleague."""

from __future__ import annotations

from django.urls import reverse

from patients.models import PatientStatus
from patients.services.assignment import patient_reassign
from tests.factories import PatientFactory, UserFactory
from tests.reports.conftest import LEAK
from walkback.audit.models import AuditAction, AuditEvent


def test_staff_list_shows_caseload_sizes(world, client_for, django_assert_num_queries):
    PatientFactory(clinic=world.clinic_a, physiotherapist=world.physio_a)
    PatientFactory(
        clinic=world.clinic_a, physiotherapist=world.physio_a, status=PatientStatus.DISCHARGED
    )
    client = client_for(world.admin_a)
    client.get(reverse("staff:list"))
    # session, user (with the clinic for the page header), TOTP device, staff with caseloads,
    # notices to staff that failed (tests/security/test_single_line_fields.py)
    with django_assert_num_queries(5):
        response = client.get(reverse("staff:list"))
    staff = {m.full_name: m.caseload_size for m in response.context["staff"]}
    assert staff["Anna Alpha"] == 2  # the discharged patient is not in the caseload
    assert staff["Abe Alpha"] == 1
    assert LEAK not in response.content.decode()


def test_caseload_page_lists_the_physios_patients(world, client_for, django_assert_num_queries):
    for _ in range(3):
        PatientFactory(clinic=world.clinic_a, physiotherapist=world.physio_a)
    client = client_for(world.admin_a)
    url = reverse("staff:caseload", args=[world.physio_a.pk])
    client.get(url)
    # session, user (with the clinic for the page header), TOTP device, the physio,
    # colleagues, the patients, one audit insert naming every patient shown (issue 12)
    with django_assert_num_queries(7):
        response = client.get(url)
    html = response.content.decode()
    assert "Paula Alpha" in html and "Peter Alpha" not in html
    assert f'value="{world.physio_a2.pk}"' in html
    assert LEAK not in html


def test_move_a_patient_records_it(world, client_for):
    client = client_for(world.admin_a)
    response = client.post(
        reverse("staff:patient-reassign", args=[world.patient_a.pk]),
        {"physiotherapist": world.physio_a2.pk},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:caseload", args=[world.physio_a.pk])
    world.patient_a.refresh_from_db()
    assert world.patient_a.physiotherapist == world.physio_a2
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, patient=world.patient_a)
    assert event.actor == world.admin_a
    assert event.detail == {
        "event": "physiotherapist_changed",
        "from_user_id": world.physio_a.pk,
        "to_user_id": world.physio_a2.pk,
    }


def test_cannot_move_to_another_clinic_or_an_inactive_physio(world, client_for):
    inactive = UserFactory(clinic=world.clinic_a, is_active=False)
    client = client_for(world.admin_a)
    url = reverse("staff:patient-reassign", args=[world.patient_a.pk])
    for target in (world.physio_b, inactive, world.admin_a):
        response = client.post(url, {"physiotherapist": target.pk}, follow=True)
        assert "Choose an active physiotherapist of your clinic" in response.content.decode()
    world.patient_a.refresh_from_db()
    assert world.patient_a.physiotherapist == world.physio_a
    assert not AuditEvent.objects.filter(action=AuditAction.UPDATE).exists()


def test_service_refuses_other_clinics_and_non_admins(world):
    import pytest
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        patient_reassign(patient=world.patient_b, physiotherapist=world.physio_b, by=world.admin_a)
    with pytest.raises(ValidationError):
        patient_reassign(
            patient=world.patient_a, physiotherapist=world.physio_a2, by=world.physio_a
        )
    with pytest.raises(ValidationError, match="already with"):
        patient_reassign(patient=world.patient_a, physiotherapist=world.physio_a, by=world.admin_a)
