"""Closing a patient's account: the right to erasure (GDPR art. 17, APP 11.2) and the clinic's
retention period (docs/security.md#data-rights).

The patient asks (``closing_request``); the clinic admin decides (``closing_decide``): either
erase the person and keep the programme data under an id for the clinic's figures
(pseudonymised), or delete every record of the programme too. The clinic's retention period
closes discharged patients' accounts the same way, by a periodic task (``closings_due``).

It lives in the programme layer because closing reaches every record the programme holds
about the patient (sessions, plans, reminders, the caseload row), and nothing above it holds
personal data of a patient: export files expire within hours (docs/reports.md).

What is erased, whichever the outcome (the test ``tests/security/test_erasure.py`` searches
every column of every table for the old name, e-mail and phone afterwards):
- the login: name emptied, e-mail replaced by ``closed-<id>@closed.invalid``, phone removed,
  password unusable, switched off, every session ended and its row deleted;
- the date of birth, the reason given for not being eligible, the doctor's clearance note;
- free text anyone typed about the person: walk notes, the problem reports' descriptions,
  session notes, goals, barriers and action plans (a video link becomes a placeholder),
  prescription rationales and confirmations;
- secure messages, both sides' (docs/messages.md): the thread, its messages and read markers;
- reminders (the outbox rows, sent or not), invitations, e-mail changes waiting to be
  confirmed, one-time submission tokens, the login lockout's records of the address.

Kept when pseudonymised: the numbers and choices of the programme (walk dates, minutes, pain,
steps; check-in answers; session dates, modes, statuses and confidence; prescriptions; the
adverse events' region, severity and relation to walking), under the patient's id.
Deleted as well when nothing needs keeping: all of those.

Always kept: the audit trail, which is append-only (a database trigger refuses changes) and
holds ids, actions and times, never names or addresses (``AuditEvent``). Because its rows
point at the patient and the login, those two rows stay, empty of anything personal.
"""

from __future__ import annotations

import datetime as dt

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from coaching.messaging.services import messages_erase
from coaching.models import (
    CoachingSession,
    Prescription,
    PrescriptionPlan,
    Reminder,
    SessionMode,
)
from patients.limits import RETENTION_YEARS, RETENTION_YEARS_DEFAULT
from patients.models import (
    AccountClosing,
    AdverseEvent,
    CheckIn,
    ClosingOutcome,
    ClosingReason,
    ClosingState,
    Patient,
    PatientStatus,
    RetentionPolicy,
    Screening,
    WalkLog,
)
from patients.signals import records_changed
from walkback.accounts.languages import language_for
from walkback.accounts.models import (
    DeviceSession,
    EmailChange,
    Invitation,
    KeptDraft,
    Role,
    User,
)
from walkback.accounts.services import account_closed_send
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record
from walkback.core.models import Submission

# Marked for translation, and translated where they are raised (tests read the English).
ALREADY_CLOSED = gettext_noop("This account is already closed: there is nothing left to erase.")
ALREADY_ASKED = gettext_noop("You have already asked. The clinic will decide and let you know.")
NOT_WAITING = gettext_noop("This request is not waiting for a decision any more.")
# What a video session's link becomes: the session stays a video session (the database
# requires a link for one), but the link may have named the person.
CLOSED_VIDEO_LINK = "https://closed.invalid/"


# What a walk correction's reason becomes when the account is closed. Stored, so in the site's
# language (marked, so that a page showing it may translate it on display).
CLOSED_CORRECTION_REASON = gettext_noop("Reason removed when the account was closed.")


def closed_email(user_id: int) -> str:
    """The address a closed login gets: unique, lower case, and says nothing of the person
    (``.invalid`` is reserved, so no message can ever be delivered to it)."""
    return f"closed-{user_id}@closed.invalid"


def closing_request(*, patient: Patient, by: User) -> AccountClosing:
    """The patient asks for their account to be closed. A second request while one waits, or
    one after the account is closed, gets a clear message; a withdrawn request can be made
    again."""
    if by.pk != patient.user_id:
        raise ValidationError(
            gettext("Only the patient can ask for their own account to be closed.")
        )
    with transaction.atomic():
        closing = AccountClosing.objects.select_for_update().filter(patient=patient).first()
        if closing is not None and closing.state == ClosingState.CLOSED:
            raise ValidationError(gettext(ALREADY_CLOSED))
        if closing is not None and closing.state == ClosingState.REQUESTED:
            raise ValidationError(gettext(ALREADY_ASKED))
        if closing is None:
            closing = AccountClosing.objects.create(patient=patient)
        else:
            closing.state = ClosingState.REQUESTED
            closing.reason = ClosingReason.PATIENT
            closing.requested_at = timezone.now()
            closing.save(update_fields=["state", "reason", "requested_at"])
        audit_record(
            actor=by,
            action=AuditAction.ACCOUNT,
            obj=closing,
            patient=patient,
            detail={"event": "closing_requested"},
        )
    return closing


