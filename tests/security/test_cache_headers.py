"""Issue 12, low: no page or file that shows patient data may be kept by a browser or a shared
cache. Before the fix the staff and portal pages, the ``.ics`` files and the signed reminder
page sent no ``Cache-Control`` at all."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coaching.models import CoachingSession
from coaching.reminders.links import preferences_token
from tests.coaching.helpers import started

pytestmark = pytest.mark.django_db


def assert_no_store(response):
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= directives, (response.request, response.get("Cache-Control"))


def test_staff_pages_and_calendar_files_are_never_stored(world, client_for):
    patient = started(world.physio_a, start_on=timezone.localdate())
    session = CoachingSession.objects.filter(patient=patient).first()
    physio = client_for(world.physio_a)
    for url in [
        reverse("coaching:caseload"),
        reverse("patients:detail", args=[patient.pk]),
        reverse("coaching:session-detail", args=[session.pk]),
        reverse("coaching:session-ics", args=[session.pk]),
        reverse("coaching:sessions-ics", args=[patient.pk]),
    ]:
        response = physio.get(url)
        assert response.status_code == 200, url
        assert_no_store(response)
    admin = client_for(world.admin_a)
    for url in [reverse("clinic:home"), reverse("staff:list")]:
        response = admin.get(url)
        assert response.status_code == 200, url
        assert_no_store(response)


def test_portal_pages_and_downloads_are_never_stored(world, client_for):
    patient = client_for(world.patient_a.user)
    for name in ["portal:home", "portal:history", "portal:my-data", "portal:data-csv"]:
        response = patient.get(reverse(name))
        assert response.status_code == 200, name
        assert_no_store(response)
    response = patient.get(reverse("portal:data-json"))
    assert response["Content-Type"].startswith("application/json")
    assert_no_store(response)


def test_the_signed_reminder_page_and_login_redirects_are_never_stored(world):
    anonymous = Client()
    token = preferences_token(world.patient_a)
    response = anonymous.get(reverse("reminders:preferences", args=[token]))
    assert response.status_code == 200
    assert_no_store(response)
    assert_no_store(anonymous.get(reverse("portal:home")))  # the redirect to the login page


def test_static_files_keep_their_own_caching(db):
    static = Client().get("/static/walkback/site.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")
