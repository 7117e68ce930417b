"""The default session schedule moves a session off the clinic's closed days to the next open
day (docs/clinical-rules.md, "The six coaching sessions"): the schedule booked Session 3 on
25 December before clinics could list their closed days (issue 11)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from coaching import services
from coaching.models import CoachingSession
from tests.coaching.helpers import enrolled, screened
from walkback.accounts.models import ClosedDay

pytestmark = pytest.mark.django_db

SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")
START = dt.date(2026, 11, 27)  # a Friday: Session 3, four weeks on, is Friday 25 December


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC), tick=False):
        yield


def _days(patient) -> list[dt.date]:
    return [
        s.scheduled_at.astimezone(SYDNEY).date()
        for s in CoachingSession.objects.filter(patient=patient).order_by("number")
    ]


def _start(world, start_on=START):
    patient = screened(enrolled(world.physio_a, on=dt.date(2026, 11, 1)), world.physio_a)
    services.programme_start(patient=patient, start_on=start_on, by=world.physio_a)
    return patient


def test_without_closed_days_the_schedule_keeps_its_weeks(world):
    days = _days(_start(world))
    assert days[2] == dt.date(2026, 12, 25)
    assert [(day - START).days for day in days] == [0, 14, 28, 56, 84, 182]


def test_a_session_on_a_closed_day_moves_to_the_next_open_day(world):
    for day in (dt.date(2026, 12, 25), dt.date(2026, 12, 26), dt.date(2027, 1, 22)):
        ClosedDay.objects.create(clinic=world.clinic_a, day=day)
    # Another clinic's closed days do not move this clinic's sessions.
    ClosedDay.objects.create(clinic=world.clinic_b, day=dt.date(2027, 2, 19))
    days = _days(_start(world))
    assert days == [
        START,
        dt.date(2026, 12, 11),
        dt.date(2026, 12, 27),  # 25 and 26 December closed
        dt.date(2027, 1, 23),  # 22 January closed
        dt.date(2027, 2, 19),
        dt.date(2027, 5, 28),
    ]


def test_a_long_closure_keeps_the_sessions_in_order(world):
    # Closed from Session 2's day until after Session 3's: Session 3 comes the day after 2.
    first = dt.date(2026, 12, 11)
    for offset in range(0, 18):
        ClosedDay.objects.create(clinic=world.clinic_a, day=first + dt.timedelta(days=offset))
    days = _days(_start(world))
    assert days[1] == dt.date(2026, 12, 29)
    assert days[2] == dt.date(2026, 12, 30)
    assert days == sorted(days) and len(set(days)) == 6


def test_session_1_on_a_closed_day_is_refused_and_nothing_is_booked(world):
    ClosedDay.objects.create(clinic=world.clinic_a, day=START)
    patient = screened(enrolled(world.physio_a, on=dt.date(2026, 11, 1)), world.physio_a)
    with pytest.raises(ValidationError) as error:
        services.programme_start(patient=patient, start_on=START, by=world.physio_a)
    assert error.value.message_dict["start_on"] == [
        "The clinic is closed on 27 Nov 2026. Choose another day for Session 1."
    ]
    assert not CoachingSession.objects.filter(patient=patient).exists()
