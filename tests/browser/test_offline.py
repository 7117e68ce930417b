"""Installable and usable without signal (docs/offline.md), in Chromium on a phone screen:
two walks logged with the network off wait on the phone and reach the server exactly once each
when it comes back; the home page without signal is the last copy, marked with its time;
logging out (with or without signal) leaves nothing in Cache Storage, IndexedDB or
localStorage. Screenshots: test-artifacts/screenshots/offline-*.png."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from playwright.sync_api import expect

from patients.models import WalkLog
from tests.browser.conftest import log_in, screenshot
from tests.factories import (
    PASSWORD,
    ClinicFactory,
    PatientFactory,
    PrescriptionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STORAGE_LEFT = """async () => ({
  caches: await caches.keys(),
  databases: (await indexedDB.databases()).map((db) => db.name),
  local: localStorage.length,
})"""


@pytest.fixture
def patient():
    clinic = ClinicFactory(name="Harbour Physio", time_zone="Australia/Sydney")
    physio = UserFactory(full_name="Priya Physio", clinic=clinic)
    patient = PatientFactory(clinic=clinic, physiotherapist=physio, user__email="pat@example.test")
    patient.programme_start = patient.today() - dt.timedelta(days=20)
    patient.save()
    PrescriptionFactory(
        patient=patient,
        effective_from=patient.programme_start,
        walks_per_week=5,
        minutes_per_walk=30,
        author=physio,
    )
    return patient


def eventually(page, script: str, timeout: float = 30.0):
    """Evaluate ``script`` (it may return a promise) until it is truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(script)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"never true: {script}")
        page.wait_for_timeout(200)


def wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition never became true")
        time.sleep(0.2)


def ready_for_no_signal(page) -> None:
    """Logged in on the home page: the worker controls it and both pages are kept."""
    eventually(page, "navigator.serviceWorker.controller !== null")
    eventually(
        page,
        """async () => {
          const cache = await caches.open('walkback-pages');
          return !!(await cache.match('/me/')) && !!(await cache.match('/me/walks/new/'));
        }""",
    )


def log_walk(page, minutes: int) -> None:
    page.goto("/me/walks/new/")
    page.get_by_label("Minutes", exact=True).fill(str(minutes))
    page.get_by_role("button", name="Save my walk").click()
    page.wait_for_url("**/me/")


def test_two_walks_logged_without_signal_are_saved_exactly_once_each(new_page, patient):
    page = new_page(phone=True)
    log_in(page, "pat@example.test", PASSWORD)
    ready_for_no_signal(page)
    before = WalkLog.objects.filter(patient=patient).count()

    page.context.set_offline(True)
    log_walk(page, 20)
    # The count is filled in by the page's script after it loads: wait for it.
    page.get_by_text("1 walk waiting to be sent").wait_for()
    log_walk(page, 25)
    waiting = page.get_by_text("2 walks waiting to be sent")
    waiting.wait_for()
    # The form came from the saved copy: the page says so, with the time it was fetched.
    expect(page.get_by_text("No signal: this is your page as it was at")).to_be_visible()
    screenshot(page, "offline-walks-waiting")
    assert WalkLog.objects.filter(patient=patient).count() == before

    page.context.set_offline(False)
    # Every way of asking to send at once (the online event, a page opening, Background
    # Sync): one sending runs, and the tokens would stop a second anyway.
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    waiting.wait_for(state="hidden")
    page.reload()
    wait_until(lambda: WalkLog.objects.filter(patient=patient).count() >= before + 2)
    time.sleep(1)  # anything doubled would land by now
    walks = WalkLog.objects.filter(patient=patient).order_by("pk")
    assert walks.count() == before + 2
    assert sorted(walk.minutes for walk in walks[before:]) == [20, 25]
    assert len({walk.submission_token for walk in walks[before:]}) == 2
    assert not page.get_by_text("waiting to be sent").is_visible()


