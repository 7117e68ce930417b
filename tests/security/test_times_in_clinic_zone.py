"""Issue 11: times on every page are in the viewer's clinic time zone, not UTC
(``walkback.accounts.middleware.TimeZoneMiddleware``)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ExportJobFactory
from walkback.reports.models import ExportState

# 23:30 UTC on 10 January is 10:30 the next morning in Sydney (UTC+11 in summer).
ASKED = dt.datetime(2026, 1, 10, 23, 30, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_export_times_and_link_expiry_show_in_the_clinic_zone(world, client_for):
    job = ExportJobFactory(
        requested_by=world.admin_a,
        state=ExportState.DONE,
        file="exports/x.csv",
        rows_total=3,
        rows_done=3,
        finished_at=ASKED,
        expires_at=timezone.now() + dt.timedelta(hours=5),
    )
    type(job).objects.filter(pk=job.pk).update(created_at=ASKED)
    page = client_for(world.admin_a).get(reverse("clinic:export-detail", args=[job.pk]))
    text = page.content.decode()
    assert "Asked 11 Jan 2026, 10:30" in text
    assert "walkback-walks-20260111-1030.csv" in text
    expires = job.expires_at.astimezone(ZoneInfo("Australia/Sydney"))
    assert f"until {expires:%-d %b %Y, %H:%M}" in text


@pytest.mark.django_db
def test_the_same_moment_shows_in_each_viewers_own_clinic_zone(world, client_for):
    """Clinic B is in London: the same UTC moment is 23:30 there, on the 10th."""
    seen = [(world.admin_a, "11 Jan 2026, 10:30"), (world.admin_b, "10 Jan 2026, 23:30")]
    for admin, expected in seen:
        job = ExportJobFactory(requested_by=admin, rows_total=3)
        type(job).objects.filter(pk=job.pk).update(created_at=ASKED)
        page = client_for(admin).get(reverse("clinic:export-detail", args=[job.pk]))
        assert f"Asked {expected}" in page.content.decode()


@pytest.mark.django_db
def test_the_dashboard_says_when_its_figures_were_computed_in_the_clinic_zone(world, client_for):
    # Figures are computed in the background only (docs/reports.md, "Freshness").
    from walkback.reports.selectors import Scope
    from walkback.reports.services import figures_snapshot_refresh

    figures_snapshot_refresh(clinic=world.clinic_a, scope=Scope(clinic_id=world.clinic_a.pk))
    response = client_for(world.admin_a).get(reverse("clinic:home"))
    computed = response.context["snapshot"].computed_at
    local = computed.astimezone(ZoneInfo("Australia/Sydney"))
    assert local.utcoffset() != dt.timedelta(0)
    assert f"Figures as of {local:%H:%M} on {local:%-d %b %Y}" in response.content.decode()


@pytest.mark.django_db
def test_a_failed_notice_on_the_staff_list_is_due_in_the_clinic_zone(world, client_for):
    from coaching.models import ReminderKind, ReminderState
    from tests.factories import ReminderFactory

    due = (timezone.now() - dt.timedelta(days=2)).replace(hour=23, minute=30, second=0)
    ReminderFactory(
        recipient=world.physio_a,
        patient=world.patient_a,
        kind=ReminderKind.ADVERSE_EVENT,
        state=ReminderState.FAILED,
        due_at=due,
    )
    local = due.astimezone(ZoneInfo("Australia/Sydney"))
    text = client_for(world.admin_a).get(reverse("staff:list")).content.decode()
    assert f"due {local:%-d %b %Y %H:%M}" in text
