"""Reminders by web push (VAPID, RFC 8030/8291/8292), through ``pywebpush``. docs/web-push.md.

A message goes to every browser the recipient subscribed (``PushSubscription``). What a push
service answers decides what happens next:

- 2xx: delivered to that browser (``last_success_at``);
- 404 or 410: the browser dropped the subscription (app removed, permission withdrawn): the
  subscription is deleted;
- 429, 5xx, a timeout or no connection: the push service is busy; if no browser got the
  message, the attempt fails and the outbox tries again with its usual backoff;
- any other 4xx: this request can never succeed for that subscription (a key that does not
  match, say).

The row counts as sent once one browser has it: trying again would show it twice on that
one. It fails for good when no subscription is left (all expired) or every one refused it.

The payload is ``{"title", "body", "url", "tag"}``: a fixed line per reminder kind, never the
e-mail's text. A notification shows on a lock screen to whoever holds the phone, so it carries
nothing about the patient's health or progress beyond "time for your walk".
"""

from __future__ import annotations

import json
import logging
from contextlib import nullcontext

import requests
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from py_vapid import Vapid
from py_vapid.utils import b64urlencode
from pywebpush import WebPushException, webpush

from coaching.models import PushSubscription, ReminderKind
from coaching.reminders.channels import Message, PermanentSendError
from patients.models import Patient
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record

logger = logging.getLogger("walkback.reminders")

TITLE = "WalkBack"

# What the notification says, per kind: plain, kind, and nothing a stranger reading the lock
# screen should not see (no minutes, no names, no times, no symptoms).
# Marked here, translated when sent into the recipient's language (``Message.language``).
PUSH_LINES: dict[str, str] = {
    ReminderKind.WALK: gettext_noop("Time for your walk."),
    ReminderKind.NUDGE: gettext_noop("Time for a walk? Even a short one counts."),
    ReminderKind.SESSION_DAY_BEFORE: gettext_noop(
        "A reminder: you have a coaching session tomorrow."
    ),
    ReminderKind.SESSION_HOUR_BEFORE: gettext_noop("Your coaching session starts soon."),
    ReminderKind.CHECK_IN: gettext_noop("It is time for your monthly check-in."),
    ReminderKind.CHECK_IN_FOLLOW_UP: gettext_noop("Your monthly check-in is still open."),
    ReminderKind.QUESTIONNAIRE: gettext_noop("A short questionnaire is ready when you are."),
    ReminderKind.MESSAGE_TO_PATIENT: gettext_noop("You have a new message from your clinic."),
    ReminderKind.MESSAGE_TO_STAFF: gettext_noop(
        "A patient sent a message. Open WalkBack to read it."
    ),
    ReminderKind.DIGEST: gettext_noop("Some of your patients may need attention this week."),
    ReminderKind.ADVERSE_EVENT: gettext_noop(
        "A patient reported a problem. Open WalkBack to see it."
    ),
}
PUSH_FALLBACK = gettext_noop("You have a new message in WalkBack.")

# How long a push service keeps a message for a phone that is off: about as long as the
# reminder is useful (coaching.reminders.messages.STALE_AFTER), so a phone switched on the
# next day does not show yesterday's walk reminder.
TTL_SECONDS: dict[str, int] = {
    ReminderKind.WALK: 6 * 3600,
    ReminderKind.NUDGE: 12 * 3600,
    ReminderKind.SESSION_DAY_BEFORE: 12 * 3600,
    ReminderKind.SESSION_HOUR_BEFORE: 45 * 60,
    ReminderKind.CHECK_IN: 3 * 86400,
    ReminderKind.CHECK_IN_FOLLOW_UP: 3 * 86400,
    ReminderKind.QUESTIONNAIRE: 3 * 86400,
    ReminderKind.MESSAGE_TO_PATIENT: 7 * 86400,
    ReminderKind.MESSAGE_TO_STAFF: 7 * 86400,
    ReminderKind.DIGEST: 12 * 3600,
    ReminderKind.ADVERSE_EVENT: 7 * 86400,
}
GONE = frozenset({404, 410})


class PushServiceBusy(Exception):
    """No browser got the message and at least one push service may take it later: retried."""


def push_enabled() -> bool:
    """Push is offered only on an install with a VAPID key pair (docs/web-push.md)."""
    return bool(settings.WALKBACK_VAPID_PUBLIC_KEY and settings.WALKBACK_VAPID_PRIVATE_KEY)


def vapid_key_pair() -> tuple[str, str]:
    """A new (private, public) pair, base64url: the private key's 32 raw bytes, and the public
    key as the uncompressed P-256 point that ``applicationServerKey`` takes."""
    vapid = Vapid()
    vapid.generate_keys()
    return vapid_private_text(vapid), vapid_public_text(vapid)


