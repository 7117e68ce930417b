"""Outcome questionnaires in Chromium (issue 15): a patient on a 390-pixel phone answers the PEG
from the home page's card, first with an answer missing (the message next to the question,
nothing saved), then completely; the physiotherapist sees the scores, the chart with the
minimal important change and STarT Back's risk group. axe-core finds nothing serious on any
of the pages. Screenshots: test-artifacts/screenshots/proms-*.png."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import cast

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coaching.proms.instruments import instruments
from coaching.proms.models import QuestionnaireResponse
from coaching.proms.scoring import score
from patients.models import Patient
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.factories import PASSWORD, ClinicFactory, PatientFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _serious(axe, page) -> list:
    results = axe.run(page)
    return [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def people():
    clinic = ClinicFactory(name="Harbour Physio", time_zone="Australia/Sydney")
    physio = UserFactory(full_name="Priya Physio", clinic=clinic, email="priya@example.test")
    patient = cast(
        Patient,
        PatientFactory(
            clinic=clinic,
            physiotherapist=physio,
            user__email="pat@example.test",
            user__full_name="Pat Walker",
        ),
    )
    # Week 27 of the programme: the week-26 questionnaires are open.
    patient.programme_start = patient.today() - dt.timedelta(weeks=26, days=3)
    patient.save()
    available = instruments()
    history: dict[int, dict[str, dict]] = {
        0: {
            "startback": {
                "leg_pain": "agree",
                "shoulder_neck": "disagree",
                "walked_short": "agree",
                "dressed_slowly": "agree",
                "not_safe": "disagree",
                "worrying": "agree",
                "never_better": "disagree",
                "not_enjoyed": "disagree",
                "bothersome": "very_much",
            },
            "nprs": {"pain": 7},
            "peg": {"pain": 7, "enjoyment": 6, "activity": 7},
        },
        12: {"nprs": {"pain": 5}, "peg": {"pain": 5, "enjoyment": 5, "activity": 4}},
        26: {"nprs": {"pain": 3}},
    }
    for week, answered in history.items():
        for key, answers in answered.items():
            result = score(available[key], answers)
            QuestionnaireResponse.objects.create(
                patient=patient,
                instrument=key,
                version=1,
                week=week,
                answers=answers,
                score=result.score,
                subscales={k: str(v) for k, v in result.subscales.items()},
                band=result.band.key if result.band else "",
                answered_by=patient.user,
                completed_at=timezone.now(),
            )
    return {"physio": physio, "patient": patient}


def test_patient_answers_on_a_phone_and_the_physio_sees_the_chart(new_page, people):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    problems: dict[str, list] = {}
    page = new_page(phone=True)
    log_in(page, "pat@example.test", PASSWORD)
    page.goto("/me/")
    expect(page.get_by_role("heading", name="A few questions about your back")).to_be_visible()
    page.get_by_role("link", name="Answer the questions").click()
    page.wait_for_load_state()
    problems["list"] = _serious(axe, page)
    screenshot(page, "proms-patient-list")
    page.get_by_role("link", name="Pain, enjoyment and activity (PEG)").click()
    page.wait_for_load_state()
    problems["form"] = _serious(axe, page)
    screenshot(page, "proms-patient-peg")
    # The number buttons are large enough to tap (WCAG 2.5.5's 44 px).
    box = page.locator("label[for='id_pain_4']").bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    page.locator("label[for='id_pain_4']").click()
    page.locator("label[for='id_activity_3']").click()
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    expect(page.locator("#id_enjoyment_error")).to_have_text("Please answer this question.")
    expect(page.get_by_role("alert")).to_contain_text("Nothing has been saved yet")
    assert not QuestionnaireResponse.objects.filter(instrument="peg", week=26).exists()
    problems["form-error"] = _serious(axe, page)
    screenshot(page, "proms-patient-peg-error")
    page.locator("label[for='id_enjoyment_2']").click()
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text("Your answers to “Pain, enjoyment and activity")
    saved = QuestionnaireResponse.objects.get(instrument="peg", week=26)
    assert saved.score == Decimal("3.00")
    screenshot(page, "proms-patient-saved")

    staff = new_page()
    log_in(staff, "priya@example.test", PASSWORD)
    staff.goto(f"/questionnaires/patients/{people['patient'].pk}/")
    expect(staff.locator("body")).to_contain_text("STarT Back at enrolment: Medium risk")
    expect(staff.locator("body")).to_contain_text("better by 4")
    expect(staff.locator("svg.outcome-chart").first).to_be_visible()
    problems["staff"] = _serious(axe, staff)
    screenshot(staff, "proms-staff-chart")
    staff.goto(f"/patients/{people['patient'].pk}/")
    expect(staff.locator("#proms-h")).to_be_visible()
    screenshot(staff, "proms-staff-patient-page")
    assert not any(problems.values()), problems


def test_the_form_works_without_javascript(chromium, live_server, people):
    context = chromium.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, java_script_enabled=False
    )
    page = context.new_page()
    log_in(page, "pat@example.test", PASSWORD)
    page.goto("/me/questionnaires/peg/")
    for field, value in (("pain", 2), ("enjoyment", 2), ("activity", 2)):
        page.locator(f"label[for='id_{field}_{value}']").click()
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    assert QuestionnaireResponse.objects.get(instrument="peg", week=26).score == 2
    context.close()
