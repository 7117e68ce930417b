"""The physiotherapist's diary (issue 15, docs/diary.md): the day and week views, the free
slots offered for rebooking, and rebooking itself (closed days, the past and clashes refused
with nothing saved; reminders moved with the session)."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coaching.diary.selectors import free_slots
from coaching.diary.services import diary_rebook
from coaching.models import CoachingSession, Reminder, SessionMode, SessionStatus
from tests.factories import CoachingSessionFactory, PatientFactory
from walkback.audit.models import AuditAction, AuditEvent
from walkback.demo.factories import ClosedDayFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 16, 0, 0, tzinfo=dt.UTC)  # Monday 16 March, 11:00 in Sydney
SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in March 2026 on the Sydney clinic's clock."""
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=SYDNEY)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _patient(world, name: str, physio=None):
    return PatientFactory(
        clinic=world.clinic_a,
        physiotherapist=physio or world.physio_a,
        user__full_name=name,
    )


def _session(patient, when, number=1, **extra):
    return CoachingSessionFactory(patient=patient, number=number, scheduled_at=when, **extra)


def _between(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


# --- the day and the week ----------------------------------------------------------------


def test_today_shows_own_sessions_in_clinic_time_with_patient_kind_and_state(world, client_for):
    afternoon = _session(world.patient_a, at(16, 14))
    bob = _patient(world, "Bob Brown")
    _session(bob, at(16, 9), mode=SessionMode.PHONE, status=SessionStatus.MISSED)
    _session(world.patient_a2, at(16, 10))  # a colleague's patient: their diary, not this one
    _session(world.patient_b, at(16, 10))  # another clinic
    _session(_patient(world, "Cora Late"), at(17, 0, 30))  # 13:30 UTC on the 16th: Tuesday here
    ClosedDayFactory(clinic=world.clinic_a, day=dt.date(2026, 3, 16))

    response = client_for(world.physio_a).get(reverse("diary:today"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Today, Monday 16 March 2026" in html
    assert "The clinic is closed" in html
    assert html.index("Bob Brown") < html.index("Paula Alpha")  # 09:00 before 14:00
    assert ">09:00</time>–09:45" in html and ">14:00</time>–14:45" in html
    assert reverse("patients:detail", args=[world.patient_a.pk]) in html
    assert "Phone call" in html and "Missed" in html and "Planned" in html
    assert reverse("diary:rebook", args=[afternoon.pk]) in html
    for absent in ("Peter Alpha", "Zebracorn", "Cora Late"):
        assert absent not in html


def test_the_week_runs_monday_to_sunday_and_files_sessions_under_the_clinic_day(world, client_for):
    _session(_patient(world, "Cora Late"), at(17, 0, 30))
    _session(world.patient_a, at(22, 16), status=SessionStatus.CANCELLED)
    ClosedDayFactory(clinic=world.clinic_a, day=dt.date(2026, 3, 20))

    response = client_for(world.physio_a).get(reverse("diary:week", args=["2026-03-18"]))

    html = response.content.decode()
    assert "Week of 16 March to 22 March 2026" in html
    assert "2 sessions" in html
    assert "Cora Late" in _between(html, 'id="day-2026-03-17"', 'id="day-2026-03-18"')
    assert "Clinic closed" in _between(html, 'id="day-2026-03-20"', 'id="day-2026-03-21"')
    sunday = html.split('id="day-2026-03-22"', 1)[1]
    assert "Paula Alpha" in sunday and "Cancelled" in sunday
    # Previous, this and next week are plain links.
    for day in ("2026-03-09", "2026-03-16", "2026-03-23"):
        assert reverse("diary:week", args=[day]) in html


def test_a_day_that_is_not_a_date_is_not_found(world, client_for):
    response = client_for(world.physio_a).get("/caseload/diary/day/2026-02-30/")
    assert response.status_code == 404


def test_the_diary_audits_a_read_of_each_patient_it_shows(world, client_for):
    _session(world.patient_a, at(16, 14))
    _session(world.patient_a, at(16, 15), number=2)
    client_for(world.physio_a).get(reverse("diary:today"))
    reads = AuditEvent.objects.filter(action=AuditAction.READ, detail__view="diary-day")
    assert [(e.actor_id, e.patient_id) for e in reads] == [(world.physio_a.pk, world.patient_a.pk)]


def _queries(client, url) -> int:
    client.get(url)  # settle the session
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("view", ["day", "week"])
def test_the_diary_reads_the_same_queries_for_2_and_12_sessions(world, client_for, view):
    client = client_for(world.physio_a)
    url = reverse(f"diary:{view}", args=["2026-03-16"])
    for n in range(2):
        _session(_patient(world, f"Early Patient{n}"), at(16, 9 + n))
    with_two = _queries(client, url)
    for n in range(10):
        _session(_patient(world, f"Later Patient{n}"), at(16, 12, n * 5))
    assert _queries(client, url) == with_two
    # Session, user and device, then: the sessions, the closed days, one audit insert.
    assert with_two == 6


# --- free slots ------------------------------------------------------------------------


def _slots(session, first=dt.date(2026, 3, 16)):
    return {
        day: (is_open, [s.astimezone(SYDNEY).strftime("%H:%M") for s in free])
        for day, is_open, free in free_slots(session, first)
    }


def test_free_slots_keep_to_working_hours_open_days_the_future_and_a_free_diary(world):
    session = _session(world.patient_a, at(25, 10))
    _session(_patient(world, "Bob Brown"), at(17, 10))  # 10:00-10:45 taken on Tuesday
    _session(_patient(world, "Cancelled Carl"), at(17, 14), status=SessionStatus.CANCELLED)
    _session(world.patient_a2, at(17, 11))  # a colleague's session does not fill this diary
    ClosedDayFactory(clinic=world.clinic_a, day=dt.date(2026, 3, 18))

    days = _slots(session)

    monday_open, monday = days[dt.date(2026, 3, 16)]
    assert monday_open and monday[0] == "11:30"  # it is 11:00 now
    tuesday = days[dt.date(2026, 3, 17)][1]
    assert tuesday[:4] == ["09:00", "11:00", "11:30", "12:00"]  # 09:30 and 10:30 would overlap
    assert "14:00" in tuesday  # a cancelled session frees its time
    assert tuesday[-1] == "16:00"  # 16:30 + 45 minutes would end after 17:00
    assert days[dt.date(2026, 3, 18)] == (False, [])  # closed
    assert days[dt.date(2026, 3, 21)] == (False, [])  # Saturday


def test_free_slots_follow_the_clinic_setting_and_keep_the_six_in_order(world):
    clinic = world.clinic_a
    clinic.diary_day_starts, clinic.diary_day_ends = dt.time(8, 0), dt.time(12, 0)
    clinic.diary_weekends = True
    clinic.save()
    _session(world.patient_a, at(19, 10), number=1)
    second = _session(world.patient_a, at(25, 10), number=2)

    days = _slots(second)

    assert days[dt.date(2026, 3, 17)] == (True, [])  # before Session 1
    # After Session 1 starts, and clear of it (10:00-10:45): 11:00 is the one slot left by noon.
    assert days[dt.date(2026, 3, 19)][1] == ["11:00"]
    assert days[dt.date(2026, 3, 21)][1][0] == "08:00"  # Saturday, open this time


# --- rebooking -------------------------------------------------------------------------


def _update_events(session):
    return AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_id=str(session.pk), object_type="coaching.CoachingSession"
    ).count()


def test_rebooking_a_planned_session_moves_it_and_its_reminders(world):
    session = _session(world.patient_a, at(18, 10))
    from coaching.reminders.services import reminders_plan_for_session

    reminders_plan_for_session(session=session)
    before = sorted(r.due_at for r in Reminder.objects.filter(session=session))
    assert before

    moved = diary_rebook(session=session, scheduled_at=at(19, 10), by=world.physio_a)

    assert moved.scheduled_at == at(19, 10)
    assert moved.status == SessionStatus.PLANNED
    after = sorted(
        r.due_at for r in Reminder.objects.filter(session=session).exclude(state="cancelled")
    )
    assert after == [due + dt.timedelta(days=1) for due in before]
    assert _update_events(session) == 1


def test_rebooking_a_missed_session_books_it_again(world):
    session = _session(world.patient_a, at(13, 10), status=SessionStatus.MISSED)
    moved = diary_rebook(session=session, scheduled_at=at(19, 9), by=world.physio_a)
    assert (moved.status, moved.scheduled_at, moved.rebook_count) == (
        SessionStatus.PLANNED,
        at(19, 9),
        1,
    )


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (at(18, 10), "The clinic is closed on 18 Mar 2026"),
        (at(16, 10), "already passed"),
        (at(17, 10, 30), "overlaps another session: Session 1 with Bob Brown at Tue 17 Mar"),
        (at(17, 9, 30), "overlaps another session"),
    ],
)
def test_a_bad_time_is_refused_in_plain_words_and_nothing_is_saved(world, when, message):
    ClosedDayFactory(clinic=world.clinic_a, day=dt.date(2026, 3, 18))
    _session(_patient(world, "Bob Brown"), at(17, 10))
    session = _session(world.patient_a, at(25, 10))

    with pytest.raises(ValidationError, match=message):
        diary_rebook(session=session, scheduled_at=when, by=world.physio_a)

    session.refresh_from_db()
    assert session.scheduled_at == at(25, 10)
    assert _update_events(session) == 0


