"""The clinic admin's clinic settings (issue 11): name, time zone, contact phone (E.164),
address and closed days; audited; bad input refused next to the field with nothing saved;
the contact shown to patients and in e-mails."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import login_as
from walkback.accounts.models import Clinic, ClosedDay
from walkback.accounts.services import invitation_create
from walkback.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

URL = reverse("clinic:settings")


def _form(**changes) -> dict:
    data = {
        "name": "Alpha Physio & Pilates",
        "time_zone": "Australia/Brisbane",
        "contact_phone": "(02) 9876 5432",
        "address": "12 Harbour Street\nSydney NSW 2000",
        "closed_days": "25/12/2026\n2026-12-26\n\n01/01/2027\n25/12/2026",
    }
    data.update(changes)
    return data


def _snapshot(clinic: Clinic) -> tuple:
    clinic.refresh_from_db()
    days = list(ClosedDay.objects.filter(clinic=clinic).values_list("day", flat=True))
    return (clinic.name, clinic.time_zone, str(clinic.contact_phone), clinic.address, days)


def test_the_admin_changes_the_clinic_and_the_change_is_audited(world):
    client = login_as(Client(), world.admin_a)
    page = client.get(URL)
    assert page.status_code == 200
    # The programme's goal, rules and check-in months are on their own page: linked.
    assert reverse("coaching:programme-settings").encode() in page.content
    response = client.post(URL, _form())
    assert response.status_code == 302
    clinic = world.clinic_a
    clinic.refresh_from_db()
    assert clinic.name == "Alpha Physio & Pilates"
    assert clinic.time_zone == "Australia/Brisbane"
    # Stored in E.164, typed the Australian way.
    assert clinic.contact_phone.as_e164 == "+61298765432"
    assert clinic.address == "12 Harbour Street\nSydney NSW 2000"
    assert list(ClosedDay.objects.filter(clinic=clinic).values_list("day", flat=True)) == [
        dt.date(2026, 12, 25),
        dt.date(2026, 12, 26),
        dt.date(2027, 1, 1),
    ]
    event = AuditEvent.objects.get(clinic=clinic, action=AuditAction.UPDATE)
    assert event.actor == world.admin_a
    assert set(event.detail["fields"]) == {
        "name",
        "time_zone",
        "contact_phone",
        "address",
        "closed_days",
    }
    # Names of fields, never the values.
    assert "Harbour Street" not in str(event.detail) and "9876" not in str(event.detail)
    # The page shows what was saved, the closed days one a line.
    again = client.get(URL).content.decode()
    assert "25/12/2026\n26/12/2026\n01/01/2027" in again
    # Removing a day removes it; saving unchanged writes no new audit row.
    client.post(URL, _form(closed_days="26/12/2026"))
    assert list(ClosedDay.objects.filter(clinic=clinic).values_list("day", flat=True)) == [
        dt.date(2026, 12, 26)
    ]
    count = AuditEvent.objects.filter(clinic=clinic, action=AuditAction.UPDATE).count()
    client.post(URL, _form(closed_days="26/12/2026"))
    assert AuditEvent.objects.filter(clinic=clinic, action=AuditAction.UPDATE).count() == count


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("contact_phone", "not a number", "valid phone number"),
        ("contact_phone", "12", "valid phone number"),
        ("closed_days", "25/12/2026\n31/02/2027", "Line 2 (“31/02/2027”) is not a date"),
        ("closed_days", "Christmas", "is not a date"),
        ("time_zone", "Mars/Olympus", "Select a valid choice"),
        ("name", "", "This field is required"),
        ("name", "Two\u2028lines", "one line"),
        ("address", "x" * 301, "at most 300 characters"),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_saved(world, field, value, words):
    client = login_as(Client(), world.admin_a)
    before = _snapshot(world.clinic_a)
    response = client.post(URL, _form(**{field: value}))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert words in " ".join(errors[field]), errors
    assert _snapshot(world.clinic_a) == before
    assert not AuditEvent.objects.filter(action=AuditAction.UPDATE).exists()


def test_each_admin_changes_only_their_own_clinic(world):
    a_before = _snapshot(world.clinic_a)
    client = login_as(Client(), world.admin_b)
    page = client.get(URL).content.decode()
    assert "Zebracorn Secret Clinic" in page and "Alpha Physio" not in page
    client.post(URL, _form(name="Zebracorn Renamed", time_zone="Europe/London"))
    assert _snapshot(world.clinic_a) == a_before
    world.clinic_b.refresh_from_db()
    assert world.clinic_b.name == "Zebracorn Renamed"


def test_physiotherapists_and_patients_cannot_change_clinic_settings(world):
    before = _snapshot(world.clinic_a)
    for user in (world.physio_a, world.patient_a.user):
        client = login_as(Client(), user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, _form()).status_code == 403
    assert _snapshot(world.clinic_a) == before


def test_the_service_refuses_another_clinics_admin(world):
    from django.core.exceptions import ValidationError

    from walkback.accounts.services import clinic_settings_update

    with pytest.raises(ValidationError, match="Only this clinic's admins"):
        clinic_settings_update(
            clinic=world.clinic_a,
            by=world.admin_b,
            name="Taken over",
            time_zone="UTC",
            contact_phone="",
            address="",
            closed_days=[],
        )
    world.clinic_a.refresh_from_db()
    assert world.clinic_a.name == "Alpha Physio"


def _set_contact(clinic: Clinic) -> None:
    clinic.contact_phone = "+61298765432"
    clinic.address = "12 Harbour Street\nSydney NSW 2000"
    clinic.save()


@pytest.mark.parametrize("page", ["portal:flare-up", "portal:problem"])
def test_patients_see_how_to_reach_the_clinic(world, page):
    client = login_as(Client(), world.patient_a.user)
    assert "tel:" not in client.get(reverse(page)).content.decode()
    _set_contact(world.clinic_a)
    body = client.get(reverse(page)).content.decode()
    assert 'href="tel:+61298765432"' in body
    assert "Call (02) 9876 5432" in body
    assert "12 Harbour Street<br>Sydney NSW 2000" in body


def test_the_invitation_e_mail_ends_with_the_clinics_contact(
    world, django_capture_on_commit_callbacks
):
    _set_contact(world.clinic_a)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(user=world.physio_a2, by=world.admin_a)
    (message,) = mail.outbox
    assert message.body.rstrip().endswith(
        "Alpha Physio\nPhone: (02) 9876 5432\n12 Harbour Street\nSydney NSW 2000"
    )


FIELDS = ["name", "time_zone", "contact_phone", "address", "closed_days"]
VALUE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["", "UTC", "Australia/Perth", "EST", "+61 2 9876 5432", "0412 345 678", "12",
         "25/12/2026", "2026-02-30", "31/02/2026\n01/01/2027", "x" * 5000, "Two\u2028lines"]
    ),
)  # fmt: skip


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.dictionaries(st.sampled_from(FIELDS), VALUE))
def test_generated_input_never_errors_and_never_half_saves(world, data):
    """docs/security.md#input: either the form says what is wrong and nothing changes, or the
    whole change is saved with its audit row."""
    client = login_as(Client(), world.admin_a)
    before = _snapshot(world.clinic_a)
    audits = AuditEvent.objects.filter(action=AuditAction.UPDATE).count()
    response = client.post(URL, data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        # An empty post shows the form again, as a first visit does.
        assert response.context["form"].errors or not data
        assert _snapshot(world.clinic_a) == before
        assert AuditEvent.objects.filter(action=AuditAction.UPDATE).count() == audits
    elif _snapshot(world.clinic_a) != before:
        assert AuditEvent.objects.filter(action=AuditAction.UPDATE).count() == audits + 1
