"""Reminder writes. The first three are called by other parts of the product inside their own
transactions, so a reminder row commits or rolls back with the change that causes it:

- ``reminders_plan_for_session(session=...)`` after a session is booked, moved, cancelled or
  completed;
- ``reminders_plan_for_patient(patient=...)`` after a patient's reminder preferences, status
  or programme start change;
- ``adverse_event_notify(event=...)`` after a patient reports an adverse event.

None of them touch the broker: they only write rows, which the sweep sends when due. That is
why Redis being down can never break the web request that calls them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from coaching.limits import REMINDER_PAUSE_MAX_DAYS
from coaching.models import (
    CoachingSession,
    Reminder,
    ReminderChannel,
    ReminderKind,
    ReminderState,
    SessionStatus,
)
from coaching.proms.models import DEFAULT_WEEKS, QuestionnaireSettings
from coaching.reminders import planner
from coaching.reminders.choices import UNAVAILABLE, available_channels
from coaching.reminders.planner import Spec
from coaching.reminders.timing import end_of_quiet_hours
from patients.models import CheckIn, Patient, PatientStatus, WalkLog
from walkback.accounts.models import Clinic, Role, User
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record
from walkback.core.services import changed_fields, model_update

# States that mean "this nudge reached, or is on its way to, the patient".
_NUDGE_COUNTS = (
    ReminderState.PENDING,
    ReminderState.QUEUED,
    ReminderState.CLAIMED,
    ReminderState.SENT,
)
_NUDGE_LOOKBACK = dt.timedelta(days=60)


def _sync(existing: QuerySet[Reminder], desired: list[Spec], now: dt.datetime) -> None:
    """Make the future of ``existing`` match ``desired``.

    Rows already sent, failed or in flight are history and never touched (so a reminder that
    went out is not sent again after a replan). Pending rows that are due already are left
    to the sweep and its send-time checks. Future pending rows not desired any more are
    cancelled; a desired key whose row was cancelled comes back.
    """
    by_key = {spec.key: spec for spec in desired}
    # Only rows the planner makes (their key starts with their kind): a row written another
    # way (the demo's one-minute reminder) is not the planner's to cancel.
    planned = Q()
    for kind in planner.PATIENT_KINDS:
        planned |= Q(kind=kind, idempotency_key__startswith=f"{kind}:")
    rows = existing.filter(planned).filter(
        Q(state=ReminderState.PENDING, due_at__gt=now) | Q(idempotency_key__in=list(by_key))
    )
    changed, seen = [], set()
    for row in rows:
        seen.add(row.idempotency_key)
        spec = by_key.get(row.idempotency_key)
        if spec is None:
            if row.state == ReminderState.PENDING and row.due_at > now:
                row.state = ReminderState.CANCELLED
                changed.append(row)
        elif row.state == ReminderState.PENDING and row.due_at > now:
            if row.due_at != spec.due_at:
                row.due_at = spec.due_at
                changed.append(row)
        elif row.state == ReminderState.CANCELLED and spec.due_at > now:
            row.state, row.due_at, row.retry_at = ReminderState.PENDING, spec.due_at, None
            changed.append(row)
    if changed:
        Reminder.objects.bulk_update(changed, ["state", "due_at", "retry_at"])
    new = [spec.row() for key, spec in by_key.items() if key not in seen]
    if new:
        Reminder.objects.bulk_create(new, ignore_conflicts=True)


def _nudges_by_patient(patient_ids, now) -> dict[int, list[tuple[str, dt.datetime]]]:
    found: dict[int, list] = defaultdict(list)
    rows = Reminder.objects.filter(
        patient_id__in=patient_ids,
        kind=ReminderKind.NUDGE,
        state__in=_NUDGE_COUNTS,
        due_at__gte=now - _NUDGE_LOOKBACK,
    ).values_list("patient_id", "idempotency_key", "due_at")
    for patient_id, key, due in rows:
        found[patient_id].append((key, due))
    return found


# A patient's latest walk: one probe of the (patient, walked_on) index per patient, where an
# aggregate over a chunk of patients would read every walk they ever logged.
_LAST_WALK = Subquery(
    WalkLog.objects.filter(patient=OuterRef("pk")).order_by("-walked_on").values("walked_on")[:1]
)


def _check_in_window(now: dt.datetime) -> tuple[dt.date, dt.date]:
    # Wide enough for every time zone: the per-patient window is applied in the planner.
    today = now.date()
    return (
        today - dt.timedelta(days=planner.CHECK_IN_LATE_DAYS + 1),
        today + dt.timedelta(days=planner.HORIZON_DAYS + 1),
    )


def questionnaire_weeks_by_clinic(clinic_ids) -> dict[int, list[int]]:
    """Each clinic's questionnaire weeks (one query): the defaults for a clinic that has not
    chosen (docs/questionnaires.md#schedule)."""
    chosen = dict(
        QuestionnaireSettings.objects.filter(clinic_id__in=clinic_ids).values_list(
            "clinic_id", "weeks"
        )
    )
    return {pk: sorted(chosen.get(pk, DEFAULT_WEEKS)) for pk in clinic_ids}


def _patient_specs(
    patient: Patient,
    now: dt.datetime,
    *,
    sessions,
    check_ins,
    last_walk,
    nudges,
    questionnaire_weeks,
) -> list[Spec]:
    specs = planner.walk_specs(patient, now)
    specs += planner.nudge_specs(patient, now, last_walk=last_walk, nudges=nudges)
    specs += planner.check_in_specs(patient, check_ins, now)
    specs += planner.questionnaire_specs(patient, questionnaire_weeks, now)
    for session in sessions:
        specs += planner.session_specs(session, patient, now)
    return planner.channel_specs(patient, specs)


def reminders_plan_for_patient(*, patient: Patient, now: dt.datetime | None = None) -> None:
    """Replan every reminder to ``patient`` from their current preferences: call it in the
    transaction that changes them (or the patient's status or programme start)."""
    now = now or timezone.now()
    patient = (
        Patient.objects.select_related("user", "clinic")
        .annotate(last_walk=_LAST_WALK)
        .get(pk=patient.pk)
    )
    low, high = _check_in_window(now)
    desired = _patient_specs(
        patient,
        now,
        sessions=CoachingSession.objects.filter(
            patient=patient, status=SessionStatus.PLANNED, scheduled_at__gt=now
        ),
        check_ins=list(
            CheckIn.objects.filter(
                patient=patient, completed_at__isnull=True, due_on__range=(low, high)
            )
        ),
        last_walk=patient.last_walk,
        nudges=_nudges_by_patient([patient.pk], now).get(patient.pk, []),
        questionnaire_weeks=questionnaire_weeks_by_clinic([patient.clinic_id])[patient.clinic_id],
    )
    existing = Reminder.objects.filter(
        patient=patient, recipient_id=patient.user_id, kind__in=planner.PATIENT_KINDS
    )
    with transaction.atomic():
        _sync(existing, desired, now)


def reminders_plan_for_session(*, session: CoachingSession, now: dt.datetime | None = None) -> None:
    """Plan (or replan, or cancel) the day-before and hour-before reminders of one session:
    call it in the transaction that books, moves, cancels or completes the session."""
    now = now or timezone.now()
    session = CoachingSession.objects.select_related("patient__user", "patient__clinic").get(
        pk=session.pk
    )
    desired = planner.channel_specs(
        session.patient, planner.session_specs(session, session.patient, now)
    )
    existing = Reminder.objects.filter(session=session, kind__in=planner.SESSION_KINDS)
    with transaction.atomic():
        _sync(existing, desired, now)


def adverse_event_notify(*, event, now: dt.datetime | None = None) -> list[Reminder]:
    """A notice to the patient's physiotherapist (or, with none assigned, the clinic's
    admins) that the patient reported an adverse event. The notice names the patient and
    links to their record; the event's details stay in the application."""
    now = now or timezone.now()
    patient = Patient.objects.select_related("physiotherapist", "clinic").get(pk=event.patient_id)
    physio = patient.physiotherapist
    if physio is not None and physio.is_active and physio.clinic_id == patient.clinic_id:
        recipients = [physio]
    else:
        recipients = list(
            User.objects.filter(
                clinic_id=patient.clinic_id, role=Role.CLINIC_ADMIN, is_active=True
            ).select_related("clinic")
        )
    rows = [
        Reminder(
            idempotency_key=f"adverse_event:{event.pk}:{user.pk}",
            kind=ReminderKind.ADVERSE_EVENT,
            due_at=end_of_quiet_hours(now, user.zone),
            recipient=user,
            patient=patient,
        )
        for user in recipients
    ]
    with transaction.atomic():
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    return list(Reminder.objects.filter(idempotency_key__in=[row.idempotency_key for row in rows]))


PLANNABLE_STATUSES = [
    PatientStatus.SCREENING,
    PatientStatus.ACTIVE,
    PatientStatus.MAINTENANCE,
    PatientStatus.DISCHARGED,
]
# What the planner's rules read of a patient (planner.py): loading only these keeps a chunk of
# thousands of patients cheap. A rule that reads another field makes one query per patient,
# which tests/reminders/test_bulk_planner.py catches (the planner's queries do not grow with the
# patients).
PLANNER_FIELDS = (
    "user__is_active",
    "clinic",
    "time_zone",
    "status",
    "programme_start",
    "preferred_days",
    "preferred_time",
    "reminders_by_email",
    "reminder_channels",
    "reminder_days",
    "reminder_time",
    "reminders_paused_until",
)
# The outbox columns the planner writes, in the order of ``_insert_new``'s arrays.
_SPEC_COLUMNS = (
    ("idempotency_key", "varchar"),
    ("kind", "varchar"),
    ("due_at", "timestamptz"),
    ("recipient_id", "bigint"),
    ("patient_id", "bigint"),
    ("session_id", "bigint"),
    ("check_in_id", "bigint"),
    ("channel", "varchar"),
)


def _insert_new(specs: list[Spec]) -> None:
    """Add a row for every spec whose key is not taken yet, in one statement: the unique key
    decides (``ON CONFLICT DO NOTHING``), so a row planned twice, by two planners at once or
    by the planner and a write-time service, exists once.

    On PostgreSQL the specs go as one array per column (``unnest``), without a model instance
    or a per-field conversion for each row: at 100,000 patients those, not the database, were
    most of the planner's time (docs/reminders.md, "Speed"). Elsewhere (SQLite: the demo and
    tests) ``bulk_create(ignore_conflicts=True)`` does the same."""
    if not specs:
        return
    if connection.vendor != "postgresql":
        Reminder.objects.bulk_create(
            [spec.row() for spec in specs], ignore_conflicts=True, batch_size=500
        )
        return
    columns = ", ".join(name for name, _ in _SPEC_COLUMNS)
    arrays = ", ".join(f"%s::{kind}[]" for _name, kind in _SPEC_COLUMNS)
    table = connection.ops.quote_name(Reminder._meta.db_table)
    # The fields the planner leaves at their defaults, from the model (one place for them).
    fields = {field.name: field for field in Reminder._meta.concrete_fields}
    fixed = {
        name: fields[name].get_default()
        for name in ("state", "attempts", "last_error", "provider_message_id", "delivery")
    }
    sql = (
        f"INSERT INTO {table} ({columns}, {', '.join(fixed)}, created_at) "  # noqa: S608
        f"SELECT *, {', '.join(['%s'] * len(fixed))}, %s FROM unnest({arrays}) "
        "ON CONFLICT (idempotency_key) DO NOTHING"
    )
    values: list[list[Any]] = [
        [s.key for s in specs],
        [s.kind for s in specs],
        [s.due_at for s in specs],
        [s.recipient_id for s in specs],
        [s.patient_id for s in specs],
        [s.session_id for s in specs],
        [s.check_in_id for s in specs],
        [s.channel for s in specs],
    ]
    with connection.cursor() as cursor:
        # created_at as auto_now_add would set it: the wall clock, not the planner's ``now``.
        cursor.execute(sql, [*fixed.values(), timezone.now(), *values])


def reminders_plan_upcoming(
    *, now: dt.datetime | None = None, chunk: int = 5000, clinic: Clinic | None = None
) -> int:
    """The periodic planner: write the reminders of the next days for every patient and
    physiotherapist (of ``clinic`` only, when given). It only adds rows (the unique key
    ignores what exists): replanning after a change is the write-time services' job. Returns
    the number of rows it tried to add.

    Set-based, in chunks of ``chunk`` patients taken in id order: per chunk one query for
    the patients (with their last walk), one each for their coming sessions, open check-ins
    and recent nudges, and one insert of every row; nothing per patient but the rules
    themselves (planner.py), which decide as the write-time services do."""
    now = now or timezone.now()
    low, high = _check_in_window(now)
    session_until = now + dt.timedelta(days=planner.HORIZON_DAYS + 2)
    patients = Patient.objects.filter(
        status__in=PLANNABLE_STATUSES, reminders_by_email=True, user__is_active=True
    )
    physios = User.objects.filter(role=Role.PHYSIO, is_active=True).select_related("clinic")
    if clinic is not None:
        patients, physios = patients.filter(clinic=clinic), physios.filter(clinic=clinic)
    # One instance per clinic, shared by its patients (the rules read nudge_after_days).
    clinics: dict[int, Clinic] = {}
    weeks_of: dict[int, list[int]] = {}
    written, last_pk = 0, 0
    while True:
        batch = list(
            patients.filter(pk__gt=last_pk)
            .select_related("user")
            .only(*PLANNER_FIELDS)
            .annotate(last_walk=_LAST_WALK)
            .order_by("pk")[:chunk]
        )
        if not batch:
            break
        # The related rows of this chunk by the same filter over an id range (a subquery),
        # not by a list of thousands of ids sent with each query.
        ids = patients.filter(pk__gt=last_pk, pk__lte=batch[-1].pk).values("pk")
        last_pk = batch[-1].pk
        missing = {p.clinic_id for p in batch} - set(clinics)
        clinics.update(Clinic.objects.in_bulk(missing))
        if missing:
            weeks_of.update(questionnaire_weeks_by_clinic(missing))
        sessions, check_ins = defaultdict(list), defaultdict(list)
        for session in CoachingSession.objects.filter(
            patient_id__in=ids,
            status=SessionStatus.PLANNED,
            scheduled_at__gt=now,
            scheduled_at__lte=session_until,
        ):
            sessions[session.patient_id].append(session)
        for check_in in CheckIn.objects.filter(
            patient_id__in=ids, completed_at__isnull=True, due_on__range=(low, high)
        ):
            check_ins[check_in.patient_id].append(check_in)
        nudges = _nudges_by_patient(ids, now)
        specs: list[Spec] = []
        for patient in batch:
            patient.clinic = clinics[patient.clinic_id]
            specs += _patient_specs(
                patient,
                now,
                sessions=sessions[patient.pk],
                check_ins=check_ins[patient.pk],
                last_walk=patient.last_walk,
                nudges=nudges.get(patient.pk, []),
                questionnaire_weeks=weeks_of[patient.clinic_id],
            )
        _insert_new(specs)
        written += len(specs)
    digests = [spec for physio in physios for spec in planner.digest_specs(physio, now)]
    _insert_new(digests)
    return written + len(digests)


REMINDER_PREFERENCE_FIELDS = [
    "reminders_by_email",
    "reminder_channels",
    "reminder_days",
    "reminder_time",
    "reminders_paused_until",
]


def _channel_errors(
    values: dict, *, changed: list[str], available: Collection[str], previous: Collection[str]
) -> dict[str, str]:
    """Channels: known ones, at least one while reminders are on, and a newly picked SMS or
    push only when it can work (a confirmed number, a push subscription). A channel already
    chosen is not checked again: a number changed since is reported on the page and its
    texts are skipped at send time, but it never blocks saving anything else."""
    channels = values["reminder_channels"]
    if any(channel not in ReminderChannel.values for channel in channels):
        return {"reminder_channels": _("Pick from e-mail, text message or phone notification.")}
    if values["reminders_by_email"] and not channels and "reminder_channels" in changed:
        return {
            "reminder_channels": _(
                "Pick at least one way to get reminders, or turn them off above."
            )
        }
    if "reminder_channels" not in changed:
        return {}
    added = set(channels) - set(previous)
    if ReminderChannel.SMS in added and ReminderChannel.SMS not in available:
        return {"reminder_channels": str(UNAVAILABLE[ReminderChannel.SMS])}
    if ReminderChannel.PUSH in added and ReminderChannel.PUSH not in available:
        return {"reminder_channels": str(UNAVAILABLE[ReminderChannel.PUSH])}
    return {}


def reminder_preferences_errors(
    values: dict,
    *,
    changed: list[str],
    today: dt.date,
    available: Collection[str] = (ReminderChannel.EMAIL.value,),
    previous_channels: Collection[str] = (),
) -> dict[str, str]:
    """What is wrong with a patient's reminder choices, by field: the one rule both the portal
    page and the signed-link page show. Only what changes is checked, so an old, expired pause
    never stops a patient from saving anything else, nor from stopping reminders."""
    errors: dict[str, str] = {}
    if "reminder_channels" in values:
        errors.update(
            _channel_errors(
                values, changed=changed, available=available, previous=previous_channels
            )
        )
    days = values["reminder_days"]
    if any(day not in range(7) for day in days):
        errors["reminder_days"] = _("Pick days from Monday to Sunday.")
    walk_changed = {"reminder_days", "reminder_time"} & set(changed)
    if walk_changed and days and values["reminder_time"] is None:
        errors["reminder_time"] = _("Pick the time you would like the walk reminder.")
    paused_until = values["reminders_paused_until"]
    if paused_until is not None and "reminders_paused_until" in changed:
        # Reminders start again on that day (planner.paused_on), so today would pause nothing.
        if paused_until <= today:
            errors["reminders_paused_until"] = _("Pick a day after today, or leave it empty.")
        elif paused_until > today + dt.timedelta(days=REMINDER_PAUSE_MAX_DAYS):
            errors["reminders_paused_until"] = _(
                "You can pause reminders for up to a year. To stop them, turn them off instead."
            )
    return errors


def reminder_preferences_set(
    *,
    patient: Patient,
    by: User | None,
    reminders_by_email: bool,
    reminder_days: list[int],
    reminder_time: dt.time | None,
    reminders_paused_until: dt.date | None,
    reminder_channels: list[str] | None = None,
    via: str = "app",
    today: dt.date | None = None,
) -> list[str]:
    """Check and save a patient's reminder choices and replan their reminders, with the audit
    row, in one transaction. ``by`` is None when the change came through the signed e-mail
    link. ``reminder_channels`` None keeps the patient's channels (the signed-link page and
    the stop link do not offer them). Raises ``ValidationError`` by field
    (``reminder_preferences_errors``); returns the names of the fields that changed."""
    values = {
        "reminders_by_email": reminders_by_email,
        "reminder_days": sorted({int(day) for day in reminder_days}),
        "reminder_time": reminder_time,
        "reminders_paused_until": reminders_paused_until,
    }
    with transaction.atomic():
        patient = (
            Patient.objects.select_for_update(no_key=True)
            .select_related("clinic")
            .get(pk=patient.pk)
        )
        values["reminder_channels"] = (
            list(patient.reminder_channels)
            if reminder_channels is None
            else [c for c in planner.CHANNEL_ORDER if c in set(reminder_channels)]
            + [c for c in reminder_channels if c not in planner.CHANNEL_ORDER]
        )
        changed_now = changed_fields(patient, values)
        errors = reminder_preferences_errors(
            values,
            changed=changed_now,
            previous_channels=patient.reminder_channels,
            today=today or patient.today(),
            available=(
                available_channels(patient.user) if "reminder_channels" in changed_now else set()
            ),
        )
        if errors:
            raise ValidationError(errors)
        changed = model_update(patient, values, clean_exclude=["user", "clinic", "physiotherapist"])
        if not changed:
            return []
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            obj=patient,
            patient=patient,
            detail={"fields": changed, "via": via},
        )
        reminders_plan_for_patient(patient=patient)
    return changed


def reminder_links_revoke(*, patient: Patient, by: User) -> None:
    """Stop every change-or-stop link already sent to the patient from working (a lost or
    forwarded e-mail); the next reminder carries a new one."""
    with transaction.atomic():
        Patient.objects.filter(pk=patient.pk).update(
            reminder_links_generation=F("reminder_links_generation") + 1
        )
        patient.refresh_from_db(fields=["reminder_links_generation"])
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            obj=patient,
            patient=patient,
            detail={"event": "reminder_links_revoked"},
        )


def reminders_stop(*, patient: Patient, by: User | None, via: str = "app") -> list[str]:
    """Stop every reminder to the patient (the one-click link in each message)."""
    return reminder_preferences_set(
        patient=patient,
        by=by,
        reminders_by_email=False,
        reminder_days=patient.reminder_days,
        reminder_time=patient.reminder_time,
        reminders_paused_until=patient.reminders_paused_until,
        via=via,
    )
