"""The data-rights pages in Chromium (docs/security.md#data-rights): the patient on a 390-pixel
phone corrects their details, sees who opened their record and asks for their account to be
closed; the clinic admin on a desktop decides, and reads and downloads the audit trail. Each
page passes axe-core (nothing serious or critical). Screenshots go to
test-artifacts/screenshots/rights-*.png."""

from __future__ import annotations

import csv
import io
import json

import pytest
from playwright.sync_api import expect

from patients.models import AccountClosing, ClosingState
from tests.browser.conftest import log_in, screenshot
from tests.browser.test_portal import no_sideways_scroll
from tests.factories import PASSWORD, AuditEventFactory, ClinicFactory, PatientFactory, UserFactory
from walkback.accounts.models import Role, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clinic_people():
    clinic = ClinicFactory(name="Harbour Physio", time_zone="Australia/Sydney")
    physio = UserFactory(full_name="Priya Physio", clinic=clinic)
    admin = UserFactory(
        full_name="Alex Admin", email="alex@example.test", role=Role.CLINIC_ADMIN, clinic=clinic
    )
    patient = PatientFactory(
        clinic=clinic,
        physiotherapist=physio,
        user__email="pat@example.test",
        user__full_name="Pat Walker",
    )
    for view in ("patient-detail", "session", "caseload"):
        AuditEventFactory(actor=physio, patient=patient, clinic=clinic, detail={"view": view})
    return {"clinic": clinic, "physio": physio, "admin": admin, "patient": patient}


def _serious(axe, page) -> list:
    results = axe.run(page)
    return [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_the_patient_corrects_sees_and_asks_to_close_on_a_phone(new_page, clinic_people):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    problems: dict[str, list] = {}
    page = new_page(phone=True)
    log_in(page, "pat@example.test", PASSWORD)

    page.goto("/me/data/")
    screenshot(page, "rights-patient-me")
    page.get_by_role("link", name="Correct my name, phone or e-mail").click()
    page.get_by_label("Phone number").fill("call me")
    page.get_by_role("button", name="Save my details").click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text("not a phone number we can use")
    screenshot(page, "rights-patient-details-error")
    problems["details-error"] = _serious(axe, page)
    page.get_by_label("Phone number").fill("0491 570 157")
    page.get_by_role("button", name="Save my details").click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text("Your details are saved.")
    assert str(User.objects.get(email="pat@example.test").phone) == "+61491570157"

    page.get_by_role("link", name="Who has seen my record").click()
    page.wait_for_load_state()
    assert page.get_by_text("Priya Physio").count() == 3
    expect(page.locator("body")).to_contain_text("Opened your record")
    screenshot(page, "rights-patient-seen")
    problems["seen"] = _serious(axe, page)
    if not no_sideways_scroll(page):
        problems["seen"].append("scrolls sideways at 390 px")

    page.goto("/me/data/close/")
    page.get_by_role("button", name="Ask the clinic to close my account").click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text("Tick the box to say you understand")
    screenshot(page, "rights-patient-close-error")
    problems["close-error"] = _serious(axe, page)
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Ask the clinic to close my account").click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text("Your request is with the clinic")
    screenshot(page, "rights-patient-close-asked")
    problems["close-asked"] = _serious(axe, page)
    if not no_sideways_scroll(page):
        problems["close-asked"].append("scrolls sideways at 390 px")
    assert AccountClosing.objects.get().state == ClosingState.REQUESTED
    assert {k: v for k, v in problems.items() if v} == {}, json.dumps(problems, indent=1)


def test_the_admin_decides_and_reads_the_trail_on_a_desktop(new_page, clinic_people):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    problems: dict[str, list] = {}
    patient = clinic_people["patient"]
    AccountClosing.objects.create(patient=patient)
    page = new_page()
    log_in(page, "alex@example.test", PASSWORD)

    page.goto("/clinic/closings/")
    expect(page.locator("body")).to_contain_text("Pat Walker")
    screenshot(page, "rights-admin-closings")
    problems["closings"] = _serious(axe, page)
    decision = page.get_by_role("group", name="How to close it")
    decision.get_by_label("Closed, programme data kept without the name").check()
    page.get_by_label("I understand this cannot be undone.").check()
    page.get_by_role("button", name="Close the account").click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text(f"The account of patient #{patient.pk} is closed.")
    expect(page.locator("body")).to_contain_text("No requests are waiting.")
    screenshot(page, "rights-admin-closings-done")
    assert User.objects.get(pk=patient.user_id).full_name == ""

    page.goto("/clinic/audit/")
    page.get_by_label("Done by").select_option(label="Priya Physio")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert page.locator("tbody tr").count() == 3
    screenshot(page, "rights-admin-audit-trail")
    problems["audit"] = _serious(axe, page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    with open(info.value.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert rows[0][:3] == ["When (UTC)", "When (clinic time)", "Done by"]
    assert len(rows) == 4 and {row[2] for row in rows[1:]} == {"Priya Physio"}
    assert {k: v for k, v in problems.items() if v} == {}, json.dumps(problems, indent=1)
