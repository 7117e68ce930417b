"""Issue 15's diary in Chromium: a physiotherapist's day (on a tablet) and week (on a
desktop), then moving a session to a free slot from the diary. Each page gets an axe-core
check; screenshots go to test-artifacts/screenshots/diary-*.png."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from coaching.models import CoachingSession, SessionMode, SessionStatus
from tests.browser.conftest import log_in, screenshot
from tests.browser.test_staff_changes import serious_axe_violations
from tests.factories import (
    PASSWORD,
    ClinicFactory,
    CoachingSessionFactory,
    PatientFactory,
    UserFactory,
)
from walkback.demo.factories import ClosedDayFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")
TABLET = {"width": 1024, "height": 768}


@pytest.fixture
def diary():
    clinic = ClinicFactory(name="Harbour Physio", time_zone="Australia/Sydney")
    priya = UserFactory(email="priya@harbour.test", full_name="Priya Physio", clinic=clinic)
    today = timezone.now().astimezone(SYDNEY).date()
    monday = today - dt.timedelta(days=today.weekday())
    plan = [
        ("Alma Brook", today, 9, SessionMode.IN_PERSON, SessionStatus.DONE),
        ("Bert Cole", today, 10, SessionMode.PHONE, SessionStatus.PLANNED),
        ("Cora Dunn", today, 13, SessionMode.IN_PERSON, SessionStatus.CANCELLED),
        ("Dev Egan", today, 15, SessionMode.IN_PERSON, SessionStatus.PLANNED),
    ]
    for n, offset in enumerate(range(7)):
        day = monday + dt.timedelta(days=offset)
        if day != today and day.weekday() < 5:
            plan.append(
                (f"Week Patient{n}", day, 9 + n, SessionMode.IN_PERSON, SessionStatus.PLANNED)
            )
    sessions = {}
    for n, (name, day, hour, mode, status) in enumerate(plan):
        patient = PatientFactory(
            clinic=clinic,
            physiotherapist=priya,
            user__email=f"p{n}@harbour.test",
            user__full_name=name,
        )
        when = dt.datetime.combine(day, dt.time(hour), tzinfo=SYDNEY)
        if status != SessionStatus.DONE and when <= timezone.now():
            status = SessionStatus.MISSED if status == SessionStatus.PLANNED else status
        sessions[name] = CoachingSessionFactory(
            patient=patient, number=1, scheduled_at=when, mode=mode, status=status
        )
    closed = next(
        monday + dt.timedelta(days=d) for d in range(5) if monday + dt.timedelta(days=d) != today
    )
    ClosedDayFactory(clinic=clinic, day=closed)
    return priya, sessions


def test_the_day_and_the_week_and_moving_a_session_from_the_diary(new_page, diary):
    priya, sessions = diary
    page = new_page(viewport=TABLET)
    log_in(page, priya.email, PASSWORD)

    page.goto("/caseload/diary/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Today, ")
    assert page.get_by_role("link", name="Bert Cole", exact=True).is_visible()
    assert page.get_by_text("Phone call").first.is_visible()
    # Touch targets: every button on the page is at least 44 pixels high (WCAG 2.5.5).
    heights = page.locator(".diary .btn").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44
    assert serious_axe_violations(page) == []
    screenshot(page, "diary-day-tablet")

    page.get_by_role("link", name="Show the week").click()
    page.wait_for_url("**/caseload/diary/week/**")
    page.set_viewport_size({"width": 1366, "height": 900})
    assert page.get_by_text("Clinic closed").first.is_visible()
    assert serious_axe_violations(page) == []
    screenshot(page, "diary-week-desktop")

    page.get_by_role("link", name="Today").click()
    page.wait_for_url("**/caseload/diary/")
    page.set_viewport_size(TABLET)
    page.get_by_role("link", name="Move Session 1 with Dev Egan").click()
    page.wait_for_url("**/rebook/**")
    assert serious_axe_violations(page) == []
    screenshot(page, "diary-rebook")
    slot = page.locator("input[name=slot]").first
    value = slot.get_attribute("value")
    page.locator(f"label[for='slot-{value}']").click()
    page.get_by_role("button", name="Move Session 1").click()
    page.wait_for_url("**/caseload/diary/day/**")
    assert page.get_by_text("Session 1 with Dev Egan is now on").is_visible()
    screenshot(page, "diary-after-move")

    moved = CoachingSession.objects.get(pk=sessions["Dev Egan"].pk)
    assert moved.scheduled_at.astimezone(SYDNEY).strftime("%Y-%m-%dT%H:%M") == value
    assert moved.status == SessionStatus.PLANNED


def test_a_patient_makes_a_calendar_link_on_their_phone(new_page):
    clinic = ClinicFactory(name="Harbour Physio", time_zone="Australia/Sydney")
    patient = PatientFactory(
        clinic=clinic, user__email="pat@harbour.test", user__full_name="Pat Walker"
    )
    page = new_page(phone=True)
    log_in(page, patient.user.email, PASSWORD)
    page.goto("/me/calendar/")
    page.get_by_role("button", name="Make a calendar link").click()
    page.wait_for_load_state()
    link = page.get_by_label("Calendar link").input_value()
    assert "/feeds/" in link and link.endswith(".ics")
    assert serious_axe_violations(page) == []
    screenshot(page, "diary-patient-calendar-link")
    page.goto("/me/calendar/")
    assert link not in page.content()  # shown once
    assert page.get_by_role("button", name="Make a new link (the old one stops)").is_visible()
