"""What every real-worker fault test of the outbox does, whatever the channel
(tests/reminders/test_workers*.py, test_push_workers.py): make due rows, sweep from a thread,
run two sweeps at once with every task published twice, wait until all are sent."""

from __future__ import annotations

import collections
import datetime as dt
import threading
import time

from django.db import connection
from django.utils import timezone

from coaching.models import Reminder, ReminderKind, ReminderState
from coaching.reminders.delivery import publish_to_celery, reminders_sweep


def due_reminders(
    patients, n: int, *, channel: str = "email", key: str = "worker-test"
) -> list[int]:
    """``n`` walk reminders due a minute ago, spread over ``patients``; their ids, sorted."""
    due = timezone.now() - dt.timedelta(minutes=1)
    suffix = "" if channel == "email" else f"@{channel}"
    rows = Reminder.objects.bulk_create(
        Reminder(
            recipient=patients[i % len(patients)].user,
            patient=patients[i % len(patients)],
            kind=ReminderKind.WALK,
            channel=channel,
            due_at=due,
            idempotency_key=f"{key}:{i}{suffix}",
        )
        for i in range(n)
    )
    return sorted(r.pk for r in rows)


def sweep(**kwargs):
    """A sweep that closes its connection, so it can run in a thread of its own."""
    try:
        return reminders_sweep(**kwargs)
    finally:
        connection.close()


def two_sweeps_publishing_twice() -> list:
    """Two sweeps at once, each publishing every task twice (Celery may deliver a task twice);
    the two sweeps' results."""

    def twice(batch):
        publish_to_celery(batch)
        publish_to_celery(batch)

    results: list = []
    threads = [
        threading.Thread(target=lambda: results.append(sweep(publish=twice))) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def wait_until_settled(ids, group, timeout=90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = Reminder.objects.filter(pk__in=ids).exclude(state=ReminderState.SENT).count()
        if not left:
            return
        time.sleep(0.2)
    found = Reminder.objects.filter(pk__in=ids).values_list("state", flat=True)
    raise AssertionError(f"{left} not sent: {collections.Counter(found)}\n{group.log_text()}")
