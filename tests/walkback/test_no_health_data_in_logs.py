"""docs/security.md#records: no health data in logs. Health data goes in through the real pages and
services with sentinel values, with every logger at DEBUG; no log line may carry them."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import pytest
from django.urls import reverse

from coaching.models import SessionStatus
from coaching.services.sessions import session_update
from patients.services.walks import walk_log
from tests.factories import CoachingSessionFactory

SENTINELS = ("SENTINEL-WALK-NOTE", "SENTINEL-SESSION-NOTE", "SENTINEL-PROBLEM")


@pytest.mark.django_db
def test_health_data_never_reaches_the_logs(world, client_for, caplog, settings):
    caplog.set_level(logging.DEBUG)
    patient = world.patient_a
    patient.programme_start = patient.today() - dt.timedelta(days=20)
    patient.save(update_fields=["programme_start"])

    walk_log(
        patient=patient,
        by=patient.user,
        walked_on=patient.today(),
        minutes=31,
        pain=7,
        note=SENTINELS[0],
        submission_token=uuid.uuid4(),
    )
    session = CoachingSessionFactory(
        patient=patient,
        number=1,
        purpose="prescribe",
        mode="in_person",
        scheduled_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
        status=SessionStatus.PLANNED,
    )
    session_update(session=session, by=world.physio_a, notes=SENTINELS[1], confidence=6)
    portal = client_for(patient.user)
    response = portal.post(
        reverse("portal:problem"),
        {
            "occurred_on": patient.today().isoformat(),
            "body_region": "knee",
            "severity": "mild",
            "related_to_walking": "unsure",
            "description": SENTINELS[2],
        },
    )
    assert response.status_code == 302
    # Reading the records back, as staff do, must not log them either.
    staff = client_for(world.physio_a)
    assert SENTINELS[0].encode() in staff.get(reverse("patients:detail", args=[patient.pk])).content
    portal.get(reverse("portal:data-json"))
    staff.get(reverse("patients:detail", args=[world.patient_b.pk]))  # a 404: django.request logs
    from coaching.reminders.delivery import reminders_sweep

    reminders_sweep()  # the physio's notice of the problem report is handed over (and logged)

    assert caplog.records, "the test should have captured some logging"
    for record in caplog.records:
        line = record.getMessage() + repr(getattr(record, "args", ""))
        for sentinel in SENTINELS:
            assert sentinel not in line, f"{record.name} logged health data: {line[:200]}"
