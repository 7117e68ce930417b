from __future__ import annotations

import time

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD


def _code(device: TOTPDevice) -> str:
    """The code an authenticator app shows now (time_machine moves "now" in these tests)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _password_login(user) -> Client:
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


@pytest.mark.django_db
def test_a_password_only_staff_session_is_sent_to_enrolment_for_every_page(world):
    client = _password_login(world.physio_a)
    for url in [
        reverse("coaching:caseload"),
        reverse("patients:detail", args=[world.patient_a.pk]),
        reverse("patients:invite"),
        reverse("admin:index"),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:otp-setup")), url


@pytest.mark.django_db
def test_staff_enrol_then_must_verify_at_every_login(world):
    start = time.time()
    with time_machine.travel(start, tick=False):
        client = _password_login(world.physio_a)
        client.get(reverse("accounts:otp-setup"))
        device = TOTPDevice.objects.get(user=world.physio_a, confirmed=False)
        wrong = client.post(reverse("accounts:otp-setup"), {"token": "000000"})
        assert "did not match" in wrong.content.decode()
        device.refresh_from_db()
        assert not device.confirmed
    # django-otp slows down guessing after a wrong code: wait past that, as a person would.
    with time_machine.travel(start + 5, tick=False):
        response = client.post(reverse("accounts:otp-setup"), {"token": _code(device)})
        assert response.status_code == 302
        assert client.get(reverse("coaching:caseload")).status_code == 200

    later = start + 125
    with time_machine.travel(later, tick=False):
        client = _password_login(world.physio_a)
        response = client.get(reverse("coaching:caseload"))
        assert response["Location"].startswith(reverse("accounts:otp-verify"))
        device.refresh_from_db()
        code = _code(device)
        assert client.post(reverse("accounts:otp-verify"), {"token": code}).status_code == 302
        assert client.get(reverse("coaching:caseload")).status_code == 200

        # The same code replayed in another session is refused and changes nothing.
        replay = _password_login(world.physio_a)
        response = replay.post(reverse("accounts:otp-verify"), {"token": code})
        assert response.status_code == 200
        assert "already used" in response.content.decode()
        assert replay.get(reverse("coaching:caseload")).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["12ab56", "12345", ""])
def test_malformed_codes_get_a_clear_message(world, token):
    TOTPDevice.objects.create(user=world.physio_a, name="app", confirmed=True)
    client = _password_login(world.physio_a)
    response = client.post(reverse("accounts:otp-verify"), {"token": token})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]


@pytest.mark.django_db
def test_patients_need_no_second_factor_but_may_turn_it_on(world):
    client = _password_login(world.patient_a.user)
    assert client.get(reverse("portal:home")).status_code == 200
    page = client.get(reverse("accounts:security"))
    assert "Two-step login is <strong>off</strong>" in page.content.decode()
    client.get(reverse("accounts:otp-setup"))
    device = TOTPDevice.objects.get(user=world.patient_a.user)
    client.post(reverse("accounts:otp-setup"), {"token": _code(device)})
    device.refresh_from_db()
    assert device.confirmed
    # From now on the patient passes the code at login too.
    again = _password_login(world.patient_a.user)
    assert again.get(reverse("portal:home"))["Location"].startswith(reverse("accounts:otp-verify"))


@pytest.mark.django_db
def test_in_the_demo_staff_may_look_around_without_enrolling(world, settings):
    settings.WALKBACK_REQUIRE_STAFF_2FA = False
    client = _password_login(world.physio_a)
    assert client.get(reverse("coaching:caseload")).status_code == 200


def test_enrolment_is_required_whenever_debug_is_off():
    import subprocess
    import sys

    from tests.walkback.test_settings import PRODUCTION, ROOT

    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings;"
            " print(settings.WALKBACK_REQUIRE_STAFF_2FA)",
        ],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **PRODUCTION, "DJANGO_SETTINGS_MODULE": "walkback.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "True", result.stderr
