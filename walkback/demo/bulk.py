"""Large clinics for the benchmarks, fast: logins and patients by ``bulk_create``, their
history by set-based SQL in PostgreSQL (a million walk logs in seconds, not minutes).

One seeder for every benchmark: ``seed_clinic`` makes a new clinic with its admin and
physiotherapists, and ``add_patients`` gives a clinic patients with a programme's history.
Every row hangs off the clinic it creates and every e-mail carries that clinic's id, so it
runs on a database that already holds other clinics (even earlier benchmark clinics), and a
benchmark that counts or refreshes "its" clinic counts only these rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from patients.models import Patient, PatientStatus
from walkback.accounts.models import Clinic, Role, User

BENCH_CLINIC = "Bench clinic"
BENCH_DOMAIN = "bench.invalid"
# Spread over the world, so a planner or a week boundary sees several clocks.
WORLD_ZONES = ("Australia/Sydney", "Europe/London", "America/New_York", "Asia/Singapore")
BATCH = 10_000


@dataclass
class BenchClinic:
    clinic: Clinic
    admin: User
    physios: list[User]
    patient_ids: list[int] = field(default_factory=list)

    @property
    def patients(self):
        return Patient.objects.filter(clinic=self.clinic)


def _login(clinic: Clinic, local: str, full_name: str, role: str) -> User:
    """An unsaved login of ``clinic`` that cannot log in with a password (benchmarks log in
    with ``force_login``)."""
    return User(
        email=f"{local}@c{clinic.pk}.{BENCH_DOMAIN}",
        full_name=full_name,
        role=role,
        clinic=clinic,
        password="!",  # Django's "unusable password": nothing to hash for 100,000 logins
    )


def seed_clinic(
    *,
    patients: int,
    days: int = 365,
    walk_chance: float = 0.548,
    physios: int = 25,
    zones: tuple[str, ...] = ("Australia/Sydney",),
    name: str = BENCH_CLINIC,
) -> BenchClinic:
    """A new clinic with an admin, ``physios`` physiotherapists sharing ``patients`` patients
    round-robin, and ``days`` of history each (``add_patients``)."""
    clinic = Clinic.objects.create(name=name, time_zone=zones[0])
    admin = _login(clinic, "admin", "Bench Admin", Role.CLINIC_ADMIN)
    staff = [_login(clinic, f"physio{i}", f"Physio {i}", Role.PHYSIO) for i in range(physios)]
    admin, *staff = User.objects.bulk_create([admin, *staff])
    bench = BenchClinic(clinic=clinic, admin=admin, physios=staff)
    bench.patient_ids = add_patients(
        clinic, patients, days=days, walk_chance=walk_chance, physios=staff, zones=zones
    )
    return bench


def add_patients(
    clinic: Clinic,
    count: int,
    *,
    days: int = 365,
    walk_chance: float = 0.548,
    physios: Sequence[User] = (),
    zones: tuple[str, ...] = ("Australia/Sydney",),
) -> list[int]:
    """``count`` active patients of ``clinic``, with daily walk reminders at varied times.

    With ``days``, each is in the programme for ``days`` to ``days + 60`` days and has walk logs
    on about ``walk_chance`` of the last ``days`` days, six sessions (the past ones mostly
    done), three prescriptions, the monthly check-ins due so far and, for one in ten, an
    adverse event. With ``days=0``: no programme and no history. Returns the patients' ids."""
    today = timezone.now().date()
    first = User.objects.filter(clinic=clinic, role=Role.PATIENT).count()
    ids: list[int] = []
    for start in range(first, first + count, BATCH):
        numbers = range(start, min(start + BATCH, first + count))
        users = User.objects.bulk_create(
            [_login(clinic, f"p{n}", f"Patient {n:05d}", Role.PATIENT) for n in numbers]
        )
        rows = Patient.objects.bulk_create(
            Patient(
                user=user,
                clinic=clinic,
                physiotherapist=physios[n % len(physios)] if physios else None,
                time_zone=zones[n % len(zones)],
                status=PatientStatus.ACTIVE,
                programme_start=today - dt.timedelta(days=days + 1 + n % 60) if days else None,
                reminder_days=list(range(7)),
                reminder_time=dt.time(6 + n % 14, (n % 4) * 15),
            )
            for n, user in zip(numbers, users, strict=True)
        )
        ids += [row.pk for row in rows]
    if days and ids:
        _history(ids, days=days, walk_chance=walk_chance)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return ids


