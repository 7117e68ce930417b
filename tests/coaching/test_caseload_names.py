"""Issue 11: caseload search ignores accents and case ("sorensen" finds Sørensen) and "Name"
sorts by family name, on the maintained rows, in the same number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coaching.models import CaseloadRow
from coaching.selectors import caseload_page
from coaching.status import name_keys_fill, statuses_check
from patients.services.enrolment import patient_update
from tests.coaching.test_caseload_status import CASELOAD_QUERIES
from tests.factories import PatientFactory
from walkback.accounts.names import family_name, name_folded, name_sort_key

pytestmark = pytest.mark.django_db

NAMES = ["Søren Sørensen", "Zoë Adams", "José Núñez", "Ola Nordmann", "anna zimmer"]


@pytest.fixture
def people(world):
    return {
        name: PatientFactory(
            clinic=world.clinic_a, physiotherapist=world.physio_a, user__full_name=name
        )
        for name in NAMES
    }


def _names(page) -> list[str]:
    return [entry.row.patient.user.full_name for entry in page.page]


def test_the_keys():
    assert name_folded("  Søren   SØRENSEN ") == "soren sorensen"
    assert name_folded("José Núñez") == "jose nunez" and name_folded("Łukasz") == "lukasz"
    assert family_name("Søren Sørensen") == "Sørensen" and family_name("") == ""
    assert name_sort_key("Søren Sørensen") == "sorensen soren sorensen"
    assert len(name_sort_key("x " * 400)) == 300  # fits its indexed column


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("sorensen", "Søren Sørensen"),
        ("SØRENSEN", "Søren Sørensen"),
        ("soren s", "Søren Sørensen"),
        ("nunez", "José Núñez"),
        ("JOSÉ", "José Núñez"),
        ("zoe", "Zoë Adams"),
        ("Anna Z", "anna zimmer"),
    ],
)
def test_search_ignores_accents_and_case(world, people, typed, found):
    page = caseload_page(world.physio_a, query=typed)
    assert _names(page) == [found]


def test_name_sorts_by_family_name(world, people):
    page = caseload_page(world.physio_a, sort="name")
    # Paula Alpha is the world's patient of the same physiotherapist.
    assert _names(page) == [
        "Zoë Adams",
        "Paula Alpha",
        "Ola Nordmann",
        "José Núñez",
        "Søren Sørensen",
        "anna zimmer",
    ]


def test_a_renamed_patient_is_found_by_the_new_name_only(world, people):
    patient_update(patient=people["Ola Nordmann"], by=world.physio_a, full_name="Ola Ødegård")
    assert _names(caseload_page(world.physio_a, query="odegard")) == ["Ola Ødegård"]
    assert _names(caseload_page(world.physio_a, query="nordmann")) == []


def test_search_through_the_page_in_the_pinned_number_of_queries(
    world, people, client_for, django_assert_num_queries
):
    client = client_for(world.physio_a)
    client.get(reverse("coaching:caseload"))  # settle the session
    with django_assert_num_queries(CASELOAD_QUERIES):
        response = client.get(reverse("coaching:caseload"), {"q": "sorensen", "sort": "name"})
    page = response.content.decode()
    assert "Søren Sørensen" in page and "Zoë Adams" not in page
    assert "Showing 1–1 of 1" in page


def test_the_keys_of_existing_rows_are_filled(world, people):
    """Rows written before the keys (the migration that adds them runs this) get them."""
    CaseloadRow.objects.update(sort_name="stale", search_name="")
    name_keys_fill(batch_size=2)
    row = CaseloadRow.objects.get(patient=people["Søren Sørensen"])
    assert (row.sort_name, row.search_name) == ("sorensen soren sorensen", "soren sorensen")
    assert not CaseloadRow.objects.filter(search_name="").exists()
    assert statuses_check() == {}  # the same keys as a recomputation from scratch