def closing_withdraw(*, patient: Patient, by: User) -> AccountClosing:
    """The patient changes their mind before the clinic decided."""
    if by.pk != patient.user_id:
        raise ValidationError(gettext("Only the patient can withdraw their own request."))
    with transaction.atomic():
        closing = AccountClosing.objects.select_for_update().filter(patient=patient).first()
        if closing is None or closing.state != ClosingState.REQUESTED:
            raise ValidationError(gettext(NOT_WAITING))
        closing.state = ClosingState.WITHDRAWN
        closing.save(update_fields=["state"])
        audit_record(
            actor=by,
            action=AuditAction.ACCOUNT,
            obj=closing,
            patient=patient,
            detail={"event": "closing_withdrawn"},
        )
    return closing


def closing_decide(*, closing: AccountClosing, outcome: str, by: User) -> AccountClosing:
    """The clinic admin closes the account as the patient asked, keeping the programme data
    without the person (pseudonymised) or deleting everything."""
    if by.role != Role.CLINIC_ADMIN or by.clinic_id != closing.patient.clinic_id:
        raise ValidationError(
            gettext("Only an admin of the patient's clinic can close the account.")
        )
    if closing.state == ClosingState.CLOSED:
        raise ValidationError(gettext(ALREADY_CLOSED))
    if closing.state != ClosingState.REQUESTED:
        raise ValidationError(gettext(NOT_WAITING))
    return patient_close(
        patient=closing.patient, outcome=outcome, by=by, reason=ClosingReason.PATIENT
    )


def patient_close(
    *, patient: Patient, outcome: str, by: User | None, reason: str = ClosingReason.PATIENT
) -> AccountClosing:
    """Erase the person behind ``patient`` (module docstring: what goes, what stays), in one
    transaction with its audit row. Closing an account twice is refused with a clear
    message."""
    if outcome not in ClosingOutcome.values:
        raise ValidationError({"outcome": gettext("Choose how the account is closed.")})
    with transaction.atomic():
        patient = (
            Patient.objects.select_for_update(no_key=True).select_related("user").get(pk=patient.pk)
        )
        closing, _ = AccountClosing.objects.select_for_update().get_or_create(
            patient=patient, defaults={"reason": reason}
        )
        if closing.state == ClosingState.CLOSED:
            raise ValidationError(gettext(ALREADY_CLOSED))
        # The last message to the person: held in memory only, sent after the commit.
        farewell = (
            patient.user.email,
            patient.user.get_short_name(),
            patient.clinic.name,
            language_for(patient.user),
        )
        _erase_identity(patient)
        if outcome == ClosingOutcome.DELETED:
            _delete_programme_records(patient)
        closing.state = ClosingState.CLOSED
        closing.outcome = outcome
        if closing.state != ClosingState.REQUESTED:
            closing.reason = reason  # not asked for by the patient (or withdrawn)
        closing.decided_at = timezone.now()
        closing.decided_by = by
        closing.save()
        audit_record(
            actor=by,
            action=AuditAction.DELETE,
            obj=closing,
            patient=patient,
            clinic=patient.clinic,
            detail={"event": "account_closed", "outcome": outcome, "reason": closing.reason},
        )
        records_changed(patient.pk)
        transaction.on_commit(lambda: _farewell_send(*farewell))
    return closing


def _farewell_send(address: str, short_name: str, clinic_name: str, language: str) -> None:
    # In the language the person read WalkBack in (their login is emptied by now).
    account_closed_send(
        address=address, short_name=short_name, clinic_name=clinic_name, language=language
    )


def _erase_identity(patient: Patient) -> None:
    user = patient.user
    old_email = user.email
    User.objects.filter(pk=user.pk).update(
        full_name="",
        email=closed_email(user.pk),
        phone="",
        password=make_password(None),
        is_active=False,
        session_generation=F("session_generation") + 1,
    )
    _sessions_delete(user.pk)
    # Phones kept signed in, and forms kept at a timeout (which may hold typed words).
    DeviceSession.objects.filter(user=user).delete()
    KeptDraft.objects.filter(user=user).delete()
    Invitation.objects.filter(user=user).delete()
    EmailChange.objects.filter(user=user).delete()
    Submission.objects.filter(user=user).delete()
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(username=old_email).delete()
    Reminder.objects.filter(patient=patient).delete()
    Reminder.objects.filter(recipient=user).delete()
    messages_erase(patient=patient)
    Patient.objects.filter(pk=patient.pk).update(
        date_of_birth=None,
        ineligible_reason="",
        preferred_time=None,
        reminders_by_email=False,
        reminder_days=[],
        reminder_links_generation=F("reminder_links_generation") + 1,
    )
    Screening.objects.filter(patient=patient).update(clearance_note="")
    WalkLog.objects.filter(patient=patient).update(note="")
    # A corrected walk must keep a reason (walk_correction_complete): the words go, a plain
    # placeholder stays, so the correction itself is still visible in the programme data.
    WalkLog.objects.filter(patient=patient).exclude(correction_reason="").update(
        correction_reason=CLOSED_CORRECTION_REASON
    )
    AdverseEvent.objects.filter(patient=patient).update(description="")
    sessions = CoachingSession.objects.filter(patient=patient)
    sessions.update(notes="", goals="", barriers="", action_plan="")
    sessions.filter(mode=SessionMode.VIDEO).update(video_link=CLOSED_VIDEO_LINK)
    sessions.exclude(mode=SessionMode.VIDEO).update(video_link="")
    # A correction's reason is kept in ``rationale_says`` too.
    Prescription.history.filter(patient=patient).update(
        rationale="", rationale_says=None, confirmed_because=""
    )
    patient.user.refresh_from_db()
    patient.refresh_from_db()


