"""The three demo logins, in a real browser: each lands on its own page."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot
from walkback.demo.seed.foundation import DEMO_PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("email", "phone", "path", "heading"),
    [
        ("admin@demo.test", False, "/clinic/", "Harbour Physio (demo)"),
        ("physio@demo.test", False, "/caseload/", "patients"),
        ("patient@demo.test", True, "/me/", "This week"),
    ],
)
def test_demo_login_lands_on_the_role_home(email, phone, path, heading, new_page):
    call_command("seed_demo", verbosity=0)
    page = new_page(phone=phone)
    log_in(page, email, DEMO_PASSWORD)
    page.goto("/")
    assert page.url.endswith(path)
    assert heading in page.locator("h1").first.inner_text()
    screenshot(page, f"foundation-home-{email.split('@')[0]}")


@pytest.mark.django_db(transaction=True)
def test_login_page_on_a_phone(new_page):
    page = new_page(phone=True)
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill("nobody@demo.test")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("body")).to_contain_text("do not match an account")
    # No sideways scrolling on a 390-pixel screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "foundation-login-phone-error")