def test_a_done_session_cannot_be_moved(world):
    session = _session(world.patient_a, at(13, 10), status=SessionStatus.DONE)
    with pytest.raises(ValidationError, match="is done"):
        diary_rebook(session=session, scheduled_at=at(19, 9), by=world.physio_a)


def test_another_clinics_physio_cannot_rebook(world):
    session = _session(world.patient_a, at(25, 10))
    with pytest.raises(ValidationError, match="not in your clinic"):
        diary_rebook(session=session, scheduled_at=at(19, 9), by=world.physio_b)


# --- the rebooking page --------------------------------------------------------------------


def test_the_page_offers_free_slots_and_moves_the_session_to_the_one_chosen(world, client_for):
    session = _session(world.patient_a, at(25, 10))
    client = client_for(world.physio_a)
    url = reverse("diary:rebook", args=[session.pk])

    page = client.get(url, {"from": "2026-03-17"}).content.decode()
    assert 'value="2026-03-17T09:00"' in page
    assert re.search(r'<legend class="h5">Saturday 21 March</legend>\s*<p[^>]*>Clinic closed', page)

    response = client.post(url, {"slot": "2026-03-17T09:00"}, follow=True)

    session.refresh_from_db()
    assert session.scheduled_at == at(17, 9)
    assert response.redirect_chain[-1][0] == reverse("diary:day", args=["2026-03-17"])
    assert "Session 1 with Paula Alpha is now on Tuesday 17 March at 09:00." in (
        response.content.decode()
    )


