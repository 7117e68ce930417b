"""Fixtures for the reminder tests: run the sweep and the send in-process, as beat and a worker
would, with the hand-over to Celery recorded instead of published."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from coaching.reminders.delivery import reminders_send, reminders_sweep
from coaching.reminders.services import reminders_plan_upcoming
from tests.reminders.helpers import Published


@pytest.fixture
def published():
    return Published()


@pytest.fixture
def run_due(django_capture_on_commit_callbacks):
    """``run_due(now, plan=False)``: (plan and) sweep at ``now``, then send what the sweep
    queued. Returns the e-mails sent in this round."""

    def run(now: dt.datetime | None = None, *, plan: bool = False) -> list:
        before = len(mail.outbox)
        batches = Published()
        traveller = time_machine.travel(now, tick=False) if now else None
        if traveller:
            traveller.start()
        try:
            if plan:
                reminders_plan_upcoming()
            with django_capture_on_commit_callbacks(execute=True):
                reminders_sweep(publish=batches)
            for batch in batches:
                reminders_send(reminder_ids=batch)
        finally:
            if traveller:
                traveller.stop()
        return mail.outbox[before:]

    return run


@pytest.fixture
def allow_publish():
    """Lets a test use the real publishing code (it then points Celery at its own broker or
    records ``apply_async``)."""


@pytest.fixture(autouse=True)
def no_accidental_broker(request, monkeypatch):
    """In-process tests hand ids to a recorder. Only tests that ask for ``allow_publish``
    (the real-worker tests point Celery at their own throwaway Redis) may publish."""
    if "allow_publish" in request.fixturenames or "celery_on" in request.fixturenames:
        return

    def refuse(ids):
        raise AssertionError("this test published to the real broker; pass publish=")

    monkeypatch.setattr("coaching.reminders.delivery.publish_to_celery", refuse)
