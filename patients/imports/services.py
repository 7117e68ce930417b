"""Uploads, their preview and the save: the writes of an import (docs/activity-import.md).

A small upload is read during the request; a large one is stored in private storage and read
by a worker (``imports.parse``, given the batch's id only), which deletes the file when done.
Nothing becomes a walk until the patient confirms the preview, and then every new walk of the
file is saved in one transaction with its audit row, or none is.
"""

from __future__ import annotations

import logging
import time
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from patients.imports import formats
from patients.imports.models import ImportBatch, ImportState
from patients.imports.parsers.base import ImportFileError
from patients.imports.preview import NEW, build_preview, mark_saved_and_matches
from patients.models import PROGRAMME_ENDED, Patient, WalkLog, WalkSource
from patients.signals import records_changed
from walkback.accounts.languages import speaking_to
from walkback.accounts.models import User
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record

log = logging.getLogger(__name__)
PROGRESS_SECONDS = 1.0


class _Counting:
    """A file wrapper counting the bytes read, for the progress shown while a worker reads."""

    def __init__(self, raw) -> None:  # a storage File, which is not typed as BinaryIO
        self.raw = raw
        self.done = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.done = max(self.done, self.raw.tell())
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.raw.seek(offset, whence)

    def tell(self) -> int:
        return self.raw.tell()

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True


def import_upload(*, patient: Patient, by: User, upload: UploadedFile) -> ImportBatch:
    """Check the upload and read it now (small) or hand it to a worker (large).

    Raises ValidationError (shown next to the file field) when the file cannot be taken;
    a file that turns out bad while a worker reads it ends as a FAILED batch with the message.
    """
    if not patient.can_log:
        raise ValidationError(str(PROGRAMME_ENDED))
    limits = formats.limits_from_settings()
    size = upload.size or 0
    if message := formats.too_large(size, limits):
        raise ValidationError({"file": message})
    head = upload.read(formats.HEAD_BYTES)
    upload.seek(0)
    filename = (upload.name or "upload")[-200:]
    try:
        formats.detect(head, filename)
    except ImportFileError as error:
        raise ValidationError({"file": str(error)}) from None
    batch = ImportBatch(patient=patient, created_by=by, filename=filename, size=size)
    if size <= settings.WALKBACK_IMPORT_INLINE_BYTES:
        try:
            batch.preview = _preview(patient, upload, filename=filename, size=size)
        except ImportFileError as error:
            raise ValidationError({"file": str(error)}) from None
        batch.state, batch.bytes_done, batch.finished_at = ImportState.READY, size, timezone.now()
        batch.save()
        return batch
    batch.state = ImportState.PENDING
    batch.stored_as = default_storage.save(f"imports/{uuid.uuid4()}.upload", upload)
    with transaction.atomic():
        batch.save()
        transaction.on_commit(lambda: _enqueue(batch.pk))
    return batch


def _enqueue(batch_id) -> None:
    from patients.tasks import import_parse_task

    import_parse_task.delay(str(batch_id))


def _preview(patient: Patient, stream, *, filename: str, size: int, progress=None) -> dict:
    clinic = patient.clinic
    return build_preview(
        formats.read_activities(
            stream,
            filename=filename,
            size=size,
            limits=formats.limits_from_settings(),
            zone=patient.zone,
        ),
        patient=patient,
        count_hiking=clinic.import_hiking,
        today=patient.today(),
        progress=progress,
    )


def import_batch_run(*, batch_id: str) -> None:
    """The worker's side: read the stored file, write the preview, delete the file. Run twice
    (Celery delivers at least once), the second run finds the batch taken and does nothing."""
    with transaction.atomic():
        batch = (
            ImportBatch.objects.select_for_update(skip_locked=True)
            .filter(pk=batch_id, state=ImportState.PENDING)
            .first()
        )
        if batch is None:
            return
        batch.state = ImportState.READING
        batch.save(update_fields=["state"])
    patient = Patient.objects.select_related("clinic", "user__clinic").get(pk=batch.patient_id)
    # What the preview and the error say is stored: write it in the patient's language.
    with speaking_to(patient.user):
        _read_stored(batch, patient)


def _read_stored(batch: ImportBatch, patient: Patient) -> None:
    try:
        with default_storage.open(batch.stored_as, "rb") as raw:
            counting = _Counting(raw)
            last = [time.monotonic()]

            def progress() -> None:
                if time.monotonic() - last[0] >= PROGRESS_SECONDS:
                    last[0] = time.monotonic()
                    ImportBatch.objects.filter(pk=batch.pk).update(
                        bytes_done=min(counting.done, batch.size)
                    )

            preview = _preview(
                patient, counting, filename=batch.filename, size=batch.size, progress=progress
            )
    except ImportFileError as error:
        batch.state, batch.error = ImportState.FAILED, str(error)[:400]
    except Exception:
        log.exception("import %s failed", batch.pk)  # the id only: no health data in logs
        batch.state = ImportState.FAILED
        batch.error = gettext("Something went wrong reading this file. Please try again later.")
    else:
        batch.state, batch.preview, batch.bytes_done = ImportState.READY, preview, batch.size
    finally:
        default_storage.delete(batch.stored_as)
    batch.stored_as, batch.finished_at = "", timezone.now()
    batch.save(
        update_fields=["state", "error", "preview", "bytes_done", "stored_as", "finished_at"]
    )


def import_confirm(*, batch: ImportBatch, by: User) -> int:
    """Save every new walk of the preview, all or nothing; returns how many were saved.

    The preview is judged again inside the transaction (a walk typed or imported since it
    was shown is not added twice), and the unique constraint on (patient, source, source id)
    backs that against a race with a second upload of the same file.
    """
    patient = batch.patient
    if not patient.can_log:
        raise ValidationError(str(PROGRAMME_ENDED))
    try:
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.state == ImportState.SAVED:
                raise ValidationError(gettext("This import has already been saved."))
            if locked.state != ImportState.READY:
                raise ValidationError(
                    gettext(
                        "This file has not been read yet, or could not be read: nothing to save."
                    )
                )
            rows = locked.preview.get("rows", [])
            mark_saved_and_matches(rows, patient=patient)
            new = [row for row in rows if row["status"] == NEW]
            WalkLog.objects.bulk_create(
                WalkLog(
                    patient=patient,
                    walked_on=row["day"],
                    minutes=row["minutes"],
                    steps=row["steps"],
                    source=WalkSource.IMPORTED,
                    import_source=row["source"],
                    import_source_id=row["source_id"],
                )
                for row in new
            )
            locked.state, locked.walks_saved = ImportState.SAVED, len(new)
            locked.preview = {**locked.preview, "rows": rows}
            locked.save(update_fields=["state", "walks_saved", "preview"])
            # Counts only: which walks came in is in the rows themselves (source and id).
            audit_record(
                actor=by,
                action=AuditAction.CREATE,
                obj=locked,
                patient=patient,
                detail={"event": "walks_imported", "walks": len(new)},
            )
            if new:
                records_changed(patient.pk)
    except IntegrityError:
        raise ValidationError(
            gettext(
                "Some of these walks were saved by another import a moment ago, so nothing was "
                "saved from this one. Upload the file again to see what is left."
            )
        ) from None
    batch.refresh_from_db()
    return len(new)
