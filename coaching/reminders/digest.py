"""The Monday digest: a physiotherapist's own patients who need attention this week.

Which patients need attention is the caseload's business (issue 3's ``coaching.flags``): this
module only scopes the patients and asks it, lazily, so the digest follows the same flags the
caseload page shows. Scoping goes through ``patients_for``: only the physiotherapist's own
clinic, and of it only their own patients.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from patients.models import Patient, PatientStatus
from patients.selectors import patients_for


@dataclass(frozen=True)
class DigestItem:
    patient: Patient
    labels: tuple[str, ...]


def digest_patients(physio) -> list[Patient]:
    return list(
        patients_for(physio).filter(
            physiotherapist=physio,
            status__in=[PatientStatus.ACTIVE, PatientStatus.MAINTENANCE],
        )
    )


def digest_items_for(physio, today: dt.date) -> list[DigestItem]:
    patients = digest_patients(physio)
    if not patients:
        return []
    from coaching.flags import flags_for  # the caseload's attention flags (import cycle)

    flags = flags_for(patients, today=today)
    return [
        DigestItem(patient=p, labels=tuple(flag.label for flag in flags[p.pk]))
        for p in patients
        if flags.get(p.pk)
    ]
