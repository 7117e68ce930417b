"""The clinic admin's area in Chromium: the demo admin opens the dashboard, narrows it, and
downloads a CSV export; screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

from tests.browser.conftest import log_in, screenshot
from walkback.demo.seed.foundation import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch_console(page) -> list[str]:
    """Collect console errors: a CSP violation (inline style or script) shows up here."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def test_demo_admin_dashboard_and_csv_download(new_page):
    call_command("seed_demo")
    page = new_page()
    errors = _watch_console(page)
    log_in(page, "admin@demo.test", DEMO_PASSWORD)

    page.goto("/clinic/")
    assert page.get_by_role("heading", name="Programme fidelity").is_visible()
    assert page.get_by_role("heading", name="Outcomes").is_visible()
    assert page.locator("svg.chart[role=img]").count() >= 7
    assert "Figures as of" in page.locator(".freshness").inner_text()
    assert "Northside" not in page.content()
    screenshot(page, "reports-dashboard")

    # A period that ends before it starts is refused next to the field.
    page.get_by_label("From", exact=True).fill("2025-06-01")
    page.get_by_label("To", exact=True).fill("2025-01-01")
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_load_state()
    assert "ends before it starts" in page.locator(".invalid-feedback").inner_text()
    screenshot(page, "reports-dashboard-bad-period")

    page.goto("/clinic/exports/")
    page.get_by_label("What to export").select_option(label="Walk logs")
    screenshot(page, "reports-exports")
    with page.expect_download() as info:
        page.get_by_role("button", name="Export").click()
    download = info.value
    assert download.suggested_filename.startswith("walkback-walks-")
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8") as handle:
        text = handle.read()
    assert text.startswith("\ufeff")  # the byte order mark Excel needs to read accents
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == [
        "patient_id",
        "patient_name",
        "walked_on",
        "minutes",
        "steps",
        "pain",
        "source",
    ]
    assert len(rows) > 100
    names = {row[1] for row in rows[1:]}
    assert "Olivia Brennan" in names
    assert not any("Northside" in name for name in names)

    page.goto("/accounts/staff/")
    screenshot(page, "reports-staff-caseloads")
    page.get_by_role("link", name="patients of Sam Second").click()
    page.wait_for_load_state()
    screenshot(page, "reports-staff-caseload")
    assert not errors, errors
