"""The page cache (walkback/core/pagecache.py): the caseload and the patient's home are kept
per user and computed afresh after any audited write, every view is still audited, and a
cache that cannot be reached costs speed, never a page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from patients import walks
from tests.coaching.helpers import started
from walkback.audit.models import AuditEvent
from walkback.core import pagecache

pytestmark = pytest.mark.django_db

# Served from the cache: session, user (clinic joined), OTP device, the audit row.
CASELOAD_CACHED_QUERIES = 4
# Session, user, has a TOTP device? (middleware), the patient (scoped), the audit row.
HOME_CACHED_QUERIES = 5


@pytest.fixture(autouse=True)
def cache_on(settings):
    settings.WALKBACK_PAGE_CACHE_SECONDS = 300
    # Ids start again in every new test database (and between tests on SQLite), so pages kept
    # by an earlier run would match this run's users: start empty. (Production ids never
    # repeat.)
    cache.clear()


@pytest.fixture
def walker(world):
    patient = started(world.physio_a, start_on=dt.date.today() - dt.timedelta(days=20))
    patient.refresh_from_db()
    return patient


def main_of(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def log_walk(patient, minutes=30):
    return walks.walk_log(
        patient=patient, by=patient.user, walked_on=patient.today(), minutes=minutes
    )


def test_the_caseload_is_kept_and_every_view_is_still_audited(
    world, walker, client_for, django_assert_num_queries
):
    client = client_for(world.physio_a)
    client.get(reverse("coaching:caseload"))  # computed, stored (and the session stamped)
    with django_assert_num_queries(CASELOAD_CACHED_QUERIES):
        again = client.get(reverse("coaching:caseload"))
    assert walker.full_name in again.content.decode()
    assert again.context["page"] is None  # it came from the cache
    events = AuditEvent.objects.filter(object_type="coaching.caseload", actor=world.physio_a)
    assert events.count() == 2
    assert all(walker.pk in event.detail["patients"] for event in events)


def test_a_walk_logged_through_the_service_refreshes_the_caseload_and_the_home(
    world, walker, client_for, django_capture_on_commit_callbacks
):
    physio = client_for(world.physio_a)
    patient = client_for(walker.user)
    never_logged = physio.get(reverse("coaching:caseload")).content.decode().count("None yet")
    assert patient.get(reverse("portal:home")).context["summary"].week.minutes == 0
    with django_capture_on_commit_callbacks(execute=True):
        log_walk(walker, minutes=37)
    caseload = physio.get(reverse("coaching:caseload"))
    assert caseload.context["page"] is not None  # computed again
    assert caseload.content.decode().count("None yet") == never_logged - 1
    assert patient.get(reverse("portal:home")).context["summary"].week.minutes == 37


def test_another_patients_walk_keeps_this_patients_home(
    world, walker, client_for, django_capture_on_commit_callbacks, django_assert_num_queries
):
    other = started(world.physio_a, start_on=dt.date.today() - dt.timedelta(days=20))
    client = client_for(walker.user)
    client.get(reverse("portal:home"))
    with django_capture_on_commit_callbacks(execute=True):
        log_walk(other)
    with django_assert_num_queries(HOME_CACHED_QUERIES):
        client.get(reverse("portal:home"))


def test_nothing_is_shared_between_people(world, walker, client_for):
    mine = client_for(world.physio_a).get(reverse("coaching:caseload"), {"scope": "all"})
    colleague = client_for(world.physio_a2).get(reverse("coaching:caseload"), {"scope": "all"})
    # The same filters in the same clinic: the colleague's page is computed for them.
    assert mine.context["page"] is not None and colleague.context["page"] is not None
    other_clinic = client_for(world.physio_b).get(reverse("coaching:caseload"), {"scope": "all"})
    assert other_clinic.context["page"] is not None
    assert walker.full_name not in other_clinic.content.decode()


def test_different_filters_are_different_pages(world, walker, client_for):
    client = client_for(world.physio_a)
    client.get(reverse("coaching:caseload"))
    found = client.get(reverse("coaching:caseload"), {"q": "no such name"})
    assert found.context["page"] is not None
    assert walker.full_name not in found.content.decode()


def test_a_cache_out_of_reach_costs_speed_not_the_page(world, walker, client_for, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", broken)
    monkeypatch.setattr(cache, "set_many", broken)
    response = client_for(world.physio_a).get(reverse("coaching:caseload"))
    assert response.status_code == 200 and walker.full_name in response.content.decode()
    assert client_for(walker.user).get(reverse("portal:home")).status_code == 200
    pagecache.retire(clinic_id=walker.clinic_id, patient_id=walker.pk)  # logged, not raised


def test_reads_and_exports_do_not_retire_the_version(world, walker):
    before = pagecache.data_version(clinic_id=walker.clinic_id)
    from walkback.audit.services import audit_read

    audit_read(actor=world.physio_a, patient=walker, what="test")
    assert pagecache.data_version(clinic_id=walker.clinic_id) == before


def test_off_means_off(world, walker, client_for, settings):
    settings.WALKBACK_PAGE_CACHE_SECONDS = 0
    client = client_for(world.physio_a)
    client.get(reverse("coaching:caseload"))
    assert client.get(reverse("coaching:caseload")).context["page"] is not None


# Served from the cache: session, user (clinic joined), OTP device. No physiotherapist list,
# no snapshot row (the dashboard reads no patient record: it writes no audit row).
DASHBOARD_CACHED_QUERIES = 3


def test_the_home_body_is_kept_and_every_view_is_still_audited(
    world, walker, client_for, django_assert_num_queries
):
    client = client_for(walker.user)
    first = client.get(reverse("portal:home"))
    assert first.context["summary"] is not None  # computed
    with django_assert_num_queries(HOME_CACHED_QUERIES):
        again = client.get(reverse("portal:home"))
    assert again.context["summary"] is None  # the rendered body came from the cache
    assert main_of(again) == main_of(first)  # the layout's tokens differ per request
    # Both views are in the audit trail, the kept one as much as the computed one.
    assert AuditEvent.objects.filter(actor=walker.user, detail__view="portal-home").count() == 2


def test_the_dashboard_is_kept_per_admin_until_a_write_or_new_figures(
    world, walker, client_for, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from walkback.accounts.services import user_set_active
    from walkback.reports import services
    from walkback.reports.selectors import Scope

    url = reverse("clinic:home")
    client = client_for(world.admin_a)
    first = client.get(url)
    assert world.physio_a2.full_name in first.content.decode()
    with django_assert_num_queries(DASHBOARD_CACHED_QUERIES):
        again = client.get(url)
    assert main_of(again) == main_of(first)  # the layout's tokens differ per request
    # Another admin of another clinic gets their own page, never this one.
    other = client_for(world.admin_b).get(url).content.decode()
    assert world.physio_a2.full_name not in other
    # A staff change (an audited write in the clinic) shows at once in the filter.
    with django_capture_on_commit_callbacks(execute=True):
        user_set_active(user=world.physio_a2, active=False, by=world.admin_a)
    assert f"{world.physio_a2.full_name} (deactivated)" in client.get(url).content.decode()
    # New figures stored by the periodic refresh show at once too.
    with django_capture_on_commit_callbacks(execute=True):
        fresh = services.figures_snapshot_refresh(
            clinic=world.clinic_a, scope=Scope(clinic_id=world.clinic_a.pk)
        )
    assert client.get(url).context["snapshot"].computed_at == fresh.computed_at


def test_the_dashboard_works_with_the_cache_out_of_reach(world, client_for, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", broken)
    monkeypatch.setattr(cache, "set", broken)
    response = client_for(world.admin_a).get(reverse("clinic:home"))
    assert response.status_code == 200 and "Figures as of" in response.content.decode()
