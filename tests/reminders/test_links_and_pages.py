"""The signed link in every reminder (no login; changes reminders and nothing else), the staff
view of a patient's reminders, and the configuration rules of docs/security.md#reliability."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from coaching.models import Reminder, ReminderKind, ReminderState
from coaching.reminders.links import preferences_token
from coaching.reminders.services import reminders_plan_for_patient
from tests.factories import ReminderFactory, WalkLogFactory
from tests.reminders.helpers import at
from walkback.audit.models import AuditAction, AuditEvent

SYDNEY = "Australia/Sydney"


@pytest.fixture
def noon():
    with time_machine.travel(at(SYDNEY, 2025, 6, 4, 12, 0), tick=False):
        yield


@pytest.fixture
def patient(world):
    patient = world.patient_a
    patient.reminder_days, patient.reminder_time = [0, 2, 4], dt.time(17, 0)
    patient.save()
    WalkLogFactory(
        patient=patient, walked_on=dt.date(2025, 6, 2), minutes=30, note="SECRET-WALK-NOTE"
    )
    return patient


def _urls(patient):
    token = preferences_token(patient)
    return reverse("reminders:preferences", args=[token]), reverse("reminders:stop", args=[token])


def test_the_link_opens_without_logging_in_and_shows_only_reminder_choices(patient, noon):
    page, _ = _urls(patient)
    response = Client().get(page)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Your reminders" in body and "Alpha Physio" in body
    for private in ("SECRET-WALK-NOTE", patient.user.email, "Paula Alpha"):
        assert private not in body
    assert response["Cache-Control"].startswith("max-age=0")


def test_changing_choices_through_the_link_replans_and_is_audited(patient, noon):
    page, _ = _urls(patient)
    reminders_plan_for_patient(patient=patient)
    response = Client().post(
        page,
        {
            "reminders_by_email": "on",
            "reminder_days": ["1", "3"],
            "reminder_time": "09:15",
            "reminders_paused_until": "",
        },
    )
    assert response.status_code == 302 and response["Location"] == page
    patient.refresh_from_db()
    assert (patient.reminder_days, patient.reminder_time) == ([1, 3], dt.time(9, 15))
    planned = Reminder.objects.filter(patient=patient, state=ReminderState.PENDING)
    assert [r.due_at.astimezone(patient.zone).strftime("%a %H:%M") for r in planned] == [
        "Thu 09:15"
    ]
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, patient=patient)
    assert event.actor is None
    assert event.detail == {
        "fields": ["reminder_days", "reminder_time"],
        "via": "reminder-link",
    }


def test_bad_input_says_what_is_wrong_and_saves_nothing(patient, noon):
    page, _ = _urls(patient)
    response = Client().post(
        page,
        {
            "reminders_by_email": "on",
            "reminder_time": "25:99",
            "reminders_paused_until": "2025-06-01",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Please give a time, for example 07:30." in body
    # Once the time reads, the service's rules speak (tests/reminders/test_preference_rules.py).
    response = Client().post(
        page,
        {
            "reminders_by_email": "on",
            "reminder_time": "09:00",
            "reminders_paused_until": "2025-06-01",
        },
    )
    assert "Pick a day after today, or leave it empty." in response.content.decode()
    patient.refresh_from_db()
    assert patient.reminder_time == dt.time(17, 0)
    assert not AuditEvent.objects.filter(action=AuditAction.UPDATE).exists()


def test_stop_asks_on_get_and_stops_on_post(patient, noon):
    reminders_plan_for_patient(patient=patient)
    page, stop = _urls(patient)
    client = Client(enforce_csrf_checks=True)
    assert client.get(stop).status_code == 200  # a mail scanner opening the link...
    patient.refresh_from_db()
    assert patient.reminders_by_email  # ...stops nothing
    # One-click unsubscribe (RFC 8058): the mail app POSTs without a CSRF token.
    response = client.post(stop, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 302
    patient.refresh_from_db()
    assert not patient.reminders_by_email
    assert not Reminder.objects.filter(patient=patient, state=ReminderState.PENDING).exists()
    assert "Reminders are off" in Client().get(page).content.decode()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature changed
        lambda token: "9999" + token[token.index(":") :],  # another patient's id
        lambda token: token.split(":")[0],  # no signature
        lambda token: "",  # nothing
    ],
    ids=["signature", "other-id", "unsigned", "empty"],
)
def test_a_tampered_link_does_nothing(patient, tamper, noon):
    token = tamper(preferences_token(patient))
    for url in (f"/reminders/{token}/", f"/reminders/{token}/stop/"):
        response = Client().post(url, {"reminders_by_email": ""})
        if token:
            assert response.status_code == 404
            assert "This link does not work" in response.content.decode()
        else:  # matches no URL at all: deny by default sends it to the login page
            assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.reminders_by_email


def test_a_token_signed_for_something_else_is_refused(patient):
    from django.core import signing

    other = signing.Signer(salt="walkback.something-else").sign(str(patient.pk))
    assert Client().get(f"/reminders/{other}/").status_code == 404


def test_every_reminder_e_mail_carries_a_working_link(patient, noon, run_due):
    reminders_plan_for_patient(patient=patient)
    (message,) = run_due(at(SYDNEY, 2025, 6, 4, 17, 0))
    link = re.search(r"To change or stop these reminders: (\S+)", message.body).group(1)
    path = link.removeprefix(django_settings.SITE_URL)
    assert Client().get(path).status_code == 200


def test_staff_page_lists_planned_and_past_reminders_in_a_fixed_number_of_queries(
    patient, world, client_for, django_assert_num_queries, noon
):
    reminders_plan_for_patient(patient=patient)
    for i in range(15):
        ReminderFactory(
            recipient=patient.user,
            patient=patient,
            kind=ReminderKind.WALK,
            due_at=at(SYDNEY, 2025, 5, 1 + i, 17, 0),
            state=ReminderState.SENT if i % 3 else ReminderState.SKIPPED,
            sent_at=at(SYDNEY, 2025, 5, 1 + i, 17, 0, 2) if i % 3 else None,
            last_error="" if i % 3 else "paused until 20 May 2025",
            idempotency_key=f"past:{i}",
        )
    client = client_for(world.physio_a2)  # a colleague: same clinic
    url = reverse("coaching:patient-reminders", args=[patient.pk])
    # session, user (with the clinic for the page header), OTP device, patient, audit row,
    # upcoming reminders, past reminders, session save (savepoint, update, release)
    with django_assert_num_queries(10):
        response = client.get(url)
    body = response.content.decode()
    assert body.count("text-bg-success") == 10
    assert "Wed 4 Jun, 17:00" in body and "Fri 6 Jun, 17:00" in body  # patient's local time
    assert "paused until 20 May 2025" in body
    assert "Zebracorn" not in body
    assert AuditEvent.objects.filter(
        action=AuditAction.READ, patient=patient, detail={"view": "patient-reminders"}
    ).exists()
    assert client_for(world.physio_b).get(url).status_code == 404


# --- Configuration (docs/security.md#reliability) ------------------------------------------


def test_one_beat_and_no_countdowns():
    schedule = django_settings.CELERY_BEAT_SCHEDULE
    assert {entry["task"] for entry in schedule.values()} == {
        "coaching.tasks.reminders_sweep_task",
        "coaching.tasks.reminders_plan_task",
        "coaching.tasks.plans_advance_task",
        "coaching.tasks.keeping_going_task",
        "coaching.tasks.caseload_rows_refresh_task",
        "coaching.tasks.closings_due_task",
        "reports.figures_refresh",
        "reports.exports_purge",
        "reports.exports_requeue",
        "accounts.sessions_purge",
        "imports.requeue",
        "imports.purge",
    }
    assert schedule["reminders-sweep"]["schedule"] == 60.0
    for entry in schedule.values():
        options = entry.get("options", {})
        assert "countdown" not in options and "eta" not in options
        assert options["expires"] < entry["schedule"]  # a stale tick is dropped, not piled up
    # The demo runs exactly one beat, and no worker embeds one (-B).
    from walkback.demo.management.commands import demo

    with open(demo.__file__) as handle:
        source = handle.read()
    assert source.count('"beat"') == 2  # the process name and the celery sub-command
    assert '"-B"' not in source and "--beat" not in source


def test_reliability_settings():
    assert django_settings.CELERY_TASK_ACKS_LATE
    assert django_settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert django_settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert django_settings.CELERY_ACCEPT_CONTENT == ["json"]
    # A claim outlives any task, so only a dead worker's claim is ever taken over.
    assert django_settings.REMINDER_CLAIM_LEASE_SECONDS > django_settings.CELERY_TASK_TIME_LIMIT


def test_nothing_is_scheduled_on_the_broker(
    patient, monkeypatch, allow_publish, django_capture_on_commit_callbacks
):
    """Plan, sweep and hand over through the real publishing code (``apply_async`` recorded):
    every message is "send now". Retries wait in the database (``retry_at``), not the broker."""
    from celery.app.task import Task

    from coaching.reminders.delivery import reminders_sweep

    calls = []
    monkeypatch.setattr(Task, "apply_async", lambda self, *a, **kw: calls.append((self.name, kw)))
    with time_machine.travel(at(SYDNEY, 2025, 6, 4, 12, 0), tick=False):
        reminders_plan_for_patient(patient=patient)
    with (
        time_machine.travel(at(SYDNEY, 2025, 6, 4, 17, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        reminders_sweep()
    assert calls == [("coaching.tasks.reminders_send_task", {"args": [[_first_id()]]})]
    for _, kwargs in calls:
        assert not {"countdown", "eta", "expires"} & set(kwargs)


def _first_id():
    return Reminder.objects.get(state=ReminderState.QUEUED).pk
