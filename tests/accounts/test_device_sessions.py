"""Patients' "keep me signed in on this phone" (docs/security.md#sessions-and-drafts): a
30-day session exempt from the idle timeout and the 12-hour limit, for patients only, listed
on their account page with its phone and last use, each revocable, and "sign out
everywhere"."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD
from walkback.accounts.models import DeviceSession
from walkback.accounts.sessions import device_label, device_session_start
from walkback.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36"
)


def _login(user, *, keep: bool, agent: str = IPHONE) -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    data = {"username": user.email, "password": PASSWORD}
    if keep:
        data["keep_signed_in"] = "on"
    assert client.post(reverse("accounts:login"), data).status_code == 302
    return client


def test_a_kept_phone_outlives_the_idle_timeout_and_the_daily_limit_but_not_30_days(world):
    user = world.patient_a.user
    home = reverse("portal:home")
    start = time.time()
    with time_machine.travel(start, tick=False):
        kept = _login(user, keep=True)
        plain = _login(user, keep=False, agent=ANDROID)
        assert kept.get(home).status_code == 200
        assert plain.get(home).status_code == 200
        device = DeviceSession.objects.get(user=user)
        assert device.label == "Safari on iPhone"
        session = Session.objects.get(session_key=kept.cookies["sessionid"].value)
        # The cookie and the server-side session last the 30 days, not the 12 hours.
        assert session.expire_date == device.expires_at
        assert device.expires_at - timezone.now() == dt.timedelta(days=settings.DEVICE_SESSION_DAYS)
    # Three days without opening the app: the kept phone is still in, the other is not.
    with time_machine.travel(start + 3 * 24 * 3600, tick=False):
        assert kept.get(home).status_code == 200
        assert plain.get(home).status_code == 302
        device.refresh_from_db()
        assert abs(device.last_used_at.timestamp() - (start + 3 * 24 * 3600)) < 2
    with time_machine.travel(start + settings.DEVICE_SESSION_DAYS * 24 * 3600 + 60, tick=False):
        response = kept.get(home)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_staff_are_never_kept_signed_in(world):
    client = _login(world.physio_a, keep=True)
    assert not DeviceSession.objects.exists()
    with pytest.raises(ValidationError):
        device_session_start(user=world.physio_a, session=client.session, user_agent=IPHONE)
    with pytest.raises(ValidationError):
        device_session_start(user=world.admin_a, session=client.session, user_agent=IPHONE)


def test_the_account_page_lists_phones_and_each_can_be_signed_out(world):
    user = world.patient_a.user
    iphone = _login(user, keep=True)
    android = _login(user, keep=True, agent=ANDROID)
    page = iphone.get(reverse("accounts:security")).content.decode()
    assert "Safari on iPhone" in page and "Chrome on Android phone" in page
    assert "This phone" in page and "Last used" in page
    other = DeviceSession.objects.get(user=user, label="Chrome on Android phone")
    response = iphone.post(reverse("accounts:device-sign-out", args=[other.pk]))
    assert response["Location"] == reverse("accounts:security")
    assert not DeviceSession.objects.filter(pk=other.pk).exists()
    # The Android phone's next request is the login page; the iPhone carries on.
    assert android.get(reverse("portal:home"))["Location"].startswith(reverse("accounts:login"))
    assert iphone.get(reverse("portal:home")).status_code == 200
    assert AuditEvent.objects.filter(
        actor=user, detail__event="device_session_ended", detail__device_session_id=other.pk
    ).exists()


def test_at_most_five_phones_the_least_recently_used_goes(world):
    user = world.patient_a.user
    clients = [_login(user, keep=True, agent=f"{IPHONE} #{n}") for n in range(6)]
    assert DeviceSession.objects.filter(user=user).count() == settings.DEVICE_SESSIONS_PER_PERSON
    assert clients[0].get(reverse("portal:home")).status_code == 302
    assert clients[5].get(reverse("portal:home")).status_code == 200


def test_sign_out_everywhere_ends_kept_phones_and_this_session(world):
    user = world.patient_a.user
    kept = _login(user, keep=True)
    here = _login(user, keep=False, agent=ANDROID)
    response = here.post(reverse("accounts:sign-out-everywhere"))
    assert response["Location"] == reverse("accounts:login")
    assert not DeviceSession.objects.filter(user=user).exists()
    for client in (kept, here):
        assert client.get(reverse("portal:home"))["Location"].startswith(reverse("accounts:login"))
    assert AuditEvent.objects.filter(actor=user, detail__event="signed_out_everywhere").exists()


def test_switching_a_login_off_ends_kept_phones_too(world, client_for):
    user = world.patient_a.user
    kept = _login(user, keep=True)
    from walkback.accounts.services import user_set_active

    user_set_active(user=user, active=False, by=world.admin_a)
    assert not DeviceSession.objects.filter(user=user).exists()
    assert kept.get(reverse("portal:home")).status_code == 302


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (IPHONE, "Safari on iPhone"),
        (ANDROID, "Chrome on Android phone"),
        (
            "Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0",
            "Firefox on Android phone",
        ),
        ("", "A web browser"),
    ],
)
def test_phones_get_names_people_recognise(agent, label):
    assert device_label(agent) == label


def test_signing_out_this_phone_logs_it_out_now(world):
    user = world.patient_a.user
    iphone = _login(user, keep=True)
    device = DeviceSession.objects.get(user=user)
    response = iphone.post(reverse("accounts:device-sign-out", args=[device.pk]))
    assert response["Location"] == reverse("accounts:login")
    assert iphone.get(reverse("portal:home"))["Location"].startswith(reverse("accounts:login"))
