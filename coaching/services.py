"""Writes of the programme: starting it, the six sessions, prescriptions, the education
library and the clinic's programme settings.

Each service validates (raising ``ValidationError`` with plain-words messages keyed by field),
writes, and records its audit row in one transaction, so a refused change saves nothing.
Reminder planning (issue 5) hooks into ``programme_start``, ``session_update``,
``session_set_status`` and ``session_rebook``: each is the single place its change happens.
Audit details hold field names and ids, never the health data itself.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from coaching.limits import (
    CONFIDENCE,
    RATIONALE_MAX,
    SCREENING_CONDITION_MAX,
    TEXT_MAX,
)
from coaching.models import (
    CaseloadRow,
    CoachingSession,
    EducationTopic,
    Prescription,
    PrescriptionPlan,
    SessionMode,
    SessionPurpose,
    SessionStatus,
)
from coaching.progress import Timeline, programme_week, week_start, weekly_totals
from coaching.progression import (
    Dose,
    ProgrammeRules,
    last_complete_weeks,
    next_dose,
    pain_change,
    rules_reach_the_goal,
)
from coaching.reminders.services import reminders_plan_for_patient, reminders_plan_for_session
from coaching.status import STATUS_FIELDS, status_differs, statuses_compute
from patients.models import AdverseEvent, Patient, PatientStatus
from patients.services.check_ins import check_ins_plan
from walkback.accounts.limits import CHECK_IN_MONTHS, GOAL_WEEK, MINUTES_PER_WALK, WALKS_PER_WEEK
from walkback.accounts.models import Clinic, ProgrammeRulesVersion, Role, User
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record
from walkback.core.services import model_update
from walkback.core.submissions import once_per_submission

PRESCRIPTION_MAX_DAYS_AHEAD = 28
START_MAX_DAYS_AHEAD = 90
DEFAULT_SESSION_TIME = dt.time(10, 0)


@dataclass(frozen=True)
class PlannedSession:
    number: int
    week: int
    mode: str
    purpose: str
    duration_minutes: int


# The default schedule (docs/clinical-rules.md#the-six-coaching-sessions), every date
# editable: three longer consultations at baseline, 1 and 3 months, brief phone check-ins
# between them, a booster at about 6 months.
DEFAULT_SCHEDULE: tuple[PlannedSession, ...] = (
    PlannedSession(1, 0, SessionMode.IN_PERSON, SessionPurpose.PRESCRIBE, 60),
    PlannedSession(2, 2, SessionMode.PHONE, SessionPurpose.REVIEW, 15),
    PlannedSession(3, 4, SessionMode.IN_PERSON, SessionPurpose.PRESCRIBE, 45),
    PlannedSession(4, 8, SessionMode.PHONE, SessionPurpose.REVIEW, 15),
    PlannedSession(5, 12, SessionMode.IN_PERSON, SessionPurpose.PRESCRIBE, 45),
    PlannedSession(6, 26, SessionMode.PHONE, SessionPurpose.REVIEW, 15),
)


def _check_staff(by: User, patient: Patient, *, physio_only: bool = True) -> None:
    roles = (Role.PHYSIO,) if physio_only else (Role.PHYSIO, Role.CLINIC_ADMIN)
    if by.role not in roles:
        raise ValidationError("Only the clinic's physiotherapists can do this.")
    if by.clinic_id != patient.clinic_id:
        raise ValidationError("This patient is not in your clinic.")


def _clinic_zone(patient: Patient) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(patient.clinic.time_zone)


def _clinic_today(patient: Patient) -> dt.date:
    return timezone.now().astimezone(_clinic_zone(patient)).date()


def _when(moment: dt.datetime, zone: dt.tzinfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


# --- Programme start and the six sessions ---------------------------------------------------


def programme_start(
    *,
    patient: Patient,
    start_on: dt.date,
    by: User,
    session_time: dt.time | None = None,
) -> list[CoachingSession]:
    """Start the programme: Session 1 to Session 6 on the default schedule from ``start_on``
    (Session 1 on that day at ``session_time``, clinic time), status "in programme"."""
    _check_staff(by, patient)
    session_time = session_time or DEFAULT_SESSION_TIME
    with transaction.atomic():
        # Lock the row: two clicks on "Start" must not create two sets of sessions.
        patient = (
            Patient.objects.select_for_update(no_key=True)
            .select_related("clinic")
            .get(pk=patient.pk)
        )
        if patient.status in (PatientStatus.ACTIVE, PatientStatus.MAINTENANCE):
            raise ValidationError("The programme has already started for this patient.")
        if patient.status == PatientStatus.INELIGIBLE:
            raise ValidationError(
                "This patient is recorded as not eligible. Update the screening first."
            )
        if patient.status == PatientStatus.DISCHARGED:
            raise ValidationError("This patient has been discharged.")
        if CoachingSession.objects.filter(patient=patient).exists():
            raise ValidationError("This patient already has sessions: each number exists once.")
        screening = getattr(patient, "screening", None)
        if screening is None or not screening.is_complete:
            raise ValidationError("Finish the screening before starting the programme.")
        if not screening.is_eligible:
            raise ValidationError("The screening says this patient is not eligible.")
        if screening.clearance_missing:
            raise ValidationError(
                "A safety flag was ticked: record the doctor's clearance before starting."
            )
        if start_on < patient.enrolled_on:
            raise ValidationError(
                {
                    "start_on": "The programme cannot start before the patient was enrolled "
                    f"({_day(patient.enrolled_on)})."
                }
            )
        if start_on > _clinic_today(patient) + dt.timedelta(days=START_MAX_DAYS_AHEAD):
            raise ValidationError({"start_on": "Choose a start date within the next three months."})
        zone = _clinic_zone(patient)
        sessions = CoachingSession.objects.bulk_create(
            CoachingSession(
                patient=patient,
                number=planned.number,
                purpose=planned.purpose,
                mode=planned.mode,
                duration_minutes=planned.duration_minutes,
                scheduled_at=dt.datetime.combine(
                    start_on + dt.timedelta(weeks=planned.week), session_time, tzinfo=zone
                ),
            )
            for planned in DEFAULT_SCHEDULE
        )
        patient.status = PatientStatus.ACTIVE
        patient.programme_start = start_on
        patient.save(update_fields=["status", "programme_start", "updated_at"])
        # Reminder rows are written in the same transaction as what causes them (docs/reminders.md).
        check_ins_plan(patient=patient)
        for session in sessions:
            reminders_plan_for_session(session=session)
        reminders_plan_for_patient(patient=patient)
        audit_record(
            actor=by,
            action=AuditAction.CREATE,
            object_type="coaching.programme",
            obj=patient,
            patient=patient,
            detail={"event": "programme_start", "sessions": [s.pk for s in sessions]},
        )
        caseload_rows_refresh(patient_ids=[patient.pk])
    return sessions


def _locked(session: CoachingSession) -> CoachingSession:
    """The session re-read under a row lock: two physiotherapists (or two tabs) changing it at
    once are applied one after the other, each seeing the other's result."""
    return (
        CoachingSession.objects.select_for_update()
        .select_related("patient__clinic")
        .get(pk=session.pk)
    )


