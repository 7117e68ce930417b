"""Messages are part of the patient's own data (the download) and go when the account is
closed (docs/security.md#data-rights, docs/messages.md)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from coaching.messaging.models import MessageThread, ThreadMessage, ThreadReadMarker
from coaching.messaging.services import message_send
from coaching.models import Reminder, ReminderKind
from coaching.services.closing import closing_decide, closing_request
from patients.models import ClosingOutcome
from tests.factories import UserFactory
from tests.security.test_erasure import (
    EMAIL,
    NAME,
    PHONE_LOCAL,
    _a_full_record,
    _identifying_values,
    hits_everywhere,
)
from walkback.accounts.models import Role

pytestmark = pytest.mark.django_db


def test_the_download_holds_both_sides_of_the_thread_with_names_not_ids(world, client_for):
    patient = world.patient_a
    message_send(patient=patient, by=patient.user, body="=1+1 my knee, is that normal?")
    message_send(patient=patient, by=world.physio_a, body="Yes: rest a day, then walk.")
    me = client_for(patient.user)
    data = json.loads(me.get(reverse("portal:data-json")).content)
    shown = [(m["author"], m["from_patient"], m["body"]) for m in data["messages"]]
    assert shown == [
        ("Paula Alpha", True, "=1+1 my knee, is that normal?"),
        ("Anna Alpha", False, "Yes: rest a day, then walk."),
    ]
    text = me.get(reverse("portal:data-csv")).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert ["messages", "2", "body", "Yes: rest a day, then walk."] in rows
    # A spreadsheet must not run what a patient typed.
    assert ["messages", "1", "body", "'=1+1 my knee, is that normal?"] in rows
    # Nobody else's thread is in it.
    message_send(patient=world.patient_a2, by=world.patient_a2.user, body="Peter's own")
    again = me.get(reverse("portal:data-json")).content.decode()
    assert "Peter's own" not in again


@pytest.mark.parametrize("outcome", [ClosingOutcome.PSEUDONYMISED, ClosingOutcome.DELETED])
def test_closing_the_account_erases_the_thread_and_its_notices(outcome):
    patient = _a_full_record()
    physio = patient.physiotherapist
    message_send(patient=patient, by=patient.user, body=f"It's {NAME}, call {PHONE_LOCAL}")
    message_send(patient=patient, by=physio, body=f"Will do. I wrote to {EMAIL} too.")
    assert Reminder.objects.filter(
        kind__in=[ReminderKind.MESSAGE_TO_STAFF, ReminderKind.MESSAGE_TO_PATIENT]
    ).exists()
    admin = UserFactory.create(role=Role.CLINIC_ADMIN, clinic=patient.clinic)

    closing_decide(
        closing=closing_request(patient=patient, by=patient.user), outcome=outcome, by=admin
    )

    assert hits_everywhere(_identifying_values(patient)) == []
    assert not MessageThread.objects.exists()
    assert not ThreadMessage.objects.exists()
    assert not ThreadReadMarker.objects.exists()
    # The physiotherapist's notice about the patient went too (it is about them).
    assert not Reminder.objects.filter(
        kind__in=[ReminderKind.MESSAGE_TO_STAFF, ReminderKind.MESSAGE_TO_PATIENT]
    ).exists()
