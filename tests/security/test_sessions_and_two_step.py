"""docs/security.md#sessions-and-drafts and #two-step-login, across people and clinics: another
person's kept phone, another clinic's two-step login and another person's kept draft are out
of reach (404, or simply not given back). The access matrix (tests/access/routes_sessions.py)
covers every role on each new URL."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD
from walkback.accounts.models import DeviceSession

pytestmark = pytest.mark.django_db


def _login(user, *, keep: bool) -> Client:
    client = Client()
    data = {"username": user.email, "password": PASSWORD}
    if keep:
        data["keep_signed_in"] = "on"
    assert client.post(reverse("accounts:login"), data).status_code == 302
    return client


def test_another_persons_phone_cannot_be_signed_out(world, client_for):
    kept = _login(world.patient_a2.user, keep=True)
    device = DeviceSession.objects.get(user=world.patient_a2.user)
    for intruder in (world.patient_a.user, world.admin_a, world.patient_b.user):
        response = client_for(intruder).post(reverse("accounts:device-sign-out", args=[device.pk]))
        assert response.status_code == 404
    assert DeviceSession.objects.filter(pk=device.pk).exists()
    assert kept.get(reverse("portal:home")).status_code == 200


def test_nobody_else_can_reset(world, client_for):
    device = TOTPDevice.objects.create(user=world.patient_b.user, name="phone", confirmed=True)
    admin_a = client_for(world.admin_a)
    url = reverse("accounts:two-step-reset", args=[world.patient_b.user.pk])
    assert admin_a.get(url).status_code == 404
    assert admin_a.post(url).status_code == 404
    assert client_for(world.physio_b).post(url).status_code == 403
    assert (
        client_for(world.admin_a)
        .post(reverse("accounts:two-step-reset", args=[world.admin_a.pk]))
        .status_code
        == 404
    )  # not one's own: another admin does it
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
