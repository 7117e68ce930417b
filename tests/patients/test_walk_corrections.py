"""Issue 11: a physiotherapist corrects a walk of any age (a new value with a reason, audited,
the original kept, the patient sees it); a long walk asks the patient "are you sure?"."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from coaching.models import CaseloadRow
from patients.models import WalkLog
from patients.services.walks import (
    long_walk_question,
    usual_walk_minutes,
    walk_correct,
    walk_update,
)
from tests.factories import WalkLogFactory
from tests.patients.conftest import in_programme
from walkback.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(world):
    return in_programme(world.patient_a, days=120)


def old_walk(patient, *, days_ago=90, minutes=200):
    """A walk logged on the day it was walked, ``days_ago`` days ago."""
    walk = WalkLogFactory(
        patient=patient, walked_on=patient.today() - dt.timedelta(days=days_ago), minutes=minutes
    )
    # Noon on the walk's own day in the patient's zone: "now minus N days" can land on the day
    # before when a daylight-saving change falls in between.
    WalkLog.objects.filter(pk=walk.pk).update(
        created_at=dt.datetime.combine(walk.walked_on, dt.time(12), tzinfo=patient.zone)
    )
    walk.refresh_from_db()
    return walk


# --- The service ---------------------------------------------------------------------------


def test_a_walk_of_any_age_is_corrected_with_its_original_kept_and_audited(world, patient):
    walk = old_walk(patient, days_ago=90, minutes=200)
    new_day = walk.walked_on - dt.timedelta(days=1)
    walk_correct(
        walk=walk, by=world.physio_a, minutes=20, walked_on=new_day, reason="  Typing slip:\n 20 "
    )
    walk.refresh_from_db()
    assert (walk.minutes, walk.walked_on) == (20, new_day)
    assert (walk.original_minutes, walk.original_walked_on) == (200, new_day + dt.timedelta(1))
    assert walk.corrected_by == world.physio_a and walk.corrected_at is not None
    assert walk.correction_reason == "Typing slip: 20"
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(walk.pk))
    assert event.actor == world.physio_a and event.patient_id == patient.pk
    assert event.detail == {"event": "walk_corrected", "fields": ["minutes", "walked_on"]}
    assert "slip" not in str(event.detail)  # the free-text reason stays out of the trail


def test_a_second_correction_keeps_what_the_patient_first_logged(world, patient):
    walk = old_walk(patient, minutes=200)
    walk_correct(walk=walk, by=world.physio_a, minutes=20, walked_on=walk.walked_on, reason="a")
    walk.refresh_from_db()
    walk_correct(walk=walk, by=world.physio_a2, minutes=25, walked_on=walk.walked_on, reason="b")
    walk.refresh_from_db()
    assert (walk.minutes, walk.original_minutes, walk.correction_reason) == (25, 200, "b")
    assert walk.corrected_by == world.physio_a2


def test_the_caseload_row_and_week_totals_use_the_corrected_value(world, patient):
    walk = WalkLogFactory(patient=patient, walked_on=patient.today(), minutes=200)
    walk_correct(walk=walk, by=world.physio_a, minutes=20, walked_on=walk.walked_on, reason="slip")
    row = CaseloadRow.objects.get(patient=patient)
    assert row.week_minutes == 20


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"minutes": 0}, "minutes"),
        ({"minutes": 601}, "minutes"),
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 201}, "reason"),
        ({"walked_on": "after logging"}, "walked_on"),
        ({"walked_on": "before start"}, "walked_on"),
        ({"minutes": 200, "walked_on": "same"}, "minutes"),  # nothing to correct
    ],
)
def test_bad_corrections_get_a_message_by_the_field_and_change_nothing(
    world, patient, change, field
):
    walk = old_walk(patient, days_ago=30, minutes=200)
    values = {"minutes": 20, "walked_on": walk.walked_on, "reason": "slip"} | change
    days = {
        "after logging": walk.walked_on + dt.timedelta(days=1),
        "before start": patient.programme_start - dt.timedelta(days=1),
        "same": walk.walked_on,
    }
    values["walked_on"] = days.get(values["walked_on"], values["walked_on"])
    with pytest.raises(ValidationError) as error:
        walk_correct(walk=walk, by=world.physio_a, **values)
    assert field in error.value.message_dict
    walk.refresh_from_db()
    assert (walk.minutes, walk.corrected_at) == (200, None)


@pytest.mark.parametrize("who", ["admin_a", "physio_b"])
def test_only_a_physiotherapist_of_the_clinic_corrects(world, patient, who):
    walk = old_walk(patient)
    with pytest.raises(ValidationError):
        walk_correct(
            walk=walk, by=getattr(world, who), minutes=20, walked_on=walk.walked_on, reason="x"
        )


@pytest.mark.parametrize(
    "fields",
    [
        {"original_minutes": 200},  # a change without who, when and why
        {"corrected_at": "now", "correction_reason": "x"},  # no original, no author
        {
            "original_minutes": 0,
            "original_walked_on": "today",
            "corrected_at": "now",
            "correction_reason": "x",
            "corrected_by": "physio",
        },  # fmt: skip
        {
            "original_minutes": 20,
            "original_walked_on": "today",
            "corrected_at": "now",
            "correction_reason": "",
            "corrected_by": "physio",
        },  # fmt: skip
    ],
)
def test_the_database_keeps_a_correction_whole(world, patient, fields):
    values = {"today": patient.today(), "now": timezone.now(), "physio": world.physio_a}
    walk = WalkLogFactory(patient=patient, walked_on=patient.today(), minutes=20)
    for name, value in fields.items():
        setattr(walk, name, values.get(value, value) if isinstance(value, str) else value)
    with pytest.raises(IntegrityError), transaction.atomic():
        walk.save()


def test_the_patient_can_no_longer_change_a_corrected_walk(world, patient):
    walk = WalkLogFactory(patient=patient, walked_on=patient.today(), minutes=200)
    walk_correct(walk=walk, by=world.physio_a, minutes=20, walked_on=walk.walked_on, reason="x")
    walk.refresh_from_db()
    with pytest.raises(ValidationError, match="corrected this walk"):
        walk_update(walk=walk, by=patient.user, walked_on=walk.walked_on, minutes=200)


# --- The pages -----------------------------------------------------------------------------


def test_the_physio_corrects_over_http_and_the_patient_reads_it(world, patient, client_for):
    walk = old_walk(patient, days_ago=60, minutes=200)
    physio = client_for(world.physio_a)
    page = physio.get(reverse("patients:walks", args=[patient.pk]))
    assert reverse("patients:walk-correct", args=[walk.pk]) in page.content.decode()
    url = reverse("patients:walk-correct", args=[walk.pk])
    form_page = physio.get(url).content.decode()
    # The date picker offers only the days the walk can have: from the programme start to
    # the day it was logged.
    assert f'max="{walk.walked_on.isoformat()}"' in form_page
    assert f'min="{patient.programme_start.isoformat()}"' in form_page
    response = physio.post(
        url, {"minutes": "20", "walked_on": walk.walked_on.isoformat(), "reason": "Slip for 20"}
    )
    assert response.status_code == 302
    walk.refresh_from_db()
    assert walk.minutes == 20
    shown = physio.get(reverse("patients:walks", args=[patient.pk])).content.decode()
    assert "Logged as 200 min" in shown and "Slip for 20" in shown

    week = patient.today() - dt.timedelta(days=60)
    history = client_for(patient.user).get(
        reverse(
            "portal:history-week", args=[(week - dt.timedelta(days=week.weekday())).isoformat()]
        )
    )
    text = history.content.decode()
    assert "Corrected by your physiotherapist: Slip for 20" in text
    assert "you logged 200 minutes" in text


def test_bad_input_on_the_correction_page_is_shown_by_the_field(world, patient, client_for):
    walk = old_walk(patient, minutes=200)
    response = client_for(world.physio_a).post(
        reverse("patients:walk-correct", args=[walk.pk]),
        {"minutes": "abc", "walked_on": walk.walked_on.isoformat(), "reason": ""},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Minutes must be a whole number from 1 to 600." in errors["minutes"]
    assert "the patient reads it" in errors["reason"][0]
    walk.refresh_from_db()
    assert walk.minutes == 200


def test_an_admin_reads_the_walks_but_cannot_correct(world, patient, client_for):
    walk = old_walk(patient)
    admin = client_for(world.admin_a)
    page = admin.get(reverse("patients:walks", args=[patient.pk]))
    assert page.status_code == 200
    assert reverse("patients:walk-correct", args=[walk.pk]) not in page.content.decode()
    assert admin.get(reverse("patients:walk-correct", args=[walk.pk])).status_code in (403, 404)


# --- "Are you sure?" before a long walk ----------------------------------------------------


def post_walk(client, url=None, **fields):
    data = {"walked_on": "", "minutes": "", "steps": "", "pain": "", "note": ""}
    data.update({k: str(v) for k, v in fields.items()})
    return client.post(url or reverse("portal:walk-new"), data)


def test_the_usual_walk_is_the_median_of_four_weeks_once_there_are_ten(patient):
    today = patient.today()
    for day in range(9):
        WalkLogFactory(patient=patient, walked_on=today - dt.timedelta(days=day), minutes=20)
    WalkLogFactory(patient=patient, walked_on=today - dt.timedelta(days=28), minutes=20)
    assert usual_walk_minutes(patient, today=today) is None  # 9 in the window: too few
    WalkLogFactory(patient=patient, walked_on=today - dt.timedelta(days=9), minutes=90)
    assert usual_walk_minutes(patient, today=today) == 20
    assert long_walk_question(patient, minutes=60, today=today) is None
    question = long_walk_question(patient, minutes=61, today=today)
    assert (
        question == "Are you sure? 61 minutes is a long walk: your usual walk is about 20 minutes."
    )


def test_over_180_minutes_is_asked_even_without_a_usual(patient):
    assert long_walk_question(patient, minutes=180, today=patient.today()) is None
    assert (
        long_walk_question(patient, minutes=200, today=patient.today())
        == "Are you sure? 200 minutes is a long walk."
    )


def test_a_long_walk_is_saved_only_once_confirmed_and_once(patient, client_for):
    client = client_for(patient.user)
    token = str(uuid.uuid4())
    today = patient.today().isoformat()
    first = post_walk(client, walked_on=today, minutes=200, note="Hills", submission_token=token)
    assert first.status_code == 200
    text = first.content.decode()
    assert "Are you sure? 200 minutes is a long walk." in text
    assert 'name="confirm_minutes" value="200"' in text
    assert f'value="{token}"' in text and "Hills" in text  # what was typed comes back
    assert not WalkLog.objects.filter(patient=patient).exists()

    # Confirming other minutes than those now typed asks again.
    again = post_walk(
        client, walked_on=today, minutes=250, confirm_minutes=200, submission_token=token
    )
    assert "Are you sure? 250 minutes" in again.content.decode()
    assert not WalkLog.objects.filter(patient=patient).exists()

    for _ in range(2):  # a double tap on "Yes" saves one walk
        saved = post_walk(
            client, walked_on=today, minutes=200, confirm_minutes=200, submission_token=token
        )
        assert saved.status_code == 302
    assert list(WalkLog.objects.filter(patient=patient).values_list("minutes", flat=True)) == [200]


def test_an_ordinary_walk_is_saved_without_a_question(patient, client_for):
    response = post_walk(client_for(patient.user), walked_on=patient.today(), minutes=45)
    assert response.status_code == 302
    assert WalkLog.objects.filter(patient=patient, minutes=45).exists()


def test_changing_a_walk_to_a_long_one_asks_too(patient, client_for):
    walk = WalkLogFactory(patient=patient, walked_on=patient.today(), minutes=30)
    url = reverse("portal:walk-edit", args=[walk.pk])
    client = client_for(patient.user)
    asked = post_walk(client, url, walked_on=walk.walked_on, minutes=190)
    assert "Are you sure? 190 minutes is a long walk." in asked.content.decode()
    walk.refresh_from_db()
    assert walk.minutes == 30
    done = post_walk(client, url, walked_on=walk.walked_on, minutes=190, confirm_minutes=190)
    assert done.status_code == 302
    walk.refresh_from_db()
    assert walk.minutes == 190


def test_the_patients_own_data_download_holds_the_correction(world, patient):
    from coaching.portal.data_export import patient_data

    walk = old_walk(patient, minutes=200)
    walk_correct(walk=walk, by=world.physio_a, minutes=20, walked_on=walk.walked_on, reason="x")
    [row] = patient_data(patient)["walks"]
    assert (row["minutes"], row["original_minutes"], row["correction_reason"]) == (20, 200, "x")
    assert row["corrected_by"] == world.physio_a.full_name