def test_a_custom_time_on_a_closed_day_is_refused_next_to_the_field(world, client_for):
    ClosedDayFactory(clinic=world.clinic_a, day=dt.date(2026, 3, 18))
    session = _session(world.patient_a, at(25, 10))
    response = client_for(world.physio_a).post(
        reverse("diary:rebook", args=[session.pk]),
        {"custom_day": "2026-03-18", "custom_time": "19:30"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "custom_time": ["The clinic is closed on 18 Mar 2026. Choose another day."]
    }
    session.refresh_from_db()
    assert session.scheduled_at == at(25, 10)


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, {"__all__": ["Choose one of the free times, or enter a day and time."]}),
        ({"custom_day": "2026-03-19"}, {"custom_time": ["Enter the time as well as the day."]}),
        (
            {"slot": "tomorrow-ish"},
            {"__all__": ["That time could not be read. Choose one of the free times."]},
        ),
    ],
)
def test_an_incomplete_choice_says_what_is_missing(world, client_for, data, errors):
    session = _session(world.patient_a, at(25, 10))
    response = client_for(world.physio_a).post(reverse("diary:rebook", args=[session.pk]), data)
    assert response.context["form"].errors == errors
    session.refresh_from_db()
    assert session.scheduled_at == at(25, 10)


# --- the clinic's working hours ------------------------------------------------------------


