"""Background work of the patients app. Thin: ids in, a service call, nothing else."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from patients.imports import services


@shared_task(
    name="imports.parse",
    time_limit=settings.WALKBACK_IMPORT_TASK_SECONDS + 60,
    soft_time_limit=settings.WALKBACK_IMPORT_TASK_SECONDS,
)
def import_parse_task(batch_id: str) -> None:
    """Read a large upload (the batch's id only: the file waits in private storage)."""
    services.import_batch_run(batch_id=batch_id)
