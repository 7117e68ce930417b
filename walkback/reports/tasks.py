"""Background work of the clinic admin's area. Thin: ids in, a service call, nothing else."""

from __future__ import annotations

from celery import shared_task

from walkback.reports import services


@shared_task(name="reports.export_run")
def export_run_task(job_id: str) -> None:
    services.export_job_run(job_id=job_id)


@shared_task(name="reports.figures_refresh")
def figures_refresh_task() -> int:
    """Beat: fan out one ``reports.figures_refresh_run`` per clinic and default view."""
    return services.figures_refresh_all()


@shared_task(name="reports.figures_refresh_run")
def figures_refresh_run_task(refresh_id: int) -> None:
    """One clinic view's figures (the id of its ``FigureRefresh`` row, nothing else)."""
    services.figures_refresh_run(refresh_id=refresh_id)


@shared_task(name="reports.exports_purge")
def exports_purge_task() -> None:
    services.exports_purge()


@shared_task(name="reports.exports_requeue")
def exports_requeue_task() -> int:
    """Every five minutes: jobs that never reached a worker are handed over again."""
    return services.exports_requeue()
