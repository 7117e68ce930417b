"""The sweep and the send: how a due row becomes exactly one message.

1. ``reminders_sweep`` (every minute, from the one beat) claims due rows with a conditional
   update (pending → queued, ``FOR UPDATE SKIP LOCKED`` so concurrent sweeps take disjoint
   rows) and, after the claim commits, hands their ids to ``reminders_send_task`` in small
   batches. If the broker cannot be reached the rows go back to pending for the next sweep.
2. ``reminders_send`` claims each row again (queued → claimed, counting the attempt) before
   building and sending it, so a task delivered twice (Celery is at-least-once) sends once.
   Then the row becomes sent, skipped, or pending again with a backoff (failed after
   ``REMINDER_MAX_ATTEMPTS``).
3. Recovery, at the start of every sweep: a queued row whose message was lost (broker restart,
   worker killed with the message unacknowledged) is queued again after
   ``REMINDER_REQUEUE_SECONDS``; a claimed row whose worker died mid-send is tried again once
   its lease (longer than any task may live) has run out.

The broker only ever carries "send these ids now": no countdowns, no ETAs, no health data.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from coaching import tasks
from coaching.models import Reminder, ReminderState
from coaching.reminders.channels import PermanentSendError, RetryLater, channel_for
from coaching.reminders.messages import Defer, Skip, build
from coaching.reminders.timing import retry_delay

logger = logging.getLogger("walkback.reminders")

SWEEP_CHUNK = 1000  # rows claimed per transaction
SWEEP_MAX = 50_000  # rows one sweep hands over at most; the next sweep takes the rest
SEND_BATCH = 50  # ids per send task
# A provider's Retry-After longer than this is not believed (a row waits at most an hour).
RETRY_AFTER_MAX = dt.timedelta(hours=1)


@dataclass
class SweepResult:
    queued: int = 0
    requeued: int = 0
    returned: int = 0  # handed back to pending because the broker was unreachable


def publish_to_celery(ids: list[int]) -> None:
    # coaching.tasks imports this module too: both import the other as a module, so neither
    # needs the other's names while it loads.
    tasks.reminders_send_task.apply_async(args=[ids])


def _hand_over(ids: list[int], stamp: dt.datetime, publish: Callable, result: SweepResult):
    """Runs after the claim committed. Hands the ids over in batches; on a broker error the
    rows not handed over go back to pending, so the next sweep finds them again."""
    for start in range(0, len(ids), SEND_BATCH):
        batch = ids[start : start + SEND_BATCH]
        try:
            publish(batch)
        except Exception as error:  # noqa: BLE001 - any failure to publish means "not queued"
            rest = ids[start:]
            returned = Reminder.objects.filter(
                pk__in=rest, state=ReminderState.QUEUED, queued_at=stamp
            ).update(state=ReminderState.PENDING, queued_at=None)
            result.returned += returned
            logger.warning(
                "reminder sweep: broker unavailable (%s); %d reminders wait for the next sweep",
                type(error).__name__,
                returned,
            )
            return


def _recover(now: dt.datetime, publish: Callable, result: SweepResult) -> None:
    lease_end = now - dt.timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS)
    lost_after = now - dt.timedelta(seconds=settings.REMINDER_REQUEUE_SECONDS)
    with transaction.atomic():
        locked = Reminder.objects.select_for_update(skip_locked=True).filter(
            Q(state=ReminderState.CLAIMED, claimed_at__lt=lease_end)
            | Q(state=ReminderState.QUEUED, queued_at__lt=lost_after)
        )
        stuck = list(locked.values_list("pk", "state", "attempts")[:SWEEP_CHUNK])
        # A worker died while sending these and every attempt is used: stop here.
        exhausted = {
            pk
            for pk, state, attempts in stuck
            if state == ReminderState.CLAIMED and attempts >= settings.REMINDER_MAX_ATTEMPTS
        }
        Reminder.objects.filter(pk__in=exhausted).update(
            state=ReminderState.FAILED, last_error="the worker stopped while sending"
        )
        again = [pk for pk, _, _ in stuck if pk not in exhausted]
        Reminder.objects.filter(pk__in=again).update(state=ReminderState.QUEUED, queued_at=now)
        if again:
            transaction.on_commit(partial(_hand_over, again, now, publish, result))
    result.requeued = len(again)
    if again:
        logger.info("reminder sweep: %d reminders in flight too long, queued again", len(again))


def reminders_sweep(
    *, now: dt.datetime | None = None, publish: Callable[[list[int]], None] | None = None
) -> SweepResult:
    """Claim every due reminder and hand the ids to Celery once the claim has committed.

    Cost: the claim walks the partial index of *pending* rows in due order and stops at the
    first one not yet due, so it reads the due rows, not the table; recovery reads two small
    partial indexes (rows in flight). Neither grows with the number of patients.
    """
    now = now or timezone.now()
    publish = publish_to_celery if publish is None else publish
    result = SweepResult()
    _recover(now, publish, result)
    while result.queued < SWEEP_MAX:
        with transaction.atomic():
            due = (
                Reminder.objects.select_for_update(skip_locked=True)
                .filter(state=ReminderState.PENDING, due_at__lte=now)
                .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
                .order_by("due_at")
                .values_list("pk", flat=True)
            )
            ids = list(due[:SWEEP_CHUNK])
            if not ids:
                break
            Reminder.objects.filter(pk__in=ids).update(state=ReminderState.QUEUED, queued_at=now)
            transaction.on_commit(partial(_hand_over, ids, now, publish, result))
        result.queued += len(ids)
        if len(ids) < SWEEP_CHUNK:
            break
    if result.queued:
        logger.info("reminder sweep: %d reminders queued", result.queued)
    return result


def _finish(pk: int, claimed_at: dt.datetime, **values) -> None:
    """Record the outcome, only if this worker still holds the claim."""
    done = Reminder.objects.filter(pk=pk, state=ReminderState.CLAIMED, claimed_at=claimed_at)
    if not done.update(**values):
        logger.warning("reminder %s: claim lost before the outcome was recorded", pk)


def _send_one(pk: int, channels: dict) -> str:
    claimed_at = timezone.now()
    claimed = Reminder.objects.filter(pk=pk, state=ReminderState.QUEUED).update(
        state=ReminderState.CLAIMED, claimed_at=claimed_at, attempts=F("attempts") + 1
    )
    if not claimed:
        return "not-ours"  # sent, being sent, or handed back: someone else owns it
    reminder = Reminder.objects.select_related(
        "recipient__clinic",
        "patient__user",
        "patient__clinic",
        "patient__physiotherapist",
        "session",
        "check_in",
    ).get(pk=pk)
    try:
        outcome = build(reminder, claimed_at)
        if isinstance(outcome, Skip):
            _finish(pk, claimed_at, state=ReminderState.SKIPPED, last_error=outcome.reason)
            return "skipped"
        if isinstance(outcome, Defer):
            _finish(
                pk,
                claimed_at,
                state=ReminderState.PENDING,
                queued_at=None,
                retry_at=outcome.until,
                attempts=F("attempts") - 1,
                last_error=outcome.reason,
            )
            return "deferred"
        if reminder.channel not in channels:
            channels[reminder.channel] = channel_for(reminder.channel)
        provider_id = channels[reminder.channel].send(outcome)
    except PermanentSendError as error:
        _finish(pk, claimed_at, state=ReminderState.FAILED, last_error=str(error)[:200])
        logger.warning("reminder %s failed for good: %s", pk, type(error).__name__)
        return "failed"
    except Exception as error:
        _failed_attempt(reminder, claimed_at, error)
        if isinstance(error, SoftTimeLimitExceeded):
            raise  # the rest of the batch stays queued; the sweep's recovery picks it up
        return "retry"
    _finish(
        pk,
        claimed_at,
        state=ReminderState.SENT,
        sent_at=timezone.now(),
        last_error="",
        provider_message_id=(provider_id or "")[:64],
    )
    logger.info("reminder %s sent (%s, %s)", pk, reminder.kind, reminder.channel)
    return "sent"


def _wait(attempts: int, error: Exception) -> dt.timedelta:
    """The outbox's backoff, or longer when the provider said how long to wait (capped)."""
    delay = retry_delay(attempts)
    if isinstance(error, RetryLater):
        delay = max(delay, min(error.after, RETRY_AFTER_MAX))
    return delay


