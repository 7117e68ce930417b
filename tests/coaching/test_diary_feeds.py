"""Calendar feeds (issue 15, docs/diary.md#calendar-feeds): what a feed says (no health data,
UTC, stable UIDs, cancelled sessions marked), whose sessions it holds, that only a live token
opens it (stored hashed, revoked by a new link or "stop"), that it is audited without the
token, rate limited, and reads a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from coaching.calendar import session_uid
from coaching.diary import views as diary_views
from coaching.diary.feed import short_name
from coaching.diary.models import CalendarFeed
from coaching.diary.services import calendar_feed_new, calendar_feed_revoke
from coaching.models import SessionMode, SessionStatus
from tests.factories import CoachingSessionFactory, PatientFactory
from walkback.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 16, 0, 0, tzinfo=dt.UTC)
SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def uncached(monkeypatch):
    """Each request builds its feed afresh (test_a_feed_is_kept_for_minutes turns it on)."""
    monkeypatch.setattr(diary_views, "FEED_CACHE_SECONDS", 0)


def _feed_url(token: str) -> str:
    return reverse("feeds:calendar", kwargs={"token": token})


def _events(response) -> dict[str, dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def _sessions(world):
    secret = CoachingSessionFactory(
        patient=world.patient_a,
        number=1,
        scheduled_at=dt.datetime(2026, 3, 17, 10, tzinfo=SYDNEY),
        notes="Sciatica down the left leg",
        goals="Walk to the shops",
    )
    cancelled = CoachingSessionFactory(
        patient=world.patient_a,
        number=2,
        mode=SessionMode.PHONE,
        scheduled_at=dt.datetime(2026, 3, 24, 10, tzinfo=SYDNEY),
        status=SessionStatus.CANCELLED,
    )
    colleagues = CoachingSessionFactory(patient=world.patient_a2, number=1)
    return secret, cancelled, colleagues


def test_a_physio_feed_names_each_patient_briefly_and_nothing_about_their_health(world):
    secret, cancelled, colleagues = _sessions(world)
    token = calendar_feed_new(owner=world.physio_a)

    response = Client().get(_feed_url(token))

    events = _events(response)
    assert set(events) == {session_uid(secret), session_uid(cancelled)}  # not a colleague's
    first = events[session_uid(secret)]
    assert str(first["summary"]) == "WalkBack session with P. Alpha"
    assert str(first["location"]) == "Alpha Physio"
    assert first["dtstart"].dt == dt.datetime(2026, 3, 16, 23, tzinfo=dt.UTC)
    assert first["dtend"].dt == dt.datetime(2026, 3, 16, 23, 45, tzinfo=dt.UTC)
    assert str(first["status"]) == "CONFIRMED"
    second = events[session_uid(cancelled)]
    assert (str(second["status"]), str(second["location"])) == ("CANCELLED", "Phone call")
    body = response.content.decode()
    assert b"DTSTART:20260316T230000Z" in response.content  # UTC, no floating local time
    for private in ("Sciatica", "shops", "Paula", "DESCRIPTION", "Set or progress", "Review"):
        assert private not in body
    assert response["Cache-Control"] == "private, no-store"


def test_a_patient_feed_holds_only_their_own_sessions_as_your_walkback_session(world):
    secret, cancelled, colleagues = _sessions(world)
    CoachingSessionFactory(patient=world.patient_b, number=1)
    token = calendar_feed_new(owner=world.patient_a.user)

    events = _events(Client().get(_feed_url(token)))

    assert set(events) == {session_uid(secret), session_uid(cancelled)}
    assert {str(e["summary"]) for e in events.values()} == {"Your WalkBack session"}


def test_the_uid_stays_and_the_sequence_grows_when_a_session_moves(world):
    secret, _, _ = _sessions(world)
    token = calendar_feed_new(owner=world.physio_a)
    before = _events(Client().get(_feed_url(token)))[session_uid(secret)]
    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False):
        secret.scheduled_at += dt.timedelta(days=1)
        secret.save()
        after = _events(Client().get(_feed_url(token)))[session_uid(secret)]
    assert after["sequence"] > before["sequence"]
    assert after["dtstart"].dt - before["dtstart"].dt == dt.timedelta(days=1)


def test_only_the_hash_is_stored_and_a_new_link_revokes_the_old(world):
    old = calendar_feed_new(owner=world.physio_a)
    assert not CalendarFeed.objects.filter(token_hash=old).exists()
    assert CalendarFeed.objects.get(revoked_at__isnull=True).token_hash == (
        CalendarFeed.hash_token(old)
    )
    new = calendar_feed_new(owner=world.physio_a)
    client = Client()
    assert client.get(_feed_url(old)).status_code == 404
    assert client.get(_feed_url(new)).status_code == 200
    assert calendar_feed_revoke(owner=world.physio_a) == 1
    assert client.get(_feed_url(new)).status_code == 404
    assert client.get(_feed_url("made-up-token")).status_code == 404


def test_a_deactivated_owner_or_a_changed_role_closes_the_feed(world):
    token = calendar_feed_new(owner=world.physio_a)
    world.physio_a.is_active = False
    world.physio_a.save()
    assert Client().get(_feed_url(token)).status_code == 404


def test_the_database_allows_one_live_link_per_person(world):
    from django.db import IntegrityError, transaction

    calendar_feed_new(owner=world.physio_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarFeed.objects.create(owner=world.physio_a, token_hash="0" * 64)


def test_reading_a_feed_is_audited_for_each_patient_without_the_token(world):
    _sessions(world)
    token = calendar_feed_new(owner=world.physio_a)
    Client().get(_feed_url(token))
    reads = AuditEvent.objects.filter(action=AuditAction.READ, detail__view="calendar-feed")
    assert [(e.actor_id, e.patient_id) for e in reads] == [(world.physio_a.pk, world.patient_a.pk)]
    for event in AuditEvent.objects.all():
        assert token not in str(event.detail)
        assert token not in event.object_id


def test_a_feed_link_is_rate_limited(world, monkeypatch):
    monkeypatch.setattr(diary_views, "FEED_REQUESTS_PER_HOUR", 2)
    token = calendar_feed_new(owner=world.patient_a.user)
    client = Client()
    assert [client.get(_feed_url(token)).status_code for _ in range(3)] == [200, 200, 429]


def _queries(url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = Client().get(url)
    assert response.status_code == 200
    return len(captured)


def test_a_feed_reads_the_same_queries_for_2_and_12_sessions(world):
    token = calendar_feed_new(owner=world.physio_a)
    url = _feed_url(token)
    for _ in range(2):
        CoachingSessionFactory(
            patient=PatientFactory(clinic=world.clinic_a, physiotherapist=world.physio_a)
        )
    with_two = _queries(url)
    for _ in range(10):
        CoachingSessionFactory(
            patient=PatientFactory(clinic=world.clinic_a, physiotherapist=world.physio_a)
        )
    assert _queries(url) == with_two
    assert with_two == 3  # the link with its owner, the sessions, one audit insert


def test_the_link_page_shows_a_new_link_once_then_only_that_one_exists(world, client_for):
    client = client_for(world.physio_a)
    assert "You have no calendar link yet" in client.get(reverse("diary:feed")).content.decode()
    response = client.post(reverse("diary:feed-new"))
    html = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    feed = CalendarFeed.objects.get(owner=world.physio_a)
    token = html.split("/feeds/", 1)[1].split(".ics", 1)[0]
    assert CalendarFeed.hash_token(token) == feed.token_hash
    assert "webcal://" in html
    again = client.get(reverse("diary:feed")).content.decode()
    assert token not in again and "It is not shown again" in again
    client.post(reverse("diary:feed-stop"))
    assert Client().get(_feed_url(token)).status_code == 404


def test_a_patient_makes_their_own_link_from_me(world, client_for):
    client = client_for(world.patient_a.user)
    assert reverse("my-calendar:home") in client.get(reverse("portal:my-data")).content.decode()
    html = client.post(reverse("my-calendar:new")).content.decode()
    token = html.split("/feeds/", 1)[1].split(".ics", 1)[0]
    assert Client().get(_feed_url(token)).status_code == 200


def test_short_names():
    assert short_name("Paula Alpha") == "P. Alpha"
    assert short_name("Ana María de la Cruz") == "A. Cruz"
    assert short_name("Cher") == "Cher"


def test_a_feed_is_kept_for_minutes_but_a_revoked_link_stops_at_once(world, monkeypatch):
    monkeypatch.setattr(diary_views, "FEED_CACHE_SECONDS", 300)
    secret, _, _ = _sessions(world)
    token = calendar_feed_new(owner=world.physio_a)
    url = _feed_url(token)
    first = Client().get(url)
    with CaptureQueriesContext(connection) as captured:
        again = Client().get(url)
    assert again.content == first.content
    assert len(captured) == 2  # the link with its owner, the audit insert
    reads = AuditEvent.objects.filter(detail__view="calendar-feed", patient=world.patient_a)
    assert reads.count() == 2  # every request is audited, cached or not
    calendar_feed_revoke(owner=world.physio_a)
    assert Client().get(url).status_code == 404
