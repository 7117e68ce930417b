"""Two-step login (docs/security.md#two-step-login): recovery codes made at enrolment and shown
once, each usable once; the set-up page's typed key and tappable otpauth:// link; the clinic
admin's "lost my phone" reset (audited, sessions ended); patients may turn it off, staff not."""

from __future__ import annotations

import re
import time

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD
from walkback.accounts.two_step import RECOVERY_CODES
from walkback.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _password_login(user) -> Client:
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def _enrol(user) -> tuple[Client, list[str]]:
    client = _password_login(user)
    page = client.get(reverse("accounts:otp-setup")).content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:otp-setup"), {"token": _code(device)})
    assert response["Location"].startswith(reverse("accounts:recovery-codes"))
    shown = client.get(response["Location"]).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{4} [a-z2-7]{4})</code></li>", shown)
    assert page  # the set-up page rendered
    return client, codes


def test_the_setup_page_offers_the_key_as_text_and_a_tappable_link(world):
    client = _password_login(world.patient_a.user)
    body = client.get(reverse("accounts:otp-setup")).content.decode()
    device = TOTPDevice.objects.get(user=world.patient_a.user, confirmed=False)
    import base64

    secret = base64.b32encode(device.bin_key).decode()
    groups = re.search(r'<p class="otp-secret">(.*?)</p>', body, re.S).group(1)
    assert re.sub(r"<[^>]+>|\s", "", groups) == secret
    assert f"<span>{secret[:4]}</span> <span>{secret[4:8]}</span>" in groups
    link = re.search(r'href="(otpauth://totp/[^"]+)"', body).group(1)
    assert f"secret={secret}" in link.replace("&amp;", "&")
    assert "Open my authenticator app" in body


def test_enrolment_shows_ten_recovery_codes_once(world):
    client, codes = _enrol(world.physio_a)
    assert len(codes) == RECOVERY_CODES and len(set(codes)) == RECOVERY_CODES
    stored = set(
        StaticToken.objects.filter(device__user=world.physio_a).values_list("token", flat=True)
    )
    assert stored == {code.replace(" ", "") for code in codes}
    again = client.get(reverse("accounts:recovery-codes")).content.decode()
    assert "shown once" in again
    assert not any(code in again for code in codes)
    event = AuditEvent.objects.get(actor=world.physio_a, detail__event="recovery_codes_made")
    assert not any(code.replace(" ", "") in str(event.detail) for code in codes)


def test_a_recovery_code_logs_in_once(world):
    start = time.time()
    with time_machine.travel(start, tick=False):
        _, codes = _enrol(world.physio_a)
    with time_machine.travel(start + 120, tick=False):
        client = _password_login(world.physio_a)
        typed = codes[3].upper().replace(" ", "-")  # however the person writes it
        response = client.post(reverse("accounts:otp-verify"), {"token": typed})
        assert response.status_code == 302
        assert client.get(reverse("coaching:caseload")).status_code == 200
        assert StaticToken.objects.filter(device__user=world.physio_a).count() == 9
    with time_machine.travel(start + 240, tick=False):
        again = _password_login(world.physio_a)
        response = again.post(reverse("accounts:otp-verify"), {"token": codes[3]})
        assert response.status_code == 200
        assert "already used" in response.content.decode()
        assert again.get(reverse("coaching:caseload")).status_code == 302


@pytest.mark.parametrize("typed", ["abc", "12345", "abcd efgh ijkl"])
def test_a_malformed_code_at_login_gets_a_plain_message(world, typed):
    TOTPDevice.objects.create(user=world.physio_a, name="phone", confirmed=True)
    client = _password_login(world.physio_a)
    response = client.post(reverse("accounts:otp-verify"), {"token": typed})
    assert response.status_code == 200
    assert "or one recovery code" in response.content.decode()


def test_new_codes_replace_the_old_ones(world):
    client, codes = _enrol(world.patient_a.user)
    response = client.post(reverse("accounts:recovery-codes"))
    fresh = client.get(response["Location"]).content.decode()
    new_codes = re.findall(r"<li><code>([a-z2-7]{4} [a-z2-7]{4})</code></li>", fresh)
    assert len(new_codes) == RECOVERY_CODES
    stored = set(
        StaticToken.objects.filter(device__user=world.patient_a.user).values_list(
            "token", flat=True
        )
    )
    assert stored == {code.replace(" ", "") for code in new_codes}
    assert not stored & {code.replace(" ", "") for code in codes}


