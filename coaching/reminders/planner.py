"""Which reminder rows should exist: pure functions from preferences, sessions, walks and
check-ins to ``Spec``s (a key, a kind, a due time in UTC). The services turn specs into rows:
a write-time sync for one patient or session, and a periodic planner that fills the next days
for everyone. The same functions decide in both, so the two never disagree.

Rules where the brief was silent (docs/reminders.md):
- Walk days and time are the patient's reminder choice, else their preferred walking days and
  time; with no days chosen there is no walk reminder. No time chosen means 08:00
  (``REMINDER_DEFAULT_TIME``).
- ``reminders_by_email`` off stops every reminder to the patient, whatever the channels.
- Each patient reminder goes by every channel the patient chose (``Patient.reminder_channels``:
  e-mail, SMS, push): one row per channel, its key the e-mail key plus ``@<channel>``
  (``channel_specs``). Staff messages stay e-mail.
- ``reminders_paused_until`` is the day reminders start again: none go out on local dates
  before it.
- Quiet hours (``REMINDER_QUIET_HOURS``, default 21:00-08:00 local) hold back every message
  whose time we choose: session reminders, staff notices, digests, anything late or retried.
  Such a time inside them moves to their end, and a session reminder that would then be too
  close to the session is dropped. The one exception is a time the patient chose themselves
  (their walk time, also used for their nudges and check-in invitations): a patient who asks
  for 07:30 gets 07:30, as the brief's own example wants.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Literal, overload

from coaching.models import (
    CoachingSession,
    Reminder,
    ReminderChannel,
    ReminderKind,
    SessionStatus,
)
from coaching.proms.schedule import timepoints
from coaching.reminders.timing import default_time, end_of_quiet_hours, local_at
from patients.models import CheckIn, Patient, PatientStatus

# Walk reminders (and digests) are planned for today and this many local days ahead. The
# periodic planner runs every 30 minutes, so two days leave ample room for an outage.
HORIZON_DAYS = 2
# A nudge is written only once it is due within this long: walkers who keep walking do not
# accumulate a row per walk that would only be skipped.
NUDGE_LEAD = dt.timedelta(hours=24)
CHECK_IN_FOLLOW_UP_DAYS = 3
# A check-in whose invitation is more than this late is not announced any more.
CHECK_IN_LATE_DAYS = 2
DIGEST_WEEKDAY = 0  # Monday
DIGEST_TIME = dt.time(8, 0)
SESSION_DAY_BEFORE_DEADLINE = dt.timedelta(hours=2)
SESSION_HOUR_BEFORE_DEADLINE = dt.timedelta(minutes=15)

SESSION_KINDS = (ReminderKind.SESSION_DAY_BEFORE, ReminderKind.SESSION_HOUR_BEFORE)
CHECK_IN_KINDS = (ReminderKind.CHECK_IN, ReminderKind.CHECK_IN_FOLLOW_UP)
PATIENT_KINDS = (
    ReminderKind.WALK,
    ReminderKind.NUDGE,
    *SESSION_KINDS,
    *CHECK_IN_KINDS,
    ReminderKind.QUESTIONNAIRE,
)
STAFF_KINDS = (ReminderKind.DIGEST, ReminderKind.ADVERSE_EVENT, ReminderKind.MESSAGE_TO_STAFF)
# Notices to the patient written by a service (a new secure message, docs/messages.md), not
# planned: the planner's replanning of PATIENT_KINDS never touches them.
PATIENT_NOTICE_KINDS = (ReminderKind.MESSAGE_TO_PATIENT,)
TO_PATIENT_KINDS = (*PATIENT_KINDS, *PATIENT_NOTICE_KINDS)

_PROGRAMME = {PatientStatus.ACTIVE, PatientStatus.MAINTENANCE}
# Who may receive each kind: walking messages only during the programme (and "keeping
# going"); a session can be booked while screening. Check-ins are follow-up: they go on through
# "keeping going" and stop at discharge, which ends walks and check-ins (Patient.can_log).
# Keyed by str: Reminder.kind reads back as a plain string (ReminderKind is a str enum).
KIND_STATUSES: dict[str, set[PatientStatus]] = {
    ReminderKind.WALK: _PROGRAMME,
    ReminderKind.NUDGE: _PROGRAMME,
    ReminderKind.SESSION_DAY_BEFORE: _PROGRAMME | {PatientStatus.SCREENING},
    ReminderKind.SESSION_HOUR_BEFORE: _PROGRAMME | {PatientStatus.SCREENING},
    ReminderKind.CHECK_IN: _PROGRAMME,
    ReminderKind.CHECK_IN_FOLLOW_UP: _PROGRAMME,
    # A message from the clinic may come at any stage, after discharge too.
    ReminderKind.MESSAGE_TO_PATIENT: _PROGRAMME
    | {PatientStatus.SCREENING, PatientStatus.DISCHARGED, PatientStatus.INELIGIBLE},
    # Outcome questionnaires follow the programme like check-ins (docs/questionnaires.md).
    ReminderKind.QUESTIONNAIRE: _PROGRAMME,
}


@dataclass(frozen=True)
class Spec:
    key: str
    kind: str
    due_at: dt.datetime
    recipient_id: int
    patient_id: int | None = None
    session_id: int | None = None
    check_in_id: int | None = None
    channel: str = ReminderChannel.EMAIL

    def row(self) -> Reminder:
        return Reminder(
            idempotency_key=self.key,
            kind=self.kind,
            channel=self.channel,
            due_at=self.due_at,
            recipient_id=self.recipient_id,
            patient_id=self.patient_id,
            session_id=self.session_id,
            check_in_id=self.check_in_id,
        )


CHANNEL_ORDER = (ReminderChannel.EMAIL, ReminderChannel.SMS, ReminderChannel.PUSH)


def channel_key(key: str, channel: str) -> str:
    """The idempotency key of a reminder sent by ``channel``. E-mail keeps the key it always
    had, so the rows planned before channels existed are still recognised (a new key format
    would have planned every one of them a second time)."""
    return key if channel == ReminderChannel.EMAIL else f"{key}@{channel}"


def base_key(key: str) -> str:
    """The key without its channel: what the message builders read (a session's start)."""
    return key.split("@", 1)[0]


def patient_channels(patient: Patient) -> list[str]:
    """The channels the patient chose, in a fixed order; e-mail when none is stored (a
    reminder is never silently dropped because a list is empty)."""
    chosen = set(patient.reminder_channels or [])
    return [str(c) for c in CHANNEL_ORDER if c in chosen] or [ReminderChannel.EMAIL.value]


def channel_specs(patient: Patient, specs: list[Spec]) -> list[Spec]:
    """One spec per (reminder, channel the patient chose)."""
    channels = patient_channels(patient)
    if channels == [ReminderChannel.EMAIL]:
        return specs
    return [
        replace(spec, key=channel_key(spec.key, channel), channel=channel)
        for spec in specs
        for channel in channels
    ]


def wants(patient: Patient, kind: str) -> bool:
    """May ``patient`` get reminders of ``kind`` at all (ignoring pauses)?"""
    return (
        patient.reminders_by_email
        and patient.user.is_active
        and patient.status in KIND_STATUSES[kind]
    )


def paused_on(patient: Patient, day: dt.date) -> bool:
    until = patient.reminders_paused_until
    return until is not None and day < until


def walk_days(patient: Patient) -> set[int]:
    return {int(d) for d in (patient.reminder_days or patient.preferred_days or [])}


def message_time(patient: Patient) -> dt.time:
    """The local time a patient hears from us: their reminder time, else walking time."""
    return patient.reminder_time or patient.preferred_time or default_time()


@overload
def at_patient_time(
    patient: Patient, day: dt.date, now: dt.datetime, *, late_ok: Literal[True] = True
) -> dt.datetime: ...


@overload
def at_patient_time(
    patient: Patient, day: dt.date, now: dt.datetime, *, late_ok: bool
) -> dt.datetime | None: ...


def at_patient_time(
    patient: Patient, day: dt.date, now: dt.datetime, *, late_ok: bool = True
) -> dt.datetime | None:
    """``day`` at the patient's message time. If that has passed: as soon as quiet hours
    allow when ``late_ok``, else None. A time the patient chose is kept even inside quiet
    hours; the default time is not."""
    zone = patient.zone
    due = local_at(day, message_time(patient), zone)
    if patient.reminder_time is None and patient.preferred_time is None:
        due = end_of_quiet_hours(due, zone)
    if due < now:
        return end_of_quiet_hours(now, zone) if late_ok else None
    return due


def _spec(patient: Patient, kind: str, key: str, due: dt.datetime, **ids) -> Spec:
    return Spec(
        key=key,
        kind=kind,
        due_at=due,
        recipient_id=patient.user_id,
        patient_id=patient.pk,
        **ids,
    )


def _not_paused(patient: Patient, specs: list[Spec]) -> list[Spec]:
    zone = patient.zone
    return [s for s in specs if not paused_on(patient, s.due_at.astimezone(zone).date())]


def walk_specs(patient: Patient, now: dt.datetime) -> list[Spec]:
    days = walk_days(patient)
    if not days or not wants(patient, ReminderKind.WALK):
        return []
    today = patient.today(now)
    specs = []
    for offset in range(HORIZON_DAYS + 1):
        day = today + dt.timedelta(days=offset)
        if day.weekday() not in days:
            continue
        due = at_patient_time(patient, day, now, late_ok=False)
        if due is not None:  # a walk reminder whose time has passed is not sent late
            key = f"walk:{patient.pk}:{day.isoformat()}"
            specs.append(_spec(patient, ReminderKind.WALK, key, due))
    return _not_paused(patient, specs)


def session_specs(session: CoachingSession, patient: Patient, now: dt.datetime) -> list[Spec]:
    """The day before (same local time) and an hour before a planned session. The key holds
    the start time, so a rebooked session gets fresh reminders and the old ones are cancelled."""
    start = session.scheduled_at
    if session.status != SessionStatus.PLANNED or start <= now:
        return []
    if not wants(patient, ReminderKind.SESSION_DAY_BEFORE):
        return []
    zone, stamp = patient.zone, int(start.timestamp())
    local = start.astimezone(zone)
    candidates = [
        (
            ReminderKind.SESSION_DAY_BEFORE,
            local_at(local.date() - dt.timedelta(days=1), local.time(), zone),
            start - SESSION_DAY_BEFORE_DEADLINE,
        ),
        (
            ReminderKind.SESSION_HOUR_BEFORE,
            start - dt.timedelta(hours=1),
            start - SESSION_HOUR_BEFORE_DEADLINE,
        ),
    ]
    specs = []
    for kind, due, deadline in candidates:
        due = end_of_quiet_hours(due, zone)
        if now <= due <= deadline:
            key = f"{kind}:{session.pk}:{stamp}"
            specs.append(_spec(patient, kind, key, due, session_id=session.pk))
    return _not_paused(patient, specs)


def nudge_specs(
    patient: Patient,
    now: dt.datetime,
    *,
    last_walk: dt.date | None,
    nudges: list[tuple[str, dt.datetime]],
) -> list[Spec]:
    """One gentle nudge when ``Clinic.nudge_after_days`` days pass without a logged walk
    (counted from the last walk, or from the programme start). The key names the walk it
    counts from, so each dry spell gets at most one; ``nudges`` (key and due time of this
    patient's nudges that were sent or are on their way) keeps any two nudges at least that
    many days apart, even when a walk is logged late for an earlier day."""
    gap = patient.clinic.nudge_after_days
    since = last_walk or patient.programme_start
    if not gap or since is None or not wants(patient, ReminderKind.NUDGE):
        return []
    due = at_patient_time(patient, since + dt.timedelta(days=gap), now)
    if due > now + NUDGE_LEAD:
        return []
    key = f"nudge:{patient.pk}:{since.isoformat()}"
    window = dt.timedelta(days=gap)
    if any(other != key and abs(due - at) < window for other, at in nudges):
        return []
    return _not_paused(patient, [_spec(patient, ReminderKind.NUDGE, key, due)])


def check_in_specs(patient: Patient, check_ins: list[CheckIn], now: dt.datetime) -> list[Spec]:
    """An invitation on the day a check-in is due, and one follow-up a few days later; both
    are skipped at send time if the check-in is done by then."""
    if not wants(patient, ReminderKind.CHECK_IN):
        return []
    today = patient.today(now)
    specs = []
    for check_in in check_ins:
        if check_in.completed_at is not None:
            continue
        if not (
            today - dt.timedelta(days=CHECK_IN_LATE_DAYS)
            <= check_in.due_on
            <= today + dt.timedelta(days=HORIZON_DAYS)
        ):
            continue
        first = at_patient_time(patient, check_in.due_on, now)
        specs.append(
            _spec(
                patient,
                ReminderKind.CHECK_IN,
                f"check_in:{check_in.pk}",
                first,
                check_in_id=check_in.pk,
            )
        )
        again_day = check_in.due_on + dt.timedelta(days=CHECK_IN_FOLLOW_UP_DAYS)
        again = at_patient_time(patient, again_day, now)
        if again > first + dt.timedelta(days=1):
            specs.append(
                _spec(
                    patient,
                    ReminderKind.CHECK_IN_FOLLOW_UP,
                    f"check_in_again:{check_in.pk}",
                    again,
                    check_in_id=check_in.pk,
                )
            )
    return _not_paused(patient, specs)


def questionnaire_specs(patient: Patient, weeks: list[int], now: dt.datetime) -> list[Spec]:
    """One invitation on the day each of the clinic's follow-up questionnaire timepoints is
    due (docs/questionnaires.md#reminders), announced up to ``CHECK_IN_LATE_DAYS`` late like a
    check-in. Enrolment's (week 0) gets none: it is answered with the physiotherapist or at
    the first login, where the home page shows it. The key names the timepoint, so each is
    announced once; it is skipped at send time when everything asked at it is answered."""
    if not weeks or not wants(patient, ReminderKind.QUESTIONNAIRE):
        return []
    today = patient.today(now)
    specs = []
    for point in timepoints(weeks, patient.programme_start):
        due_on = point.due_on
        if (
            point.week == 0
            or due_on is None
            or not (
                today - dt.timedelta(days=CHECK_IN_LATE_DAYS)
                <= due_on
                <= today + dt.timedelta(days=HORIZON_DAYS)
            )
        ):
            continue
        key = f"questionnaire:{patient.pk}:{point.week}"
        due = at_patient_time(patient, due_on, now)
        specs.append(_spec(patient, ReminderKind.QUESTIONNAIRE, key, due))
    return _not_paused(patient, specs)


def digest_specs(physio, now: dt.datetime) -> list[Spec]:
    """Monday 08:00 in the physiotherapist's own time zone."""
    zone = physio.zone
    today = now.astimezone(zone).date()
    specs = []
    for offset in range(HORIZON_DAYS + 1):
        day = today + dt.timedelta(days=offset)
        if day.weekday() != DIGEST_WEEKDAY:
            continue
        due = end_of_quiet_hours(local_at(day, DIGEST_TIME, zone), zone)
        if due >= now:
            specs.append(
                Spec(
                    key=f"digest:{physio.pk}:{day.isoformat()}",
                    kind=ReminderKind.DIGEST,
                    due_at=due,
                    recipient_id=physio.pk,
                )
            )
    return specs
