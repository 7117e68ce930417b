"""No typed work lost, in Chromium on a 390-pixel phone (docs/security.md#sessions-and-drafts):
the warning before the idle timeout and "Stay signed in"; typing through the timeout, saving,
logging in again and finding the walk still typed; the two-step set-up page, the recovery
codes and the account page with a kept phone. Screenshots: test-artifacts/screenshots/
sessions-*.png; each page also passes axe-core and does not scroll sideways."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from django.conf import settings

from patients.checkins import add_months
from patients.models import WalkLog
from tests.browser.conftest import log_in, screenshot, totp_now
from tests.factories import (
    PASSWORD,
    ClinicFactory,
    PatientFactory,
    PrescriptionFactory,
    UserFactory,
)
from walkback.accounts.models import DeviceSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "pat@example.test"


@pytest.fixture
def patient():
    clinic = ClinicFactory(name="Harbour Physio", time_zone="Australia/Sydney")
    physio = UserFactory(full_name="Priya Physio", clinic=clinic)
    patient = PatientFactory(
        clinic=clinic, physiotherapist=physio, user__email=EMAIL, user__full_name="Pat Walker"
    )
    patient.programme_start = add_months(patient.today(), -1) + dt.timedelta(days=3)
    patient.save()
    PrescriptionFactory(
        patient=patient,
        effective_from=patient.programme_start,
        walks_per_week=5,
        minutes_per_walk=30,
        author=physio,
    )
    return patient


def _axe_problems(page) -> list:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    problems = [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
        problems.append("scrolls sideways at 390 px")
    return problems


def test_warning_stay_signed_in_and_a_walk_typed_through_the_timeout(new_page, patient, settings):
    # A short timeout so the test takes seconds: warned 5 s after a page loads.
    settings.PATIENT_IDLE_TIMEOUT_SECONDS = 10
    settings.IDLE_WARNING_SECONDS = 5
    page = new_page(phone=True)
    log_in(page, EMAIL, PASSWORD)
    page.goto("/me/walks/new/")
    warning = page.get_by_role("alert").filter(has_text="signed out")
    assert not warning.is_visible()
    page.get_by_label("Minutes", exact=True).fill("35")
    page.get_by_label("Note (optional)").fill("Round the park with Sam")
    page.get_by_role("button", name="Stay signed in").wait_for(state="visible", timeout=9_000)
    assert "For your safety you will be signed out" in warning.inner_text()
    screenshot(page, "sessions-idle-warning")
    assert _axe_problems(page) == []

    # "Stay signed in" extends the session without leaving the page or losing the typing.
    page.get_by_role("button", name="Stay signed in").click()
    page.get_by_role("button", name="Stay signed in").wait_for(state="hidden")
    assert page.url.endswith("/me/walks/new/")
    assert page.get_by_label("Minutes", exact=True).input_value() == "35"

    # Left alone, the warning comes back and then says the person has been signed out.
    page.get_by_text("You have been signed out").wait_for(state="visible", timeout=20_000)
    screenshot(page, "sessions-idle-signed-out")
    assert page.get_by_label("Note (optional)").input_value() == "Round the park with Sam"

    # Saving now keeps the walk for them; after logging in it is back in the form, unsaved.
    # (The server counts whole seconds: wait until it is surely past its limit too.)
    page.wait_for_timeout(2_500)
    page.get_by_role("button", name="Save my walk").click()
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url
    assert page.get_by_text("What you typed is kept").is_visible()
    settings.PATIENT_IDLE_TIMEOUT_SECONDS = 3600
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert page.url.endswith("/me/walks/new/")
    assert page.get_by_label("Minutes", exact=True).input_value() == "35"
    assert page.get_by_label("Note (optional)").input_value() == "Round the park with Sam"
    assert page.get_by_text("Here is what you typed").is_visible()
    screenshot(page, "sessions-draft-given-back")
    assert not WalkLog.objects.filter(patient=patient, minutes=35).exists()
    page.get_by_role("button", name="Save my walk").click()
    page.wait_for_load_state()
    assert WalkLog.objects.filter(patient=patient, minutes=35).count() == 1


def test_two_step_setup_recovery_codes_and_the_account_page(new_page, patient):
    page = new_page(phone=True)
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Keep me signed in on this phone").check()
    screenshot(page, "sessions-login-keep-signed-in")
    problems = {"login": _axe_problems(page)}
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert DeviceSession.objects.filter(user=patient.user).count() == 1

    page.goto("/accounts/two-step/setup/")
    link = page.get_by_role("link", name="Open my authenticator app")
    assert link.get_attribute("href").startswith("otpauth://totp/")
    secret = page.locator(".otp-secret").inner_text()
    groups = secret.split()
    assert len(groups) > 4 and all(len(group) <= 4 for group in groups)
    screenshot(page, "sessions-two-step-setup")
    problems["setup"] = _axe_problems(page)
    code = totp_now("".join(groups))
    assert base64.b32decode("".join(groups))
    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Turn on two-step login").click()
    page.wait_for_load_state()
    assert "/two-step/recovery-codes/" in page.url
    assert page.locator(".recovery-codes li").count() == 10
    screenshot(page, "sessions-recovery-codes")
    problems["recovery-codes"] = _axe_problems(page)
    page.get_by_role("link", name="I have kept my codes: continue").click()
    page.wait_for_load_state()

    page.goto("/accounts/security/")
    assert page.get_by_text("This phone", exact=True).is_visible()
    assert page.get_by_text("10 recovery codes").is_visible()
    assert page.get_by_role("button", name="Sign out everywhere").is_visible()
    screenshot(page, "sessions-account-page")
    problems["account"] = _axe_problems(page)
    # Every button of the page is a large touch target (WCAG 2.5.5's 44 px).
    heights = page.eval_on_selector_all(
        "main .btn", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44, heights
    assert {name: found for name, found in problems.items() if found} == {}, json.dumps(
        problems, indent=1
    )
    assert settings.DEVICE_SESSION_DAYS == 30