def vapid_private_text(vapid: Vapid) -> str:
    value = vapid.private_key.private_numbers().private_value
    return b64urlencode(value.to_bytes(32, "big"))


def vapid_public_text(vapid: Vapid) -> str:
    point = vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return b64urlencode(point)


def push_url(kind: str) -> str:
    """Where a tap on the notification goes: always a page of WalkBack itself."""
    if kind in (ReminderKind.CHECK_IN, ReminderKind.CHECK_IN_FOLLOW_UP):
        path = settings.REMINDER_CHECK_IN_PATH
    elif kind == ReminderKind.QUESTIONNAIRE:
        path = settings.REMINDER_QUESTIONNAIRE_PATH
    elif kind == ReminderKind.MESSAGE_TO_PATIENT:
        path = reverse("portal:messages")
    elif kind in (ReminderKind.DIGEST, ReminderKind.ADVERSE_EVENT, ReminderKind.MESSAGE_TO_STAFF):
        path = reverse("coaching:caseload")
    else:
        path = reverse("portal:home")
    return settings.SITE_URL + path


def push_payload(message: Message) -> dict[str, str]:
    # In the language the message was written in: the recipient's (coaching.reminders.messages).
    speaking = translation.override(message.language) if message.language else nullcontext()
    with speaking:
        body = _(PUSH_LINES.get(message.kind, PUSH_FALLBACK))
    return {
        "title": TITLE,
        "body": body,
        "url": push_url(message.kind),
        # A notification with the same tag replaces the earlier one on the phone: the rare
        # repeat (docs/reminders.md, "Exactly once") shows once.
        "tag": f"walkback-reminder-{message.reminder_id}",
    }


def _forget(subscription: PushSubscription) -> None:
    """The push service says the browser dropped it (404/410): delete it, and say so in the
    patient's audit trail (no actor: nobody did it), so "my phone stopped" has an answer."""
    with transaction.atomic():
        deleted, _count = PushSubscription.objects.filter(pk=subscription.pk).delete()
        if deleted:
            patient = Patient.objects.filter(user_id=subscription.user_id).first()
            audit_record(
                actor=None,
                action=AuditAction.DELETE,
                obj=subscription,
                patient=patient,
                detail={"event": "push_subscription_expired"},
            )
    logger.info("push subscription %s expired; removed", subscription.pk)


class WebPushChannel:
    """Sends to every subscription of the recipient; one HTTP session per batch."""

    def __init__(self) -> None:
        self._session: requests.Session | None = None
        self._vapid: Vapid | None = None

    def _prepare(self) -> tuple[requests.Session, Vapid]:
        if not push_enabled():
            raise PermanentSendError("web push is not set up (no VAPID keys)")
        if self._vapid is None:
            self._vapid = Vapid.from_string(settings.WALKBACK_VAPID_PRIVATE_KEY)
        if self._session is None:
            self._session = requests.Session()
        return self._session, self._vapid

    def send(self, message: Message) -> None:
        session, vapid = self._prepare()
        if message.recipient_id is None:
            raise PermanentSendError("no recipient")
        subscriptions = list(PushSubscription.objects.filter(user_id=message.recipient_id))
        if not subscriptions:
            raise PermanentSendError("no browser subscribed to push")
        data = json.dumps(push_payload(message))
        ttl = TTL_SECONDS.get(message.kind, 3600)
        delivered, busy, refused = [], [], []
        for subscription in subscriptions:
            outcome = self._send_to(subscription, data, ttl, session, vapid)
            if outcome == "delivered":
                delivered.append(subscription.pk)
            elif outcome == "gone":
                _forget(subscription)
            elif outcome.startswith("refused"):
                refused.append(outcome)
            else:
                busy.append(outcome)
        if delivered:
            PushSubscription.objects.filter(pk__in=delivered).update(last_success_at=timezone.now())
            return
        if busy:
            raise PushServiceBusy(", ".join(busy))
        if refused:
            raise PermanentSendError("the push service refused it: " + ", ".join(refused))
        raise PermanentSendError("every push subscription has expired")

    def _send_to(self, subscription, data, ttl, session, vapid) -> str:
        info = {
            "endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
        }
        try:
            webpush(
                subscription_info=info,
                data=data,
                vapid_private_key=vapid,
                # A fresh dict each time: pywebpush writes the endpoint's origin into it.
                vapid_claims={"sub": settings.WALKBACK_VAPID_SUBJECT},
                ttl=ttl,
                timeout=settings.WALKBACK_PUSH_TIMEOUT,
                requests_session=session,
            )
        except WebPushException as error:
            status = error.response.status_code if error.response is not None else None
            if status in GONE:
                return "gone"
            if status is None or status == 429 or status >= 500:
                return f"HTTP {status}" if status else "no answer"
            return f"refused (HTTP {status})"
        except requests.RequestException as error:  # timeouts, refused connections, TLS
            return type(error).__name__
        return "delivered"

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