def test_the_clinic_admin_resets_a_lost_phone(world, client_for):
    start = time.time()
    with time_machine.travel(start, tick=False):
        physio, _ = _enrol(world.physio_a2)
        assert physio.get(reverse("coaching:caseload")).status_code == 200
    with time_machine.travel(start + 60, tick=False):
        admin = client_for(world.admin_a)
        url = reverse("accounts:two-step-reset", args=[world.physio_a2.pk])
        # The way there: "Lost phone" on the staff list.
        assert f'href="{url}?next=' in admin.get(reverse("staff:list")).content.decode()
        page = admin.get(url).content.decode()
        assert "Reset two-step login of Abe Alpha" in page
        response = admin.post(url, {"next": reverse("staff:list")})
        assert response["Location"] == reverse("staff:list")
        assert not TOTPDevice.objects.filter(user=world.physio_a2).exists()
        assert not StaticToken.objects.filter(device__user=world.physio_a2).exists()
        # Signed out everywhere, and asked to set it up again at the next login.
        assert physio.get(reverse("coaching:caseload"))["Location"].startswith(
            reverse("accounts:login")
        )
        again = _password_login(world.physio_a2)
        assert again.get(reverse("coaching:caseload"))["Location"].startswith(
            reverse("accounts:otp-setup")
        )
        event = AuditEvent.objects.get(detail__event="2fa_reset_by_admin")
        assert event.actor == world.admin_a and event.object_id == str(world.physio_a2.pk)


def test_the_admin_resets_a_patients_two_step_login(world, client_for):
    TOTPDevice.objects.create(user=world.patient_a.user, name="phone", confirmed=True)
    admin = client_for(world.admin_a)
    url = reverse("accounts:two-step-reset", args=[world.patient_a.user.pk])
    # The way there: the physiotherapist's patient list, next to "Switch off login".
    listing = admin.get(reverse("staff:caseload", args=[world.physio_a.pk])).content.decode()
    assert f'href="{url}?next=' in listing
    admin.post(url)
    assert not TOTPDevice.objects.filter(user=world.patient_a.user).exists()
    # The patient logs in with their password alone.
    patient = _password_login(world.patient_a.user)
    assert patient.get(reverse("portal:home")).status_code == 200


def test_a_patient_can_turn_two_step_login_off_with_their_password(world):
    start = time.time()
    with time_machine.travel(start, tick=False):
        client, _ = _enrol(world.patient_a.user)
        page = client.get(reverse("accounts:security")).content.decode()
        assert "Turn off two-step login" in page and "10 recovery codes" in page
        wrong = client.post(reverse("accounts:two-step-off"), {"password": "not-it"})
        assert "That is not your password" in wrong.content.decode()
        assert TOTPDevice.objects.filter(user=world.patient_a.user).exists()
        response = client.post(reverse("accounts:two-step-off"), {"password": PASSWORD})
        assert response["Location"] == reverse("accounts:security")
        assert not TOTPDevice.objects.filter(user=world.patient_a.user).exists()
        assert not StaticToken.objects.filter(device__user=world.patient_a.user).exists()
        assert AuditEvent.objects.filter(detail__event="2fa_off").exists()
    with time_machine.travel(start + 60, tick=False):
        again = _password_login(world.patient_a.user)
        assert again.get(reverse("portal:home")).status_code == 200


def test_staff_cannot_turn_two_step_login_off(world, client_for):
    from django.core.exceptions import ValidationError

    from walkback.accounts.two_step import two_step_turn_off

    client = client_for(world.physio_a)
    assert client.post(reverse("accounts:two-step-off"), {"password": PASSWORD}).status_code == 403
    assert (
        "must keep two-step login on" in client.get(reverse("accounts:security")).content.decode()
    )
    with pytest.raises(ValidationError):
        two_step_turn_off(user=world.physio_a)
    assert TOTPDevice.objects.filter(user=world.physio_a).exists()
