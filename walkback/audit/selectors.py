"""Reading the audit trail: the accounting of access (GDPR art. 15, APP 12). The clinic admin
reads their clinic's trail; a patient reads who in the clinic opened their record. Both are
scoped here, by the caller's clinic or patient id, never by what a form says."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from walkback.audit.models import AuditAction, AuditEvent

if TYPE_CHECKING:
    from walkback.accounts.models import User

# What a patient reads for each page name in ``detail["view"]``: whole sentences, so each
# language can put the words in its own order.
VIEW_WORDS = {
    # Translators: a patient reads these next to the name of the staff member who opened the
    # page; "their" is that staff member, "you" the patient.
    "caseload": _("Opened the list of their patients, which shows you"),
    "staff-caseload": _("Opened a physiotherapist's list of patients, which shows you"),
    "patient-detail": _("Opened your record"),
    "patient-edit": _("Opened your details to change them"),
    "patient-reminders": _("Opened your reminders"),
    "prescription-correct": _("Opened your walking plan to correct it"),
    "prescription-new": _("Opened your walking plan to change it"),
    "programme-start": _("Opened your programme start"),
    "screening": _("Opened your screening answers"),
    "session": _("Opened a coaching session"),
    "session-edit": _("Opened a coaching session's notes"),
    "session-ics": _("Opened a coaching session's calendar file"),
    "sessions-ics": _("Opened your sessions' calendar file"),
    "session-rebook": _("Opened a coaching session to rebook it"),
    "diary-day": _("Opened their diary for a day, which shows your session"),
    "diary-week": _("Opened their diary for a week, which shows your session"),
    "diary-rebook": _("Opened a coaching session to move it to another time"),
    "calendar-feed": _("Opened their calendar, which shows when your sessions are"),
    "audit-trail": _("Opened the clinic's audit trail, which lists you"),
    "closings": _("Opened the list of requests to close accounts"),
    "patient-messages": _("Opened your messages with the clinic"),
}


@dataclass(frozen=True)
class TrailFilter:
    """What the admin asked to see; every part optional. Dates are whole days in the clinic's
    time zone (``starts`` and ``ends`` are already the UTC moments)."""

    patient_id: int | None = None
    actor_id: int | None = None
    action: str = ""
    starts: dt.datetime | None = None
    ends: dt.datetime | None = None

    def as_json(self) -> dict:
        """Ids, names of actions and dates only: safe for an audit row's ``detail``."""
        return {
            "patient": self.patient_id,
            "person": self.actor_id,
            "action": self.action or None,
            "from": self.starts.isoformat() if self.starts else None,
            "to": self.ends.isoformat() if self.ends else None,
        }


def clinic_trail(user: User, trail: TrailFilter) -> QuerySet[AuditEvent]:
    """The requesting clinic admin's clinic's trail, newest first, filtered. Read by the
    (clinic, -at) index; the actor joined for the name shown."""
    if not user.is_authenticated or user.role != "clinic_admin" or not user.clinic_id:
        return AuditEvent.objects.none()
    events = AuditEvent.objects.filter(clinic_id=user.clinic_id)
    if trail.patient_id is not None:
        events = events.filter(patient_id=trail.patient_id)
    if trail.actor_id is not None:
        events = events.filter(actor_id=trail.actor_id)
    if trail.action:
        events = events.filter(action=trail.action)
    if trail.starts is not None:
        events = events.filter(at__gte=trail.starts)
    if trail.ends is not None:
        events = events.filter(at__lt=trail.ends)
    return events.select_related("actor").order_by("-at", "-id")


def record_seen_by(patient) -> QuerySet[AuditEvent]:
    """Who in the clinic opened or changed ``patient``'s record, newest first: every row of
    theirs with someone else as the actor (their own visits and the system's are left out).
    The (patient, -at) index reads it."""
    return (
        AuditEvent.objects.filter(patient_id=patient.pk, actor__isnull=False)
        .filter(~Q(actor_id=patient.user_id))
        .filter(action__in=[AuditAction.READ, AuditAction.UPDATE, AuditAction.CREATE])
        .select_related("actor")
        .order_by("-at", "-id")
    )


def what_was_seen(event: AuditEvent) -> str:
    """An audit row in a patient's words: what was opened or changed."""
    if event.action == AuditAction.READ:
        view = str(event.detail.get("view", ""))
        return str(VIEW_WORDS.get(view, VIEW_WORDS["patient-detail"]))
    if event.action == AuditAction.CREATE:
        return gettext("Added to your record")
    return gettext("Changed your record")


