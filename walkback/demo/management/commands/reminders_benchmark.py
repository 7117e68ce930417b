"""Benchmark the reminder planner and sweep (docs/reminders.md, "Speed"): the sweep's cost
must follow the number of due reminders, not the number of patients.

Creates a throwaway clinic with N patients (default 100,000, ``walkback.demo.bulk``), runs
the periodic planner for that clinic twice (all rows new, then all there), then times sweeps
with 0, 1,000 and 10,000 of its reminders due (the hand-over to Celery is replaced by a
counter, so the figures are the database work; the broker publish is one small message per
50 ids). Everything it created is deleted at the end.

It runs on a PostgreSQL database named ``*_bench`` that may hold other clinics: the sweeps run
at a moment long past (``SWEEP_AT``), when only the reminders this command moved there are due,
so nobody else's reminder is claimed, and every count is of its own clinic's rows.

    DATABASE_URL=postgres:///walkback_bench manage.py reminders_benchmark
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from coaching.models import Reminder, ReminderState
from coaching.reminders.delivery import reminders_sweep
from coaching.reminders.services import reminders_plan_upcoming
from patients.models import Patient
from walkback.accounts.models import Clinic, User
from walkback.demo.bench.support import require_bench_database
from walkback.demo.bulk import WORLD_ZONES, seed_clinic

CLINIC_NAME = "Reminder benchmark (temporary)"
# The sweeps' "now": reminders made due before it are this command's, whatever else is due.
SWEEP_AT = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)


class Command(BaseCommand):
    help = "Time the reminder planner and sweep with many patients (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=100_000)
        parser.add_argument("--due", type=int, nargs="+", default=[1_000, 10_000])
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument("--keep", action="store_true", help="do not delete the data")

    def handle(self, *args, patients, due, repeat, keep, **options):
        require_bench_database()
        self._cleanup()
        try:
            self._run(patients, due, repeat)
        finally:
            if not keep:
                self._cleanup()

    def _run(self, n_patients, due_counts, repeat):
        out = self.stdout.write
        started = time.perf_counter()
        clinic = seed_clinic(
            patients=n_patients, days=0, physios=0, zones=WORLD_ZONES, name=CLINIC_NAME
        ).clinic
        out(f"created {n_patients:,} patients in {time.perf_counter() - started:.1f} s")

        # Twice: the first run writes every row, the next (every 30 minutes) finds them all.
        # The process's CPU time beside the wall time: on a shared machine it is the steadier.
        for run in ("planner", "planner again"):
            started, cpu = time.perf_counter(), time.process_time()
            written = reminders_plan_upcoming(clinic=clinic)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            planned = Reminder.objects.filter(patient__clinic=clinic).count()
            out(
                f"{run}: {written:,} reminders for the next days in {wall:.1f} s, "
                f"{cpu:.1f} s CPU in this process ({planned:,} rows)"
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE coaching_reminder")

        results = {}
        for count in [0, *due_counts]:
            times = []
            for _ in range(repeat):
                self._make_due(clinic, count)
                handed: list[int] = []
                started = time.perf_counter()
                # As in the task: autocommit, each chunk's claim commits and is handed over.
                result = reminders_sweep(now=SWEEP_AT, publish=handed.extend)
                times.append(time.perf_counter() - started)
                ours = Reminder.objects.filter(pk__in=handed, patient__clinic=clinic).count()
                if not result.queued == len(handed) == ours == count:
                    raise CommandError(
                        f"expected {count} due; the sweep took {result.queued}, handed over "
                        f"{len(handed)}, {ours} of them this clinic's"
                    )
                self._reset(clinic)
            results[count] = statistics.median(times)
            per = f", {results[count] / count * 1e6:.0f} µs per due reminder" if count else ""
            out(f"sweep with {count:>6,} due: {results[count] * 1000:8.1f} ms (median){per}")
        if len(due_counts) >= 2:
            low, high = due_counts[0], due_counts[-1]
            out(
                f"ratio {high:,} due / {low:,} due: {results[high] / results[low]:.1f}x "
                f"for {high / low:.0f}x the due reminders, with {n_patients:,} patients and "
                f"{planned:,} planned rows throughout"
            )

    def _make_due(self, clinic, count):
        """Move ``count`` planned reminders to just before ``SWEEP_AT`` (the rest stay in the
        future)."""
        if not count:
            return
        ids = Reminder.objects.filter(
            patient__clinic=clinic, state=ReminderState.PENDING
        ).values_list("pk", flat=True)[:count]
        Reminder.objects.filter(pk__in=list(ids)).update(due_at=SWEEP_AT - dt.timedelta(minutes=1))

    def _reset(self, clinic):
        Reminder.objects.filter(patient__clinic=clinic, state=ReminderState.QUEUED).update(
            state=ReminderState.PENDING,
            queued_at=None,
            due_at=timezone.now() + dt.timedelta(days=1),
        )

    def _cleanup(self):
        clinics = list(Clinic.objects.filter(name=CLINIC_NAME).values_list("pk", flat=True))
        if not clinics:
            return
        # Raw deletes: only rows this command created, and nothing else refers to them.
        Reminder.objects.filter(recipient__clinic__in=clinics)._raw_delete(connection.alias)
        Patient.objects.filter(clinic__in=clinics)._raw_delete(connection.alias)
        User.objects.filter(clinic__in=clinics)._raw_delete(connection.alias)
        Clinic.objects.filter(pk__in=clinics)._raw_delete(connection.alias)
        self.stdout.write("benchmark data deleted")
