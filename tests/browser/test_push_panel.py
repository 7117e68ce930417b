"""The "Reminders on your phone" panel of Me → Reminders in Chromium (docs/web-push.md).

Headless Chromium has no push service to subscribe with, so the browser's push API (outside
the project: the browser and Google's or Apple's service behind it) is replaced by a stand-in
before the page loads; everything of ours runs for real: the script, the JSON endpoints, the
page. Without the stand-in (no service worker on this branch) the page keeps its plain words
and the no-JavaScript "Remove" buttons."""

from __future__ import annotations

import base64
import json

import pytest
from django.conf import settings
from django.test import Client
from py_vapid import Vapid

from coaching.models import PushSubscription
from coaching.reminders.push import vapid_public_text
from tests.browser.conftest import screenshot
from tests.conftest import login_as

pytestmark = pytest.mark.browser

ENDPOINT = "https://fcm.googleapis.com/fcm/send/browser-test:APA91b"

# A service worker registration whose push manager hands out one fixed subscription; whether
# this "browser" is subscribed survives the page's reload in sessionStorage, as the real one
# survives in the browser.
FAKE_PUSH = """
(() => {
  const state = () => sessionStorage.getItem("subscribed") === "yes";
  if (%(old_key)s && !sessionStorage.getItem("started")) {
    // This browser subscribed before the install changed its key pair.
    sessionStorage.setItem("started", "yes");
    sessionStorage.setItem("subscribed", "yes");
    sessionStorage.setItem("old", "yes");
  }
  const subscription = {
    endpoint: %(endpoint)s,
    get options() {
      const old = sessionStorage.getItem("old") === "yes";
      return old ? { applicationServerKey: new Uint8Array(65).buffer } : {};
    },
    toJSON() { return { endpoint: this.endpoint, expirationTime: null, keys: %(keys)s }; },
    unsubscribe() {
      sessionStorage.setItem("unsubscribed", "yes");
      sessionStorage.removeItem("subscribed");
      sessionStorage.removeItem("old");
      return Promise.resolve(true);
    },
  };
  const registration = {
    pushManager: {
      getSubscription: () => Promise.resolve(state() ? subscription : null),
      subscribe: (options) => {
        sessionStorage.setItem("options", JSON.stringify({
          userVisibleOnly: options.userVisibleOnly,
          keyBytes: options.applicationServerKey.length,
        }));
        sessionStorage.setItem("subscribed", "yes");
        return Promise.resolve(subscription);
      },
    },
  };
  Object.defineProperty(navigator.serviceWorker, "ready", {
    get: () => Promise.resolve(registration),
  });
})();
"""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _logged_in_page(new_page, live_server, user):
    page = new_page(phone=True)
    client = login_as(Client(), user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return page


def _fake_push(page, *, old_key: bool = False) -> dict:
    browser_key = Vapid()
    browser_key.generate_keys()
    keys = {"p256dh": vapid_public_text(browser_key), "auth": _b64(bytes(range(16)))}
    page.add_init_script(
        FAKE_PUSH
        % {
            "endpoint": json.dumps(ENDPOINT),
            "keys": json.dumps(keys),
            "old_key": json.dumps(old_key),
        }
    )
    return keys


def test_a_patient_turns_phone_reminders_on_and_off(new_page, world, live_server, vapid):
    page = _logged_in_page(new_page, live_server, world.patient_a.user)
    keys = _fake_push(page)
    page.goto("/me/data/reminders/")
    turn_on = page.get_by_role("button", name="Send reminders to this phone")
    turn_on.wait_for()
    assert not page.get_by_text("add WalkBack to your phone's home screen").is_visible()
    turn_on.click()
    page.get_by_text("Done: your reminders will come to this phone too.").wait_for()
    saved = PushSubscription.objects.get()
    assert (saved.user, saved.endpoint, saved.p256dh) == (
        world.patient_a.user,
        ENDPOINT,
        keys["p256dh"],
    )
    options = json.loads(page.evaluate("sessionStorage.getItem('options')"))
    assert options == {"userVisibleOnly": True, "keyBytes": 65}  # the VAPID public key
    stop = page.get_by_role("button", name="Stop reminders on this phone")
    stop.wait_for()
    assert not turn_on.is_visible()
    screenshot(page, "push-panel-subscribed-phone")
    stop.click()
    page.get_by_text("Done: this phone will not get reminders any more.").wait_for()
    assert PushSubscription.objects.count() == 0
    page.get_by_role("button", name="Send reminders to this phone").wait_for()


def test_without_a_service_worker_the_list_and_remove_still_work(
    new_page, world, live_server, vapid
):
    for n, label in enumerate(["Chrome on Android", "Safari on iPhone"]):
        PushSubscription.objects.create(
            user=world.patient_a.user,
            endpoint=f"https://push.example.test/{n}",
            p256dh="B" + "A" * 86,
            auth="A" * 22,
            device_label=label,
        )
    page = _logged_in_page(new_page, live_server, world.patient_a.user)
    page.goto("/me/data/reminders/")
    assert page.get_by_text("add WalkBack to your phone's home screen").is_visible()
    assert not page.get_by_role("button", name="Send reminders to this phone").is_visible()
    screenshot(page, "push-panel-devices-phone")
    page.get_by_role("button", name="Remove Safari on iPhone").click()
    page.get_by_text("Removed: that phone or computer will not get reminders any more.").wait_for()
    assert list(PushSubscription.objects.values_list("device_label", flat=True)) == [
        "Chrome on Android"
    ]
    box = page.get_by_role("button", name="Remove Chrome on Android").bounding_box()
    assert box is not None and box["height"] >= 44  # a finger-sized target


def test_a_subscription_made_with_an_old_key_pair_is_replaced(new_page, world, live_server, vapid):
    page = _logged_in_page(new_page, live_server, world.patient_a.user)
    _fake_push(page, old_key=True)
    page.goto("/me/data/reminders/")
    # Subscribed in the browser, but not on this install's list: offered again.
    turn_on = page.get_by_role("button", name="Send reminders to this phone")
    turn_on.wait_for()
    turn_on.click()
    page.get_by_text("Done: your reminders will come to this phone too.").wait_for()
    assert page.evaluate("sessionStorage.getItem('unsubscribed')") == "yes"
    options = json.loads(page.evaluate("sessionStorage.getItem('options')"))
    assert options == {"userVisibleOnly": True, "keyBytes": 65}
    assert PushSubscription.objects.filter(endpoint=ENDPOINT).exists()
