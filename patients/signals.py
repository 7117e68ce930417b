"""Signals the patient layer sends to the layers above it, which it may not import.

``patient_records_changed`` is sent by every service of this layer that changes what the
programme shows about a patient (a walk, a check-in, the screening, the patient's details or
physiotherapist), inside that service's transaction, with ``patient_ids``. Receivers run
synchronously in the same transaction: the programme's maintained status
(``coaching.models.CaseloadRow``) is written with the change, or neither is.
"""

from __future__ import annotations

from django.dispatch import Signal

patient_records_changed = Signal()


def records_changed(*patient_ids: int) -> None:
    """Tell the layers above that these patients' records changed (call inside the write's
    transaction)."""
    patient_records_changed.send(sender=None, patient_ids=list(patient_ids))
