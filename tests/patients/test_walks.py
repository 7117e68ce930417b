"""Logging, changing and deleting walks: the services' rules and the portal's forms."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, transaction
from django.urls import reverse

from patients.models import WalkLog
from patients.services.walks import walk_delete, walk_log, walk_update
from tests.factories import PatientFactory, WalkLogFactory
from tests.patients.conftest import in_programme
from walkback.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(world):
    return in_programme(world.patient_a, days=60)


def post_walk(client, **fields):
    data = {"walked_on": "", "minutes": "", "steps": "", "pain": "", "note": ""}
    data.update({k: str(v) for k, v in fields.items()})
    return client.post(reverse("portal:walk-new"), data)


def test_logging_a_walk_says_what_changed(client_for, patient):
    WalkLogFactory(patient=patient, walked_on=patient.today(), minutes=45)
    client = client_for(patient.user)
    response = post_walk(client, walked_on=patient.today(), minutes=30, pain=2, steps=3200)
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    walk = WalkLog.objects.get(patient=patient, minutes=30)
    assert (walk.pain, walk.steps, walk.walked_on) == (2, 3200, patient.today())
    page = client.get(reverse("portal:home")).content.decode()
    assert "That&#x27;s 75 of 150 minutes this week." in page
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="patients.WalkLog", object_id=str(walk.pk)
    ).exists()


def test_a_quick_choice_is_used_when_no_minutes_are_typed(client_for, patient):
    client = client_for(patient.user)
    post_walk(client, walked_on=patient.today(), quick_minutes=20)
    assert WalkLog.objects.get(patient=patient).minutes == 20
    # Typed minutes win over a quick choice (without JavaScript both can be sent).
    post_walk(client, walked_on=patient.today(), quick_minutes=20, minutes=25)
    assert sorted(WalkLog.objects.values_list("minutes", flat=True)) == [20, 25]


def test_the_form_starts_on_today_with_a_fresh_token(client_for, patient):
    page = client_for(patient.user).get(reverse("portal:walk-new")).content.decode()
    assert f'value="{patient.today().isoformat()}"' in page
    assert 'name="submission_token"' in page
    assert 'max="' + patient.today().isoformat() + '"' in page


def test_a_double_tap_saves_one_walk(client_for, patient):
    client = client_for(patient.user)
    token = uuid.uuid4()
    for _ in range(2):
        response = post_walk(client, walked_on=patient.today(), minutes=30, submission_token=token)
        assert response.status_code == 302
    assert WalkLog.objects.filter(patient=patient).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, patient=patient).count() == 1


TODAY = object()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"minutes": 0}, "minutes", "Minutes must be a whole number from 1 to 600."),
        ({"minutes": -5}, "minutes", "Minutes must be a whole number from 1 to 600."),
        ({"minutes": 601}, "minutes", "Minutes must be a whole number from 1 to 600."),
        ({"minutes": "half an hour"}, "minutes", "Minutes must be a whole number from 1 to 600."),
        ({"minutes": ""}, "minutes", "How many minutes did you walk?"),
        ({"pain": 11}, "pain", "Back pain is a number from 0 (no pain) to 10 (worst pain)."),
        ({"steps": 1_000_000}, "steps", "Steps must be a whole number from 0 to 100,000."),
        ({"note": "x" * 501}, "note", "Please keep the note to 500 characters."),
        ({"walked_on": "tomorrow"}, "walked_on", "Please give a real date"),
        ({"walked_on": 1}, "walked_on", "That date is in the future."),
        ({"walked_on": -61}, "walked_on", "Your programme began on"),
    ],
)
def test_bad_input_gets_a_message_next_to_the_field_and_saves_nothing(
    client_for, patient, fields, field, message
):
    data = {"walked_on": patient.today(), "minutes": 30} | fields
    if isinstance(data["walked_on"], int):
        data["walked_on"] = patient.today() + dt.timedelta(days=data["walked_on"])
    response = post_walk(client_for(patient.user), **data)
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    page = response.content.decode()
    # The message is rendered right under the field, tied to it for screen readers.
    assert f'id="id_{field}_error"' in page
    assert 'aria-invalid="true"' in page
    assert not WalkLog.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.CREATE, patient=patient).exists()


def test_the_service_refuses_what_the_form_would(patient):
    today = patient.today()
    with pytest.raises(ValidationError) as error:
        walk_log(patient=patient, by=patient.user, walked_on=today + dt.timedelta(days=1),
                 minutes=601, pain=11, steps=100_001, note="n" * 501)  # fmt: skip
    assert set(error.value.message_dict) == {"walked_on", "minutes", "pain", "steps", "note"}
    assert not WalkLog.objects.exists()


@pytest.mark.parametrize(
    "values",
    [
        {"minutes": 0},
        {"minutes": 601},
        {"pain": 11},
        {"steps": 100_001},
        {"walked_on": dt.date.today() + dt.timedelta(days=3)},
        {"note": "x" * 501},
    ],
)
def test_the_database_backs_the_bounds(patient, values):
    fields = {"patient": patient, "walked_on": dt.date.today(), "minutes": 30} | values
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        WalkLogFactory(**fields)


def test_another_patients_walk_is_not_found(client_for, world, patient):
    other = WalkLogFactory(patient=world.patient_a2, minutes=33)
    far = WalkLogFactory(patient=world.patient_b, minutes=34)
    client = client_for(patient.user)
    for walk in (other, far):
        assert client.get(reverse("portal:walk-edit", args=[walk.pk])).status_code == 404
        data = {"walked_on": patient.today(), "minutes": 1}
        assert client.post(reverse("portal:walk-edit", args=[walk.pk]), data).status_code == 404
        assert client.post(reverse("portal:walk-delete", args=[walk.pk])).status_code == 404
    assert sorted(WalkLog.objects.values_list("minutes", flat=True)) == [33, 34]


def test_a_recent_walk_can_be_changed_and_deleted(client_for, patient):
    walk = WalkLogFactory(
        patient=patient, walked_on=patient.today() - dt.timedelta(days=13), minutes=20
    )
    client = client_for(patient.user)
    response = client.post(
        reverse("portal:walk-edit", args=[walk.pk]),
        {"walked_on": walk.walked_on, "minutes": 25, "pain": 3, "note": "windy"},
    )
    assert response.status_code == 302
    walk.refresh_from_db()
    assert (walk.minutes, walk.pain, walk.note) == (25, 3, "windy")
    update = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(walk.pk))
    assert update.detail == {"fields": ["minutes", "note", "pain"]}
    assert client.get(reverse("portal:walk-delete", args=[walk.pk])).status_code == 200
    assert client.post(reverse("portal:walk-delete", args=[walk.pk])).status_code == 302
    assert not WalkLog.objects.filter(pk=walk.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.DELETE, object_id=str(walk.pk)).exists()


def test_walks_older_than_14_days_are_read_only(client_for, patient):
    walk = WalkLogFactory(
        patient=patient, walked_on=patient.today() - dt.timedelta(days=14), minutes=20
    )
    client = client_for(patient.user)
    page = client.get(reverse("portal:walk-edit", args=[walk.pk])).content.decode()
    assert "can no longer be changed" in page and "<form" not in page.split("<main")[1]
    response = client.post(
        reverse("portal:walk-edit", args=[walk.pk]), {"walked_on": walk.walked_on, "minutes": 99}
    )
    assert response.status_code == 200
    response = client.post(reverse("portal:walk-delete", args=[walk.pk]))
    assert response.status_code == 200 and b"can no longer be deleted" in response.content
    walk.refresh_from_db()
    assert walk.minutes == 20
    with pytest.raises(ValidationError):
        walk_update(walk=walk, by=patient.user, walked_on=walk.walked_on, minutes=99)
    with pytest.raises(ValidationError):
        walk_delete(walk=walk, by=patient.user)


def test_a_recent_walk_cannot_be_moved_out_of_the_window(patient):
    walk = WalkLogFactory(patient=patient, walked_on=patient.today(), minutes=20)
    with pytest.raises(ValidationError) as error:
        walk_update(walk=walk, by=patient.user,
                    walked_on=patient.today() - dt.timedelta(days=20), minutes=20)  # fmt: skip
    assert "walked_on" in error.value.message_dict


@pytest.mark.django_db(transaction=True)
def test_concurrent_logging_loses_nothing_and_duplicates_nothing():
    """Eight clients at once, each sending its walk twice with the same token (a double tap
    racing itself): exactly eight walks."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for real concurrent transactions")
    patient = PatientFactory()
    tokens = [uuid.uuid4() for _ in range(8)]
    barrier = threading.Barrier(16)
    errors = []

    def post(token):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            walk_log(patient=patient, by=patient.user, walked_on=patient.today(), minutes=10,
                     submission_token=token)  # fmt: skip
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=post, args=(t,)) for t in tokens * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert WalkLog.objects.filter(patient=patient).count() == 8
