"""What each reminder says, decided when it is sent (not when it is planned), so it carries
today's progress and is skipped if it is no longer needed: the session was moved or
cancelled, the check-in is done, the patient walked after all, reminders were stopped.

Texts are kind and short; every patient message ends with one line on how to change or stop
reminders (a signed link). Staff messages name patients and link to the application; the
details of a health record stay behind the login.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coaching.calendar import PATIENT, sessions_ics
from coaching.models import (
    Reminder,
    ReminderChannel,
    ReminderKind,
    ReminderState,
    SessionMode,
    SessionStatus,
)
from coaching.progress import patient_timeline, patient_week
from coaching.proms.selectors import questionnaires_due
from coaching.reminders import planner
from coaching.reminders.channels import Message
from coaching.reminders.digest import digest_items_for
from coaching.reminders.links import preferences_url, stop_url
from coaching.reminders.sms.selectors import sms_blocker
from coaching.reminders.sms.texts import sms_text
from coaching.reminders.timing import end_of_quiet_hours, in_quiet_hours
from patients.models import AdverseEvent, Patient, WalkLog
from walkback.accounts.languages import speaking_to

# After this long past its due time, a reminder is no longer useful and is skipped. Keyed by
# str, as Reminder.kind reads back (ReminderKind is a str enum).
STALE_AFTER: dict[str, dt.timedelta] = {
    ReminderKind.WALK: dt.timedelta(hours=6),
    ReminderKind.NUDGE: dt.timedelta(hours=12),
    ReminderKind.SESSION_DAY_BEFORE: dt.timedelta(hours=12),
    ReminderKind.SESSION_HOUR_BEFORE: dt.timedelta(minutes=45),
    ReminderKind.CHECK_IN: dt.timedelta(days=3),
    ReminderKind.CHECK_IN_FOLLOW_UP: dt.timedelta(days=3),
    ReminderKind.QUESTIONNAIRE: dt.timedelta(days=3),
    ReminderKind.DIGEST: dt.timedelta(hours=12),
    ReminderKind.ADVERSE_EVENT: dt.timedelta(days=7),
    ReminderKind.MESSAGE_TO_PATIENT: dt.timedelta(days=7),
    ReminderKind.MESSAGE_TO_STAFF: dt.timedelta(days=7),
}
# A message this late (a broker outage, retries) is checked against quiet hours again.
LATE = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Skip:
    reason: str


@dataclass(frozen=True)
class Defer:
    until: dt.datetime
    reason: str


@dataclass
class Content:
    subject: str
    paragraphs: list[str]
    action: tuple[str, str] | None = None  # (label, absolute URL)
    items: list[tuple[str, str, str]] | None = None  # (title, detail, URL), for the digest
    attachments: list[tuple[str, str, str]] | None = None


def _url(path: str) -> str:
    return settings.SITE_URL + path


def check_in_url() -> str:
    return _url(settings.REMINDER_CHECK_IN_PATH)


def _when(instant: dt.datetime, zone) -> str:
    local = instant.astimezone(zone)
    # Translators: when a coaching session is, e.g. "Monday 3 June at 14:00".
    return _("%(day)s at %(time)s") % {
        # Translators: a Django date format for the day of a session ("Monday 3 June").
        "day": date_format(local, _("l j F")),
        "time": date_format(local, "H:i"),
    }


def _patient(reminder: Reminder) -> Patient:
    """The patient of a patient reminder or a problem alert: the planner and
    ``adverse_event_notify`` always set one (only the digest has none)."""
    if reminder.patient is None:
        raise ValueError(f"The {reminder.kind} reminder {reminder.pk} has no patient.")
    return reminder.patient


def _walk(reminder: Reminder, now: dt.datetime) -> Content | Skip:
    patient = _patient(reminder)
    today = patient.today(now)
    # This week's target is the one the patient's home page shows (coaching.progress).
    timeline = patient_timeline(patient)
    week = patient_week(patient, today, today=today, timeline=timeline)
    done = week.minutes
    prescription = timeline.on(today)
    if prescription is not None and week.target is not None:
        headline = _(
            "Your %(walk_minutes)s-minute walk today: %(done)s of %(target)s minutes done "
            "this week."
        ) % {
            "walk_minutes": prescription.minutes_per_walk,
            "done": done,
            "target": week.target_minutes,
        }
    elif done:
        headline = ngettext(
            "Time for your walk today: %(done)s minute done this week.",
            "Time for your walk today: %(done)s minutes done this week.",
            done,
        ) % {"done": done}
    else:
        headline = _("Time for your walk today.")
    return Content(
        subject=_("Time for your walk"),
        paragraphs=[
            headline,
            _("When you are back, log it in WalkBack: it takes a few seconds."),
        ],
        action=(_("Log my walk"), _url(reverse("portal:home"))),
    )


def _nudge(reminder: Reminder, now: dt.datetime) -> Content | Skip:
    patient = _patient(reminder)
    gap = patient.clinic.nudge_after_days
    last = WalkLog.objects.filter(patient=patient).order_by("-walked_on").first()
    if last is not None and (patient.today(now) - last.walked_on).days < gap:
        return Skip("a walk was logged since")
    other = (
        Reminder.objects.filter(
            patient=patient,
            kind=ReminderKind.NUDGE,
            state=ReminderState.SENT,
            sent_at__gte=now - dt.timedelta(days=gap),
        )
        .exclude(pk=reminder.pk)
        .exists()
    )
    if other:
        return Skip("a nudge was sent in the last few days")
    return Content(
        subject=_("A gentle nudge from WalkBack"),
        paragraphs=[
            _("It has been a few days since your last logged walk. Even a short walk counts."),
            _(
                "If your back is sore, walk a little less today and keep going when you can. "
                "If you walked and forgot to log it, you can add it now."
            ),
        ],
        action=(_("Log a walk"), _url(reverse("portal:home"))),
    )


def _session(reminder: Reminder, now: dt.datetime) -> Content | Skip:
    session = reminder.session
    if session is None or session.status != SessionStatus.PLANNED:
        return Skip("the session is not planned any more")
    planned_for = planner.base_key(reminder.idempotency_key).rsplit(":", 1)[-1]
    if planned_for != str(int(session.scheduled_at.timestamp())):
        return Skip("the session was moved")
    if session.scheduled_at <= now:
        return Skip("the session has started")
    patient = _patient(reminder)
    zone = patient.zone
    physio = patient.physiotherapist
    who = physio.full_name if physio else _("your physiotherapist")
    when = _when(session.scheduled_at, zone)
    time = f"{session.scheduled_at.astimezone(zone):%H:%M}"
    if reminder.kind == ReminderKind.SESSION_DAY_BEFORE:
        subject, first = (
            _("Your coaching session tomorrow at %(time)s") % {"time": time},
            _("A reminder: your coaching session with %(who)s is tomorrow, %(when)s.")
            % {"who": who, "when": when},
        )
    else:
        subject, first = (
            _("Your coaching session at %(time)s") % {"time": time},
            _("Your coaching session with %(who)s starts soon: %(when)s.")
            % {"who": who, "when": when},
        )
    action = None
    if session.mode == SessionMode.VIDEO and session.video_link:
        how = _("It is a video call: use the button below to join.")
        action = (_("Join the video call"), session.video_link)
    elif session.mode == SessionMode.PHONE:
        # Translators: %(who)s is the physiotherapist's name, or "your physiotherapist".
        how = _("%(who)s will phone you.") % {"who": capfirst(who)}
    elif session.mode == SessionMode.VIDEO:
        how = _("It is a video call: your physiotherapist will send you the link.")
    else:
        how = _("It is at %(clinic)s.") % {"clinic": patient.clinic.name}
    return Content(
        subject=subject,
        paragraphs=[first, how, _("The calendar file attached adds it to your calendar.")],
        action=action,
        attachments=[
            (
                "walkback-session.ics",
                sessions_ics([session], audience=PATIENT, now=now),
                "text/calendar",
            )
        ],
    )


def _check_in(reminder: Reminder, now: dt.datetime) -> Content | Skip:
    check_in = reminder.check_in
    if check_in is None:
        return Skip("the check-in was removed")
    if check_in.completed_at is not None:
        return Skip("the check-in is done")
    again = reminder.kind == ReminderKind.CHECK_IN_FOLLOW_UP
    if again:
        subject = _("Your monthly check-in: a gentle reminder")
        paragraph = _(
            "Your monthly check-in is still open. A few questions about your back this month: "
            "it takes about two minutes, and it helps your physiotherapist and the programme."
        )
    else:
        subject = _("Your monthly check-in")
        paragraph = _(
            "It is time for your monthly check-in. A few questions about your back this month: "
            "it takes about two minutes, and it helps your physiotherapist and the programme."
        )
    return Content(
        subject=subject,
        paragraphs=[paragraph],
        action=(_("Answer the check-in"), check_in_url()),
    )


def _questionnaire(reminder: Reminder, now: dt.datetime) -> Content | Skip:
    """An invitation to the questionnaires of one timepoint (docs/questionnaires.md). It
    names neither the questionnaires nor any score: only that some are waiting."""
    patient = _patient(reminder)
    week = int(reminder.idempotency_key.rsplit(":", 1)[1])  # questionnaire:<patient>:<week>
    due = questionnaires_due(patient, today=patient.today(now))
    if due is None or due.timepoint.week != week:
        return Skip("the questionnaires are no longer open")
    if not due.instruments:
        return Skip("the questionnaires are answered")
    return Content(
        subject=_("A few questions about your back"),
        paragraphs=[
            _(
                "It is time for a few short questions about how your back is doing. They take "
                "a few minutes and help you and your physiotherapist see how things are "
                "changing."
            ),
        ],
        action=(_("Answer the questions"), _url(settings.REMINDER_QUESTIONNAIRE_PATH)),
    )


def _digest(reminder: Reminder, now: dt.datetime) -> Content | Skip:
    physio = reminder.recipient
    items = digest_items_for(physio, now=now)
    if not items:
        return Skip("no patient needs attention")
    return Content(
        subject=ngettext(
            "WalkBack: %(count)s of your patients may need attention",
            "WalkBack: %(count)s of your patients may need attention",
            len(items),
        )
        % {"count": len(items)},
        paragraphs=[
            _("Good morning. These patients of yours may need attention this week:"),
        ],
        items=[
            (
                item.patient.full_name,
                ", ".join(str(label) for label in item.labels),
                _url(reverse("patients:detail", args=[item.patient.pk])),
            )
            for item in items
        ],
        action=(_("Open your caseload"), _url(reverse("coaching:caseload"))),
    )


def _adverse_event(reminder: Reminder, now: dt.datetime) -> Content | Skip:
    """The subject says how severe, never who (subjects show on lock screens and in mail
    logs, and a name is free text); the body names the patient, the record has the rest."""
    patient = _patient(reminder)
    event_id = reminder.idempotency_key.split(":")[1]  # adverse_event:<event>:<recipient>
    event = AdverseEvent.objects.filter(pk=event_id, patient=patient).first()
    if event is None:
        return Skip("the problem report was removed")
    severity = event.get_severity_display().lower()
    return Content(
        # Translators: %(severity)s is the problem's severity, e.g. "severe".
        subject=_("WalkBack: a patient reported a problem (%(severity)s)") % {"severity": severity},
        paragraphs=[
            _(
                "%(name)s reported a problem through WalkBack and called it %(severity)s. "
                "Please review it in their record."
            )
            % {"name": patient.full_name, "severity": severity},
        ],
        action=(_("Open the record"), _url(reverse("patients:detail", args=[patient.pk]))),
    )


def _message_notice(reminder: Reminder, now: dt.datetime) -> Content | Skip:
    """A new secure message (docs/messages.md). Imported here, not at the top: the messaging
    module builds on this one's ``Content`` and ``Skip``."""
    from coaching.messaging.notices import message_notice

    return message_notice(reminder, now)