def test_home_without_signal_shows_the_last_figures_and_their_time(new_page, patient):
    page = new_page(phone=True)
    log_in(page, "pat@example.test", PASSWORD)
    ready_for_no_signal(page)
    live_minutes = page.locator("#minutes-done").inner_text()
    assert not page.get_by_text("No signal").is_visible()

    page.context.set_offline(True)
    page.goto("/me/")
    note = page.get_by_text("No signal: this is your page as it was at")
    expect(note).to_be_visible()
    assert page.locator(".saved-copy-note time").get_attribute("datetime")
    assert page.locator("#minutes-done").inner_text() == live_minutes
    screenshot(page, "offline-home")
    # Staff pages and other patient pages are never kept.
    stored = page.evaluate(
        "async () => (await (await caches.open('walkback-pages')).keys())"
        ".map((request) => new URL(request.url).pathname)"
    )
    assert sorted(stored) == ["/me/", "/me/walks/new/"]


@pytest.mark.parametrize("signal", [True, False], ids=["online", "offline"])
def test_logging_out_leaves_nothing_on_the_phone(new_page, patient, signal):
    page = new_page(phone=True)
    log_in(page, "pat@example.test", PASSWORD)
    ready_for_no_signal(page)
    page.evaluate("localStorage.setItem('left-behind', 'x')")
    # A walk waiting in IndexedDB too.
    page.context.set_offline(True)
    log_walk(page, 20)
    page.get_by_text("1 walk waiting to be sent").wait_for()
    left = page.evaluate(STORAGE_LEFT)
    assert left["caches"] and left["databases"] == ["walkback"] and left["local"] == 1

    page.context.set_offline(not signal)
    if signal:
        # The server's Clear-Site-Data is taken by Chromium's network layer and never shown
        # to the page (tests/coaching/test_pwa_files.py checks the server sends it).
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url("**/accounts/login/**")
    else:
        page.get_by_role("button", name="Log out").click()
        page.get_by_role("heading", name="Logged out on this phone").wait_for()
    left = eventually(
        page,
        f"({STORAGE_LEFT})().then((left) => "
        "!left.caches.length && !left.databases.length && !left.local && left)",
    )
    assert left == {"caches": [], "databases": [], "local": 0}


def test_a_walk_the_server_questions_is_shown_not_saved_and_not_sent_again(new_page, patient):
    """A 300-minute walk logged without signal meets the server's "are you sure?" when it is
    sent: nothing is saved, the page says why, and dismissing it empties the phone."""
    page = new_page(phone=True)
    log_in(page, "pat@example.test", PASSWORD)
    ready_for_no_signal(page)
    before = WalkLog.objects.filter(patient=patient).count()
    page.context.set_offline(True)
    log_walk(page, 300)
    page.get_by_text("1 walk waiting to be sent").wait_for()
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    problem = page.get_by_text("300-minute walk", exact=False)
    problem.wait_for()
    assert "was not saved: Are you sure? 300 minutes is a long walk." in problem.inner_text()
    screenshot(page, "offline-walk-not-saved")
    page.reload()
    page.get_by_text("was not saved").wait_for()
    assert WalkLog.objects.filter(patient=patient).count() == before
    page.get_by_role("button", name="I have read this").click()
    page.get_by_text("was not saved").wait_for(state="hidden")
    assert WalkLog.objects.filter(patient=patient).count() == before


def test_a_saved_walk_form_from_yesterday_offers_today(new_page, patient):
    page = new_page(phone=True)
    log_in(page, "pat@example.test", PASSWORD)
    ready_for_no_signal(page)
    page.goto("/me/walks/new/")
    copied_on = page.get_by_label("Date of the walk").input_value()
    page.context.set_offline(True)
    # The phone's clock a day later; the copy still says the day it was made.
    tomorrow = dt.datetime.fromisoformat(copied_on) + dt.timedelta(days=1, hours=12)
    page.clock.set_fixed_time(tomorrow)
    page.goto("/me/walks/new/")
    page.get_by_text("No signal: this is your page as it was at").wait_for()
    date_field = page.get_by_label("Date of the walk")
    assert date_field.input_value() == (tomorrow.date()).isoformat()
    assert date_field.get_attribute("max") == tomorrow.date().isoformat()


