"""The SMS provider's webhooks: STOP/START replies and opt-out events, and delivery receipts.
Only a request signed with the account's auth token (``X-Twilio-Signature``) changes anything;
a forged, altered or unsigned one is a 403 and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from coaching.models import ReminderDelivery, ReminderState
from coaching.reminders.sms.models import SmsOptOut
from tests.factories import ClinicFactory, PatientFactory, ReminderFactory, UserFactory
from tests.reminders.sms_helpers import PHONE, verified_phone
from walkback.audit.models import AuditEvent
from walkback.demo.bench.fake_twilio import AUTH_TOKEN

SITE = "https://walkback.example.org"


@pytest.fixture(autouse=True)
def signed_settings(settings):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.SITE_URL = SITE


@pytest.fixture
def patient(db):
    patient = PatientFactory(clinic=ClinicFactory(), reminder_channels=["email", "sms"])
    verified_phone(patient.user)
    return patient


def _post(path: str, data: dict, *, token: str = AUTH_TOKEN, sign: bool = True, tamper=None):
    headers = {}
    if sign:
        headers["HTTP_X_TWILIO_SIGNATURE"] = RequestValidator(token).compute_signature(
            SITE + path, data
        )
    if tamper:
        data = {**data, **tamper}
    return Client().post(path, data, **headers)


INCOMING = reverse("reminders:sms-incoming")


def _reply(body: str, **extra) -> dict:
    return {"From": PHONE, "To": "+61400000000", "Body": body, "MessageSid": "SMx", **extra}


def test_a_signed_stop_reply_turns_sms_off_and_start_turns_it_back_on(patient):
    response = _post(INCOMING, _reply("Stop"))
    assert response.status_code == 200 and response["Content-Type"] == "text/xml"
    assert SmsOptOut.objects.filter(phone=PHONE, via="stop-reply").exists()
    event = AuditEvent.objects.get(patient=patient, detail__event="sms_opt_out")
    assert event.actor is None
    # The choice of channels is not touched: START brings the texts back as they were.
    patient.refresh_from_db()
    assert patient.reminder_channels == ["email", "sms"]
    assert _post(INCOMING, _reply(" start ")).status_code == 200
    assert not SmsOptOut.objects.exists()
    assert AuditEvent.objects.filter(patient=patient, detail__event="sms_opt_in").exists()


@pytest.mark.parametrize("word", ["STOPALL", "unsubscribe", "CANCEL", "end", "QUIT"])
def test_every_stop_word_counts(patient, word):
    _post(INCOMING, _reply(word))
    assert SmsOptOut.objects.filter(phone=PHONE).exists()


def test_the_providers_opt_out_event_counts_and_other_replies_do_not(patient):
    _post(INCOMING, _reply("Thanks, see you tomorrow"))
    assert not SmsOptOut.objects.exists()
    _post(INCOMING, _reply("Arrêt", OptOutType="STOP"))
    assert SmsOptOut.objects.get(phone=PHONE).via == "opt-out-stop"


@pytest.mark.parametrize(
    "how",
    ["unsigned", "wrong-token", "tampered", "no-token-configured"],
)
def test_a_forged_webhook_is_refused_and_changes_nothing(patient, settings, how):
    if how == "unsigned":
        response = _post(INCOMING, _reply("STOP"), sign=False)
    elif how == "wrong-token":
        response = _post(INCOMING, _reply("STOP"), token="guessed")  # noqa: S106
    elif how == "tampered":  # signed for another number, sent for the patient's
        response = _post(INCOMING, _reply("STOP", From="+61400000999"), tamper={"From": PHONE})
    else:
        settings.TWILIO_AUTH_TOKEN = ""
        response = _post(INCOMING, _reply("STOP"))
    assert response.status_code == 403
    assert not SmsOptOut.objects.exists()
    assert not AuditEvent.objects.filter(detail__event="sms_opt_out").exists()


def test_webhooks_only_take_posts(db):
    assert Client().get(INCOMING).status_code == 405


# --- Delivery receipts ----------------------------------------------------------------------


def _sent_sms(patient):
    return ReminderFactory(
        recipient=patient.user,
        patient=patient,
        channel="sms",
        state=ReminderState.SENT,
        sent_at=timezone.now(),
        provider_message_id="SM123",
        due_at=timezone.now() - dt.timedelta(minutes=1),
        idempotency_key="receipt@sms",
    )


def _status_path(row) -> str:
    return f"{reverse('reminders:sms-status')}?reminder={row.pk}"


def _receipt(status: str, **extra) -> dict:
    return {"MessageSid": "SM123", "MessageStatus": status, "To": PHONE, **extra}


def test_delivery_receipts_update_the_outbox_row(patient):
    row = _sent_sms(patient)
    assert _post(_status_path(row), _receipt("sent")).status_code == 204
    row.refresh_from_db()
    assert row.delivery == ReminderDelivery.UNKNOWN  # not final: nothing to say yet
    assert _post(_status_path(row), _receipt("delivered")).status_code == 204
    row.refresh_from_db()
    assert row.delivery == ReminderDelivery.DELIVERED and row.delivery_at is not None
    assert row.state == ReminderState.SENT  # never sent again


def test_an_undelivered_receipt_is_shown_with_its_error(patient):
    row = _sent_sms(patient)
    _post(_status_path(row), _receipt("undelivered", ErrorCode="30003"))
    row.refresh_from_db()
    assert row.delivery == ReminderDelivery.UNDELIVERED
    assert row.last_error == "not delivered (provider error 30003)"


def test_the_providers_unsubscribed_error_turns_sms_off(patient):
    row = _sent_sms(patient)
    _post(_status_path(row), _receipt("failed", ErrorCode="21610"))
    assert SmsOptOut.objects.filter(phone=PHONE, via="provider-21610").exists()


def test_a_receipt_for_another_message_or_forged_changes_nothing(patient):
    row = _sent_sms(patient)
    _post(_status_path(row), {**_receipt("undelivered"), "MessageSid": "SMother"})
    response = _post(_status_path(row), _receipt("undelivered"), sign=False)
    assert response.status_code == 403
    # The id in the address is signed too: a receipt signed for one row cannot hit another.
    other = ReminderFactory(
        recipient=patient.user, patient=patient, channel="sms", idempotency_key="other@sms"
    )
    signed_for_other = RequestValidator(AUTH_TOKEN).compute_signature(
        SITE + _status_path(other), _receipt("undelivered")
    )
    response = Client().post(
        _status_path(row), _receipt("undelivered"), HTTP_X_TWILIO_SIGNATURE=signed_for_other
    )
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.delivery == ReminderDelivery.UNKNOWN
    other.refresh_from_db()
    assert other.delivery == ReminderDelivery.UNKNOWN


def test_staff_see_how_each_reminder_went_and_whether_it_arrived(patient, client_for):
    row = _sent_sms(patient)
    _post(_status_path(row), _receipt("delivered"))
    physio = UserFactory(clinic=patient.clinic, role="physio")
    page = client_for(physio).get(reverse("coaching:patient-reminders", args=[patient.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Text message" in html and "Delivered" in html
