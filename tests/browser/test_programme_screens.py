"""Issue 10's new pages seen in Chromium on a phone (390 x 844) and a desktop: the monthly
check-in that asks again about missed months, and the physiotherapist's plan page (the
prescription form, with its guardrail message). Each must fit without sideways scrolling,
keep its touch targets large and pass axe-core. Screenshots go to
test-artifacts/screenshots/programme-*.png."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from patients.checkins import add_months
from patients.models import CheckIn
from patients.services.check_ins import check_ins_plan
from tests.browser.conftest import log_in, screenshot
from tests.factories import (
    PASSWORD,
    ClinicFactory,
    PatientFactory,
    PrescriptionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"phone": True, "desktop": False}
# WCAG 2.5.5 asks 44 x 44 CSS pixels of a touch target; our radio rows are 52 high.
TOUCH = 44


@pytest.fixture
def catching_up():
    """Check-in 3 is open today; months 1 and 2 were never answered."""
    clinic = ClinicFactory(name="Harbour Physio", time_zone="Australia/Sydney")
    physio = UserFactory(full_name="Priya Physio", clinic=clinic, email="priya@example.test")
    patient = PatientFactory(
        clinic=clinic,
        physiotherapist=physio,
        user__email="pat@example.test",
        user__full_name="Pat Walker",
        baseline_minutes_per_week=60,
    )
    patient.programme_start = add_months(patient.today(), -3)
    patient.save()
    check_ins_plan(patient=patient)
    PrescriptionFactory(
        patient=patient,
        effective_from=patient.programme_start,
        walks_per_week=3,
        minutes_per_walk=20,
        author=physio,
    )
    return patient


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _small_targets(page, selector: str) -> list[str]:
    """The visible controls under ``selector`` smaller than a finger on a phone."""
    return page.evaluate(
        """([selector, least]) => [...document.querySelectorAll(selector)]
            .filter(el => el.offsetParent !== null)
            .map(el => [el, el.getBoundingClientRect()])
            .filter(([el, box]) => box.height < least)
            .map(([el, box]) => `${el.tagName.toLowerCase()}#${el.id || el.htmlFor || ''}`
                                + ` ${Math.round(box.width)}x${Math.round(box.height)}`)""",
        [selector, TOUCH],
    )


def _serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_check_in_with_missed_months(new_page, catching_up, viewport):
    page = new_page(phone=VIEWPORTS[viewport])
    log_in(page, "pat@example.test", PASSWORD)
    page.goto("/me/check-in/")
    assert page.get_by_role("heading", name="This month").is_visible()
    earlier = page.get_by_role("heading", name="Earlier month:")
    assert earlier.count() == 2
    screenshot(page, f"programme-check-in-missed-months-{viewport}")
    problems = {"axe": _serious(page), "fits": _fits(page)}
    problems["small"] = _small_targets(
        page,
        ".check-in-form .choice label, .check-in-form select, .check-in-form input"
        "[type=date], .check-in-form input[type=number], .check-in-form button",
    )
    # Sent with nothing chosen: each month says what is missing, next to its question.
    page.get_by_role("button", name="Send my check-in").click()
    page.wait_for_load_state()
    assert page.locator("#id_month1-any_pain_error").is_visible()
    assert page.locator("#id_month2-any_pain_error").is_visible()
    screenshot(page, f"programme-check-in-missed-months-errors-{viewport}")
    problems["axe-errors"] = _serious(page)
    problems["fits-errors"] = _fits(page)
    assert problems == {
        "axe": [],
        "fits": True,
        "small": [],
        "axe-errors": [],
        "fits-errors": True,
    }, json.dumps(problems, indent=1)
    if viewport == "phone":
        # Answer on the phone: no pain this month, none in month 1, month 2 forgotten.
        page.locator("#id_any_pain_1").check()  # "No"
        page.locator("#id_month1-any_pain_1").check()
        page.get_by_role("radio", name="I don't remember").nth(1).check()
        page.get_by_role("button", name="Send my check-in").click()
        page.wait_for_load_state()
        assert "Thank you for your check-in" in page.get_by_role("status").inner_text()
        rows = {c.month_number: c for c in CheckIn.objects.filter(patient=catching_up)}
        assert rows[1].late and rows[1].any_pain is False
        assert rows[2].unknown_at is not None and rows[3].completed_at is not None


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_plan_page(new_page, catching_up, viewport):
    page = new_page(phone=VIEWPORTS[viewport])
    log_in(page, "priya@example.test", PASSWORD)
    page.goto(f"/caseload/patients/{catching_up.pk}/prescription/")
    assert page.get_by_label("Walks per week").is_visible()
    screenshot(page, f"programme-plan-{viewport}")
    problems = {"axe": _serious(page), "fits": _fits(page)}
    # A dose past the guardrails asks for a reason, next to the field.
    page.get_by_label("Walks per week").fill("7")
    page.get_by_label("Minutes per walk").fill("90")
    page.get_by_label("Rationale").fill("Testing the guardrail.")
    page.get_by_role("button", name="Accept the plan").click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text("Say why to confirm it")
    # Told at the top too: the message next to the field is below the fold.
    assert "this dose asks for a reason" in page.locator("#form-problems").inner_text()
    screenshot(page, f"programme-plan-guardrail-{viewport}")
    problems["axe-guardrail"] = _serious(page)
    problems["fits-guardrail"] = _fits(page)
    assert problems == {
        "axe": [],
        "fits": True,
        "axe-guardrail": [],
        "fits-guardrail": True,
    }, json.dumps(problems, indent=1)
