"""Demo caseload for physio@demo.test: patients at every stage, with walk histories shaped so
each attention flag shows somewhere. Idempotent: a patient who already exists is left alone.

Everything after enrolment goes through the real services (screening, programme start,
sessions, prescriptions), so the demo obeys the same rules as the product. Dates are relative
to the day the demo is seeded.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
import zoneinfo
from dataclasses import dataclass, field
from typing import cast

from django.db import transaction
from django.utils import timezone

from coaching import services
from coaching.education import education_library_seed
from coaching.models import CoachingSession, EducationTopic, SessionStatus
from coaching.progress import Timeline
from coaching.progression import ProgrammeRules, start_dose
from patients.models import BodyRegion, CheckIn, Patient, PatientStatus, WalkLog
from patients.services.enrolment import screening_record
from walkback.accounts.models import Role, User
from walkback.demo.factories import AdverseEventFactory, PatientFactory
from walkback.demo.seed.foundation import demo_user

# Session topics by number (slugs of coaching.education.DEFAULT_TOPICS).
SESSION_TOPICS = {
    1: ["pain-science", "moving-is-safe"],
    2: ["moving-is-safe"],
    3: ["reducing-recurrence"],
    4: ["managing-a-flare-up"],
    5: ["reducing-recurrence", "managing-a-flare-up"],
    6: ["keeping-going"],
}
SESSION_RECORDS = {
    1: (
        "Walk after work on weekdays; a longer walk on Saturday.",
        "Worried walking will bring the pain back; busy evenings.",
        "Walk the loop by the park after work, three times this week.",
    ),
    2: (
        "Keep the three walks; log each one.",
        "Rain last week.",
        "Walk at lunchtime on rainy days; keep the umbrella at work.",
    ),
    3: (
        "Build up to four walks a week.",
        "Sore calves after longer walks.",
        "Add a Sunday walk with a friend.",
    ),
    4: (
        "Keep four walks a week through the busy month.",
        "Work travel.",
        "Walk from the hotel in the morning when away.",
    ),
    5: (
        "Five walks a week by week 26.",
        "None new.",
        "Add a short walk on Wednesdays.",
    ),
    6: (
        "Keep going at five walks a week.",
        "Motivation now the sessions end.",
        "Join the Saturday walking group.",
    ),
}


@dataclass
class DemoPatient:
    email: str
    name: str
    born: dt.date
    start_days_ago: int | None  # None: not started
    adherence: float = 1.0
    pain: float = 2.0
    time_zone: str = ""
    baseline: int = 40
    older_age: bool = False
    clearance: bool = True
    screened: bool = True
    eligible: bool = True
    # Special shapes: "behind", "quiet", "flare", "session_overdue", "check_in_overdue",
    # "adverse_event", "maintenance", "discharged", "missed_rebooked".
    shapes: set[str] = field(default_factory=set)


DEMO_PATIENTS = [
    DemoPatient(
        "nina.newcomb@demo.test", "Nina Newcomb", dt.date(1986, 3, 14), None, screened=False
    ),
    DemoPatient(
        "george.oldfield@demo.test",
        "George Oldfield",
        dt.date(1952, 8, 2),
        None,
        older_age=True,
        clearance=False,
    ),
    DemoPatient(
        "irene.active@demo.test", "Irene Active", dt.date(1979, 1, 23), None, eligible=False
    ),
    DemoPatient("sam.starter@demo.test", "Sam Starter", dt.date(1990, 6, 5), 3),
    DemoPatient("ella.early@demo.test", "Ella Early", dt.date(1983, 11, 30), 23, adherence=1.1),
    DemoPatient(
        "ben.behind@demo.test",
        "Ben Behind",
        dt.date(1975, 2, 17),
        44,
        shapes={"behind", "missed_rebooked"},
    ),
    DemoPatient(
        "quentin.quiet@demo.test", "Quentin Quiet", dt.date(1968, 9, 9), 50, shapes={"quiet"}
    ),
    DemoPatient("fiona.flare@demo.test", "Fiona Flare", dt.date(1972, 4, 28), 72, shapes={"flare"}),
    DemoPatient(
        "ravi.remote@demo.test",
        "Ravi Remote",
        dt.date(1981, 12, 12),
        65,
        time_zone="Europe/London",
        shapes={"adverse_event"},
    ),
    DemoPatient(
        "maya.mendes@demo.test",
        "Maya Mendes",
        dt.date(1964, 7, 19),
        89,
        shapes={"session_overdue"},
    ),
    DemoPatient(
        "harriet.hill@demo.test",
        "Harriet Hill",
        dt.date(1959, 5, 3),
        98,
        adherence=1.15,
        older_age=True,
        shapes={"check_in_overdue"},
    ),
    DemoPatient("theo.turner@demo.test", "Theo Turner", dt.date(1970, 10, 1), 180, baseline=60),
    DemoPatient(
        "lena.long@demo.test",
        "Lena Long",
        dt.date(1966, 2, 8),
        240,
        adherence=0.95,
        shapes={"maintenance"},
    ),
    DemoPatient(
        "dora.dunn@demo.test",
        "Dora Dunn",
        dt.date(1961, 3, 27),
        300,
        shapes={"maintenance", "discharged"},
    ),
]


def _weekday(day: dt.date) -> dt.date:
    """Clinics book sessions on weekdays: a weekend start moves back to the Friday."""
    return day - dt.timedelta(days=max(0, day.weekday() - 4))


def _rng(key: str) -> random.Random:
    return random.Random(zlib.crc32(key.encode()))  # noqa: S311 - demo data, not security


def _patient(spec: DemoPatient, clinic, physio, enrolled: dt.date) -> Patient:
    zone = spec.time_zone or clinic.time_zone
    user = demo_user(spec.email, spec.name, Role.PATIENT, clinic, time_zone=zone)
    rng = _rng(spec.email)
    patient = PatientFactory.create(
        user=user,
        clinic=clinic,
        status=PatientStatus.SCREENING,
        physiotherapist=physio,
        time_zone=zone,
        date_of_birth=spec.born,
        preferred_days=sorted(rng.sample(range(7), 4)),
        preferred_time=dt.time(rng.choice([7, 8, 12, 17, 18]), rng.choice([0, 30])),
    )
    # Enrolled before the programme started (the rules refuse anything dated earlier).
    created = dt.datetime.combine(enrolled, dt.time(9), tzinfo=zoneinfo.ZoneInfo(clinic.time_zone))
    Patient.objects.filter(pk=patient.pk).update(created_at=created)
    patient.refresh_from_db()
    return patient


def _screen(spec: DemoPatient, patient: Patient, physio, today: dt.date) -> None:
    if not spec.screened:
        return
    screening_record(
        patient=patient,
        by=physio,
        recovered_in_last_6_months=True,
        episode_lasted_24h=True,
        able_to_walk=True,
        already_active_3_per_week=not spec.eligible,
        older_age=spec.older_age,
        clearance_date=(today - dt.timedelta(days=(spec.start_days_ago or 0) + 3))
        if spec.older_age and spec.clearance
        else None,
        clearance_note="Cleared by GP" if spec.older_age and spec.clearance else "",
        baseline_minutes_per_week=spec.baseline,
    )


def _walks(spec: DemoPatient, patient: Patient) -> None:
    """Walks from the start to the patient's today, following the prescription in force: on
    the prescribed number of days (preferred days first), shaped by the patient's story."""
    today = patient.today()
    rng = _rng(spec.email + ":walks")
    timeline = Timeline(list(patient.prescriptions.order_by("id")))
    this_monday = today - dt.timedelta(days=today.weekday())
    order = list(patient.preferred_days) + [d for d in range(7) if d not in patient.preferred_days]
    rows = []
    # _seed_one walks only patients whose programme it started: the start is set.
    start = cast(dt.date, patient.programme_start)
    day = start
    while day <= today:
        version = timeline.on(day)
        walk_days = order[: version.walks_per_week] if version else order[:3]
        minutes = version.minutes_per_walk if version else 15
        chance, scale = 0.97, spec.adherence
        pain = spec.pain + rng.uniform(-1, 1)
        if "behind" in spec.shapes and day >= this_monday - dt.timedelta(days=14):
            chance, scale = 0.8, 0.45
        if "quiet" in spec.shapes and day > today - dt.timedelta(days=9):
            chance = 0
        if "flare" in spec.shapes and day >= this_monday:
            pain, chance, scale = 6.5 + rng.uniform(-0.5, 0.5), 0.7, 0.6
        if "discharged" in spec.shapes and day > start + dt.timedelta(weeks=40):
            chance = 0
        # A flare-up is visible from the first day of the week: today is always logged.
        must_walk = "flare" in spec.shapes and day == today
        if must_walk or (day.weekday() in walk_days and rng.random() < chance):
            walked = max(5, min(120, round(minutes * scale * rng.uniform(0.95, 1.2))))
            rows.append(
                WalkLog(
                    patient=patient,
                    walked_on=day,
                    minutes=walked,
                    steps=walked * rng.randint(95, 120) if rng.random() < 0.6 else None,
                    pain=max(0, min(10, round(pain))) if rng.random() < 0.85 or must_walk else None,
                    note=rng.choice(["", "", "", "Felt good", "Windy", "With a friend", "Hills"]),
                )
            )
        day += dt.timedelta(days=1)
    WalkLog.objects.bulk_create(rows)