def _clinic_form(**changes) -> dict:
    data = {"name": "Alpha Physio", "time_zone": "Australia/Sydney", "closed_days": ""}
    data.update(changes)
    return data


def test_the_admin_sets_the_diary_hours_in_the_clinic_settings(world, client_for):
    client = client_for(world.admin_a)
    page = client.get(reverse("clinic:settings")).content.decode()
    assert 'value="09:00"' in page and 'value="17:00"' in page
    response = client.post(
        reverse("clinic:settings"),
        _clinic_form(diary_day_starts="08:00", diary_day_ends="12:30", diary_weekends="on"),
    )
    assert response.status_code == 302
    world.clinic_a.refresh_from_db()
    assert (
        world.clinic_a.diary_day_starts,
        world.clinic_a.diary_day_ends,
        world.clinic_a.diary_weekends,
    ) == (dt.time(8), dt.time(12, 30), True)


def test_a_day_that_ends_before_it_starts_is_refused_next_to_the_field(world, client_for):
    response = client_for(world.admin_a).post(
        reverse("clinic:settings"),
        _clinic_form(name="Renamed", diary_day_starts="14:00", diary_day_ends="09:00"),
    )
    assert response.context["form"].errors == {
        "diary_day_ends": ["Sessions must end later in the day than they start."]
    }
    world.clinic_a.refresh_from_db()
    assert (world.clinic_a.name, world.clinic_a.diary_day_starts) == ("Alpha Physio", dt.time(9))


def test_the_database_refuses_a_day_that_ends_before_it_starts(world):
    from django.db import IntegrityError, transaction

    from walkback.accounts.models import Clinic

    with pytest.raises(IntegrityError), transaction.atomic():
        Clinic.objects.filter(pk=world.clinic_a.pk).update(diary_day_ends=dt.time(8))


# --- a race (PostgreSQL: real concurrent transactions) --------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_rebookings_racing_for_one_slot_book_it_once():
    """Two tabs move two patients' sessions into the same free half hour at once: the diary's
    row lock makes the second wait, see the first's booking and refuse with the clash."""
    import threading

    from tests.factories import ClinicFactory, UserFactory

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for real concurrent transactions")
    clinic = ClinicFactory(time_zone="Australia/Sydney")
    physio = UserFactory(clinic=clinic)
    first = _session(PatientFactory(clinic=clinic, physiotherapist=physio), at(25, 10))
    second = _session(PatientFactory(clinic=clinic, physiotherapist=physio), at(25, 14))
    start = threading.Barrier(2)
    results: dict = {}

    def rebook(session):
        from django.db import connection as thread_connection

        try:
            start.wait(5)
            diary_rebook(session=session, scheduled_at=at(19, 9), by=physio)
            results[session.pk] = "booked"
        except ValidationError as error:
            results[session.pk] = error.messages[0]
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=rebook, args=(s,)) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(results.values(), key=len)[0] == "booked"
    assert "overlaps another session" in sorted(results.values(), key=len)[1]
    assert CoachingSession.objects.filter(scheduled_at=at(19, 9)).count() == 1
