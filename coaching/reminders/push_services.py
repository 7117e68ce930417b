"""Writes of web push subscriptions (docs/web-push.md). Each is one transaction with its audit
line; the browser's values are checked here, so the JSON endpoints and any later caller share
one rule."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coaching.models import PushSubscription
from coaching.push_models import DEVICE_LABEL_MAX, ENDPOINT_MAX
from patients.models import Patient
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record

# What the page shows if the browser gave something unusable. The patient did not type these
# values, so each message ends by saying what to do rather than what was wrong with a key.


def _key_bytes(value) -> bytes | None:
    """base64url (padded or not, as browsers differ) to bytes; None if it is not that."""
    if not isinstance(value, str) or not value or len(value) > 200:
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def _unpadded(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def push_subscription_errors(endpoint, p256dh, auth) -> dict[str, str]:
    """The checks the database constraints back: an https endpoint of a sane length, a
    65-byte P-256 point and a 16-byte secret (RFC 8291)."""
    errors = {}
    parts = urlsplit(endpoint) if isinstance(endpoint, str) else None
    if not endpoint:
        errors["endpoint"] = _(
            "The browser did not say where to send reminders. This browser could not be set up "
            "for reminders. Please try again, or use another one."
        )
    elif (
        parts is None
        or parts.scheme != "https"
        or not parts.hostname
        or len(endpoint) > ENDPOINT_MAX
        or any(c.isspace() or ord(c) < 32 for c in endpoint)
    ):
        errors["endpoint"] = _(
            "Reminders can only go through a secure (https) push service. This browser could "
            "not be set up for reminders. Please try again, or use another one."
        )
    key = _key_bytes(p256dh)
    try:
        if key is None or len(key) != 65:
            raise ValueError
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key)
    except ValueError:
        errors["p256dh"] = _(
            "The browser's encryption key is missing or not valid. This browser could not be "
            "set up for reminders. Please try again, or use another one."
        )
    secret = _key_bytes(auth)
    if secret is None or len(secret) != 16:
        errors["auth"] = _(
            "The browser's secret is missing or not valid. This browser could not be set up "
            "for reminders. Please try again, or use another one."
        )
    return errors


def device_label(user_agent: str) -> str:
    """ "Chrome on Android": enough for a patient to tell their phone from their computer in
    the list. Only the label is kept, never the whole user agent."""
    ua = user_agent or ""
    if "Edg" in ua:
        browser = "Edge"
    elif "SamsungBrowser" in ua:
        browser = "Samsung Internet"
    elif "Firefox/" in ua or "FxiOS" in ua:
        browser = "Firefox"
    elif "Chrome/" in ua or "CriOS" in ua:
        browser = "Chrome"
    elif "Safari/" in ua:
        browser = "Safari"
    else:
        browser = "A browser"
    systems = [
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("Windows", "Windows"),
        ("Macintosh", "Mac"),
        ("CrOS", "Chromebook"),
        ("Linux", "Linux"),
    ]
    system = next((name for marker, name in systems if marker in ua), "")
    return (f"{browser} on {system}" if system else browser)[:DEVICE_LABEL_MAX]


def push_subscribe(
    *, patient: Patient, by, endpoint, p256dh, auth, user_agent: str = ""
) -> PushSubscription:
    """Save this browser's subscription for ``patient``'s login. A browser has one
    subscription per site: if it was another login's (a shared phone), it moves to this one,
    so the phone's holder gets the reminders and nobody else's."""
    errors = push_subscription_errors(endpoint, p256dh, auth)
    if errors:
        raise ValidationError(errors)
    values: dict[str, Any] = {
        "user": patient.user,
        "p256dh": _unpadded(_key_bytes(p256dh) or b""),
        "auth": _unpadded(_key_bytes(auth) or b""),
        "device_label": device_label(user_agent),
    }
    with transaction.atomic():
        previous = (
            PushSubscription.objects.select_for_update()
            .select_related("user")
            .filter(endpoint=endpoint)
            .first()
        )
        if previous is not None and previous.user_id != patient.user_id:
            # The other login loses this browser, and their record says so (with no actor:
            # who took it over is not the other clinic's business).
            other = Patient.objects.filter(user_id=previous.user_id).first()
            audit_record(
                actor=None,
                action=AuditAction.DELETE,
                obj=previous,
                patient=other,
                clinic=None if other else previous.user.clinic,
                detail={"event": "push_subscription_moved_to_another_login"},
            )
            values["last_success_at"] = None
        subscription, created = PushSubscription.objects.update_or_create(
            endpoint=endpoint, defaults=values
        )
        audit_record(
            actor=by,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=subscription,
            patient=patient,
            detail={"event": "push_subscribed", "device": subscription.device_label},
        )
    return subscription


def _remove(subscription: PushSubscription, *, patient: Patient, by, via: str) -> None:
    with transaction.atomic():
        audit_record(
            actor=by,
            action=AuditAction.DELETE,
            obj=subscription,
            patient=patient,
            detail={"event": "push_unsubscribed", "via": via},
        )
        subscription.delete()


def push_unsubscribe(*, patient: Patient, by, endpoint) -> bool:
    """Forget this browser (the page's "Stop" button). Only the patient's own subscription:
    another login's endpoint, or an unknown one, changes nothing and returns False."""
    if not isinstance(endpoint, str) or not endpoint:
        return False
    subscription = PushSubscription.objects.filter(
        endpoint=endpoint, user_id=patient.user_id
    ).first()
    if subscription is None:
        return False
    _remove(subscription, patient=patient, by=by, via="this-browser")
    return True


def push_device_remove(*, patient: Patient, by, pk: int) -> bool:
    """Remove one of the patient's listed browsers (works without JavaScript, from any
    device: a lost phone). Another login's subscription changes nothing and returns False."""
    subscription = PushSubscription.objects.filter(pk=pk, user_id=patient.user_id).first()
    if subscription is None:
        return False
    _remove(subscription, patient=patient, by=by, via="device-list")
    return True
