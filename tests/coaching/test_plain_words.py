"""Issue 11, "Words": the staff pages say things in words, never a stray "None" or "Showing
0-0 of 0", and "Start the programme" says why it is unavailable instead of disappearing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching.models import CoachingSession
from tests.coaching.helpers import enrolled, screened, started
from tests.factories import UserFactory


def _today(physio) -> dt.date:
    return timezone.now().date()


def _detail(client_for, physio, patient) -> str:
    response = client_for(physio).get(reverse("patients:detail", args=[patient.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _header(page: str) -> str:
    """The top of the patient page: name, stage, flags and actions."""
    return page.split('<div class="row g-4">')[0]


def test_no_stray_none_under_the_stage(world, client_for):
    patient = started(world.physio_a, start_on=_today(world.physio_a))
    page = _detail(client_for, world.physio_a, patient)
    assert "In programme" in _header(page)
    assert not re.search(r">\s*None\s*<", page)


def test_caseload_says_nothing_rather_than_none_and_no_zero_range(world, client_for):
    started(world.physio_a, start_on=_today(world.physio_a))
    page = client_for(world.physio_a).get(reverse("coaching:caseload")).content.decode()
    assert not re.search(r">\s*None\s*<", page)
    assert "Showing 1–2 of 2" in page  # with Paula Alpha of the world fixture

    filtered = client_for(world.physio_a).get(reverse("coaching:caseload"), {"q": "nobody"})
    text = filtered.content.decode()
    assert "0–0" not in text and "No patients match these filters" in text

    newcomer = UserFactory(clinic=world.clinic_a, full_name="New Physio")
    empty = client_for(newcomer).get(reverse("coaching:caseload")).content.decode()
    assert "0–0" not in empty and "Showing" not in empty and "No patients here yet" in empty


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        (None, "Finish the screening before starting the programme."),
        ({"balance_or_falls": True}, "record the doctor&#x27;s clearance"),
        ({"recovered_in_last_6_months": False}, "recorded as not eligible"),
    ],
)
def test_start_button_says_why_it_is_unavailable(world, client_for, answers, reason):
    patient = enrolled(world.physio_a, on=_today(world.physio_a))
    if answers is not None:
        patient = screened(patient, world.physio_a, **answers)
    header = _header(_detail(client_for, world.physio_a, patient))
    start_url = reverse("coaching:programme-start", args=[patient.pk])
    assert f'href="{start_url}"' not in header
    button = re.search(r"<button[^>]*>Start the programme</button>", header)
    assert button and "disabled" in button.group(0)
    assert 'aria-describedby="start-blocker"' in button.group(0)
    assert 'id="start-blocker"' in header and reason in header
    # The start page says it too, before anything is typed.
    start_page = client_for(world.physio_a).get(start_url).content.decode()
    assert reason in start_page


def test_start_button_is_a_link_when_the_programme_can_start(world, client_for):
    patient = screened(enrolled(world.physio_a, on=_today(world.physio_a)), world.physio_a)
    header = _header(_detail(client_for, world.physio_a, patient))
    assert f'href="{reverse("coaching:programme-start", args=[patient.pk])}"' in header
    assert "start-blocker" not in header and "disabled" not in header


def test_once_started_no_start_button_at_all(world, client_for):
    patient = started(world.physio_a, start_on=_today(world.physio_a))
    assert CoachingSession.objects.filter(patient=patient).count() == 6
    assert "Start the programme" not in _header(_detail(client_for, world.physio_a, patient))
