"""Start-up checks of the web push settings (``manage.py check``; docs/web-push.md). A public
key that is not the private key's half would make every push service refuse every push (403),
which nobody would notice until patients said their phones were silent."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from py_vapid import Vapid

from coaching.reminders.push import vapid_public_text


@register()
def vapid_settings_check(app_configs=None, **kwargs):
    public = settings.WALKBACK_VAPID_PUBLIC_KEY
    private = settings.WALKBACK_VAPID_PRIVATE_KEY
    if not public and not private:
        return []  # push is simply not offered
    if not (public and private):
        return [
            Error(
                "Set both WALKBACK_VAPID_PUBLIC_KEY and WALKBACK_VAPID_PRIVATE_KEY, or neither.",
                hint="`manage.py vapid_keys` makes a pair.",
                id="walkback.push.E001",
            )
        ]
    try:
        derived = vapid_public_text(Vapid.from_string(private))
    except Exception:  # noqa: BLE001 - any failure to read it means "not a key"
        return [Error("WALKBACK_VAPID_PRIVATE_KEY is not a VAPID key.", id="walkback.push.E002")]
    problems: list[CheckMessage] = []
    if derived != public:
        problems.append(
            Error(
                "WALKBACK_VAPID_PUBLIC_KEY is not the public half of WALKBACK_VAPID_PRIVATE_KEY.",
                hint="Use the two lines `manage.py vapid_keys` printed together.",
                id="walkback.push.E003",
            )
        )
    if not settings.WALKBACK_VAPID_SUBJECT.startswith(("mailto:", "https://")):
        problems.append(
            Warning(
                "WALKBACK_VAPID_SUBJECT should be a mailto: or https: address.",
                id="walkback.push.W001",
            )
        )
    return problems
