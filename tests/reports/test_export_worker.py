"""Issue 16: an export above the inline limit finishes through a real Celery worker on
PostgreSQL, with its progress reported while ``COPY`` is still streaming.

Before the fix, the job's progress ``UPDATE`` ran on the connection that was streaming the
``COPY``, and the job never came back (988k rows sat at "0 rows done" for 11 minutes). Here
the worker reports progress as often as it can (``WALKBACK_EXPORT_PROGRESS_SECONDS=0``), so
the old code hangs on the first report, and the job must still finish with every row in the
file.

Past one machine (``docker compose --scale web=2 --scale worker-reports=2``, docs/scaling.md):
the export is asked for over HTTP from one of two gunicorn processes, its task is delivered
twice to two report workers, and the file, read back through the other web process, holds
every row once.
"""

from __future__ import annotations

import csv
import datetime as dt
import time

import pytest
from django.conf import settings
from django.utils import timezone

from patients.models import WalkLog
from tests.factories import PatientFactory
from tests.workers import web_client
from walkback.audit.models import AuditAction, AuditEvent
from walkback.reports import exports, services, tasks
from walkback.reports.models import Dataset, ExportJob, ExportState
from walkback.reports.selectors import Scope

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

PATIENTS = 250
DAYS = 220  # 55,000 walks: above the default inline limit of 50,000 rows


def _walks_for(world) -> int:
    today = timezone.now().date()
    patients = [world.patient_a] + [
        PatientFactory(clinic=world.clinic_a, physiotherapist=world.physio_a)
        for _ in range(PATIENTS - 1)
    ]
    WalkLog.objects.bulk_create(
        (
            WalkLog(patient=p, walked_on=today - dt.timedelta(days=d), minutes=20 + d % 30)
            for p in patients
            for d in range(DAYS)
        ),
        batch_size=5000,
    )
    return PATIENTS * DAYS


def _finished(job: ExportJob, group) -> ExportJob:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state in (ExportState.DONE, ExportState.FAILED):
            break
        time.sleep(0.2)
    assert job.state == ExportState.DONE, f"job is {job.state}\n{group.log_text()}"
    return job


def test_an_export_above_the_inline_limit_finishes_in_a_worker(world, workers, tmp_path):
    media_root = tmp_path / "media"
    walks = _walks_for(world)
    assert walks > settings.WALKBACK_EXPORT_INLINE_ROWS
    # The worker writes its file where this process can read it, and reports progress on
    # every chunk of the copy.
    group = workers(WALKBACK_MEDIA_ROOT=str(media_root), WALKBACK_EXPORT_PROGRESS_SECONDS="0")
    group.start("reports", queues="reports")

    spec = exports.ExportSpec(Dataset.WALKS, Scope(clinic_id=world.clinic_a.pk), False)
    plan = services.export_request(by=world.admin_a, spec=spec, format="csv")
    assert plan.job is not None, "a large export becomes a job"

    job = _finished(plan.job, group)
    with open(media_root / job.file.name, newline="", encoding="utf-8") as handle:
        assert handle.read(1) == "\ufeff"  # the byte order mark, once, before the header
        rows = list(csv.reader(handle))
    assert rows[0][:2] == ["patient_id", "patient_name"]
    assert len(rows) - 1 == walks == job.rows_total == job.rows_done
    assert ExportJob.objects.get(pk=job.pk).percent == 100


def test_an_export_through_two_web_processes_and_two_workers_runs_once(world, workers, tmp_path):
    media_root = tmp_path / "media"
    walks = _walks_for(world)
    group = workers(WALKBACK_MEDIA_ROOT=str(media_root), WALKBACK_EXPORT_PROGRESS_SECONDS="0")
    for n in range(2):
        group.start(f"reports{n}", queues="reports")
    urls = [group.start_web(f"web{n}") for n in range(2)]
    admin = web_client(urls, world.admin_a)

    response = admin.post("/clinic/exports/", {"dataset": Dataset.WALKS, "format": "csv"})
    assert response.status_code == 302, response.text()[-2000:]
    job = ExportJob.objects.get(clinic=world.clinic_a)
    assert response.headers["Location"] == f"/clinic/exports/{job.pk}/"
    # Celery is at-least-once: the same job reaches the second worker too.
    tasks.export_run_task.delay(str(job.pk))

    job = _finished(job, group)
    assert admin.get(f"/clinic/exports/{job.pk}/").status_code == 200  # the other process
    download = admin.get(f"/clinic/exports/{job.pk}/download/")
    assert download.status_code == 200
    text = download.text()
    assert text.startswith("\ufeff")  # the byte order mark Excel needs, once
    rows = list(csv.reader(text[1:].splitlines()))
    assert rows[0][:2] == ["patient_id", "patient_name"]
    day = next(i for i, name in enumerate(rows[0]) if name.startswith("walked"))
    unique = {(row[0], row[day]) for row in rows[1:]}  # a patient walks once a day here
    assert len(rows) - 1 == len(unique) == walks == job.rows_done
    # Both workers were handed the job; one prepared it, and one file exists.
    logs = [path.read_text() for path in group.logs.glob("reports*.log")]
    assert len(logs) == 2 and all("reports.export_run" in log for log in logs)
    assert [path.name for path in (media_root / "exports").iterdir()] == [f"{job.pk}.csv"]
    events = AuditEvent.objects.filter(action=AuditAction.EXPORT, object_id=str(job.pk))
    assert sorted(event.detail.get("event", "asked") for event in events) == ["asked", "downloaded"]


def test_reminders_never_wait_behind_an_export():
    """Exports and figures have a queue of their own; reminders keep the default one."""
    from walkback.celery import app

    router = app.amqp.router
    assert router.route({}, "reports.export_run")["queue"].name == "reports"
    assert router.route({}, "reports.figures_refresh")["queue"].name == "reports"
    for name in ("coaching.tasks.reminders_send_task", "coaching.tasks.reminders_sweep_task"):
        assert router.route({}, name)["queue"].name == "celery"