def _run_sessions(spec: DemoPatient, patient: Patient, physio, today: dt.date, topics) -> None:
    """Mark past sessions done with their record; at Session 1 accept the plan the software
    proposes, which then steps up (or holds) week by week from the walks logged."""
    zone = zoneinfo.ZoneInfo(patient.clinic.time_zone)
    # _seed_one runs sessions only for patients whose programme it started: the start is set.
    began = cast(dt.date, patient.programme_start)
    for session in CoachingSession.objects.filter(patient=patient).order_by("number"):
        local_day = session.scheduled_at.astimezone(zone).date()
        if local_day > today:
            break
        if "session_overdue" in spec.shapes and session.number == 5:
            break  # left planned: nobody marked it, so it is overdue
        if "missed_rebooked" in spec.shapes and session.number == 3:
            services.session_set_status(session=session, status=SessionStatus.MISSED, by=physio)
            # Rebooked three days later, in the past: done directly, as the record shows.
            moved = session.scheduled_at + dt.timedelta(days=3)
            CoachingSession.objects.filter(pk=session.pk).update(
                rebooked_from=session.scheduled_at,
                rebook_count=1,
                scheduled_at=moved,
                status=SessionStatus.PLANNED,
            )
            session.refresh_from_db()
            local_day = moved.astimezone(zone).date()
        goals, barriers, action = SESSION_RECORDS[session.number]
        services.session_update(
            session=session,
            by=physio,
            goals=goals,
            barriers=barriers,
            action_plan=action,
            confidence=min(10, 6 + session.number // 2),
            notes=f"{session.label}: reviewed walking diary together.",
            topics=[topics[slug] for slug in SESSION_TOPICS[session.number] if slug in topics],
        )
        services.session_set_status(session=session, status=SessionStatus.DONE, by=physio)
        if session.number == 1:
            start = start_dose(
                ProgrammeRules.of(patient.clinic, patient.goal), patient.baseline_minutes_per_week
            )
            services.prescription_set(
                patient=patient,
                walks_per_week=start.walks,
                minutes_per_walk=start.minutes,
                effective_from=max(local_day, began),
                rationale="Starting gently from the baseline, as planned together.",
                session=session,
                by=physio,
            )
    # Every Monday since then, the plan's weekly step, decided from the walks logged.
    services.prescription_plans_advance()


def seed_programme(context: dict) -> None:
    clinic, physio = context["clinic"], context["physio"]
    education_library_seed(clinic=clinic)
    education_library_seed(clinic=context["other_clinic"])
    topics = {t.slug: t for t in EducationTopic.objects.filter(clinic=clinic)}
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(clinic.time_zone)).date()
    for spec in DEMO_PATIENTS:
        if User.objects.filter(email=spec.email).exists():
            continue
        with transaction.atomic():
            _seed_one(spec, clinic, physio, today, topics)


