"""Issue 11 in Chromium: the admin deactivates a physiotherapist after moving their patients,
a physiotherapist corrects an old walk (both on a desktop), and a patient on a 390-pixel phone
is asked "are you sure?" before a 200-minute walk is saved. Each page gets an axe-core check;
screenshots go to test-artifacts/screenshots/staff-deactivate*.png, walk-correct*.png and
portal-long-walk-question.png."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from patients.models import Patient, WalkLog
from tests.browser.conftest import log_in, screenshot
from tests.factories import (
    PASSWORD,
    ClinicFactory,
    CoachingSessionFactory,
    PatientFactory,
    PrescriptionFactory,
    UserFactory,
    WalkLogFactory,
)
from walkback.accounts.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def serious_axe_violations(page) -> list:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def clinic():
    clinic = ClinicFactory(name="Harbour Physio", time_zone="Australia/Sydney")
    admin = UserFactory(
        email="admin@harbour.test", full_name="Ada Admin", role=Role.CLINIC_ADMIN, clinic=clinic
    )
    leaver = UserFactory(email="leo@harbour.test", full_name="Leo Leaving", clinic=clinic)
    priya = UserFactory(email="priya@harbour.test", full_name="Priya Physio", clinic=clinic)
    sam = UserFactory(email="sam@harbour.test", full_name="Sam Staying", clinic=clinic)
    patients = []
    for n, name in enumerate(["Alma Brook", "Bert Cole", "Cora Dunn"]):
        patient = PatientFactory(
            clinic=clinic,
            physiotherapist=leaver,
            user__email=f"p{n}@harbour.test",
            user__full_name=name,
        )
        patient.programme_start = patient.today() - dt.timedelta(days=70)
        patient.save()
        patients.append(patient)
    CoachingSessionFactory(
        patient=patients[0], number=2, scheduled_at=timezone.now() + dt.timedelta(days=4)
    )
    return {"admin": admin, "leaver": leaver, "priya": priya, "sam": sam, "patients": patients}


def test_the_admin_moves_a_leavers_patients_and_deactivates_them(new_page, clinic):
    page = new_page()
    log_in(page, "admin@harbour.test", PASSWORD)
    page.goto("/accounts/staff/")
    page.get_by_role("link", name="Deactivate Leo Leaving").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Deactivate Leo Leaving").is_visible()
    screenshot(page, "staff-deactivate")
    assert serious_axe_violations(page) == []

    # Only one patient chosen, nothing for all: a message by each other patient's select.
    page.get_by_label("Move Alma Brook to").select_option(label="Sam Staying")
    page.get_by_role("button", name="Move 3 patients and deactivate Leo Leaving").click()
    page.wait_for_load_state()
    assert page.get_by_text("Choose who takes over Bert Cole").is_visible()
    screenshot(page, "staff-deactivate-errors")
    assert serious_axe_violations(page) == []

    page.get_by_label("Move all patients to").select_option(label="Priya Physio")
    page.get_by_role("button", name="Move 3 patients and deactivate Leo Leaving").click()
    page.wait_for_load_state()
    assert page.get_by_text("Leo Leaving can no longer log in").is_visible()
    screenshot(page, "staff-deactivate-done")
    owners = dict(
        Patient.objects.filter(clinic=clinic["leaver"].clinic).values_list(
            "user__full_name", "physiotherapist__full_name"
        )
    )
    assert owners == {"Alma Brook": "Sam Staying", "Bert Cole": "Priya Physio",
                      "Cora Dunn": "Priya Physio"}  # fmt: skip


def test_a_physio_corrects_an_old_walk(new_page, clinic):
    patient = clinic["patients"][0]
    PrescriptionFactory(patient=patient, effective_from=patient.programme_start)
    walked = patient.today() - dt.timedelta(days=40)
    walk = WalkLogFactory(patient=patient, walked_on=walked, minutes=200, note="Round the bay")
    WalkLog.objects.filter(pk=walk.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    page = new_page()
    log_in(page, "leo@harbour.test", PASSWORD)
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("link", name="All walks, and correcting one").click()
    page.get_by_role("link", name=f"Correct the walk of {walked:%-d %B %Y}").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Correct a walk").is_visible()
    page.get_by_label("Minutes").fill("20")
    page.get_by_label("Reason (the patient reads it)").fill("200 was a typing slip for 20.")
    screenshot(page, "walk-correct")
    assert serious_axe_violations(page) == []
    page.get_by_role("button", name="Save the correction").click()
    page.wait_for_load_state()
    assert page.get_by_text("Walk corrected.").is_visible()
    assert page.get_by_text("Logged as 200 min").is_visible()
    screenshot(page, "walk-correct-done")
    walk.refresh_from_db()
    assert (walk.minutes, walk.original_minutes) == (20, 200)

    # The patient, on their phone, reads the correction on that week's history.
    phone = new_page(phone=True)
    log_in(phone, "p0@harbour.test", PASSWORD)
    monday = walked - dt.timedelta(days=walked.weekday())
    phone.goto(f"/me/history/{monday.isoformat()}/")
    assert phone.get_by_text(
        "Corrected by your physiotherapist: 200 was a typing slip"
    ).is_visible()
    screenshot(phone, "portal-walk-corrected")
    assert serious_axe_violations(phone) == []


def test_a_patient_is_asked_before_a_long_walk_is_saved(new_page, clinic):
    from tests.browser.test_portal import no_sideways_scroll

    patient = clinic["patients"][1]
    PrescriptionFactory(patient=patient, effective_from=patient.programme_start)
    page = new_page(phone=True)
    log_in(page, "p1@harbour.test", PASSWORD)
    page.goto("/me/walks/new/")
    page.get_by_label("Minutes").fill("200")
    page.get_by_role("button", name="Save my walk").click()
    page.wait_for_load_state()
    assert page.get_by_text("Are you sure? 200 minutes is a long walk.").is_visible()
    assert not WalkLog.objects.filter(patient=patient).exists()
    screenshot(page, "portal-long-walk-question")
    assert serious_axe_violations(page) == []
    assert no_sideways_scroll(page)
    page.get_by_role("button", name="Yes, I walked 200 minutes").click()
    page.wait_for_load_state()
    assert list(WalkLog.objects.filter(patient=patient).values_list("minutes", flat=True)) == [200]
