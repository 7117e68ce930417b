"""``manage.py bench_status``: the caseload on its maintained rows, at three sizes, and the
status refresh, on a throwaway PostgreSQL database named ``*_bench``:

    createdb walkback_status_bench
    DATABASE_URL=postgres://.../walkback_status_bench DJANGO_SECRET_KEY=bench \\
        DJANGO_SECURE_SSL=false manage.py migrate
    DATABASE_URL=... manage.py bench_status        # then dropdb walkback_status_bench

(debug off, as in production; docs/performance.md has the figures and how to read them.)

It creates its own clinics (the database should be empty): three whose physiotherapist sees
200, 2,000 and 20,000 patients clinic-wide, and a fourth that brings the total to 100,000
patients, each with three weeks of walks (what a row reads), a prescription, six sessions and
some unreviewed problem reports. Then:

1. the status refresh of every patient from scratch (no rows yet), then again when nothing
   changed, then the periodic task when nothing is due;
2. through Django's test client and the whole middleware stack, page 1 of the caseload sorted
   by attention, clinic-wide, at each size, against a bare "hello" view and a bare page on
   the staff layout, interleaved round by round in a shuffled order; query counts per page;
3. the patient's loop, log a walk then open the home page, against the same bare views.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
import zoneinfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from coaching.models import CaseloadRow, CoachingSession, Prescription
from coaching.services import (
    DEFAULT_SCHEDULE,
    caseload_rows_refresh,
    caseload_rows_refresh_due,
)
from patients.models import AdverseEvent, Patient, PatientStatus, WalkLog
from walkback.accounts.models import Clinic, Role, User


def bench_hello(request):
    return HttpResponse("hello")


def bench_staff_layout(request):
    return render(request, "core/bench/staff.html")


urlpatterns = [
    path("bench/hello/", bench_hello),
    path("bench/staff/", bench_staff_layout),
    path("", include("walkback.urls")),
]

SIZES = (200, 2_000, 20_000)


class Command(BaseCommand):
    help = "Benchmark the caseload at three sizes and the status refresh (a *_bench database)."

    def add_arguments(self, parser):
        parser.add_argument("--total", type=int, default=100_000, help="patients in all")
        parser.add_argument("--days", type=int, default=21, help="days of walks per patient")
        parser.add_argument("--rounds", type=int, default=60, help="requests per page")

    def handle(self, *args, total: int, days: int, rounds: int, **options):
        name = connection.settings_dict["NAME"]
        if connection.vendor != "postgresql" or not str(name).endswith("_bench"):
            raise CommandError("Point DATABASE_URL at a PostgreSQL database named *_bench.")
        if settings.DEBUG:
            self.stderr.write("DEBUG is on: templates are not cached; run with debug off.")
        out = self.stdout.write
        began = time.perf_counter()
        physios, walker = self._seed(total, days)
        patients = Patient.objects.count()
        walks = WalkLog.objects.count()
        out(
            f"Seeded {patients:,} patients and {walks:,} walks in "
            f"{time.perf_counter() - began:.0f} s."
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self._bench_refresh(patients)
        with connection.cursor() as cursor:
            # What autovacuum does soon after such a load: statistics, and the visibility map
            # that lets the caseload's count read its index alone.
            cursor.execute("VACUUM ANALYZE coaching_caseloadrow")
        with override_settings(
            ROOT_URLCONF=__name__,
            ALLOWED_HOSTS=["*"],
            STORAGES={
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
        ):
            self._bench_pages(physios, walker, rounds)

    # --- Data ---------------------------------------------------------------------------------

    def _seed(self, total: int, days: int):
        rng = random.Random(11)
        now = timezone.now()
        sizes = [*SIZES, max(0, total - sum(SIZES))]
        physios = []
        walker = None
        for index, size in enumerate(sizes):
            clinic = Clinic.objects.create(
                name=f"Status bench clinic {index}", time_zone="Australia/Sydney"
            )
            physio = User.objects.create_user(
                email=f"status.bench.physio{index}@bench.invalid",
                full_name=f"Bench Physio {index}",
                role=Role.PHYSIO,
                clinic=clinic,
            )
            physios.append(physio)
            for start in range(0, size, 5_000):
                patients = self._seed_patients(
                    clinic, physio, index, range(start, min(size, start + 5_000)), days, rng, now
                )
                if walker is None:
                    walker = patients[0]
        return physios[: len(SIZES)], walker

    def _seed_patients(self, clinic, physio, index, numbers, days, rng, now):
        today = now.astimezone(zoneinfo.ZoneInfo(clinic.time_zone)).date()
        users = User.objects.bulk_create(
            User(
                email=f"status.bench.{index}.{n}@bench.invalid",
                full_name=f"Bench Patient {index}-{n:05d}",
                role=Role.PATIENT,
                clinic=clinic,
                password="!",
            )
            for n in numbers
        )
        patients = Patient.objects.bulk_create(
            Patient(
                user=user,
                clinic=clinic,
                physiotherapist=physio,
                time_zone=clinic.time_zone,
                status=PatientStatus.ACTIVE,
                programme_start=today - dt.timedelta(days=rng.randint(30, 300)),
            )
            for user in users
        )
        Prescription.objects.bulk_create(
            Prescription(
                patient=p,
                effective_from=p.programme_start or today,
                walks_per_week=4,
                minutes_per_walk=25,
                author=physio,
                rationale="bench",
            )
            for p in patients
        )
        CoachingSession.objects.bulk_create(
            CoachingSession(
                patient=p,
                number=s.number,
                purpose=s.purpose,
                mode=s.mode,
                duration_minutes=s.duration_minutes,
                scheduled_at=now + dt.timedelta(days=7 * s.week - 100 + rng.randint(0, 20)),
                status="done" if s.week < 12 else "planned",
                completed_at=now if s.week < 12 else None,
            )
            for p in patients
            for s in DEFAULT_SCHEDULE
        )
        keen = {p.pk: rng.random() for p in patients}
        WalkLog.objects.bulk_create(
            (
                WalkLog(
                    patient=p,
                    walked_on=today - dt.timedelta(days=back),
                    minutes=rng.randint(10, 45),
                    pain=rng.randint(0, 6),
                )
                for p in patients
                for back in range(days)
                if rng.random() < keen[p.pk]
            ),
            batch_size=5_000,
        )
        AdverseEvent.objects.bulk_create(
            AdverseEvent(
                patient=p,
                occurred_on=today,
                body_region="knee",
                severity="mild",
                related_to_walking="yes",
            )
            for p in patients
            if rng.random() < 0.03
        )
        return patients

    # --- The refresh --------------------------------------------------------------------------

    def _bench_refresh(self, patients: int) -> None:
        out = self.stdout.write
        ids = list(Patient.objects.order_by("pk").values_list("pk", flat=True))
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
        out(f"| periodic task, nothing due | {patients:,} | {due:,} | {periodic:.3f} | |")
        assert CaseloadRow.objects.count() == patients

    # --- Pages --------------------------------------------------------------------------------

    @staticmethod
    def _client(user) -> Client:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user, backend="walkback.accounts.backends.UserBackend")
        if user.is_clinic_staff:
            device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
            session = client.session
            session["otp_device_id"] = device.persistent_id
            session.save()
        return client

    def _bench_pages(self, physios, walker, rounds: int) -> None:
        clients = {physio.pk: self._client(physio) for physio in physios}
        first = clients[physios[0].pk]
        patient_client = self._client(walker.user)
        today = walker.today()

        def get(client, url):
            return lambda: client.get(url)

        def log_walk():
            posted = patient_client.post(
                "/me/walks/new/", {"walked_on": today.isoformat(), "minutes": "20"}
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
        for physio, size in zip(physios, SIZES, strict=True):
            pages[f"caseload page 1, attention, {size:,} patients"] = get(
                clients[physio.pk], "/caseload/?scope=all&sort=attention"
            )
        pages["patient: home"] = get(patient_client, "/me/")
        pages["patient: log a walk (POST, redirect)"] = log_walk
        pages["patient loop: log a walk, then home"] = loop
        samples: dict[str, list[float]] = {label: [] for label in pages}
        queries: dict[str, int] = {}
        for label, call in pages.items():  # warm up, check, count queries
            call()
            with CaptureQueriesContext(connection) as captured:
                response = call()
            assert response.status_code == 200, (label, response.status_code)
            queries[label] = len(captured)
        order = list(pages)
        rng = random.Random(3)
        for _ in range(rounds):
            rng.shuffle(order)
            for label in order:
                began = time.perf_counter()
                pages[label]()
                samples[label].append(time.perf_counter() - began)
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
        sizes = [median[f"caseload page 1, attention, {size:,} patients"] for size in SIZES]
        out(f"\n20,000 against 200: {sizes[2] / sizes[0]:.2f}x the time.")
