"""Me → Import walks through the pages: upload, preview, save; the demo's sample file; the
physiotherapist's walks list naming imported walks; the pages' query counts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.imports.models import ImportBatch, ImportState
from patients.models import WalkLog
from tests.imports.files import realistic_export
from walkback.demo.activity_files import SAMPLE_DAYS
from walkback.demo.samples.make_samples import END_DAY

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "walkback" / "demo" / "samples"
DAY = dt.date(2024, 3, 5)


def test_upload_preview_and_save(world, client_for):
    client = client_for(world.patient_a.user)
    page = client.get(reverse("portal:import"))
    assert page.status_code == 200 and b'enctype="multipart/form-data"' in page.content
    response = client.post(
        reverse("portal:import"), {"file": SimpleUploadedFile("export.xml", realistic_export(DAY))}
    )
    batch = ImportBatch.objects.get(patient=world.patient_a)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:import-batch", args=[batch.pk])
    preview = client.get(response["Location"])
    text = preview.content.decode()
    assert "Nothing is saved yet" in text and "Save 1 new walk" in text
    assert "Running is not a walk." in text and "Tue 5 Mar 2024" in text
    assert "Refresh" not in preview
    assert not WalkLog.objects.exists()

    saved = client.post(reverse("portal:import-save", args=[batch.pk]))
    assert saved.status_code == 302 and saved["Location"] == reverse("portal:history")
    assert WalkLog.objects.filter(patient=world.patient_a).count() == 1
    after = client.get(reverse("portal:import-batch", args=[batch.pk]))
    assert "Saved 1 walk from export.xml" in after.content.decode()


def test_a_bad_file_shows_its_message_next_to_the_field(world, client_for, settings):
    client = client_for(world.patient_a.user)
    settings.WALKBACK_IMPORT_MAX_BYTES = 500
    response = client.post(
        reverse("portal:import"), {"file": SimpleUploadedFile("export.xml", realistic_export(DAY))}
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_file_error"' in text
    assert "the largest file WalkBack takes is 500 bytes" in text
    assert not ImportBatch.objects.exists()


def test_a_large_file_shows_progress_that_refreshes_without_javascript(
    world, client_for, settings, tmp_path
):
    settings.WALKBACK_IMPORT_INLINE_BYTES = 0
    settings.MEDIA_ROOT = tmp_path
    settings.CELERY_TASK_ALWAYS_EAGER = False
    client = client_for(world.patient_a.user)
    client.post(
        reverse("portal:import"), {"file": SimpleUploadedFile("export.zip", realistic_export(DAY))}
    )
    batch = ImportBatch.objects.get()
    assert batch.state == ImportState.PENDING
    page = client.get(reverse("portal:import-batch", args=[batch.pk]))
    assert page["Refresh"] == "3" and "Reading your file" in page.content.decode()


def test_another_patients_import_is_not_found(world, client_for):
    own = client_for(world.patient_a.user)
    own.post(
        reverse("portal:import"), {"file": SimpleUploadedFile("export.xml", realistic_export(DAY))}
    )
    batch = ImportBatch.objects.get()
    other = client_for(world.patient_a2.user)
    assert other.get(reverse("portal:import-batch", args=[batch.pk])).status_code == 404
    assert other.post(reverse("portal:import-save", args=[batch.pk])).status_code == 404
    assert not WalkLog.objects.exists()


def test_the_demo_sample_imports_and_its_walks_appear(world, client_for):
    patient = world.patient_a
    patient.programme_start = END_DAY - dt.timedelta(days=SAMPLE_DAYS + 7)
    patient.save()
    client = client_for(patient.user)
    data = (SAMPLES / "export.xml").read_bytes()
    client.post(reverse("portal:import"), {"file": SimpleUploadedFile("export.xml", data)})
    batch = ImportBatch.objects.get()
    counts = batch.preview["counts"]
    # 15 walks on 21 days; the hike (not counted by default) and the run are not walks; one
    # "walk" lasted under a minute.
    assert counts == {"new": 15, "not_walk": 2, "not_imported": 1}
    client.post(reverse("portal:import-save", args=[batch.pk]))
    assert WalkLog.objects.filter(patient=patient, source="imported").count() == 15
    history = client.get(reverse("portal:history")).content.decode()
    assert "(imported)" in history

    gpx = (SAMPLES / "morning-walk.gpx").read_bytes()
    client.post(reverse("portal:import"), {"file": SimpleUploadedFile("walk.gpx", gpx)})
    gpx_batch = ImportBatch.objects.exclude(pk=batch.pk).get()
    # The GPX's walk is on the last day of the sample, where the watch's walk was imported
    # (a different source): a second walk that day, saved as new.
    assert gpx_batch.preview["counts"] == {"new": 1}


def test_the_physiotherapist_sees_which_walks_were_imported(world, client_for):
    patient = world.patient_a
    client = client_for(patient.user)
    client.post(
        reverse("portal:import"), {"file": SimpleUploadedFile("export.xml", realistic_export(DAY))}
    )
    client.post(reverse("portal:import-save", args=[ImportBatch.objects.get().pk]))
    from tests.factories import WalkLogFactory

    WalkLogFactory(patient=patient, walked_on=DAY - dt.timedelta(days=1))
    page = client_for(world.physio_a).get(reverse("patients:walks", args=[patient.pk]))
    text = page.content.decode()
    assert "Imported (Apple Health)" in text and "Typed in" in text


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_import_pages_read_a_fixed_number_of_queries(world, client_for):
    client = client_for(world.patient_a.user)
    client.post(
        reverse("portal:import"), {"file": SimpleUploadedFile("export.xml", realistic_export(DAY))}
    )
    batch = ImportBatch.objects.get()
    upload_one = _queries(client, reverse("portal:import"))
    batch_one = _queries(client, reverse("portal:import-batch", args=[batch.pk]))
    for n in range(6):
        client.post(
            reverse("portal:import"),
            {
                "file": SimpleUploadedFile(
                    "export.xml", realistic_export(DAY - dt.timedelta(days=n + 1))
                )
            },
        )
    assert _queries(client, reverse("portal:import")) == upload_one
    assert _queries(client, reverse("portal:import-batch", args=[batch.pk])) == batch_one
    assert (upload_one, batch_one) == (UPLOAD_QUERIES, BATCH_QUERIES)


# Session, user and device, the patient; the upload page's recent imports (their previews
# left unread); the batch page's batch and its audit row.
UPLOAD_QUERIES = 5
BATCH_QUERIES = 6
