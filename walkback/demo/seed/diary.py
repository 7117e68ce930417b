"""Demo data for the physiotherapist's diary (``DEMO_SEEDERS``, docs/diary.md).

The programme seed books every demo patient's sessions at 10:00, so several fall at the same
hour on one day: a double booking the diary's rebooking never allows. This moves each later
planned session of the demo physiotherapist that overlaps another to the next free half hour
of the clinic's day (same day, so the six stay in order), which leaves the week's diary
looking like a real one. Running it again changes nothing: no overlap is left.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from coaching.diary.selectors import SLOT_STEP, busy_sessions, clinic_zone
from coaching.models import CoachingSession, SessionStatus
from walkback.accounts.models import User


def seed_diary(context: dict) -> None:
    physio: User = context["physio"]
    if physio.clinic is None:
        return
    zone = clinic_zone(physio.clinic)
    closing = physio.clinic.diary_day_ends
    planned = CoachingSession.objects.filter(
        patient__physiotherapist=physio,
        status=SessionStatus.PLANNED,
        scheduled_at__gt=timezone.now(),
    ).order_by("scheduled_at", "pk")
    for session in planned:
        length = dt.timedelta(minutes=session.duration_minutes)
        when = session.scheduled_at
        day = when.astimezone(zone).date()
        end_of_day = dt.datetime.combine(day, closing, tzinfo=zone)
        while busy_sessions(physio, when, when + length, exclude_pk=session.pk):
            when += SLOT_STEP
            if when + length > end_of_day:
                break  # a full day: leave it for the physiotherapist to move
        else:
            if when != session.scheduled_at:
                # Written directly, before the reminder seeder plans every demo reminder.
                CoachingSession.objects.filter(pk=session.pk).update(scheduled_at=when)
