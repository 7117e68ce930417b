"""Issue 12: a discharged patient still logged in and logged walks. Discharge (and the clinic
admin's "switch off login" for a patient) end the patient's sessions at once and refuse new
walks and check-ins with a clear page, while the clinic keeps reading the record."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from patients.models import PatientStatus, WalkLog
from patients.services import walks
from patients.services.enrolment import patient_update
from tests.conftest import login_as
from tests.factories import PASSWORD
from walkback.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def _patient_client(world):
    client = login_as(Client(), world.patient_a.user)
    assert client.get(reverse("portal:home")).status_code == 200
    return client


def _can_log_in(user) -> bool:
    response = Client().post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )
    return response.status_code == 302


def _discharge(world):
    patient = world.patient_a
    patient.status = PatientStatus.ACTIVE
    patient.save(update_fields=["status"])
    patient_update(patient=patient, by=world.physio_a, status=PatientStatus.DISCHARGED)
    patient.refresh_from_db()
    return patient


def test_discharge_ends_the_patients_sessions_at_once(world):
    client = _patient_client(world)
    _discharge(world)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_discharged_patient_gets_a_clear_page_instead_of_logging_walks(world, client_for):
    patient = _discharge(world)
    client = _patient_client(world)  # may log in again, to see their history
    page = client.get(reverse("portal:walk-new"))
    assert "Your programme has ended" in page.content.decode()
    response = client.post(
        reverse("portal:walk-new"),
        {"walked_on": patient.today().isoformat(), "minutes": "30"},
    )
    assert "Your programme has ended" in response.content.decode()
    assert not WalkLog.objects.filter(patient=patient).exists()
    assert "Your programme has ended" in client.get(reverse("portal:check-in")).content.decode()
    # The rule is the service's, so no other way in either.
    with pytest.raises(ValidationError, match="programme with the clinic has ended"):
        walks.walk_log(patient=patient, by=patient.user, walked_on=patient.today(), minutes=20)
    # The clinic still reads the record.
    staff = client_for(world.physio_a)
    assert staff.get(reverse("patients:detail", args=[patient.pk])).status_code == 200
    # And the patient their own history.
    assert client.get(reverse("portal:history")).status_code == 200


def test_the_admin_switches_a_patients_login_off_and_on(world, client_for):
    patient_client = _patient_client(world)
    admin = client_for(world.admin_a)
    url = reverse("staff:patient-login", args=[world.patient_a.pk])
    assert admin.post(url, {"active": "0"}).status_code == 302
    world.patient_a.user.refresh_from_db()
    assert not world.patient_a.user.is_active
    # Their open session is over, and they cannot log in again.
    assert patient_client.get(reverse("portal:home")).status_code == 302
    assert not _can_log_in(world.patient_a.user)
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCOUNT, object_id=str(world.patient_a.user.pk)
    ).exists()
    admin.post(url, {"active": "1"})
    assert _can_log_in(world.patient_a.user)
    # Another clinic's admin cannot reach the patient.
    assert client_for(world.admin_b).post(url, {"active": "0"}).status_code == 404


def test_the_admins_view_of_a_caseload_records_every_patient_shown(world, client_for):
    admin = client_for(world.admin_a)
    admin.get(reverse("staff:caseload", args=[world.physio_a.pk]))
    rows = AuditEvent.objects.filter(action=AuditAction.READ, detail__view="staff-caseload")
    assert {row.patient_id for row in rows} == {world.patient_a.pk}
    assert all(row.actor_id == world.admin_a.pk for row in rows)


def test_a_discharged_patients_home_offers_no_walk_to_log(world):
    patient = _discharge(world)
    home = _patient_client(world).get(reverse("portal:home")).content.decode()
    assert "Your programme with the clinic has ended" in home
    assert reverse("portal:walk-new") not in home and patient.status == PatientStatus.DISCHARGED
