"""Before any SMS, the patient proves the number is theirs: a six-digit code, hashed at rest,
that expires, allows five wrong tries, and cannot be asked for too often. Changing the number
unverifies it. Then "Me → Reminders" offers text messages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from coaching.models import Reminder
from coaching.reminders.sms.models import PhoneVerification
from coaching.reminders.sms.selectors import phone_verified
from coaching.reminders.sms.verification import phone_code_check, phone_code_send
from tests.factories import ClinicFactory, PatientFactory
from tests.reminders.sms_helpers import PHONE
from tests.reminders.test_sms import SYDNEY, WEDNESDAY
from tests.reminders.test_sms import fake_twilio as fake_twilio  # noqa: F401
from tests.reminders.test_sms import twilio as twilio  # noqa: F401 - the fixture, reused
from walkback.audit.models import AuditEvent


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()  # the per-hour send counters live in the cache
    yield
    cache.clear()


@pytest.fixture
def patient(db):
    patient = PatientFactory(
        clinic=ClinicFactory(time_zone=SYDNEY), reminder_days=[2], reminder_time=dt.time(17)
    )
    patient.user.phone = PHONE
    patient.user.save()
    return patient


def _code(twilio) -> str:
    return re.search(r"\b(\d{6})\b", twilio.accepted[-1]["Body"]).group(1)


def test_the_right_code_confirms_the_number_and_only_a_hash_is_kept(patient, twilio):
    user = patient.user
    with time_machine.travel(WEDNESDAY, tick=False):
        phone_code_send(user=user, patient=patient)
        (text,) = twilio.accepted
        assert text["To"] == PHONE
        assert "StatusCallback" not in text  # a code has no outbox row
        code = _code(twilio)
        stored = PhoneVerification.objects.get(user=user)
        assert code not in stored.code_hash and len(stored.code_hash) == 64
        assert not phone_verified(user)
        phone_code_check(user=user, patient=patient, code=f" {code[:3]} {code[3:]} ")
    assert phone_verified(user)
    assert AuditEvent.objects.filter(patient=patient, detail__event="phone_verified").exists()
    # Changing the number unverifies it, whatever page changed it.
    user.phone = "+61498765432"
    user.save()
    assert not phone_verified(user)


def test_wrong_codes_are_counted_and_five_spend_the_code(patient, twilio):
    user = patient.user
    with time_machine.travel(WEDNESDAY, tick=False):
        phone_code_send(user=user, patient=patient)
        code = _code(twilio)
        wrong = "000000" if code != "000000" else "111111"
        for left in (4, 3, 2, 1):
            with pytest.raises(ValidationError, match=f"try {left} more time"):
                phone_code_check(user=user, patient=patient, code=wrong)
        with pytest.raises(ValidationError, match="Ask for a new one"):
            phone_code_check(user=user, patient=patient, code=wrong)
        # Even the right code no longer works: the count was kept although each try failed.
        with pytest.raises(ValidationError, match="Too many wrong codes"):
            phone_code_check(user=user, patient=patient, code=code)
    assert PhoneVerification.objects.get(user=user).failed_attempts == 5
    assert not phone_verified(user)


def test_a_code_expires_and_is_good_only_for_its_number(patient, twilio):
    user = patient.user
    with time_machine.travel(WEDNESDAY, tick=False):
        phone_code_send(user=user, patient=patient)
    code = _code(twilio)
    with (
        time_machine.travel(WEDNESDAY + dt.timedelta(minutes=10, seconds=1), tick=False),
        pytest.raises(ValidationError, match="run out"),
    ):
        phone_code_check(user=user, patient=patient, code=code)
    with time_machine.travel(WEDNESDAY + dt.timedelta(minutes=11), tick=False):
        phone_code_send(user=user, patient=patient)
        code = _code(twilio)
        user.phone = "+61498765432"  # changed after the code was sent
        user.save()
        with pytest.raises(ValidationError, match="Ask for a code first"):
            phone_code_check(user=user, patient=patient, code=code)


def test_sending_codes_is_limited(patient, twilio, settings):
    user = patient.user
    with time_machine.travel(WEDNESDAY, tick=False):
        phone_code_send(user=user, patient=patient)
        with pytest.raises(ValidationError, match="wait a minute"):
            phone_code_send(user=user, patient=patient)
    for n in range(1, 5):
        with time_machine.travel(WEDNESDAY + dt.timedelta(minutes=2 * n), tick=False):
            phone_code_send(user=user, patient=patient)
    with (
        time_machine.travel(WEDNESDAY + dt.timedelta(minutes=12), tick=False),
        pytest.raises(ValidationError, match="try again in an hour"),
    ):
        phone_code_send(user=user, patient=patient)
    assert len(twilio.accepted) == settings.SMS_CODES_PER_HOUR == 5


def test_a_code_the_provider_refused_can_be_asked_for_again_at_once(patient, twilio):
    from walkback.demo.bench.fake_twilio import Answer

    twilio.answer(Answer(status=400, code=21211))
    with pytest.raises(ValidationError, match="could not send a text"):
        phone_code_send(user=patient.user, patient=patient)
    phone_code_send(user=patient.user, patient=patient)
    assert len(twilio.accepted) == 1


def test_the_reminders_page_offers_texts_once_the_number_is_confirmed(patient, twilio, client_for):
    client = client_for(patient.user)
    page = client.get(reverse("portal:reminders")).content.decode()
    assert 'value="sms"' not in page
    assert "Confirm your mobile number first" in page
    # Through the pages, as a patient without JavaScript would.
    assert client.post(reverse("portal:phone-code-send")).status_code == 302
    page = client.get(reverse("portal:phone-verify")).content.decode()
    assert "The 6-digit code we texted you" in page
    response = client.post(reverse("portal:phone-verify"), {"code": "12345x"})
    assert "That code is not right" in response.content.decode()
    response = client.post(reverse("portal:phone-verify"), {"code": _code(twilio)})
    assert response.status_code == 302 and response["Location"] == reverse("portal:reminders")
    page = client.get(reverse("portal:reminders")).content.decode()
    assert 'value="sms"' in page
    response = client.post(
        reverse("portal:reminders"),
        {
            "reminders_by_email": "on",
            "reminder_channels": ["sms"],
            "reminder_days": [str(d) for d in range(7)],
            "reminder_time": "17:00",
        },
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.reminder_channels == ["sms"]
    planned = Reminder.objects.filter(patient=patient, state="pending")
    assert planned.exists()
    assert set(planned.values_list("channel", flat=True)) == {"sms"}
