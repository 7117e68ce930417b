"""Fixtures for the web push tests (imported by them): a VAPID pair in the settings and the
local fake push service (tests/reminders/push_fake.py)."""

from __future__ import annotations

import pytest

from coaching.models import PushSubscription
from coaching.reminders.push import vapid_key_pair
from tests.reminders.push_fake import FakePushService


@pytest.fixture
def vapid(settings):
    private, public = vapid_key_pair()
    settings.WALKBACK_VAPID_PUBLIC_KEY = public
    settings.WALKBACK_VAPID_PRIVATE_KEY = private
    settings.WALKBACK_VAPID_SUBJECT = "mailto:it@harbour-physio.example"
    return private, public


@pytest.fixture
def push_service(vapid, tmp_path, monkeypatch, settings):
    fake = FakePushService(tmp_path, vapid[1])
    # requests verifies TLS against this bundle: the fake's own certificate.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.cert_path))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    settings.WALKBACK_PUSH_TIMEOUT = 1
    yield fake
    fake.stop()


def subscribe(fake: FakePushService, user, answer: object = 201) -> PushSubscription:
    """A subscription row for ``user`` whose pushes the fake answers with ``answer``."""
    info = fake.subscription(answer)
    return PushSubscription.objects.create(
        user=user,
        endpoint=info["endpoint"],
        p256dh=info["keys"]["p256dh"],
        auth=info["keys"]["auth"],
        device_label="Chrome on Android",
    )