def _check_schedule(session: CoachingSession, when: dt.datetime, by: User) -> None:
    """A session's time must keep the six in order and not precede enrolment."""
    patient = session.patient
    zone = by.zone
    if when.astimezone(_clinic_zone(patient)).date() < patient.enrolled_on:
        raise ValidationError(
            {
                "scheduled_at": "A session cannot be before the patient was enrolled "
                f"({_day(patient.enrolled_on)})."
            }
        )
    siblings = (
        CoachingSession.objects.filter(patient=patient)
        .exclude(pk=session.pk)
        .exclude(status=SessionStatus.CANCELLED)
    )
    for other in siblings:
        if other.number < session.number and other.scheduled_at >= when:
            raise ValidationError(
                {
                    "scheduled_at": f"{session.label} must come after {other.label} "
                    f"({_when(other.scheduled_at, zone)})."
                }
            )
        if other.number > session.number and other.scheduled_at <= when:
            raise ValidationError(
                {
                    "scheduled_at": f"{session.label} must come before {other.label} "
                    f"({_when(other.scheduled_at, zone)})."
                }
            )


SESSION_PLAN_FIELDS = {"scheduled_at", "duration_minutes", "mode", "video_link", "purpose"}
SESSION_RECORD_FIELDS = {"notes", "goals", "barriers", "action_plan", "confidence", "topics"}


