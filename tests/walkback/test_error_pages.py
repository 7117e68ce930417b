"""Issue 11: the 403, 404, 500 and CSRF failure pages are the site's own, in plain words, with
a way back, and each renders with DEBUG off (as in production)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import include, path, reverse

from tests.conftest import login_as


def _boom(request):
    raise RuntimeError("a bug")


# This module is also the URLconf of the 500 test: the site's URLs plus one that fails.
urlpatterns = [path("boom/", _boom), path("", include("walkback.urls"))]


def _text(response) -> str:
    return response.content.decode()


def test_debug_is_off_in_these_tests():
    assert settings.DEBUG is False  # Django shows its own technical pages with DEBUG on


def test_404_in_the_patients_layout_with_a_way_home(world):
    response = login_as(Client(), world.patient_a.user).get("/no-such-page/")
    assert response.status_code == 404
    page = _text(response)
    assert "We cannot find that page" in page
    assert f'href="{reverse("home")}"' in page and "Go to my home page" in page
    assert 'class="patient-tabs"' in page  # the patient's own layout, tabs and all


def test_404_for_another_clinics_record_in_the_staff_layout(world):
    url = reverse("patients:detail", args=[world.patient_b.pk])
    response = login_as(Client(), world.physio_a).get(url)
    assert response.status_code == 404
    page = _text(response)
    assert "We cannot find that page" in page and "Zebracorn" not in page
    assert 'id="staff-nav"' in page


def test_403_says_the_page_is_not_open_to_them(world):
    response = login_as(Client(), world.patient_a.user).get(reverse("coaching:caseload"))
    assert response.status_code == 403
    page = _text(response)
    assert "This page is not open to you" in page and "Go to my home page" in page
    assert "403 Forbidden" not in page and 'class="patient-tabs"' in page


@pytest.mark.urls(__name__)
def test_500_is_self_contained_and_offers_a_way_home(world):
    client = login_as(Client(raise_request_exception=False), world.patient_a.user)
    response = client.get("/boom/")
    assert response.status_code == 500
    page = _text(response)
    assert "Something went wrong on our side" in page
    assert 'href="/"' in page and "Go to my home page" in page
    assert f"{settings.STATIC_URL}walkback/site.css" in page
    assert "a bug" not in page and "Traceback" not in page


def test_500_renders_without_any_context():
    """Django renders 500.html with an empty context: nothing in it may need the request."""
    from django.template.loader import render_to_string

    assert "Something went wrong on our side" in render_to_string("500.html")


def test_csrf_failure_is_a_plain_page(world, password):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("accounts:login"), {"username": world.physio_a.email, "password": password}
    )
    assert response.status_code == 403
    page = _text(response)
    assert "Please try again" in page and "Go to my home page" in page
    assert "CSRF verification failed" not in page
