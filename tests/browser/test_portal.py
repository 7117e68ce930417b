"""The patient portal in Chromium on a 390-pixel phone screen: log in, log a walk from "Log a
walk" and see the week's minutes go up by exactly that much, answer a check-in, download one's
own data; an axe-core check of every patient page; and the walk form without JavaScript.
Screenshots go to test-artifacts/screenshots/portal-*.png."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.utils import timezone

from patients.checkins import add_months
from patients.models import CheckIn, WalkLog
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.factories import (
    PASSWORD,
    ClinicFactory,
    CoachingSessionFactory,
    EducationTopicFactory,
    PatientFactory,
    PrescriptionFactory,
    UserFactory,
    WalkLogFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def patient():
    # With a contact, so the flare-up and problem pages show it to axe (issue 11).
    clinic = ClinicFactory(
        name="Harbour Physio",
        time_zone="Australia/Sydney",
        contact_phone="+61298765432",
        address="12 Harbour Street\nSydney NSW 2000",
    )
    physio = UserFactory(full_name="Priya Physio", clinic=clinic)
    patient = PatientFactory(
        clinic=clinic,
        physiotherapist=physio,
        user__email="pat@example.test",
        user__full_name="Pat Walker",
    )
    today = patient.today()
    # A month in: the first check-in is due today.
    patient.programme_start = add_months(today, -1)
    patient.save()
    PrescriptionFactory(
        patient=patient,
        effective_from=patient.programme_start,
        walks_per_week=5,
        minutes_per_walk=30,
        author=physio,
    )
    for days_ago, minutes, pain in [(1, 25, 2), (3, 30, 1), (8, 20, 3), (10, 30, 2), (15, 35, 1)]:
        WalkLogFactory(
            patient=patient,
            walked_on=today - dt.timedelta(days=days_ago),
            minutes=minutes,
            pain=pain,
        )
    topic = EducationTopicFactory(
        clinic=clinic,
        title="Walking is safe for your back",
        body="Your back is strong.\n\nWalking helps it stay well.",
    )
    CoachingSessionFactory(
        patient=patient,
        number=1,
        status="done",
        topics=[topic],
        scheduled_at=timezone.now() - dt.timedelta(days=30),
    )
    CoachingSessionFactory(
        patient=patient, number=2, scheduled_at=timezone.now() + dt.timedelta(days=2)
    )
    return patient


def minutes_done(page) -> int:
    return int(page.locator("#minutes-done").inner_text())


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_log_a_walk_and_see_the_week_go_up_by_exactly_that(new_page, patient):
    page = new_page(phone=True)
    log_in(page, "pat@example.test", PASSWORD)
    assert page.get_by_role("heading", name="This week", exact=True).is_visible()
    before = minutes_done(page)
    screenshot(page, "portal-home-before")
    page.get_by_role("link", name="Log a walk").click()
    page.get_by_label("Minutes", exact=True).fill("27")
    page.get_by_label("Back pain right now").select_option("2")
    screenshot(page, "portal-log-walk")
    page.get_by_role("button", name="Save my walk").click()
    page.wait_for_load_state()
    assert minutes_done(page) == before + 27
    status = page.get_by_role("status").inner_text()
    assert f"That's {before + 27} of 150 minutes this week." in status
    screenshot(page, "portal-home-after")
    assert no_sideways_scroll(page)
    # A quick choice fills in the minutes (with JavaScript on).
    page.get_by_role("link", name="Log a walk").click()
    page.get_by_text("45 min", exact=True).click()
    assert page.get_by_label("Minutes", exact=True).input_value() == "45"
    page.get_by_role("button", name="Save my walk").dblclick()
    page.wait_for_load_state()
    assert minutes_done(page) == before + 27 + 45
    assert WalkLog.objects.filter(patient=patient, minutes=45).count() == 1


def test_complete_a_check_in(new_page, patient):
    page = new_page(phone=True)
    log_in(page, "pat@example.test", PASSWORD)
    page.get_by_role("link", name="Start my check-in").click()
    page.get_by_role("group", name="Have you had any back pain in the last month?").get_by_label(
        "Yes"
    ).check()
    page.get_by_label("When did it start?").fill(
        (patient.today() - dt.timedelta(days=12)).isoformat()
    )
    page.get_by_role("group", name="Did it last a whole day (24 hours) or longer?").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("group", name="Did it stop you doing your usual activities?").get_by_label(
        "No"
    ).check()
    page.get_by_role("group", name="Did you see anyone about it?").get_by_label("Yes").check()
    page.get_by_label("Who did you see?").select_option("physio")
    page.get_by_label("How many days until you felt recovered?").fill("4")
    page.get_by_label("Average pain during that time").select_option("2")
    page.get_by_label("Worst pain during that time").select_option("4")
    screenshot(page, "portal-check-in")
    page.get_by_role("button", name="Send my check-in").click()
    page.wait_for_load_state()
    assert "Thank you for your check-in" in page.get_by_role("status").inner_text()
    check_in = CheckIn.objects.get(patient=patient, month_number=1)
    assert (check_in.any_pain, check_in.care_type, check_in.worst_pain) == (True, "physio", 4)
    assert check_in.activity_limiting is False  # derived: it did not limit activity
    assert page.get_by_role("link", name="Start my check-in").count() == 0


def test_download_own_data(new_page, patient):
    page = new_page(phone=True)
    log_in(page, "pat@example.test", PASSWORD)
    page.get_by_role("link", name="Me", exact=True).click()
    screenshot(page, "portal-me")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download as JSON (for other apps)").click()
    data = json.loads(info.value.path().read_text(encoding="utf-8"))
    assert data["account"]["email"] == "pat@example.test"
    assert len(data["walks"]) == 5
    with page.expect_download() as info:
        page.get_by_role("link", name="Download as a spreadsheet (CSV)").click()
    assert info.value.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(info.value.path().read_text(encoding="utf-8"))))
    assert sum(1 for row in rows if row[0] == "walks" and row[2] == "minutes") == 5


def test_the_walk_form_works_without_javascript(chromium, live_server, patient):
    context = chromium.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, java_script_enabled=False
    )
    try:
        page = context.new_page()
        log_in(page, "pat@example.test", PASSWORD)
        before = minutes_done(page)
        page.get_by_role("link", name="Log a walk").click()
        page.get_by_text("20 min", exact=True).click()  # a quick choice, no typing
        page.get_by_role("button", name="Save my walk").click()
        page.wait_for_load_state()
        assert minutes_done(page) == before + 20
        # A bad value: the message sits next to the field and nothing is saved.
        count = WalkLog.objects.count()
        page.get_by_role("link", name="Log a walk").click()
        page.get_by_label("Minutes", exact=True).fill("700")
        page.get_by_role("button", name="Save my walk").click()
        page.wait_for_load_state()
        assert page.locator("#id_minutes_error").inner_text() == (
            "Minutes must be a whole number from 1 to 600."
        )
        screenshot(page, "portal-log-walk-error")
        assert WalkLog.objects.count() == count
    finally:
        context.close()


def _pages(patient):
    walk = WalkLog.objects.filter(patient=patient).order_by("-walked_on").first()
    monday = patient.today() - dt.timedelta(days=patient.today().weekday())
    topic = patient.sessions.get(number=1).topics.get()
    return {
        "home": "/me/",
        "log-walk": "/me/walks/new/",
        "change-walk": f"/me/walks/{walk.pk}/",
        "delete-walk": f"/me/walks/{walk.pk}/delete/",
        "history": "/me/history/",
        "history-week": f"/me/history/{monday.isoformat()}/",
        "learn": "/me/learn/",
        "learn-topic": f"/me/learn/topics/{topic.slug}/",
        "flare-up": "/me/learn/flare-up/",
        "check-in": "/me/check-in/",
        "problem": "/me/problem/",
        "me": "/me/data/",
        "reminders": "/me/data/reminders/",
        "account": "/accounts/security/",
    }


def test_every_patient_page_passes_axe_and_fits_the_phone(new_page, patient):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page = new_page(phone=True)
    log_in(page, "pat@example.test", PASSWORD)
    problems = {}
    for name, url in _pages(patient).items():
        page.goto(url)
        screenshot(page, f"portal-page-{name}")
        results = axe.run(page)
        serious = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if serious:
            problems[name] = serious
        if not no_sideways_scroll(page):
            problems.setdefault(name, []).append("scrolls sideways at 390 px")
    # Error states too: a form sent empty shows its messages.
    for name, url, button in [
        ("log-walk-errors", "/me/walks/new/", "Save my walk"),
        ("check-in-errors", "/me/check-in/", "Send my check-in"),
        ("problem-errors", "/me/problem/", "Send to my physiotherapist"),
    ]:
        page.goto(url)
        page.get_by_role("button", name=button).click()
        page.wait_for_load_state()
        screenshot(page, f"portal-page-{name}")
        results = axe.run(page)
        serious = [v["id"] for v in results.response["violations"]
                   if v["impact"] in ("serious", "critical")]  # fmt: skip
        if serious:
            problems[name] = serious
    assert problems == {}, json.dumps(problems, indent=1)
