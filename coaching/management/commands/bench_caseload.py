"""Benchmark the physiotherapist's pages against a bare view behind the same middleware.

    DJANGO_SECURE_SSL=false manage.py bench_caseload --patients 200 --days 365 --requests 30

(run it with DEBUG off, as production: DEBUG turns off the template cache)

Builds a throwaway physiotherapist with N patients and a year of walks each inside a
transaction that is rolled back at the end (nothing is left behind), then times the caseload,
its last page, and a patient page with Django's test client, next to a "hello" view served
through the same middleware stack (DESIGN.md: the dashboard must reach at least half the
hello view's throughput).
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
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from django.utils import timezone


def hello(request):
    return HttpResponse("hello")


urlpatterns = [
    path("bench-hello/", hello, name="bench-hello"),
    path("", include("walkback.urls")),
]


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the caseload and patient page with many patients (rolled back afterwards)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=200)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--requests", type=int, default=30)

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                self._run(options)
                raise Rollback
        except Rollback:
            pass

    def _seed(self, n_patients: int, days: int):
        from coaching.flags import FLAG_LABELS  # noqa: F401 - import cost outside the timing
        from coaching.models import CoachingSession, Prescription
        from coaching.services import DEFAULT_SCHEDULE
        from patients.models import Patient, PatientStatus, WalkLog
        from walkback.accounts.models import Clinic, Role, User

        clinic = Clinic.objects.create(name="Bench clinic", time_zone="Australia/Sydney")
        physio = User.objects.create_user(
            email="bench.physio@bench.invalid",
            full_name="Bench Physio",
            role=Role.PHYSIO,
            clinic=clinic,
        )
        rng = random.Random(7)
        today = timezone.now().date()
        users = User.objects.bulk_create(
            User(
                email=f"bench{i}@bench.invalid",
                full_name=f"Bench Patient {i:04d}",
                role=Role.PATIENT,
                clinic=clinic,
                password="!",
            )
            for i in range(n_patients)
        )
        patients = Patient.objects.bulk_create(
            Patient(
                user=u,
                clinic=clinic,
                physiotherapist=physio,
                time_zone=clinic.time_zone,
                status=PatientStatus.ACTIVE,
                programme_start=today - dt.timedelta(days=rng.randint(days // 2, days)),
            )
            for u in users
        )
        Prescription.objects.bulk_create(
            Prescription(
                patient=p,
                effective_from=p.programme_start,
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
                scheduled_at=timezone.now() + dt.timedelta(days=7 * s.week - 180),
                status="done" if s.week < 20 else "planned",
                completed_at=timezone.now() if s.week < 20 else None,
            )
            for p in patients
            for s in DEFAULT_SCHEDULE
        )
        walks = []
        for p in patients:
            for back in range(days):
                if rng.random() < 0.6:
                    walks.append(
                        WalkLog(
                            patient=p,
                            walked_on=today - dt.timedelta(days=back),
                            minutes=rng.randint(10, 45),
                            pain=rng.randint(0, 5),
                        )
                    )
        WalkLog.objects.bulk_create(walks, batch_size=5000)
        return physio, patients, len(walks)

    def _time(self, client, url, n):
        client.get(url)  # warm up
        samples = []
        for _ in range(n):
            start = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - start)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return statistics.median(samples) * 1000, len(queries)

    def _run(self, options):
        started = time.perf_counter()
        physio, patients, walks = self._seed(options["patients"], options["days"])
        self.stdout.write(
            f"Seeded {len(patients)} patients, {walks} walks in "
            f"{time.perf_counter() - started:.1f}s (rolled back at the end)."
        )
        if settings.DEBUG:
            self.stderr.write(
                "DEBUG is on: templates are not cached, so pages look slower than in production."
            )
        with override_settings(
            ROOT_URLCONF=__name__,
            WALKBACK_REQUIRE_STAFF_2FA=False,
            ALLOWED_HOSTS=["*"],
            # Pages, not static files, are measured: no need for a collectstatic manifest.
            STORAGES={
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
        ):
            client = Client()
            client.force_login(physio, backend="walkback.accounts.backends.UserBackend")
            n = options["requests"]
            rows = [
                ("hello view (same middleware)", "/bench-hello/"),
                ("caseload, page 1", "/caseload/"),
                ("caseload, last page", f"/caseload/?page={len(patients) // 25 + 1}"),
                ("caseload, flag filter", "/caseload/?flag=behind_target"),
                ("patient page", f"/patients/{patients[0].pk}/"),
            ]
            results = [(label, *self._time(client, url, n)) for label, url in rows]
        hello_ms = results[0][1]
        self.stdout.write(
            f"{'page':32} {'median ms':>10} {'req/s':>8} {'vs hello':>9} {'queries':>8}"
        )
        for label, ms, queries in results:
            self.stdout.write(
                f"{label:32} {ms:10.1f} {1000 / ms:8.0f} {hello_ms / ms:9.2f} {queries:8d}"
            )
