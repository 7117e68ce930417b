"""Local times across daylight-saving changes (docs/security.md#reliability): a 07:30 reminder is
07:30 local on the day of the spring gap and of the autumn overlap, once. Beat is simulated
every 30 minutes of UTC through three days around each change (planner and sweep each step),
so the overlap's repeated hour is swept twice and must still send one message."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from coaching.models import Reminder, ReminderKind, ReminderState
from coaching.reminders.timing import end_of_quiet_hours, in_quiet_hours, local_at
from tests.factories import ClinicFactory, PatientFactory

EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]

CHANGES = [
    # zone, day of the change, what happens
    ("Australia/Sydney", dt.date(2024, 10, 6), "spring gap (southern)"),
    ("Australia/Sydney", dt.date(2024, 4, 7), "autumn overlap (southern)"),
    ("Europe/London", dt.date(2024, 3, 31), "spring gap (northern)"),
    ("Europe/London", dt.date(2024, 10, 27), "autumn overlap (northern)"),
]


def _simulate_beat(run_due, zone: str, change_day: dt.date) -> list:
    start = local_at(change_day - dt.timedelta(days=1), dt.time(0, 0), zoneinfo.ZoneInfo(zone))
    sent = []
    for step in range(3 * 48):
        sent += run_due(start + dt.timedelta(minutes=30 * step), plan=True)
    return sent


def _patient(zone: str, at: dt.time):
    clinic = ClinicFactory(time_zone=zone)
    return PatientFactory(clinic=clinic, reminder_days=EVERY_DAY, reminder_time=at)


@pytest.mark.parametrize(("zone", "day", "what"), CHANGES, ids=[c[2] for c in CHANGES])
def test_a_0730_walk_reminder_is_0730_local_once_a_day(zone, day, what, run_due, db):
    patient = _patient(zone, dt.time(7, 30))
    sent = _simulate_beat(run_due, zone, day)
    walks = Reminder.objects.filter(patient=patient, kind=ReminderKind.WALK)
    local_sent = sorted(r.sent_at.astimezone(patient.zone) for r in walks if r.sent_at)
    assert [(t.date(), t.time()) for t in local_sent] == [
        (day + dt.timedelta(days=offset), dt.time(7, 30)) for offset in (-1, 0, 1)
    ]
    assert len(sent) == 3
    assert {m.to[0] for m in sent} == {patient.user.email}


WALL_TIMES_IN_THE_CHANGE = [
    # zone, day, a wall time inside the gap/overlap, the UTC instant it must go out
    (
        "Europe/London",
        dt.date(2024, 3, 31),
        dt.time(1, 30),
        dt.datetime(2024, 3, 31, 1, 30, tzinfo=dt.UTC),  # 01:30 does not exist: 02:30 BST
    ),
    (
        "Europe/London",
        dt.date(2024, 10, 27),
        dt.time(1, 30),
        dt.datetime(2024, 10, 27, 0, 30, tzinfo=dt.UTC),  # the first 01:30 (BST)
    ),
    (
        "Australia/Sydney",
        dt.date(2024, 10, 6),
        dt.time(2, 30),
        dt.datetime(2024, 10, 5, 16, 30, tzinfo=dt.UTC),  # 02:30 does not exist: 03:30 AEDT
    ),
    (
        "Australia/Sydney",
        dt.date(2024, 4, 7),
        dt.time(2, 30),
        dt.datetime(2024, 4, 6, 15, 30, tzinfo=dt.UTC),  # the first 02:30 (AEDT)
    ),
]


@pytest.mark.parametrize(("zone", "day", "wall", "expected"), WALL_TIMES_IN_THE_CHANGE)
def test_a_time_inside_the_change_goes_out_once(zone, day, wall, expected, run_due, settings, db):
    settings.REMINDER_QUIET_HOURS = "off"  # a night-time choice, to reach the changed hour
    patient = _patient(zone, wall)
    _simulate_beat(run_due, zone, day)
    on_the_day = [
        r
        for r in Reminder.objects.filter(patient=patient, state=ReminderState.SENT)
        if r.idempotency_key == f"walk:{patient.pk}:{day.isoformat()}"
    ]
    assert [r.sent_at for r in on_the_day] == [expected]
    assert Reminder.objects.filter(patient=patient, state=ReminderState.SENT).count() == 3


def test_quiet_hours_wrap_midnight_in_local_time(settings):
    settings.REMINDER_QUIET_HOURS = "21:00-08:00"
    sydney = zoneinfo.ZoneInfo("Australia/Sydney")
    evening = local_at(dt.date(2024, 10, 5), dt.time(22, 15), sydney)
    assert in_quiet_hours(evening, sydney)
    # The end of quiet hours is 08:00 the next local morning: on the day of the spring gap
    # that is 23 hours of UTC later than 08:00 the day before, not 24.
    assert end_of_quiet_hours(evening, sydney) == local_at(
        dt.date(2024, 10, 6), dt.time(8, 0), sydney
    )
    early = local_at(dt.date(2024, 10, 6), dt.time(6, 0), sydney)
    assert end_of_quiet_hours(early, sydney) == local_at(dt.date(2024, 10, 6), dt.time(8), sydney)
    daytime = local_at(dt.date(2024, 10, 6), dt.time(12, 0), sydney)
    assert not in_quiet_hours(daytime, sydney)
    assert end_of_quiet_hours(daytime, sydney) == daytime