# What the clinic admin reads in the audit trail's "What" column: the kind of record, and the
# page it was seen on or what happened to it. The stored codes stay as they are (and the CSV
# keeps them); a code not listed here is shown as it is.
# Kinds of record, by ``object_type``.
RECORD_WORDS = {
    "accounts.Clinic": pgettext_lazy("audit record", "Clinic"),
    "accounts.User": pgettext_lazy("audit record", "Account"),
    "accounts.Invitation": pgettext_lazy("audit record", "Invitation"),
    "accounts.EmailChange": pgettext_lazy("audit record", "E-mail change"),
    "accounts.KeptDraft": pgettext_lazy("audit record", "Kept draft"),
    "accounts.DeviceSession": pgettext_lazy("audit record", "Login on a device"),
    "accounts.ClosedDay": pgettext_lazy("audit record", "Closed day"),
    "accounts.ProgrammeRulesVersion": pgettext_lazy("audit record", "Programme rules"),
    "audit.AuditEvent": pgettext_lazy("audit record", "Audit trail"),
    "reports.ExportJob": pgettext_lazy("audit record", "Export"),
    "reports.Export": pgettext_lazy("audit record", "Export"),
    "patients.Patient": pgettext_lazy("audit record", "Patient record"),
    "patients.Screening": pgettext_lazy("audit record", "Screening"),
    "patients.WalkLog": pgettext_lazy("audit record", "Walk"),
    "patients.CheckIn": pgettext_lazy("audit record", "Monthly check-in"),
    "patients.AdverseEvent": pgettext_lazy("audit record", "Problem report"),
    "patients.AccountClosing": pgettext_lazy("audit record", "Account closing"),
    "patients.RetentionPolicy": pgettext_lazy("audit record", "Retention period"),
    "patients.ImportBatch": pgettext_lazy("audit record", "Walk import"),
    "coaching.EducationTopic": pgettext_lazy("audit record", "Education topic"),
    "coaching.CoachingSession": pgettext_lazy("audit record", "Coaching session"),
    "coaching.PrescriptionPlan": pgettext_lazy("audit record", "Walking plan"),
    "coaching.Prescription": pgettext_lazy("audit record", "Walking prescription"),
    "coaching.Reminder": pgettext_lazy("audit record", "Reminder"),
    "coaching.CalendarFeed": pgettext_lazy("audit record", "Calendar feed"),
    "coaching.MessageThread": pgettext_lazy("audit record", "Messages"),
    "coaching.ThreadMessage": pgettext_lazy("audit record", "Message"),
    "coaching.QuestionnaireSettings": pgettext_lazy("audit record", "Questionnaire settings"),
    "coaching.QuestionnaireResponse": pgettext_lazy("audit record", "Questionnaire"),
    "coaching.PushSubscription": pgettext_lazy("audit record", "Phone notifications"),
    "coaching.PhoneVerification": pgettext_lazy("audit record", "Phone check"),
    "coaching.SmsOptOut": pgettext_lazy("audit record", "Text message opt-out"),
    "coaching.programme": pgettext_lazy("audit record", "Programme settings"),
}

# Pages, by ``detail["view"]``.
PAGE_WORDS = {
    "audit-trail": pgettext_lazy("audit page", "audit trail"),
    "calendar-feed": pgettext_lazy("audit page", "calendar feed"),
    "caseload": pgettext_lazy("audit page", "caseload"),
    "closings": pgettext_lazy("audit page", "closing requests"),
    "diary-day": pgettext_lazy("audit page", "diary, one day"),
    "diary-week": pgettext_lazy("audit page", "diary, one week"),
    "diary-rebook": pgettext_lazy("audit page", "diary, moving a session"),
    "own-data": pgettext_lazy("audit page", "patient's own data download"),
    "patient-detail": pgettext_lazy("audit page", "record page"),
    "patient-edit": pgettext_lazy("audit page", "details form"),
    "patient-reminders": pgettext_lazy("audit page", "reminders"),
    "patient-walks": pgettext_lazy("audit page", "walks"),
    "patient-messages": pgettext_lazy("audit page", "messages"),
    "portal-check-in": pgettext_lazy("audit page", "patient: monthly check-in"),
    "portal-history": pgettext_lazy("audit page", "patient: history"),
    "portal-history-week": pgettext_lazy("audit page", "patient: a week's history"),
    "portal-home": pgettext_lazy("audit page", "patient: home page"),
    "portal-import": pgettext_lazy("audit page", "patient: walk import"),
    "portal-learn": pgettext_lazy("audit page", "patient: education topics"),
    "portal-my-data": pgettext_lazy("audit page", "patient: my data"),
    "portal-phone-verify": pgettext_lazy("audit page", "patient: phone check"),
    "portal-questionnaire": pgettext_lazy("audit page", "patient: questionnaire"),
    "portal-questionnaires": pgettext_lazy("audit page", "patient: questionnaires"),
    "portal-reminders": pgettext_lazy("audit page", "patient: reminders"),
    "portal-seen": pgettext_lazy("audit page", "patient: who saw my record"),
    "portal-walk": pgettext_lazy("audit page", "patient: walk"),
    "prescription-correct": pgettext_lazy("audit page", "correcting the walking plan"),
    "prescription-new": pgettext_lazy("audit page", "new walking plan"),
    "programme-start": pgettext_lazy("audit page", "programme start"),
    "questionnaire-enter": pgettext_lazy("audit page", "entering a questionnaire"),
    "questionnaire-scores": pgettext_lazy("audit page", "questionnaire scores"),
    "screening": pgettext_lazy("audit page", "screening"),
    "session": pgettext_lazy("audit page", "session"),
    "session-edit": pgettext_lazy("audit page", "session notes"),
    "session-ics": pgettext_lazy("audit page", "session calendar file"),
    "sessions-ics": pgettext_lazy("audit page", "sessions calendar file"),
    "session-rebook": pgettext_lazy("audit page", "rebooking a session"),
    "staff-caseload": pgettext_lazy("audit page", "staff member's caseload"),
    "staff-deactivate": pgettext_lazy("audit page", "deactivating a staff member"),
    "walk-correct": pgettext_lazy("audit page", "correcting a walk"),
}