BUILDERS: dict[str, Callable[[Reminder, dt.datetime], Content | Skip]] = {
    ReminderKind.WALK: _walk,
    ReminderKind.NUDGE: _nudge,
    ReminderKind.SESSION_DAY_BEFORE: _session,
    ReminderKind.SESSION_HOUR_BEFORE: _session,
    ReminderKind.CHECK_IN: _check_in,
    ReminderKind.CHECK_IN_FOLLOW_UP: _check_in,
    ReminderKind.QUESTIONNAIRE: _questionnaire,
    ReminderKind.DIGEST: _digest,
    ReminderKind.ADVERSE_EVENT: _adverse_event,
    ReminderKind.MESSAGE_TO_PATIENT: _message_notice,
    ReminderKind.MESSAGE_TO_STAFF: _message_notice,
}


def build(reminder: Reminder, now: dt.datetime) -> Message | Skip | Defer:
    """The message for ``reminder`` at ``now``, or why it is not sent now."""
    recipient = reminder.recipient
    if not recipient.is_active:
        return Skip("the account is not active")
    late = now - reminder.due_at
    if late > STALE_AFTER[reminder.kind]:
        return Skip("too late to be useful")
    patient = reminder.patient
    # Set exactly when the message goes to the patient (not to staff about them).
    to_patient = _patient(reminder) if reminder.kind in planner.TO_PATIENT_KINDS else None
    zone = to_patient.zone if to_patient is not None else recipient.zone
    if late > LATE and in_quiet_hours(now, zone):
        return Defer(end_of_quiet_hours(now, zone), "late, and now in quiet hours")
    if to_patient is not None:
        if not to_patient.reminders_by_email:
            return Skip("the patient stopped reminders")
        if not planner.wants(to_patient, reminder.kind):
            return Skip("the patient is not in the programme")
        if planner.paused_on(to_patient, to_patient.today(now)):
            return Skip(f"paused until {to_patient.reminders_paused_until:%d %b %Y}")
    # Everything the recipient reads is written in their language, whichever worker sends it.
    with speaking_to(recipient) as language:
        return _message(reminder, now, recipient, patient, to_patient, zone, language)


