"""The Monday digest: a physiotherapist's own patients who need attention this week.

Which patients need attention is the caseload's business: the digest reads the same maintained
rows the caseload shows (``coaching.models.CaseloadRow``, with the flags of
``coaching.flags``), scoped like the caseload (``coaching.selectors.caseload_rows_for``: only
the physiotherapist's own clinic, and of it only their own patients). The physiotherapist's
rows are refreshed first, at the moment the digest is written: it goes out once a week, just
after midnight has changed every patient's day, so it must not depend on when the periodic
refresh last ran (one physiotherapist's patients: a few queries, once a week).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from coaching.flags import FLAG_LABELS
from coaching.selectors import caseload_rows_for
from coaching.services.status import caseload_rows_refresh
from patients.models import Patient, PatientStatus
from patients.selectors import patients_for

IN_PROGRAMME = [PatientStatus.ACTIVE, PatientStatus.MAINTENANCE]


@dataclass(frozen=True)
class DigestItem:
    patient: Patient
    labels: tuple[str, ...]


def digest_items_for(physio, *, now: dt.datetime | None = None) -> list[DigestItem]:
    now = now or timezone.now()
    own = (
        patients_for(physio)
        .filter(physiotherapist=physio, status__in=IN_PROGRAMME)
        .order_by()
        .values_list("pk", flat=True)
    )
    caseload_rows_refresh(patient_ids=list(own), now=now)
    rows = (
        caseload_rows_for(physio, mine=True)
        .filter(status__in=IN_PROGRAMME, flag_bits__gt=0)
        .select_related("patient__user")
        .order_by("sort_name", "patient_id")
    )
    return [
        DigestItem(
            patient=row.patient, labels=tuple(FLAG_LABELS[code] for code, _detail in row.flags)
        )
        for row in rows
    ]
