"""What the programme does when the patient layer says a patient's records changed
(``patients.signals``): refresh their caseload rows in the same transaction."""

from __future__ import annotations

from coaching.services.status import caseload_rows_refresh


def caseload_rows_on_records_changed(sender, *, patient_ids: list[int], **kwargs) -> None:
    caseload_rows_refresh(patient_ids=patient_ids)
