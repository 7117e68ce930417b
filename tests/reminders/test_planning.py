"""Preferences, pauses, quiet hours, sessions, nudges and check-ins: what gets planned, what
gets replanned, and what is skipped when its time comes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from coaching.models import (
    CoachingSession,
    Reminder,
    ReminderKind,
    ReminderState,
    SessionMode,
    SessionPurpose,
    SessionStatus,
)
from coaching.reminders.services import (
    reminder_preferences_set,
    reminders_plan_for_patient,
    reminders_plan_for_session,
    reminders_plan_upcoming,
)
from patients.models import PatientStatus
from tests.factories import (
    CheckInFactory,
    CoachingSessionFactory,
    WalkLogFactory,
)
from tests.reminders.helpers import at, harbour_patient

SYDNEY = "Australia/Sydney"
# A Wednesday, 10:00 in Sydney.
WEDNESDAY = at(SYDNEY, 2025, 6, 4, 10, 0)


@pytest.fixture
def now():
    with time_machine.travel(WEDNESDAY, tick=False):
        yield WEDNESDAY


@pytest.fixture
def patient(db):
    return harbour_patient()


def _walks(patient):
    return Reminder.objects.filter(patient=patient, kind=ReminderKind.WALK).order_by("due_at")


def _local(rows, patient):
    return [(r.due_at.astimezone(patient.zone), r.state) for r in rows]


def test_walk_reminders_on_the_chosen_days_at_the_chosen_time(patient, now):
    reminders_plan_for_patient(patient=patient)
    # Today (Wed) 17:00 and Friday 17:00 are within the horizon; Thursday is not chosen.
    assert [(t.strftime("%a %H:%M"), s) for t, s in _local(_walks(patient), patient)] == [
        ("Wed 17:00", ReminderState.PENDING),
        ("Fri 17:00", ReminderState.PENDING),
    ]


def test_walking_days_stand_in_when_no_reminder_days_are_chosen(patient, now):
    patient.reminder_days, patient.preferred_days = [], [3]
    patient.save()
    reminders_plan_for_patient(patient=patient)
    assert [t.strftime("%a") for t, _ in _local(_walks(patient), patient)] == ["Thu"]
    patient.preferred_days = []
    patient.save()
    reminders_plan_for_patient(patient=patient)
    assert not _walks(patient).filter(state=ReminderState.PENDING).exists()


def test_a_time_already_passed_today_is_not_sent_late(patient, now):
    patient.reminder_time = dt.time(7, 30)
    patient.save()
    reminders_plan_for_patient(patient=patient)
    assert [t.strftime("%a %H:%M") for t, _ in _local(_walks(patient), patient)] == ["Fri 07:30"]


def test_changing_the_time_moves_planned_reminders_but_never_repeats_a_sent_one(patient, now):
    reminders_plan_for_patient(patient=patient)
    today = _walks(patient).first()
    today.state, today.sent_at = ReminderState.SENT, timezone.now()
    today.save()
    reminder_preferences_set(
        patient=patient,
        by=None,
        reminders_by_email=True,
        reminder_days=[0, 2, 4],
        reminder_time=dt.time(18, 30),
        reminders_paused_until=None,
    )
    assert [(t.strftime("%a %H:%M"), s) for t, s in _local(_walks(patient), patient)] == [
        ("Wed 17:00", ReminderState.SENT),  # today's went out: no second one at 18:30
        ("Fri 18:30", ReminderState.PENDING),
    ]


def test_dropping_a_day_cancels_it_and_adding_it_back_revives_it(patient, now):
    reminders_plan_for_patient(patient=patient)
    prefs = {
        "patient": patient,
        "by": None,
        "reminders_by_email": True,
        "reminder_time": dt.time(17, 0),
        "reminders_paused_until": None,
    }
    reminder_preferences_set(reminder_days=[0, 2], **prefs)
    assert [(t.strftime("%a"), s) for t, s in _local(_walks(patient), patient)] == [
        ("Wed", ReminderState.PENDING),
        ("Fri", ReminderState.CANCELLED),
    ]
    reminder_preferences_set(reminder_days=[0, 2, 4], **prefs)
    assert [s for _, s in _local(_walks(patient), patient)] == [ReminderState.PENDING] * 2


def test_pausing_until_a_date(patient, now):
    reminders_plan_for_patient(patient=patient)
    friday = WEDNESDAY.date() + dt.timedelta(days=2)
    reminder_preferences_set(
        patient=patient,
        by=None,
        reminders_by_email=True,
        reminder_days=[0, 1, 2, 3, 4, 5, 6],
        reminder_time=dt.time(17, 0),
        reminders_paused_until=friday,  # reminders start again on Friday
    )
    planned = _walks(patient).filter(state=ReminderState.PENDING)
    assert [t.strftime("%a") for t, _ in _local(planned, patient)] == ["Fri"]


def test_a_pause_set_after_planning_still_holds_the_message_back(patient, now, run_due):
    reminders_plan_for_patient(patient=patient)
    # Saved directly (not through the service): the send-time check is the safety net.
    patient.reminders_paused_until = WEDNESDAY.date() + dt.timedelta(days=1)
    patient.save()
    assert run_due(at(SYDNEY, 2025, 6, 4, 17, 0)) == []
    assert _walks(patient).first().state == ReminderState.SKIPPED
    assert "paused" in _walks(patient).first().last_error


def test_stopping_cancels_everything_planned(patient, now):
    session = _session(patient, at(SYDNEY, 2025, 6, 6, 11, 0))
    reminders_plan_for_session(session=session)
    reminders_plan_for_patient(patient=patient)
    assert Reminder.objects.filter(patient=patient, state=ReminderState.PENDING).count() == 4
    reminder_preferences_set(
        patient=patient,
        by=None,
        reminders_by_email=False,
        reminder_days=patient.reminder_days,
        reminder_time=patient.reminder_time,
        reminders_paused_until=None,
    )
    assert not Reminder.objects.filter(patient=patient, state=ReminderState.PENDING).exists()


def test_discharged_patients_get_no_walk_reminders(patient, now):
    patient.status = PatientStatus.DISCHARGED
    patient.save()
    reminders_plan_for_patient(patient=patient)
    assert not _walks(patient).exists()


def _session(patient, start, **extra):
    return CoachingSessionFactory(
        patient=patient,
        number=extra.pop("number", 2),
        purpose=SessionPurpose.REVIEW,
        mode=extra.pop("mode", SessionMode.PHONE),
        scheduled_at=start,
        **extra,
    )


def _session_rows(session):
    return [
        (r.kind, r.due_at.astimezone(session.patient.zone).strftime("%a %H:%M"), r.state)
        for r in Reminder.objects.filter(session=session).order_by("due_at", "kind")
    ]


def test_session_reminders_the_day_before_and_an_hour_before(patient, now):
    session = _session(patient, at(SYDNEY, 2025, 6, 6, 11, 0))
    reminders_plan_for_session(session=session)
    assert _session_rows(session) == [
        (ReminderKind.SESSION_DAY_BEFORE, "Thu 11:00", ReminderState.PENDING),
        (ReminderKind.SESSION_HOUR_BEFORE, "Fri 10:00", ReminderState.PENDING),
    ]


def test_a_rebooked_session_gets_new_reminders_and_a_cancelled_one_none(patient, now, run_due):
    session = _session(patient, at(SYDNEY, 2025, 6, 5, 15, 0))  # Thursday
    reminders_plan_for_session(session=session)
    sent = run_due(at(SYDNEY, 2025, 6, 4, 15, 0))  # the day-before goes out Wednesday
    assert [m.subject for m in sent] == ["Your coaching session tomorrow at 15:00"]
    session.scheduled_at = at(SYDNEY, 2025, 6, 10, 15, 0)  # moved to next Tuesday
    session.save()
    with time_machine.travel(at(SYDNEY, 2025, 6, 4, 15, 5), tick=False):
        reminders_plan_for_session(session=session)
    assert _session_rows(session) == [
        (ReminderKind.SESSION_DAY_BEFORE, "Wed 15:00", ReminderState.SENT),
        (ReminderKind.SESSION_HOUR_BEFORE, "Thu 14:00", ReminderState.CANCELLED),
        (ReminderKind.SESSION_DAY_BEFORE, "Mon 15:00", ReminderState.PENDING),
        (ReminderKind.SESSION_HOUR_BEFORE, "Tue 14:00", ReminderState.PENDING),
    ]
    session.status = SessionStatus.CANCELLED
    session.save()
    with time_machine.travel(at(SYDNEY, 2025, 6, 4, 15, 10), tick=False):
        reminders_plan_for_session(session=session)
    assert [s for *_, s in _session_rows(session)][2:] == [ReminderState.CANCELLED] * 2


def test_a_session_moved_without_replanning_is_not_announced_at_the_old_time(patient, now, run_due):
    session = _session(patient, at(SYDNEY, 2025, 6, 5, 15, 0))
    reminders_plan_for_session(session=session)
    CoachingSession.objects.filter(pk=session.pk).update(
        scheduled_at=at(SYDNEY, 2025, 6, 12, 15, 0)
    )
    assert run_due(at(SYDNEY, 2025, 6, 4, 15, 0)) == []
    assert Reminder.objects.get(
        session=session, kind=ReminderKind.SESSION_DAY_BEFORE
    ).last_error == ("the session was moved")


def test_quiet_hours_move_session_reminders_or_drop_them(patient, now, settings):
    settings.REMINDER_QUIET_HOURS = "21:00-08:00"
    early = _session(patient, at(SYDNEY, 2025, 6, 6, 7, 0), number=3)
    reminders_plan_for_session(session=early)
    # Day before at 07:00 is quiet: 08:00. An hour before (06:00) is quiet, and 08:00 would
    # be after the session: dropped.
    assert _session_rows(early) == [
        (ReminderKind.SESSION_DAY_BEFORE, "Thu 08:00", ReminderState.PENDING),
    ]
    half_past_eight = _session(patient, at(SYDNEY, 2025, 6, 9, 8, 30), number=4)
    reminders_plan_for_session(session=half_past_eight)
    assert _session_rows(half_past_eight) == [
        (ReminderKind.SESSION_DAY_BEFORE, "Sun 08:30", ReminderState.PENDING),
        (ReminderKind.SESSION_HOUR_BEFORE, "Mon 08:00", ReminderState.PENDING),
    ]


def test_quiet_hours_hold_back_a_late_message_and_then_drop_it(patient, now, run_due):
    reminders_plan_for_patient(patient=patient)
    # The broker was down all evening: at 22:00 the 17:00 walk reminder is late and it is
    # quiet time. It waits for the morning, when it is too late to be useful.
    assert run_due(at(SYDNEY, 2025, 6, 4, 22, 0)) == []
    row = _walks(patient).first()
    assert row.state == ReminderState.PENDING
    assert row.retry_at == at(SYDNEY, 2025, 6, 5, 8, 0)
    assert row.attempts == 0
    assert run_due(at(SYDNEY, 2025, 6, 5, 8, 0)) == []
    row.refresh_from_db()
    assert (row.state, row.last_error) == (ReminderState.SKIPPED, "too late to be useful")


def test_the_default_time_respects_quiet_hours_but_a_chosen_one_is_kept(patient, now, settings):
    settings.REMINDER_DEFAULT_TIME = "06:00"
    patient.reminder_time = None
    patient.save()
    reminders_plan_for_patient(patient=patient)
    assert [t.strftime("%a %H:%M") for t, _ in _local(_walks(patient), patient)] == ["Fri 08:00"]
    patient.reminder_time = dt.time(6, 0)
    patient.save()
    reminders_plan_for_patient(patient=patient)
    planned = _walks(patient).filter(state=ReminderState.PENDING)
    assert [t.strftime("%a %H:%M") for t, _ in _local(planned, patient)] == ["Fri 06:00"]


def _walk(patient, day, minutes=20):
    return WalkLogFactory(patient=patient, walked_on=day, minutes=minutes)


def test_one_nudge_per_window_even_when_walks_are_logged_late(patient, run_due, settings):
    """Four days without a walk: one nudge. Beat runs the planner and the sweep hourly for
    twelve days; the patient walks once, and once logs a walk for an earlier day."""
    settings.REMINDER_QUIET_HOURS = "21:00-08:00"
    patient.reminder_days = []  # only nudges in this test
    patient.programme_start = dt.date(2025, 6, 1)
    patient.save()
    _walk(patient, dt.date(2025, 6, 2))
    start = at(SYDNEY, 2025, 6, 3, 0, 0)
    nudges_sent = []
    for hour in range(12 * 24):
        now = start + dt.timedelta(hours=hour)
        local = now.astimezone(patient.zone)
        if (local.date(), local.hour) == (dt.date(2025, 6, 8), 12):
            _walk(patient, dt.date(2025, 6, 8))  # walks on Sunday after the first nudge
        if (local.date(), local.hour) == (dt.date(2025, 6, 13), 9):
            _walk(patient, dt.date(2025, 6, 9))  # logs a Monday walk late, on Friday
        nudges_sent += [(now.astimezone(patient.zone), m) for m in run_due(now, plan=True)]
    sent_days = [t.date() for t, _ in nudges_sent]
    # Last walk Mon 2nd: nudge Fri 6th. Walk Sun 8th: nudge Thu 12th. On Fri 13th a walk for
    # Mon 9th appears, so the dry spell counts from the 9th and its nudge would be due that
    # very Friday, a day after the last one: held back, as the window asks.
    assert sent_days == [dt.date(2025, 6, 6), dt.date(2025, 6, 12)]
    assert all(t.time() == dt.time(17, 0) for t, _ in nudges_sent)
    for (first, _), (second, _) in zip(nudges_sent, nudges_sent[1:], strict=False):
        assert second - first >= dt.timedelta(days=4)
    assert "few days since your last logged walk" in nudges_sent[0][1].body


def test_a_walk_logged_before_the_nudge_goes_out_cancels_it(patient, run_due):
    patient.reminder_days = []
    patient.save()
    _walk(patient, dt.date(2025, 6, 2))
    with time_machine.travel(at(SYDNEY, 2025, 6, 5, 18, 0), tick=False):
        reminders_plan_upcoming()
    nudge = Reminder.objects.get(patient=patient, kind=ReminderKind.NUDGE)
    assert nudge.due_at == at(SYDNEY, 2025, 6, 6, 17, 0)
    _walk(patient, dt.date(2025, 6, 6))
    assert run_due(at(SYDNEY, 2025, 6, 6, 17, 0)) == []
    nudge.refresh_from_db()
    assert (nudge.state, nudge.last_error) == (ReminderState.SKIPPED, "a walk was logged since")


def test_the_clinic_chooses_the_nudge_window(patient, run_due):
    patient.reminder_days = []
    patient.save()
    patient.clinic.nudge_after_days = 7
    patient.clinic.save()
    _walk(patient, dt.date(2025, 6, 2))
    with time_machine.travel(at(SYDNEY, 2025, 6, 8, 18, 0), tick=False):
        reminders_plan_upcoming()
    assert Reminder.objects.get(patient=patient, kind=ReminderKind.NUDGE).due_at == at(
        SYDNEY, 2025, 6, 9, 17, 0
    )


def test_check_in_invitation_and_one_follow_up(patient, run_due, settings):
    settings.REMINDER_CHECK_IN_PATH = "/me/monthly/"
    patient.reminder_days = []
    patient.save()
    check_in = CheckInFactory(patient=patient, month_number=1, due_on=dt.date(2025, 6, 6))
    other = CheckInFactory(patient=patient, month_number=2, due_on=dt.date(2025, 7, 6))
    sent = []
    start = at(SYDNEY, 2025, 6, 5, 0, 0)
    for hour in range(0, 8 * 24, 1):
        sent += run_due(start + dt.timedelta(hours=hour), plan=True)
    # Only the patient's messages: the physio's Monday digest may go out in the same week.
    sent = [m for m in sent if m.to == [patient.user.email]]
    assert [m.subject for m in sent] == [
        "Your monthly check-in",
        "Your monthly check-in: a gentle reminder",
    ]
    assert "/me/monthly/" in sent[0].body
    assert [r.due_at for r in Reminder.objects.filter(check_in=check_in).order_by("due_at")] == [
        at(SYDNEY, 2025, 6, 6, 17, 0),
        at(SYDNEY, 2025, 6, 9, 17, 0),
    ]
    assert not Reminder.objects.filter(check_in=other).exists()  # not due yet


def test_a_completed_check_in_gets_no_follow_up(patient, run_due):
    patient.reminder_days = []
    patient.save()
    check_in = CheckInFactory(patient=patient, month_number=1, due_on=dt.date(2025, 6, 6))
    assert len(run_due(at(SYDNEY, 2025, 6, 6, 17, 0), plan=True)) == 1
    check_in.completed_at = timezone.now()
    check_in.any_pain = False
    check_in.save()
    assert run_due(at(SYDNEY, 2025, 6, 9, 17, 0), plan=True) == []
    follow_up = Reminder.objects.get(kind=ReminderKind.CHECK_IN_FOLLOW_UP)
    assert (follow_up.state, follow_up.last_error) == (
        ReminderState.SKIPPED,
        "the check-in is done",
    )


def test_the_periodic_planner_is_idempotent(patient, now):
    _session(patient, at(SYDNEY, 2025, 6, 5, 15, 0))
    reminders_plan_upcoming()
    first = set(Reminder.objects.values_list("idempotency_key", "due_at"))
    reminders_plan_upcoming()
    reminders_plan_for_patient(patient=patient)
    assert set(Reminder.objects.values_list("idempotency_key", "due_at")) == first
    assert {key.split(":")[0] for key, _ in first} == {"walk", "session_day", "session_hour"}
