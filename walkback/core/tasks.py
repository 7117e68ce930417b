from celery import shared_task
from django.core.cache import cache


@shared_task(name="walkback.core.ping")
def ping_task(nonce: str) -> None:
    """Proves the broker-to-worker path end to end: the caller waits for the cache key."""
    cache.set(f"ping:{nonce}", "pong", timeout=60)
