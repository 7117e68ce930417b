"""The one iCalendar writer: what the staff download and the reminder attachment hold, read
back with the ``icalendar`` library as a calendar application would."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from coaching.calendar import PATIENT, STAFF, sessions_ics
from coaching.models import (
    CoachingSession,
    Reminder,
    ReminderKind,
    ReminderState,
    SessionMode,
    SessionStatus,
)
from coaching.reminders.messages import build
from coaching.services.sessions import session_rebook, session_set_status
from tests.coaching.helpers import started

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 13, 2, 0, tzinfo=dt.UTC)


def events(body: str):
    return Calendar.from_ical(body).walk("VEVENT")


def reminder_attachment(session: CoachingSession) -> str:
    reminder = Reminder.objects.get(
        session=session, kind=ReminderKind.SESSION_DAY_BEFORE, state=ReminderState.PENDING
    )
    message = build(reminder, reminder.due_at)
    (name, body, mimetype) = message.attachments[0]
    assert (name, mimetype) == ("walkback-session.ics", "text/calendar")
    return body


def test_text_with_commas_semicolons_and_backslashes_reads_back_unchanged(world):
    with time_machine.travel(NOW, tick=False):
        patient = started(world.physio_a, start_on=dt.date(2026, 3, 11))
    user = patient.user
    # Names are single-line (issue 12); the library escapes commas, semicolons, backslashes.
    user.full_name = "Smith, Jo; \\the second of that name " + "é" * 40
    user.save()
    session = CoachingSession.objects.select_related("patient__user", "patient__clinic").get(
        patient=patient, number=1
    )
    body = sessions_ics([session], audience=STAFF)
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert "Smith\\, Jo\\; \\\\the second of" in body  # escaped on the wire
    (event,) = events(body)
    assert str(event["summary"]) == f"WalkBack Session 1: {user.full_name}"
    assert event.decoded("dtstart") == session.scheduled_at.astimezone(dt.UTC)
    assert f"DTSTART:{session.scheduled_at.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}\r\n" in body
    assert event.decoded("dtend") - event.decoded("dtstart") == dt.timedelta(
        minutes=session.duration_minutes
    )
    # The host of SITE_URL, without its port.
    assert str(event["uid"]) == f"walkback-session-{session.pk}@127.0.0.1"
    assert str(event["status"]) == "CONFIRMED"
    assert event.walk("VALARM")  # a planned session reminds an hour before


def test_the_patient_file_names_the_clinic_not_the_patient(world):
    with time_machine.travel(NOW, tick=False):
        patient = started(world.physio_a, start_on=dt.date(2026, 3, 11))
    session = CoachingSession.objects.get(patient=patient, number=1)
    (event,) = events(sessions_ics([session], audience=PATIENT))
    assert patient.full_name not in str(event["summary"]) + str(event["description"])
    assert str(event["summary"]) == "WalkBack coaching session 1"


def test_download_and_reminder_agree_on_uid_and_sequence_which_grows(world, client_for):
    with time_machine.travel(NOW, tick=False):
        patient = started(world.physio_a, start_on=dt.date(2026, 3, 11))
        session = CoachingSession.objects.get(patient=patient, number=2)
        client = client_for(world.physio_a)
        (staff,) = events(client.get(reverse("coaching:session-ics", args=[session.pk])).content)
        (mailed,) = events(reminder_attachment(session))
    assert str(staff["uid"]) == str(mailed["uid"])
    assert staff["sequence"] == mailed["sequence"]
    # A change a minute later: both files move the same event to a higher sequence.
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        session_set_status(session=session, status=SessionStatus.CANCELLED, by=world.physio_a)
        download = client.get(reverse("coaching:session-ics", args=[session.pk]))
        (cancelled,) = events(download.content)
        assert str(cancelled["status"]) == "CANCELLED" and not cancelled.walk("VALARM")
    with time_machine.travel(NOW + dt.timedelta(minutes=2), tick=False):
        session_rebook(
            session=session,
            scheduled_at=session.scheduled_at + dt.timedelta(days=1),
            mode=SessionMode.PHONE,
            by=world.physio_a,
        )
        session.refresh_from_db()
        (staff_again,) = events(
            client.get(reverse("coaching:session-ics", args=[session.pk])).content
        )
        (mailed_again,) = events(reminder_attachment(session))
    assert str(staff_again["uid"]) == str(staff["uid"]) == str(mailed_again["uid"])
    assert staff["sequence"] < cancelled["sequence"] < staff_again["sequence"]
    assert staff_again["sequence"] == mailed_again["sequence"]
    assert mailed_again.decoded("dtstart") == session.scheduled_at.astimezone(dt.UTC)
