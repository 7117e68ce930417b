"""``manage.py bench_pages``: every page budget of docs/performance.md measured in one run.

    DJANGO_SECRET_KEY=bench DJANGO_SECURE_SSL=false manage.py bench_pages

(debug off, as in production; docs/performance.md has the figures and how to read them)

It runs only on a PostgreSQL database named ``*_bench``, which may hold other data: everything
it builds is in clinics of its own (``walkback.demo.bulk``), inside one transaction that is
rolled back at the end, so it leaves nothing behind:

- a clinic whose one physiotherapist has N patients (200) with a year of logs each, plus a
  colleague's patient with two years of logs, sessions, prescriptions and check-ins;
- a clinic of M patients (5,000) with a year of logs each, as ``bench_reports`` builds it,
  and its dashboard figures precomputed as the periodic task would.

It then serves, through Django's test client and the project's full middleware stack, three
bare pages per person (a "hello" view, a one-line template, a page on the person's layout)
and the real pages, interleaved round by round in a shuffled order so that noise from other
processes falls on all of them alike. Each page's median time, requests per second, ratio to
the same person's hello and one-line template, and query count are printed as a Markdown
table.

The bare views live in ``walkback.demo.bench.urls``, a URLconf that wraps the project's.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import random
import statistics
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from coaching.services.status import caseload_rows_refresh
from patients.models import Patient, WalkLog
from walkback.demo.bench.support import bench_site, logged_in, require_bench_database
from walkback.demo.bulk import add_patients, seed_clinic
from walkback.demo.factories import UserFactory
from walkback.reports import services
from walkback.reports.selectors import Scope


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time every budgeted page against bare views behind the same middleware (rolled back)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=200, help="the caseload's size")
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument(
            "--clinic-patients", type=int, default=5000, help="the dashboard clinic's size"
        )
        parser.add_argument("--rounds", type=int, default=40, help="requests per page")
        parser.add_argument("--profile", default="", help="a page label: profile it instead")
        parser.add_argument("--profile-requests", type=int, default=200)

    def handle(self, *args, **options):
        require_bench_database()
        try:
            with transaction.atomic():
                self._run(options)
                raise Rollback
        except Rollback:
            pass

    def _seed_dashboard_clinic(self, n_patients: int, days: int):
        """The dashboard's clinic, as ``bench_reports`` builds it, with its default figures
        precomputed (what the periodic task stores and the page reads)."""
        clinic = seed_clinic(patients=n_patients, days=days)
        began = time.perf_counter()
        services.figures_snapshot_refresh(
            clinic=clinic.clinic, scope=Scope(clinic_id=clinic.clinic.pk)
        )
        self.stdout.write(f"Dashboard figures computed in {time.perf_counter() - began:.1f} s.")
        return clinic.admin

    # --- Run ----------------------------------------------------------------------------------

    def _run(self, options):
        began = time.perf_counter()
        caseload = seed_clinic(
            patients=options["patients"], days=options["days"], walk_chance=0.6, physios=1
        )
        physio = caseload.physios[0]
        # A colleague's patient two years into the programme, with everything the portal shows.
        colleague = UserFactory.create(clinic=caseload.clinic, full_name="Bench Colleague")
        [long_id] = add_patients(caseload.clinic, 1, days=730, walk_chance=0.7, physios=[colleague])
        long_patient = Patient.objects.select_related("user").get(pk=long_id)
        walks = WalkLog.objects.filter(patient__clinic=caseload.clinic).count()
        # Seeded in bulk: every patient's maintained caseload row from what was written.
        caseload_rows_refresh(
            patient_ids=Patient.objects.filter(clinic=caseload.clinic).values_list("pk", flat=True)
        )
        self.stdout.write(
            f"Seeded a caseload of {len(caseload.patient_ids)} patients and a patient with two "
            f"years of logs ({walks:,} walks) in {time.perf_counter() - began:.1f} s."
        )
        admin = None
        if options["clinic_patients"]:
            admin = self._seed_dashboard_clinic(options["clinic_patients"], options["days"])
        if settings.DEBUG:
            self.stderr.write("DEBUG is on: templates are not cached; run with debug off.")

        with bench_site():
            physio_client = logged_in(physio)
            patient_client = logged_in(long_patient.user)
            last_page = len(caseload.patient_ids) // 25 + 1
            first = caseload.patient_ids[0]
            pages = [
                # (person, label, client, url)
                ("physio", "hello view", physio_client, "/bench/hello/"),
                ("physio", "one-line template", physio_client, "/bench/one-line/"),
                ("physio", "bare page, staff layout", physio_client, "/bench/staff/"),
                ("physio", "caseload, page 1", physio_client, "/caseload/"),
                ("physio", "caseload, last page", physio_client, f"/caseload/?page={last_page}"),
                ("physio", "caseload, flag filter", physio_client, "/caseload/?flag=no_recent_log"),
                ("physio", "patient page (1 year)", physio_client, f"/patients/{first}/"),
                (
                    "physio",
                    "patient page (2 years)",
                    physio_client,
                    f"/patients/{long_patient.pk}/",
                ),
                ("patient", "hello view", patient_client, "/bench/hello/"),
                ("patient", "one-line template", patient_client, "/bench/one-line/"),
                ("patient", "bare page, patient layout", patient_client, "/bench/patient/"),
                ("patient", "home (2 years of logs)", patient_client, "/me/"),
                ("patient", "history (2 years of logs)", patient_client, "/me/history/"),
            ]
            if admin is not None:
                admin_client = logged_in(admin)
                pages += [
                    ("admin", "hello view", admin_client, "/bench/hello/"),
                    ("admin", "one-line template", admin_client, "/bench/one-line/"),
                    ("admin", "bare page, staff layout", admin_client, "/bench/staff/"),
                    (
                        "admin",
                        f"dashboard ({options['clinic_patients']:,} patients)",
                        admin_client,
                        "/clinic/",
                    ),
                ]
            for _person, label, client, url in pages:
                for _ in range(3):  # warm up: template cache, first-time imports
                    response = client.get(url)
                    assert response.status_code == 200, (label, url, response.status_code)
            if options["profile"]:
                self._profile(pages, options["profile"], options["profile_requests"])
                return
            queries = {}
            for person, label, client, url in pages:
                with CaptureQueriesContext(connection) as captured:
                    client.get(url)
                queries[(person, label)] = len(captured)
            samples: dict[tuple[str, str], list[float]] = {(p, lab): [] for p, lab, _, _ in pages}
            # A new order every round: no page always follows the same heavy one (whose
            # garbage the next request would collect).
            order = random.Random(5)
            for _ in range(options["rounds"]):
                for person, label, client, url in order.sample(pages, len(pages)):
                    start = time.perf_counter()
                    client.get(url)
                    samples[(person, label)].append(time.perf_counter() - start)
        self._report(pages, samples, queries, options)

    def _profile(self, pages, wanted: str, requests: int) -> None:
        person, label, client, url = next(p for p in pages if wanted in f"{p[0]}: {p[1]}")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            client.get(url)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
        stats.print_stats(60)
        out.write("\n--- by own time ---\n")
        stats.sort_stats("tottime").print_stats(40)
        self.stdout.write(f"Profile of {person}: {label} ({url}), {requests} requests\n")
        self.stdout.write(out.getvalue())

    def _report(self, pages, samples, queries, options) -> None:
        out = self.stdout.write
        median = {key: statistics.median(values) * 1000 for key, values in samples.items()}
        out(
            f"\n{options['rounds']} requests per page, interleaved; median milliseconds. "
            "Ratios are throughputs (page req/s over bare req/s) against the same person's "
            "bare pages.\n"
        )
        out("| person | page | median ms | req/s | vs hello | vs one-line | queries |")
        out("|---|---|---:|---:|---:|---:|---:|")
        for person, label, _, _ in pages:
            ms = median[(person, label)]
            hello = median[(person, "hello view")]
            one_line = median[(person, "one-line template")]
            out(
                f"| {person} | {label} | {ms:.1f} | {1000 / ms:.0f} | {hello / ms:.2f} | "
                f"{one_line / ms:.2f} | {queries[(person, label)]} |"
            )
