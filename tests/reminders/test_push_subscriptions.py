"""Subscribing a browser to push reminders, and removing one: JSON endpoints for the page's
script (CSRF-checked, checked input, patients' own only) and the no-JavaScript remove form."""

from __future__ import annotations

import base64
import json

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from py_vapid import Vapid

from coaching.models import PushSubscription
from coaching.reminders.push import vapid_public_text
from coaching.reminders.push_selectors import has_push_subscription, push_devices_for
from coaching.reminders.push_services import device_label
from tests.conftest import login_as
from walkback.audit.models import AuditEvent

SUBSCRIBE = "/me/data/reminders/push/subscribe/"
UNSUBSCRIBE = "/me/data/reminders/push/unsubscribe/"
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)


def _b64(raw: bytes, *, pad=False) -> str:
    text = base64.urlsafe_b64encode(raw).decode()
    return text if pad else text.rstrip("=")


def _browser_subscription(n=1, *, pad=False) -> dict:
    """What ``PushSubscription.toJSON()`` gives in a browser."""
    vapid = Vapid()
    vapid.generate_keys()
    public = base64.urlsafe_b64decode(vapid_public_text(vapid) + "=")
    return {
        "endpoint": f"https://fcm.googleapis.com/fcm/send/abc{n}:APA91b-xyz",
        "expirationTime": None,
        "keys": {"p256dh": _b64(public, pad=pad), "auth": _b64(bytes(range(16)), pad=pad)},
    }


def _post(client, url, body, **extra):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **extra)


@pytest.fixture
def patient_client(world):
    return login_as(Client(), world.patient_a.user)


def test_a_patient_subscribes_this_browser(world, patient_client, vapid):
    body = _browser_subscription()
    response = _post(patient_client, SUBSCRIBE, body, HTTP_USER_AGENT=ANDROID_CHROME)
    assert response.status_code == 201
    assert response.json() == {"ok": True, "device": "Chrome on Android"}
    (saved,) = PushSubscription.objects.all()
    assert saved.user == world.patient_a.user
    assert (saved.endpoint, saved.p256dh, saved.auth) == (
        body["endpoint"],
        body["keys"]["p256dh"],
        body["keys"]["auth"],
    )
    assert has_push_subscription(world.patient_a.user)
    assert not has_push_subscription(world.patient_a2.user)
    event = AuditEvent.objects.filter(object_type="coaching.PushSubscription").get()
    assert (event.patient, event.action, event.detail["event"]) == (
        world.patient_a,
        "create",
        "push_subscribed",
    )
    # The same browser again (the page is opened on another day): still one row.
    assert _post(patient_client, SUBSCRIBE, body).status_code == 201
    assert PushSubscription.objects.count() == 1


def test_padded_keys_are_stored_as_browsers_usually_send_them(patient_client, vapid):
    body = _browser_subscription(pad=True)
    assert body["keys"]["auth"].endswith("==")
    assert _post(patient_client, SUBSCRIBE, body).status_code == 201
    saved = PushSubscription.objects.get()
    assert len(saved.p256dh) == 87 and len(saved.auth) == 22