def test_a_walk_saved_whose_answer_was_lost_is_not_saved_twice(new_page, patient):
    """The worst case of weak signal: the server saves the walk but the answer never reaches
    the phone. The phone keeps the walk under the form's own token, so sending it again
    (here at once: the signal is back when the home page opens) returns the walk already
    saved instead of saving a second one."""
    page = new_page(phone=True)
    log_in(page, "pat@example.test", PASSWORD)
    ready_for_no_signal(page)
    before = WalkLog.objects.filter(patient=patient).count()
    page.goto("/me/walks/new/")
    page.get_by_label("Minutes", exact=True).fill("22")
    posts = []

    def reach_server_then_lose_the_first_answer(route):
        if route.request.method != "POST":
            route.continue_()
            return
        posts.append(route.request.post_data)
        if len(posts) == 1:
            route.fetch(max_redirects=0)  # the server saves the walk...
            route.abort("internetdisconnected")  # ...and the phone never hears
        else:
            route.continue_()

    page.context.route("**/me/walks/new/", reach_server_then_lose_the_first_answer)
    page.get_by_role("button", name="Save my walk").click()
    page.wait_for_url("**/me/")
    for _ in range(75):  # kept, then sent again by the worker (route handlers run while
        if len(posts) >= 2:  # Playwright waits, not during time.sleep)
            break
        page.wait_for_timeout(200)
    assert len(posts) >= 2, posts
    eventually(
        page,
        "async () => (await indexedDB.databases()).every((db) => db.name !== 'walkback')"
        " || !document.querySelector('.walks-waiting-count:not([hidden])')",
    )
    page.wait_for_timeout(1000)
    assert WalkLog.objects.filter(patient=patient).count() == before + 1
    token = WalkLog.objects.filter(patient=patient).latest("pk").submission_token
    assert all(f"submission_token={token}" in post for post in posts)


def test_the_saved_walk_form_carries_no_used_token(new_page, patient):
    page = new_page(phone=True)
    log_in(page, "pat@example.test", PASSWORD)
    ready_for_no_signal(page)
    kept = page.evaluate(
        "async () => (await (await caches.open('walkback-pages')).match('/me/walks/new/')).text()"
    )
    assert 'name="submission_token" value=""' in kept
    page.context.set_offline(True)
    tokens = set()
    for _ in range(2):
        page.goto("/me/walks/new/")
        tokens.add(page.locator('input[name="submission_token"]').input_value())
    assert len(tokens) == 2 and "" not in tokens


def _push(page, payload: dict) -> None:
    """Deliver a push message to the page's worker as the push service would (DevTools)."""
    cdp = page.context.new_cdp_session(page)
    registrations = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    for _ in range(50):
        if registrations:
            break
        page.wait_for_timeout(100)
    origin = page.evaluate("location.origin")
    registration = next(r for r in registrations if r["scopeURL"].startswith(origin))
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": origin,
            "registrationId": registration["registrationId"],
            "data": json.dumps(payload),
        },
    )


def test_a_push_message_shows_a_notification_for_this_site_only(new_page, patient):
    page = new_page(phone=True)
    page.context.grant_permissions(["notifications"])
    log_in(page, "pat@example.test", PASSWORD)
    ready_for_no_signal(page)
    _push(
        page, {"title": "Time for a walk", "body": "A short one counts.", "url": "/me/walks/new/"}
    )
    _push(page, {"title": "Elsewhere", "body": "x", "url": "https://evil.example/"})
    shown = eventually(
        page,
        """async () => {
          const reg = await navigator.serviceWorker.ready;
          const found = await reg.getNotifications();
          return found.length >= 2
            && found.map((n) => ({ title: n.title, body: n.body, url: n.data.url }));
        }""",
    )
    origin = page.evaluate("location.origin")
    assert {
        "title": "Time for a walk",
        "body": "A short one counts.",
        "url": f"{origin}/me/walks/new/",
    } in shown
    # A link to another site becomes the patient's home.
    assert {"title": "Elsewhere", "body": "x", "url": f"{origin}/me/"} in shown
