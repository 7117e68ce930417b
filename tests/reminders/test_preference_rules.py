"""One reminder-preference rule, two pages: the portal's (logged in) and the signed link in
every reminder. The same input gets the same answer, next to the same field, on both."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from coaching.reminders.links import preferences_token
from coaching.reminders.services import reminders_stop
from patients.models import Patient
from tests.conftest import login_as
from tests.reminders.helpers import at

NOW = at("Australia/Sydney", 2025, 6, 4, 12, 0)
TODAY = dt.date(2025, 6, 4)
PAGES = ["portal", "link"]


@pytest.fixture
def patient(world):
    with time_machine.travel(NOW, tick=False):
        yield world.patient_a


def page(patient, which: str) -> tuple[Client, str]:
    client = Client()
    if which == "portal":
        login_as(client, patient.user)
        return client, reverse("portal:reminders")
    return client, reverse("reminders:preferences", args=[preferences_token(patient)])


def day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


# The portal's page also asks how (its e-mail box ticked, as a patient's page shows it); the
# signed-link page does not offer channels and ignores the field.
ON = {"reminders_by_email": "on", "reminder_channels": ["email"]}
REFUSED = [
    ({"reminder_days": ["1"]}, "reminder_time", "Pick the time you would like the walk reminder."),
    ({"reminder_days": ["9"]}, "reminder_days", "Pick days from Monday to Sunday."),
    ({"reminder_time": "25:99"}, "reminder_time", "Please give a time, for example 07:30."),
    ({"reminders_paused_until": day(-1)}, "reminders_paused_until", "Pick a day after today"),
    ({"reminders_paused_until": day(0)}, "reminders_paused_until", "Pick a day after today"),
    ({"reminders_paused_until": day(366)}, "reminders_paused_until", "up to a year"),
    ({"reminders_paused_until": "31/02/2025"}, "reminders_paused_until", "Please give a real"),
]
ACCEPTED = [
    ({"reminder_days": ["0", "3"], "reminder_time": "07:30"}, {"reminder_days": [0, 3]}),
    ({"reminders_paused_until": day(1)}, {"reminders_paused_until": TODAY + dt.timedelta(1)}),
    ({"reminders_paused_until": day(365)}, {"reminders_paused_until": TODAY + dt.timedelta(365)}),
    ({"reminder_time": "18:00"}, {"reminder_time": dt.time(18, 0), "reminder_days": []}),
]


@pytest.mark.parametrize("which", PAGES)
@pytest.mark.parametrize(("data", "field", "message"), REFUSED)
def test_both_pages_refuse_the_same_input_with_the_same_words(patient, which, data, field, message):
    before = Patient.objects.values().get(pk=patient.pk)
    client, url = page(patient, which)
    response = client.post(url, ON | data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert message in response.content.decode()
    assert Patient.objects.values().get(pk=patient.pk) == before


@pytest.mark.parametrize("which", PAGES)
@pytest.mark.parametrize(("data", "saved"), ACCEPTED)
def test_both_pages_accept_the_same_input(patient, which, data, saved):
    client, url = page(patient, which)
    response = client.post(url, ON | data)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert {name: getattr(patient, name) for name in saved} == saved


def test_both_pages_explain_the_fields_alike(patient):
    bodies = [page(patient, which) for which in PAGES]
    bodies = [client.get(url).content.decode() for client, url in bodies]
    for text in ("Needed if you picked days.", "at most a year", f'min="{day(1)}"'):
        assert all(text in body for body in bodies), text
    assert all("8:00" not in body for body in bodies)


def test_an_expired_pause_does_not_block_other_changes_or_stopping(patient):
    Patient.objects.filter(pk=patient.pk).update(
        reminders_paused_until=TODAY - dt.timedelta(days=3)
    )
    client, url = page(patient, "portal")
    response = client.post(url, ON | {"reminder_time": "18:00", "reminders_paused_until": day(-3)})
    assert response.status_code == 302
    patient.refresh_from_db()
    assert reminders_stop(patient=patient, by=None) == ["reminders_by_email"]
