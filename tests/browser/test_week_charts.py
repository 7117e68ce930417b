"""The demo patient's weeks, seen by the patient on a phone (history) and by their
physiotherapist on a desktop (patient page): one chart module, the same rows, the same target
for every week. The demo's prescriptions change on the programme's start weekday, so the
targets include pro-rated first and change weeks whenever the start was not a Monday.
Screenshots: test-artifacts/screenshots/weeks-portal-history.png, weeks-physio-patient.png."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "walkback-demo"


@pytest.fixture
def pat(transactional_db):
    from django.core.management import call_command

    from patients.models import Patient

    call_command("seed_demo", verbosity=0)
    return Patient.objects.get(user__email="patient@demo.test")


def _number(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def test_history_and_patient_page_draw_the_same_weeks(new_page, pat):
    phone = new_page(phone=True)
    log_in(phone, "patient@demo.test", PASSWORD)
    phone.goto("/me/history/")
    chart = phone.locator("svg.progress-chart-phone")
    assert chart.is_visible()
    portal = {}
    for row in phone.locator("table.weeks-table tbody tr").all():
        monday = row.locator("th a").get_attribute("href").rstrip("/").rsplit("/", 1)[1]
        portal[dt.date.fromisoformat(monday)] = _number(row.locator("td").nth(1).inner_text())
    # One bar (with its tooltip) for each of the last 12 weeks of the table.
    assert chart.locator("rect.chart-bar > title").count() == min(12, len(portal))
    screenshot(phone, "weeks-portal-history")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    desk = new_page()
    log_in(desk, "physio@demo.test", PASSWORD)
    desk.goto(f"/patients/{pat.pk}/")
    assert desk.locator("svg.progress-chart").first.is_visible()
    desk.get_by_text("Show the figures as a table").click()
    staff = {}
    for row in desk.locator(".progress-figure + details table tbody tr").all():
        cells = row.locator("td")
        starting = dt.datetime.strptime(cells.nth(0).inner_text().strip(), "%d %b %Y").date()
        staff[starting] = _number(cells.nth(2).inner_text())
    screenshot(desk, "weeks-physio-patient")

    # The staff page starts at the programme's first week; the portal may also show earlier
    # weeks with walks. Every week both show has the same target.
    assert staff and set(staff) <= set(portal)
    assert {monday: portal[monday] for monday in staff} == staff
    assert len({target for target in staff.values() if target}) >= 3  # the plan progressed
