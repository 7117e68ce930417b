"""The questionnaire pages read a fixed number of queries however many answers a patient has
(the staff chart page and the patient's list), like every list in docs/performance.md."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from walkback.demo.factories import QuestionnaireResponseFactory

pytestmark = pytest.mark.django_db

# The same with 4 answers or 8: session, user and device, the patient, the answers, audit.
PINNED = {"physio": 8, "patient": 7}


def _queries(client, url) -> int:
    client.get(url)  # settle the session
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def _answers(patient, weeks):
    for week in weeks:
        for instrument, score in (("nprs", 6), ("peg", 5)):
            QuestionnaireResponseFactory(
                patient=patient, instrument=instrument, week=week, score=score
            )


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("physio", lambda p: reverse("proms:patient", args=[p.pk])),
        ("patient", lambda p: reverse("proms_portal:list")),
    ],
)
def test_the_count_does_not_grow_with_the_answers(world, client_for, who, url):
    patient = world.patient_a
    client = client_for(world.physio_a if who == "physio" else patient.user)
    _answers(patient, [0, 12])
    few = _queries(client, url(patient))
    _answers(patient, [26, 52])
    assert _queries(client, url(patient)) == few == PINNED[who]