def session_update(*, session: CoachingSession, by: User, **changes) -> CoachingSession:
    """Change a session's plan (time, length, mode, video link, purpose) and/or its record
    (notes, topics covered, goals, barriers, action plan, confidence 0-10)."""
    unknown = set(changes) - SESSION_PLAN_FIELDS - SESSION_RECORD_FIELDS
    if unknown:
        raise TypeError(f"session_update does not change {sorted(unknown)}")
    patient = session.patient
    _check_staff(by, patient)
    with transaction.atomic():
        session = _locked(session)
        topics = changes.pop("topics", None)
        when = changes.get("scheduled_at")
        if when is not None and when != session.scheduled_at:
            if session.status == SessionStatus.DONE:
                raise ValidationError(
                    {
                        "scheduled_at": f"{session.label} is done: its date is part of the "
                        "record and cannot change."
                    }
                )
            if session.status != SessionStatus.PLANNED:
                raise ValidationError(
                    {
                        "scheduled_at": f"{session.label} was "
                        f"{session.get_status_display().lower()}: rebook it to give it a "
                        "new date."
                    }
                )
            _check_schedule(session, when, by)
        mode = changes.get("mode", session.mode)
        link = changes.get("video_link", session.video_link)
        if mode == SessionMode.VIDEO and not link:
            raise ValidationError({"video_link": "A video session needs the link to join it."})
        confidence = changes.get("confidence", session.confidence)
        if confidence is not None and confidence not in CONFIDENCE:
            raise ValidationError({"confidence": f"Confidence is a number {CONFIDENCE.words}."})
        for name in ("notes", "goals", "barriers", "action_plan"):
            if len(changes.get(name) or "") > TEXT_MAX:
                raise ValidationError({name: f"Keep this under {TEXT_MAX:,} characters."})
        if topics is not None:
            topics = list(topics)
            if any(topic.clinic_id != patient.clinic_id for topic in topics):
                raise ValidationError({"topics": "Choose topics from your clinic's library."})
        changed = model_update(session, changes, clean_exclude=["patient", "topics"])
        if topics is not None:
            before = set(session.topics.values_list("pk", flat=True))
            if before != {topic.pk for topic in topics}:
                session.topics.set(topics)
                changed.append("topics")
        reminders_plan_for_session(session=session)
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            obj=session,
            patient=patient,
            detail={"fields": changed, "number": session.number},
        )
        caseload_rows_refresh(patient_ids=[patient.pk])
    return session


def session_set_status(*, session: CoachingSession, status: str, by: User) -> CoachingSession:
    """Mark a session done, missed or cancelled (a wrong mark can be corrected). Back to
    planned goes through ``session_rebook``, which gives it a new time."""
    patient = session.patient
    _check_staff(by, patient)
    if status not in (SessionStatus.DONE, SessionStatus.MISSED, SessionStatus.CANCELLED):
        raise ValidationError({"status": "Choose done, missed or cancelled."})
    with transaction.atomic():
        session = _locked(session)
        local_day = session.scheduled_at.astimezone(_clinic_zone(patient)).date()
        if status in (SessionStatus.DONE, SessionStatus.MISSED) and local_day > _clinic_today(
            patient
        ):
            raise ValidationError(
                {
                    "status": f"{session.label} is on {_day(local_day)}: it can be marked done "
                    "or missed from that day."
                }
            )
        previous = session.status
        session.status = status
        session.completed_at = timezone.now() if status == SessionStatus.DONE else None
        session.save(update_fields=["status", "completed_at", "updated_at"])
        reminders_plan_for_session(session=session)
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            obj=session,
            patient=patient,
            detail={"fields": ["status"], "from": previous, "to": status},
        )
        if session.number == LAST_SESSION and status == SessionStatus.DONE:
            _keeping_going(patient, why="session 6 done", by=by)
        caseload_rows_refresh(patient_ids=[patient.pk])
    return session


LAST_SESSION = 6
# The six months of the programme (docs/clinical-rules.md#the-six-coaching-sessions).
KEEPING_GOING_FROM_WEEK = 26


def _keeping_going(patient: Patient, *, why: str, by: User | None) -> bool:
    """Move a patient in the programme to "keeping going" (the physiotherapist can move them
    back on the patient's details page). Inside the caller's transaction; False if they were
    not in the programme."""
    moved = Patient.objects.filter(pk=patient.pk, status=PatientStatus.ACTIVE).update(
        status=PatientStatus.MAINTENANCE, updated_at=timezone.now()
    )
    if moved:
        patient.status = PatientStatus.MAINTENANCE
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            obj=patient,
            patient=patient,
            detail={"fields": ["status"], "to": PatientStatus.MAINTENANCE, "why": why},
        )
    return bool(moved)


def programme_keeping_going_due(*, now: dt.datetime | None = None) -> int:
    """The clock's part: a patient still in the programme at week 26 (their own week) moves to
    "keeping going" by itself. Returns how many moved."""
    now = now or timezone.now()
    earliest = now.date() - dt.timedelta(weeks=KEEPING_GOING_FROM_WEEK) + dt.timedelta(days=7)
    moved = 0
    candidates = Patient.objects.filter(
        status=PatientStatus.ACTIVE, programme_start__lte=earliest
    ).select_related("clinic")
    for patient in candidates.iterator(chunk_size=500):
        week = programme_week(patient, patient.today(now))
        if week is None or week < KEEPING_GOING_FROM_WEEK:
            continue
        with transaction.atomic():
            if _keeping_going(patient, why=f"programme week {week}", by=None):
                caseload_rows_refresh(patient_ids=[patient.pk], now=now)
                moved += 1
    return moved


