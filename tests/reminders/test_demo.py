"""``make demo``: the seeded demo patient's walk reminder falls due within two minutes of the
start and goes out through the normal sweep and send."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core.management import call_command
from django.utils import timezone

from coaching.models import Reminder, ReminderKind, ReminderState


def test_the_demo_sends_a_walk_reminder_within_two_minutes(db, run_due):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        call_command("seed_demo")
        call_command("seed_demo")  # running it again does not pile reminders up
    (demo,) = Reminder.objects.filter(idempotency_key__startswith="demo-walk:")
    assert demo.kind == ReminderKind.WALK
    assert start < demo.due_at <= start + dt.timedelta(minutes=2)
    # Other demo patients may have reminders due now (a nudge, a check-in); the demo walk
    # reminder is not among them until its time.
    early = run_due(start + dt.timedelta(seconds=30))
    assert "Time for your walk" not in [m.subject for m in early if m.to == ["patient@demo.test"]]
    demo.refresh_from_db()
    assert demo.state == ReminderState.PENDING
    later = run_due(start + dt.timedelta(minutes=2))
    (message,) = [m for m in later if m.to == ["patient@demo.test"]]
    assert message.subject == "Time for your walk"
    demo.refresh_from_db()
    assert demo.state == ReminderState.SENT
    # The planner made the demo patient's real reminders too.
    # (Which kinds depends on the weekday the test runs: Pat walks Mon/Wed/Fri, and a video
    # session is booked in a few days, so its reminders are always there.)
    assert (
        Reminder.objects.filter(recipient__email="patient@demo.test")
        .exclude(idempotency_key__startswith="demo-walk:")
        .exists()
    )
