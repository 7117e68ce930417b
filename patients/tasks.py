"""Background work of the patients app. Thin: ids in, a service call, nothing else."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from patients.imports import services, upkeep


@shared_task(
    name="imports.parse",
    time_limit=settings.WALKBACK_IMPORT_TASK_SECONDS + 60,
    soft_time_limit=settings.WALKBACK_IMPORT_TASK_SECONDS,
)
def import_parse_task(batch_id: str) -> None:
    """Read a large upload (the batch's id only: the file waits in private storage)."""
    services.import_batch_run(batch_id=batch_id)


@shared_task(name="imports.requeue")
def imports_requeue_task() -> int:
    """Every five minutes: large uploads that never reached a worker are handed over again."""
    return upkeep.imports_requeue()


@shared_task(name="imports.purge")
def imports_purge_task() -> int:
    """Hourly: uploads older than ``WALKBACK_IMPORT_KEEP_DAYS`` are deleted."""
    return upkeep.imports_purge()
