"""Each of the five formats goes through Me → Import walks and lands on the patient's own day.

Fitbit and Google Fit write local times with no offset: the pipeline reads them in the
patient's zone (``formats.parse_options``), so a walk at 23:30 in Sydney stays on that day."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from patients.imports.models import ImportBatch
from patients.models import WalkLog
from tests.imports import fit_files
from tests.imports.test_parsers_fitbit import exercise
from tests.imports.test_parsers_google_fit import daily_csv

pytestmark = pytest.mark.django_db


def _import(client, name: str, content: bytes) -> None:
    response = client.post(reverse("portal:import"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = ImportBatch.objects.latest("created_at")
    saved = client.post(reverse("portal:import-save", args=[batch.pk]))
    assert saved.status_code == 302


def test_a_fit_walk_is_saved_with_its_source(world, client_for):
    _import(client_for(world.patient_a.user), "Morning_Walk.fit", fit_files.walking())
    walk = WalkLog.objects.get(patient=world.patient_a)
    assert (walk.minutes, walk.import_source) == (30, "fit")
    assert walk.walked_on == fit_files.MORNING.astimezone(world.patient_a.zone).date()


def test_a_late_fitbit_walk_stays_on_the_patients_own_day(world, client_for):
    late = exercise(
        log_id=77, start="03/05/24 23:30:00", duration=1_200_000, activeDuration=1_200_000
    )
    content = json.dumps([late]).encode()
    _import(client_for(world.patient_a.user), "exercise-0.json", content)
    walk = WalkLog.objects.get(patient=world.patient_a)
    assert (walk.walked_on, walk.minutes, walk.import_source_id) == (dt.date(2024, 3, 5), 20, "77")


def test_a_google_fit_day_of_walking_is_one_walk(world, client_for):
    content = daily_csv({"Date": "2024-03-05", "Walking duration (ms)": "2400000"})
    _import(client_for(world.patient_a.user), "Daily activity metrics.csv", content)
    walk = WalkLog.objects.get(patient=world.patient_a)
    assert (walk.walked_on, walk.minutes, walk.import_source) == (
        dt.date(2024, 3, 5),
        40,
        "google_fit",
    )
