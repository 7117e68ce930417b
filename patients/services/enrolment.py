"""Writes to patient records. Each runs in one transaction with its audit row."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients.limits import BASELINE_MESSAGE, BASELINE_MINUTES_PER_WEEK, CLEARANCE_NOTE_MAX
from patients.models import AccountClosing, ClosingState, Patient, PatientStatus, Screening
from patients.signals import records_changed
from walkback.accounts.emails import normalize_email
from walkback.accounts.languages import check_language
from walkback.accounts.models import Role, User
from walkback.accounts.services import (
    address_taken,
    invitation_create,
    physio_lock_for_patients,
    user_create_unless_taken,
    user_sessions_end,
    validate_full_name,
)
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record
from walkback.core.services import model_update
from walkback.core.submissions import once_per_submission


@once_per_submission("patient_invite")
def patient_invite(
    *,
    by: User,
    email: str,
    full_name: str,
    time_zone: str,
    physiotherapist: User | None = None,
    phone: str = "",
    language: str = "",
    **details,
) -> Patient | None:
    """Create a patient's account and record, and e-mail them a one-time link to set a
    password. ``details`` are further Patient fields (date of birth, preferred days...);
    ``language`` is the one the patient reads WalkBack in (blank: their clinic's).

    None when the address is an account at another clinic: nothing is created here and the
    account holder is told instead (``address_taken``), so the page reveals nothing. The same
    ``submission_token`` twice enrols once and sends one e-mail (``once_per_submission``)."""
    # A superuser may be a clinic admin with no clinic (user_belongs_to_a_clinic): no patients.
    if by.role not in (Role.PHYSIO, Role.CLINIC_ADMIN) or by.clinic is None:
        raise ValidationError(gettext("Only clinic staff can invite patients."))
    physiotherapist = physiotherapist or (by if by.role == Role.PHYSIO else None)
    if physiotherapist is not None and (
        physiotherapist.clinic_id != by.clinic_id or physiotherapist.role != Role.PHYSIO
    ):
        raise ValidationError(
            {"physiotherapist": gettext("Choose a physiotherapist of your clinic.")}
        )
    validate_full_name(full_name)
    check_language(language or "")
    email = normalize_email(email)
    validate_patient_details(
        clinic=by.clinic,
        date_of_birth=details.get("date_of_birth"),
        preferred_days=details.get("preferred_days"),
    )
    if address_taken(email=email, clinic=by.clinic, by=by, role=Role.PATIENT):
        return None
    with transaction.atomic():
        user = user_create_unless_taken(
            email=email,
            full_name=full_name.strip(),
            role=Role.PATIENT,
            clinic=by.clinic,
            by=by,
            time_zone=time_zone,
            phone=phone or "",
            language=language or "",
        )
        if user is None:
            return None
        if physiotherapist is not None:
            physio_lock_for_patients(physiotherapist)
        patient = Patient(
            user=user,
            clinic=by.clinic,
            physiotherapist=physiotherapist,
            time_zone=time_zone,
            **details,
        )
        patient.full_clean(exclude=["user"])
        patient.save()
        audit_record(
            actor=by,
            action=AuditAction.CREATE,
            obj=patient,
            patient=patient,
            detail={
                "fields": sorted(
                    [
                        "email",
                        "full_name",
                        "time_zone",
                        *details,
                        *(["phone"] if phone else []),
                        *(["language"] if language else []),
                    ]
                )
            },
        )
        invitation_create(user=user, by=by)
        records_changed(patient.pk)
    return patient


ADULT_AGE = 18
# A doctor's clearance older than this says little about the patient now.
CLEARANCE_VALID_FOR = dt.timedelta(days=365)


def _age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def validate_patient_details(*, clinic, date_of_birth=None, preferred_days=None) -> None:
    """Checks shared by enrolment and editing (plain words, keyed by field)."""
    errors = {}
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(clinic.time_zone)).date()
    if date_of_birth is not None:
        if date_of_birth > today:
            errors["date_of_birth"] = gettext("The date of birth cannot be in the future.")
        elif _age_on(date_of_birth, today) < ADULT_AGE:
            errors["date_of_birth"] = gettext(
                "WalkBack is for adults: the patient must be %(age)s or over."
            ) % {"age": ADULT_AGE}
        elif _age_on(date_of_birth, today) > 120:
            errors["date_of_birth"] = gettext(
                "Check the year: that would make the patient over %(age)s."
            ) % {"age": 120}
    if preferred_days is not None and any(
        not isinstance(day, int) or not 0 <= day <= 6 for day in preferred_days
    ):
        errors["preferred_days"] = gettext("Choose days of the week from the list.")
    if errors:
        raise ValidationError(errors)


def condition_lines(text: str) -> list[str]:
    """A list of screening conditions as typed, one per line; blank lines do not count. The
    clinic's own list and its translations (coaching/content.py) are read the same way."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def clinic_conditions(clinic) -> list[str]:
    """The extra screening conditions a clinic lists, one per line of its settings."""
    return condition_lines(clinic.screening_extra_conditions)


def _check_physio(by: User, patient: Patient) -> None:
    if by.role != Role.PHYSIO:
        raise ValidationError(gettext("Only the clinic's physiotherapists can do this."))
    if by.clinic_id != patient.clinic_id:
        raise ValidationError(gettext("This patient is not in your clinic."))


# Each a whole sentence (word order differs between languages); joined with spaces.
INELIGIBLE_REASONS = {
    "recovered_in_last_6_months": _(
        "The patient has not recovered from an episode of low back pain in the last 6 months."
    ),
    "episode_lasted_24h": _("The episode did not last at least 24 hours."),
    "able_to_walk": _("The patient is not able to walk for exercise."),
    "already_active_3_per_week": _("The patient is already active 3 or more times a week."),
}


def screening_record(
    *,
    patient: Patient,
    by: User,
    recovered_in_last_6_months: bool | None,
    episode_lasted_24h: bool | None,
    able_to_walk: bool | None,
    already_active_3_per_week: bool | None,
    heart_or_circulation: bool = False,
    balance_or_falls: bool = False,
    older_age: bool = False,
    other_conditions: list[str] | None = None,
    clearance_date: dt.date | None = None,
    clearance_note: str = "",
    baseline_minutes_per_week: int | None = None,
    ineligible_reason: str = "",
) -> Screening:
    """Record (or correct) the screening (docs/clinical-rules.md#who-the-programme-is-for), before
    the programme starts.

    Unanswered questions (None) leave the screening incomplete, which flags the patient. When
    every answer is in and one excludes the patient, they are recorded as not eligible with
    the reason (the physiotherapist's words, or one built from the answers). Any safety flag
    means the programme cannot start until a doctor's clearance date is recorded.
    """
    _check_physio(by, patient)
    other_conditions = list(other_conditions or [])
    errors = {}
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(patient.clinic.time_zone)).date()
    if clearance_date is not None and clearance_date > today:
        errors["clearance_date"] = gettext("The clearance date cannot be in the future.")
    elif clearance_date is not None and clearance_date < today - CLEARANCE_VALID_FOR:
        errors["clearance_date"] = gettext(
            "The clearance must be from the last 12 months. Check the year, or ask the "
            "patient's doctor for a new clearance."
        )
    unknown = set(other_conditions) - set(clinic_conditions(patient.clinic))
    if unknown:
        errors["other_conditions"] = gettext("Choose conditions from your clinic's list.")
    if (
        baseline_minutes_per_week is not None
        and baseline_minutes_per_week not in BASELINE_MINUTES_PER_WEEK
    ):
        errors["baseline_minutes_per_week"] = BASELINE_MESSAGE
    if len(clearance_note) > CLEARANCE_NOTE_MAX:
        errors["clearance_note"] = gettext("Keep the note under %(max)s characters.") % {
            "max": CLEARANCE_NOTE_MAX
        }
    if len(ineligible_reason) > 1000:
        errors["ineligible_reason"] = gettext("Keep the reason under %(max)s characters.") % {
            "max": 1000
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        patient = (
            Patient.objects.select_for_update(no_key=True)
            .select_related("clinic")
            .get(pk=patient.pk)
        )
        if patient.status not in (PatientStatus.SCREENING, PatientStatus.INELIGIBLE):
            raise ValidationError(
                gettext("The programme has started: the screening is kept as it was recorded.")
            )
        screening, created = Screening.objects.get_or_create(patient=patient)
        answers = {
            "recovered_in_last_6_months": recovered_in_last_6_months,
            "episode_lasted_24h": episode_lasted_24h,
            "able_to_walk": able_to_walk,
            "already_active_3_per_week": already_active_3_per_week,
            "heart_or_circulation": heart_or_circulation,
            "balance_or_falls": balance_or_falls,
            "older_age": older_age,
            "other_conditions": other_conditions,
            "clearance_date": clearance_date,
            "clearance_note": clearance_note.strip(),
        }
        for name, value in answers.items():
            setattr(screening, name, value)
        screening.screened_by = by
        screening.screened_at = timezone.now()
        screening.save()
        if screening.is_complete and not screening.is_eligible:
            patient.status = PatientStatus.INELIGIBLE
            failing = [
                str(text)
                for name, text in INELIGIBLE_REASONS.items()
                if (answers[name] if name == "already_active_3_per_week" else not answers[name])
            ]
            # Written in the physiotherapist's language: it is stored, and staff read it.
            patient.ineligible_reason = ineligible_reason.strip() or " ".join(failing)
        else:
            patient.status = PatientStatus.SCREENING
            patient.ineligible_reason = ""
        patient.baseline_minutes_per_week = baseline_minutes_per_week
        patient.save(
            update_fields=["status", "ineligible_reason", "baseline_minutes_per_week", "updated_at"]
        )
        audit_record(
            actor=by,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=screening,
            patient=patient,
            detail={
                "fields": sorted([*answers, "baseline_minutes_per_week"]),
                "status": patient.status,
            },
        )
        records_changed(patient.pk)
    return screening


PATIENT_EDITABLE = {
    "full_name",
    "language",
    "phone",
    "date_of_birth",
    "time_zone",
    "preferred_days",
    "preferred_time",
    "physiotherapist",
    "status",
    "goal_walks_per_week",
    "goal_minutes_per_walk",
    "goal_week",
}
# Status changes a physiotherapist makes by hand; screening <-> ineligible -> active go through
# screening_record and programme_start.
# Keyed by str: Patient.status reads back as a plain string (PatientStatus is a str enum).
STATUS_MOVES: dict[str, set[PatientStatus]] = {
    PatientStatus.SCREENING: {PatientStatus.DISCHARGED},
    PatientStatus.INELIGIBLE: {PatientStatus.DISCHARGED},
    PatientStatus.ACTIVE: {PatientStatus.MAINTENANCE, PatientStatus.DISCHARGED},
    PatientStatus.MAINTENANCE: {PatientStatus.ACTIVE, PatientStatus.DISCHARGED},
    PatientStatus.DISCHARGED: set(),
}


CLOSED_ACCOUNT = _("This patient's account is closed, so their details cannot be changed.")


def patient_update(*, patient: Patient, by: User, **changes) -> Patient:
    """Change a patient's details, personal walking goal, physiotherapist or stage."""
    unknown = set(changes) - PATIENT_EDITABLE
    if unknown:
        raise TypeError(f"patient_update does not change {sorted(unknown)}")
    _check_physio(by, patient)
    if AccountClosing.objects.filter(patient=patient, state=ClosingState.CLOSED).exists():
        # Erased on request or by the retention period: nothing may bring the person back.
        raise ValidationError(str(CLOSED_ACCOUNT))
    check_language(changes.get("language") or "")
    validate_patient_details(
        clinic=patient.clinic,
        date_of_birth=changes.get("date_of_birth"),
        preferred_days=changes.get("preferred_days"),
    )
    physio = changes.get("physiotherapist")
    if physio is not None and (physio.clinic_id != patient.clinic_id or physio.role != Role.PHYSIO):
        raise ValidationError(
            {"physiotherapist": gettext("Choose a physiotherapist of your clinic.")}
        )
    status = changes.get("status", patient.status)
    if status != patient.status and status not in STATUS_MOVES.get(patient.status, set()):
        raise ValidationError(
            {
                "status": gettext("A patient cannot move from “%(old)s” to “%(new)s” here.")
                % {"old": patient.get_status_display(), "new": PatientStatus(status).label}
            }
        )
    with transaction.atomic():
        if physio is not None and physio.pk != patient.physiotherapist_id:
            physio_lock_for_patients(physio)
        patient = (
            Patient.objects.select_for_update(no_key=True)
            .select_related("user", "clinic")
            .get(pk=patient.pk)
        )
        changed = []
        full_name = changes.pop("full_name", None)
        if full_name is not None and full_name.strip() != patient.user.full_name:
            patient.user.full_name = full_name.strip()
            changed.append("full_name")
        phone = changes.pop("phone", None)
        if phone is not None and str(phone) != str(patient.user.phone):
            patient.user.phone = phone
            changed.append("phone")
        if "time_zone" in changes and changes["time_zone"] != patient.user.time_zone:
            patient.user.time_zone = changes["time_zone"]
        language = changes.pop("language", None)
        if language is not None and language != patient.user.language:
            patient.user.language = language
            changed.append("language")
        patient.user.full_clean(exclude=["password"])
        patient.user.save(update_fields=["full_name", "phone", "time_zone", "language"])
        changed += model_update(patient, changes, clean_exclude=["user"])
        if "status" in changed and patient.status == PatientStatus.DISCHARGED:
            # Discharged: logged out everywhere now; walks and check-ins are refused from here
            # on (``Patient.can_log``), while the clinic keeps reading the record. The
            # clinic's retention period counts from today (docs/security.md#data-rights).
            user_sessions_end(user=patient.user)
            patient.discharged_at = timezone.now()
            patient.save(update_fields=["discharged_at"])
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            obj=patient,
            patient=patient,
            detail={"fields": sorted(changed)},
        )
        records_changed(patient.pk)
    return patient