def _seed_one(spec: DemoPatient, clinic, physio, today: dt.date, topics) -> None:
    started = (
        _weekday(today - dt.timedelta(days=spec.start_days_ago)) if spec.start_days_ago else None
    )
    enrolled = (started or today) - dt.timedelta(days=7 if started else 2)
    patient = _patient(spec, clinic, physio, enrolled)
    _screen(spec, patient, physio, today)
    if started is None:
        return
    services.programme_start(patient=patient, start_on=started, by=physio)
    patient.refresh_from_db()
    _run_sessions(spec, patient, physio, today, topics)
    patient.refresh_from_db()
    _walks(spec, patient)
    if "adverse_event" in spec.shapes:
        AdverseEventFactory.create(
            patient=patient,
            occurred_on=today - dt.timedelta(days=2),
            body_region=BodyRegion.ANKLE_FOOT,
            description="Rolled my ankle on a kerb near the end of my walk. Sore but walking.",
        )
    if "check_in_overdue" not in spec.shapes:
        _answer_past_check_ins(patient, today)
    else:
        for month in (1, 2, 3):
            due = started + dt.timedelta(days=30 * month)
            # The rows exist once the programme has started; give them this story's answers.
            CheckIn.objects.update_or_create(
                patient=patient,
                month_number=month,
                defaults={
                    "due_on": due,
                    "completed_at": None
                    if month == 3
                    else dt.datetime.combine(due, dt.time(19), tzinfo=patient.zone),
                    "any_pain": None if month == 3 else False,
                },
            )
    if "maintenance" in spec.shapes:
        Patient.objects.filter(pk=patient.pk).update(status=PatientStatus.MAINTENANCE)
    if "discharged" in spec.shapes:
        Patient.objects.filter(pk=patient.pk).update(status=PatientStatus.DISCHARGED)


def _answer_past_check_ins(patient: Patient, today: dt.date) -> None:
    """Most people answer their monthly check-in within a day or two: the demo's caseload should
    flag the ones who did not, not everybody."""
    for row in CheckIn.objects.filter(
        patient=patient, completed_at__isnull=True, due_on__lte=today - dt.timedelta(days=2)
    ):
        row.completed_at = dt.datetime.combine(
            row.due_on + dt.timedelta(days=1), dt.time(19), tzinfo=patient.zone
        )
        row.any_pain = False
        row.save(update_fields=["completed_at", "any_pain"])