def session_rebook(
    *,
    session: CoachingSession,
    scheduled_at: dt.datetime,
    by: User,
    mode: str | None = None,
    video_link: str | None = None,
) -> CoachingSession:
    """Give a missed or cancelled session a new time; it is planned again."""
    patient = session.patient
    _check_staff(by, patient)
    with transaction.atomic():
        session = _locked(session)
        if session.status == SessionStatus.DONE:
            raise ValidationError(f"{session.label} is done: it cannot be rebooked.")
        if session.status == SessionStatus.PLANNED:
            raise ValidationError(
                f"{session.label} is still planned: change its date with Edit instead."
            )
        if scheduled_at <= timezone.now():
            raise ValidationError({"scheduled_at": "Choose a new time in the future."})
        _check_schedule(session, scheduled_at, by)
        mode = mode or session.mode
        video_link = session.video_link if video_link is None else video_link
        if mode == SessionMode.VIDEO and not video_link:
            raise ValidationError({"video_link": "A video session needs the link to join it."})
        session.rebooked_from = session.scheduled_at
        session.rebook_count += 1
        session.scheduled_at = scheduled_at
        session.mode = mode
        session.video_link = video_link
        session.status = SessionStatus.PLANNED
        session.completed_at = None
        session.full_clean(exclude=["patient", "topics"])
        session.save()
        reminders_plan_for_session(session=session)
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            obj=session,
            patient=patient,
            detail={"event": "rebooked", "fields": ["scheduled_at", "mode", "status"]},
        )
        caseload_rows_refresh(patient_ids=[patient.pk])
    return session


# --- Prescriptions ----------------------------------------------------------------------------


@once_per_submission("prescription_set")
def prescription_set(
    *,
    patient: Patient,
    walks_per_week: int,
    minutes_per_walk: int,
    effective_from: dt.date,
    rationale: str,
    by: User,
    session: CoachingSession | None = None,
    rises: bool = True,
    confirmed_because: str = "",
) -> Prescription:
    """Accept a walking plan: its first dose, in force from ``effective_from``, and (when
    ``rises``) a step up towards the goal each week the patient is close to target, decided
    on Mondays by ``prescription_plans_advance`` under the clinic's rules of today. A newer
    plan supersedes the older one from its first day. Earlier versions stay as history.

    Guardrails (docs/clinical-rules.md#walking-prescription-and-progression): a dose above
    the goal, or a rise above the clinic's largest increase over the dose in force the day
    before, is saved only with ``confirmed_because``."""
    _check_staff(by, patient)
    errors = _dose_errors(walks_per_week, minutes_per_walk)
    rationale = (rationale or "").strip()
    confirmed_because = (confirmed_because or "").strip()
    if not rationale:
        errors["rationale"] = "Say in a sentence why: it is kept with the prescription."
    elif len(rationale) > RATIONALE_MAX:
        errors["rationale"] = f"Keep the rationale under {RATIONALE_MAX:,} characters."
    if len(confirmed_because) > RATIONALE_MAX:
        errors["confirmed_because"] = f"Keep the reason under {RATIONALE_MAX:,} characters."
    if session is not None and session.patient_id != patient.pk:
        errors["session"] = "Choose one of this patient's sessions."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        patient = (
            Patient.objects.select_for_update(no_key=True)
            .select_related("clinic")
            .get(pk=patient.pk)
        )
        if not patient.in_programme or patient.programme_start is None:
            raise ValidationError("Start the programme before setting a prescription.")
        if effective_from < patient.programme_start:
            raise ValidationError(
                {
                    "effective_from": "A prescription cannot start before the programme "
                    f"({_day(patient.programme_start)})."
                }
            )
        latest = (
            Prescription.objects.filter(patient=patient).order_by("-effective_from", "-id").first()
        )
        if latest is not None and effective_from < latest.effective_from:
            raise ValidationError(
                {
                    "effective_from": "A new version cannot start before the one in force from "
                    f"{_day(latest.effective_from)}."
                }
            )
        if effective_from > patient.today() + dt.timedelta(days=PRESCRIPTION_MAX_DAYS_AHEAD):
            raise ValidationError(
                {"effective_from": "Choose a start date within the next four weeks."}
            )
        rules = ProgrammeRules.of(patient.clinic, patient.goal)
        dose = Dose(walks_per_week, minutes_per_walk)
        before = Timeline(list(Prescription.objects.filter(patient=patient))).on(
            effective_from - dt.timedelta(days=1)
        )
        concern = _dose_concern(rules, dose, before)
        if concern and not confirmed_because:
            raise ValidationError({"confirmed_because": f"{concern} Say why to confirm it."})
        now = timezone.now()
        PrescriptionPlan.objects.filter(patient=patient, superseded_at__isnull=True).update(
            superseded_at=now
        )
        # Steps of the older plan from the new plan's first day on stop counting.
        replaced = list(
            Prescription.objects.filter(patient=patient, effective_from__gte=effective_from)
        )
        Prescription.objects.filter(pk__in=[p.pk for p in replaced]).update(superseded_at=now)
        plan = PrescriptionPlan.objects.create(
            patient=patient,
            session=session,
            author=by,
            starts_on=effective_from,
            rises=rises,
            rules=rules.as_json(),
            rules_version=patient.clinic.rules_version,
            decided_through=week_start(effective_from),
        )
        prescription = Prescription.objects.create(
            patient=patient,
            walks_per_week=walks_per_week,
            minutes_per_walk=minutes_per_walk,
            effective_from=effective_from,
            rationale=rationale,
            confirmed_because=confirmed_because if concern else "",
            session=session,
            plan=plan,
            author=by,
        )
        audit_record(
            actor=by,
            action=AuditAction.CREATE,
            obj=prescription,
            patient=patient,
            detail={
                "fields": ["walks_per_week", "minutes_per_walk", "effective_from", "rationale"],
                "previous": latest.pk if latest else None,
                "session": session.pk if session else None,
                "plan": plan.pk,
                "rises": rises,
                "superseded": [p.pk for p in replaced],
                "confirmed": bool(concern),
            },
        )
        caseload_rows_refresh(patient_ids=[patient.pk])
    return prescription


