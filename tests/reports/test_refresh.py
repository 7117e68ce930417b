"""Issue 16: no request computes clinic-wide figures. The dashboard shows the latest snapshot
with its age and asks for a refresh (one per clinic and view); the periodic refresh fans out
one task per clinic and view; a refresh's memory does not grow with the clinic (it follows
the patients a chunk at a time, and chunking changes no figure)."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from patients.models import Patient
from tests.factories import PatientFactory
from tests.reports.conftest import add_patients, run_refreshes
from walkback.reports import figures as figures_module
from walkback.reports import services
from walkback.reports.figures import compute_figures, local_today
from walkback.reports.models import FigureRefresh, FigureSnapshot
from walkback.reports.selectors import Scope
from walkback.reports.tasks import figures_refresh_task

URL = reverse("clinic:home")
# The tables the figures are computed from: a page that reads any of them is computing.
FIGURE_TABLES = (
    "coaching_coachingsession",
    "coaching_prescription",
    "patients_walklog",
    "patients_checkin",
    "patients_adverseevent",
)


def _page_queries(client, url=URL, data=None) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, data)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def _touches_figure_tables(sqls: list[str]) -> list[str]:
    return [sql for sql in sqls if any(f'"{table}"' in sql for table in FIGURE_TABLES)]


def test_a_missing_snapshot_gives_the_being_updated_page_and_queues_one_refresh(
    seeded, client_for, queued
):
    client = client_for(seeded.admin_a)
    with queued.capture():
        response = client.get(URL)
    html = response.content.decode()
    assert "The figures for this choice are being worked out" in html
    assert "Refresh the page in a minute" in html
    assert f'href="{URL}"' in html  # a plain link: works without JavaScript
    assert "Figures as of" not in html and "Programme fidelity" not in html
    assert not FigureSnapshot.objects.exists(), "the page computed the figures"
    refresh = FigureRefresh.objects.get()
    assert (refresh.clinic, refresh.key) == (seeded.clinic_a, "physio=all;from=-;to=-")
    assert queued == [refresh.pk], "exactly one task, with the refresh id only"

    # Deduplicated: asking again (this admin or another) queues nothing more.
    with queued.capture():
        client.get(URL)
        client_for(seeded.admin_a).get(URL)
    assert queued == [refresh.pk]
    assert FigureRefresh.objects.count() == 1

    # The worker's run writes the snapshot and ends the refresh; the page shows the figures.
    assert run_refreshes() == 1
    assert not FigureRefresh.objects.exists()
    html = client.get(URL).content.decode()
    assert "Programme fidelity" in html and "being worked out" not in html


@pytest.mark.parametrize("scoped", [False, True])
def test_the_dashboard_never_computes_whatever_the_clinic_size(seeded, client_for, queued, scoped):
    """The same queries at 10 and at 200 more patients, none of them on the tables the
    figures come from: with no snapshot (the refresh is asked for), and with one."""
    client = client_for(seeded.admin_a)
    client.get(reverse("clinic:exports"))  # the idle-timeout stamp is written to the session
    data = {"physiotherapist": seeded.physio_a.pk} if scoped else None
    counts = {}
    for size, extra in (("small", 10), ("large", 190)):
        add_patients(seeded, extra) if size == "small" else PatientFactory.create_batch(
            extra, clinic=seeded.clinic_a, physiotherapist=seeded.physio_a
        )
        FigureSnapshot.objects.all().delete()
        FigureRefresh.objects.all().delete()
        with queued.capture():
            missing = _page_queries(client, data=data)
        assert _touches_figure_tables(missing) == []
        assert not FigureSnapshot.objects.exists()
        run_refreshes()
        fresh = _page_queries(client, data=data)
        assert _touches_figure_tables(fresh) == []
        counts[size] = (len(missing), len(fresh))
    assert Patient.objects.filter(clinic=seeded.clinic_a).count() >= 200
    assert counts["small"] == counts["large"], counts
    assert len(queued) == 2, "one refresh asked for at each size"


def test_a_stale_snapshot_is_shown_with_its_age_while_a_refresh_is_queued(
    figures, client_for, queued, settings
):
    snapshot = FigureSnapshot.objects.get(clinic=figures.clinic_a, key="physio=all;from=-;to=-")
    # 23:50 UTC the day before: 10:50 in Sydney (UTC+11 in summer, +10 in winter).
    old = dt.datetime.combine(
        timezone.now().date() - dt.timedelta(days=1), dt.time(23, 50), tzinfo=dt.UTC
    )
    FigureSnapshot.objects.filter(pk=snapshot.pk).update(computed_at=old)
    with queued.capture():
        html = client_for(figures.admin_a).get(URL).content.decode()
    local = old.astimezone(zoneinfo.ZoneInfo(figures.clinic_a.time_zone))
    assert f"Figures as of {local:%H:%M}" in html, "in the clinic's time zone"
    assert local.hour in (9, 10)
    assert re.search(r"\(\d+\xa0(hours|day)", html), "its age"
    assert "These figures are being updated" in html
    assert "Programme fidelity" in html, "the old figures are still shown"
    assert FigureSnapshot.objects.get(pk=snapshot.pk).computed_at == old, "not computed here"
    assert len(queued) == 1


def test_a_custom_period_is_a_job_with_progress(seeded, client_for, queued):
    query = {"date_from": (timezone.now().date() - dt.timedelta(days=100)).isoformat()}
    client = client_for(seeded.admin_a)
    with queued.capture():
        html = client.get(URL, query).content.decode()
    assert "being worked out" in html
    refresh = FigureRefresh.objects.get()
    assert refresh.scope["date_from"] == query["date_from"]
    # The worker reports its steps as it goes; the page shows them.
    FigureRefresh.objects.filter(pk=refresh.pk).update(
        state=FigureRefresh.State.RUNNING, steps_total=8, steps_done=2
    )
    html = client.get(URL, query).content.decode()
    assert 'value="25"' in html and "Worked out so far: 25%" in html
    assert queued == [refresh.pk]


def test_progress_goes_up_to_the_total_and_chunks_change_no_figure(seeded, monkeypatch):
    add_patients(seeded, 3)
    clinic = seeded.clinic_a
    patients = Patient.objects.filter(clinic=clinic)
    scope = Scope(clinic_id=clinic.pk)
    today = local_today(clinic)
    whole = compute_figures(patients, scope, today)
    monkeypatch.setattr(figures_module, "CHUNK", 2)
    steps: list[tuple[int, int]] = []
    chunked = compute_figures(
        patients, scope, today, lambda done, total: steps.append((done, total))
    )
    assert chunked == whole
    assert whole["patients"] == 5
    # stages, sessions, adverse events, then 3 chunks of at most 2 patients.
    assert steps == [(n, 6) for n in range(1, 7)]


def test_the_periodic_refresh_fans_out_one_task_per_clinic_and_view(seeded, queued):
    with queued.capture():
        asked = figures_refresh_task()
    rows = {(r.clinic_id, r.key): r.pk for r in FigureRefresh.objects.all()}
    a, b = seeded.clinic_a.pk, seeded.clinic_b.pk
    assert set(rows) == {
        (a, "physio=all;from=-;to=-"),
        (a, f"physio={seeded.physio_a.pk};from=-;to=-"),
        (a, f"physio={seeded.physio_a2.pk};from=-;to=-"),
        (b, "physio=all;from=-;to=-"),
        (b, f"physio={seeded.physio_b.pk};from=-;to=-"),
    }
    assert asked == 5 and sorted(queued) == sorted(rows.values())

    # The next tick while they wait asks for nothing new.
    with queued.capture():
        figures_refresh_task()
    assert len(queued) == 5 and FigureRefresh.objects.count() == 5

    assert run_refreshes() == 5
    assert FigureSnapshot.objects.filter(clinic_id=a).count() == 3
    assert (
        FigureSnapshot.objects.get(clinic_id=b, key="physio=all;from=-;to=-").data["patients"] == 1
    )


def test_each_view_is_its_own_task_on_the_reports_queue():
    from walkback.celery import app

    router = app.amqp.router
    for name in ("reports.figures_refresh", "reports.figures_refresh_run"):
        assert router.route({}, name)["queue"].name == "reports"


def test_a_refresh_handed_over_twice_runs_once(seeded, queued):
    with queued.capture():
        refresh = services.figures_refresh_request(
            clinic=seeded.clinic_a, scope=Scope(clinic_id=seeded.clinic_a.pk)
        )
    assert services.figures_refresh_run(refresh_id=refresh.pk) is not None
    assert services.figures_refresh_run(refresh_id=refresh.pk) is None
    assert FigureSnapshot.objects.count() == 1


def test_a_lost_refresh_is_handed_over_again_after_the_lease(seeded, queued, settings):
    scope = Scope(clinic_id=seeded.clinic_a.pk)
    with queued.capture():
        refresh = services.figures_refresh_request(clinic=seeded.clinic_a, scope=scope)
        services.figures_refresh_request(clinic=seeded.clinic_a, scope=scope)
    assert queued == [refresh.pk]
    FigureRefresh.objects.filter(pk=refresh.pk).update(
        state=FigureRefresh.State.RUNNING,
        requested_at=timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 61),
        started_at=timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 61),
    )
    with queued.capture():
        services.figures_refresh_request(clinic=seeded.clinic_a, scope=scope)
    assert queued == [refresh.pk, refresh.pk]
    assert FigureRefresh.objects.get().state == FigureRefresh.State.PENDING
    assert services.figures_refresh_run(refresh_id=refresh.pk) is not None


def test_a_refresh_for_another_clinic_is_refused(seeded):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.figures_refresh_request(
            clinic=seeded.clinic_a, scope=Scope(clinic_id=seeded.clinic_b.pk)
        )
    assert not FigureRefresh.objects.exists()


def test_snapshots_nobody_refreshed_for_a_day_are_dropped(figures, queued):
    scope = Scope(clinic_id=figures.clinic_a.pk, date_from=timezone.now().date())
    services.figures_snapshot_refresh(clinic=figures.clinic_a, scope=scope)
    FigureSnapshot.objects.filter(key=scope.key).update(
        computed_at=timezone.now() - dt.timedelta(days=1, minutes=1)
    )
    with queued.capture():
        figures_refresh_task()
    assert not FigureSnapshot.objects.filter(key=scope.key).exists()
    assert FigureSnapshot.objects.filter(key="physio=all;from=-;to=-").count() == 2


def test_a_fresh_snapshot_being_refreshed_by_the_periodic_task_is_shown_quietly(
    figures, client_for, queued
):
    with queued.capture():
        figures_refresh_task()  # the refreshes wait in the queue
    assert FigureRefresh.objects.filter(clinic=figures.clinic_a).count() == 3
    html = client_for(figures.admin_a).get(URL).content.decode()
    assert "Programme fidelity" in html
    assert "being updated" not in html and "data-refresh-seconds" not in html
    assert "refresh.js" not in html
