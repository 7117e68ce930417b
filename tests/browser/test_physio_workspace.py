"""The physiotherapist's path in Chromium: enrol, screen, start the programme, open Session 1,
set a prescription, see it on the patient page. The demo caseload is seeded first so the
screenshots show a real caseload with every flag."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import log_in, screen_as_eligible, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)


def test_enrol_screen_start_and_prescribe(new_page, demo):
    from coaching.models import CoachingSession, Prescription
    from patients.models import Patient, PatientStatus

    page = new_page()
    log_in(page, "physio@demo.test", "walkback-demo")
    page.goto("/caseload/")
    assert page.get_by_role("heading", name="My patients").is_visible()
    # Every flag of the demo caseload is on the first page, most urgent first.
    for label in ("Problem reported", "Pain up", "Behind target 2 weeks", "No log for 7 days"):
        assert page.locator(".flag", has_text=label).first.is_visible()
    screenshot(page, "physio-caseload")

    # Enrol.
    page.get_by_role("link", name="Add a patient").first.click()
    page.get_by_label("Full name").fill("Wendy Walker-Browser")
    page.get_by_label("E-mail address").fill("wendy.browser@example.test")
    page.get_by_label("Date of birth").fill("1980-04-02")
    page.get_by_label("Tuesday").check()
    page.get_by_label("Thursday").check()
    page.get_by_role("button", name="Add and send invitation").click()
    page.wait_for_url(re.compile(r"/patients/\d+/screening/$"))
    patient = Patient.objects.get(user__email="wendy.browser@example.test")
    assert patient.preferred_days == [1, 3]

    # Screen: eligible, no safety flags, 40 minutes a week now.
    screen_as_eligible(page, minutes_now=40)
    page.wait_for_url(re.compile(rf"/patients/{patient.pk}/$"))

    # Start the programme: six sessions on the default schedule.
    page.get_by_role("link", name="Start the programme").click()
    page.get_by_role("button", name="Start and book the sessions").click()
    page.wait_for_url(re.compile(rf"/patients/{patient.pk}/$"))
    patient.refresh_from_db()
    assert patient.status == PatientStatus.ACTIVE
    assert CoachingSession.objects.filter(patient=patient).count() == 6
    for number in range(1, 7):
        assert page.get_by_role("link", name=f"Session {number}", exact=True).is_visible()

    # Session 1: the room summary and the prescription suggestion; nothing is saved yet.
    page.get_by_role("link", name="Session 1", exact=True).click()
    page.wait_for_url(re.compile(r"/caseload/sessions/\d+/$"))
    assert page.get_by_role("heading", name="In the room").is_visible()
    assert "Suggestion: Start." in page.locator(".suggestion").inner_text()
    assert not Prescription.objects.filter(patient=patient).exists()

    page.get_by_role("link", name="Set the prescription").click()
    assert page.get_by_label("Walks per week").input_value() == "3"
    # At or above the baseline of 40 minutes a week (issue 10): 3 × 15, not 3 × 10.
    assert page.get_by_label("Minutes per walk").input_value() == "15"
    page.get_by_label("Rationale").fill("Walks 40 minutes a week now: three short walks to start.")
    page.get_by_role("button", name="Accept the plan").click()
    page.wait_for_url(re.compile(r"/caseload/sessions/\d+/$"))
    page.get_by_label("Goals").fill("Three walks a week after work.")
    page.get_by_label("Why backs hurt: pain in plain words").check()
    page.get_by_label(re.compile("Confidence to follow")).select_option("8")
    page.get_by_role("button", name="Save the record").click()
    page.wait_for_load_state()
    assert page.locator(".alert-success", has_text="Session 1 saved").is_visible()
    screenshot(page, "physio-session")

    # The patient page shows the new prescription and its history.
    page.get_by_role("link", name="Wendy Walker-Browser").first.click()
    page.wait_for_url(re.compile(rf"/patients/{patient.pk}/$"))
    assert "3 × 15 min" in page.locator(".current-prescription").inner_text()
    assert "three short walks to start" in page.locator(".prescription-history").inner_text()
    prescription = Prescription.objects.get(patient=patient)
    assert (prescription.walks_per_week, prescription.minutes_per_walk) == (3, 15)
    assert prescription.session.number == 1

    # A patient with history, for the screenshot of the chart.
    fiona = Patient.objects.get(user__email="fiona.flare@demo.test")
    page.goto(f"/patients/{fiona.pk}/")
    assert page.locator("svg.progress-chart").is_visible()
    assert "Step down" in page.locator(".suggestion").inner_text()
    screenshot(page, "physio-patient")