def _dose_errors(walks_per_week: int, minutes_per_walk: int) -> dict[str, str]:
    errors: dict[str, str] = {}
    if walks_per_week not in WALKS_PER_WEEK:
        errors["walks_per_week"] = f"Walks per week must be a whole number {WALKS_PER_WEEK.words}."
    if minutes_per_walk not in MINUTES_PER_WALK:
        errors["minutes_per_walk"] = (
            f"Minutes per walk must be a whole number {MINUTES_PER_WALK.words}."
        )
    return errors


def _dose_concern(rules: ProgrammeRules, dose: Dose, before: Prescription | None) -> str:
    """What a physiotherapist must confirm about a dose, in words, or "" when nothing."""
    if dose.weekly > rules.goal_weekly:
        return (
            f"{dose} is {dose.weekly} minutes a week, above the goal of "
            f"{rules.goal_dose} ({rules.goal_weekly} minutes)."
        )
    if before is not None and dose.weekly - before.weekly_minutes > rules.largest_increase:
        return (
            f"{dose} adds {dose.weekly - before.weekly_minutes} minutes a week to "
            f"{before.walks_per_week} × {before.minutes_per_walk} min, more than the clinic's "
            f"largest step of {rules.largest_increase}."
        )
    return ""


@once_per_submission("prescription_correct")
def prescription_correct(
    *, prescription: Prescription, walks_per_week: int, minutes_per_walk: int, reason: str, by: User
) -> Prescription:
    """Correct a mistaken version: a new version from the same day supersedes it (the
    mistaken one stays in the history, marked, and in the audit trail). Never an edit."""
    patient = prescription.patient
    _check_staff(by, patient)
    errors = _dose_errors(walks_per_week, minutes_per_walk)
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "Say what was wrong: it is kept with the correction."
    elif len(reason) > RATIONALE_MAX:
        errors["reason"] = f"Keep the reason under {RATIONALE_MAX:,} characters."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        old = Prescription.history.select_for_update().get(pk=prescription.pk)
        if old.superseded_at is not None:
            raise ValidationError("This version was already replaced: correct the newer one.")
        old.superseded_at = timezone.now()
        old.save(update_fields=["superseded_at"])
        corrected = Prescription.objects.create(
            patient=patient,
            walks_per_week=walks_per_week,
            minutes_per_walk=minutes_per_walk,
            effective_from=old.effective_from,
            rationale=f"Correction: {reason}",
            session=old.session,
            plan=old.plan,
            supersedes=old,
            author=by,
        )
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            obj=corrected,
            patient=patient,
            detail={
                "event": "corrected",
                "supersedes": old.pk,
                "from": [old.walks_per_week, old.minutes_per_walk],
                "to": [walks_per_week, minutes_per_walk],
            },
        )
    return corrected


