"""Writes of the clinic admin's area: figure snapshots, export requests and export jobs.
Each export is recorded in the audit trail in the same transaction that asks for it."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from patients.models import Patient
from patients.selectors import patients_for
from walkback.accounts.languages import speaking_to
from walkback.accounts.models import Clinic, Role, User
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record
from walkback.reports import exports, tasks
from walkback.reports.figures import Progress, compute_figures, local_today
from walkback.reports.models import (
    ExportFormat,
    ExportJob,
    ExportState,
    FigureRefresh,
    FigureSnapshot,
)
from walkback.reports.selectors import Scope, clinic_patients, refresh_get, snapshot_get

logger = logging.getLogger(__name__)


# --- Figures ---------------------------------------------------------------------------------


def figures_max_age() -> dt.timedelta:
    """A snapshot older than two refresh periods means the periodic refresh is behind (or the
    filter is rarely used): the page then asks for a refresh, and shows what it has."""
    return dt.timedelta(minutes=2 * settings.WALKBACK_FIGURES_MINUTES)


def figures_refresh_lease() -> dt.timedelta:
    """A refresh waiting or running longer than a task may live lost its message or its
    worker: the next request for the view hands it over again."""
    return dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


@dataclass(frozen=True)
class FiguresPage:
    """What the dashboard shows for a view: the latest snapshot, if any, and the refresh
    under way, if any (its progress)."""

    snapshot: FigureSnapshot | None
    refresh: FigureRefresh | None
    stale: bool = False

    @property
    def updating(self) -> bool:
        """Say "being updated" (and reload) only when the page lacks fresh figures: the
        periodic refresh of a fresh snapshot goes unannounced."""
        return self.refresh is not None and (self.snapshot is None or self.stale)


def figures_for_page(*, user: User, scope: Scope) -> FiguresPage:
    """The latest snapshot of the view, never computed here (issue 16: at 50,000 patients
    that took 30 s and ended in a 500). Missing or stale, a refresh is asked for (one per
    clinic and view) and the page says the figures are being updated."""
    if user.clinic is None:  # a superuser outside any clinic (user_belongs_to_a_clinic)
        raise PermissionDenied("The clinic figures are for an admin of a clinic.")
    if scope.clinic_id != user.clinic.pk:
        raise PermissionDenied("The figures asked for belong to another clinic.")
    snapshot = snapshot_get(scope)
    refresh = refresh_get(scope)
    stale = snapshot is not None and snapshot.computed_at < timezone.now() - figures_max_age()
    if snapshot is None or stale:
        refresh = figures_refresh_request(clinic=user.clinic, scope=scope)
    return FiguresPage(snapshot=snapshot, refresh=refresh, stale=stale)


def figures_refresh_request(*, clinic: Clinic, scope: Scope) -> FigureRefresh:
    """Ask for the figures of ``scope`` to be computed in the background. At most one refresh
    per clinic and view (a unique constraint): asking again while one waits or runs returns
    it; one that outlived ``figures_refresh_lease`` is handed over again."""
    if scope.clinic_id != clinic.pk:
        raise ValidationError("The figures asked for belong to another clinic.")
    now = timezone.now()
    with transaction.atomic():
        refresh, created = FigureRefresh.objects.get_or_create(
            clinic=clinic,
            key=scope.key,
            defaults={"scope": scope.as_json(), "requested_at": now},
        )
        lost = not created and (
            FigureRefresh.objects.filter(
                pk=refresh.pk, requested_at__lt=now - figures_refresh_lease()
            ).update(state=FigureRefresh.State.PENDING, requested_at=now, steps_done=0)
        )
        if created or lost:
            refresh_id = refresh.pk
            transaction.on_commit(lambda: _enqueue_refresh(refresh_id))
    if lost:
        refresh.refresh_from_db()
    return refresh


def _enqueue_refresh(refresh_id: int) -> None:
    """Hand a refresh to the ``reports`` queue. With the broker out of reach the page still
    answers; the row stays and is handed over again after the lease."""
    try:
        tasks.figures_refresh_run_task.delay(refresh_id)
    except Exception as error:  # noqa: BLE001 - any broker failure: retried after the lease
        logger.warning("figures refresh %s not queued yet: %s", refresh_id, type(error).__name__)


def figures_refresh_run(*, refresh_id: int) -> FigureSnapshot | None:
    """Compute one clinic view's figures and keep them (the task's work). Claimed first with
    a conditional update, so a refresh handed over twice runs once; the row is deleted with
    the snapshot written, in one transaction."""
    now = timezone.now()
    claimed = FigureRefresh.objects.filter(
        Q(state=FigureRefresh.State.PENDING)
        | Q(state=FigureRefresh.State.RUNNING, started_at__lt=now - figures_refresh_lease()),
        pk=refresh_id,
    ).update(state=FigureRefresh.State.RUNNING, started_at=now, steps_done=0)
    if not claimed:
        return None
    refresh = FigureRefresh.objects.select_related("clinic").get(pk=refresh_id)
    scope = Scope.from_json(refresh.clinic_id, refresh.scope)

    def progress(done: int, total: int) -> None:
        FigureRefresh.objects.filter(pk=refresh_id).update(steps_done=done, steps_total=total)

    try:
        return figures_snapshot_refresh(clinic=refresh.clinic, scope=scope, progress=progress)
    except Exception as error:
        # Dropped, so the next view asks again; the message names the kind of failure only.
        logger.error("figures refresh %s failed: %s", refresh_id, type(error).__name__)
        FigureRefresh.objects.filter(pk=refresh_id).delete()
        raise


def figures_snapshot_refresh(
    *, clinic: Clinic, scope: Scope, progress: Progress | None = None
) -> FigureSnapshot:
    """Compute the figures for ``scope`` and keep them (data only: the page renders them).
    Background work only: a page never calls this (``figures_for_page``)."""
    if scope.clinic_id != clinic.pk:
        raise ValidationError("The figures asked for belong to another clinic.")
    figures = compute_figures(clinic_patients(clinic), scope, local_today(clinic), progress)
    with transaction.atomic():
        snapshot, _ = FigureSnapshot.objects.update_or_create(
            clinic=clinic,
            key=scope.key,
            defaults={"computed_at": timezone.now(), "data": figures},
        )
        FigureRefresh.objects.filter(clinic=clinic, key=scope.key).delete()
    return snapshot


def figures_default_scopes(clinic_id: int) -> list[Scope]:
    """The views the periodic refresh keeps: everyone, and each active physiotherapist, over
    all time."""
    physios = User.objects.filter(clinic_id=clinic_id, role=Role.PHYSIO, is_active=True)
    return [Scope(clinic_id=clinic_id)] + [
        Scope(clinic_id=clinic_id, physiotherapist_id=pk)
        for pk in physios.order_by("pk").values_list("pk", flat=True)
    ]


def figures_refresh_all() -> int:
    """The periodic refresh (beat): one refresh, so one task, per clinic with patients and per
    default view, each on the ``reports`` queue; a view whose refresh is still waiting or
    running is not asked twice. Snapshots nobody refreshed for a day (filters, deactivated
    physiotherapists) are dropped."""
    FigureSnapshot.objects.filter(computed_at__lt=timezone.now() - dt.timedelta(days=1)).delete()
    count = 0
    clinics = Clinic.objects.filter(pk__in=Patient.objects.values("clinic_id"))
    for clinic in clinics.order_by("pk").iterator():
        for scope in figures_default_scopes(clinic.pk):
            figures_refresh_request(clinic=clinic, scope=scope)
            count += 1
    return count


# --- Exports ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportPlan:
    spec: exports.ExportSpec
    format: str
    rows: int
    table: exports.Table
    job: ExportJob | None = None

    @property
    def filename(self) -> str:
        suffix = "-deidentified" if self.spec.deidentified else ""
        # In the viewer's zone (walkback.accounts.middleware.TimeZoneMiddleware), as on the page.
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return f"walkback-{self.spec.dataset}{suffix}-{stamp}.{self.format}"


def _filters(spec: exports.ExportSpec) -> dict:
    return {**spec.scope.as_json(), "deidentified": spec.deidentified}


def export_request(*, by: User, spec: exports.ExportSpec, format: str) -> ExportPlan:
    """Ask for an export. Small ones are for downloading at once; large ones become a
    background job. Either way the audit trail records who exported what, with which
    filters and how many rows, before a byte leaves."""
    # by.clinic is None only for a superuser outside any clinic (user_belongs_to_a_clinic).
    if by.role != Role.CLINIC_ADMIN or by.clinic is None or spec.scope.clinic_id != by.clinic_id:
        raise ValidationError(_("Only an admin of the clinic can export its data."))
    table = exports.build_table(spec, patients_for(by), by.clinic)
    rows = table.count()
    if format == ExportFormat.XLSX and rows > exports.XLSX_MAX_ROWS:
        raise ValidationError(
            {
                "format": _(
                    "Excel holds at most %(most)s rows and this export has %(rows)s. "
                    "Choose CSV, or a shorter period."
                )
                % {
                    "most": number_format(exports.XLSX_MAX_ROWS, force_grouping=True),
                    "rows": number_format(rows, force_grouping=True),
                }
            }
        )
    with transaction.atomic():
        job = None
        if rows > settings.WALKBACK_EXPORT_INLINE_ROWS:
            job = ExportJob.objects.create(
                requested_by=by,
                clinic=by.clinic,
                dataset=spec.dataset,
                format=format,
                filters=_filters(spec),
                rows_total=rows,
            )
            job_id = str(job.pk)
            transaction.on_commit(lambda: _enqueue(job_id))
        audit_record(
            actor=by,
            action=AuditAction.EXPORT,
            obj=job,
            object_type="" if job else "reports.Export",
            clinic=by.clinic,
            detail={
                "dataset": spec.dataset,
                "format": format,
                "rows": rows,
                "delivery": "job" if job else "download",
                **_filters(spec),
            },
        )
    return ExportPlan(spec=spec, format=format, rows=rows, table=table, job=job)


def _enqueue(job_id: str) -> None:
    """Hand a job to a worker. With the broker out of reach the request still succeeds: the
    job stays pending and ``exports_requeue`` hands it over once the broker is back."""
    # walkback.reports.tasks imports this module too: each imports the other as a module.
    try:
        tasks.export_run_task.delay(job_id)
    except Exception as error:  # noqa: BLE001 - any broker failure: the sweep retries
        logger.warning("export job %s not queued yet: %s", job_id, type(error).__name__)


# A pending job older than this lost its message (broker down or restarted): hand it over again.
EXPORT_REQUEUE_AFTER = dt.timedelta(minutes=5)


def exports_requeue(*, now: dt.datetime | None = None) -> int:
    """Hand over again every job still waiting to start after ``EXPORT_REQUEUE_AFTER``. A job
    handed over twice runs once (``export_job_run`` claims it first)."""
    now = now or timezone.now()
    waiting = ExportJob.objects.filter(
        state=ExportState.PENDING, created_at__lt=now - EXPORT_REQUEUE_AFTER
    ).values_list("pk", flat=True)
    count = 0
    for job_id in waiting:
        _enqueue(str(job_id))
        count += 1
    return count


def export_spec_of(job: ExportJob) -> exports.ExportSpec:
    filters = dict(job.filters)
    return exports.ExportSpec(
        dataset=job.dataset,
        scope=Scope.from_json(job.clinic_id, filters),
        deidentified=bool(filters.get("deidentified")),
    )


class _Progress:
    """Writes an export job's running row count, at most every
    ``WALKBACK_EXPORT_PROGRESS_SECONDS``.

    On PostgreSQL the export's own connection is busy streaming ``COPY ... TO STDOUT`` until
    the last row: a query sent on it waits for the copy to end, while the copy waits for this
    callback to return, and the job hangs (issue 16: 988k rows sat at "0 rows done"). So the
    count goes through a second connection of the same database, in autocommit, taken from
    the same pool and handed back by ``close``. Elsewhere (SQLite) nothing streams: the
    default connection is used."""

    def __init__(self, job: ExportJob):
        self.job_id, self.total = job.pk, job.rows_total
        self.every = settings.WALKBACK_EXPORT_PROGRESS_SECONDS
        self.last = time.monotonic()
        self.side: BaseDatabaseWrapper | None = None

    def __call__(self, done: int) -> None:
        if time.monotonic() - self.last < self.every:
            return
        self.last = time.monotonic()
        done = min(done, self.total)
        if not exports.use_copy():
            ExportJob.objects.filter(pk=self.job_id).update(rows_done=done)
            return
        if self.side is None:
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)
        table = self.side.ops.quote_name(ExportJob._meta.db_table)
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET rows_done = %s WHERE id = %s",  # noqa: S608 (a model's table)
                [done, self.job_id],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None


def export_job_run(*, job_id: str) -> ExportJob | None:
    """Prepare a job's file. Claimed first with a conditional update, so a redelivered task
    does not run it twice; a job left 'running' by a killed worker is taken over once the
    task time limit has passed."""
    now = timezone.now()
    stale = now - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    claimed = ExportJob.objects.filter(
        Q(state=ExportState.PENDING) | Q(state=ExportState.RUNNING, started_at__lt=stale),
        pk=job_id,
    ).update(state=ExportState.RUNNING, started_at=now, rows_done=0)
    if not claimed:
        return None
    job = ExportJob.objects.select_related("requested_by", "clinic").get(pk=job_id)
    # Column headers, sheet name and coded values in the language of the person who asked,
    # whatever the worker's own (the task gets the job's id only).
    with speaking_to(job.requested_by):
        return _export_job_write(job)


def _export_job_write(job: ExportJob) -> ExportJob:
    table = exports.build_table(export_spec_of(job), patients_for(job.requested_by), job.clinic)
    name = f"exports/{job.pk}.{job.format}"
    path = Path(default_storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    progress = _Progress(job)
    writer = exports.write_xlsx if job.format == ExportFormat.XLSX else exports.write_csv
    try:
        with partial.open("wb") as target:
            rows = writer(table, target, progress)
        partial.replace(path)
    except Exception as error:
        partial.unlink(missing_ok=True)
        # The message names the kind of failure only: database errors can quote row values.
        logger.error("export job %s failed: %s", job.pk, type(error).__name__)
        ExportJob.objects.filter(pk=job.pk).update(
            state=ExportState.FAILED,
            finished_at=timezone.now(),
            # Stored in English; the page shows it in the reader's language.
            error=gettext_noop("The export could not be prepared. Please try again."),
        )
        raise
    finally:
        progress.close()
    finished = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportState.DONE,
        file=name,
        rows_total=max(rows, job.rows_total),
        rows_done=max(rows, job.rows_total),
        finished_at=finished,
        expires_at=finished + dt.timedelta(hours=settings.WALKBACK_EXPORT_HOURS),
    )
    job.refresh_from_db()
    return job


def export_job_downloaded(*, job: ExportJob, by: User) -> None:
    """Record each download of a prepared file."""
    audit_record(
        actor=by,
        action=AuditAction.EXPORT,
        obj=job,
        clinic=job.clinic,
        detail={"event": "downloaded", "dataset": job.dataset, "format": job.format},
    )


def exports_purge() -> int:
    """Delete the files of expired exports (the rows stay, as a record of what was asked)."""
    now = timezone.now()
    count = 0
    for job in ExportJob.objects.filter(expires_at__lte=now).exclude(file=""):
        # Only jobs with a file (the query excludes file=""), so the name is a non-empty str.
        default_storage.delete(cast(str, job.file.name))
        ExportJob.objects.filter(pk=job.pk).update(file="")
        count += 1
    return count
