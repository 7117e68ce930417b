"""The clinic dashboard: figures of the admin's own clinic only, filters that say what is
wrong, a freshness line. The page never computes figures (tests/reports/test_refresh.py)."""

from __future__ import annotations

import datetime as dt
import json
import re

from django.urls import reverse
from django.utils import timezone

from tests.reports.conftest import LEAK, run_refreshes
from walkback.reports.models import FigureSnapshot

URL = reverse("clinic:home")


def test_dashboard_shows_the_clinic_figures_as_charts_and_tables(figures, client_for):
    seeded = figures
    response = client_for(seeded.admin_a).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 patients whose programme started at any time" in html
    for heading in ("Programme fidelity", "Walking adherence", "Outcomes"):
        assert heading in html
    # Every chart is an SVG image with a title and a description, and has a table too.
    assert html.count('<svg class="chart"') == 7
    assert html.count("<title id=") == 7 and html.count("<desc id=") == 7
    assert "<table" in html and "Numbers at risk" in html
    # Every chart keeps its drawing width (a chart squeezed to nothing once slipped through).
    widths = re.findall(r'<svg class="chart" viewBox="0 -?\d+ (\d+) ', html)
    assert len(widths) == 7 and set(widths) <= {"400", "640"}, widths
    assert "Figures as of" in html
    # No inline styles or scripts (the CSP would block them).
    assert "style=" not in html and "<script>" not in html
    assert LEAK not in html


def test_figures_follow_the_clinic_and_the_physiotherapist(figures, client_for):
    seeded = figures
    client = client_for(seeded.admin_a)
    data = FigureSnapshot.objects.get(clinic=seeded.clinic_a, key="physio=all;from=-;to=-").data
    assert data["patients"] == 2
    # Two done sessions each of 2 patients; one missed each.
    assert data["fidelity"]["done"] == 4 and data["fidelity"]["missed"] == 2
    # Delivered out of the sessions that have fallen due (three each, all in the past), not
    # out of six each (issue 10).
    assert (data["fidelity"]["delivered"], data["fidelity"]["due"]) == (4, 6)
    assert data["fidelity"]["delivered_percent"] == 67
    # One knee event each; clinic B's hip event is not there.
    regions = {row["region"]: row["total"] for row in data["adverse_events"]["rows"]}
    assert regions["knee"] == 2 and regions["hip"] == 0
    # Walks of 25 min every other day against 60 min a week: 3 or 4 walks = 75-100 min.
    assert data["adherence"]["weeks_on_target"]["percent"] == 100.0
    # Both reported activity-limiting pain in month 2: onset day 55.
    limiting = next(c for c in data["outcomes"]["curves"] if c["kind"] == "activity_limiting")
    assert limiting["events"] == 2 and limiting["median_days"] == 55

    response = client.get(URL, {"physiotherapist": seeded.physio_a2.pk})
    assert "1 patient whose programme started at any time, with Abe Alpha" in (
        response.content.decode()
    )


def test_a_period_ending_before_it_starts_is_refused(seeded, client_for):
    response = client_for(seeded.admin_a).get(
        URL, {"date_from": "2025-06-01", "date_to": "2025-01-01"}
    )
    assert response.status_code == 200
    assert "The period ends before it starts" in response.content.decode()
    assert response.context["snapshot"] is None


def test_a_physiotherapist_of_another_clinic_is_refused(seeded, client_for):
    response = client_for(seeded.admin_a).get(URL, {"physiotherapist": seeded.physio_b.pk})
    html = response.content.decode()
    assert "That physiotherapist is not one of your clinic" in html
    assert response.context["snapshot"] is None
    assert LEAK not in html


def test_a_period_wider_than_the_data_is_narrowed_and_says_so(seeded, client_for):
    future = timezone.now().date() + dt.timedelta(days=400)
    query = {"date_from": "2000-01-01", "date_to": future.isoformat()}
    client = client_for(seeded.admin_a)
    html = client.get(URL, query).content.decode()
    assert "first programme started on" in html
    assert "being worked out" in html
    assert run_refreshes() == 1
    html = client.get(URL, query).content.decode()
    assert "first programme started on" in html
    assert "There are no data after today" in html
    assert "2 patients whose programme started between" in html


def test_a_period_in_the_future_is_refused(seeded, client_for):
    future = timezone.now().date() + dt.timedelta(days=30)
    response = client_for(seeded.admin_a).get(URL, {"date_from": future.isoformat()})
    assert "starts in the future" in response.content.decode()


def test_the_page_reads_the_snapshot_the_periodic_refresh_left(figures, client_for):
    snapshot = FigureSnapshot.objects.get(clinic=figures.clinic_a, key="physio=all;from=-;to=-")
    snapshot_b = FigureSnapshot.objects.get(clinic=figures.clinic_b, key="physio=all;from=-;to=-")
    assert LEAK not in json.dumps(snapshot.data)
    assert snapshot_b.data["patients"] == 1
    response = client_for(figures.admin_a).get(URL)
    assert response.context["snapshot"].computed_at == snapshot.computed_at
    assert not response.context["page"].updating
