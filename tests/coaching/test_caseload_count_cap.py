"""The caseload counts its patients up to a cap, so a clinic-wide view of a very large clinic
costs what a small one does (docs/performance.md, "Counting the caseload")."""

from __future__ import annotations

import pytest

from coaching import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(selectors, "CASELOAD_COUNT_CAP", 1)


def test_counts_past_the_cap_say_more_than(world, client_for, small_cap):
    # Clinic A has two patients: counted as "more than one" under a cap of one.
    page = selectors.caseload_page(world.physio_a, mine=False)
    assert page.shown == 2 and page.shown_past_cap and page.total_past_cap
    assert page.page.paginator.count == 1  # the pages offered stop at the cap
    html = client_for(world.physio_a).get("/caseload/?scope=all").content.decode()
    assert "of more than 1." in html
    assert "Search or filter to find a patient past page" in html


def test_counts_under_the_cap_are_exact(world, client_for):
    page = selectors.caseload_page(world.physio_a, mine=False)
    assert page.shown == 2 and not page.shown_past_cap
    html = client_for(world.physio_a).get("/caseload/?scope=all").content.decode()
    assert f"of {page.shown}." in html and "more than" not in html
