"""What the patients tests share."""

from __future__ import annotations

import datetime as dt

from tests.factories import PrescriptionFactory


def in_programme(patient, *, days: int):
    """``patient`` started the programme ``days`` ago with a 5 x 30 minutes prescription."""
    patient.programme_start = patient.today() - dt.timedelta(days=days)
    patient.save()
    PrescriptionFactory(
        patient=patient,
        effective_from=patient.programme_start,
        walks_per_week=5,
        minutes_per_walk=30,
    )
    return patient
