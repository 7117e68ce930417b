"""The real-worker fault tests of tests/reminders/test_workers.py, for the SMS channel: real
``celery worker`` processes send through Twilio's library to a local fake of its API (which
counts the texts it accepted per reminder, from each message's status-callback address).

- the sweep run twice at once, every task delivered twice, two workers: one text each;
- a worker killed while it waits for the provider: after restart, each sent exactly once;
- a provider that answers 503 and 429 now and then: every text still goes, once.
"""

from __future__ import annotations

import os
import signal
import time

import pytest
from django.utils import timezone

from coaching.models import Reminder, ReminderState
from tests.factories import ClinicFactory, PatientFactory
from tests.reminders.sms_helpers import verified_phone
from tests.reminders.worker_helpers import (
    due_reminders,
    sweep,
    two_sweeps_publishing_twice,
    wait_until_settled,
)
from walkback.demo.bench.fake_twilio import Answer, FakeTwilio, twilio_settings

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def _due_texts(n: int) -> list[int]:
    clinic = ClinicFactory(name="Harbour Physio")
    patients = [PatientFactory(clinic=clinic) for _ in range(min(n, 20))]
    for i, patient in enumerate(patients):
        verified_phone(patient.user, f"+614123{i:05d}")
    return due_reminders(patients, n, channel="sms", key="worker-sms-test")


@pytest.fixture
def provider():
    fake = FakeTwilio()
    yield fake
    fake.close()


def test_two_sweeps_duplicate_tasks_and_two_workers_send_one_text_each(workers, provider):
    ids = _due_texts(200)
    group = workers(**twilio_settings(provider), WALKBACK_REMINDER_QUIET_HOURS="off")
    group.start("one", pool="prefork", concurrency=2)
    group.start("two", pool="prefork", concurrency=2)

    results = two_sweeps_publishing_twice()
    assert sum(r.queued for r in results) == 200
    wait_until_settled(ids, group)
    time.sleep(1)  # let any duplicate task finish, to see it send nothing
    delivered = provider.delivered()
    assert sorted(delivered) == ids
    assert set(delivered.values()) == {1}
    sids = set(Reminder.objects.filter(pk__in=ids).values_list("provider_message_id", flat=True))
    assert sids == {message["sid"] for message in provider.accepted}


def test_a_worker_killed_waiting_for_the_provider_loses_nothing_and_doubles_nothing(
    workers, settings
):
    settings.REMINDER_REQUEUE_SECONDS = 2
    settings.REMINDER_CLAIM_LEASE_SECONDS = 2
    provider = FakeTwilio(delay=0.4)
    try:
        ids = _due_texts(30)
        group = workers(**twilio_settings(provider), WALKBACK_REMINDER_QUIET_HOURS="off")
        victim = group.start("victim", pool="solo")
        assert sweep().queued == 30
        deadline = time.monotonic() + 60
        while len(provider.requests) < 6:  # the sixth text is with the provider
            assert time.monotonic() < deadline, group.log_text()
            time.sleep(0.02)
        os.kill(victim.pid, signal.SIGKILL)
        time.sleep(0.8)  # past the provider's answer, which finds the worker gone
        assert len(provider.accepted) == 5
        in_flight = Reminder.objects.filter(pk__in=ids, state=ReminderState.CLAIMED)
        assert in_flight.count() == 1
        group.start("restarted", pool="solo")
        time.sleep(2.5)  # past the (shortened) lease and requeue time
        assert sweep().requeued >= 1
        wait_until_settled(ids, group)
        delivered = provider.delivered()
        assert sorted(delivered) == ids
        assert set(delivered.values()) == {1}
    finally:
        provider.close()


def test_a_provider_answering_503_and_429_now_and_then_still_gets_each_text_once(
    workers, provider, settings
):
    """The retries are the outbox's: back to pending with a backoff (shortened here by
    sweeping at a moment past it), not a loop inside the worker."""
    ids = _due_texts(40)
    provider.answer(
        Answer(status=503),
        Answer(),
        Answer(status=429, headers={"Retry-After": "1"}),
        Answer(status=500),
        Answer(delay=0),
    )
    group = workers(**twilio_settings(provider), WALKBACK_REMINDER_QUIET_HOURS="off")
    group.start("steady", pool="prefork", concurrency=2)
    sweep()
    deadline = time.monotonic() + 90
    while Reminder.objects.filter(pk__in=ids).exclude(state=ReminderState.SENT).exists():
        assert time.monotonic() < deadline, group.log_text()
        time.sleep(0.5)
        waiting = Reminder.objects.filter(pk__in=ids, state=ReminderState.PENDING)
        if waiting.exists():  # as the sweep would find them once their backoff is over
            waiting.update(retry_at=timezone.now())
            sweep()
    delivered = provider.delivered()
    assert sorted(delivered) == ids
    assert set(delivered.values()) == {1}
    retried = Reminder.objects.filter(pk__in=ids, attempts__gt=1).count()
    assert retried == 3  # the 503, the 429 and the 500
