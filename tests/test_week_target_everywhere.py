"""The physiotherapist, the patient and the clinic admin see the same target and the same "on
target" for the same week (docs/programme-rules.md), through the real pages, the walk
confirmation and the walk reminder e-mail.

One patient in Sydney, today Friday 13 March 2026 there:
  week 0 (Mon  9 Feb): programme and 3 x 20 (60 a week) from Thursday 12 Feb: 4 days,
                       240/7 = 34.3, shown 35; walked 35           -> on target
  week 1 (Mon 16 Feb): 60; walked 59 (98%, close but not there)    -> not
  week 2 (Mon 23 Feb): 4 x 25 (100 a week) from Wednesday 25 Feb: 2 days at 60, 5 at 100,
                       620/7 = 88.6, shown 89; walked 89           -> on target
                       (the old rules said 100 on the portal, 60 in the clinic figures)
  week 3 (Mon  2 Mar): 100; walked 100                             -> on target, exactly
  week 4 (Mon  9 Mar, this week): 5 x 25 (125) set ahead from Saturday 14 Mar: 5 days at 100,
                       2 at 125, 750/7 = 107.1, shown 108; walked 60 so far -> not yet
The clinic's figures count ended weeks only: weeks 0-3, three of four on target.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse

from coaching.models import ReminderKind
from coaching.portal.encouragement import walk_confirmation
from coaching.reminders.messages import build
from patients.models import Patient
from tests.coaching.helpers import prescribe, started
from tests.factories import ReminderFactory, WalkLogFactory
from walkback.reports.figures import compute_figures, patient_weeks_for
from walkback.reports.selectors import Scope

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 13, 2, 0, tzinfo=dt.UTC)  # 13:00 on Friday 13 March in Sydney
TODAY = dt.date(2026, 3, 13)
D = dt.date

# Monday -> (target as shown, on target)
EXPECTED = {
    D(2026, 2, 9): (35, True),
    D(2026, 2, 16): (60, False),
    D(2026, 2, 23): (89, True),
    D(2026, 3, 2): (100, True),
    D(2026, 3, 9): (108, False),
}
ENDED = {monday: answer for monday, answer in EXPECTED.items() if monday < D(2026, 3, 9)}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def patient(world) -> Patient:
    physio = world.physio_a
    patient = started(physio, start_on=D(2026, 2, 12))
    prescribe(patient, physio, on=D(2026, 2, 12), walks=3, minutes=20)
    prescribe(patient, physio, on=D(2026, 2, 25), walks=4, minutes=25, confirm="a test jump")
    prescribe(patient, physio, on=D(2026, 3, 14), walks=5, minutes=25, confirm="ahead")
    for day, minutes in [
        (D(2026, 2, 12), 35),
        (D(2026, 2, 17), 59),
        (D(2026, 2, 26), 89),
        (D(2026, 3, 4), 60),
        (D(2026, 3, 6), 40),
        (D(2026, 3, 10), 60),
    ]:
        WalkLogFactory(patient=patient, walked_on=day, minutes=minutes)
    assert patient.today() == TODAY
    return patient


def answers(rows) -> dict[dt.date, tuple[int | None, bool | None]]:
    return {row.monday: (row.target_minutes, row.on_target) for row in rows}


def test_every_surface_gives_the_same_target_and_answer_for_the_same_weeks(
    world, patient, client_for
):
    staff = client_for(world.physio_a)
    # The physiotherapist's caseload: this week.
    caseload = staff.get(reverse("coaching:caseload"))
    (summary,) = [s for s in caseload.context["page"] if s.patient.pk == patient.pk]
    assert answers([summary.week]) == {D(2026, 3, 9): EXPECTED[D(2026, 3, 9)]}
    assert "60 of 108 min" in caseload.content.decode()
    # The physiotherapist's patient page: chart and table of every week.
    page = staff.get(reverse("patients:detail", args=[patient.pk]))
    assert answers(page.context["overview"].weeks) == EXPECTED
    assert 'aria-labelledby="progress-chart-title' in page.content.decode()

    own = client_for(patient.user)
    # The patient's home: this week.
    home = own.get(reverse("portal:home"))
    assert answers([home.context["summary"].week]) == {D(2026, 3, 9): EXPECTED[D(2026, 3, 9)]}
    assert '<span id="minutes-target">108</span>' in home.content.decode()
    # Weeks 2 and 3 on target; this week not yet, and it does not break the run.
    assert home.context["summary"].streak == 2
    # The patient's history: every week, and the chart drawn from the same rows.
    history = own.get(reverse("portal:history"))
    assert answers(history.context["weeks"]) == EXPECTED
    assert answers(history.context["chart_weeks"]) == EXPECTED
    assert history.content.decode().count('<span class="met">reached</span>') == 3
    # What the patient is told after logging a walk, and in the walk reminder e-mail.
    latest = patient.walks.order_by("-walked_on").first()
    assert walk_confirmation(patient, latest, today=TODAY) == "That's 60 of 108 minutes this week."
    reminder = ReminderFactory(
        recipient=patient.user,
        patient=patient,
        kind=ReminderKind.WALK,
        due_at=NOW - dt.timedelta(minutes=1),
        idempotency_key=f"test:{patient.pk}:walk",
    )
    assert "25-minute walk today: 60 of 108 minutes done this week." in build(reminder, NOW).text

    # The clinic: the rows behind the dashboard, its figure, and the weekly adherence export.
    clinic_rows = patient_weeks_for([patient.pk], {patient.pk: patient.programme_start}, TODAY)
    assert answers(clinic_rows[patient.pk]) == ENDED
    figures = compute_figures(
        Patient.objects.filter(pk=patient.pk), Scope(clinic_id=patient.clinic_id), TODAY
    )
    assert figures["adherence"]["weeks_on_target"] == {"part": 3, "whole": 4, "percent": 75.0}
    export = client_for(world.admin_a).post(
        reverse("clinic:exports"), {"dataset": "weekly", "format": "csv"}
    )
    content = export.streaming_content if export.streaming else [export.content]
    lines = list(csv.DictReader(io.StringIO(b"".join(content).decode("utf-8-sig"))))
    exported = {
        D.fromisoformat(line["week_start"]): (
            int(line["target_minutes"]),
            {"yes": True, "no": False}[line["on_target"]],
        )
        for line in lines
        if line["patient_id"] == str(patient.pk)
    }
    assert exported == ENDED