def _failed_attempt(reminder: Reminder, claimed_at: dt.datetime, error: Exception) -> None:
    # Only the exception's type and message: never the message content.
    note = f"{type(error).__name__}: {error}"[:200]
    if reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS:
        _finish(reminder.pk, claimed_at, state=ReminderState.FAILED, last_error=note)
        logger.warning(
            "reminder %s failed after %d attempts (%s)",
            reminder.pk,
            reminder.attempts,
            type(error).__name__,
        )
        return
    _finish(
        reminder.pk,
        claimed_at,
        state=ReminderState.PENDING,
        queued_at=None,
        retry_at=timezone.now() + _wait(reminder.attempts, error),
        last_error=note,
    )
    logger.info(
        "reminder %s attempt %d failed (%s); will retry",
        reminder.pk,
        reminder.attempts,
        type(error).__name__,
    )


def reminders_send(*, reminder_ids: list[int]) -> dict[str, int]:
    """Send a batch of reminders by id. Safe to run twice, or in two workers at once."""
    counts: dict[str, int] = {}
    channels: dict = {}
    try:
        for pk in reminder_ids:
            outcome = _send_one(int(pk), channels)
            counts[outcome] = counts.get(outcome, 0) + 1
    finally:
        for channel in channels.values():
            channel.close()
    return counts
