"""Issue 12, high: an e-mail address is one identity whatever its letter case or stray spaces.

Login, the lockout, invitations, password reset and uniqueness all see the address normalised
once (``walkback.accounts.emails.normalize_email``): stripped and lower-cased whole. Before the
fix, five wrong passwords for ``someone@clinic.test`` locked that spelling only, and
``SOMEONE@CLINIC.TEST`` with the right password logged in.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD
from walkback.accounts import services as account_services
from walkback.accounts.emails import normalize_email
from walkback.accounts.models import Role, User


def _login(client, email, password=PASSWORD, ip="10.0.0.1"):
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password}, REMOTE_ADDR=ip
    )


def test_normalize_email_strips_and_lower_cases_the_whole_address():
    assert normalize_email("  Some.One@Clinic.TEST \n") == "some.one@clinic.test"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "variant",
    [
        "PHYSIO.A@EXAMPLE.TEST",
        "Physio.A@example.test",
        " physio.a@example.test ",
        "physio.a@EXAMPLE.test",
    ],
)
def test_lockout_holds_for_every_letter_case_of_the_address(world, variant):
    client = Client()
    for _ in range(5):
        _login(client, world.physio_a.email, password="wrong", ip="10.1.1.1")
    locked = _login(Client(), variant, ip="10.1.1.1")
    assert locked.status_code == 429


@pytest.mark.django_db
def test_case_variants_share_one_failure_count(world):
    """Five wrong guesses spread over five spellings lock the account just the same."""
    spellings = [
        "physio.a@example.test",
        "PHYSIO.A@EXAMPLE.TEST",
        "Physio.A@Example.Test",
        "pHYSIO.a@example.test",
        "physio.A@example.TEST",
    ]
    for spelling in spellings:
        _login(Client(), spelling, password="wrong", ip="10.2.2.2")
    assert _login(Client(), world.physio_a.email, ip="10.2.2.2").status_code == 429


@pytest.mark.django_db
def test_login_with_another_letter_case_still_works_when_not_locked(world):
    response = _login(Client(), "  PATIENT.A@Example.Test ", ip="10.3.3.3")
    assert response.status_code == 302


@pytest.mark.django_db
def test_invitation_refuses_a_case_variant_of_an_existing_address(world):
    with pytest.raises(ValidationError):
        account_services.staff_invite(
            email=" ANNA.new@Example.test ".replace("ANNA.new", "PHYSIO.A"),
            full_name="Someone Else",
            role=Role.PHYSIO,
            clinic=world.clinic_a,
            by=world.admin_a,
        )


@pytest.mark.django_db
def test_invited_address_is_stored_normalised(world):
    user = account_services.staff_invite(
        email="  New.Colleague@Example.TEST ",
        full_name="New Colleague",
        role=Role.PHYSIO,
        clinic=world.clinic_a,
        by=world.admin_a,
    )
    assert user.email == "new.colleague@example.test"


@pytest.mark.django_db
def test_password_reset_finds_the_account_whatever_the_case(world):
    response = Client().post(
        reverse("accounts:password-reset"), {"email": " PATIENT.A@EXAMPLE.TEST "}
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["patient.a@example.test"]


@pytest.mark.django_db
def test_database_refuses_a_mixed_case_address(world):
    """Written around the model (as a raw update would be), the database itself says no."""
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=world.physio_a.pk).update(email="Physio.A@example.test")


@pytest.mark.django_db
def test_database_refuses_a_second_account_differing_only_in_case(world):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_user SET email = %s WHERE id = %s",
            [world.physio_a.email.upper(), world.physio_a2.pk],
        )
