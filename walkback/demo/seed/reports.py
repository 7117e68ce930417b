"""Demo data for the clinic dashboard: two dozen patients of the demo clinic at different
points of the programme, with sessions, prescriptions, walks, monthly check-ins and a few
adverse events, so ``admin@demo.test`` sees real figures and can export them.

Idempotent: a patient is created with all their history only when their e-mail is new.
Deterministic: a fixed random seed, dates relative to the day it runs.
"""

from __future__ import annotations

import datetime as dt
import random

from coaching.models import (
    SessionMode,
    SessionPurpose,
    SessionStatus,
)
from patients.models import (
    BodyRegion,
    PatientStatus,
    Severity,
    WalkingRelated,
    WalkLog,
)
from patients.services.check_ins import is_activity_limiting
from walkback.accounts.models import Role, User
from walkback.demo.factories import (
    AdverseEventFactory,
    CheckInFactory,
    CoachingSessionFactory,
    PatientFactory,
    PrescriptionFactory,
)
from walkback.demo.seed.foundation import demo_user
from walkback.reports import services
from walkback.reports.figures import local_today

NAMES = [
    "Olivia Brennan",
    "Liam Okafor",
    "Mia Castellano",
    "Noah Fitzgerald",
    "Ava Lindqvist",
    "Lucas Moreau",
    "Isla Nakamura",
    "Ethan Kowalski",
    "Grace Adeyemi",
    "Oscar Delgado",
    "Ruby Sørensen",
    "Henry Walsh",
    "Chloe Papadakis",
    "Jack Mbeki",
    "Zoe Hartmann",
    "Leo Varga",
    "Ella Chowdhury",
    "Max Rinaldi",
    "Lily Nguyen",
    "Sam Oduya",
    "Freya Byrne",
    "Arlo Petrov",
    "Hazel Quinn",
    "Theo Jansen",
]
# Default schedule (docs/clinical-rules.md#the-six-coaching-sessions): programme week of each
# session, and its mode.
SCHEDULE = [
    (1, 0, SessionPurpose.PRESCRIBE, SessionMode.IN_PERSON),
    (2, 2, SessionPurpose.REVIEW, SessionMode.PHONE),
    (3, 4, SessionPurpose.PRESCRIBE, SessionMode.IN_PERSON),
    (4, 8, SessionPurpose.REVIEW, SessionMode.PHONE),
    (5, 12, SessionPurpose.PRESCRIBE, SessionMode.VIDEO),
    (6, 26, SessionPurpose.REVIEW, SessionMode.PHONE),
]
# (walks a week, minutes a walk) set at sessions 1, 3 and 5.
DOSES = {1: (3, 15), 3: (4, 20), 5: (5, 30)}


def seed_reports(context: dict) -> None:
    clinic = context["clinic"]
    physio = context["physio"]
    second = demo_user("physio2@demo.test", "Sam Second", Role.PHYSIO, clinic, can_log_in=False)
    rng = random.Random(6)
    today = local_today(clinic)
    for index, name in enumerate(NAMES):
        email = f"walker{index + 1:02d}@demo.test"
        # Draw every number even when the patient exists, so the others stay the same.
        days_ago = 20 + index * 17 + rng.randint(0, 10)
        keen = rng.uniform(0.35, 0.9)
        if User.objects.filter(email=email).exists():
            continue
        _seed_patient(
            rng=random.Random(index),
            clinic=clinic,
            physio=physio if index % 2 == 0 else second,
            name=name,
            email=email,
            start=today - dt.timedelta(days=days_ago),
            today=today,
            keen=keen,
        )
    # The dashboard never computes figures (docs/reports.md, "Freshness"): the demo admin's
    # first visit finds its default views ready, as the periodic refresh would leave them.
    for scope in services.figures_default_scopes(clinic.pk):
        services.figures_snapshot_refresh(clinic=clinic, scope=scope)


