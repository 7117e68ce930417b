"""Issue 16: the refresh the dashboard asks for is done by a real Celery worker serving the
``reports`` queue, on PostgreSQL and Redis, and the page then shows its figures; the periodic
fan-out's tasks each produce their view's snapshot."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from walkback.reports.models import FigureRefresh, FigureSnapshot
from walkback.reports.tasks import figures_refresh_task

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

URL = reverse("clinic:home")


def _wait_for(condition, group, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"the worker did not finish in time\n{group.log_text()}")
        time.sleep(0.2)


def test_the_refresh_a_page_asks_for_is_done_by_a_worker(seeded, client_for, workers):
    group = workers()
    group.start("reports", queues="reports")
    client = client_for(seeded.admin_a)

    html = client.get(URL).content.decode()
    assert "being worked out" in html
    _wait_for(lambda: FigureSnapshot.objects.filter(clinic=seeded.clinic_a).exists(), group)
    _wait_for(lambda: not FigureRefresh.objects.exists(), group)

    snapshot = FigureSnapshot.objects.get(clinic=seeded.clinic_a)
    assert snapshot.key == "physio=all;from=-;to=-"
    assert snapshot.data["patients"] == 2 and snapshot.data["fidelity"]["done"] == 4
    html = client.get(URL).content.decode()
    assert "2 patients whose programme started at any time" in html
    assert "being worked out" not in html

    # The periodic refresh: one task per clinic and view, each writing its snapshot.
    figures_refresh_task()
    _wait_for(lambda: FigureSnapshot.objects.count() == 5, group)
    _wait_for(lambda: not FigureRefresh.objects.exists(), group)
    assert set(FigureSnapshot.objects.values_list("clinic_id", flat=True)) == {
        seeded.clinic_a.pk,
        seeded.clinic_b.pk,
    }
