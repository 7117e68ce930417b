"""Benchmark data: a large caseload, built fast with bulk inserts (``manage.py bench_pages``)."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone


def seed_caseload(n_patients: int, days: int):
    """A physiotherapist with ``n_patients`` in programme and ``days`` of walks each (about 60%
    of days), bulk-created for benchmarks. The caller runs it inside a transaction it rolls
    back. Returns (physio, patients, number of walks)."""
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
