"""Uploads that lost their worker are handed over again; old uploads are deleted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from patients.imports import services, upkeep
from patients.imports.models import ImportBatch, ImportState
from tests.imports.files import realistic_export

pytestmark = pytest.mark.django_db
DAY = dt.date(2024, 3, 5)


@pytest.fixture
def large(world, settings, tmp_path):
    settings.WALKBACK_IMPORT_INLINE_BYTES = 0
    settings.MEDIA_ROOT = tmp_path
    patient = world.patient_a

    def make() -> ImportBatch:
        return services.import_upload(
            patient=patient,
            by=patient.user,
            upload=SimpleUploadedFile("export.zip", realistic_export(DAY)),
        )

    return make


def test_a_lost_upload_is_handed_over_again(large, monkeypatch, settings):
    handed = []
    monkeypatch.setattr(services, "_enqueue", handed.append)
    waiting, reading, fresh = large(), large(), large()
    handed.clear()
    long_ago = timezone.now() - dt.timedelta(hours=2)
    ImportBatch.objects.filter(pk=waiting.pk).update(created_at=long_ago)
    ImportBatch.objects.filter(pk=reading.pk).update(
        created_at=long_ago, state=ImportState.READING, bytes_done=10
    )
    assert upkeep.imports_requeue() == 2
    assert set(handed) == {waiting.pk, reading.pk}  # not the fresh one
    reading.refresh_from_db()
    assert reading.state == ImportState.PENDING and reading.bytes_done == 0
    services.import_batch_run(batch_id=str(reading.pk))  # the file was still there
    reading.refresh_from_db()
    assert reading.state == ImportState.READY
    fresh.refresh_from_db()
    assert fresh.state == ImportState.PENDING


def test_old_uploads_and_their_files_are_deleted(large, settings, tmp_path):
    old, new = large(), large()
    ImportBatch.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=settings.WALKBACK_IMPORT_KEEP_DAYS + 1)
    )
    assert (tmp_path / old.stored_as).exists()
    assert upkeep.imports_purge() == 1
    assert list(ImportBatch.objects.values_list("pk", flat=True)) == [new.pk]
    assert not (tmp_path / old.stored_as).exists() and (tmp_path / new.stored_as).exists()


def test_a_file_not_read_yet_cannot_be_saved(large, world):
    from django.core.exceptions import ValidationError

    batch = large()
    with pytest.raises(ValidationError, match="not been read yet"):
        services.import_confirm(batch=batch, by=world.patient_a.user)
