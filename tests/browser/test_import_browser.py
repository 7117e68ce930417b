"""Me → Import walks in Chromium on a 390-pixel phone: upload the demo's sample Apple Health
export, see the preview, save, and see the walks in the history; axe-core on the upload and
preview pages. Screenshots: test-artifacts/screenshots/import-*.png."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from patients.models import WalkLog
from tests.browser.conftest import log_in, screenshot
from tests.browser.test_portal import no_sideways_scroll
from tests.factories import PASSWORD, ClinicFactory, PatientFactory, UserFactory
from walkback.demo.activity_files import SAMPLE_DAYS
from walkback.demo.samples.make_samples import write_samples

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _serious(axe, page) -> list:
    return [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in axe.run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_a_patient_imports_the_sample_on_a_phone(new_page, tmp_path):
    from axe_playwright_python.sync_playwright import Axe

    clinic = ClinicFactory(name="Harbour Physio", time_zone="Australia/Sydney")
    physio = UserFactory(full_name="Priya Physio", clinic=clinic)
    patient = PatientFactory(clinic=clinic, physiotherapist=physio, user__email="pat@example.test")
    yesterday = patient.today() - dt.timedelta(days=1)
    patient.programme_start = yesterday - dt.timedelta(days=SAMPLE_DAYS + 7)
    patient.save()
    # A walk typed by hand on the sample's last day: the preview offers the match.
    WalkLog.objects.create(patient=patient, walked_on=yesterday, minutes=25)
    export, _gpx = write_samples(Path(tmp_path), yesterday, patient.zone)

    axe = Axe()
    page = new_page(phone=True)
    log_in(page, "pat@example.test", PASSWORD)
    page.goto("/me/data/")
    page.get_by_role("link", name="Import walks from my phone or watch").click()
    page.wait_for_load_state()
    problems = {"upload": _serious(axe, page)}
    screenshot(page, "import-upload")

    page.get_by_label("Export file from your phone or watch").set_input_files(str(export))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url("**/me/data/import/*/")
    page.wait_for_load_state()
    screenshot(page, "import-preview")
    problems["preview"] = _serious(axe, page)
    assert no_sideways_scroll(page), "the preview scrolls sideways at 390 px"
    text = page.locator("main").inner_text()
    assert "Nothing is saved yet" in text
    assert "Matches a walk you logged" in text and "Not a walk" in text
    assert not WalkLog.objects.filter(patient=patient, source="imported").exists()

    page.get_by_role("button", name="Save 14 new walks").click()
    page.wait_for_url("**/me/history/")
    page.wait_for_load_state()
    screenshot(page, "import-saved-history")
    assert "Saved 14 walks from your file." in page.locator("main").inner_text()
    assert WalkLog.objects.filter(patient=patient, source="imported").count() == 14
    assert {k: v for k, v in problems.items() if v} == {}, json.dumps(problems, indent=1)
