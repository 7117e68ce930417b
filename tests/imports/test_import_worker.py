"""A large upload is read by a real Celery worker on PostgreSQL and Redis: the task gets the
batch's id only, reads the file from private storage, writes the preview with its progress,
and deletes the file."""

from __future__ import annotations

import datetime as dt
import random
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from patients.imports import services
from patients.imports.models import ImportBatch, ImportState
from patients.models import WalkLog
from tests.imports.files import SYDNEY, at, export_with
from walkback.demo.activity_files import Workout, daily_steps

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def _finished(batch: ImportBatch, group) -> ImportBatch:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.state in (ImportState.READY, ImportState.FAILED):
            break
        time.sleep(0.2)
    assert batch.state == ImportState.READY, f"batch is {batch.state}\n{group.log_text()}"
    return batch


def test_a_large_export_is_previewed_by_a_worker(world, workers, tmp_path, settings):
    media_root = tmp_path / "media"
    settings.MEDIA_ROOT = media_root
    settings.WALKBACK_IMPORT_INLINE_BYTES = 1000
    group = workers(WALKBACK_MEDIA_ROOT=str(media_root))
    group.start("imports", queues="reports")

    first = dt.date(2024, 1, 1)
    days = [first + dt.timedelta(days=n) for n in range(120)]
    workouts = [Workout(start=at(day, 7, 15), minutes=30) for day in days[::2]]
    data = export_with(workouts, daily_steps(days, SYDNEY, rng=random.Random(1)))
    patient = world.patient_a
    batch = services.import_upload(
        patient=patient, by=patient.user, upload=SimpleUploadedFile("export.zip", data)
    )
    assert batch.state == ImportState.PENDING
    assert (media_root / batch.stored_as).exists()

    batch = _finished(batch, group)
    assert batch.preview["counts"] == {"new": 60}
    assert batch.bytes_done == batch.size and batch.percent == 100
    assert not list((media_root / "imports").iterdir())  # the upload is gone
    logs = group.log_text()
    assert "imports.parse" in logs and "Margaret" not in logs  # no file content in the logs

    assert services.import_confirm(batch=batch, by=patient.user) == 60
    assert WalkLog.objects.filter(patient=patient, source="imported").count() == 60
