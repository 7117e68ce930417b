"""Background work of the accounts app. Thin: a service call, nothing else."""

from __future__ import annotations

from celery import shared_task

from walkback.accounts import sessions


@shared_task(name="accounts.sessions_purge")
def sessions_purge_task() -> int:
    """Hourly: forms kept at a timeout and kept phones past their time are deleted."""
    return sessions.sessions_purge()