def prescription_plans_advance(*, now: dt.datetime | None = None) -> int:
    """Take the weekly step of every plan that rises: on each Monday (the patient's own) one
    ``step_weeks`` after the last step, decide from the week before it with ``next_dose`` and
    write the new dose when it differs. Each Monday is decided once (``decided_through``), so
    walks logged later never rewrite a past step, and running twice writes nothing twice.
    Returns how many steps were written."""
    now = now or timezone.now()
    written = 0
    due = PrescriptionPlan.objects.filter(
        superseded_at__isnull=True,
        rises=True,
        patient__status__in=[PatientStatus.ACTIVE],
        decided_through__lt=now.date() - dt.timedelta(days=5),
    ).values_list("pk", flat=True)
    for plan_id in list(due):
        written += _plan_advance(plan_id, now)
    return written


def _plan_advance(plan_id: int, now: dt.datetime) -> int:
    with transaction.atomic():
        plan = (
            PrescriptionPlan.objects.select_for_update()
            .select_related("patient", "author")
            .get(pk=plan_id)
        )
        patient = plan.patient
        if plan.superseded_at is not None or not patient.in_programme:
            return 0
        rules = ProgrammeRules.from_json(plan.rules)
        this_monday = week_start(patient.today(now))
        written = 0
        # Never None: prescription_set sets it, and the sweep selects plans by it.
        monday = cast(dt.date, plan.decided_through) + dt.timedelta(weeks=1)
        while monday <= this_monday:
            weeks_in = (monday - week_start(plan.starts_on)).days // 7
            if weeks_in % rules.step_weeks == 0:
                written += _plan_step(plan, rules, monday)
            plan.decided_through = monday
            monday += dt.timedelta(weeks=1)
        plan.save(update_fields=["decided_through"])
    return written


def _plan_step(plan: PrescriptionPlan, rules: ProgrammeRules, monday: dt.date) -> int:
    patient = plan.patient
    timeline = Timeline(list(Prescription.objects.filter(patient=patient)))
    current = timeline.on(monday - dt.timedelta(days=1))
    if current is None:
        return 0
    sunday = monday - dt.timedelta(days=1)
    totals = weekly_totals([patient.pk], monday - dt.timedelta(weeks=2), sunday).get(patient.pk, {})
    review = last_complete_weeks(totals, timeline, monday, count=1)[0]
    decision = next_dose(
        rules,
        Dose(current.walks_per_week, current.minutes_per_walk),
        review,
        pain_change(totals, sunday),
    )
    if decision.dose == Dose(current.walks_per_week, current.minutes_per_walk):
        return 0
    step = Prescription.objects.create(
        patient=patient,
        walks_per_week=decision.walks_per_week,
        minutes_per_walk=decision.minutes_per_walk,
        effective_from=monday,
        rationale=decision.sentence,
        plan=plan,
        author=plan.author,
    )
    audit_record(
        actor=None,
        action=AuditAction.CREATE,
        obj=step,
        patient=patient,
        detail={"event": "plan_step", "plan": plan.pk, "action": decision.action},
    )
    return 1


# --- Adverse events: the staff side -----------------------------------------------------------


def adverse_event_mark_reviewed(*, event: AdverseEvent, by: User) -> AdverseEvent:
    """The physiotherapist has seen a reported problem: it stops flagging the patient."""
    _check_staff(by, event.patient)
    with transaction.atomic():
        event = AdverseEvent.objects.select_for_update().get(pk=event.pk)
        if event.reviewed_at is None:
            event.reviewed_at = timezone.now()
            event.reviewed_by = by
            event.save(update_fields=["reviewed_at", "reviewed_by"])
            audit_record(
                actor=by,
                action=AuditAction.UPDATE,
                obj=event,
                patient=event.patient,
                detail={"fields": ["reviewed_at"]},
            )
            caseload_rows_refresh(patient_ids=[event.patient_id])
    return event


# --- The clinic's library and settings ---------------------------------------------------------


def _check_clinic_staff(by: User, clinic: Clinic) -> None:
    if by.role not in (Role.PHYSIO, Role.CLINIC_ADMIN) or by.clinic_id != clinic.pk:
        raise ValidationError("Only this clinic's staff can change its library and settings.")


# Tries at a free slug: the standard topics (``education_library_seed``) may take one meanwhile.
SLUG_ATTEMPTS = 3