# The history of every patient in %(ids)s, drawn by PostgreSQL (seeded, so runs compare).
# Sessions fall at the default schedule's weeks 0, 2, 4, 8, 12 and 26.
HISTORY_SQL = [
    "SELECT setseed(0.6)",
    """
    INSERT INTO patients_walklog
        (patient_id, walked_on, minutes, steps, pain, note, source, created_at, updated_at)
    SELECT p.id, current_date - d, 15 + (random() * 30)::int,
           CASE WHEN random() < 0.5 THEN 2000 + (random() * 4000)::int END,
           CASE WHEN random() < 0.5 THEN (random() * 4)::int END,
           '', 'typed', now(), now()
    FROM patients_patient p CROSS JOIN generate_series(1, %(days)s) AS d
    WHERE p.id = ANY(%(ids)s) AND random() < %(chance)s
    """,
    """
    INSERT INTO coaching_coachingsession
        (patient_id, number, purpose, mode, scheduled_at, duration_minutes, video_link, status,
         notes, goals, barriers, action_plan, completed_at, rebook_count, created_at,
         updated_at)
    SELECT p.id, n, CASE WHEN mod(n, 2) = 1 THEN 'prescribe' ELSE 'review' END,
           CASE WHEN mod(n, 2) = 1 THEN 'in_person' ELSE 'phone' END, at, 45, '', drawn.status,
           '', '', '', '',
           -- a done session has its completion time (a database rule)
           CASE WHEN drawn.status = 'done' THEN at END, 0, now(), now()
    FROM patients_patient p CROSS JOIN generate_series(1, 6) AS n
    CROSS JOIN LATERAL (
        SELECT (p.programme_start + (ARRAY[0, 14, 28, 56, 84, 182])[n])::timestamptz
               + interval '10 hours' AS at
    ) AS planned
    CROSS JOIN LATERAL (
        SELECT CASE WHEN planned.at > now() THEN 'planned'
                    WHEN random() < 0.85 THEN 'done'
                    WHEN random() < 0.5 THEN 'missed'
                    ELSE 'cancelled' END AS status, n * 0 AS row_dependent
    ) AS drawn
    WHERE p.id = ANY(%(ids)s)
    """,
    """
    INSERT INTO coaching_prescription
        (patient_id, effective_from, walks_per_week, minutes_per_walk, rationale, author_id,
         created_at)
    SELECT p.id, p.programme_start + (ARRAY[0, 28, 84])[k], (ARRAY[3, 4, 5])[k],
           (ARRAY[15, 20, 30])[k], '', coalesce(p.physiotherapist_id, p.user_id), now()
    FROM patients_patient p CROSS JOIN generate_series(1, 3) AS k
    WHERE p.id = ANY(%(ids)s)
    """,
    """
    INSERT INTO patients_checkin
        (patient_id, month_number, due_on, completed_at, any_pain, onset_date,
         activity_limiting, care_sought, care_type)
    SELECT p.id, m, due, due::timestamptz + interval '12 hours', r < 0.12,
           CASE WHEN r < 0.12 THEN due - 7 END, r < 0.08, r < 0.04, ''
    FROM patients_patient p CROSS JOIN generate_series(1, 12) AS m
    CROSS JOIN LATERAL (SELECT p.programme_start + 30 * m AS due, random() + m * 0 AS r) AS c
    WHERE p.id = ANY(%(ids)s) AND due < current_date
    """,
    """
    INSERT INTO patients_adverseevent
        (patient_id, occurred_on, body_region, severity, related_to_walking, description,
         reported_at)
    SELECT p.id, least(p.programme_start + 40, current_date),
           (ARRAY['knee', 'hip', 'ankle_foot', 'low_back'])[1 + mod(p.id, 4)], 'mild', 'yes', '',
           now()
    FROM patients_patient p WHERE p.id = ANY(%(ids)s) AND mod(p.id, 10) = 0
    """,
]


def _history(ids: list[int], *, days: int, walk_chance: float) -> None:
    if connection.vendor != "postgresql":
        raise NotImplementedError("The bulk history is PostgreSQL SQL: benchmarks run there.")
    params: dict[str, list[int] | int | float] = {"ids": ids, "days": days, "chance": walk_chance}
    with connection.cursor() as cursor:
        for sql in HISTORY_SQL:
            cursor.execute(sql, params)
