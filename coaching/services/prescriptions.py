"""Walking plans: accepting one, its weekly steps, guardrails and corrections (docs/clinical-
rules.md#walking-prescription-and-progression)."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from coaching.limits import (
    RATIONALE_MAX,
)
from coaching.models import (
    CoachingSession,
    Prescription,
    PrescriptionPlan,
)
from coaching.progress import Timeline, week_start, weekly_totals
from coaching.progression import (
    Dose,
    ProgrammeRules,
    last_complete_weeks,
    next_dose,
    pain_change,
)
from coaching.services._shared import (
    _between,
    _check_staff,
    _day,
    _number,
)
from coaching.services.status import (
    caseload_rows_refresh,
)
from patients.models import Patient, PatientStatus
from walkback.accounts.limits import MINUTES_PER_WALK, WALKS_PER_WEEK
from walkback.accounts.models import User
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record
from walkback.core.submissions import once_per_submission

PRESCRIPTION_MAX_DAYS_AHEAD = 28


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
        errors["rationale"] = gettext("Say in a sentence why: it is kept with the prescription.")
    elif len(rationale) > RATIONALE_MAX:
        errors["rationale"] = gettext("Keep the rationale under %(max)s characters.") % {
            "max": _number(RATIONALE_MAX)
        }
    if len(confirmed_because) > RATIONALE_MAX:
        errors["confirmed_because"] = gettext("Keep the reason under %(max)s characters.") % {
            "max": _number(RATIONALE_MAX)
        }
    if session is not None and session.patient_id != patient.pk:
        errors["session"] = gettext("Choose one of this patient's sessions.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        patient = (
            Patient.objects.select_for_update(no_key=True)
            .select_related("clinic")
            .get(pk=patient.pk)
        )
        if not patient.in_programme or patient.programme_start is None:
            raise ValidationError(gettext("Start the programme before setting a prescription."))
        if effective_from < patient.programme_start:
            raise ValidationError(
                {
                    "effective_from": gettext(
                        "A prescription cannot start before the programme (%(day)s)."
                    )
                    % {"day": _day(patient.programme_start)}
                }
            )
        latest = (
            Prescription.objects.filter(patient=patient).order_by("-effective_from", "-id").first()
        )
        if latest is not None and effective_from < latest.effective_from:
            raise ValidationError(
                {
                    "effective_from": gettext(
                        "A new version cannot start before the one in force from %(day)s."
                    )
                    % {"day": _day(latest.effective_from)}
                }
            )
        if effective_from > patient.today() + dt.timedelta(days=PRESCRIPTION_MAX_DAYS_AHEAD):
            raise ValidationError(
                {"effective_from": gettext("Choose a start date within the next four weeks.")}
            )
        rules = ProgrammeRules.of(patient.clinic, patient.goal)
        dose = Dose(walks_per_week, minutes_per_walk)
        before = Timeline(list(Prescription.objects.filter(patient=patient))).on(
            effective_from - dt.timedelta(days=1)
        )
        concern = _dose_concern(rules, dose, before)
        if concern and not confirmed_because:
            raise ValidationError(
                {
                    # Translators: %(concern)s is one of the sentences about a dose above.
                    "confirmed_because": gettext("%(concern)s Say why to confirm it.")
                    % {"concern": concern}
                }
            )
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
        errors["walks_per_week"] = gettext(
            "Walks per week must be a whole number from %(low)s to %(high)s."
        ) % _between(*WALKS_PER_WEEK)
    if minutes_per_walk not in MINUTES_PER_WALK:
        errors["minutes_per_walk"] = gettext(
            "Minutes per walk must be a whole number from %(low)s to %(high)s."
        ) % _between(*MINUTES_PER_WALK)
    return errors


def _dose_concern(rules: ProgrammeRules, dose: Dose, before: Prescription | None) -> str:
    """What a physiotherapist must confirm about a dose, in words, or "" when nothing."""
    if dose.weekly > rules.goal_weekly:
        return gettext(
            "%(dose)s is %(weekly)s minutes a week, above the goal of %(goal)s "
            "(%(goal_weekly)s minutes)."
        ) % {
            "dose": dose,
            "weekly": dose.weekly,
            "goal": rules.goal_dose,
            "goal_weekly": rules.goal_weekly,
        }
    if before is not None and dose.weekly - before.weekly_minutes > rules.largest_increase:
        return gettext(
            "%(dose)s adds %(added)s minutes a week to %(before)s, more than the clinic's "
            "largest step of %(largest)s."
        ) % {
            "dose": dose,
            "added": dose.weekly - before.weekly_minutes,
            "before": Dose(before.walks_per_week, before.minutes_per_walk),
            "largest": rules.largest_increase,
        }
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
        errors["reason"] = gettext("Say what was wrong: it is kept with the correction.")
    elif len(reason) > RATIONALE_MAX:
        errors["reason"] = gettext("Keep the reason under %(max)s characters.") % {
            "max": _number(RATIONALE_MAX)
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        old = Prescription.history.select_for_update().get(pk=prescription.pk)
        if old.superseded_at is not None:
            raise ValidationError(
                gettext("This version was already replaced: correct the newer one.")
            )
        old.superseded_at = timezone.now()
        old.save(update_fields=["superseded_at"])
        corrected = Prescription.objects.create(
            patient=patient,
            walks_per_week=walks_per_week,
            minutes_per_walk=minutes_per_walk,
            effective_from=old.effective_from,
            rationale=f"Correction: {reason}",
            # Shown in the reader's language (``Prescription.rationale_shown``).
            rationale_says={"say": "correction", "reason": reason},
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
        pain_change(totals, sunday, threshold=rules.pain_rise),
    )
    if decision.dose == Dose(current.walks_per_week, current.minutes_per_walk):
        return 0
    step = Prescription.objects.create(
        patient=patient,
        walks_per_week=decision.walks_per_week,
        minutes_per_walk=decision.minutes_per_walk,
        effective_from=monday,
        # The record keeps the sentence in the site's language; each reader sees it in theirs.
        rationale=_in_site_language(decision),
        rationale_says=decision.says,
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


def _in_site_language(decision) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return decision.sentence
