"""Reminder e-mails end with how to reach the clinic (its settings page, issue 11)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from coaching.models import ReminderKind
from tests.factories import (
    ClinicFactory,
    PatientFactory,
    PrescriptionFactory,
    ReminderFactory,
    UserFactory,
)
from tests.reminders.helpers import at

SYDNEY = "Australia/Sydney"
NOON = at(SYDNEY, 2025, 6, 4, 12, 0)


@pytest.fixture
def patient(db):
    clinic = ClinicFactory(
        name="Harbour Physio",
        time_zone=SYDNEY,
        contact_phone="+61298765432",
        address="12 Harbour Street\nSydney NSW 2000",
    )
    patient = PatientFactory(clinic=clinic, user__full_name="Paula Walker")
    PrescriptionFactory(
        patient=patient,
        effective_from=dt.date(2025, 5, 1),
        walks_per_week=5,
        minutes_per_walk=20,
        author=UserFactory(clinic=clinic),
    )
    return patient


def test_a_reminder_ends_with_the_clinics_phone_and_address(patient, run_due):
    with time_machine.travel(NOON, tick=False):
        ReminderFactory(
            recipient=patient.user,
            patient=patient,
            kind=ReminderKind.WALK,
            due_at=timezone.now() - dt.timedelta(minutes=1),
            idempotency_key=f"footer:{patient.pk}",
        )
        (message,) = run_due()
    footer = message.body.split("--")[0].rstrip()
    assert footer.endswith(
        "Harbour Physio\nPhone: (02) 9876 5432\n12 Harbour Street\nSydney NSW 2000"
    )
    html, _ = message.alternatives[0]
    assert 'href="tel:+61298765432"' in html
    assert "12 Harbour Street<br>Sydney NSW 2000" in html
