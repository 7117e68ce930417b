"""docs/security.md#data-rights: closing a patient's account leaves no identifying value
anywhere in the database. The search reads every column of every table the database has
(through its own introspection, not our list of models), so a new table that copies a name
fails here."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessLog
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from coaching.models import CaseloadRow, CoachingSession, Prescription, Reminder, SessionStatus
from coaching.services.closing import (
    ALREADY_CLOSED,
    closing_decide,
    closing_request,
    closings_due,
    patient_close,
)
from patients.models import (
    AccountClosing,
    ClosingOutcome,
    ClosingReason,
    ClosingState,
    Patient,
    PatientStatus,
    WalkLog,
)
from patients.services.walks import walk_correct, walk_log
from tests.conftest import login_as
from tests.factories import (
    AdverseEventFactory,
    CheckInFactory,
    CoachingSessionFactory,
    EmailChangeFactory,
    InvitationFactory,
    PatientFactory,
    PrescriptionFactory,
    ReminderFactory,
    RetentionPolicyFactory,
    ScreeningFactory,
    SubmissionFactory,
    UserFactory,
    WalkLogFactory,
)
from walkback.accounts.models import KeptDraft, Role, User
from walkback.accounts.names import name_sort_key
from walkback.audit.models import AuditEvent

NAME = "Ottoline Quarrington-Vex"
EMAIL = "ottoline.qv@example.test"
PHONE = "+61491570156"
# The forms people type the phone in, besides E.164.
PHONE_LOCAL = "0491570156"
IDENTIFYING = [NAME, "Quarrington", "Ottoline", EMAIL, "ottoline.qv", PHONE, PHONE_LOCAL]


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def hits_everywhere(values: list[str]) -> list[tuple[str, str, str]]:
    """Every (table, column, value) where a column's text contains one of ``values``, case
    ignored, over every column of every table (cast to text: JSON, numbers and all)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                as_text = f"LOWER(CAST({_quote(column.name)} AS TEXT))"
                for value in values:
                    cursor.execute(
                        f"SELECT COUNT(*) FROM {_quote(table)} WHERE {as_text} LIKE %s",  # noqa: S608 - names from introspection
                        [f"%{value.lower()}%"],
                    )
                    if cursor.fetchone()[0]:
                        found.append((table, column.name, value))
    return found


def _a_full_record() -> Patient:
    """A patient whose identity is copied into every place the product can put it."""
    physio = UserFactory(full_name="Dr Who Treats")
    patient = PatientFactory(
        clinic=physio.clinic,
        physiotherapist=physio,
        user__email=EMAIL,
        user__full_name=NAME,
        user__phone=PHONE,
        date_of_birth=dt.date(1950, 3, 4),
        ineligible_reason=f"{NAME} first said no",
        programme_start=timezone.now().date() - dt.timedelta(days=20),
    )
    today = patient.today()
    ScreeningFactory(patient=patient, clearance_note=f"GP cleared Ottoline, {PHONE_LOCAL}")
    # A walk through the service: its audit row has the patient as the actor.
    walk_log(
        patient=patient,
        by=patient.user,
        walked_on=today,
        minutes=25,
        note=f"Walked with Ottoline's sister, call {PHONE_LOCAL}",
    )
    corrected = WalkLogFactory(patient=patient, walked_on=today - dt.timedelta(days=1), note=EMAIL)
    # A physiotherapist's correction whose reason names the person (free text too).
    walk_correct(
        walk=corrected,
        by=physio,
        minutes=20,
        walked_on=corrected.walked_on,
        reason=f"{NAME} said it was 20, phone {PHONE_LOCAL}",
    )
    CheckInFactory(patient=patient, month_number=1, due_on=today)
    # A walk note typed as the idle timeout struck, kept for after the next login.
    KeptDraft.objects.create(
        user=patient.user,
        path="/me/walks/new/",
        data={"note": [f"{NAME} walked to the shops"]},
        expires_at=timezone.now() + dt.timedelta(hours=4),
    )
    AdverseEventFactory(patient=patient, description=f"{NAME} twisted a knee")
    CoachingSessionFactory(
        patient=patient,
        number=1,
        status=SessionStatus.DONE,
        notes=f"Ottoline Quarrington-Vex, mobile {PHONE}",
        goals="Walk to Ottoline's daughter's",
        barriers="Quarrington family duties",
        action_plan=f"E-mail {EMAIL} the plan",
    )
    CoachingSessionFactory(
        patient=patient, number=2, mode="video", video_link=f"https://v.test/{EMAIL}"
    )
    first = PrescriptionFactory(patient=patient, rationale="Ottoline prefers mornings")
    PrescriptionFactory(
        patient=patient,
        supersedes=first,
        rationale="corrected",
        confirmed_because=f"{NAME} asked for more",
    )
    Prescription.history.filter(pk=first.pk).update(superseded_at=timezone.now())
    ReminderFactory(patient=patient, last_error=f"550 mailbox {EMAIL} unavailable")
    InvitationFactory(user=patient.user, invited_by=physio)
    EmailChangeFactory(user=patient.user, new_email="ottoline.new@example.test")
    SubmissionFactory(user=patient.user)
    AccessAttempt.objects.create(
        username=EMAIL, ip_address="10.0.0.1", user_agent="phone", failures_since_start=1
    )
    AccessLog.objects.create(username=EMAIL, ip_address="10.0.0.1", user_agent="phone")
    return Patient.objects.select_related("user").get(pk=patient.pk)


