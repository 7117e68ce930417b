"""Reminders by SMS through Twilio's REST API, with Twilio's own library (``twilio``).

Set ``WALKBACK_SMS_CHANNEL=coaching.reminders.sms.twilio.TwilioSmsChannel`` and the
``TWILIO_*`` settings (docs/reminders.md, "Channels"). Errors map onto the outbox's rules:

- HTTP 429: try again later, not before the answer's ``Retry-After`` (``RetryLater``);
- 5xx, 408, a timeout or a broken connection: try again with the outbox's backoff;
- any other 4xx (a number that cannot receive texts, a number that replied STOP, bad
  credentials): ``PermanentSendError``, the row is failed with the provider's error code.

The library's HTTP client makes no retries of its own (the outbox's are the only ones, so a
message is never sent by two retry loops at once) and has a timeout. One client, and one
HTTP connection pool, per batch.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.urls import reverse
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from coaching.reminders.channels import Message, PermanentSendError, RetryLater

# The library logs each answer at INFO, body included (the number and the text): kept quiet,
# as our own logs carry ids only.
_http_logger = logging.getLogger("walkback.sms.http")
_http_logger.setLevel(logging.WARNING)

# Answers worth trying again: the provider is busy or broken, not our request.
TRANSIENT = {408, 409, 425, 429}
DEFAULT_RETRY_AFTER = dt.timedelta(minutes=1)


class _HttpClient(TwilioHttpClient):
    """Twilio's client, keeping the last answer's headers: the library's exception has the
    status and Twilio's error code, not the ``Retry-After`` header a 429 carries."""

    last_headers: dict = {}

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        self.last_headers = dict(response.headers or {})
        return response


def _retry_after(headers: dict) -> dt.timedelta:
    value = {k.lower(): v for k, v in headers.items()}.get("retry-after", "")
    try:
        return dt.timedelta(seconds=max(0, int(float(value))))
    except ValueError:
        return DEFAULT_RETRY_AFTER


def status_callback_url(reminder_id: int) -> str:
    """Where Twilio reports delivery. The reminder's id is in the address, which Twilio signs
    with the rest of the request, so the receipt cannot be pointed at another row."""
    return f"{settings.SITE_URL}{reverse('reminders:sms-status')}?reminder={reminder_id}"


def twilio_client() -> tuple[Client, _HttpClient]:
    if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
        raise PermanentSendError("SMS is not set up: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
    http = _HttpClient(
        timeout=settings.SMS_TIMEOUT_SECONDS, pool_connections=True, logger=_http_logger
    )
    client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http)
    if settings.TWILIO_API_BASE_URL:
        client.api.base_url = settings.TWILIO_API_BASE_URL.rstrip("/")
    return client, http


class TwilioSmsChannel:
    def __init__(self) -> None:
        self._client: Client | None = None
        self._http: _HttpClient | None = None

    def send(self, message: Message) -> str | None:
        if not message.phone:
            raise PermanentSendError("no confirmed mobile number")
        if self._client is None:
            self._client, self._http = twilio_client()
        sender: dict[str, str] = (
            {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
            if settings.TWILIO_MESSAGING_SERVICE_SID
            else {"from_": settings.TWILIO_FROM_NUMBER}
        )
        if not any(sender.values()):
            raise PermanentSendError("SMS is not set up: no sender (TWILIO_FROM_NUMBER)")
        extra = {}
        if message.reminder_id:  # a verification code has no outbox row to report on
            extra["status_callback"] = status_callback_url(message.reminder_id)
        try:
            sent = self._client.messages.create(
                to=message.phone, body=message.short, **sender, **extra
            )
        except TwilioRestException as error:
            what = f"the SMS provider answered {error.status} (error {error.code})"
            if error.status == 429:
                headers = self._http.last_headers if self._http else {}
                raise RetryLater(what, after=_retry_after(headers)) from None
            if error.status in TRANSIENT or error.status >= 500:
                raise ConnectionError(what) from None
            raise PermanentSendError(what) from None
        return sent.sid

    def close(self) -> None:
        if self._http is not None and self._http.session is not None:
            self._http.session.close()
        self._client = self._http = None
