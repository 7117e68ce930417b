"""Look at texts being chosen in Chromium on a phone: confirm the number with the code that
went to the (fake) provider, then pick text messages on "Me → Reminders"; both pages pass
axe and do not scroll sideways."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache

from coaching.models import Reminder
from tests.browser.conftest import log_in, screenshot
from tests.factories import PASSWORD, ClinicFactory, PatientFactory
from walkback.demo.bench.fake_twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    FakeTwilio,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def provider(settings):
    fake = FakeTwilio()
    settings.REMINDER_CHANNELS = {
        **settings.REMINDER_CHANNELS,
        "sms": "coaching.reminders.sms.twilio.TwilioSmsChannel",
    }
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = FROM_NUMBER
    settings.TWILIO_API_BASE_URL = fake.url
    cache.clear()
    yield fake
    fake.close()


def _axe_serious(page) -> list:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_confirm_the_number_and_choose_texts_on_a_phone(new_page, provider):
    clinic = ClinicFactory(name="Harbour Physio", time_zone="Australia/Sydney")
    patient = PatientFactory(
        clinic=clinic,
        user__email="pat@example.test",
        user__full_name="Pat Walker",
        user__phone="+61491570156",
        reminder_days=[0, 1, 2, 3, 4, 5, 6],
        reminder_time=dt.time(17, 0),
    )
    page = new_page(phone=True)
    log_in(page, "pat@example.test", PASSWORD)
    page.goto("/me/data/reminders/")
    assert page.get_by_label("Text message (SMS) to my mobile").count() == 0
    screenshot(page, "sms-reminders-before")
    page.get_by_role("link", name="Confirm my mobile number").first.click()
    page.wait_for_url("**/reminders/phone/")
    page.get_by_role("button", name="Text me a code").click()
    page.wait_for_url("**/reminders/phone/")
    assert page.get_by_text("We have sent a code to your mobile.").is_visible()
    assert _axe_serious(page) == []
    screenshot(page, "sms-verify-code-sent")
    code = re.search(r"\b(\d{6})\b", provider.accepted[-1]["Body"]).group(1)
    page.get_by_label("The 6-digit code we texted you").fill("000000" if code != "000000" else "1")
    page.get_by_role("button", name="Confirm my number").click()
    page.wait_for_load_state()
    assert page.get_by_text("That code is not right.").is_visible()
    screenshot(page, "sms-verify-wrong-code")
    page.get_by_label("The 6-digit code we texted you").fill(code)
    page.get_by_role("button", name="Confirm my number").click()
    page.wait_for_url("**/me/data/reminders/")
    page.get_by_label("Text message (SMS) to my mobile").check()
    assert _axe_serious(page) == []
    screenshot(page, "sms-reminders-choose-texts")
    page.get_by_role("button", name="Save my reminders").click()
    page.wait_for_url("**/me/data/")
    patient.refresh_from_db()
    assert patient.reminder_channels == ["email", "sms"]
    assert Reminder.objects.filter(patient=patient, channel="sms").exists()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]
