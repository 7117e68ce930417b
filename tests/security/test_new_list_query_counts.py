"""The lists added for issue 11 read a fixed number of queries, however many rows they show:
the audit trail, closing requests, "who has seen my record", a patient's walks for their
physiotherapist and the deactivation page's patients."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    AccountClosingFactory,
    AuditEventFactory,
    PatientFactory,
    WalkLogFactory,
)
from walkback.audit.models import AuditAction

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    client.get(url)  # settle the session
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def _audit_reads(world, n):
    for _ in range(n):
        AuditEventFactory(
            actor=world.physio_a,
            clinic=world.clinic_a,
            patient=world.patient_a,
            action=AuditAction.READ,
        )


def _closings(world, n):
    for _ in range(n):
        AccountClosingFactory(patient=PatientFactory(clinic=world.clinic_a))


def _walks(world, n):
    start = world.patient_a.today() - dt.timedelta(days=200)
    for day in range(n):
        WalkLogFactory(patient=world.patient_a, walked_on=start + dt.timedelta(days=day))


def _patients(world, n):
    for _ in range(n):
        PatientFactory(clinic=world.clinic_a, physiotherapist=world.physio_a2)


# Session, user and device first, then the page's own reads and its audit rows.
PINNED = {
    "audit trail": 10,
    "closing requests": 7,
    "who has seen my record": 7,
    "a patient's walks": 6,
    "deactivation page": 10,
}

CASES = {
    "audit trail": ("admin_a", lambda w: reverse("clinic:audit"), _audit_reads),
    "closing requests": ("admin_a", lambda w: reverse("clinic:closings"), _closings),
    "who has seen my record": (None, lambda w: reverse("portal:seen"), _audit_reads),
    "a patient's walks": (
        "physio_a",
        lambda w: reverse("patients:walks", args=[w.patient_a.pk]),
        _walks,
    ),
    "deactivation page": (
        "admin_a",
        lambda w: reverse("staff:deactivate", args=[w.physio_a2.pk]),
        _patients,
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_the_list_reads_the_same_queries_at_2_and_12_rows(world, client_for, case):
    who, url, add = CASES[case]
    user = getattr(world, who) if who else world.patient_a.user
    client = client_for(user)
    add(world, 2)
    few = _queries(client, url(world))
    add(world, 10)
    assert few == PINNED[case]
    assert _queries(client, url(world)) == few
