"""Issue 12, low: password-reset e-mails were not limited (15 requests, 15 e-mails). Now at
most a few per address and per client in an hour, and the page never says which happened."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production_limits(settings):
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 3
    settings.PASSWORD_RESET_LIMIT_PER_CLIENT = 10
    cache.clear()
    yield
    cache.clear()


def ask(email, ip="10.20.0.1"):
    return Client().post(reverse("accounts:password-reset"), {"email": email}, REMOTE_ADDR=ip)


def test_fifteen_requests_for_one_address_send_three_emails(world):
    responses = [ask(world.patient_a.user.email, ip=f"10.20.0.{n}") for n in range(15)]
    assert len(mail.outbox) == 3
    # Every answer is the same "check your e-mail", sent or not: no oracle.
    assert {r.status_code for r in responses} == {302}
    assert {r["Location"] for r in responses} == {reverse("accounts:password-reset-done")}


def test_letter_case_does_not_give_an_address_more_emails(world):
    for spelling in ["patient.a@example.test", "PATIENT.A@example.test", "Patient.A@Example.Test"]:
        ask(spelling)
    ask(" PATIENT.A@EXAMPLE.TEST ")
    assert len(mail.outbox) == 3


def test_one_client_cannot_spray_many_addresses(world):
    from tests.factories import UserFactory

    users = [UserFactory(clinic=world.clinic_a, email=f"spray{n}@example.test") for n in range(12)]
    for user in users:
        ask(user.email, ip="10.30.0.1")
    assert len(mail.outbox) == 10
    # Another client is not affected.
    ask(world.physio_a.email, ip="10.30.0.2")
    assert len(mail.outbox) == 11


def test_unknown_addresses_count_too_and_answer_the_same(world):
    """Asking for an address with no account uses up the same allowance, so the limit's
    behaviour cannot tell whether an account exists."""
    for _ in range(3):
        assert ask("nobody@example.test").status_code == 302
    for n in range(8):
        ask(f"nobody{n}@example.test", ip="10.20.0.1")
    assert ask(world.patient_a.user.email, ip="10.20.0.1").status_code == 302
    assert mail.outbox == []  # the client's allowance of 10 was used up by the 11 above
