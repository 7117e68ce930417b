"""Starting the programme, "keeping going" after six months, and the clinic's programme settings
and rules (docs/clinical-rules.md#clinic-settings)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from coaching.limits import (
    SCREENING_CONDITION_MAX,
)
from coaching.models import (
    CoachingSession,
    SessionMode,
    SessionPurpose,
)
from coaching.progress import programme_week
from coaching.progression import (
    ProgrammeRules,
    rules_reach_the_goal,
)
from coaching.reminders.services import reminders_plan_for_patient, reminders_plan_for_session
from coaching.services._shared import (
    _between,
    _check_clinic_staff,
    _check_staff,
    _clinic_today,
    _clinic_zone,
    _day,
)
from coaching.services.status import (
    caseload_rows_refresh,
)
from patients.models import Patient, PatientStatus
from patients.services.check_ins import check_ins_plan
from walkback.accounts.limits import (
    CHECK_IN_CATCH_UP,
    CHECK_IN_MONTHS,
    GOAL_WEEK,
    MINUTES_PER_WALK,
    WALKS_PER_WEEK,
)
from walkback.accounts.models import Clinic, ClosedDay, ProgrammeRulesVersion, User
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record

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


def programme_start_blocker(patient: Patient, *, has_sessions: bool) -> str:
    """Why the programme cannot start for ``patient`` now, in words, or "" when it can: the
    one rule that ``programme_start`` enforces and the patient page shows next to its
    unavailable "Start the programme" button. ``has_sessions``: the patient has any session."""
    if patient.status in (PatientStatus.ACTIVE, PatientStatus.MAINTENANCE):
        return gettext("The programme has already started for this patient.")
    if patient.status == PatientStatus.INELIGIBLE:
        return gettext("This patient is recorded as not eligible. Update the screening first.")
    if patient.status == PatientStatus.DISCHARGED:
        return gettext("This patient has been discharged.")
    if has_sessions:
        return gettext("This patient already has sessions: each number exists once.")
    screening = getattr(patient, "screening", None)
    if screening is None or not screening.is_complete:
        return gettext("Finish the screening before starting the programme.")
    if not screening.is_eligible:
        return gettext("The screening says this patient is not eligible.")
    if screening.clearance_missing:
        return gettext("A safety flag was ticked: record the doctor's clearance before starting.")
    return ""


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
        has_sessions = CoachingSession.objects.filter(patient=patient).exists()
        blocker = programme_start_blocker(patient, has_sessions=has_sessions)
        if blocker:
            raise ValidationError(blocker)
        if start_on < patient.enrolled_on:
            raise ValidationError(
                {
                    "start_on": gettext(
                        "The programme cannot start before the patient was enrolled (%(day)s)."
                    )
                    % {"day": _day(patient.enrolled_on)}
                }
            )
        if start_on > _clinic_today(patient) + dt.timedelta(days=START_MAX_DAYS_AHEAD):
            raise ValidationError(
                {"start_on": gettext("Choose a start date within the next three months.")}
            )
        zone = _clinic_zone(patient)
        days = schedule_days(clinic=patient.clinic, start_on=start_on)
        sessions = CoachingSession.objects.bulk_create(
            CoachingSession(
                patient=patient,
                number=planned.number,
                purpose=planned.purpose,
                mode=planned.mode,
                duration_minutes=planned.duration_minutes,
                scheduled_at=dt.datetime.combine(days[planned.number], session_time, tzinfo=zone),
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


def schedule_days(*, clinic: Clinic, start_on: dt.date) -> dict[int, dt.date]:
    """The day of each session of the default schedule from ``start_on``: its week, or the
    next day the clinic is open when that day is one of its closed days (public holidays,
    closures: ``ClosedDay``), always after the session before. Session 1 is the day the
    physiotherapist chose, so it must be an open day."""
    last_week = max(planned.week for planned in DEFAULT_SCHEDULE)
    closed = set(
        ClosedDay.objects.filter(
            clinic=clinic,
            day__gte=start_on,
            # Room for sessions pushed past their week by a long closure.
            day__lte=start_on + dt.timedelta(weeks=last_week + 8),
        ).values_list("day", flat=True)
    )
    if start_on in closed:
        raise ValidationError(
            {
                "start_on": gettext(
                    "The clinic is closed on %(day)s. Choose another day for Session 1."
                )
                % {"day": _day(start_on)}
            }
        )
    days: dict[int, dt.date] = {}
    previous: dt.date | None = None
    for planned in DEFAULT_SCHEDULE:
        day = start_on + dt.timedelta(weeks=planned.week)
        if previous is not None and day <= previous:
            day = previous + dt.timedelta(days=1)
        while day in closed:
            day += dt.timedelta(days=1)
        days[planned.number] = previous = day
    return days


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


# Each rule's bounds, and the message when a value is outside them.
PLAN_RULE_BOUNDS = {
    "plan_start_walks": (
        1,
        14,
        gettext_lazy(
            "Walks a new plan starts with must be a whole number from %(low)s to %(high)s."
        ),
    ),
    "plan_step_weeks": (
        1,
        4,
        gettext_lazy("Weeks between steps must be a whole number from %(low)s to %(high)s."),
    ),
    "plan_largest_increase": (
        5,
        60,
        gettext_lazy(
            "The largest rise of one step must be a whole number from %(low)s to %(high)s."
        ),
    ),
    "plan_close_to_target_percent": (
        50,
        100,
        gettext_lazy(
            "The share of the target for a step up must be a whole number from %(low)s to %(high)s."
        ),
    ),
    "plan_pain_rise": (
        1,
        10,
        gettext_lazy(
            "The rise in pain that steps a plan down must be a whole number from %(low)s to "
            "%(high)s."
        ),
    ),
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
    check_in_catch_up_months: int | None = None,
    **plan_rules: int,
) -> Clinic:
    """The clinic's default walking goal, its programme rules and extra screening conditions
    (the sources leave all of them to the clinic: docs/clinical-rules.md#clinic-settings).
    A change of the goal or the rules is a new numbered version (``ProgrammeRulesVersion``);
    plans accepted earlier keep the rules they were made under."""
    _check_clinic_staff(by, clinic)
    errors = {}
    if goal_walks_per_week not in WALKS_PER_WEEK:
        errors["goal_walks_per_week"] = gettext(
            "Walks per week must be from %(low)s to %(high)s."
        ) % _between(*WALKS_PER_WEEK)
    if goal_minutes_per_walk not in MINUTES_PER_WALK:
        errors["goal_minutes_per_walk"] = gettext(
            "Minutes per walk must be from %(low)s to %(high)s."
        ) % _between(*MINUTES_PER_WALK)
    if goal_week not in GOAL_WEEK:
        errors["goal_week"] = gettext("The goal week must be from %(low)s to %(high)s.") % (
            _between(*GOAL_WEEK)
        )
    if check_in_months is None:
        check_in_months = clinic.check_in_months
    if check_in_months not in CHECK_IN_MONTHS:
        errors["check_in_months"] = gettext(
            "Monthly check-ins are offered for from %(low)s to %(high)s months."
        ) % _between(*CHECK_IN_MONTHS)
    if check_in_catch_up_months is None:
        check_in_catch_up_months = clinic.check_in_catch_up_months
    if check_in_catch_up_months not in CHECK_IN_CATCH_UP:
        errors["check_in_catch_up_months"] = gettext(
            "Missed months asked about again must be a whole number from %(low)s to %(high)s."
        ) % _between(*CHECK_IN_CATCH_UP)
    unknown = set(plan_rules) - set(PLAN_RULE_BOUNDS)
    if unknown:
        raise ValueError(f"not programme rules: {sorted(unknown)}")
    values = {name: plan_rules.get(name, getattr(clinic, name)) for name in PLAN_RULE_BOUNDS}
    for name, (low, high, message) in PLAN_RULE_BOUNDS.items():
        if not isinstance(values[name], int) or not low <= values[name] <= high:
            errors[name] = str(message) % {"low": low, "high": high}
    conditions = [line.strip() for line in screening_extra_conditions.splitlines() if line.strip()]
    if any(len(line) > SCREENING_CONDITION_MAX for line in conditions):
        errors["screening_extra_conditions"] = gettext(
            "Keep each condition under %(max)s characters."
        ) % {"max": SCREENING_CONDITION_MAX}
    if errors:
        raise ValidationError(errors)
    goal = (goal_walks_per_week, goal_minutes_per_walk, goal_week)
    rules = replace(ProgrammeRules.of(clinic, goal), **_rule_fields(values))
    reached = rules_reach_the_goal(rules)
    if reached is None or reached > goal_week:
        if reached is None:
            refusal = gettext(
                "With these rules a patient starting at 30 minutes a week reaches the goal "
                "never, after week %(goal_week)s: allow a larger step, shorter steps, or a later "
                "goal week."
            ) % {"goal_week": goal_week}
        else:
            refusal = gettext(
                "With these rules a patient starting at 30 minutes a week reaches the goal only "
                "by week %(week)s, after week %(goal_week)s: allow a larger step, shorter steps, "
                "or a later goal week."
            ) % {"week": reached, "goal_week": goal_week}
        raise ValidationError({"plan_largest_increase": refusal})
    with transaction.atomic():
        clinic = Clinic.objects.select_for_update().get(pk=clinic.pk)
        before = ProgrammeRules.of(clinic)
        clinic.goal_walks_per_week = goal_walks_per_week
        clinic.goal_minutes_per_walk = goal_minutes_per_walk
        clinic.goal_week = goal_week
        clinic.check_in_months = check_in_months
        clinic.check_in_catch_up_months = check_in_catch_up_months
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
        if rules.pain_rise != before.pain_rise:
            # The pain arrow and "Pain up" on each caseload row follow the clinic's rule.
            caseload_rows_refresh(
                patient_ids=Patient.objects.filter(clinic=clinic).values_list("pk", flat=True)
            )
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            obj=clinic,
            clinic=clinic,
            detail={
                "fields": [
                    "goal",
                    "rules",
                    "check_in_months",
                    "check_in_catch_up_months",
                    "screening_extra_conditions",
                ],
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
