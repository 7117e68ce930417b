"""Exports: every table in CSV and Excel, only the admin's clinic, de-identified on request,
audited, large ones as a job whose file only its owner can fetch."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from coaching.models import CoachingSession
from patients.models import BodyRegion, WalkLog, WalkSource
from tests.factories import ExportJobFactory, UserFactory
from tests.reports.conftest import LEAK
from walkback.audit.models import AuditAction, AuditEvent
from walkback.core.spreadsheets import CSV_BOM
from walkback.reports import exports, services
from walkback.reports.models import Dataset, ExportJob, ExportState
from walkback.reports.selectors import Scope

URL = reverse("clinic:exports")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def post(client, dataset, fmt="csv", **extra):
    return client.post(URL, {"dataset": dataset, "format": fmt, **extra})


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return b"".join(response)


def rows_of(response, fmt):
    data = body(response)
    if fmt == "csv":
        assert data.startswith(CSV_BOM.encode())  # Excel reads the file as UTF-8
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("dataset", Dataset.values)
def test_every_table_holds_only_the_clinic(seeded, client_for, dataset, fmt):
    response = post(client_for(seeded.admin_a), dataset, fmt)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = rows_of(response, fmt)
    assert len(rows) >= 3, rows  # a header and both clinic A patients' rows
    text = repr(rows)
    assert LEAK not in text and "patient.b@" not in text
    assert "Paula Alpha" in text and "Peter Alpha" in text
    assert "secret description" not in text  # free text never leaves
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.actor == seeded.admin_a and event.clinic == seeded.clinic_a
    assert event.detail["dataset"] == dataset and event.detail["format"] == fmt
    assert event.detail["rows"] == len(rows) - 1


def test_walks_csv_columns_and_filters(seeded, client_for):
    client = client_for(seeded.admin_a)
    rows = rows_of(post(client, "walks"), "csv")
    assert rows[0] == [
        "patient_id",
        "patient_name",
        "walked_on",
        "minutes",
        "steps",
        "pain",
        "source",
    ]
    everything = len(rows) - 1
    assert everything == WalkLog.objects.filter(patient__clinic=seeded.clinic_a).count()
    start = seeded.patient_a.programme_start
    rows = rows_of(
        post(
            client,
            "walks",
            date_from=(start + dt.timedelta(days=10)).isoformat(),
            date_to=(start + dt.timedelta(days=19)).isoformat(),
            physiotherapist=seeded.physio_a.pk,
        ),
        "csv",
    )
    # Every other day over ten days, one patient.
    assert len(rows) - 1 == 5
    assert {row[1] for row in rows[1:]} == {"Paula Alpha"}


def test_deidentified_export_has_pseudonyms_and_days(seeded, client_for):
    client = client_for(seeded.admin_a)
    first = rows_of(post(client, "walks", deidentified="on"), "csv")
    assert first[0] == ["patient", "walked_day", "minutes", "steps", "pain", "source"]
    text = repr(first)
    assert "Alpha" not in text and "@" not in text
    assert str(seeded.patient_a.programme_start) not in text
    assert first[1][1] == "0"  # the first walk is on the programme start
    pseudonyms = {row[0] for row in first[1:]}
    assert len(pseudonyms) == 2 and all(p.startswith("P") and len(p) == 11 for p in pseudonyms)
    # Stable: the same person has the same pseudonym in another export and another table.
    again = rows_of(post(client, "recurrence", deidentified="on"), "csv")
    assert {row[0] for row in again[1:]} == pseudonyms
    patients = rows_of(post(client, "patients", "xlsx", deidentified="on"), "xlsx")
    assert {row[0] for row in patients[1:]} == pseudonyms
    assert "Anna Alpha" not in repr(patients)
    salt = exports.pseudonym_salt(seeded.clinic_a.pk)
    assert exports.pseudonym(salt, "P", seeded.patient_a.pk) in pseudonyms


def test_csv_keeps_accents_for_excel_and_says_what_the_screens_say(seeded, client_for):
    """Issue 11: Excel showed "SÃ¸rensen" (no byte order mark) and codes like "active"."""
    user = seeded.patient_a.user
    user.full_name = "Søren Sørensen"
    user.save()
    data = body(post(client_for(seeded.admin_a), "patients"))
    assert data.startswith(CSV_BOM.encode()) and data.count(CSV_BOM.encode()) == 1
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["patient_id", "patient_name", "email", "status"]
    mine = next(row for row in rows if row[0] == str(seeded.patient_a.pk))
    assert mine[1] == "Søren Sørensen"
    assert mine[3] == seeded.patient_a.get_status_display() == "In programme"
    assert "active" not in {row[3] for row in rows[1:]}

    sessions = rows_of(post(client_for(seeded.admin_a), "sessions"), "csv")
    header = sessions[0]
    shown = {
        (row[header.index("purpose")], row[header.index("mode")], row[header.index("status")])
        for row in sessions[1:]
    }
    labels = {(s.get_purpose_display(), s.get_mode_display(), s.get_status_display())
              for s in CoachingSession.objects.filter(patient__clinic=seeded.clinic_a)}  # fmt: skip
    codes = {(s.purpose, s.mode, s.status)
             for s in CoachingSession.objects.filter(patient__clinic=seeded.clinic_a)}  # fmt: skip
    assert shown == labels and not shown & codes
    walks = rows_of(post(client_for(seeded.admin_a), "walks"), "csv")
    assert {row[-1] for row in walks[1:]} <= {label for _, label in WalkSource.choices}
    events = rows_of(post(client_for(seeded.admin_a), "adverse_events"), "csv")
    assert events[1][events[0].index("body_region")] in {label for _, label in BodyRegion.choices}


def test_bad_filters_are_refused_in_plain_words(seeded, client_for):
    client = client_for(seeded.admin_a)
    response = post(client, "walks", date_from="2025-06-01", date_to="2025-01-01")
    assert response.status_code == 200
    assert "The period ends before it starts" in response.content.decode()
    response = post(client, "walks", physiotherapist=seeded.physio_b.pk)
    assert "not one of your clinic" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_excel_row_limit_is_explained(seeded, client_for, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 5)
    response = post(client_for(seeded.admin_a), "walks", "xlsx")
    assert "Excel holds at most 5 rows" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_formulas_are_defused(seeded, client_for):
    user = seeded.patient_a.user
    user.full_name = "=HYPERLINK(1)"
    user.save()
    client = client_for(seeded.admin_a)
    csv_rows = rows_of(post(client, "patients"), "csv")
    assert "'=HYPERLINK(1)" in [row[1] for row in csv_rows]
    xlsx_rows = rows_of(post(client, "patients", "xlsx"), "xlsx")
    assert "'=HYPERLINK(1)" in [row[1] for row in xlsx_rows]


def test_copy_and_python_paths_write_the_same_bytes(seeded, postgres, monkeypatch):
    """On PostgreSQL the CSV comes from COPY; it must match the rows Django would write."""
    from patients.models import Patient

    copied = 0
    for dataset in Dataset.values:
        for deid in (False, True):
            spec = exports.ExportSpec(dataset, Scope(clinic_id=seeded.clinic_a.pk), deid)
            table = exports.build_table(spec, Patient.objects.all(), seeded.clinic_a)
            if table.queryset is None:
                continue  # computed in Python: one path only
            copied += 1
            by_copy = exports.csv_text(table)
            monkeypatch.setattr(exports, "use_copy", lambda: False)
            by_python = exports.csv_text(table)
            monkeypatch.undo()
            assert by_copy == by_python, dataset
    assert copied == 14  # seven query tables, identified and de-identified


# --- Large exports as jobs -------------------------------------------------------------------


def test_large_export_becomes_a_job_for_its_owner_only(
    seeded, client_for, settings, media, django_capture_on_commit_callbacks, monkeypatch
):
    settings.WALKBACK_EXPORT_INLINE_ROWS = 10
    queued = []
    monkeypatch.setattr(
        "walkback.reports.tasks.export_run_task.delay", lambda *args: queued.append(args)
    )
    owner = client_for(seeded.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(owner, "walks")
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:export-detail", args=[job.pk])
    # The task gets the job id and nothing else.
    assert queued == [(str(job.pk),)]
    assert job.state == ExportState.PENDING and job.requested_by == seeded.admin_a
    assert AuditEvent.objects.get(action=AuditAction.EXPORT).detail["delivery"] == "job"

    page = owner.get(reverse("clinic:export-detail", args=[job.pk])).content.decode()
    assert "<progress" in page and "data-refresh-seconds" in page and "refresh.js" in page

    services.export_job_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.state == ExportState.DONE and job.percent == 100
    assert job.expires_at > timezone.now()
    # Running it again (a redelivered task) changes nothing.
    assert services.export_job_run(job_id=str(job.pk)) is None

    page = owner.get(reverse("clinic:export-detail", args=[job.pk])).content.decode()
    assert "Download" in page
    download = reverse("clinic:export-download", args=[job.pk])
    response = owner.get(download)
    assert response.status_code == 200
    data = body(response).decode()
    assert "Paula Alpha" in data and LEAK not in data
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, detail__event="downloaded").exists()

    # A colleague of the same clinic, another clinic's admin, a tampered id: not found.

    colleague = UserFactory(role="clinic_admin", clinic=seeded.clinic_a)
    assert client_for(colleague).get(download).status_code == 404
    assert client_for(seeded.admin_b).get(download).status_code == 404
    tampered = reverse("clinic:export-download", args=[uuid.uuid4()])
    assert owner.get(tampered).status_code == 404
    assert owner.get(download.replace(str(job.pk)[:8], "00000000")).status_code == 404

    # Expired: gone, with a plain message, and the file is purged.
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    response = owner.get(download)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert services.exports_purge() == 1
    assert not list((media / "exports").iterdir())


def test_xlsx_job_and_progress(seeded, settings, media):
    settings.WALKBACK_EXPORT_INLINE_ROWS = 0
    spec = exports.ExportSpec(Dataset.WEEKLY, Scope(clinic_id=seeded.clinic_a.pk), False)
    plan = services.export_request(by=seeded.admin_a, spec=spec, format="xlsx")
    assert plan.job is not None and plan.job.percent == 0
    job = services.export_job_run(job_id=str(plan.job.pk))
    sheet = load_workbook(job.file.path, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("patient_id", "patient_name", "programme_week", "week_start")
    assert len(rows) - 1 == plan.rows


def test_only_a_clinic_admin_can_export(seeded):
    from django.core.exceptions import ValidationError

    spec = exports.ExportSpec(Dataset.WALKS, Scope(clinic_id=seeded.clinic_a.pk), False)
    with pytest.raises(ValidationError):
        services.export_request(by=seeded.physio_a, spec=spec, format="csv")
    with pytest.raises(ValidationError):
        services.export_request(by=seeded.admin_b, spec=spec, format="csv")


def test_exports_page_lists_only_own_jobs(seeded, client_for, django_assert_num_queries):
    for _ in range(3):
        ExportJobFactory(
            requested_by=seeded.admin_a, clinic=seeded.clinic_a, dataset="walks", format="csv"
        )
    ExportJobFactory(
        requested_by=seeded.admin_b, clinic=seeded.clinic_b, dataset="patients", format="csv"
    )
    client = client_for(seeded.admin_a)
    client.get(URL)
    # session, user (with the clinic joined), TOTP device, physiotherapists, the jobs
    with django_assert_num_queries(5):
        response = client.get(URL)
    assert response.content.decode().count("Walk logs (CSV)") == 3
    assert "Patients (CSV)" not in response.content.decode()


def test_copy_works_under_a_debug_cursor(seeded, postgres):
    """Issue 16: with DEBUG on PostgreSQL (or in CaptureQueriesContext) Django's
    CursorDebugWrapper.copy() takes no parameters, and the CSV export raised TypeError."""
    from django.test.utils import CaptureQueriesContext

    from patients.models import Patient

    spec = exports.ExportSpec(Dataset.WALKS, Scope(clinic_id=seeded.clinic_a.pk), False)
    table = exports.build_table(spec, Patient.objects.all(), seeded.clinic_a)
    with CaptureQueriesContext(postgres):
        text = exports.csv_text(table)
    assert text.count("\n") == 1 + WalkLog.objects.filter(patient__clinic=seeded.clinic_a).count()


@pytest.mark.timeout(60)  # on the old code this test hung for good
def test_progress_is_reported_while_the_copy_streams(
    seeded, postgres, settings, media, monkeypatch
):
    """Issue 16: the progress update ran on the connection streaming the COPY and the job
    never came back. Report on every chunk: the job must finish with every row."""
    settings.WALKBACK_EXPORT_INLINE_ROWS = 0
    settings.WALKBACK_EXPORT_PROGRESS_SECONDS = 0
    monkeypatch.setattr(exports, "CHUNK_BYTES", 256)
    spec = exports.ExportSpec(Dataset.WALKS, Scope(clinic_id=seeded.clinic_a.pk), False)
    plan = services.export_request(by=seeded.admin_a, spec=spec, format="csv")
    job = services.export_job_run(job_id=str(plan.job.pk))
    assert job.state == ExportState.DONE
    data = Path(job.file.path).read_bytes()
    # The byte order mark once, at the start, however many chunks the copy came in.
    assert data.startswith(CSV_BOM.encode()) and data.count(CSV_BOM.encode()) == 1
    lines = data.decode("utf-8-sig").splitlines()
    assert len(lines) - 1 == plan.rows > 100


def test_a_large_export_with_the_broker_down_still_answers_and_is_handed_over_later(
    seeded, client_for, settings, media, django_capture_on_commit_callbacks, monkeypatch
):
    """The job was saved, then the hand-over raised: the page gave a server error and the job
    waited for good, since nothing handed pending jobs over again."""
    from kombu.exceptions import OperationalError

    settings.WALKBACK_EXPORT_INLINE_ROWS = 10

    def broker_down(*args):
        raise OperationalError("connection refused")

    monkeypatch.setattr("walkback.reports.tasks.export_run_task.delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client_for(seeded.admin_a), "walks")
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.state == ExportState.PENDING

    handed = []
    monkeypatch.setattr("walkback.reports.tasks.export_run_task.delay", handed.append)
    assert services.exports_requeue() == 0  # not yet: it may still be on its way
    later = timezone.now() + services.EXPORT_REQUEUE_AFTER + dt.timedelta(seconds=1)
    assert services.exports_requeue(now=later) == 1
    assert handed == [str(job.pk)]
    services.export_job_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.state == ExportState.DONE
    assert services.exports_requeue(now=later) == 0  # done: nothing to hand over
