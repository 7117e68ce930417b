"""Issue 12, low: only real places are time zones. ``localtime`` and ``Factory`` (and the other
names of the system's zone database that are not places) were accepted before."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from patients.services.enrolment import patient_invite
from walkback.accounts.models import TIME_ZONE_CHOICES, validate_time_zone

NOT_PLACES = ["localtime", "Factory", "posixrules", "EST5EDT", "GB", "US/Eastern", "Etc/GMT+5"]


@pytest.mark.parametrize("name", NOT_PLACES)
def test_names_that_are_not_places_are_refused(name):
    with pytest.raises(ValidationError) as error:
        validate_time_zone(name)
    assert "Pick the nearest city" in error.value.messages[0]
    assert name not in {value for value, _ in TIME_ZONE_CHOICES}


@pytest.mark.parametrize("name", ["UTC", "Europe/London", "Australia/Sydney", "America/Sao_Paulo"])
def test_real_zones_and_utc_are_accepted(name):
    validate_time_zone(name)
    assert name in {value for value, _ in TIME_ZONE_CHOICES}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["localtime", "Factory"])
def test_enrolment_refuses_them_with_a_message_next_to_the_field(world, client_for, name):
    with pytest.raises(ValidationError) as error:
        patient_invite(
            by=world.physio_a, email="tz@example.test", full_name="Tia Zone", time_zone=name
        )
    assert "time_zone" in error.value.message_dict

    response = client_for(world.physio_a).post(
        reverse("patients:invite"),
        {"full_name": "Tia Zone", "email": "tz@example.test", "time_zone": name},
    )
    assert response.status_code == 200
    assert "time_zone" in response.context["form"].errors
