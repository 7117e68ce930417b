"""The outbox's guarantees for the web push channel, with real Celery workers on the
PostgreSQL test database, a throwaway Redis, and the local fake push service
(tests/reminders/push_fake.py), as tests/reminders/test_workers.py does for e-mail:

- two sweeps at once, every task delivered twice, two workers, and a push service that
  answers 503 to some browsers at first: each reminder reaches its browser exactly once;
- a worker killed (SIGKILL) in the middle of a push: after restart, each reminder reaches
  its browser exactly once, the killed one on its second attempt.
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import signal
import time

import pytest
from django.utils import timezone

from coaching.models import Reminder, ReminderState
from tests.factories import ClinicFactory, PatientFactory
from tests.reminders.push_fixtures import subscribe
from tests.reminders.worker_helpers import due_reminders, sweep, two_sweeps_publishing_twice

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def _due_pushes(fake, n: int, *, patients: int = 20, answer: object = 201) -> list[int]:
    clinic = ClinicFactory(name="Harbour Physio")
    people = [PatientFactory(clinic=clinic) for _ in range(min(n, patients))]
    for person in people:
        subscribe(fake, person.user, answer=answer)
    return due_reminders(people, n, channel="push", key="push-worker-test")


def _pushed(fake) -> collections.Counter:
    """How many times each reminder reached a browser (by the tag in the decrypted payload)."""
    return collections.Counter(
        int(r.payload["tag"].rsplit("-", 1)[1]) for r in fake.delivered() if r.payload
    )


def _worker_env(fake, vapid, **extra) -> dict:
    private, public = vapid
    return {
        "DJANGO_SETTINGS_MODULE": "tests.reminders.push_worker_settings",
        "WALKBACK_VAPID_PUBLIC_KEY": public,
        "WALKBACK_VAPID_PRIVATE_KEY": private,
        "WALKBACK_VAPID_SUBJECT": "mailto:it@harbour-physio.example",
        "WALKBACK_PUSH_TIMEOUT": "2",
        "REQUESTS_CA_BUNDLE": str(fake.cert_path),
        "NO_PROXY": "127.0.0.1",
        **extra,
    }


def _wait_until(ids, group, state=ReminderState.SENT, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Reminder.objects.filter(pk__in=ids).exclude(state=state).exists():
            return
        time.sleep(0.2)
    found = Reminder.objects.filter(pk__in=ids).values_list("state", flat=True)
    raise AssertionError(f"not all {state}: {collections.Counter(found)}\n{group.log_text()}")


def test_duplicate_tasks_two_workers_and_a_busy_push_service_push_each_reminder_once(
    workers, push_service, vapid
):
    ids = _due_pushes(push_service, 200, patients=20)
    busy = [
        token for token, _ in zip(list(push_service.answers), range(5), strict=False)
    ]  # 5 of the 20 browsers' push service answers 503 at first
    for token in busy:
        push_service.answers[token] = 503
    group = workers(**_worker_env(push_service, vapid))
    group.start("one", pool="prefork", concurrency=2)
    group.start("two", pool="prefork", concurrency=2)

    results = two_sweeps_publishing_twice()
    assert sum(r.queued for r in results) == 200  # the two sweeps claimed disjoint rows
    deadline = time.monotonic() + 90
    while Reminder.objects.filter(pk__in=ids, state=ReminderState.SENT).count() < 150:
        assert time.monotonic() < deadline, group.log_text()
        time.sleep(0.2)
    time.sleep(1)  # let the duplicate tasks finish, to see them push nothing
    waiting = Reminder.objects.filter(pk__in=ids).exclude(state=ReminderState.SENT)
    assert waiting.count() == 50  # the busy browsers' reminders, back in the outbox...
    assert set(waiting.values_list("state", "attempts")) == {(ReminderState.PENDING, 1)}
    assert {e.split(":")[0] for e in waiting.values_list("last_error", flat=True)} == {
        "PushServiceBusy"
    }
    # ...until the push service is back; a later sweep (past the backoff) sends them.
    for token in busy:
        push_service.answers[token] = 201
    assert sweep(now=timezone.now() + dt.timedelta(minutes=5)).queued == 50
    _wait_until(ids, group)
    time.sleep(1)
    pushed = _pushed(push_service)
    assert sorted(pushed) == ids
    assert set(pushed.values()) == {1}
    assert all(not r.problems for r in push_service.received)
    logs = [path.read_text() for path in sorted(group.logs.glob("*.log"))]
    assert any("'not-ours'" in log for log in logs)  # duplicates really did arrive


def test_a_worker_killed_mid_push_loses_nothing_and_doubles_nothing(
    workers, push_service, vapid, settings
):
    settings.REMINDER_REQUEUE_SECONDS = 2
    settings.REMINDER_CLAIM_LEASE_SECONDS = 2
    ids = _due_pushes(push_service, 30, patients=10)
    group = workers(**_worker_env(push_service, vapid, WALKBACK_TEST_PUSH_DELAY="0.4"))
    group.start("victim", pool="solo")
    assert sweep().queued == 30
    deadline = time.monotonic() + 60
    while len(list(group.markers.glob("*"))) < 6:  # the sixth push is being sent
        assert time.monotonic() < deadline, group.log_text()
        time.sleep(0.02)
    reminder, pid = sorted(group.markers.glob("*"), key=os.path.getmtime)[-1].name.split(".")
    os.kill(int(pid), signal.SIGKILL)
    time.sleep(0.5)
    killed_mid_push = Reminder.objects.get(pk=int(reminder))
    assert killed_mid_push.state == ReminderState.CLAIMED  # its push never left
    assert int(reminder) not in _pushed(push_service)
    assert len(_pushed(push_service)) == 5
    group.start("restarted", pool="solo")
    time.sleep(2.5)  # past the (shortened) lease and requeue time
    assert sweep().requeued >= 1
    _wait_until(ids, group)
    pushed = _pushed(push_service)
    assert sorted(pushed) == ids
    assert set(pushed.values()) == {1}
    killed_mid_push.refresh_from_db()
    assert killed_mid_push.attempts == 2
