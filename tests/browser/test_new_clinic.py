"""A new clinic from the command line to its first patient's first walk, in Chromium (issue 11,
"Done when"): ``clinic_create``; the admin accepts the e-mailed invitation, sets a password,
turns on two-step login, fills in the clinic settings (a closed day among them) and invites a
physiotherapist; the physiotherapist enrols a patient and starts the programme (the session on
the closed day moves); the patient accepts and logs a walk. Screenshots of the new pages (the
superuser's and the clinic settings) go to test-artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
import io
import re
import zoneinfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from tests.browser.conftest import log_in, pass_two_step_setup, screen_as_eligible, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")


def _link_in_last_mail_to(address: str) -> str:
    """The path of the invitation link in the newest e-mail to ``address``."""
    message = [m for m in mail.outbox if m.to == [address]][-1]
    url = re.search(r"https?://\S+/accounts/invite/\S+/", message.body)
    assert url, message.body
    return "/" + url.group(0).split("/", 3)[3]


def _accept(page, address: str, password: str) -> None:
    page.goto(_link_in_last_mail_to(address))
    page.get_by_label("New password").fill(password)
    page.get_by_label("Type it again").fill(password)
    page.get_by_role("button", name="Save my password").click()
    page.wait_for_load_state()
    pass_two_step_setup(page)


def _serious_axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]


def _console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def test_a_new_clinic_to_its_first_patients_first_walk(new_page):
    from coaching.models import CoachingSession
    from patients.models import Patient, WalkLog
    from walkback.accounts.models import Clinic, ClosedDay

    out = io.StringIO()
    call_command(
        "clinic_create",
        "--name",
        "Seaside Spine Physio",
        "--time-zone",
        "Australia/Sydney",
        "--admin-email",
        "ada@seaside.test",
        "--admin-name",
        "Ada Admin",
        stdout=out,
    )
    assert "Created clinic" in out.getvalue()
    clinic = Clinic.objects.get(name="Seaside Spine Physio")

    # The admin accepts the invitation: a password, then two-step login, then the dashboard.
    admin = new_page()
    errors = _console_errors(admin)
    _accept(admin, "ada@seaside.test", "seaside admin password 1")
    admin.wait_for_url(re.compile(r"/clinic/$"))

    # Clinic settings: contact, address and a closed day four weeks on (Session 3's day).
    today = timezone.now().astimezone(SYDNEY).date()
    closed = today + dt.timedelta(weeks=4)
    admin.get_by_role("link", name="Clinic settings").click()
    admin.wait_for_url(re.compile(r"/clinic/settings/$"))
    assert admin.get_by_role("link", name="programme settings page").is_visible()
    admin.get_by_label("Contact phone").fill("not a number")
    admin.get_by_role("button", name="Save").click()
    admin.wait_for_load_state()
    assert "valid phone number" in admin.locator(".invalid-feedback").inner_text()
    assert _serious_axe_violations(admin) == []
    admin.get_by_label("Contact phone").fill("02 4000 1234")
    admin.get_by_label("Address").fill("1 Beach Road\nSeaside NSW 2999")
    admin.get_by_label("Closed days").fill(f"{closed:%d/%m/%Y}")
    admin.get_by_role("button", name="Save").click()
    admin.wait_for_load_state()
    assert admin.locator(".alert-success", has_text="Clinic settings saved").is_visible()
    screenshot(admin, "clinic-settings")
    assert _serious_axe_violations(admin) == []
    clinic.refresh_from_db()
    assert clinic.contact_phone.as_e164 == "+61240001234"
    assert list(ClosedDay.objects.filter(clinic=clinic).values_list("day", flat=True)) == [closed]

    # The admin invites a physiotherapist.
    admin.goto("/accounts/staff/")
    admin.get_by_label("Full name").fill("Phil Physio")
    admin.get_by_label("E-mail address").fill("phil@seaside.test")
    admin.get_by_role("button", name="Send invitation").click()
    admin.wait_for_load_state()
    assert admin.locator(".alert-success", has_text="phil@seaside.test").is_visible()
    assert not errors, errors

    # The physiotherapist accepts, enrols a patient, screens and starts the programme.
    physio = new_page()
    _accept(physio, "phil@seaside.test", "seaside physio password 2")
    physio.wait_for_url(re.compile(r"/caseload/$"))
    physio.get_by_role("link", name="Add a patient").first.click()
    physio.get_by_label("Full name").fill("Wanda Walker")
    physio.get_by_label("E-mail address").fill("wanda@example.test")
    physio.get_by_label("Date of birth").fill("1956-04-02")
    physio.get_by_label("Monday").check()
    physio.get_by_role("button", name="Add and send invitation").click()
    physio.wait_for_url(re.compile(r"/patients/\d+/screening/$"))
    patient = Patient.objects.get(user__email="wanda@example.test")
    assert patient.clinic == clinic
    screen_as_eligible(physio, minutes_now=40)
    physio.wait_for_url(re.compile(rf"/patients/{patient.pk}/$"))
    physio.get_by_role("link", name="Start the programme").click()
    physio.get_by_role("button", name="Start and book the sessions").click()
    physio.wait_for_url(re.compile(rf"/patients/{patient.pk}/$"))
    days = [
        session.scheduled_at.astimezone(SYDNEY).date()
        for session in CoachingSession.objects.filter(patient=patient).order_by("number")
    ]
    assert days[0] == today
    # Session 3 would have been on the closed day: it is on the next open day.
    assert days[2] == closed + dt.timedelta(days=1)
    assert closed not in days

    # The patient accepts on their phone, sees the clinic's contact and logs a walk.
    phone = new_page(phone=True)
    _accept(phone, "wanda@example.test", "wanda walks password 3")
    phone.wait_for_url(re.compile(r"/me/$"))
    phone.goto("/me/learn/flare-up/")
    assert phone.get_by_role("link", name="Call (02) 4000 1234").is_visible()
    assert "1 Beach Road" in phone.locator("address").inner_text()
    screenshot(phone, "portal-flare-up-clinic-contact")
    phone.goto("/me/")
    phone.get_by_role("link", name="Log a walk").click()
    phone.get_by_label("Minutes", exact=True).fill("20")
    phone.get_by_label("Back pain right now").select_option("2")
    phone.get_by_role("button", name="Save my walk").click()
    phone.wait_for_load_state()
    walk = WalkLog.objects.get(patient=patient)
    assert walk.minutes == 20
    assert int(phone.locator("#minutes-done").inner_text()) == 20


def test_the_superuser_page(new_page):
    from walkback.accounts.models import User

    User.objects.create_superuser("root@site.test", "site operator password 9", full_name="Sam")
    page = new_page()
    log_in(page, "root@site.test", "site operator password 9")
    page.wait_for_url(re.compile(r"/site/clinics/new/$"))
    page.get_by_label("Clinic name").fill("Valley Physio")
    page.get_by_label("Time zone").select_option("Australia/Perth")
    page.get_by_label("First admin's full name").fill("Val Valley")
    page.get_by_label("First admin's e-mail address").fill("val@valley.test")
    page.get_by_role("button", name="Create the clinic and send the invitation").click()
    page.wait_for_load_state()
    assert page.locator(".alert-success", has_text="Valley Physio is ready").is_visible()
    assert page.get_by_role("cell", name="Australia/Perth").is_visible()
    assert _link_in_last_mail_to("val@valley.test")
    # The same address again is refused next to the field.
    page.get_by_label("Clinic name").fill("Valley Physio Two")
    page.get_by_label("First admin's full name").fill("Val Again")
    page.get_by_label("First admin's e-mail address").fill("val@valley.test")
    page.get_by_role("button", name="Create the clinic and send the invitation").click()
    page.wait_for_load_state()
    assert "already has a WalkBack account" in page.locator(".invalid-feedback").inner_text()
    screenshot(page, "site-clinic-create")
    assert _serious_axe_violations(page) == []