def _message(reminder, now, recipient, patient, to_patient, zone, language) -> Message | Skip:
    content = BUILDERS[reminder.kind](reminder, now)
    if isinstance(content, Skip):
        return content
    phone = ""
    if reminder.channel == ReminderChannel.SMS:
        # Checked when it goes, not when planned: the number may have changed since, or
        # replied STOP.
        blocked = sms_blocker(recipient)
        if blocked:
            return Skip(f"no text message: {blocked}")
        phone = str(recipient.phone)
    clinic = patient.clinic if patient is not None else recipient.clinic
    context = {
        "greeting": _("Hello %(name)s,") % {"name": recipient.get_short_name()},
        "content": content,
        "clinic": clinic,
        "preferences_url": preferences_url(to_patient) if to_patient is not None else "",
    }
    return Message(
        reminder_id=reminder.pk,
        to_email=recipient.email,
        subject=content.subject,
        text=render_to_string("coaching/reminders/email/message.txt", context),
        html=render_to_string("coaching/reminders/email/message.html", context),
        # The text for SMS and lock screens: no health data (sms/texts.py).
        short=sms_text(reminder, zone, now=now),
        sender_name=clinic.name if clinic else "WalkBack",
        stop_url=stop_url(to_patient) if to_patient is not None else "",
        attachments=content.attachments or [],
        recipient_id=recipient.pk,
        kind=str(reminder.kind),
        phone=phone,
        language=language,
    )
