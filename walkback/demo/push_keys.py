"""The demo's VAPID key pair (docs/web-push.md): made on the first ``make demo`` and kept in
``.demo/vapid-keys.json``, so browsers subscribed in one demo run still get pushes in the
next. An environment that sets its own keys keeps them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from coaching.reminders.push import vapid_key_pair


def demo_vapid_environment(state: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """The VAPID settings for the demo's processes: the environment's, else the demo's own."""
    if environ.get("WALKBACK_VAPID_PUBLIC_KEY") or environ.get("WALKBACK_VAPID_PRIVATE_KEY"):
        return {}
    path = state / "vapid-keys.json"
    try:
        keys = json.loads(path.read_text())
        private, public = keys["private"], keys["public"]
    except (OSError, ValueError, KeyError, TypeError):
        private, public = vapid_key_pair()
        path.write_text(json.dumps({"private": private, "public": public}))
        path.chmod(0o600)
    return {
        "WALKBACK_VAPID_PUBLIC_KEY": public,
        "WALKBACK_VAPID_PRIVATE_KEY": private,
        "WALKBACK_VAPID_SUBJECT": environ.get(
            "WALKBACK_VAPID_SUBJECT", "mailto:admin@walkback.invalid"
        ),
    }
