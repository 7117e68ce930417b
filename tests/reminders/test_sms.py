"""Reminders by SMS (issue 13; docs/reminders.md, "Channels"): one row per channel through the
same outbox, sent through Twilio's library to a local fake of its API, with the outbox's
retries for timeouts, 429 and 5xx, and failure for a bad number; the texts; STOP/START and
delivery receipts through signed webhooks."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from coaching.models import (
    CoachingSession,
    Reminder,
    ReminderKind,
    ReminderState,
    SessionMode,
    SessionPurpose,
)
from coaching.reminders.delivery import reminders_send, reminders_sweep
from coaching.reminders.services import (
    reminder_preferences_set,
    reminders_plan_for_patient,
    reminders_plan_upcoming,
)
from coaching.reminders.sms.models import SmsOptOut
from coaching.reminders.sms.texts import SEGMENT, fits_one_segment, is_gsm7, sms_text
from tests.factories import (
    ReminderFactory,
)
from tests.reminders.helpers import Published, at, harbour_patient
from tests.reminders.sms_helpers import PHONE, every_patient_kind, verified_phone
from walkback.demo.bench.fake_twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    Answer,
    FakeTwilio,
)

SYDNEY = "Australia/Sydney"
WEDNESDAY = at(SYDNEY, 2025, 6, 4, 10, 0)


@pytest.fixture
def fake_twilio():
    fake = FakeTwilio()
    yield fake
    fake.close()


@pytest.fixture
def twilio(settings, fake_twilio):
    settings.REMINDER_CHANNELS = {
        **settings.REMINDER_CHANNELS,
        "sms": "coaching.reminders.sms.twilio.TwilioSmsChannel",
    }
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = FROM_NUMBER
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_API_BASE_URL = fake_twilio.url
    settings.SMS_TIMEOUT_SECONDS = 1
    settings.SITE_URL = "https://walkback.example.org"
    return fake_twilio


@pytest.fixture
def now():
    with time_machine.travel(WEDNESDAY, tick=False):
        yield WEDNESDAY


@pytest.fixture
def patient(db):
    return harbour_patient(reminder_channels=["email", "sms"])


def _send_due(django_capture_on_commit_callbacks) -> dict:
    batches = Published()
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(publish=batches)
    counts: dict = {}
    for batch in batches:
        for key, value in reminders_send(reminder_ids=batch).items():
            counts[key] = counts.get(key, 0) + value
    return counts


def _sms_due(patient, *, minutes_ago=1, kind=ReminderKind.WALK, **extra):
    return ReminderFactory(
        recipient=patient.user,
        patient=patient,
        kind=kind,
        channel="sms",
        due_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        idempotency_key=f"test:{patient.pk}:{kind}:{minutes_ago}@sms",
        **extra,
    )


# --- Planning: one row per (kind, occurrence, channel) ------------------------------------


def test_each_reminder_is_planned_once_per_chosen_channel(patient, now):
    reminders_plan_for_patient(patient=patient)
    reminders_plan_for_patient(patient=patient)  # again: nothing new
    rows = Reminder.objects.filter(patient=patient, kind=ReminderKind.WALK).order_by(
        "due_at", "channel"
    )
    assert [(r.channel, r.idempotency_key) for r in rows] == [
        ("email", f"walk:{patient.pk}:2025-06-04"),
        ("sms", f"walk:{patient.pk}:2025-06-04@sms"),
        ("email", f"walk:{patient.pk}:2025-06-06"),
        ("sms", f"walk:{patient.pk}:2025-06-06@sms"),
    ]
    # The periodic planner agrees with the write-time service: it adds nothing.
    before = Reminder.objects.count()
    reminders_plan_upcoming()
    assert Reminder.objects.count() == before


def test_the_bulk_planner_writes_the_channel_of_each_row(patient, now):
    reminders_plan_upcoming()
    reminders_plan_upcoming()
    walks = Reminder.objects.filter(patient=patient, kind=ReminderKind.WALK)
    assert sorted(walks.values_list("channel", flat=True)) == ["email", "email", "sms", "sms"]


def test_dropping_a_channel_cancels_its_future_rows_only(patient, now):
    verified_phone(patient.user)
    reminders_plan_for_patient(patient=patient)
    reminder_preferences_set(
        patient=patient,
        by=patient.user,
        reminders_by_email=True,
        reminder_channels=["sms"],
        reminder_days=patient.reminder_days,
        reminder_time=patient.reminder_time,
        reminders_paused_until=None,
    )
    walks = Reminder.objects.filter(patient=patient, kind=ReminderKind.WALK)
    assert set(walks.filter(channel="email").values_list("state", flat=True)) == {"cancelled"}
    assert set(walks.filter(channel="sms").values_list("state", flat=True)) == {"pending"}


def test_session_reminders_go_by_every_channel(patient, now):
    session = CoachingSession.objects.create(
        patient=patient,
        number=1,
        purpose=SessionPurpose.PRESCRIBE,
        mode=SessionMode.PHONE,
        scheduled_at=WEDNESDAY + dt.timedelta(days=1, hours=4),
    )
    from coaching.reminders.services import reminders_plan_for_session

    reminders_plan_for_session(session=session)
    rows = Reminder.objects.filter(session=session)
    assert sorted((r.kind, r.channel) for r in rows) == [
        ("session_day", "email"),
        ("session_day", "sms"),
        ("session_hour", "email"),
        ("session_hour", "sms"),
    ]


def test_sms_is_offered_only_with_a_confirmed_number(patient, now):
    patient.reminder_channels = ["email"]
    patient.save()
    args = {
        "patient": patient,
        "by": patient.user,
        "reminders_by_email": True,
        "reminder_days": patient.reminder_days,
        "reminder_time": patient.reminder_time,
        "reminders_paused_until": None,
    }
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        reminder_preferences_set(reminder_channels=["email", "sms"], **args)
    assert "Confirm your mobile number first" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        reminder_preferences_set(reminder_channels=["push"], **args)
    assert "notifications" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        reminder_preferences_set(reminder_channels=[], **args)
    assert "at least one way" in str(refused.value)
    verified_phone(patient.user)
    assert reminder_preferences_set(reminder_channels=["sms", "email"], **args) == [
        "reminder_channels"
    ]
    patient.refresh_from_db()
    assert patient.reminder_channels == ["email", "sms"]


# --- Sending through Twilio's library to the fake ------------------------------------------


def test_an_sms_goes_through_the_provider_with_its_receipt_address(
    patient, twilio, now, django_capture_on_commit_callbacks
):
    verified_phone(patient.user)
    row = _sms_due(patient)
    assert _send_due(django_capture_on_commit_callbacks) == {"sent": 1}
    (message,) = twilio.accepted
    assert message["To"] == PHONE and message["From"] == FROM_NUMBER
    assert message["Body"].startswith("WalkBack: time for your walk today.")
    assert message["StatusCallback"] == (
        f"https://walkback.example.org/reminders/sms/status/?reminder={row.pk}"
    )
    row.refresh_from_db()
    assert row.state == ReminderState.SENT and row.provider_message_id == message["sid"]
    # Sent twice by mistake (a duplicate task): the claim lets it go once.
    assert reminders_send(reminder_ids=[row.pk]) == {"not-ours": 1}
    assert len(twilio.accepted) == 1


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("none", "no mobile number"),
        ("unverified", "the mobile number is not confirmed"),
        ("changed", "the mobile number is not confirmed"),
        ("stopped", "the number replied STOP"),
    ],
)
def test_no_sms_goes_to_a_number_not_confirmed_or_that_said_stop(
    patient, twilio, now, django_capture_on_commit_callbacks, setup, reason
):
    user = patient.user
    if setup == "unverified":
        user.phone = PHONE
        user.save()
    elif setup == "changed":  # confirmed, then changed on the details page
        verified_phone(user)
        user.phone = "+61498765432"
        user.save()
    elif setup == "stopped":
        verified_phone(user)
        SmsOptOut.objects.create(phone=PHONE, via="stop-reply")
    row = _sms_due(patient)
    assert _send_due(django_capture_on_commit_callbacks) == {"skipped": 1}
    row.refresh_from_db()
    assert row.last_error == f"no text message: {reason}"
    assert twilio.requests == []


def test_a_timeout_is_retried_with_the_outbox_backoff_and_sent_once(
    patient, twilio, now, django_capture_on_commit_callbacks
):
    verified_phone(patient.user)
    twilio.answer(Answer(delay=2.5))  # longer than the 1 s timeout
    row = _sms_due(patient)
    assert _send_due(django_capture_on_commit_callbacks) == {"retry": 1}
    row.refresh_from_db()
    assert row.state == ReminderState.PENDING and "Timeout" in row.last_error
    assert dt.timedelta(seconds=30) <= row.retry_at - timezone.now() <= dt.timedelta(seconds=60)
    with time_machine.travel(WEDNESDAY + dt.timedelta(minutes=2), tick=False):
        assert _send_due(django_capture_on_commit_callbacks) == {"sent": 1}
    row.refresh_from_db()
    assert row.state == ReminderState.SENT and row.attempts == 2


def test_429_waits_at_least_its_retry_after(
    patient, twilio, now, django_capture_on_commit_callbacks
):
    verified_phone(patient.user)
    twilio.answer(Answer(status=429, code=20429, headers={"Retry-After": "600"}))
    row = _sms_due(patient)
    assert _send_due(django_capture_on_commit_callbacks) == {"retry": 1}
    row.refresh_from_db()
    assert row.retry_at - timezone.now() == dt.timedelta(seconds=600)
    assert "429" in row.last_error
    # Not before: the sweep at +5 minutes leaves it; at +10 it goes.
    with time_machine.travel(WEDNESDAY + dt.timedelta(minutes=5), tick=False):
        assert _send_due(django_capture_on_commit_callbacks) == {}
    with time_machine.travel(WEDNESDAY + dt.timedelta(minutes=10, seconds=1), tick=False):
        assert _send_due(django_capture_on_commit_callbacks) == {"sent": 1}


def test_5xx_answers_are_retried_then_failed_after_the_bound(
    patient, twilio, now, settings, django_capture_on_commit_callbacks
):
    settings.REMINDER_MAX_ATTEMPTS = 3
    verified_phone(patient.user)
    twilio.answer(*[Answer(status=503)] * 3)
    row = _sms_due(patient)
    moment = WEDNESDAY
    for attempt in range(1, 4):
        with time_machine.travel(moment, tick=False):
            _send_due(django_capture_on_commit_callbacks)
        row.refresh_from_db()
        assert row.attempts == attempt
        moment = (row.retry_at or moment) + dt.timedelta(seconds=1)
    assert row.state == ReminderState.FAILED
    assert "503" in row.last_error and len(twilio.requests) == 3


def test_a_bad_number_is_failed_at_once(patient, twilio, now, django_capture_on_commit_callbacks):
    verified_phone(patient.user)
    twilio.answer(Answer(status=400, code=21211))  # "invalid 'To' phone number"
    row = _sms_due(patient)
    assert _send_due(django_capture_on_commit_callbacks) == {"failed": 1}
    row.refresh_from_db()
    assert row.state == ReminderState.FAILED and row.attempts == 1
    assert row.last_error == "the SMS provider answered 400 (error 21211)"


def test_late_sms_in_quiet_hours_waits_for_the_morning(
    patient, twilio, django_capture_on_commit_callbacks
):
    verified_phone(patient.user)
    late_evening = at(SYDNEY, 2025, 6, 4, 22, 30)
    with time_machine.travel(late_evening, tick=False):
        row = _sms_due(patient, minutes_ago=60)
        assert _send_due(django_capture_on_commit_callbacks) == {"deferred": 1}
    row.refresh_from_db()
    assert row.retry_at == at(SYDNEY, 2025, 6, 5, 8, 0)
    assert twilio.requests == []


# --- The texts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "site", ["https://walkback.example.org", "https://" + "very-long-clinic-host." * 5 + "org"]
)
def test_every_kind_of_text_fits_one_gsm7_segment_and_carries_no_health_data(
    patient, now, settings, site
):
    settings.SITE_URL = site
    for reminder in every_patient_kind(patient, session_at=WEDNESDAY + dt.timedelta(days=1)):
        text = sms_text(reminder, patient.zone)
        assert fits_one_segment(text), (reminder.kind, len(text), text)
        assert is_gsm7(text) and len(text) <= SEGMENT
        assert text.startswith("WalkBack: ") and text.endswith("Reply STOP to stop these texts.")
        lowered = text.lower().replace("walkback", "")  # the product's name is not a symptom
        for private in [
            "paula",
            "walker",
            "priya",
            "harbour",
            "physio",
            "pain",
            "back",
            "minutes",
            "secret-room",
            "target",
        ]:
            assert private not in lowered, (reminder.kind, private, text)


def test_the_text_built_at_send_time_is_the_safe_one(
    patient, twilio, now, django_capture_on_commit_callbacks
):
    """The e-mail's first line names this week's minutes; the text does not."""
    verified_phone(patient.user)
    _sms_due(patient)
    _send_due(django_capture_on_commit_callbacks)
    (message,) = twilio.accepted
    assert message["Body"] == (
        "WalkBack: time for your walk today. https://walkback.example.org/me/ "
        "Reply STOP to stop these texts."
    )


def test_the_demo_patient_gets_a_text_within_two_minutes(db, django_capture_on_commit_callbacks):
    import io

    from django.core.management import call_command

    from tests.reminders.test_delivery import CapturedSms

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        call_command("seed_demo")
        call_command("seed_demo")  # again: no second one-minute text
    (demo,) = Reminder.objects.filter(idempotency_key__startswith="demo-walk-sms:")
    assert demo.channel == "sms" and demo.recipient.email == "patient@demo.test"
    stream = io.StringIO()
    CapturedSms.stream = stream
    from django.conf import settings

    channels = {**settings.REMINDER_CHANNELS, "sms": "tests.reminders.test_delivery.CapturedSms"}
    with (
        time_machine.travel(start + dt.timedelta(minutes=2), tick=False),
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(settings, "REMINDER_CHANNELS", channels)
        _send_due(django_capture_on_commit_callbacks)
    demo.refresh_from_db()
    assert demo.state == ReminderState.SENT
    assert "SMS to +61491570156" in stream.getvalue()
