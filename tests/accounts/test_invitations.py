from __future__ import annotations

import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from walkback.accounts.models import Invitation, Role, User

NEW_PASSWORD = "a-brand-new-walking-pass"


def _link_from_mail(message) -> str:
    return re.search(r"https?://\S+/accounts/invite/\S+/", message.body).group(0)


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


@pytest.mark.django_db
def test_clinic_admin_invites_a_physio_who_sets_a_password_once(
    world, client_for, client, django_capture_on_commit_callbacks
):
    admin = client_for(world.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            reverse("staff:list"),
            {"full_name": "Nia New", "email": "Nia.New@Example.test", "role": Role.PHYSIO},
        )
    assert response.status_code == 302
    physio = User.objects.get(email="nia.new@example.test")
    assert physio.clinic == world.clinic_a and physio.role == Role.PHYSIO
    assert not physio.has_usable_password()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nia.new@example.test"]
    path = _path(_link_from_mail(mail.outbox[0]))
    # Only a hash of the token is stored.
    assert not Invitation.objects.filter(token_hash__contains=path.split("/")[-2]).exists()

    response = client.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    physio.refresh_from_db()
    assert physio.check_password(NEW_PASSWORD)
    assert physio.password.startswith("argon2")

    # The link is spent: a second use changes nothing.
    client.logout()
    response = client.post(
        path, {"password1": "other-pass-phrase-1", "password2": "other-pass-phrase-1"}
    )
    assert response.status_code == 410
    assert b"does not work any more" in response.content
    physio.refresh_from_db()
    assert physio.check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_physio_invites_a_patient(world, client_for, client, django_capture_on_commit_callbacks):
    physio = client_for(world.physio_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = physio.post(
            reverse("patients:invite"),
            {"full_name": "Ruth Walker", "email": "ruth@example.test", "time_zone": "Europe/Paris"},
        )
    assert response.status_code == 302
    user = User.objects.get(email="ruth@example.test")
    assert user.role == Role.PATIENT and user.patient.physiotherapist == world.physio_a
    assert user.patient.clinic == world.clinic_a
    path = _path(_link_from_mail(mail.outbox[-1]))
    response = client.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/", follow=True).request["PATH_INFO"] == reverse("portal:home")


@pytest.mark.django_db
def test_an_expired_invitation_is_refused(
    world, client_for, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.admin_a).post(
            reverse("staff:list"),
            {"full_name": "Late Larry", "email": "larry@example.test", "role": Role.PHYSIO},
        )
    path = _path(_link_from_mail(mail.outbox[-1]))
    with time_machine.travel(timezone.now() + timezone.timedelta(days=8)):
        response = client.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 410
    assert not User.objects.get(email="larry@example.test").has_usable_password()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"password1": "short", "password2": "short"}, "password1", "at least 10 characters"),
        (
            {"password1": "password123", "password2": "password123"},
            "password1",
            "most common passwords",
        ),
        ({"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"}, "password2", "different"),
    ],
)
def test_bad_passwords_get_a_clear_message_and_change_nothing(
    world, client_for, client, django_capture_on_commit_callbacks, data, field, message
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.admin_a).post(
            reverse("staff:list"),
            {"full_name": "Pat Pending", "email": "pending@example.test", "role": Role.PHYSIO},
        )
    path = _path(_link_from_mail(mail.outbox[-1]))
    response = client.post(path, data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not User.objects.get(email="pending@example.test").has_usable_password()
    assert Invitation.objects.usable().filter(user__email="pending@example.test").exists()


@pytest.mark.django_db
def test_inviting_an_existing_or_malformed_address_is_refused(world, client_for):
    admin = client_for(world.admin_a)
    before = User.objects.count()
    response = admin.post(
        reverse("staff:list"),
        {"full_name": "Dup", "email": world.physio_a2.email.upper(), "role": Role.PHYSIO},
    )
    # Within the clinic it may say so (another clinic's address: tests/security/).
    assert "already has an account" in str(response.context["form"].errors["email"])
    response = admin.post(
        reverse("staff:list"),
        {"full_name": "Bad", "email": "not-an-address", "role": Role.PHYSIO},
    )
    assert "valid email" in str(response.context["form"].errors["email"])
    assert User.objects.count() == before
    assert not mail.outbox


@pytest.mark.django_db
def test_a_patient_cannot_invite_staff(world, client_for):
    response = client_for(world.patient_a.user).post(
        reverse("staff:list"),
        {"full_name": "Sneaky", "email": "sneaky@example.test", "role": Role.CLINIC_ADMIN},
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="sneaky@example.test").exists()
