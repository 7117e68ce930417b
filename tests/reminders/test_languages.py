"""Every notice is written in the recipient's language (docs/languages.md): a reminder's e-mail,
its text message and its push line, whatever language the worker or request that sends it is
in. Chinese and Arabic texts are UCS-2, so each must fit one 70-character segment.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import time_machine
from django.utils import timezone, translation

from coaching.models import Reminder, ReminderKind
from coaching.reminders.channels import Message
from coaching.reminders.messages import build
from coaching.reminders.push import push_payload
from coaching.reminders.sms import verification
from coaching.reminders.sms.texts import (
    UCS2_SEGMENT,
    fits_one_segment,
    is_gsm7,
    sms_text,
    ucs2_length,
)
from tests.factories import ReminderFactory
from tests.reminders.helpers import at, harbour_patient
from tests.reminders.sms_helpers import every_patient_kind, verified_phone

PLURAL_FORMS = {
    "zh_Hans": "nplurals=1; plural=0;",
    "ar": (
        "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
        "n%100>=11 ? 4 : 5;"
    ),
}
_KEYS = itertools.count()
WEDNESDAY = at("Australia/Sydney", 2025, 6, 4, 17, 1)

WALK = {
    "zh-hans": {
        "subject": "该去步行了",
        "sms": "WalkBack：今天该去步行了。",
        "push": "该去步行了。",
        "stop": "回复 STOP 退订短信。",
    },
    "ar": {
        "subject": "حان وقت المشي",
        "sms": "WalkBack: حان وقت مشيك اليوم.",
        "push": "حان وقت مشيك.",
        "stop": "للإيقاف أرسل STOP",
    },
}


@pytest.fixture
def catalogues():
    """The shipped catalogues (locale/, docs/languages.md): kept as a fixture so each test
    says it reads them."""
    return None


@pytest.fixture
def now():
    with time_machine.travel(WEDNESDAY, tick=False):
        yield WEDNESDAY


def _patient(language: str, **extra):
    patient = harbour_patient(reminder_channels=["email", "sms", "push"], **extra)
    patient.user.language = language
    patient.user.save(update_fields=["language"])
    verified_phone(patient.user)
    return patient


def _walk_reminder(patient, channel: str) -> Reminder:
    return ReminderFactory(
        recipient=patient.user,
        patient=patient,
        kind=ReminderKind.WALK,
        channel=channel,
        due_at=timezone.now() - dt.timedelta(minutes=1),
        idempotency_key=f"test-language:{patient.pk}:{channel}:{next(_KEYS)}",
    )


def _built(reminder: Reminder) -> Message:
    # The worker's own language is English: the message must not follow it.
    with translation.override("en-gb"):
        message = build(reminder, timezone.now())
        assert translation.get_language() == "en-gb"  # and it is left as it was
    assert isinstance(message, Message), message
    return message


@pytest.mark.parametrize("language", ["zh-hans", "ar"])
def test_the_walk_reminder_email_text_and_push_are_in_the_patients_language(
    db, catalogues, now, settings, language
):
    settings.SITE_URL = "https://walkback.example.org"
    patient = _patient(language)
    words = WALK[language]

    email = _built(_walk_reminder(patient, "email"))
    assert email.language == language
    assert email.subject == words["subject"]
    assert "Time for your walk" not in email.text + email.html
    assert "log it in WalkBack" not in email.text
    assert f'lang="{language}"' in email.html
    assert ('dir="rtl"' in email.html) is (language == "ar")
    assert patient.user.get_short_name() in email.text  # names stay as they are

    text = _built(_walk_reminder(patient, "sms")).short
    assert text.startswith(words["sms"]) and text.endswith(words["stop"])
    assert "STOP" in text  # the word the phone network knows stays in Latin letters
    assert not is_gsm7(text) and fits_one_segment(text)
    assert ucs2_length(text) <= UCS2_SEGMENT

    with translation.override("en-gb"):
        payload = push_payload(email)
    assert payload["title"] == "WalkBack" and payload["body"] == words["push"]


def test_a_patient_without_a_choice_reads_their_clinics_language(db, catalogues, now):
    patient = _patient("")
    patient.clinic.language = "ar"
    patient.clinic.save(update_fields=["language"])
    email = _built(_walk_reminder(patient, "email"))
    assert email.language == "ar" and email.subject == WALK["ar"]["subject"]
    # English stays English, as before.
    patient.clinic.language = "en-gb"
    patient.clinic.save(update_fields=["language"])
    patient.user.refresh_from_db()
    email = _built(_walk_reminder(patient, "email"))
    assert email.subject == "Time for your walk"
    assert push_payload(email)["body"] == "Time for your walk."


@pytest.mark.parametrize("language", ["zh-hans", "ar"])
@pytest.mark.parametrize(
    "site", ["https://walkback.example.org", "https://" + "very-long-clinic-host." * 5 + "org"]
)
def test_every_translated_text_fits_one_ucs2_segment(db, catalogues, now, settings, language, site):
    settings.SITE_URL = site
    patient = _patient(language)
    for reminder in every_patient_kind(patient, session_at=WEDNESDAY + dt.timedelta(days=1)):
        with translation.override(language):
            text = sms_text(reminder, patient.zone)
        assert fits_one_segment(text), (reminder.kind, ucs2_length(text), text)
        assert text.startswith("WalkBack") and text.endswith(WALK[language]["stop"])
        lowered = text.lower().replace("walkback", "")
        for private in ["paula", "priya", "harbour", "secret-room"]:
            assert private not in lowered, (reminder.kind, text)


def test_a_long_english_text_with_any_non_gsm_character_counts_as_ucs2():
    assert fits_one_segment("a" * 160) and not fits_one_segment("a" * 161)
    assert fits_one_segment("步" * 70) and not fits_one_segment("步" * 71)
    assert not fits_one_segment("a" * 70 + "é" + "’")  # one curly quote makes it UCS-2


@pytest.mark.parametrize(("language", "words"), [("zh-hans", "验证码"), ("ar", "رمزك")])
def test_the_phone_code_text_is_in_the_patients_language(
    db, catalogues, monkeypatch, language, words
):
    sent: list[Message] = []

    class Recorder:
        def send(self, message):
            sent.append(message)

        def close(self):
            pass

    monkeypatch.setattr(verification, "channel_for", lambda name: Recorder())
    patient = _patient(language)
    patient.user.phone = "+61412000999"  # a new number, not yet confirmed
    patient.user.save(update_fields=["phone"])
    with translation.override("en-gb"):
        verification.phone_code_send(user=patient.user, patient=patient)
    assert words in sent[0].short and sent[0].language == language
