"""Issue 14, languages (docs/languages.md): the patient's home and "Log a walk" in each shipped
language, Arabic right to left without sideways scroll at 390 px and passing axe.

Screenshots: test-artifacts/screenshots/lang-{en-gb,zh-hans,ar}-{home,walk-form}.png and
lang-ar-{history,learn,check-in,my-data,messages,caseload}.png.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PHONE, log_in, screenshot
from tests.browser.test_phone_layout import CHOICES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "walkback-demo"
ARABIC_LETTERS = re.compile(r"[\u0600-\u06ff]")
CHINESE_LETTERS = re.compile(r"[\u4e00-\u9fff]")
SCRIPT = {"ar": ARABIC_LETTERS, "zh-hans": CHINESE_LETTERS}


@pytest.fixture
def demo(transactional_db):
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)


def _speak(email: str, language: str) -> None:
    from walkback.accounts.models import User

    User.objects.filter(email=email).update(language=language)


def _serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _outside(page) -> list[str]:
    """The elements that reach outside the screen, for the failure message."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(el => { const b = el.getBoundingClientRect();
                            return b.width && (b.left < -1 || b.right > window.innerWidth + 1); })
            .filter(el => !el.closest('.table-responsive, .weeks-wrap'))
            .slice(0, 8)
            .map(el => `${el.tagName.toLowerCase()}.${el.className}`)"""
    )


def _sideways(page) -> int:
    """How far the page scrolls sideways (0 when it fits the screen)."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )


@pytest.mark.parametrize("language", ["en-gb", "zh-hans", "ar"])
def test_home_and_log_a_walk_in_each_language(demo, new_page, language):
    _speak("patient@demo.test", language)
    page = new_page(phone=True)
    log_in(page, "patient@demo.test", PASSWORD)
    page.goto("/me/")
    html = page.locator("html")
    assert html.get_attribute("lang") == language
    assert html.get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    heading = page.locator("h1").first.inner_text()
    if language in SCRIPT:
        assert SCRIPT[language].search(heading), heading
    screenshot(page, f"lang-{language}-home")
    page.goto("/me/walks/new/")
    screenshot(page, f"lang-{language}-walk-form")
    assert _sideways(page) <= 0
    # Every quick choice is whole on screen, its words inside its box (tests/browser/
    # test_phone_layout.py checks the same at larger text sizes in English).
    width = page.evaluate("window.innerWidth")
    for choice in page.evaluate(CHOICES):
        assert choice["left"] >= 0 and choice["right"] <= width, choice
        assert not choice["clipped"], choice
    # Logging a walk works the same in every language: a quick choice, then save.
    page.locator(".chips .choice label").first.click()
    page.locator("form.walk-form button[type=submit], main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/me/")


ARABIC_PAGES = {
    "home": "/me/",
    "walk-form": "/me/walks/new/",
    "history": "/me/history/",
    "learn": "/me/learn/",
    "check-in": "/me/check-in/",
    "my-data": "/me/data/",
    "messages": "/me/messages/",
}


def test_arabic_pages_fit_a_phone_and_pass_axe(demo, new_page):
    _speak("patient@demo.test", "ar")
    page = new_page(phone=True)
    log_in(page, "patient@demo.test", PASSWORD)
    problems = {}
    for name, url in ARABIC_PAGES.items():
        response = page.goto(url)
        assert response.status == 200, (url, response.status)
        assert page.locator("html").get_attribute("dir") == "rtl"
        screenshot(page, f"lang-ar-{name}")
        found = {"sideways": _sideways(page), "axe": _serious(page), "outside": _outside(page)}
        if found["sideways"] > 0 or found["axe"] or found["outside"]:
            problems[name] = found
    assert not problems, problems


def test_arabic_staff_caseload_fits_and_passes_axe(demo, new_page):
    page = new_page(viewport=PHONE)
    # Two-step setup is passed in English (the helper reads its labels); then Arabic.
    log_in(page, "physio@demo.test", PASSWORD)
    _speak("physio@demo.test", "ar")
    page.goto("/caseload/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert ARABIC_LETTERS.search(page.locator("h1").first.inner_text())
    screenshot(page, "lang-ar-caseload")
    assert _sideways(page) <= 0, _outside(page)
    assert _serious(page) == []
