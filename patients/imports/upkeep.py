"""Upkeep of uploads (beat tasks ``imports.requeue`` and ``imports.purge``,
docs/activity-import.md#upkeep).

- A large upload whose message never reached a worker (broker restarted), or whose worker was
  killed mid-read (the file is still there: only a finished run deletes it), is handed over
  again; a batch handed over twice is read once (``import_batch_run`` claims it first).
- Uploads older than ``WALKBACK_IMPORT_KEEP_DAYS`` are deleted with any file left: a preview
  holds the patient's activity, and the walks saved from it keep their source and id.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from patients.imports.models import ImportBatch, ImportState

REQUEUE_AFTER = dt.timedelta(minutes=5)


def imports_requeue(*, now: dt.datetime | None = None) -> int:
    from patients.imports.services import _enqueue

    now = now or timezone.now()
    stuck_reading = now - dt.timedelta(seconds=settings.WALKBACK_IMPORT_TASK_SECONDS + 120)
    with transaction.atomic():
        # A READING batch past the task's hard time limit lost its worker.
        ImportBatch.objects.filter(state=ImportState.READING, created_at__lt=stuck_reading).update(
            state=ImportState.PENDING, bytes_done=0
        )
    waiting = list(
        ImportBatch.objects.filter(
            state=ImportState.PENDING, created_at__lt=now - REQUEUE_AFTER
        ).values_list("pk", flat=True)
    )
    for batch_id in waiting:
        _enqueue(batch_id)
    return len(waiting)


def imports_purge(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    old = ImportBatch.objects.filter(
        created_at__lt=now - dt.timedelta(days=settings.WALKBACK_IMPORT_KEEP_DAYS)
    )
    for stored_as in old.exclude(stored_as="").values_list("stored_as", flat=True):
        default_storage.delete(stored_as)
    deleted, _ = old.delete()
    return deleted
