"""The sweep and the send, in-process: exactly once, after commit, with backoff, and what the
messages look like."""

from __future__ import annotations

import datetime as dt
import io
import logging
import sys
from email.utils import parseaddr

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from coaching.models import (
    Reminder,
    ReminderKind,
    ReminderState,
    SessionMode,
    SessionPurpose,
)
from coaching.reminders.channels import ConsoleSmsChannel
from coaching.reminders.delivery import reminders_send, reminders_sweep
from coaching.reminders.services import (
    adverse_event_notify,
    reminders_plan_for_session,
    reminders_plan_upcoming,
)
from patients.models import BodyRegion, Severity, WalkingRelated
from tests.factories import (
    AdverseEventFactory,
    CheckInFactory,
    ClinicFactory,
    CoachingSessionFactory,
    PatientFactory,
    PrescriptionFactory,
    ReminderFactory,
    UserFactory,
    WalkLogFactory,
)
from tests.reminders.helpers import Published, at, reminder_ids, states
from tests.reminders.sms_helpers import verified_phone

SYDNEY = "Australia/Sydney"
NOON = at(SYDNEY, 2025, 6, 4, 12, 0)


def _due(patient, n=1, *, kind=ReminderKind.WALK, minutes_ago=1, **extra):
    return [
        ReminderFactory(
            recipient=patient.user,
            patient=patient,
            kind=kind,
            due_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
            idempotency_key=f"test:{patient.pk}:{kind}:{i}:{minutes_ago}",
            **extra,
        )
        for i in range(n)
    ]


@pytest.fixture
def noon():
    with time_machine.travel(NOON, tick=False):
        yield NOON


@pytest.fixture
def patient(db):
    clinic = ClinicFactory(name="Harbour Physio", time_zone=SYDNEY)
    return PatientFactory(clinic=clinic, user__full_name="Paula Walker")


def test_the_sweep_run_twice_and_tasks_run_twice_send_one_message_each(
    patient, noon, django_capture_on_commit_callbacks
):
    rows = _due(patient, 7)
    first, second = Published(), Published()
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(publish=first)
        reminders_sweep(publish=second)
    assert sorted(first.ids) == sorted(r.pk for r in rows)
    assert second.ids == []  # the second sweep found nothing left to claim
    # Celery delivers at least once: every batch arrives twice, even interleaved.
    for batch in first + first:
        reminders_send(reminder_ids=batch)
    assert sorted(reminder_ids(mail.outbox)) == sorted(r.pk for r in rows)
    assert states(patient=patient) == {ReminderState.SENT: 7}


def test_a_send_task_only_sends_rows_the_sweep_handed_over(patient, noon):
    pending = _due(patient, 1)[0]
    assert reminders_send(reminder_ids=[pending.pk]) == {"not-ours": 1}
    assert mail.outbox == []
    assert Reminder.objects.get(pk=pending.pk).state == ReminderState.PENDING


def test_rows_not_yet_due_are_left_alone(
    patient, noon, published, django_capture_on_commit_callbacks
):
    _due(patient, 2, minutes_ago=-5)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(publish=published)
    assert published == []


def test_ids_are_handed_over_only_after_the_claim_commits(
    patient, noon, published, django_capture_on_commit_callbacks
):
    rows = _due(patient, 3)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reminders_sweep(publish=published)
        assert published == []  # nothing reaches the broker inside the transaction
    assert len(callbacks) == 1
    callbacks[0]()
    assert sorted(published.ids) == sorted(r.pk for r in rows)


def test_a_rolled_back_sweep_hands_over_nothing(
    patient, noon, published, django_capture_on_commit_callbacks
):
    _due(patient, 3)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                reminders_sweep(publish=published)
                raise RuntimeError("the claim does not commit")
        except RuntimeError:
            pass
    assert published == []
    assert states(patient=patient) == {ReminderState.PENDING: 3}