def _identifying_values(patient: Patient) -> list[str]:
    return [*IDENTIFYING, "ottoline.new@example.test"]


@pytest.mark.django_db
def test_the_search_finds_what_is_there_before_closing(client):
    patient = _a_full_record()
    login_as(client, patient.user)  # a session row of theirs
    found = {table for table, _, _ in hits_everywhere(_identifying_values(patient))}
    # The search itself works: it sees the copies in the login, the caseload, the notes...
    assert {
        "accounts_user",
        "coaching_caseloadrow",
        "patients_walklog",
        "coaching_coachingsession",
        "coaching_reminder",
        "axes_accessattempt",
    } <= found


@pytest.mark.django_db
@pytest.mark.parametrize("outcome", [ClosingOutcome.PSEUDONYMISED, ClosingOutcome.DELETED])
def test_closing_leaves_no_identifying_value_in_any_column(outcome, client):
    patient = _a_full_record()
    login_as(client, patient.user)
    admin = UserFactory(role=Role.CLINIC_ADMIN, clinic=patient.clinic)
    walks_before = WalkLog.objects.filter(patient=patient).count()

    closing = closing_request(patient=patient, by=patient.user)
    closing_decide(closing=closing, outcome=outcome, by=admin)

    assert hits_everywhere(_identifying_values(patient)) == []
    user = User.objects.get(pk=patient.user_id)
    assert not user.is_active and not user.has_usable_password()
    assert user.full_name == "" and str(user.phone) == ""
    # The old session no longer opens anything.
    assert client.get("/me/").status_code == 302
    # The audit trail keeps its rows (action and time), and says the account was closed.
    assert AuditEvent.objects.filter(patient=patient, action="create").exists()
    assert AuditEvent.objects.filter(patient=patient, detail__event="account_closed").exists()
    kept = WalkLog.objects.filter(patient=patient).count()
    if outcome == ClosingOutcome.PSEUDONYMISED:
        # Pseudonymous programme data stays for the clinic's figures.
        assert kept == walks_before
        assert CoachingSession.objects.filter(patient=patient).count() == 2
        assert Prescription.history.filter(patient=patient).count() == 2
    else:
        assert kept == 0
        assert not CoachingSession.objects.filter(patient=patient).exists()
        assert not Prescription.history.filter(patient=patient).exists()
    assert not Reminder.objects.filter(patient=patient).exists()
    row = CaseloadRow.objects.get(patient=patient)
    # The row names the closed account, never the person (sorted and searched by that label).
    assert row.sort_name == name_sort_key(f"Closed account (patient #{patient.pk})")
    assert row.search_name == f"closed account (patient #{patient.pk})"


