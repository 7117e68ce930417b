"""``manage.py bench_pages``: every page budget of DESIGN.md measured in one run.

    DJANGO_SECRET_KEY=bench DJANGO_SECURE_SSL=false manage.py bench_pages

(debug off, as in production; docs/performance.md has the figures and how to read them)

Everything it builds lives inside one transaction that is rolled back at the end, so it can
run against any database (a developer's, CI's) and leaves nothing behind:

- a physiotherapist with N patients (200) and a year of logs each
  (``walkback.demo.bench.caseload_data.seed_caseload``), plus a patient with two years of
  logs, sessions, prescriptions and check-ins;
- a clinic of M patients (5,000) with a year of logs each, seeded as ``bench_reports`` does,
  and its dashboard figures precomputed as the periodic task would.

It then serves, through Django's test client and the project's full middleware stack, three
bare pages per person (a "hello" view, a one-line template, a page on the person's layout)
and the real pages, interleaved round by round in a shuffled order so that noise from other
processes falls on all of them alike. Each page's median time, requests per second, ratio to
the same person's hello and one-line template, and query count are printed as a Markdown
table.

The bare views live only here, in a URLconf that wraps the project's for the run.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from django.utils import timezone

from coaching.services import caseload_rows_refresh
from patients.models import Patient


def bench_hello(request):
    return HttpResponse("hello")


def bench_one_line(request):
    return render(request, "core/bench/hello.html")


def bench_staff_layout(request):
    return render(request, "core/bench/staff.html")


def bench_patient_layout(request):
    return render(request, "core/bench/patient.html")


urlpatterns = [
    path("bench/hello/", bench_hello),
    path("bench/one-line/", bench_one_line),
    path("bench/staff/", bench_staff_layout),
    path("bench/patient/", bench_patient_layout),
    path("", include("walkback.urls")),
]


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
        try:
            with transaction.atomic():
                self._run(options)
                raise Rollback
        except Rollback:
            pass

    # --- Data ---------------------------------------------------------------------------------

    def _seed_caseload(self, n_patients: int, days: int):
        from walkback.demo.bench.caseload_data import seed_caseload

        return seed_caseload(n_patients, days)

    def _seed_long_patient(self, physio):
        """A patient two years into the programme with everything the portal shows."""
        from coaching.models import CoachingSession, Prescription
        from coaching.services import DEFAULT_SCHEDULE
        from patients.models import CheckIn, Patient, PatientStatus, WalkLog
        from walkback.accounts.models import Role, User

        clinic = physio.clinic
        colleague = User.objects.create_user(
            email="bench.colleague@bench.invalid",
            full_name="Bench Colleague",
            role=Role.PHYSIO,
            clinic=clinic,
        )
        user = User.objects.create_user(
            email="bench.long@bench.invalid",
            full_name="Bench Long-Walker",
            role=Role.PATIENT,
            clinic=clinic,
        )
        today = timezone.now().date()
        start = today - dt.timedelta(days=730)
        patient = Patient.objects.create(
            user=user,
            clinic=clinic,
            physiotherapist=colleague,
            time_zone=clinic.time_zone,
            status=PatientStatus.ACTIVE,
            programme_start=start,
            baseline_minutes_per_week=60,
        )
        for offset, walks, minutes in ((0, 3, 15), (28, 4, 20), (84, 5, 30)):
            Prescription.objects.create(
                patient=patient,
                effective_from=start + dt.timedelta(days=offset),
                walks_per_week=walks,
                minutes_per_walk=minutes,
                author=colleague,
                rationale="bench",
            )
        now = timezone.now()
        CoachingSession.objects.bulk_create(
            CoachingSession(
                patient=patient,
                number=s.number,
                purpose=s.purpose,
                mode=s.mode,
                duration_minutes=s.duration_minutes,
                scheduled_at=now - dt.timedelta(days=730 - 7 * s.week),
                status="done",
                completed_at=now - dt.timedelta(days=730 - 7 * s.week),
            )
            for s in DEFAULT_SCHEDULE
        )
        CheckIn.objects.bulk_create(
            CheckIn(
                patient=patient,
                month_number=m,
                due_on=start + dt.timedelta(days=30 * m),
                completed_at=now - dt.timedelta(days=730 - 30 * m) if m < 12 else None,
                any_pain=False if m < 12 else None,
            )
            for m in range(1, 13)
        )
        rng = random.Random(11)
        WalkLog.objects.bulk_create(
            WalkLog(
                patient=patient,
                walked_on=start + dt.timedelta(days=d),
                minutes=rng.randint(15, 45),
                pain=rng.randint(0, 4) if rng.random() < 0.5 else None,
            )
            for d in range(731)
            if rng.random() < 0.7
        )
        return patient

    def _seed_clinic(self, n_patients: int, days: int):
        """The dashboard's clinic, as ``bench_reports`` builds it, with its default figures
        precomputed (what the periodic task stores and the page reads)."""
        from walkback.accounts.models import Clinic, User
        from walkback.demo.management.commands.bench_reports import Command as ReportsBench
        from walkback.reports import services
        from walkback.reports.selectors import Scope

        reports = ReportsBench(stdout=self.stdout, stderr=self.stderr)
        # Its seeding finds its clinic by name: give it one of its own.
        Clinic.objects.filter(name="Bench clinic").update(name="Bench caseload clinic")
        reports.seed(n_patients, days, 0.548)
        clinic = Clinic.objects.get(name="Bench clinic")
        admin = User.objects.get(email="admin@bench.test")
        began = time.perf_counter()
        services.figures_snapshot_refresh(clinic=clinic, scope=Scope(clinic_id=clinic.pk))
        self.stdout.write(f"Dashboard figures computed in {time.perf_counter() - began:.1f} s.")
        return admin

    # --- Clients ------------------------------------------------------------------------------

    @staticmethod
    def _client(user) -> Client:
        """Logged in as after a real login: staff with their second factor passed."""
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user, backend="walkback.accounts.backends.UserBackend")
        if user.is_clinic_staff:
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
            session = client.session
            session["otp_device_id"] = device.persistent_id
            session.save()
        return client

    # --- Run ----------------------------------------------------------------------------------

    def _run(self, options):
        began = time.perf_counter()
        physio, patients, walks = self._seed_caseload(options["patients"], options["days"])
        long_patient = self._seed_long_patient(physio)
        # Seeded in bulk: every patient's maintained caseload row from what was written.
        caseload_rows_refresh(patient_ids=Patient.objects.values_list("pk", flat=True))
        self.stdout.write(
            f"Seeded a caseload of {len(patients)} patients ({walks:,} walks) and a patient "
            f"with two years of logs in {time.perf_counter() - began:.1f} s."
        )
        admin = None
        if options["clinic_patients"]:
            admin = self._seed_clinic(options["clinic_patients"], options["days"])
        if settings.DEBUG:
            self.stderr.write("DEBUG is on: templates are not cached; run with debug off.")

        with override_settings(
            ROOT_URLCONF=__name__,
            ALLOWED_HOSTS=["*"],
            # Pages, not static files, are measured: no need for a collectstatic manifest.
            STORAGES={
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
        ):
            physio_client = self._client(physio)
            patient_client = self._client(long_patient.user)
            last_page = len(patients) // 25 + 1
            pages = [
                # (person, label, client, url)
                ("physio", "hello view", physio_client, "/bench/hello/"),
                ("physio", "one-line template", physio_client, "/bench/one-line/"),
                ("physio", "bare page, staff layout", physio_client, "/bench/staff/"),
                ("physio", "caseload, page 1", physio_client, "/caseload/"),
                ("physio", "caseload, last page", physio_client, f"/caseload/?page={last_page}"),
                ("physio", "caseload, flag filter", physio_client, "/caseload/?flag=no_recent_log"),
                ("physio", "patient page (1 year)", physio_client, f"/patients/{patients[0].pk}/"),
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
                admin_client = self._client(admin)
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
        import cProfile
        import io
        import pstats

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
