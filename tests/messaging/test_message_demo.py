"""``make demo``: the demo patient has an unread message from their physiotherapist, and the
physiotherapist an unread one from a patient, flagged on their caseload."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from coaching.messaging.models import ThreadMessage, ThreadReadMarker
from coaching.models import CaseloadRow
from tests.conftest import login_as
from walkback.accounts.models import User
from walkback.demo.seed.messages import REPLY, UNREAD_FOR_PHYSIO

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_unread_message_each_way(client):
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)  # again: no second conversation
    patient_user = User.objects.get(email="patient@demo.test")
    physio = User.objects.get(email="physio@demo.test")
    reply = ThreadMessage.objects.get(body=REPLY)
    assert reply.author == physio
    assert ThreadReadMarker.objects.get(reader=patient_user).read_through < reply.pk
    question = ThreadMessage.objects.get(body=UNREAD_FOR_PHYSIO)
    flagged = CaseloadRow.objects.get(patient_id=question.thread_id)
    assert "unread_message" in [code for code, _ in flagged.flags]
    assert flagged.physiotherapist == physio
    assert ThreadMessage.objects.count() == 3

    page = login_as(client, patient_user).get(reverse("portal:messages")).content.decode()
    assert "the firm sand near the water" in page and "New</span>" in page