@once_per_submission("education_topic_save")
def education_topic_save(
    *,
    clinic: Clinic,
    by: User,
    title: str,
    body: str,
    summary: str = "",
    position: int = 0,
    is_active: bool = True,
    topic: EducationTopic | None = None,
) -> EducationTopic:
    """Create a topic (``topic=None``) or change one of the clinic's."""
    _check_clinic_staff(by, clinic)
    if topic is not None and topic.clinic_id != clinic.pk:
        raise ValidationError("That topic belongs to another clinic.")
    title, body = title.strip(), body.strip()
    errors = {}
    if not title:
        errors["title"] = "Give the topic a title."
    if not body:
        errors["body"] = "Write the text the patient will read."
    if errors:
        raise ValidationError(errors)
    created = topic is None
    for attempt in range(SLUG_ATTEMPTS):
        try:
            with transaction.atomic():
                if topic is None or created:
                    # One new topic of a clinic at a time, so the free slug stays free until
                    # the insert (NO KEY: rows that refer to the clinic are not held up).
                    Clinic.objects.select_for_update(no_key=True).only("pk").get(pk=clinic.pk)
                    topic = EducationTopic(clinic=clinic, slug=_free_slug(clinic, title))
                topic.title, topic.body, topic.summary = title, body, summary.strip()
                topic.position, topic.is_active = position, is_active
                topic.full_clean()
                topic.save()
                audit_record(
                    actor=by,
                    action=AuditAction.CREATE if created else AuditAction.UPDATE,
                    obj=topic,
                    clinic=clinic,
                    detail={"fields": ["title", "summary", "body", "position", "is_active"]},
                )
        except IntegrityError:
            # The library's standard topics took the free slug between the check and the
            # insert (the unique constraint waited for them): choose again, as the check would.
            if not created or attempt == SLUG_ATTEMPTS - 1:
                raise
        else:
            return topic
    raise AssertionError("unreachable")


def _free_slug(clinic: Clinic, title: str) -> str:
    base = slugify(title)[:100] or "topic"
    slug, n = base, 2
    while EducationTopic.objects.filter(clinic=clinic, slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


PLAN_RULE_BOUNDS = {
    "plan_start_walks": (1, 14, "Walks a new plan starts with"),
    "plan_step_weeks": (1, 4, "Weeks between steps"),
    "plan_largest_increase": (5, 60, "The largest rise of one step"),
    "plan_close_to_target_percent": (50, 100, "The share of the target for a step up"),
    "plan_pain_rise": (1, 10, "The rise in pain that steps a plan down"),
}


def clinic_programme_update(
    *,
    clinic: Clinic,
    by: User,
    goal_walks_per_week: int,
    goal_minutes_per_walk: int,
    goal_week: int,
    screening_extra_conditions: str,
    check_in_months: int | None = None,
    **plan_rules: int,
) -> Clinic:
    """The clinic's default walking goal, its programme rules and extra screening conditions
    (the sources leave all of them to the clinic: docs/clinical-rules.md#clinic-settings).
    A change of the goal or the rules is a new numbered version (``ProgrammeRulesVersion``);
    plans accepted earlier keep the rules they were made under."""
    _check_clinic_staff(by, clinic)
    errors = {}
    if goal_walks_per_week not in WALKS_PER_WEEK:
        errors["goal_walks_per_week"] = f"Walks per week must be {WALKS_PER_WEEK.words}."
    if goal_minutes_per_walk not in MINUTES_PER_WALK:
        errors["goal_minutes_per_walk"] = f"Minutes per walk must be {MINUTES_PER_WALK.words}."
    if goal_week not in GOAL_WEEK:
        errors["goal_week"] = f"The goal week must be {GOAL_WEEK.words}."
    if check_in_months is None:
        check_in_months = clinic.check_in_months
    if check_in_months not in CHECK_IN_MONTHS:
        errors["check_in_months"] = (
            f"Monthly check-ins are offered for {CHECK_IN_MONTHS.words} months."
        )
    unknown = set(plan_rules) - set(PLAN_RULE_BOUNDS)
    if unknown:
        raise ValueError(f"not programme rules: {sorted(unknown)}")
    values = {name: plan_rules.get(name, getattr(clinic, name)) for name in PLAN_RULE_BOUNDS}
    for name, (low, high, what) in PLAN_RULE_BOUNDS.items():
        if not isinstance(values[name], int) or not low <= values[name] <= high:
            errors[name] = f"{what} must be a whole number from {low} to {high}."
    conditions = [line.strip() for line in screening_extra_conditions.splitlines() if line.strip()]
    if any(len(line) > SCREENING_CONDITION_MAX for line in conditions):
        errors["screening_extra_conditions"] = (
            f"Keep each condition under {SCREENING_CONDITION_MAX} characters."
        )
    if errors:
        raise ValidationError(errors)
    goal = (goal_walks_per_week, goal_minutes_per_walk, goal_week)
    rules = replace(ProgrammeRules.of(clinic, goal), **_rule_fields(values))
    reached = rules_reach_the_goal(rules)
    if reached is None or reached > goal_week:
        when = "never" if reached is None else f"only by week {reached}"
        raise ValidationError(
            {
                "plan_largest_increase": "With these rules a patient starting at 30 minutes a "
                f"week reaches the goal {when}, after week {goal_week}: allow a larger step, "
                "shorter steps, or a later goal week."
            }
        )
    with transaction.atomic():
        clinic = Clinic.objects.select_for_update().get(pk=clinic.pk)
        before = ProgrammeRules.of(clinic)
        clinic.goal_walks_per_week = goal_walks_per_week
        clinic.goal_minutes_per_walk = goal_minutes_per_walk
        clinic.goal_week = goal_week
        clinic.check_in_months = check_in_months
        for name, value in values.items():
            setattr(clinic, name, value)
        clinic.screening_extra_conditions = "\n".join(conditions)
        changed = rules != before
        if changed:
            clinic.rules_version += 1
            ProgrammeRulesVersion.objects.create(
                clinic=clinic, number=clinic.rules_version, rules=rules.as_json(), created_by=by
            )
        clinic.save()
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            obj=clinic,
            clinic=clinic,
            detail={
                "fields": ["goal", "rules", "screening_extra_conditions"],
                "rules_version": clinic.rules_version if changed else None,
            },
        )
    return clinic


