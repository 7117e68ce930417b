"""Reminders by web push against a local fake push service (tests/reminders/push_fake.py):
VAPID-signed, aes128gcm-encrypted, to every browser of the recipient; 404/410 remove the
subscription; 429, 5xx and timeouts go back to the outbox's backoff; the payload says no more
than "time for your walk"."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone

from coaching.models import PushSubscription, Reminder, ReminderKind, ReminderState
from coaching.reminders.channels import Message
from coaching.reminders.push import PUSH_LINES, TTL_SECONDS, push_payload
from coaching.reminders.push_selectors import has_push_subscription
from coaching.reminders.services import reminders_plan_for_session
from tests.factories import (
    ClinicFactory,
    CoachingSessionFactory,
    PatientFactory,
    PrescriptionFactory,
    ReminderFactory,
    UserFactory,
    WalkLogFactory,
)
from tests.reminders.helpers import at
from tests.reminders.push_fake import SLOW
from tests.reminders.push_fixtures import subscribe
from walkback.audit.models import AuditEvent

SYDNEY = "Australia/Sydney"
NOON = at(SYDNEY, 2025, 6, 4, 12, 0)


@pytest.fixture
def patient(db):
    clinic = ClinicFactory(name="Harbour Physio", time_zone=SYDNEY)
    return PatientFactory(clinic=clinic, user__full_name="Paula Walker")


def _due_push(patient, *, kind=ReminderKind.WALK, key="push", **extra) -> Reminder:
    return ReminderFactory(
        recipient=patient.user,
        patient=patient,
        kind=kind,
        channel="push",
        due_at=timezone.now() - dt.timedelta(minutes=1),
        idempotency_key=f"test:{patient.pk}:{key}",
        **extra,
    )


def _row(reminder) -> Reminder:
    return Reminder.objects.get(pk=reminder.pk)


def test_a_walk_reminder_reaches_every_browser_signed_encrypted_and_says_only_time_to_walk(
    patient, push_service, run_due
):
    with time_machine.travel(NOON, tick=False):
        WalkLogFactory(patient=patient, walked_on=dt.date(2025, 6, 2), minutes=45)
        PrescriptionFactory(
            patient=patient,
            effective_from=dt.date(2025, 5, 1),
            walks_per_week=5,
            minutes_per_walk=20,
            author=UserFactory(clinic=patient.clinic),
        )
        phone = subscribe(push_service, patient.user)
        laptop = subscribe(push_service, patient.user)
        reminder = _due_push(patient)
        assert run_due() == []  # no e-mail: this row is the push one
    row = _row(reminder)
    assert row.state == ReminderState.SENT and row.attempts == 1
    received = push_service.delivered()
    assert sorted(r.token for r in received) == sorted(
        push_service.token_of(s.endpoint) for s in (phone, laptop)
    )
    for message in received:
        assert message.problems == []  # VAPID verified, aes128gcm, TTL: the fake checked
        assert message.headers["content-encoding"] == "aes128gcm"
        assert message.headers["authorization"].startswith("vapid t=")
        assert message.headers["ttl"] == str(6 * 3600)
        # Decrypted with the browser's own keys: exactly what the phone shows.
        assert message.payload == {
            "title": "WalkBack",
            "body": "Time for your walk.",
            "url": django_settings.SITE_URL + "/me/",
            "tag": f"walkback-reminder-{reminder.pk}",
        }
    # The e-mail version of this reminder would say "45 of 100 minutes": the lock screen not.
    assert "45" not in str(received[0].payload)
    assert all(s.last_success_at is not None for s in PushSubscription.objects.all())


def test_a_session_reminder_by_push_names_no_one_and_no_time(patient, push_service, run_due):
    with time_machine.travel(NOON, tick=False):
        patient.physiotherapist = UserFactory(clinic=patient.clinic, full_name="Priya Physio")
        patient.save()
        session = CoachingSessionFactory(
            patient=patient, number=2, scheduled_at=at(SYDNEY, 2025, 6, 5, 14, 0)
        )
        reminders_plan_for_session(session=session)
        subscribe(push_service, patient.user)
        Reminder.objects.filter(session=session).update(channel="push")
    run_due(at(SYDNEY, 2025, 6, 4, 14, 0))
    (message,) = push_service.delivered()
    assert message.payload["body"] == "A reminder: you have a coaching session tomorrow."
    assert "Priya" not in str(message.payload) and "14" not in message.payload["body"]


SENSITIVE_SHORT = (
    "Paula Walker reported a problem and called it severe: knee. Your 20-minute walk today: "
    "45 of 100 minutes done this week. https://meet.example.test/secret"
)


@pytest.mark.parametrize("kind", ReminderKind.values)
def test_every_kind_has_a_fixed_push_line_that_carries_nothing_of_the_message(kind):
    message = Message(
        reminder_id=7,
        to_email="p@example.test",
        subject="s",
        text=SENSITIVE_SHORT,
        html=SENSITIVE_SHORT,
        short=SENSITIVE_SHORT,
        sender_name="Harbour Physio",
        recipient_id=3,
        kind=kind,
    )
    payload = push_payload(message)
    assert payload["body"] == PUSH_LINES[kind]  # a new kind must be given its own line
    assert set(payload) == {"title", "body", "url", "tag"}
    assert payload["title"] == "WalkBack"
    assert not re.search(r"\d", payload["body"])  # no minutes, no times, no dates
    for word in ("Paula", "Walker", "knee", "severe", "Harbour", "meet.example"):
        assert word not in str(payload)
    assert payload["url"].startswith(django_settings.SITE_URL + "/")
    assert kind in TTL_SECONDS


@pytest.mark.parametrize("gone", [404, 410])
def test_an_expired_subscription_is_removed_and_the_row_fails_when_none_is_left(
    patient, push_service, run_due, gone
):
    subscribe(push_service, patient.user, answer=gone)
    reminder = _due_push(patient)
    run_due()
    row = _row(reminder)
    assert row.state == ReminderState.FAILED and row.attempts == 1
    assert row.last_error == "every push subscription has expired"
    assert not has_push_subscription(patient.user)
    event = AuditEvent.objects.get(detail__event="push_subscription_expired")
    assert (event.patient, event.actor, event.action) == (patient, None, "delete")


def test_an_expired_subscription_beside_a_working_one_is_removed_and_the_row_is_sent(
    patient, push_service, run_due
):
    gone = subscribe(push_service, patient.user, answer=410)
    working = subscribe(push_service, patient.user, answer=201)
    reminder = _due_push(patient)
    run_due()
    assert _row(reminder).state == ReminderState.SENT
    assert list(PushSubscription.objects.values_list("pk", flat=True)) == [working.pk]
    assert not PushSubscription.objects.filter(pk=gone.pk).exists()


@pytest.mark.parametrize("answer", [429, 500, 503, SLOW])
def test_a_busy_push_service_is_retried_with_backoff_and_sends_once(
    patient, push_service, run_due, answer
):
    subscription = subscribe(push_service, patient.user, answer=answer)
    reminder = _due_push(patient)
    start = timezone.now()
    run_due()
    row = _row(reminder)
    assert row.state == ReminderState.PENDING and row.attempts == 1
    assert row.retry_at is not None and row.retry_at > start
    expected = "ReadTimeout" if answer == SLOW else f"HTTP {answer}"
    assert row.last_error == f"PushServiceBusy: {expected}"
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()  # kept
    if answer == SLOW:  # the fake answers after the channel gave up: let it finish
        deadline = time.monotonic() + 10
        while not push_service.received and time.monotonic() < deadline:
            time.sleep(0.05)
    else:
        assert push_service.delivered() == []
    # The push service recovers; the next sweep after the backoff sends it, once.
    push_service.answers[push_service.token_of(subscription.endpoint)] = 201
    run_due(row.retry_at + dt.timedelta(seconds=1))
    row = _row(reminder)
    assert row.state == ReminderState.SENT and row.attempts == 2
    fresh = [r for r in push_service.delivered() if r.payload and r.status == 201]
    # A slow answer may still reach the phone after we gave up (at-least-once, the same
    # tag: the phone shows one notification); otherwise exactly one delivery.
    assert len(fresh) == (2 if answer == SLOW else 1)
    assert {r.payload["tag"] for r in fresh} == {f"walkback-reminder-{reminder.pk}"}


def test_a_refused_push_fails_for_good_without_removing_the_subscription(
    patient, push_service, run_due
):
    subscription = subscribe(push_service, patient.user, answer=403)
    reminder = _due_push(patient)
    run_due()
    row = _row(reminder)
    assert row.state == ReminderState.FAILED
    assert row.last_error == "the push service refused it: refused (HTTP 403)"
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()


def test_without_a_subscription_or_without_keys_the_row_fails_for_good(
    patient, push_service, run_due, settings
):
    reminder = _due_push(patient, key="a")
    run_due()
    assert _row(reminder).last_error == "no browser subscribed to push"
    settings.WALKBACK_VAPID_PRIVATE_KEY = ""
    subscribe(push_service, patient.user)
    second = _due_push(patient, key="b")
    run_due()
    assert _row(second).state == ReminderState.FAILED
    assert _row(second).last_error == "web push is not set up (no VAPID keys)"
    assert push_service.received == []


def test_a_stopped_patient_gets_no_push(patient, push_service, run_due):
    patient.reminders_by_email = False  # today the one switch that stops every reminder
    patient.save()
    subscribe(push_service, patient.user)
    reminder = _due_push(patient)
    run_due()
    assert _row(reminder).state == ReminderState.SKIPPED
    assert push_service.received == []
    assert mail.outbox == []
