"""``manage.py bench_reports``: the speed budgets of the clinic admin's area (docs/reports.md).

1. CSV export of the walk logs of a clinic (a million rows at full size) against PostgreSQL's
   own ``COPY (SELECT ...) TO STDOUT WITH CSV`` of the same SELECT, in the same run, with the
   export's peak Python memory at about 100,000 rows and at all rows.
2. The dashboard of a clinic of 5,000 patients with a year of logs each, against bare template
   views behind the same middleware, in the same run.
3. The clinic figures' refresh, one view at a time, each in a process of its own (as each is
   a task of its own): seconds, peak Python memory (tracemalloc) and the process's max RSS.

It adds a clinic of its own (``walkback.demo.bulk.seed_clinic``) and keeps it, so it refuses
any database whose name does not end in ``_bench``: create one, migrate it, run this, drop it
(docs/reports.md shows the commands). Other data in it is left alone and never counted;
``--skip-seed`` measures the newest benchmark clinic again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.http import StreamingHttpResponse
from django.test import override_settings

from patients.models import Patient
from walkback.accounts.models import Clinic, Role, User
from walkback.demo.bench.support import bench_site, logged_in, require_bench_database
from walkback.demo.bulk import BENCH_CLINIC, seed_clinic
from walkback.reports import exports, services
from walkback.reports.models import Dataset, ExportJob
from walkback.reports.selectors import Scope, cohort


class Command(BaseCommand):
    help = "Benchmark exports and the clinic dashboard on a throwaway *_bench database."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=5000)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument(
            "--walk-chance",
            type=float,
            default=0.548,
            help="Chance of a walk on a day (0.548 x 365 x 5000 = 1M walks).",
        )
        parser.add_argument("--requests", type=int, default=300)
        parser.add_argument("--skip-seed", action="store_true")
        parser.add_argument(
            "--skip-exports", action="store_true", help="Measure the dashboard and figures only."
        )
        parser.add_argument(
            "--figures-in-process",
            action="store_true",
            help="Refresh the figures views in this process (the RSS column is then shared).",
        )
        # Internal: one view's refresh in this process (what each child of bench_figures runs).
        parser.add_argument("--figures-view", default="", help=argparse.SUPPRESS)

    def handle(self, *args, **opts):
        require_bench_database()
        if opts["figures_view"]:
            self.figures_view(opts["figures_view"])
            return
        if opts["skip_seed"]:
            clinic = Clinic.objects.filter(name=BENCH_CLINIC).order_by("pk").last()
            if clinic is None:
                raise CommandError("No benchmark clinic to measure: run without --skip-seed.")
        else:
            began = time.perf_counter()
            clinic = seed_clinic(
                patients=opts["patients"], days=opts["days"], walk_chance=opts["walk_chance"]
            ).clinic
            walks = Patient.objects.filter(clinic=clinic).aggregate(n=Count("walks"))["n"]
            self.stdout.write(
                f"Seeded {opts['patients']:,} patients and {walks:,} walk logs in "
                f"{time.perf_counter() - began:.0f} s."
            )
        admin = User.objects.filter(clinic=clinic, role=Role.CLINIC_ADMIN).order_by("pk").first()
        if not opts["skip_exports"]:
            self.bench_exports(clinic, admin)
        self.bench_figures(clinic, in_process=opts["figures_in_process"])
        self.bench_dashboard(clinic, admin, opts["requests"])

    # --- Exports ------------------------------------------------------------------------------

    def _walks_table(self, clinic, scope: Scope) -> exports.Table:
        spec = exports.ExportSpec(Dataset.WALKS, scope, False)
        return exports.build_table(spec, Patient.objects.filter(clinic=clinic), clinic)

    @staticmethod
    def _sql(table: exports.Table) -> tuple[str, tuple]:
        if table.queryset is None:  # the walks export is one query (exports._query_table)
            raise CommandError("The export to measure is not a single query.")
        return table.queryset.query.sql_with_params()

    def _copy_with_psql(self, table: exports.Table) -> float:
        """PostgreSQL's own COPY, by psql, to /dev/null: the yardstick."""
        sql, params = self._sql(table)
        with connection.cursor() as cursor:
            literal = cursor.mogrify(sql, params) if params else sql
        db = connection.settings_dict
        command = [
            "psql",
            "-X",
            "-q",
            "-h",
            db["HOST"] or "localhost",
            "-U",
            db["USER"] or "postgres",
            "-d",
            db["NAME"],
            "-c",
            f"COPY ({literal}) TO STDOUT WITH (FORMAT csv)",
        ]
        if db["PORT"]:
            command[1:1] = ["-p", str(db["PORT"])]
        began = time.perf_counter()
        with open("/dev/null", "wb") as sink:
            subprocess.run(command, stdout=sink, check=True)  # noqa: S603
        return time.perf_counter() - began

    def _copy_with_psycopg(self, table: exports.Table) -> float:
        sql, params = self._sql(table)
        began = time.perf_counter()
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy,
        ):
            for _ in copy:
                pass
        return time.perf_counter() - began

    def _export(self, table: exports.Table) -> tuple[float, int, int]:
        """The export's own generator (what the streamed response and the job both use):
        seconds, bytes, peak Python memory."""
        gc.collect()
        tracemalloc.start()
        began = time.perf_counter()
        size = 0
        for chunk in exports.csv_chunks(table):
            size += len(chunk)
        seconds = time.perf_counter() - began
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return seconds, size, peak

    @staticmethod
    def _job(admin, scope: Scope, *, traced: bool = False) -> tuple[float, int]:
        """An export job of the walk logs in ``scope``, run as the worker runs it: seconds and,
        when ``traced``, peak Python memory (0 otherwise). Its file is deleted afterwards."""
        job = ExportJob.objects.create(
            requested_by=admin,
            clinic=admin.clinic,
            dataset=Dataset.WALKS,
            format="csv",
            filters={**scope.as_json(), "deidentified": False},
        )
        gc.collect()
        if traced:
            tracemalloc.start()
        began = time.perf_counter()
        done = services.export_job_run(job_id=str(job.pk))
        seconds = time.perf_counter() - began
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        tracemalloc.stop()
        if done is None or not done.file:
            raise CommandError("The export job did not finish.")
        done.file.delete(save=False)
        return seconds, peak

    def _export_timed(self, table: exports.Table) -> tuple[float, int]:
        began = time.perf_counter()
        size = sum(len(chunk) for chunk in exports.csv_chunks(table))
        return time.perf_counter() - began, size

    def bench_exports(self, clinic, admin) -> None:
        everything = Scope(clinic_id=clinic.pk)
        table = self._walks_table(clinic, everything)
        total = table.count()
        # A window of about 100,000 rows (a tenth of a smaller clinic's): the first days.
        wanted = min(100_000, max(1, total // 10))
        first = Patient.objects.filter(clinic=clinic).order_by("programme_start").first()
        if first is None or first.programme_start is None:
            raise CommandError("The benchmark clinic has no patient in the programme.")
        for days in range(5, 800, 5):
            scope = Scope(clinic_id=clinic.pk, date_to=first.programme_start + dt.timedelta(days))
            count = self._walks_table(clinic, scope).count()
            if count >= wanted:
                window = (scope, count)
                break
        small_table = self._walks_table(clinic, window[0])
        self._copy_with_psycopg(small_table)  # warm the cache

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        small_s, small_bytes, small_peak = self._export(small_table)
        rss_small = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        big_s, big_bytes, big_peak = self._export(table)
        rss_big = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        runs = []
        for _ in range(3):
            runs.append(
                {
                    "psql": self._copy_with_psql(table),
                    "psycopg": self._copy_with_psycopg(table),
                    "export": self._export_timed(table)[0],
                }
            )
        best = {key: min(run[key] for run in runs) for key in runs[0]}
        median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}

        # The whole HTTP path too: POST to the exports page, read the streamed response.
        client = logged_in(admin)
        with bench_site(), override_settings(WALKBACK_EXPORT_INLINE_ROWS=10**9):
            began = time.perf_counter()
            response = client.post("/clinic/exports/", {"dataset": "walks", "format": "csv"})
            if not isinstance(response, StreamingHttpResponse):
                raise CommandError("The inline export did not stream.")
            http_bytes = sum(len(chunk) for chunk in response)
            http_s = time.perf_counter() - began

        # The job path (a worker's task, run here in-process): the file written to storage,
        # progress on a second connection, for the window and for everything.
        # Memory traced in runs of their own: tracemalloc slows every allocation it counts.
        _, job_small_peak = self._job(admin, window[0], traced=True)
        _, job_peak = self._job(admin, everything, traced=True)
        job_runs = [self._job(admin, everything)[0] for _ in range(3)]
        job_s, job_median = min(job_runs), statistics.median(job_runs)

        deid = exports.build_table(
            exports.ExportSpec(Dataset.WALKS, everything, True),
            Patient.objects.filter(clinic=clinic),
            clinic,
        )
        deid_s, _ = self._export_timed(deid)
        deid_copy = self._copy_with_psql(deid)

        out = self.stdout.write
        out("\n## CSV export of walk logs\n")
        out(f"Rows: {total:,} ({big_bytes / 1e6:.0f} MB of CSV); window: {window[1]:,} rows.\n")
        out("| run (3 runs, best / median) | seconds | rows per second | share of psql COPY |")
        out("|---|---|---|---|")
        for key, label in (
            ("psql", "PostgreSQL `COPY (SELECT ...) TO STDOUT WITH CSV` by psql to /dev/null"),
            ("psycopg", "the same COPY read by psycopg 3 in Python, discarded"),
            ("export", "WalkBack export (`csv_chunks`, COPY through `cursor.copy()`)"),
        ):
            out(
                f"| {label} | {best[key]:.2f} / {median[key]:.2f} | {total / best[key]:,.0f} | "
                f"{best['psql'] / best[key]:.2f} |"
            )
        out(
            f"| the whole HTTP path (POST, streamed response read) | {http_s:.2f} | "
            f"{total / http_s:,.0f} | {best['psql'] / http_s:.2f} |"
        )
        out(
            f"| the job path (`export_job_run`: file, progress on a second connection) | "
            f"{job_s:.2f} / {job_median:.2f} | {total / job_s:,.0f} | {best['psql'] / job_s:.2f} |"
        )
        out(
            f"| de-identified export (pseudonyms, days) vs its own psql COPY {deid_copy:.2f} s "
            f"| {deid_s:.2f} | {total / deid_s:,.0f} | {deid_copy / deid_s:.2f} |"
        )
        out("\n| rows exported | peak Python memory (tracemalloc) | process max RSS after |")
        out("|---|---|---|")
        out(f"| (before) | | {rss_before / 1024:.0f} MB |")
        out(f"| {window[1]:,} | {small_peak / 1024:.0f} KiB | {rss_small / 1024:.0f} MB |")
        out(f"| {total:,} | {big_peak / 1024:.0f} KiB | {rss_big / 1024:.0f} MB |")
        out("\n| rows exported by the job path | peak Python memory (tracemalloc) |")
        out("|---|---|")
        out(f"| {window[1]:,} | {job_small_peak / 1024:.0f} KiB |")
        out(f"| {total:,} | {job_peak / 1024:.0f} KiB |")
        if http_bytes != big_bytes:
            out(f"\nNote: the HTTP response had {http_bytes:,} bytes, the generator {big_bytes:,}.")

    # --- Dashboard ----------------------------------------------------------------------------

    # --- Figures ------------------------------------------------------------------------------

    def figures_view(self, key: str) -> None:
        """Refresh one view of the newest benchmark clinic, as its task does, and print
        seconds, peak Python memory and max RSS as JSON (the parent reads it)."""
        clinic = Clinic.objects.filter(name=BENCH_CLINIC).order_by("pk").last()
        if clinic is None:
            raise CommandError("No benchmark clinic.")
        scope = next(s for s in services.figures_default_scopes(clinic.pk) if s.key == key)
        self.stdout.write(json.dumps(self._measure_view(clinic, scope)))

    @staticmethod
    def _measure_view(clinic, scope: Scope) -> dict:
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        began = time.perf_counter()
        services.figures_snapshot_refresh(clinic=clinic, scope=scope)
        seconds = time.perf_counter() - began
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # Again under tracemalloc (slower, so timed apart): the peak of Python's allocations.
        gc.collect()
        tracemalloc.start()
        services.figures_snapshot_refresh(clinic=clinic, scope=scope)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return {
            "seconds": seconds,
            "peak_kib": peak / 1024,
            "rss_before_mb": rss_before / 1024,
            "rss_mb": rss_after / 1024,
        }

    def bench_figures(self, clinic, *, in_process: bool = False) -> None:
        """Each default view refreshed in a fresh process, as each runs as a task of its own
        (``reports.figures_refresh_run``); its max RSS is that view's alone. ``in_process``
        (for data a child process cannot see, such as a test's): here, one after the other,
        so the RSS column is this process's."""
        out = self.stdout.write
        scopes = services.figures_default_scopes(clinic.pk)
        manage = Path(settings.BASE_DIR) / "manage.py"
        results = []
        for scope in scopes:
            patients = cohort(Patient.objects.filter(clinic=clinic), scope).count()
            if in_process:
                results.append((scope, patients, self._measure_view(clinic, scope)))
                continue
            child = subprocess.run(  # noqa: S603 - this very command, with a view's key
                [sys.executable, str(manage), "bench_reports", "--figures-view", scope.key],
                capture_output=True,
                text=True,
                check=True,
            )
            line = child.stdout.strip().splitlines()[-1]
            results.append((scope, patients, json.loads(line)))
        out("\n## Clinic figures refresh, one view per process\n")
        out(
            "| view | patients | seconds | peak Python memory (tracemalloc) | "
            "process max RSS (before the refresh) |"
        )
        out("|---|---|---|---|---|")
        for scope, patients, r in results:
            name = "everyone" if scope.physiotherapist_id is None else "one physiotherapist"
            out(
                f"| {name} | {patients:,} | {r['seconds']:.2f} | {r['peak_kib'] / 1024:.1f} MB | "
                f"{r['rss_mb']:.0f} MB ({r['rss_before_mb']:.0f} MB) |"
            )
        per_physio = [r for scope, _, r in results if scope.physiotherapist_id is not None]
        if per_physio:
            out(
                f"\nAll {len(results)} views: {sum(r['seconds'] for _, _, r in results):.1f} s "
                f"in all; one physiotherapist's view: median "
                f"{statistics.median(r['seconds'] for r in per_physio):.2f} s, peak Python "
                f"memory at most {max(r['peak_kib'] for r in per_physio) / 1024:.1f} MB."
            )

    # --- Dashboard ----------------------------------------------------------------------------

    def bench_dashboard(self, clinic, admin, requests: int) -> None:
        """The page reads a snapshot (never computes): with the default view, and with a
        period filter whose snapshot a refresh has left."""
        out = self.stdout.write
        first = Patient.objects.filter(clinic=clinic).order_by("programme_start").first()
        start = first.programme_start if first and first.programme_start else dt.date.today()
        period = {"date_from": (start + dt.timedelta(days=90)).isoformat()}
        for scope in (
            Scope(clinic_id=clinic.pk),
            Scope(clinic_id=clinic.pk, date_from=dt.date.fromisoformat(period["date_from"])),
        ):
            services.figures_snapshot_refresh(clinic=clinic, scope=scope)
        with bench_site():
            client = logged_in(admin)
            pages = {
                "dashboard": "/clinic/",
                "filtered": "/clinic/?date_from=" + period["date_from"],
                "bare": "/bench/staff/",
                "hello": "/bench/one-line/",
            }
            for url in pages.values():
                for _ in range(20):
                    assert client.get(url).status_code == 200
            timings: dict[str, list[float]] = {key: [] for key in pages}
            block = 25
            for _ in range(max(1, requests // block)):
                for key, url in pages.items():
                    began = time.perf_counter()
                    for _ in range(block):
                        client.get(url)
                    timings[key].append(block / (time.perf_counter() - began))
        rate = {key: statistics.median(values) for key, values in timings.items()}
        out("\n## Dashboard\n")
        out(f"Clinic of {Patient.objects.filter(clinic=clinic).count():,} patients.\n")
        out("| page (same middleware, same run) | requests per second | share of the bare page |")
        out("|---|---|---|")
        for key, label in (
            ("dashboard", "clinic dashboard, from its snapshot"),
            (
                "filtered",
                f"clinic dashboard filtered from {period['date_from']}, from its snapshot",
            ),
            ("bare", "bare page with the staff layout"),
            ("hello", "one-line template"),
        ):
            out(f"| {label} | {rate[key]:,.0f} | {rate[key] / rate['bare']:.2f} |")