def _rule_fields(values: dict[str, int]) -> dict[str, int]:
    """The clinic's column names as ``ProgrammeRules`` field names."""
    return {
        "start_walks": values["plan_start_walks"],
        "step_weeks": values["plan_step_weeks"],
        "largest_increase": values["plan_largest_increase"],
        "close_to_target_percent": values["plan_close_to_target_percent"],
        "pain_rise": values["plan_pain_rise"],
    }


# --- The maintained patient status (coaching.models.CaseloadRow) ------------------------------

CASELOAD_REFRESH_BATCH = 500


def caseload_rows_refresh(*, patient_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """Recompute the caseload rows of these patients and write those that changed; returns
    how many were written. Called inside the transaction of every write that changes a row
    (directly here, through ``patients.signals.patient_records_changed`` from the patient
    layer) and by the periodic refresh for what the clock changes.

    The patients are locked first (``FOR NO KEY UPDATE``, which walks and check-ins being
    inserted do not wait for), in id order, so two writes about the same patient cannot each
    compute the row without the other's change: the second waits for the first to commit and
    then reads it. Every service that locks a patient uses the same mode (they change no key):
    a service holding ``FOR UPDATE`` while a walk's transaction, which holds the key-share
    lock of its insert, asks for this one would be a deadlock. In batches, so memory stays
    bounded however many patients."""
    ids = sorted(set(patient_ids))
    written = 0
    for start in range(0, len(ids), CASELOAD_REFRESH_BATCH):
        batch = ids[start : start + CASELOAD_REFRESH_BATCH]
        with transaction.atomic():
            list(
                Patient.objects.select_for_update(no_key=True)
                .filter(pk__in=batch)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            fresh = statuses_compute(batch, now=now or timezone.now())
            stored = {
                row["patient_id"]: row
                for row in CaseloadRow.objects.filter(patient_id__in=batch).values(
                    "patient_id", *STATUS_FIELDS
                )
            }
            changed = [
                CaseloadRow(patient_id=pk, **values)
                for pk, values in fresh.items()
                if status_differs(stored.get(pk), values)
            ]
            if changed:
                CaseloadRow.objects.bulk_create(
                    changed,
                    update_conflicts=True,
                    unique_fields=["patient"],
                    update_fields=STATUS_FIELDS,
                )
            written += len(changed)
    return written


def caseload_rows_refresh_due(*, now: dt.datetime | None = None, limit: int = 50_000) -> int:
    """The periodic refresh: rows whose ``valid_until`` has passed (a day ended in the
    patient's zone, a session fell overdue), and patients who have no row yet. At most
    ``limit`` patients a run (the next run takes the rest); returns how many rows changed."""
    now = now or timezone.now()
    due = list(
        CaseloadRow.objects.filter(valid_until__lte=now)
        .order_by("valid_until")
        .values_list("patient_id", flat=True)[:limit]
    )
    missing = list(
        Patient.objects.filter(caseload_row__isnull=True)
        .order_by()
        .values_list("pk", flat=True)[: max(0, limit - len(due))]
    )
    return caseload_rows_refresh(patient_ids=due + missing, now=now)