@pytest.mark.django_db
def test_closing_an_account_twice_is_refused_with_a_clear_message():
    patient = _a_full_record()
    admin = UserFactory(role=Role.CLINIC_ADMIN, clinic=patient.clinic)
    patient_close(patient=patient, outcome=ClosingOutcome.PSEUDONYMISED, by=admin)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        patient_close(patient=patient, outcome=ClosingOutcome.DELETED, by=admin)
    assert error.value.messages == [ALREADY_CLOSED]
    # Nothing more happened: the walks a deletion would remove are still there.
    assert WalkLog.objects.filter(patient=patient).exists()
    assert AuditEvent.objects.count() == events
    with pytest.raises(ValidationError, match="already closed"):
        closing_request(patient=patient, by=patient.user)


@pytest.mark.django_db
def test_a_closed_accounts_details_cannot_be_typed_back():
    from patients.services.enrolment import CLOSED_ACCOUNT, patient_update

    patient = _a_full_record()
    patient_close(patient=patient, outcome=ClosingOutcome.PSEUDONYMISED, by=None)
    with pytest.raises(ValidationError) as error:
        patient_update(patient=patient, by=patient.physiotherapist, full_name=NAME)
    assert error.value.messages == [CLOSED_ACCOUNT]
    assert hits_everywhere([NAME]) == []


@pytest.mark.django_db
def test_another_clinics_admin_cannot_decide():
    patient = _a_full_record()
    closing = closing_request(patient=patient, by=patient.user)
    outsider = UserFactory(role=Role.CLINIC_ADMIN)
    with pytest.raises(ValidationError):
        closing_decide(closing=closing, outcome=ClosingOutcome.DELETED, by=outsider)
    assert User.objects.get(pk=patient.user_id).full_name == NAME


@pytest.mark.django_db
def test_the_retention_period_closes_old_discharged_accounts_only():
    now = timezone.now()
    old = _a_full_record()
    Patient.objects.filter(pk=old.pk).update(
        status=PatientStatus.DISCHARGED, discharged_at=now - dt.timedelta(days=3 * 366)
    )
    recent = PatientFactory(clinic=old.clinic, status=PatientStatus.DISCHARGED, discharged_at=now)
    active = PatientFactory(clinic=old.clinic)
    RetentionPolicyFactory(clinic=old.clinic, years=3)

    assert closings_due(now=now) == 1
    assert hits_everywhere(_identifying_values(old)) == []
    closing = AccountClosing.objects.get(patient=old)
    assert closing.state == ClosingState.CLOSED
    assert closing.reason == ClosingReason.RETENTION
    assert closing.outcome == ClosingOutcome.PSEUDONYMISED
    assert not AccountClosing.objects.filter(patient__in=[recent, active]).exists()
    # Run again: nothing more to do.
    assert closings_due(now=now) == 0


@pytest.mark.django_db
def test_a_clinic_without_a_policy_keeps_seven_years():
    now = timezone.now()
    six = PatientFactory(
        status=PatientStatus.DISCHARGED, discharged_at=now - dt.timedelta(days=6 * 366)
    )
    eight = PatientFactory(
        status=PatientStatus.DISCHARGED, discharged_at=now - dt.timedelta(days=8 * 366)
    )
    assert closings_due(now=now) == 1
    assert User.objects.get(pk=eight.user_id).full_name == ""
    assert User.objects.get(pk=six.user_id).full_name != ""


@pytest.mark.django_db
def test_the_trail_keeps_staff_addresses_and_never_a_patients(world, client_for):
    client_for(world.physio_a).get(f"/patients/{world.patient_a.pk}/", REMOTE_ADDR="203.0.113.9")
    client_for(world.patient_a.user).get("/me/", REMOTE_ADDR="198.51.100.7")
    staff_row = AuditEvent.objects.get(actor=world.physio_a)
    assert staff_row.ip_address == "203.0.113.9"
    assert set(
        AuditEvent.objects.filter(actor=world.patient_a.user).values_list("ip_address", flat=True)
    ) == {None}
