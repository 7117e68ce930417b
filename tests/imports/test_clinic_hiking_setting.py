"""The clinic admin decides whether imported hikes count as walks (off by default)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from walkback.accounts.services import clinic_settings_update

pytestmark = pytest.mark.django_db


def test_hikes_are_off_by_default_and_the_admin_can_turn_them_on(world, client_for):
    clinic = world.clinic_a
    assert clinic.import_hiking is False
    page = client_for(world.admin_a).get(reverse("clinic:settings"))
    assert b'name="import_hiking"' in page.content
    values = {
        "name": clinic.name,
        "time_zone": clinic.time_zone,
        "contact_phone": "",
        "address": "",
        "closed_days": [],
    }
    clinic_settings_update(clinic=clinic, by=world.admin_a, import_hiking=True, **values)
    clinic.refresh_from_db()
    assert clinic.import_hiking is True
    # Left out (older callers): unchanged.
    clinic_settings_update(clinic=clinic, by=world.admin_a, **values)
    clinic.refresh_from_db()
    assert clinic.import_hiking is True