def _sessions_delete(user_id: int) -> None:
    """Delete the login's session rows (the raised generation already ends them; the rows may
    hold what a form was keeping for the person)."""
    mine = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id):
            mine.append(session.pk)
    Session.objects.filter(pk__in=mine).delete()


def _delete_programme_records(patient: Patient) -> None:
    """Nothing needs keeping: every record of the programme goes. Prescriptions point at each
    other and at their plans (``PROTECT``), so the links are cut before the rows go."""
    prescriptions = Prescription.history.filter(patient=patient)
    prescriptions.update(supersedes=None)
    prescriptions.delete()
    PrescriptionPlan.objects.filter(patient=patient).delete()
    CoachingSession.objects.filter(patient=patient).delete()
    WalkLog.objects.filter(patient=patient).delete()
    CheckIn.objects.filter(patient=patient).delete()
    AdverseEvent.objects.filter(patient=patient).delete()
    Screening.objects.filter(patient=patient).delete()
    Patient.objects.filter(pk=patient.pk).update(
        status=PatientStatus.DISCHARGED,
        programme_start=None,
        baseline_minutes_per_week=None,
        preferred_days=[],
        goal_walks_per_week=None,
        goal_minutes_per_walk=None,
        goal_week=None,
    )


def years_before(moment: dt.datetime, years: int) -> dt.datetime:
    """The same calendar moment ``years`` earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def closings_due(*, now: dt.datetime | None = None) -> int:
    """Close the accounts of patients discharged longer ago than their clinic keeps them
    (``RetentionPolicy``; a clinic without one keeps seven years and pseudonymises). Run daily
    by the periodic task; returns how many accounts were closed."""
    now = now or timezone.now()
    policies = {p.clinic_id: p for p in RetentionPolicy.objects.all()}
    candidates = (
        Patient.objects.filter(status=PatientStatus.DISCHARGED, discharged_at__isnull=False)
        .exclude(closing__state=ClosingState.CLOSED)
        .values_list("pk", "clinic_id", "discharged_at")
    )
    closed = 0
    for pk, clinic_id, discharged_at in candidates.iterator():
        policy = policies.get(clinic_id)
        years = policy.years if policy else RETENTION_YEARS_DEFAULT
        outcome = policy.outcome if policy else ClosingOutcome.PSEUDONYMISED
        if discharged_at is None or discharged_at > years_before(now, years):
            continue
        try:
            patient_close(
                patient=Patient.objects.get(pk=pk),
                outcome=outcome,
                by=None,
                reason=ClosingReason.RETENTION,
            )
        except ValidationError:
            continue  # closed by someone else in the meantime
        closed += 1
    return closed


def retention_set(*, clinic, years: int, outcome: str, by: User) -> RetentionPolicy:
    """The clinic admin sets how long discharged patients' identities are kept."""
    if by.role != Role.CLINIC_ADMIN or by.clinic_id != clinic.pk:
        raise ValidationError(
            gettext("Only an admin of the clinic can change how long it keeps data.")
        )
    if years not in RETENTION_YEARS:
        raise ValidationError(
            {
                "years": gettext("Choose a number of years from %(low)s to %(high)s.")
                % {"low": RETENTION_YEARS.low, "high": RETENTION_YEARS.high}
            }
        )
    if outcome not in ClosingOutcome.values:
        raise ValidationError({"outcome": gettext("Choose what happens when the time is over.")})
    with transaction.atomic():
        policy, _ = RetentionPolicy.objects.select_for_update().get_or_create(clinic=clinic)
        policy.years = years
        policy.outcome = outcome
        policy.save()
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            obj=policy,
            clinic=clinic,
            detail={"fields": ["years", "outcome"], "years": years, "outcome": outcome},
        )
    return policy