def _seed_patient(*, rng, clinic, physio, name, email, start, today, keen) -> None:
    weeks_in = (today - start).days // 7
    status = PatientStatus.ACTIVE if weeks_in < 26 else PatientStatus.MAINTENANCE
    if weeks_in > 40 and rng.random() < 0.4:
        status = PatientStatus.DISCHARGED
    patient = PatientFactory.create(
        user=demo_user(
            email, name, Role.PATIENT, clinic, can_log_in=False, time_zone=clinic.time_zone
        ),
        clinic=clinic,
        physiotherapist=physio,
        time_zone=clinic.time_zone,
        status=status,
        programme_start=start,
        baseline_minutes_per_week=rng.choice([30, 45, 60, 75]),
    )
    zone = patient.zone
    sessions = {}
    for number, week, purpose, mode in SCHEDULE:
        day = start + dt.timedelta(weeks=week)
        at = dt.datetime.combine(day, dt.time(9 + number), tzinfo=zone)
        if day >= today:
            state = SessionStatus.PLANNED
        else:
            roll = rng.random()
            state = (
                SessionStatus.DONE
                if roll < 0.82
                else SessionStatus.MISSED
                if roll < 0.92
                else SessionStatus.CANCELLED
            )
        if mode == SessionMode.IN_PERSON and rng.random() < 0.25:
            mode = SessionMode.VIDEO
        sessions[number] = CoachingSessionFactory.create(
            patient=patient,
            number=number,
            purpose=purpose,
            mode=mode,
            scheduled_at=at,
            status=state,
            completed_at=at + dt.timedelta(minutes=45) if state == SessionStatus.DONE else None,
            confidence=rng.randint(5, 10) if state == SessionStatus.DONE else None,
            video_link="https://video.example.test/walkback" if mode == SessionMode.VIDEO else "",
        )
    prescriptions = []
    for number, (walk_count, minutes) in DOSES.items():
        session = sessions[number]
        day = session.scheduled_at.astimezone(zone).date()
        if day > today:
            break
        prescriptions.append(
            PrescriptionFactory.create(
                patient=patient,
                effective_from=day,
                walks_per_week=walk_count,
                minutes_per_walk=minutes,
                session=session,
                author=physio,
                rationale=f"Demo: agreed at {session.label}.",
                # Steps larger than the clinic's largest increase are confirmed, as the
                # prescription form asks (coaching.services.prescriptions).
                confirmed_because="Demo: a bigger step, agreed with the patient."
                if number > 1
                else "",
            )
        )
    walks = []
    day = start
    # Some people stop logging at some point, as in any programme.
    stops = start + dt.timedelta(weeks=rng.randint(6, 40)) if rng.random() < 0.35 else today
    while day < min(today, stops):
        current = [p for p in prescriptions if p.effective_from <= day]
        per_week, minutes = (
            (current[-1].walks_per_week, current[-1].minutes_per_walk) if current else (3, 15)
        )
        weeks_done = (day - start).days / 7
        # Keenness fades slowly after the six months, as it did for some trial participants.
        chance = keen * per_week / 7 * (0.75 if weeks_done > 26 else 1.0)
        if rng.random() < chance:
            walks.append(
                WalkLog(
                    patient=patient,
                    walked_on=day,
                    minutes=max(5, int(rng.gauss(minutes * 1.05, 6))),
                    steps=rng.randint(1500, 6000) if rng.random() < 0.5 else None,
                    pain=rng.choice([None, 0, 1, 2, 3]),
                )
            )
        day += dt.timedelta(days=1)
    WalkLog.objects.bulk_create(walks, batch_size=1000)
    _seed_check_ins(rng, patient, start, today, zone)
    if rng.random() < 0.3:
        AdverseEventFactory.create(
            patient=patient,
            occurred_on=start + dt.timedelta(days=rng.randint(3, max(4, (today - start).days))),
            body_region=rng.choice(
                [
                    BodyRegion.KNEE,
                    BodyRegion.ANKLE_FOOT,
                    BodyRegion.LOWER_LEG,
                    BodyRegion.HIP,
                    BodyRegion.LOW_BACK,
                ]
            ),
            severity=rng.choice([Severity.MILD, Severity.MILD, Severity.MODERATE]),
            related_to_walking=rng.choice([WalkingRelated.YES, WalkingRelated.UNSURE]),
        )


def _seed_check_ins(rng, patient, start, today, zone) -> None:
    month = 1
    limited = False
    while True:
        due = start + dt.timedelta(days=30 * month)
        if due > today or month > 36:
            break
        answered = rng.random() < 0.88
        any_pain = answered and rng.random() < 0.16
        # The facts a patient tells; the class follows from them as the check-in derives it.
        lasted = any_pain and rng.random() < 0.8
        stopped = any_pain and rng.random() < 0.7
        worst = rng.randint(4, 8) if any_pain else None
        limiting = is_activity_limiting(
            worst_pain=worst, lasted_24_hours=lasted, limited_activity=stopped
        )
        care = any_pain and rng.random() < 0.35
        limited = limited or limiting
        CheckInFactory.create(
            patient=patient,
            month_number=month,
            due_on=due,
            completed_at=(
                dt.datetime.combine(
                    due + dt.timedelta(days=rng.randint(0, 3)), dt.time(19), tzinfo=zone
                )
                if answered and due + dt.timedelta(days=3) <= today
                else None
            ),
            any_pain=any_pain if answered else None,
            onset_date=due - dt.timedelta(days=rng.randint(2, 25)) if any_pain else None,
            lasted_24_hours=lasted if answered and any_pain else None,
            limited_activity=stopped if answered and any_pain else None,
            activity_limiting=limiting if answered else None,
            care_sought=care if answered else None,
            care_type=rng.choice(["gp", "physio", "chiro"]) if answered and care else "",
            days_to_recovery=rng.randint(2, 14) if any_pain else None,
            average_pain=rng.randint(2, 4) if any_pain else None,
            worst_pain=worst,
        )
        month += 1
