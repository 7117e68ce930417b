"""docs/security.md#input: generated input posted to the physiotherapist's forms never gives a
server error and never leaves a partial row: either the form says what is wrong and nothing
changes, or exactly the intended change is saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coaching.models import CoachingSession, Prescription, SessionStatus
from tests.coaching.helpers import enrolled, started
from walkback.accounts.models import User

pytestmark = pytest.mark.django_db

VALUE = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**9), max_value=10**9).map(str),
    st.sampled_from(
        ["", "0", "1", "14", "15", "180", "600", "-1", "12.5", "2024-02-30", "25:61", "on",
         "in_person", "video", "phone", "done", "https://meet.example/x", "x" * 5000]
    ),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 1, 1)).map(str),
)  # fmt: skip
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _form(fields):
    return st.dictionaries(st.sampled_from(fields), VALUE)


@pytest.fixture
def patient(world):
    return started(world.physio_a, start_on=dt.date.today() - dt.timedelta(days=10))


@FUZZ
@given(data=_form(["walks_per_week", "minutes_per_walk", "effective_from", "session", "rationale"]))
def test_prescription_form(client_for, world, patient, data):
    before = Prescription.objects.count()
    response = client_for(world.physio_a).post(
        reverse("coaching:prescription-new", args=[patient.pk]), data
    )
    assert response.status_code in (200, 302)
    added = Prescription.objects.count() - before
    assert added == (1 if response.status_code == 302 else 0)
    for row in Prescription.objects.filter(patient=patient):
        assert 1 <= row.walks_per_week <= 14 and 1 <= row.minutes_per_walk <= 180


@FUZZ
@given(
    data=_form(["date", "time", "duration_minutes", "mode", "video_link", "purpose"]),
    number=st.integers(min_value=1, max_value=6),
)
def test_session_plan_form(client_for, world, patient, data, number):
    session = CoachingSession.objects.get(patient=patient, number=number)
    before = (session.scheduled_at, session.mode, session.duration_minutes, session.video_link)
    response = client_for(world.physio_a).post(
        reverse("coaching:session-edit", args=[session.pk]), data
    )
    assert response.status_code in (200, 302)
    session.refresh_from_db()
    after = (session.scheduled_at, session.mode, session.duration_minutes, session.video_link)
    if response.status_code == 200:
        assert after == before
    numbers = list(
        CoachingSession.objects.filter(patient=patient)
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("scheduled_at")
        .values_list("number", flat=True)
    )
    assert numbers == sorted(numbers), "sessions stay in number order"


@FUZZ
@given(
    data=_form(
        ["full_name", "email", "phone", "date_of_birth", "time_zone", "preferred_days",
         "preferred_time", "physiotherapist"]
    )
)  # fmt: skip
def test_enrolment_form(client_for, world, data):
    before = User.objects.count()
    response = client_for(world.physio_a).post(reverse("patients:invite"), data)
    assert response.status_code in (200, 302)
    assert User.objects.count() - before == (1 if response.status_code == 302 else 0)


@FUZZ
@given(
    data=_form(
        ["recovered_in_last_6_months", "episode_lasted_24h", "able_to_walk",
         "already_active_3_per_week", "heart_or_circulation", "balance_or_falls", "older_age",
         "clearance_date", "clearance_note", "baseline_minutes_per_week", "ineligible_reason"]
    )
)  # fmt: skip
def test_screening_form(client_for, world, data):
    patient = enrolled(world.physio_a, on=dt.date.today() - dt.timedelta(days=2))
    response = client_for(world.physio_a).post(
        reverse("patients:screening", args=[patient.pk]), data
    )
    assert response.status_code in (200, 302)
    patient.refresh_from_db()
    screening = getattr(patient, "screening", None)
    if response.status_code == 200:
        assert screening is None
    elif screening is not None and screening.clearance_date is not None:
        assert screening.clearance_date <= dt.date.today() + dt.timedelta(days=1)
