"""Issue 12, low: enrolling or inviting an address that belongs to another clinic said
"Someone already has an account with this e-mail", revealing the person is a patient (or
staff) elsewhere. Now the inviter's page looks exactly as after inviting a new address, nothing
is created, and the account holder gets a notice instead. Within the clinic it may say so."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from patients.models import Patient
from walkback.accounts.models import Role, User
from walkback.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def mails_go_out(monkeypatch):
    """The notice goes on commit; the test's transaction never commits, so run it at once."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, *a, **k: func())


def enrol(client, email):
    return client.post(
        reverse("patients:invite"),
        {"full_name": "Sam Someone", "email": email, "time_zone": "Australia/Sydney"},
        follow=True,
    )


def invite_staff(client, email):
    return client.post(
        reverse("staff:list"),
        {"full_name": "Sam Someone", "email": email, "role": Role.PHYSIO},
    )


def test_inviting_staff_with_another_clinics_address_looks_like_any_invitation(world, client_for):
    admin = client_for(world.admin_a)
    new = invite_staff(admin, "nobody.yet@example.test")
    elsewhere = invite_staff(admin, world.patient_b.user.email.upper())
    assert new.status_code == elsewhere.status_code == 302
    assert new["Location"] == elsewhere["Location"]
    shown = [str(m) for m in get_messages(elsewhere.wsgi_request)]
    assert shown[-1] == f"Invitation sent to {world.patient_b.user.email.upper()}."
    assert "already" not in admin.get(reverse("staff:list")).content.decode()
    # Nothing changed for the other clinic's patient, who is told instead.
    patient_b = User.objects.get(pk=world.patient_b.user.pk)
    assert (patient_b.clinic_id, patient_b.role) == (world.clinic_b.pk, Role.PATIENT)
    notice = mail.outbox[-1]
    assert notice.to == [world.patient_b.user.email]
    assert world.clinic_a.name in notice.body and "already have a WalkBack account" in notice.body
    # The inviting clinic's trail records a refused invitation without naming anyone.
    event = AuditEvent.objects.filter(detail__event="address_in_use").get()
    assert event.clinic_id == world.clinic_a.pk and event.object_id == ""


def test_enrolling_another_clinics_patient_says_nothing_about_them(world, client_for):
    physio = client_for(world.physio_a)
    before = Patient.objects.count()
    response = enrol(physio, world.patient_b.user.email)
    assert response.status_code == 200
    body = response.content.decode()
    assert f"Invitation sent to {world.patient_b.user.email}." in body
    assert "already has an account" not in body and "Zebracorn" not in body
    assert Patient.objects.count() == before
    assert mail.outbox[-1].to == [world.patient_b.user.email]
    assert "tried to set up a WalkBack account" in mail.outbox[-1].body
    # An address nobody has: the same words, and a patient is enrolled.
    fresh = enrol(physio, "fresh.person@example.test")
    assert "Invitation sent to fresh.person@example.test." in fresh.content.decode()
    assert Patient.objects.count() == before + 1


def test_within_the_clinic_the_address_is_named_as_taken(world, client_for):
    response = client_for(world.physio_a).post(
        reverse("patients:invite"),
        {
            "full_name": "Again",
            "email": world.patient_a2.user.email,
            "time_zone": "Australia/Sydney",
        },
    )
    assert response.status_code == 200
    assert "already has an account" in " ".join(response.context["form"].errors["email"])
    assert not mail.outbox
