"""Reads of web push subscriptions, always the requesting user's own."""

from __future__ import annotations

from coaching.models import PushSubscription


def has_push_subscription(user) -> bool:
    """Whether any browser of ``user`` is subscribed to push reminders."""
    return PushSubscription.objects.filter(user_id=user.pk).exists()


def push_devices_for(user) -> list[PushSubscription]:
    """The browsers ``user`` subscribed, oldest first (one query)."""
    return list(PushSubscription.objects.filter(user_id=user.pk).order_by("created_at", "pk"))
