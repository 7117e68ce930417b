"""How a message leaves. A channel takes a built ``Message`` and delivers it or raises; the
planner and the sweep never know which channel a row uses, so an SMS provider is one more
class named in ``settings.REMINDER_CHANNELS``.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from email.utils import formataddr, parseaddr
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.utils.module_loading import import_string


class PermanentSendError(Exception):
    """Trying again cannot help (no address, unknown channel): the row is marked failed."""


class RetryLater(Exception):
    """The provider asked us to slow down (HTTP 429 with Retry-After): the next attempt waits
    at least ``after``, or the outbox's own backoff if that is longer."""

    def __init__(self, message: str, *, after: dt.timedelta):
        super().__init__(message)
        self.after = after


@dataclass
class Message:
    reminder_id: int
    to_email: str
    subject: str
    text: str
    html: str
    short: str  # one or two lines, for SMS
    sender_name: str
    stop_url: str = ""  # signed one-click link that stops reminders (patients only)
    attachments: list[tuple[str, str, str]] = field(default_factory=list)
    phone: str = ""
    # Who the message is for and which reminder kind it is: the push channel sends to every
    # subscription of the recipient, with a fixed line per kind (coaching/reminders/push.py).
    recipient_id: int | None = None
    kind: str = ""
    # The language it was written in (the recipient's): the push line is written in it too.
    language: str = ""


class Channel(Protocol):
    def send(self, message: Message) -> str | None:
        """Deliver or raise; may return the provider's id for the message."""
        ...

    def close(self) -> None: ...


class EmailChannel:
    """Django's mail framework: plain text and HTML, the clinic's name as the sender's name,
    one SMTP connection for a whole batch."""

    def __init__(self) -> None:
        self._connection: BaseEmailBackend | None = None

    def _open(self) -> BaseEmailBackend:
        if self._connection is None:
            self._connection = get_connection()
            self._connection.open()
        return self._connection

    def send(self, message: Message) -> None:
        if not message.to_email:
            raise PermanentSendError("no e-mail address")
        address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        headers = {
            # Lets support and the tests tie a delivered message to its row.
            "X-WalkBack-Reminder": str(message.reminder_id),
            "Auto-Submitted": "auto-generated",
        }
        if message.stop_url:
            # RFC 8058 one-click unsubscribe: mail apps show their own "unsubscribe" button.
            headers["List-Unsubscribe"] = f"<{message.stop_url}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            from_email=formataddr((message.sender_name, address)),
            to=[message.to_email],
            headers=headers,
            connection=self._open(),
        )
        email.attach_alternative(message.html, "text/html")
        for name, content, mimetype in message.attachments:
            email.attach(name, content, mimetype)
        try:
            email.send()
        except Exception:
            self.close()  # the connection may be broken: the next message opens a fresh one
            raise

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None


class ConsoleSmsChannel:
    """For development: prints the short text as an SMS provider would send it."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stdout

    def send(self, message: Message) -> None:
        to = message.phone or f"(no phone number; reminder {message.reminder_id})"
        self.stream.write(f"SMS to {to} from {message.sender_name}:\n{message.short}\n")
        self.stream.write("-" * 40 + "\n")
        self.stream.flush()

    def close(self) -> None:
        pass


def channel_for(name: str) -> Channel:
    try:
        path = settings.REMINDER_CHANNELS[name]
    except KeyError:
        raise PermanentSendError(f"unknown channel {name!r}") from None
    return import_string(path)()