@pytest.mark.parametrize(
    "change, field",
    [
        ({"endpoint": "http://fcm.googleapis.com/fcm/send/abc"}, "endpoint"),
        ({"endpoint": "javascript:alert(1)"}, "endpoint"),
        ({"endpoint": "https://"}, "endpoint"),
        ({"endpoint": "https://push.example.test/" + "a" * 1000}, "endpoint"),
        ({"endpoint": ""}, "endpoint"),
        ({"keys": {}}, "p256dh"),
        ({"keys": {"auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "p256dh"),
        ({"keys": {"p256dh": "BAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "p256dh"),
        # 65 bytes starting 0x04, but not a point on the curve: encryption would fail.
        ({"keys": {"p256dh": _b64(b"\x04" + b"\x01" * 64), "auth": "A" * 22}}, "p256dh"),
        ({"keys": {"p256dh": "!" * 87, "auth": "A" * 22}}, "p256dh"),
        ({"keys": None}, "auth"),
    ],
)
def test_bad_subscriptions_are_refused_with_a_plain_message_and_nothing_saved(
    patient_client, vapid, change, field
):
    body = {**_browser_subscription(), **change}
    response = _post(patient_client, SUBSCRIBE, body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors
    assert "try again" in errors[field].lower()
    assert PushSubscription.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="coaching.PushSubscription").exists()


@pytest.mark.parametrize("body", ["not json", "[1, 2]", "", "{" + " " * 5000 + "}"])
def test_unreadable_bodies_are_a_400(patient_client, vapid, body):
    response = _post(patient_client, SUBSCRIBE, body)
    assert response.status_code == 400
    assert "could not read" in response.json()["errors"]["__all__"]


def test_without_vapid_keys_push_is_not_offered(patient_client, settings):
    settings.WALKBACK_VAPID_PUBLIC_KEY = ""
    response = _post(patient_client, SUBSCRIBE, _browser_subscription())
    assert response.status_code == 404
    assert PushSubscription.objects.count() == 0
    page = patient_client.get(reverse("portal:reminders")).content.decode()
    assert "push-reminders" not in page and "push-subscribe.js" not in page


def test_the_json_endpoints_need_the_csrf_token(world, vapid):
    client = login_as(Client(enforce_csrf_checks=True), world.patient_a.user)
    assert _post(client, SUBSCRIBE, _browser_subscription()).status_code == 403
    assert PushSubscription.objects.count() == 0
    client.get(reverse("portal:reminders"))  # sets the CSRF cookie, as the page does
    token = client.cookies["csrftoken"].value
    response = _post(client, SUBSCRIBE, _browser_subscription(), HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


def test_staff_cannot_subscribe(world, vapid):
    client = login_as(Client(), world.physio_a)
    assert _post(client, SUBSCRIBE, _browser_subscription()).status_code == 403
    assert PushSubscription.objects.count() == 0


def test_a_browser_another_patient_subscribes_moves_to_them(world, patient_client, vapid):
    body = _browser_subscription()
    _post(patient_client, SUBSCRIBE, body)
    other = login_as(Client(), world.patient_b.user)  # another clinic, same phone
    assert _post(other, SUBSCRIBE, body).status_code == 201
    saved = PushSubscription.objects.get()
    assert saved.user == world.patient_b.user
    moved = AuditEvent.objects.get(detail__event="push_subscription_moved_to_another_login")
    assert moved.patient == world.patient_a and moved.actor is None


def test_unsubscribe_removes_only_the_patients_own_browser(world, patient_client, vapid):
    mine, theirs = _browser_subscription(1), _browser_subscription(2)
    _post(patient_client, SUBSCRIBE, mine)
    _post(login_as(Client(), world.patient_a2.user), SUBSCRIBE, theirs)
    # Another patient's endpoint (even of the same clinic): a no-op 404.
    response = _post(patient_client, UNSUBSCRIBE, {"endpoint": theirs["endpoint"]})
    assert response.status_code == 404
    assert PushSubscription.objects.filter(endpoint=theirs["endpoint"]).exists()
    assert _post(patient_client, UNSUBSCRIBE, {"endpoint": "https://x.test/1"}).status_code == 404
    assert _post(patient_client, UNSUBSCRIBE, {}).status_code == 404
    response = _post(patient_client, UNSUBSCRIBE, {"endpoint": mine["endpoint"]})
    assert response.status_code == 200
    assert not PushSubscription.objects.filter(endpoint=mine["endpoint"]).exists()
    assert AuditEvent.objects.filter(detail__event="push_unsubscribed").count() == 1


def test_the_page_lists_the_browsers_and_removes_one_without_javascript(
    world, patient_client, vapid
):
    for n in range(2):
        _post(patient_client, SUBSCRIBE, _browser_subscription(n), HTTP_USER_AGENT=ANDROID_CHROME)
    page = patient_client.get(reverse("portal:reminders")).content.decode()
    assert f'data-vapid-public-key="{vapid[1]}"' in page
    assert page.count("Chrome on Android<br>") == 2
    assert "Send reminders to this phone" in page
    assert "push-subscribe.js" in page
    first = push_devices_for(world.patient_a.user)[0]
    response = patient_client.post(reverse("portal:push-remove", args=[first.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("portal:reminders")
    assert [s.pk for s in push_devices_for(world.patient_a.user)] != [first.pk]
    assert len(push_devices_for(world.patient_a.user)) == 1
    page = patient_client.get(reverse("portal:reminders")).content.decode()
    assert "will not get reminders any more" in page
    # Another patient's browser: 404, still there.
    theirs = PushSubscription.objects.create(
        user=world.patient_a2.user,
        endpoint="https://push.example.test/theirs",
        p256dh="B" + "A" * 86,
        auth="A" * 22,
    )
    response = patient_client.post(reverse("portal:push-remove", args=[theirs.pk]))
    assert response.status_code == 404
    assert PushSubscription.objects.filter(pk=theirs.pk).exists()


def test_the_page_costs_the_same_queries_however_many_browsers(
    world, patient_client, vapid, settings
):
    def queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert patient_client.get(reverse("portal:reminders")).status_code == 200
        return len(captured)

    _post(patient_client, SUBSCRIBE, _browser_subscription(0))
    one = queries()
    for n in range(1, 6):
        _post(patient_client, SUBSCRIBE, _browser_subscription(n))
    assert queries() == one
    # Exactly one query more than the page without push: the list of browsers.
    settings.WALKBACK_VAPID_PUBLIC_KEY = ""
    assert queries() == one - 1
    assert len(push_devices_for(world.patient_a.user)) == 6


def test_the_database_refuses_what_the_service_refuses(world):
    good = {"user": world.patient_a.user, "p256dh": "B" + "A" * 86, "auth": "A" * 22}
    for bad in (
        {"endpoint": "http://push.example.test/1"},
        {"endpoint": "https://push.example.test/2", "p256dh": "B" * 80},
        {"endpoint": "https://push.example.test/3", "auth": "A" * 21},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            PushSubscription.objects.create(**{**good, **bad})


@pytest.mark.parametrize(
    "agent, label",
    [
        (ANDROID_CHROME, "Chrome on Android"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iPhone",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko Firefox/127.0",
            "Firefox on Windows",
        ),
        ("", "A browser"),
    ],
)
def test_device_labels_are_plain(agent, label):
    assert device_label(agent) == label


def test_vapid_keys_prints_a_working_pair(capsys):
    call_command("vapid_keys")
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.splitlines())
    vapid = Vapid.from_string(lines["WALKBACK_VAPID_PRIVATE_KEY"])
    assert vapid_public_text(vapid) == lines["WALKBACK_VAPID_PUBLIC_KEY"]
    assert len(lines["WALKBACK_VAPID_PUBLIC_KEY"]) == 87


def test_the_start_up_check_catches_keys_that_do_not_belong_together(settings, vapid):
    from django.core.management import call_command as run
    from django.core.management.base import SystemCheckError

    from coaching.reminders.push import vapid_key_pair
    from coaching.reminders.push_checks import vapid_settings_check

    assert vapid_settings_check() == []
    settings.WALKBACK_VAPID_PUBLIC_KEY = vapid_key_pair()[1]  # another pair's public half
    assert [e.id for e in vapid_settings_check()] == ["walkback.push.E003"]
    with pytest.raises(SystemCheckError):
        run("check")
    settings.WALKBACK_VAPID_PUBLIC_KEY = ""
    assert [e.id for e in vapid_settings_check()] == ["walkback.push.E001"]
    settings.WALKBACK_VAPID_PRIVATE_KEY = ""
    assert vapid_settings_check() == []
    settings.WALKBACK_VAPID_PUBLIC_KEY, settings.WALKBACK_VAPID_PRIVATE_KEY = "x", "not-a-key"
    assert [e.id for e in vapid_settings_check()] == ["walkback.push.E002"]


def test_the_demo_makes_its_key_pair_once_and_keeps_it(tmp_path):
    from walkback.demo.push_keys import demo_vapid_environment

    first = demo_vapid_environment(tmp_path, {})
    assert first == demo_vapid_environment(tmp_path, {})  # the next demo run: the same pair
    vapid = Vapid.from_string(first["WALKBACK_VAPID_PRIVATE_KEY"])
    assert vapid_public_text(vapid) == first["WALKBACK_VAPID_PUBLIC_KEY"]
    assert demo_vapid_environment(tmp_path, {"WALKBACK_VAPID_PUBLIC_KEY": "own"}) == {}
