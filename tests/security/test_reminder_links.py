"""Issue 12: reminder links were written in full to access logs and never expired. They now
work for REMINDER_LINK_DAYS (60) and the patient can stop every link already sent; each page
behind a link, and the patient's own reminder page, writes an audit row."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from coaching.reminders.links import patient_for_token, preferences_token
from walkback.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def test_a_link_works_for_60_days_and_not_after(world, settings):
    patient = world.patient_a
    token = preferences_token(patient)
    assert patient_for_token(token) == patient
    later = timezone.now() + dt.timedelta(days=settings.REMINDER_LINK_DAYS, hours=1)
    with time_machine.travel(later, tick=False):
        assert patient_for_token(token) is None
        assert patient_for_token(preferences_token(patient)) == patient  # a fresh one works


def test_the_patient_stops_every_link_already_sent(world, client_for, client):
    patient = world.patient_a
    old = preferences_token(patient)
    assert client.get(reverse("reminders:preferences", args=[old])).status_code == 200
    portal = client_for(patient.user)
    assert portal.post(reverse("portal:reminder-links-stop")).status_code == 302
    assert client.get(reverse("reminders:preferences", args=[old])).status_code == 404
    patient.refresh_from_db()
    fresh = preferences_token(patient)
    assert client.get(reverse("reminders:preferences", args=[fresh])).status_code == 200
    assert AuditEvent.objects.filter(detail__event="reminder_links_revoked").count() == 1


def test_link_pages_and_the_portal_reminder_page_are_audited(world, client_for, client):
    patient = world.patient_a
    token = preferences_token(patient)
    client.get(reverse("reminders:preferences", args=[token]))
    client.get(reverse("reminders:stop", args=[token]))
    client_for(patient.user).get(reverse("portal:reminders"))
    views = set(
        AuditEvent.objects.filter(action=AuditAction.READ, patient=patient).values_list(
            "detail__view", flat=True
        )
    )
    assert {"reminder-link-preferences", "reminder-link-stop", "portal-reminders"} <= views
