"""Browser tests: real pages in Debian's Chromium, driven by Playwright.

Playwright cannot download its own browser here, so it launches /usr/bin/chromium. Playwright's
sync API runs an event loop in the test thread, so Django's async-safety guard is relaxed for
these tests only (the ORM calls are still synchronous and in one thread).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("WALKBACK_BROWSER", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="session")
def chromium():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium, live_server):
    """``new_page(phone=True)`` opens a fresh context (no cookies) on the live server;
    ``viewport`` overrides the size, ``bypass_csp`` lets a test inject a style."""
    contexts = []

    def make(*, phone: bool = False, viewport: dict | None = None, bypass_csp: bool = False):
        context = chromium.new_context(
            base_url=live_server.url,
            viewport=viewport or (PHONE if phone else DESKTOP),
            is_mobile=phone,
            has_touch=phone,
            accept_downloads=True,
            bypass_csp=bypass_csp,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def totp_now(secret_b32: str) -> str:
    import base64

    from django_otp.oath import totp

    return f"{totp(base64.b32decode(secret_b32), t0=0, step=30):06d}"


def log_in(page, email: str, password: str) -> None:
    """Log in through the real form; staff pass TOTP enrolment with a code computed from the
    key shown on the page, as a person with an authenticator app would."""
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    pass_two_step_setup(page)


def pass_two_step_setup(page) -> None:
    """On the two-step enrolment page (a member of staff's first login), turn it on with a
    code computed from the key shown on the page; elsewhere do nothing."""
    if "/two-step/setup/" in page.url:
        secret = page.locator(".otp-secret").inner_text().replace(" ", "").strip()
        page.get_by_label(re.compile("6-digit code")).fill(totp_now(secret))
        page.get_by_role("button", name="Turn on two-step login").click()
        page.wait_for_load_state()
    if "/two-step/recovery-codes/" in page.url:
        # The recovery codes are shown once, right after turning it on: on to where we were going.
        page.get_by_role("link", name="I have kept my codes: continue").click()
        page.wait_for_load_state()


def screen_as_eligible(page, *, minutes_now: int = 40) -> None:
    """On a patient's screening page: eligible, no safety flags, ``minutes_now`` minutes of
    walking in a usual week; saved."""
    page.check("#id_recovered_in_last_6_months_1")
    page.check("#id_episode_lasted_24h_1")
    page.check("#id_able_to_walk_1")
    page.check("#id_already_active_3_per_week_2")
    page.get_by_label("Walking now (minutes in a usual week)").fill(str(minutes_now))
    page.get_by_role("button", name="Save the screening").click()
