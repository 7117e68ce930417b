"""Celery tasks: thin. They take ids (never health data), call a service and return.

Reliability comes from the services and the settings, not from here: the database is the
source of truth, so a lost, repeated or late task costs a minute, never a reminder.
``acks_late`` and ``reject_on_worker_lost`` are on for every task (settings.py).
"""

from __future__ import annotations

from celery import shared_task

from coaching.reminders import delivery
from coaching.reminders.services import reminders_plan_upcoming
from coaching.services.closing import closings_due
from coaching.services.prescriptions import prescription_plans_advance
from coaching.services.programme import programme_keeping_going_due
from coaching.services.status import caseload_rows_refresh_due


@shared_task(name="coaching.tasks.reminders_sweep_task")
def reminders_sweep_task() -> int:
    return delivery.reminders_sweep().queued


@shared_task(name="coaching.tasks.reminders_plan_task")
def reminders_plan_task() -> int:
    return reminders_plan_upcoming()


@shared_task(name="coaching.tasks.reminders_send_task")
def reminders_send_task(reminder_ids: list[int]) -> dict[str, int]:
    return delivery.reminders_send(reminder_ids=[int(pk) for pk in reminder_ids])


@shared_task(name="coaching.tasks.plans_advance_task")
def plans_advance_task() -> int:
    """Hourly: each plan takes its weekly step on the patient's own Monday."""
    return prescription_plans_advance()


@shared_task(name="coaching.tasks.caseload_rows_refresh_task")
def caseload_rows_refresh_task() -> int:
    return caseload_rows_refresh_due()


@shared_task(name="coaching.tasks.keeping_going_task")
def keeping_going_task() -> int:
    """Hourly: a patient at programme week 26 moves to "keeping going" by itself."""
    return programme_keeping_going_due()


@shared_task(name="coaching.tasks.closings_due_task")
def closings_due_task() -> int:
    """Daily: close the accounts of patients discharged longer ago than their clinic keeps
    them (docs/security.md#data-rights)."""
    return closings_due()
