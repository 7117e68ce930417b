"""Each benchmark command, at a tiny size, on a database that already holds another clinic:
it measures and counts only the clinic it makes, and leaves the other one as it was."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from coaching.models import Reminder, ReminderState
from patients.models import WalkLog
from tests.factories import ReminderFactory, WalkLogFactory
from walkback.accounts.models import Clinic
from walkback.demo.bench import support
from walkback.demo.bulk import seed_clinic

pytestmark = pytest.mark.postgres


@pytest.fixture
def other(postgres, world, monkeypatch):
    """Someone else's clinic with walks and a reminder due now, in a database the guard
    accepts (the test database's name does not end in _bench)."""
    monkeypatch.setattr(support, "BENCH_SUFFIX", "")
    for day in range(5):
        WalkLogFactory(patient=world.patient_a, walked_on=world.patient_a.today(), minutes=20 + day)
    reminder = ReminderFactory(patient=world.patient_a)
    return world, reminder


def run(command, *args) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.parametrize(
    "command",
    [
        "bench_http",
        "bench_pages",
        "bench_reports",
        "bench_status",
        "reminders_benchmark",
        "reminders_channels_benchmark",
    ],
)
def test_a_benchmark_refuses_a_database_not_named_for_it(postgres, command):
    with pytest.raises(CommandError, match="_bench"):
        call_command(command)


def test_the_seeder_counts_from_its_own_clinic(other):
    first = seed_clinic(patients=3, days=40, physios=2)
    second = seed_clinic(patients=3, days=40, physios=2)  # the same names, a new clinic
    assert first.clinic != second.clinic
    assert set(first.patients.values_list("pk", flat=True)) == set(first.patient_ids)
    assert WalkLog.objects.filter(patient__clinic=first.clinic).exists()


def test_bench_pages_measures_its_own_clinics_and_leaves_nothing(other):
    clinics = Clinic.objects.count()
    out = run(
        "bench_pages", "--patients", "6", "--days", "30", "--clinic-patients", "8", "--rounds", "1"
    )
    assert "Seeded a caseload of 6 patients" in out
    assert "| physio | caseload, page 1 |" in out and "| admin | dashboard (8 patients) |" in out
    assert Clinic.objects.count() == clinics  # rolled back


def test_bench_status_measures_its_own_clinics(other):
    world, _ = other
    out = run(
        "bench_status", "--sizes", "3", "5", "8", "--total", "20", "--days", "7", "--rounds", "1"
    )
    # Its four clinics' rows, refreshed from scratch, then nothing to write.
    assert "| from scratch (no rows) | 20 | 20 |" in out
    assert "| again, nothing changed | 20 | 0 |" in out
    for size in (3, 5, 8):
        assert f"| caseload page 1, attention, {size} patients |" in out
    assert "| patient loop: log a walk, then home |" in out
    # The queries of the caseload do not depend on its size.
    counts = re.findall(r"\| caseload page 1, attention, \d+ patients \|.*\| (\d+) \|", out)
    assert len(counts) == 3 and len(set(counts)) == 1
    assert WalkLog.objects.filter(patient=world.patient_a).count() == 5  # not its walker


def test_bench_reports_counts_only_its_clinic(other):
    # In process: a child process would not see this test's rows.
    out = run(
        "bench_reports",
        "--patients",
        "8",
        "--days",
        "30",
        "--requests",
        "25",
        "--figures-in-process",
    )
    clinic = Clinic.objects.filter(name="Bench clinic").get()
    walks = WalkLog.objects.filter(patient__clinic=clinic).count()
    assert walks and f"Rows: {walks:,} " in out
    assert "| the job path (`export_job_run`" in out and f"| {walks:,} | " in out
    assert "Clinic of 8 patients" in out
    assert "| everyone | 8 |" in out and out.count("| one physiotherapist |") == 25
    again = run("bench_reports", "--skip-seed", "--requests", "25", "--figures-in-process")
    assert f"Rows: {walks:,} " in again


# The sweep hands ids over once its claim has committed: real commits.
@pytest.mark.django_db(transaction=True)
def test_reminders_benchmark_plans_and_sweeps_only_its_clinic(other):
    world, reminder = other
    out = run("reminders_benchmark", "--patients", "40", "--due", "5", "10", "--repeat", "1")
    planned = int(re.search(r"\(([\d,]+) rows\)", out).group(1).replace(",", ""))
    assert planned > 0
    assert "sweep with     10 due" in out and "benchmark data deleted" in out
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.PENDING  # due, but not this benchmark's
    assert not Reminder.objects.exclude(pk=reminder.pk).exists()  # nothing planned elsewhere
    assert Clinic.objects.filter(pk=world.clinic_a.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_reminders_channels_benchmark_sweeps_three_channels_and_sends_its_own(other):
    world, reminder = other
    out = run("reminders_channels_benchmark", "--patients", "12", "--due", "30", "--send", "6")
    assert "sweep of 30 due (email, sms, push)" in out
    assert "10 push rows swept, not sent" in out
    assert "outcomes {'sent': 6}" in out and "benchmark data deleted" in out
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.PENDING  # due, but not this benchmark's
    assert not Reminder.objects.exclude(pk=reminder.pk).exists()
    assert Clinic.objects.filter(pk=world.clinic_a.pk).exists()
