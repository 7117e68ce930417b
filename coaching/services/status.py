"""The maintained caseload status (``coaching.models.CaseloadRow``): written with every change that
alters it, and refreshed for what the clock changes (docs/programme-rules.md, "The caseload's
status")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from coaching.models import (
    CaseloadRow,
)
from coaching.status import STATUS_FIELDS, status_differs, statuses_compute
from patients.models import Patient

CASELOAD_REFRESH_BATCH = 500


def caseload_rows_refresh(*, patient_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """Recompute the caseload rows of these patients and write those that changed; returns
    how many were written. Called inside the transaction of every write that changes a row
    (directly here, through ``patients.signals.patient_records_changed`` from the patient
    layer) and by the periodic refresh for what the clock changes.

    The patients are locked first (``FOR NO KEY UPDATE``, which walks and check-ins being
    inserted do not wait for), in id order, so two writes about the same patient cannot each
    compute the row without the other's change: the second waits for the first to commit and
    then reads it. Every service that locks a patient uses the same mode (they change no key):
    a service holding ``FOR UPDATE`` while a walk's transaction, which holds the key-share
    lock of its insert, asks for this one would be a deadlock. In batches, so memory stays
    bounded however many patients."""
    ids = sorted(set(patient_ids))
    written = 0
    for start in range(0, len(ids), CASELOAD_REFRESH_BATCH):
        batch = ids[start : start + CASELOAD_REFRESH_BATCH]
        with transaction.atomic():
            list(
                Patient.objects.select_for_update(no_key=True)
                .filter(pk__in=batch)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            fresh = statuses_compute(batch, now=now or timezone.now())
            stored = {
                row["patient_id"]: row
                for row in CaseloadRow.objects.filter(patient_id__in=batch).values(
                    "patient_id", *STATUS_FIELDS
                )
            }
            changed = [
                CaseloadRow(patient_id=pk, **values)
                for pk, values in fresh.items()
                if status_differs(stored.get(pk), values)
            ]
            if changed:
                CaseloadRow.objects.bulk_create(
                    changed,
                    update_conflicts=True,
                    unique_fields=["patient"],
                    update_fields=STATUS_FIELDS,
                )
            written += len(changed)
    return written


def caseload_rows_refresh_due(*, now: dt.datetime | None = None, limit: int = 50_000) -> int:
    """The periodic refresh: rows whose ``valid_until`` has passed (a day ended in the
    patient's zone, a session fell overdue), and patients who have no row yet. At most
    ``limit`` patients a run (the next run takes the rest); returns how many rows changed."""
    now = now or timezone.now()
    due = list(
        CaseloadRow.objects.filter(valid_until__lte=now)
        .order_by("valid_until")
        .values_list("patient_id", flat=True)[:limit]
    )
    missing = list(
        Patient.objects.filter(caseload_row__isnull=True)
        .order_by()
        .values_list("pk", flat=True)[: max(0, limit - len(due))]
    )
    return caseload_rows_refresh(patient_ids=due + missing, now=now)