def test_batches_are_small_and_carry_ids_only(
    patient, noon, published, django_capture_on_commit_callbacks
):
    _due(patient, 120)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(publish=published)
    assert [len(batch) for batch in published] == [50, 50, 20]
    assert all(type(pk) is int for pk in published.ids)


def test_when_the_broker_is_unreachable_the_rows_wait_for_the_next_sweep(
    patient, noon, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    rows = _due(patient, 120)
    calls = []

    def broken(ids):
        calls.append(ids)
        if len(calls) == 2:
            raise OperationalError("Error 111 connecting to localhost:6379. Connection refused.")

    with django_capture_on_commit_callbacks(execute=True):
        result = reminders_sweep(publish=broken)
    assert result.returned == 70  # the second and third batches were not handed over
    assert states(patient=patient) == {ReminderState.QUEUED: 50, ReminderState.PENDING: 70}
    published = Published()
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(publish=published)
    assert sorted(calls[0] + published.ids) == sorted(r.pk for r in rows)


def test_lost_messages_and_dead_workers_are_recovered(
    patient, noon, settings, django_capture_on_commit_callbacks
):
    settings.REMINDER_REQUEUE_SECONDS = 600
    settings.REMINDER_CLAIM_LEASE_SECONDS = 360
    lost, dead, busy, spent = _due(patient, 4)
    ago = lambda seconds: timezone.now() - dt.timedelta(seconds=seconds)  # noqa: E731
    Reminder.objects.filter(pk=lost.pk).update(state=ReminderState.QUEUED, queued_at=ago(601))
    Reminder.objects.filter(pk=dead.pk).update(
        state=ReminderState.CLAIMED, claimed_at=ago(361), attempts=1
    )
    Reminder.objects.filter(pk=busy.pk).update(
        state=ReminderState.CLAIMED, claimed_at=ago(100), attempts=1
    )
    Reminder.objects.filter(pk=spent.pk).update(
        state=ReminderState.CLAIMED, claimed_at=ago(361), attempts=5
    )
    published = Published()
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(publish=published)
    assert sorted(published.ids) == sorted([lost.pk, dead.pk])
    reminders_send(reminder_ids=published.ids)
    assert sorted(reminder_ids(mail.outbox)) == sorted([lost.pk, dead.pk])
    assert Reminder.objects.get(pk=busy.pk).state == ReminderState.CLAIMED  # still its worker's
    spent.refresh_from_db()
    assert (spent.state, spent.last_error) == (
        ReminderState.FAILED,
        "the worker stopped while sending",
    )


class FlakyChannel:
    failures = 0

    def send(self, message):
        FlakyChannel.failures += 1
        raise ConnectionError("mail server said 421, try again later")

    def close(self):
        pass


def test_failures_back_off_with_jitter_and_stop_after_a_bound(
    patient, settings, run_due, client_for
):
    settings.REMINDER_CHANNELS = {"email": "tests.reminders.test_delivery.FlakyChannel"}
    settings.REMINDER_MAX_ATTEMPTS = 5
    start = at(SYDNEY, 2025, 6, 4, 12, 0)
    with time_machine.travel(start, tick=False):
        rows = _due(patient, 6)
    now, delays = start, []
    for attempt in range(1, 6):
        run_due(now)
        for row in Reminder.objects.filter(pk__in=[r.pk for r in rows]):
            assert row.attempts == attempt
        if attempt < 5:
            waiting = list(Reminder.objects.filter(pk__in=[r.pk for r in rows]))
            assert {r.state for r in waiting} == {ReminderState.PENDING}
            gaps = sorted((r.retry_at - now).total_seconds() for r in waiting)
            step = 60 * 2 ** (attempt - 1)
            assert step / 2 <= gaps[0] and gaps[-1] <= step  # backoff grows...
            assert len(set(gaps)) == len(gaps)  # ...with jitter: not all at once
            delays.append(gaps)
            # Not before its time: a sweep a moment before the earliest retry takes nothing.
            assert run_due(now + dt.timedelta(seconds=gaps[0] - 1)) == []
            now += dt.timedelta(seconds=step + 1)
    assert FlakyChannel.failures == 30
    assert states(patient=patient) == {ReminderState.FAILED: 6}
    row = Reminder.objects.get(pk=rows[0].pk)
    assert row.last_error == "ConnectionError: mail server said 421, try again later"
    # Staff see it, and why.
    physio = UserFactory(clinic=patient.clinic)
    page = client_for(physio).get(f"/caseload/patients/{patient.pk}/reminders/")
    assert page.status_code == 200
    assert page.content.decode().count("Failed</span>") == 6
    assert "5 attempts. ConnectionError: mail server said 421" in page.content.decode()


def test_e_mail_has_text_and_html_the_clinic_as_sender_and_a_way_to_stop(patient, noon, run_due):
    WalkLogFactory(patient=patient, walked_on=dt.date(2025, 6, 2), minutes=45)

    PrescriptionFactory(
        patient=patient,
        effective_from=dt.date(2025, 5, 1),
        walks_per_week=5,
        minutes_per_walk=20,
        author=UserFactory(clinic=patient.clinic),
    )
    _due(patient)
    (message,) = run_due()
    assert parseaddr(message.from_email)[0] == "Harbour Physio"
    assert message.to == [patient.user.email]
    assert "Your 20-minute walk today: 45 of 100 minutes done this week." in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "45 of 100 minutes" in html
    assert "To change or stop these reminders: http" in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_session_reminder_says_how_and_carries_a_calendar_file(patient, noon, run_due):
    session = CoachingSessionFactory(
        patient=patient,
        number=3,
        purpose=SessionPurpose.PRESCRIBE,
        mode=SessionMode.VIDEO,
        video_link="https://meet.example.test/abc-def",
        scheduled_at=at(SYDNEY, 2025, 6, 5, 14, 0),
    )
    reminders_plan_for_session(session=session)
    (message,) = run_due(at(SYDNEY, 2025, 6, 4, 14, 0))
    assert message.subject == "Your coaching session tomorrow at 14:00"
    assert "tomorrow, Thursday 5 June at 14:00" in message.body
    assert "Join the video call: https://meet.example.test/abc-def" in message.body
    (name, ics, mimetype) = message.attachments[0]
    assert (name, mimetype) == ("walkback-session.ics", "text/calendar")
    assert "DTSTART:20250605T040000Z" in ics  # 14:00 in Sydney (AEST, +10)
    assert f"UID:walkback-session-{session.pk}@" in ics
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    session.mode = SessionMode.PHONE
    session.save()
    patient.physiotherapist = UserFactory(clinic=patient.clinic, full_name="Priya Physio")
    patient.save()
    (message,) = run_due(at(SYDNEY, 2025, 6, 5, 13, 0))
    assert "Priya Physio will phone you." in message.body


def test_the_console_sms_channel_prints_the_short_text(patient, noon, run_due, settings):
    stream = io.StringIO()
    settings.REMINDER_CHANNELS = {
        **settings.REMINDER_CHANNELS,
        "sms": "tests.reminders.test_delivery.CapturedSms",
    }
    CapturedSms.stream = stream
    verified_phone(patient.user)  # no SMS goes to a number the patient has not confirmed
    (row,) = _due(patient, channel="sms")
    assert run_due() == []  # no e-mail
    assert "SMS to +61412345678 from Harbour Physio" in stream.getvalue()
    assert "WalkBack: time for your walk today." in stream.getvalue()
    assert Reminder.objects.get(pk=row.pk).state == ReminderState.SENT


class CapturedSms(ConsoleSmsChannel):
    stream = sys.stdout

    def __init__(self):
        super().__init__(stream=type(self).stream)


SENTINELS = ["SENTINEL-NOTE-7731", "SENTINEL-ADVERSE-5519"]


def test_no_health_data_in_task_arguments_or_logs(
    patient, noon, caplog, settings, django_capture_on_commit_callbacks
):
    """Seed health data with sentinel values, run planner, sweep and send with every log at
    DEBUG, and look for the sentinels in the captured logs and in the queued payloads."""
    settings.REMINDER_QUIET_HOURS = "off"
    caplog.set_level(logging.DEBUG)
    physio = UserFactory(clinic=patient.clinic)
    patient.physiotherapist = physio
    patient.programme_start = dt.date(2025, 5, 1)
    patient.reminder_days = [0, 1, 2, 3, 4, 5, 6]
    patient.reminder_time = dt.time(12, 30)
    patient.save()
    WalkLogFactory(
        patient=patient, walked_on=dt.date(2025, 5, 20), minutes=31, pain=7, note=SENTINELS[0]
    )
    CheckInFactory(patient=patient, month_number=1, due_on=dt.date(2025, 6, 4))
    event = AdverseEventFactory(
        patient=patient,
        occurred_on=dt.date(2025, 6, 3),
        body_region=BodyRegion.KNEE,
        severity=Severity.SEVERE,
        related_to_walking=WalkingRelated.YES,
        description=SENTINELS[1],
    )
    adverse_event_notify(event=event)
    reminders_plan_upcoming()

    from celery import current_app

    from coaching.tasks import reminders_send_task

    payloads = []
    with time_machine.travel(at(SYDNEY, 2025, 6, 4, 12, 30), tick=False):
        published = Published()
        with django_capture_on_commit_callbacks(execute=True):
            reminders_sweep(publish=published)
        for batch in published:
            # What Celery would put on the broker for this batch: the serialised message.
            message = current_app.amqp.as_task_v2("x", reminders_send_task.name, args=[batch])
            payloads.append(message)
            reminders_send(reminder_ids=batch)
    kinds = {m.subject for m in mail.outbox}
    assert len(mail.outbox) == 4, kinds  # walk, nudge, check-in, adverse notice
    for headers, _properties, body, _sent_event in payloads:
        args, kwargs, _ = body
        assert kwargs == {}
        assert all(type(pk) is int for batch in args for pk in batch)
        assert headers["argsrepr"].startswith("[[") and "SENTINEL" not in headers["argsrepr"]
    logs = caplog.text + "".join(str(r.args) for r in caplog.records)
    for sentinel in SENTINELS:
        assert sentinel not in logs
        assert all(sentinel not in m.body for m in mail.outbox)
    notice = next(m for m in mail.outbox if "reported a problem" in m.subject)
    assert notice.to == [physio.email]
    # Issue 12: the severity is said (the subject never names the patient); the rest of the
    # report stays behind the login.
    assert "Knee" not in notice.body and SENTINELS[1] not in notice.body
    assert notice.subject == "WalkBack: a patient reported a problem (severe)"
    assert "called it severe" in notice.body


def test_the_adverse_event_notice_waits_for_the_physio_morning(patient, settings):
    settings.REMINDER_QUIET_HOURS = "21:00-08:00"
    physio = UserFactory(clinic=patient.clinic, time_zone="Europe/London")
    patient.physiotherapist = physio
    patient.save()
    event = AdverseEventFactory(
        patient=patient,
        occurred_on=dt.date(2025, 6, 3),
        body_region=BodyRegion.KNEE,
        severity=Severity.MILD,
        related_to_walking=WalkingRelated.UNSURE,
    )
    with time_machine.travel(at("Europe/London", 2025, 6, 3, 23, 10), tick=False):
        (notice,) = adverse_event_notify(event=event)
        assert adverse_event_notify(event=event) == [notice]  # idempotent
    assert notice.recipient == physio
    assert notice.due_at == at("Europe/London", 2025, 6, 4, 8, 0)


def test_without_a_physiotherapist_the_clinic_admins_hear_of_it(patient, noon):
    from walkback.accounts.models import Role

    admin = UserFactory(clinic=patient.clinic, role=Role.CLINIC_ADMIN)
    UserFactory(clinic=ClinicFactory(), role=Role.CLINIC_ADMIN)  # another clinic's
    event = AdverseEventFactory(
        patient=patient,
        occurred_on=dt.date(2025, 6, 3),
        body_region=BodyRegion.HIP,
        severity=Severity.MILD,
        related_to_walking=WalkingRelated.NO,
    )
    assert [r.recipient for r in adverse_event_notify(event=event)] == [admin]


# --- The Monday digest ---------------------------------------------------------------------
# The digest lists what the caseload flags (coaching.flags) say about the physio's patients.


def _in_programme_since(patient, day):
    patient.programme_start = day
    patient.save(update_fields=["programme_start"])
    return patient


def test_the_monday_digest_lists_own_patients_who_need_attention(world, run_due):
    from patients.models import PatientStatus

    # physio_a has patient_a (no walk for weeks: flagged) and a walker (not flagged);
    # patient_a2 is a colleague's, patient_b another clinic's: neither may appear.
    _in_programme_since(world.patient_a, dt.date(2025, 4, 1))
    _in_programme_since(world.patient_a2, dt.date(2025, 4, 1))
    walker = PatientFactory(
        clinic=world.clinic_a,
        physiotherapist=world.physio_a,
        user__full_name="Wally Walker",
        programme_start=dt.date(2025, 4, 1),
    )
    WalkLogFactory(patient=walker, walked_on=dt.date(2025, 6, 1), minutes=30)
    PatientFactory(
        clinic=world.clinic_a,
        physiotherapist=world.physio_a,
        status=PatientStatus.DISCHARGED,
        user__full_name="Dora Discharged",
    )
    with time_machine.travel(at(SYDNEY, 2025, 6, 1, 12, 0), tick=False):  # a Sunday
        reminders_plan_upcoming()
    digests = Reminder.objects.filter(kind=ReminderKind.DIGEST)
    assert {(r.recipient, r.due_at) for r in digests} == {
        (world.physio_a, at(SYDNEY, 2025, 6, 2, 8, 0)),
        (world.physio_a2, at(SYDNEY, 2025, 6, 2, 8, 0)),
        (world.physio_b, at("Europe/London", 2025, 6, 2, 8, 0)),  # their own Monday 08:00
    }
    sent = run_due(at(SYDNEY, 2025, 6, 2, 8, 0))
    (digest,) = [m for m in sent if m.to == [world.physio_a.email]]
    assert digest.subject == "WalkBack: 1 of your patients may need attention"
    assert "Paula Alpha: " in digest.body and "No log for 7 days" in digest.body
    assert f"/patients/{world.patient_a.pk}/" in digest.body
    for absent in ("Wally", "Dora", "Peter Alpha", "Zebracorn"):
        assert absent not in digest.body
        assert absent not in digest.alternatives[0][0]
    (colleague,) = [m for m in sent if m.to == [world.physio_a2.email]]
    assert "Peter Alpha" in colleague.body and "Paula" not in colleague.body
    assert Reminder.objects.get(recipient=world.physio_b, kind=ReminderKind.DIGEST).state == (
        ReminderState.PENDING  # still Sunday night in London
    )


def test_no_digest_when_nobody_needs_attention(world, run_due):
    for patient in (world.patient_a, world.patient_a2):
        _in_programme_since(patient, dt.date(2025, 5, 26))
        WalkLogFactory(patient=patient, walked_on=dt.date(2025, 6, 1), minutes=30)
    with time_machine.travel(at(SYDNEY, 2025, 6, 1, 12, 0), tick=False):
        reminders_plan_upcoming()
    assert run_due(at(SYDNEY, 2025, 6, 2, 8, 0)) == []
    row = Reminder.objects.get(recipient=world.physio_a, kind=ReminderKind.DIGEST)
    assert (row.state, row.last_error) == (ReminderState.SKIPPED, "no patient needs attention")
