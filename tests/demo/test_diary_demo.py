"""``make demo``: the demo physiotherapist's diary has sessions this week or next, and none of
their planned sessions overlaps another (walkback/demo/seed/diary.py)."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command

from coaching.diary.selectors import busy_sessions, clinic_today, diary_days, monday_of
from coaching.models import CoachingSession, SessionStatus
from walkback.accounts.models import User


def test_the_demo_diary_has_this_weeks_sessions_and_no_double_booking(db):
    call_command("seed_demo")
    call_command("seed_demo")  # again: nothing moves twice
    physio = User.objects.get(email="physio@demo.test")
    assert physio.clinic is not None
    monday = monday_of(clinic_today(physio.clinic))
    days = diary_days(physio, monday, 7)
    assert sum(len(day.sessions) for day in days) >= 2
    planned = CoachingSession.objects.filter(
        patient__physiotherapist=physio, status=SessionStatus.PLANNED
    )
    for session in planned:
        end = session.scheduled_at + dt.timedelta(minutes=session.duration_minutes)
        assert busy_sessions(physio, session.scheduled_at, end, exclude_pk=session.pk) == []