# What happened, by ``detail["event"]``.
EVENT_WORDS = {
    "account_closed": pgettext_lazy("audit event", "account closed"),
    "address_in_use": pgettext_lazy("audit event", "address already in use"),
    "calendar_feed_new": pgettext_lazy("audit event", "new calendar link"),
    "calendar_feed_revoked": pgettext_lazy("audit event", "calendar link switched off"),
    "clinic_created": pgettext_lazy("audit event", "clinic created"),
    "closing_requested": pgettext_lazy("audit event", "closing asked for"),
    "closing_withdrawn": pgettext_lazy("audit event", "closing request withdrawn"),
    "corrected": pgettext_lazy("audit event", "corrected"),
    "device_session_ended": pgettext_lazy("audit event", "logged out on a device"),
    "device_session_started": pgettext_lazy("audit event", "logged in on a device"),
    "downloaded": pgettext_lazy("audit event", "downloaded"),
    "draft_kept": pgettext_lazy("audit event", "draft kept"),
    "draft_returned": pgettext_lazy("audit event", "draft given back"),
    "email_change_asked": pgettext_lazy("audit event", "e-mail change asked for"),
    "email_changed": pgettext_lazy("audit event", "e-mail changed"),
    "invite_accepted": pgettext_lazy("audit event", "invitation accepted"),
    "library_seeded": pgettext_lazy("audit event", "education topics added"),
    "message_sent": pgettext_lazy("audit event", "message sent"),
    "password_changed": pgettext_lazy("audit event", "password changed"),
    "patients_handed_over": pgettext_lazy("audit event", "patients handed over"),
    "phone_changed": pgettext_lazy("audit event", "phone changed"),
    "phone_code_sent": pgettext_lazy("audit event", "phone code sent"),
    "phone_verified": pgettext_lazy("audit event", "phone checked"),
    "physiotherapist_changed": pgettext_lazy("audit event", "physiotherapist changed"),
    "plan_step": pgettext_lazy("audit event", "walking plan step"),
    "programme_start": pgettext_lazy("audit event", "programme start"),
    "push_subscribed": pgettext_lazy("audit event", "phone notifications on"),
    "push_subscription_expired": pgettext_lazy("audit event", "phone notifications expired"),
    "push_subscription_moved_to_another_login": pgettext_lazy(
        "audit event", "phone notifications moved to another login"
    ),
    "push_unsubscribed": pgettext_lazy("audit event", "phone notifications off"),
    "reactivated": pgettext_lazy("audit event", "reactivated"),
    "rebooked": pgettext_lazy("audit event", "rebooked"),
    "recovery_codes_made": pgettext_lazy("audit event", "recovery codes made"),
    "reminder_links_revoked": pgettext_lazy("audit event", "reminder links switched off"),
    "signed_out_everywhere": pgettext_lazy("audit event", "logged out everywhere"),
    "walk_corrected": pgettext_lazy("audit event", "walk corrected"),
    "walks_imported": pgettext_lazy("audit event", "walks imported"),
}


def trail_what(event: AuditEvent) -> str:
    """The audit trail's "What" for a row, in the reader's language."""
    record = str(RECORD_WORDS.get(event.object_type, event.object_type))
    view, happened = event.detail.get("view"), event.detail.get("event")
    if view:
        detail = str(PAGE_WORDS.get(str(view), view))
    elif happened:
        detail = str(EVENT_WORDS.get(str(happened), happened))
    else:
        return record
    # Translators: the audit trail's "What": a kind of record and the page or event, e.g.
    # "Patient record: record page".
    return gettext("%(record)s: %(detail)s") % {"record": record, "detail": detail}
