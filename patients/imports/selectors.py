"""Reads of imports: a patient's own uploads only (another patient's id is a 404)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from patients.imports.models import ImportBatch
from patients.models import Patient


def own_import(patient: Patient, batch_id) -> ImportBatch:
    return get_object_or_404(ImportBatch.objects.filter(patient=patient), pk=batch_id)


def recent_imports(patient: Patient, *, limit: int = 5) -> list[ImportBatch]:
    return list(
        ImportBatch.objects.filter(patient=patient).defer("preview").order_by("-created_at")[:limit]
    )
