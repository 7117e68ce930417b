"""Demo data for the patient portal (``manage.py seed_demo``): Pat Walker (patient@demo.test)
gets about ten weeks of walking history, a current target, an upcoming session and a monthly
check-in that is due, which also asks again about the first month, missed. Idempotent: each
part is added only when missing, and nothing another seeder made (sessions, prescriptions,
topics) is overwritten.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from coaching.education import education_library_seed
from coaching.models import (
    CoachingSession,
    EducationTopic,
    Prescription,
    SessionMode,
    SessionStatus,
)
from patients.checkins import add_months
from patients.models import CheckIn, WalkLog
from patients.services.check_ins import check_in_submit, check_ins_plan
from patients.services.walks import walk_correct
from walkback.demo.factories import CoachingSessionFactory, PrescriptionFactory

WEEKS_OF_HISTORY = 10


def _at(zone, day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=zone)


def seed_portal(context: dict) -> None:
    patient = context["patient"]
    physio = context["physio"]
    zone = patient.zone
    today = patient.today()
    if patient.programme_start is None:
        # Month 1's check-in answered, month 2's due since yesterday.
        patient.programme_start = add_months(today - dt.timedelta(days=1), -2)
        patient.save(update_fields=["programme_start", "updated_at"])
    start = patient.programme_start
    if not patient.reminder_days:
        patient.reminder_days, patient.reminder_time = [0, 2, 4], dt.time(7, 30)
        patient.save(update_fields=["reminder_days", "reminder_time", "updated_at"])

    # Sessions cover topics from the clinic's own library (docs/clinical-rules.md#education).
    education_library_seed(clinic=patient.clinic)
    topics = list(EducationTopic.objects.filter(clinic=patient.clinic).order_by("position")[:3])

    if not CoachingSession.objects.filter(patient=patient).exists():
        plan = [
            (1, start, SessionMode.IN_PERSON, SessionStatus.DONE),
            (2, start + dt.timedelta(weeks=2), SessionMode.PHONE, SessionStatus.DONE),
            (3, start + dt.timedelta(weeks=4), SessionMode.IN_PERSON, SessionStatus.DONE),
            (4, start + dt.timedelta(weeks=8), SessionMode.PHONE, SessionStatus.DONE),
            (5, today + dt.timedelta(days=3), SessionMode.VIDEO, SessionStatus.PLANNED),
            (6, start + dt.timedelta(weeks=26), SessionMode.PHONE, SessionStatus.PLANNED),
        ]
        for number, day, mode, status in plan:
            when = _at(zone, day, 10)
            CoachingSessionFactory.create(
                patient=patient,
                number=number,
                mode=mode,
                scheduled_at=when,
                status=status,
                completed_at=when + dt.timedelta(minutes=45) if status == "done" else None,
                video_link="https://video.example.test/walkback-demo" if mode == "video" else "",
                topics={1: topics[:1], 3: topics[1:]}.get(number),
                # What was agreed: the patient's home shows the latest (issue 10).
                goals="Walk to the beach and back without stopping." if status == "done" else "",
                action_plan="Walk after breakfast on Monday, Wednesday and Friday; take the "
                "long way to the shops on Saturday."
                if status == "done"
                else "",
            )

    if not Prescription.objects.filter(patient=patient).exists():
        for weeks, walks, minutes in ((0, 3, 15), (4, 4, 25), (8, 5, 30)):
            PrescriptionFactory.create(
                patient=patient,
                effective_from=start + dt.timedelta(weeks=weeks),
                walks_per_week=walks,
                minutes_per_walk=minutes,
                author=physio,
                rationale="Demo: a gradual build-up agreed with the patient.",
                confirmed_because="Demo: a bigger step, agreed with the patient." if weeks else "",
            )

    if not WalkLog.objects.filter(patient=patient).exists():
        rng = random.Random(20240603)  # the same history on every machine
        first = max(start, today - dt.timedelta(weeks=WEEKS_OF_HISTORY))
        day = first
        rows = []
        while day < today:
            weeks_in = (day - start).days // 7
            if rng.random() < 0.55 + min(weeks_in, 8) * 0.02:
                rows.append(
                    WalkLog(
                        patient=patient,
                        walked_on=day,
                        minutes=rng.choice([15, 20, 20, 25, 30, 30, 35]) + min(weeks_in, 6),
                        steps=rng.randrange(1800, 4800) if rng.random() < 0.6 else None,
                        pain=rng.choice([0, 1, 1, 2, 2, 3]) if rng.random() < 0.7 else None,
                    )
                )
            day += dt.timedelta(days=1)
        WalkLog.objects.bulk_create(rows)
        _seed_corrected_walk(patient, physio, today)

    check_ins_plan(patient=patient)
    first_month = CheckIn.objects.filter(patient=patient, month_number=1).first()
    first_due = add_months(start, 1)
    if (
        first_month
        and first_month.completed_at is None
        and first_due <= today < add_months(start, 2)
    ):
        # Only possible when month 1 is the open one; otherwise leave the history as it is.
        check_in_submit(patient=patient, by=patient.user, month_number=1, any_pain=False)
    # Otherwise month 1 closed unanswered: the open check-in asks about it again, as the
    # programme does for a missed month (docs/clinical-rules.md#monthly-check-ins).
    context["portal_seeded_at"] = timezone.now()


def _seed_corrected_walk(patient, physio, today: dt.date) -> None:
    """A walk typed as 250 minutes that the physiotherapist corrected to 25 (issue 11): the
    patient's history shows "Corrected by your physiotherapist", the patient page a badge."""
    walk = (
        WalkLog.objects.filter(patient=patient, walked_on__lte=today - dt.timedelta(days=4))
        .order_by("-walked_on")
        .first()
    )
    if walk is None:
        return
    WalkLog.objects.filter(pk=walk.pk).update(minutes=250)
    walk.refresh_from_db()
    walk_correct(
        walk=walk,
        by=physio,
        minutes=25,
        walked_on=walk.walked_on,
        reason="250 was a typing slip for 25, as we agreed on the phone.",
    )
