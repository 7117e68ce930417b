"""Secure messages in Chromium (docs/messages.md): a patient on a phone writes to the clinic
without JavaScript, the physiotherapist sees the caseload's "Unread message" flag, reads it
and replies, and the patient reads the reply. axe-core checks both thread pages.
Screenshots: test-artifacts/screenshots/messages-*.png."""

from __future__ import annotations

import pytest

from coaching.messaging.models import ThreadMessage
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.browser.test_portal import no_sideways_scroll
from tests.factories import PASSWORD, ClinicFactory, PatientFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "My left calf felt tight after yesterday's walk.\nShould I keep the same pace?"
REPLY = "Keep the pace, and stretch your calf before and after. Tell me on Friday how it went."


@pytest.fixture
def people():
    clinic = ClinicFactory(
        name="Harbour Physio", time_zone="Australia/Sydney", contact_phone="+61298765432"
    )
    physio = UserFactory(email="priya@example.test", full_name="Priya Physio", clinic=clinic)
    patient = PatientFactory(
        clinic=clinic,
        physiotherapist=physio,
        user__email="pat@example.test",
        user__full_name="Pat Walker",
    )
    return patient, physio


def _serious(axe, page) -> list:
    return [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in axe.run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_a_patient_writes_without_javascript_and_the_physiotherapist_reads_and_replies(
    chromium, live_server, new_page, people
):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    patient, physio = people
    # The patient, on a phone, with JavaScript off: a plain form post.
    context = chromium.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, java_script_enabled=False
    )
    try:
        phone = context.new_page()
        log_in(phone, "pat@example.test", PASSWORD)
        phone.get_by_role("link", name="Messages with your clinic").click()
        phone.wait_for_load_state()
        assert phone.get_by_text("If this is an emergency, call 000.").is_visible()
        assert phone.locator('a[href="tel:+61298765432"]').is_visible()
        # Empty first: the message is next to the box, nothing saved.
        phone.get_by_role("button", name="Send message").click()
        phone.wait_for_load_state()
        assert "this box is empty" in phone.locator("#id_body_error").inner_text()
        assert ThreadMessage.objects.count() == 0
        screenshot(phone, "messages-patient-empty-error")
        phone.get_by_label("Your message").fill(QUESTION)
        phone.get_by_role("button", name="Send message").click()
        phone.wait_for_load_state()
        assert phone.get_by_text("Message sent.").is_visible()
        assert phone.locator(".message-mine .message-body").last.inner_text() == QUESTION
        assert no_sideways_scroll(phone)

        # The physiotherapist: the flag on the caseload, the thread, a reply.
        desk = new_page()
        log_in(desk, "priya@example.test", PASSWORD)
        desk.goto("/caseload/")
        row = desk.get_by_role("row").filter(has_text="Pat Walker")
        flag = row.get_by_text("Unread message")
        assert flag.is_visible()
        # Readable: a badge's white text on the flag's own background (axe checks contrast).
        assert flag.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(11, 92, 173)"
        assert _serious(axe, desk) == []
        screenshot(desk, "messages-caseload-flag")
        desk.goto(f"/patients/{patient.pk}/")
        desk.get_by_role("link", name="Messages", exact=True).click()
        desk.wait_for_load_state()
        assert desk.locator(".message-new .message-body").inner_text() == QUESTION
        assert _serious(axe, desk) == []
        desk.get_by_label("Your message").fill(REPLY)
        desk.get_by_role("button", name="Send", exact=True).click()
        desk.wait_for_load_state()
        assert desk.get_by_text("Message sent.").is_visible()
        screenshot(desk, "messages-staff-thread")
        desk.goto("/caseload/")
        row = desk.get_by_role("row").filter(has_text="Pat Walker")
        assert row.get_by_text("Unread message").count() == 0

        # The patient reads the reply, marked new, and sees the clinic read theirs.
        phone.goto("/me/messages/")
        assert phone.locator(".message-new .message-body").inner_text() == REPLY
        assert phone.get_by_text("Read by the clinic").is_visible()
        assert no_sideways_scroll(phone)
        screenshot(phone, "messages-patient-phone")
    finally:
        context.close()
    # axe on the patient's page with JavaScript on (axe itself needs it).
    page = new_page(phone=True)
    log_in(page, "pat@example.test", PASSWORD)
    page.goto("/me/messages/")
    assert _serious(axe, page) == []
