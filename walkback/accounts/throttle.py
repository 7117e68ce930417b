"""A small counter in the shared cache: at most ``limit`` events per key in a time window.

Used for password-reset e-mails (per address and per client). The cache is Redis in
production, shared by every web process. When it cannot be reached the event is allowed and a
warning logged: a Redis outage must not stop people resetting a password, and it is short.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


def hit(scope: str, value: str, *, limit: int, seconds: int) -> bool:
    """Count one event for ``value`` in ``scope``; True while within ``limit`` per window.

    The key holds a hash of ``value`` (an address), never the value itself."""
    key = f"throttle:{scope}:{hashlib.sha256(value.encode()).hexdigest()}"
    try:
        cache.add(key, 0, seconds)  # starts the window; a no-op when it is running
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr: a fresh window
        cache.add(key, 1, seconds)
        return True
    except Exception:  # noqa: BLE001 - the cache is down: allow, and say so
        logger.warning("throttle %s: cache unreachable, not counted", scope)
        return True
    return count <= limit
