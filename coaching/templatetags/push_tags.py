"""``{% push_panel request.user as push %}``: what ``templates/portal/_push.html`` shows, so
the reminders page offers push with one include line (docs/web-push.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template
from django.conf import settings

from coaching.models import PushSubscription
from coaching.reminders.push import push_enabled
from coaching.reminders.push_selectors import push_devices_for

register = template.Library()


@dataclass(frozen=True)
class PushPanel:
    enabled: bool
    public_key: str = ""
    devices: list[PushSubscription] = field(default_factory=list)


@register.simple_tag
def push_panel(user) -> PushPanel:
    """Nothing (and no query) when push is not set up or for anyone but a patient."""
    if not push_enabled() or not getattr(user, "is_patient", False):
        return PushPanel(enabled=False)
    return PushPanel(
        enabled=True,
        public_key=settings.WALKBACK_VAPID_PUBLIC_KEY,
        devices=push_devices_for(user),
    )
