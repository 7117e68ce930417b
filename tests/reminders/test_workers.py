"""docs/security.md#reliability, with the real thing: a throwaway ``redis-server`` started for each
test (the machine's Redis on 6379 is shared and never touched), real ``celery worker``
processes on the test database, and a file per delivered message to count what was sent.

- the sweep run twice at once, every task delivered twice, two workers: one message each;
- a worker killed (SIGKILL) in the middle of a batch: after restart, each sent exactly once;
- Redis stopped while patients use the site: requests succeed, and every due reminder goes
  out once when it is back;
- what a queued task looks like on the broker: ids, nothing else.

The kill and the Redis tests also run past one machine, as ``docker compose --scale web=2
--scale worker=2`` runs (docs/scaling.md): two worker processes, and two gunicorn web
processes taking the requests in turn, against the one PostgreSQL and the one Redis.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import signal
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from coaching.models import (
    CoachingSession,
    Reminder,
    ReminderKind,
    ReminderState,
)
from coaching.reminders.links import preferences_token
from patients.models import BodyRegion, PatientStatus, Screening, Severity, WalkingRelated, WalkLog
from tests.conftest import login_as
from tests.factories import ClinicFactory, PatientFactory
from tests.reminders.worker_helpers import (
    due_reminders,
    sweep,
    two_sweeps_publishing_twice,
    wait_until_settled,
)
from tests.workers import web_client

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

BASE_DIR = Path(django_settings.BASE_DIR)


def _due_reminders(n: int) -> list[int]:
    clinic = ClinicFactory(name="Harbour Physio")
    return due_reminders([PatientFactory(clinic=clinic) for _ in range(min(n, 20))], n)


def test_two_sweeps_at_once_duplicate_tasks_and_two_workers_send_one_message_each(workers):
    ids = _due_reminders(300)
    group = workers()
    group.start("one", pool="prefork", concurrency=2)
    group.start("two", pool="prefork", concurrency=2)

    results = two_sweeps_publishing_twice()
    assert sum(r.queued for r in results) == 300  # the two sweeps claimed disjoint rows
    wait_until_settled(ids, group)
    assert sweep().queued == 0  # and a third sweep finds nothing
    time.sleep(1)  # let any duplicate task finish, to see it send nothing
    delivered = group.delivered()
    assert sorted(delivered) == ids
    assert set(delivered.values()) == {1}
    # Both workers took part, and duplicates really were delivered and found nothing to do.
    logs = [path.read_text() for path in sorted(group.logs.glob("*.log"))]
    assert all("reminders_send_task" in log and "succeeded" in log for log in logs)
    assert any("'not-ours'" in log for log in logs)


@pytest.mark.parametrize("scale", [1, 2], ids=["one-worker", "two-workers"])
@pytest.mark.parametrize("pool", ["solo", "prefork"])
def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(
    workers, settings, pool, scale
):
    """``solo``: the whole worker is killed; with one worker a new one is started, with two
    the other carries on alone. ``prefork``: the pool process doing the work is killed;
    Celery starts a new one and redelivers the task (``reject_on_worker_lost``). Either way
    the sweep's recovery finishes the batch. With two workers each has a batch (50 and 10
    ids) and the recovery also queues again rows still waiting in the survivor's batch: the
    claim lets exactly one send each."""
    settings.REMINDER_REQUEUE_SECONDS = 2
    settings.REMINDER_CLAIM_LEASE_SECONDS = 2
    ids = _due_reminders(30 * scale)
    group = workers(WALKBACK_TEST_SEND_DELAY="0.4")
    for n in range(scale):
        group.start(f"victim{n}", pool=pool)
    assert sweep().queued == 30 * scale  # one batch per worker
    deadline = time.monotonic() + 60
    while len(list(group.markers.glob("*"))) < 6:  # the sixth message is being written
        assert time.monotonic() < deadline, group.log_text()
        time.sleep(0.02)
    markers = sorted(group.markers.glob("*"), key=os.path.getmtime)
    # Who was sending before the kill (a prefork pool soon starts a new process with a new pid).
    senders = {marker.name.split(".")[1] for marker in markers}
    reminder, pid = markers[-1].name.split(".")
    os.kill(int(pid), signal.SIGKILL)
    time.sleep(0.5)
    killed_mid_send = Reminder.objects.get(pk=int(reminder))
    assert killed_mid_send.state == ReminderState.CLAIMED  # its message never got out
    assert killed_mid_send.pk not in group.delivered()
    if scale == 1:
        assert len(group.delivered()) == 5
    else:  # both workers were sending
        assert len(senders) == 2
    if pool == "solo" and scale == 1:
        group.start("restarted", pool=pool)
    time.sleep(2.5)  # past the (shortened) lease and requeue time
    assert sweep().requeued >= 1
    wait_until_settled(ids, group)
    delivered = group.delivered()
    assert sorted(delivered) == ids
    assert set(delivered.values()) == {1}
    killed_mid_send.refresh_from_db()
    assert killed_mid_send.attempts == 2


@pytest.mark.parametrize(
    "scale", [1, 2], ids=["in-process-web-one-worker", "two-gunicorn-two-workers"]
)
def test_with_redis_down_requests_succeed_and_reminders_go_out_when_it_is_back(
    celery_on, workers, world, settings, scale
):
    """With ``scale`` 2 every request goes over HTTP to two gunicorn processes in turn, and
    two workers send; the problem notice is written by a web process."""
    settings.REMINDER_QUIET_HOURS = "off"  # the notice is due now whatever the hour
    group = workers(WALKBACK_REMINDER_QUIET_HOURS="off")
    for n in range(scale):
        group.start(f"steady{n}", pool="prefork", concurrency=2)
    if scale == 1:

        def browser(user=None):
            return login_as(Client(), user) if user else Client()

    else:
        urls = [group.start_web(f"web{n}") for n in range(scale)]

        def browser(user=None):
            return web_client(urls, user)

    ids = _due_reminders(40 * scale)  # with two workers, two batches
    patient = world.patient_a
    celery_on.stop()  # our own throwaway Redis: broker and cache of this test

    # Patients and staff keep using the site: pages render, choices are saved, and the
    # services other parts call when a session is booked write their rows.
    assert browser(patient.user).get("/me/").status_code == 200
    response = browser().post(
        f"/reminders/{preferences_token(patient)}/",
        {
            "reminders_by_email": "on",
            "reminder_days": ["0", "1", "2", "3", "4", "5", "6"],
            "reminder_time": "07:30",
        },
    )
    assert response.status_code == 302
    # A patient logs a walk through the real page.
    patient.programme_start = patient.today() - dt.timedelta(days=10)
    patient.save(update_fields=["programme_start"])
    walker = browser(patient.user)
    response = walker.post(
        "/me/walks/new/",
        {
            "walked_on": patient.today().isoformat(),
            "minutes": "25",
            "submission_token": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    assert WalkLog.objects.filter(patient=patient, minutes=25).exists()
    staff = browser(world.physio_a)
    assert staff.get(f"/caseload/patients/{patient.pk}/reminders/").status_code == 200
    # The physiotherapist books a screened patient's six sessions through the real page.
    newcomer = PatientFactory(
        clinic=world.clinic_a, physiotherapist=world.physio_a, status=PatientStatus.SCREENING
    )
    Screening.objects.create(
        patient=newcomer,
        recovered_in_last_6_months=True,
        episode_lasted_24h=True,
        able_to_walk=True,
        already_active_3_per_week=False,
    )
    start_on = newcomer.today() + dt.timedelta(days=3)
    response = staff.post(
        f"/caseload/patients/{newcomer.pk}/start/",
        {"start_on": start_on.isoformat(), "session_time": "10:00"},
    )
    assert response.status_code == 302
    assert CoachingSession.objects.filter(patient=newcomer).count() == 6
    assert Reminder.objects.filter(session__patient=newcomer, state=ReminderState.PENDING).exists()
    # The patient reports a problem through the real page; the physio's notice is written.
    response = walker.post(
        "/me/problem/",
        {
            "occurred_on": (patient.today() - dt.timedelta(days=1)).isoformat(),
            "body_region": BodyRegion.KNEE,
            "severity": Severity.MILD,
            "related_to_walking": WalkingRelated.UNSURE,
        },
    )
    assert response.status_code == 302
    notice = Reminder.objects.get(patient=patient, kind=ReminderKind.ADVERSE_EVENT)
    ids.append(notice.pk)

    # The sweep cannot hand anything over: the rows wait, nothing is lost.
    result = sweep()
    assert result.queued == result.returned == len(ids)
    assert not Reminder.objects.filter(pk__in=ids).exclude(state=ReminderState.PENDING).exists()

    celery_on.start()  # an empty Redis, as after a restart without persistence
    sweep()
    wait_until_settled(ids, group)
    delivered = group.delivered()
    assert sorted(delivered) == sorted(ids)
    assert set(delivered.values()) == {1}
    if scale > 1:  # both web processes took writes
        logs = [path.read_text() for path in group.logs.glob("web*.log")]
        assert len(logs) == 2 and all(" 302 " in text for text in logs)


def test_a_queued_task_carries_ids_and_nothing_else(celery_on):
    import redis

    ids = _due_reminders(3)
    assert sweep().queued == 3
    raw = redis.Redis.from_url(celery_on.url).lrange("celery", 0, -1)
    assert len(raw) == 1
    envelope = json.loads(raw[0])
    assert envelope["headers"]["task"] == "coaching.tasks.reminders_send_task"
    assert "eta" not in envelope["headers"] or envelope["headers"]["eta"] is None
    assert "countdown" not in envelope["headers"]
    args, kwargs, _ = json.loads(base64.b64decode(envelope["body"]))
    assert args == [ids] and kwargs == {}
