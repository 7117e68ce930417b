"""A browser's web push subscription: where to send a patient's reminders by push
(docs/web-push.md). Imported from ``coaching.models`` so it belongs to the coaching app; it
lives beside the reminders' outbox because only the reminder channel reads it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext

# RFC 8291: the browser's P-256 public key is 65 bytes (87 base64url characters, unpadded) and
# the authentication secret 16 bytes (22 characters). Stored unpadded, as browsers give them.
P256DH_CHARS = 87
AUTH_CHARS = 22
# Real endpoints (FCM, Mozilla autopush, Apple) are 150-500 characters; the bound keeps the
# unique index small and refuses junk.
ENDPOINT_MAX = 1000
DEVICE_LABEL_MAX = 60


class PushSubscription(models.Model):
    """One browser (a phone's home-screen app, a desktop browser) that asked for reminders.

    ``endpoint`` is unique: a browser has one subscription per site, so if another patient
    subscribes on the same phone the subscription moves to them (the phone's holder gets the
    reminders). Deleted when the patient removes it or the push service answers 404/410.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.CharField(max_length=ENDPOINT_MAX, unique=True)
    p256dh = models.CharField(max_length=P256DH_CHARS)
    auth = models.CharField(max_length=AUTH_CHARS)
    # "Chrome on Android", shown in the patient's list so they know which one to remove.
    device_label = models.CharField(max_length=DEVICE_LABEL_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(endpoint__startswith="https://"),
                name="push_endpoint_https",
            ),
            models.CheckConstraint(
                condition=Exact(Length("p256dh"), P256DH_CHARS), name="push_p256dh_length"
            ),
            models.CheckConstraint(
                condition=Exact(Length("auth"), AUTH_CHARS), name="push_auth_length"
            ),
        ]

    def __str__(self) -> str:
        return self.device_label or gettext("a browser")
