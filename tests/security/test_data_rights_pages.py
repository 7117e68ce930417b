"""docs/security.md#data-rights, through the pages: phone numbers, rectification (name, phone,
a re-verified e-mail), the accounting of access (the patient's "Who has seen my record" and
the admin's audit trail with its CSV), and closing an account (the patient asks, the admin
decides, the retention period)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from coaching.services.closing import ALREADY_ASKED, ALREADY_CLOSED
from patients.models import AccountClosing, ClosingState, Patient, RetentionPolicy
from tests.factories import AuditEventFactory, EmailChangeFactory
from walkback.accounts.forms import PHONE_INVALID
from walkback.accounts.models import EmailChange, User
from walkback.accounts.names import name_sort_key
from walkback.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


# --- Phone numbers ------------------------------------------------------------------------


def test_enrolment_stores_the_phone_in_e164(world, client_for):
    client_for(world.physio_a).post(
        reverse("patients:invite"),
        {
            "full_name": "Phoebe Phone",
            "email": "phoebe@example.test",
            "phone": "0412 345 678",
            "time_zone": "Australia/Sydney",
        },
    )
    user = User.objects.get(email="phoebe@example.test")
    assert str(user.phone) == "+61412345678"


def test_a_phone_that_is_not_a_number_gets_a_message_and_nothing_is_saved(world, client_for):
    before = User.objects.count()
    response = client_for(world.physio_a).post(
        reverse("patients:invite"),
        {
            "full_name": "Phoebe Phone",
            "email": "phoebe@example.test",
            "phone": "call me maybe",
            "time_zone": "Australia/Sydney",
        },
    )
    assert response.status_code == 200
    assert PHONE_INVALID in _text(response)
    assert User.objects.count() == before


def test_staff_invite_and_the_physio_edit_take_a_phone(world, client_for):
    client_for(world.admin_a).post(
        reverse("staff:list"),
        {
            "full_name": "Sam Staff",
            "email": "sam@example.test",
            "phone": "+44 20 7946 0958",
            "role": "physio",
        },
    )
    assert str(User.objects.get(email="sam@example.test").phone) == "+442079460958"
    patient = world.patient_a
    client_for(world.physio_a).post(
        reverse("patients:edit", args=[patient.pk]),
        {
            "full_name": patient.full_name,
            "phone": "(02) 9876 5432",
            "time_zone": patient.time_zone,
            "status": patient.status,
            "physiotherapist": world.physio_a.pk,
        },
    )
    patient.user.refresh_from_db()
    assert str(patient.user.phone) == "+61298765432"


def test_staff_change_their_own_phone(world, client_for):
    client = client_for(world.physio_a)
    refused = client.post(reverse("accounts:phone"), {"phone": "12345678901234567890"})
    assert PHONE_INVALID in _text(refused)
    client.post(reverse("accounts:phone"), {"phone": "0412 345 678"})
    assert str(User.objects.get(pk=world.physio_a.pk).phone) == "+61412345678"
    assert AuditEvent.objects.filter(detail__event="phone_changed").count() == 1
    client.post(reverse("accounts:phone"), {"phone": ""})
    assert str(User.objects.get(pk=world.physio_a.pk).phone) == ""


def test_the_database_refuses_a_phone_not_in_e164(world):
    from django.db import connection

    # Past the model field, which would turn the text into E.164 itself.
    for raw in ("0412 345 678", "+61 412", "+0412345678"):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE accounts_user SET phone = %s WHERE id = %s", [raw, world.physio_a.pk]
            )


# --- Rectification --------------------------------------------------------------------------


def test_a_patient_corrects_their_name_and_phone(world, client_for):
    client = client_for(world.patient_a.user)
    response = client.post(
        reverse("portal:details"),
        {"form": "details", "full_name": "Paula Alpha-Smith", "phone": "0491 570 156"},
    )
    assert response.status_code == 302
    user = User.objects.get(pk=world.patient_a.user_id)
    assert user.full_name == "Paula Alpha-Smith" and str(user.phone) == "+61491570156"
    row = AuditEvent.objects.get(action=AuditAction.UPDATE, patient=world.patient_a)
    assert row.detail["fields"] == ["full_name", "phone"]
    # The caseload sorts (by family name) and searches by the corrected name.
    row = world.patient_a.caseload_row.__class__.objects.get(patient=world.patient_a)
    assert row.sort_name == name_sort_key("Paula Alpha-Smith")
    assert row.search_name == "paula alpha-smith"


def test_bad_details_get_messages_and_nothing_changes(world, client_for):
    client = client_for(world.patient_a.user)
    response = client.post(
        reverse("portal:details"), {"form": "details", "full_name": "  ", "phone": "12"}
    )
    assert response.status_code == 200
    assert PHONE_INVALID in _text(response)
    assert User.objects.get(pk=world.patient_a.user_id).full_name == "Paula Alpha"


def test_a_new_email_changes_only_when_the_link_is_followed(
    world, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.patient_a.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:details"), {"form": "email", "email": "Paula.New@Example.test"})
    assert User.objects.get(pk=world.patient_a.user_id).email == "patient.a@example.test"
    (message,) = mail.outbox
    assert message.to == ["paula.new@example.test"]
    link = re.search(r"https?://\S+/accounts/email/confirm/\S+/", message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    # Another person logged in cannot use it.
    other = client_for(world.patient_a2.user)
    assert other.post("/" + path).status_code == 410
    assert client.get("/" + path).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/" + path)
    assert response.status_code == 302
    assert User.objects.get(pk=world.patient_a.user_id).email == "paula.new@example.test"
    # The old address is told; the pending row is gone; the link does not work twice.
    assert mail.outbox[-1].to == ["patient.a@example.test"]
    assert not EmailChange.objects.exists()
    assert client.post("/" + path).status_code == 410


def test_an_address_that_is_someones_account_changes_nothing_and_reveals_nothing(
    world, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.patient_a.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:details"), {"form": "email", "email": "patient.b@example.test"}
        )
    assert response.status_code == 302  # the same answer as for a free address
    assert not EmailChange.objects.exists()
    (message,) = mail.outbox
    assert message.to == ["patient.b@example.test"]
    assert "already belongs to a WalkBack account" in message.body
    assert "/accounts/email/confirm/" not in message.body


def test_an_expired_email_link_does_nothing(world, client_for):
    change = EmailChangeFactory(
        user=world.patient_a.user,
        token="old-link",
        expires_at=timezone.now() - dt.timedelta(minutes=1),
    )
    client = client_for(world.patient_a.user)
    url = reverse("accounts:email-confirm", args=["old-link"])
    assert client.post(url).status_code == 410
    assert User.objects.get(pk=world.patient_a.user_id).email != change.new_email


# --- Accounting of access ----------------------------------------------------------------


def test_who_has_seen_my_record_lists_staff_reads_of_mine_only(world, client_for):
    client_for(world.physio_a).get(reverse("patients:detail", args=[world.patient_a.pk]))
    client_for(world.physio_a2).get(reverse("patients:detail", args=[world.patient_a2.pk]))
    page = _text(client_for(world.patient_a.user).get(reverse("portal:seen")))
    assert "Anna Alpha" in page and "Opened your record" in page
    assert "Abe Alpha" not in page  # a read of another patient's record
    # Their own visits are not listed as someone else's.
    assert "Paula Alpha" not in page.split("<h1>", 1)[1]


def test_who_has_seen_my_record_pages(world, client_for):
    for _ in range(30):
        AuditEventFactory(
            actor=world.physio_a, patient=world.patient_a, detail={"view": "patient-detail"}
        )
    client = client_for(world.patient_a.user)
    first = _text(client.get(reverse("portal:seen")))
    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in _text(client.get(reverse("portal:seen") + "?page=99"))


def test_the_admin_filters_the_audit_trail(world, client_for):
    for _ in range(3):
        AuditEventFactory(actor=world.physio_a, patient=world.patient_a, clinic=world.clinic_a)
    AuditEventFactory(actor=world.physio_a2, patient=world.patient_a2, clinic=world.clinic_a)
    AuditEventFactory(
        actor=world.physio_a2,
        patient=world.patient_a2,
        clinic=world.clinic_a,
        action=AuditAction.UPDATE,
    )
    AuditEventFactory(actor=world.physio_b, patient=world.patient_b, clinic=world.clinic_b)
    client = client_for(world.admin_a)
    url = reverse("clinic:audit")

    def rows(**query) -> int:
        # The physiotherapists' rows (the admin's own looks at this page are rows too).
        return _text(client.get(url, query)).count("(Physiotherapist)")

    assert rows() == 5
    assert rows(patient=world.patient_a.pk) == 3
    assert rows(person=world.physio_a2.pk) == 2
    assert rows(person=world.physio_a2.pk, action="update") == 1
    today = timezone.now().date()
    assert rows(date_from=(today - dt.timedelta(days=2)).isoformat()) == 5
    assert rows(date_to=(today - dt.timedelta(days=2)).isoformat()) == 0
    page = _text(client.get(url))
    assert "Zebracorn" not in page  # another clinic's rows never show
    # Another clinic's patient or person is not a choice: a message, no rows.
    refused = _text(client.get(url, {"patient": world.patient_b.pk}))
    assert "Pick a patient of your clinic from the list." in refused
    backwards = _text(client.get(url, {"date_from": today.isoformat(), "date_to": "2020-01-01"}))
    assert "The end date is before the start date." in backwards


def test_the_audit_trail_pages_are_bounded(world, client_for):
    for _ in range(60):
        AuditEventFactory(actor=world.physio_a, patient=world.patient_a, clinic=world.clinic_a)
    client = client_for(world.admin_a)
    page = _text(client.get(reverse("clinic:audit")))
    assert page.count("<tr>") - 1 == 50 and "Page 1 of 2" in page
    # A page number out of range, or not a number, shows a real page.
    assert "Page 2 of 2" in _text(client.get(reverse("clinic:audit"), {"page": "999"}))
    assert "Page 1 of 2" in _text(client.get(reverse("clinic:audit"), {"page": "x"}))


def test_the_audit_trail_exports_as_csv_and_the_export_is_audited(world, client_for):
    AuditEventFactory(actor=world.physio_a, patient=world.patient_a, clinic=world.clinic_a)
    AuditEventFactory(actor=world.physio_a2, patient=world.patient_a2, clinic=world.clinic_a)
    AuditEventFactory(actor=world.physio_b, patient=world.patient_b, clinic=world.clinic_b)
    response = client_for(world.admin_a).get(
        reverse("clinic:audit-csv"), {"patient": world.patient_a.pk}
    )
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff")
    lines = body.strip().splitlines()
    assert len(lines) == 2  # the header and the one row of patient_a
    assert "Anna Alpha" in lines[1] and "Paula Alpha" in lines[1]
    assert "Zebracorn" not in body
    export = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert export.detail["patient"] == world.patient_a.pk
    assert "Paula" not in str(export.detail)


# --- Closing an account ---------------------------------------------------------------------


def test_a_patient_asks_and_asking_again_gets_a_clear_message(world, client_for):
    client = client_for(world.patient_a.user)
    refused = client.post(reverse("portal:close"), {})
    assert "Tick the box to say you understand" in _text(refused)
    assert not AccountClosing.objects.exists()
    assert client.post(reverse("portal:close"), {"understood": "on"}).status_code == 302
    assert AccountClosing.objects.get().state == ClosingState.REQUESTED
    again = client.post(reverse("portal:close"), {"understood": "on"}, follow=True)
    assert ALREADY_ASKED in _text(again)
    # Changed their mind: withdrawn, and the account works as before.
    client.post(reverse("portal:close-withdraw"))
    assert AccountClosing.objects.get().state == ClosingState.WITHDRAWN
    assert client.get(reverse("portal:home")).status_code == 200


def test_the_admin_decides_and_a_second_decision_gets_a_clear_message(
    world, client_for, django_capture_on_commit_callbacks
):
    client_for(world.patient_a.user).post(reverse("portal:close"), {"understood": "on"})
    closing = AccountClosing.objects.get()
    admin = client_for(world.admin_a)
    page = _text(admin.get(reverse("clinic:closings")))
    assert "Paula Alpha" in page
    url = reverse("clinic:closing-decide", args=[closing.pk])
    unconfirmed = admin.post(url, {"outcome": "pseudonymised"})
    assert "closing cannot be undone" in _text(unconfirmed)
    assert User.objects.get(pk=world.patient_a.user_id).full_name == "Paula Alpha"
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(url, {"outcome": "pseudonymised", "understood": "on"})
    closing.refresh_from_db()
    assert closing.state == ClosingState.CLOSED and closing.decided_by == world.admin_a
    assert User.objects.get(pk=world.patient_a.user_id).full_name == ""
    # The farewell went to the old address, the only place it still was.
    assert mail.outbox[-1].to == ["patient.a@example.test"]
    second = admin.post(url, {"outcome": "deleted", "understood": "on"}, follow=True)
    assert ALREADY_CLOSED in _text(second)
    # Another clinic's admin: not found.
    assert client_for(world.admin_b).post(url, {"outcome": "deleted"}).status_code == 404


def test_the_retention_period_is_bounded_in_the_form_and_the_database(world, client_for):
    admin = client_for(world.admin_a)
    for years in ("0", "26", "seven"):
        response = admin.post(reverse("clinic:retention"), {"years": years, "outcome": "deleted"})
        assert "number of years" in _text(response)
    assert not RetentionPolicy.objects.exists()
    admin.post(reverse("clinic:retention"), {"years": "10", "outcome": "deleted"})
    policy = RetentionPolicy.objects.get(clinic=world.clinic_a)
    assert (policy.years, policy.outcome) == (10, "deleted")
    with pytest.raises(IntegrityError), transaction.atomic():
        RetentionPolicy.objects.filter(pk=policy.pk).update(years=0)


def test_discharge_starts_the_retention_clock(world):
    from patients.services.enrolment import patient_update

    patient_update(patient=world.patient_a, by=world.physio_a, status="discharged")
    discharged_at = Patient.objects.get(pk=world.patient_a.pk).discharged_at
    assert discharged_at is not None
    assert timezone.now() - discharged_at < dt.timedelta(minutes=1)
