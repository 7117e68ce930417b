"""``manage.py bench_status``: the caseload on its maintained rows, at three sizes, the
patient's walk-then-home loop, and the status refresh, on a PostgreSQL database named
``*_bench``:

    createdb walkback_status_bench
    DATABASE_URL=postgres://.../walkback_status_bench DJANGO_SECRET_KEY=bench \\
        DJANGO_SECURE_SSL=false manage.py migrate
    DATABASE_URL=... manage.py bench_status        # then dropdb walkback_status_bench
    DATABASE_URL=... manage.py bench_status --profile "caseload page 1, attention, 200"

(debug off, as in production; docs/performance.md has the figures and how to read them.)

It seeds with the one benchmark seeder (``walkback.demo.bulk``) clinics of its own, so the
database may hold others: three whose physiotherapist sees 200, 2,000 and 20,000 patients
clinic-wide (``--sizes``), and a fourth that brings its total to 100,000 patients
(``--total``), each in programme with three weeks of walks (``--days``: what a row reads),
sessions, prescriptions, check-ins and some problem reports. It keeps what it seeds (the
refresh and the pages are measured on committed rows, after ``VACUUM ANALYZE``). Then:

1. the status refresh of its patients from scratch (no rows yet), then again when nothing
   changed, then the periodic task when nothing is due;
2. through Django's test client and the whole middleware stack, page 1 of the caseload sorted
   by attention, clinic-wide, at each size, against a bare "hello" view and a bare page on
   the staff layout, interleaved round by round in a shuffled order; query counts per page;
3. the patient's home, a walk logged (the POST and its redirect) and the loop of both,
   against the same bare views.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import random
import statistics
import time
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching.models import CaseloadRow
from coaching.services.status import caseload_rows_refresh, caseload_rows_refresh_due
from patients.models import Patient, WalkLog
from walkback.demo.bench.support import bench_site, logged_in, require_bench_database
from walkback.demo.bulk import BenchClinic, seed_clinic

SIZES = (200, 2_000, 20_000)


class Command(BaseCommand):
    help = "Benchmark the caseload at three sizes, the walk-then-home loop and the status refresh."

    def add_arguments(self, parser):
        parser.add_argument(
            "--sizes", type=int, nargs=3, default=list(SIZES), help="the three caseloads"
        )
        parser.add_argument("--total", type=int, default=100_000, help="patients in all")
        parser.add_argument("--days", type=int, default=21, help="days of walks per patient")
        parser.add_argument("--rounds", type=int, default=60, help="requests per page")
        parser.add_argument("--profile", default="", help="a page label: profile it instead")
        parser.add_argument("--profile-requests", type=int, default=200)

    def handle(self, *args, sizes, total, days, rounds, profile, profile_requests, **options):
        require_bench_database()
        if settings.DEBUG:
            self.stderr.write("DEBUG is on: templates are not cached; run with debug off.")
        if min(sizes) < 1:
            raise CommandError("Every caseload needs at least one patient.")
        began = time.perf_counter()
        clinics = self._seed(sizes, total, days)
        ids = [pk for clinic in clinics for pk in clinic.patient_ids]
        walks = WalkLog.objects.filter(patient_id__in=ids).count()
        self.stdout.write(
            f"Seeded {len(ids):,} patients and {walks:,} walks in "
            f"{time.perf_counter() - began:.0f} s."
        )
        self._bench_refresh(ids)
        with connection.cursor() as cursor:
            # What autovacuum does soon after such a load: statistics, and the visibility map
            # that lets the caseload's count read its index alone (VACUUM cannot run inside a
            # transaction, as in a test: statistics only, then).
            cursor.execute(
                "ANALYZE coaching_caseloadrow"
                if connection.in_atomic_block
                else "VACUUM ANALYZE coaching_caseloadrow"
            )
        walker = Patient.objects.select_related("user").get(pk=clinics[0].patient_ids[0])
        with bench_site():
            self._bench_pages(
                sizes,
                [c.physios[0] for c in clinics[:3]],
                walker,
                rounds,
                profile,
                profile_requests,
            )

    # --- Data ---------------------------------------------------------------------------------

    def _seed(self, sizes: list[int], total: int, days: int) -> list[BenchClinic]:
        clinics = [
            seed_clinic(patients=size, days=days, physios=1, name=f"Status bench {size:,}")
            for size in sizes
        ]
        rest = total - sum(sizes)
        if rest > 0:
            clinics.append(
                seed_clinic(patients=rest, days=days, physios=5, name="Status bench rest")
            )
        return clinics

    # --- The refresh --------------------------------------------------------------------------

    def _bench_refresh(self, ids: list[int]) -> None:
        out = self.stdout.write
        now = timezone.now()
        began = time.perf_counter()
        written = caseload_rows_refresh(patient_ids=ids, now=now)
        first = time.perf_counter() - began
        began = time.perf_counter()
        again = caseload_rows_refresh(patient_ids=ids, now=now)
        unchanged = time.perf_counter() - began
        began = time.perf_counter()
        due = caseload_rows_refresh_due(now=now)
        periodic = time.perf_counter() - began
        out("\n| status refresh | patients | rows written | seconds | patients/s |")
        out("|---|---:|---:|---:|---:|")
        out(
            f"| from scratch (no rows) | {len(ids):,} | {written:,} | {first:.1f} "
            f"| {len(ids) / first:,.0f} |"
        )
        out(
            f"| again, nothing changed | {len(ids):,} | {again:,} | {unchanged:.1f} "
            f"| {len(ids) / unchanged:,.0f} |"
        )
        out(f"| periodic task, nothing due | {len(ids):,} | {due:,} | {periodic:.3f} | |")
        assert CaseloadRow.objects.filter(patient_id__in=ids).count() == len(ids)

    # --- Pages --------------------------------------------------------------------------------

    def _bench_pages(self, sizes, physios, walker, rounds, profile, profile_requests) -> None:
        clients = [logged_in(physio) for physio in physios]
        first = clients[0]
        patient_client = logged_in(walker.user)
        today = walker.today()

        def get(client, url):
            return lambda: client.get(url)

        def log_walk():
            posted = patient_client.post(
                "/me/walks/new/",
                {
                    "walked_on": today.isoformat(),
                    "minutes": "20",
                    "submission_token": str(uuid.uuid4()),
                },
            )
            assert posted.status_code == 302, posted.status_code
            posted.status_code = 200  # for the check below: the redirect is the success
            return posted

        def loop():
            log_walk()
            return patient_client.get("/me/")

        pages = {
            "hello view (physio)": get(first, "/bench/hello/"),
            "bare page, staff layout": get(first, "/bench/staff/"),
            "hello view (patient)": get(patient_client, "/bench/hello/"),
        }
        for client, size in zip(clients, sizes, strict=True):
            pages[f"caseload page 1, attention, {size:,} patients"] = get(
                client, "/caseload/?scope=all&sort=attention"
            )
        pages["patient: home"] = get(patient_client, "/me/")
        pages["patient: log a walk (POST, redirect)"] = log_walk
        pages["patient loop: log a walk, then home"] = loop
        queries: dict[str, int] = {}
        for label, call in pages.items():  # warm up, check, count queries
            call()
            with CaptureQueriesContext(connection) as captured:
                response = call()
            assert response.status_code == 200, (label, response.status_code)
            queries[label] = len(captured)
        if profile:
            self._profile(pages, profile, profile_requests)
            return
        samples: dict[str, list[float]] = {label: [] for label in pages}
        order = list(pages)
        rng = random.Random(3)
        for _ in range(rounds):
            rng.shuffle(order)  # no page always follows the same heavy one
            for label in order:
                began = time.perf_counter()
                pages[label]()
                samples[label].append(time.perf_counter() - began)
        self._report(sizes, samples, queries, rounds)

    def _profile(self, pages, wanted: str, requests: int) -> None:
        label = next(label for label in pages if wanted in label)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            pages[label]()
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
        stats.print_stats(60)
        out.write("\n--- by own time ---\n")
        stats.sort_stats("tottime").print_stats(40)
        self.stdout.write(f"Profile of {label}, {requests} requests\n")
        self.stdout.write(out.getvalue())

    def _report(self, sizes, samples, queries, rounds) -> None:
        median = {label: statistics.median(values) * 1000 for label, values in samples.items()}
        hello = median["hello view (physio)"]
        bare = median["bare page, staff layout"]
        patient_hello = median["hello view (patient)"]
        out = self.stdout.write
        out(f"\n{rounds} rounds, interleaved in a shuffled order; median milliseconds.\n")
        out("| page | ms | req/s | vs hello | vs bare staff page | queries |")
        out("|---|---:|---:|---:|---:|---:|")
        for label, ms in median.items():
            base = patient_hello if label.startswith(("patient", "hello view (patient")) else hello
            out(
                f"| {label} | {ms:.1f} | {1000 / ms:,.0f} | {base / ms:.2f} | "
                f"{bare / ms:.2f} | {queries[label]} |"
            )
        times = [median[f"caseload page 1, attention, {size:,} patients"] for size in sizes]
        out(f"\n{sizes[2]:,} against {sizes[0]:,}: {times[2] / times[0]:.2f}x the time.")
