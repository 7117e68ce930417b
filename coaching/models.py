from __future__ import annotations

from typing import cast

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from coaching.limits import CONFIDENCE, SESSION_MINUTES
from walkback.accounts.limits import MINUTES_PER_WALK, WALKS_PER_WEEK
from walkback.accounts.names import SORT_KEY_MAX
from walkback.core.validators import validate_single_line


class EducationTopic(models.Model):
    """One topic of a clinic's education library, with the text the patient reads."""

    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.CASCADE, related_name="education_topics"
    )
    title = models.CharField(max_length=120, validators=[validate_single_line])
    slug = models.SlugField(max_length=120)
    summary = models.CharField(max_length=300, blank=True, validators=[validate_single_line])
    body = models.TextField(help_text=_("Patient-facing text, in plain words."))
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "title"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "slug"], name="topic_slug_unique_in_clinic")
        ]

    def __str__(self) -> str:
        return self.title


class SessionPurpose(models.TextChoices):
    PRESCRIBE = "prescribe", _("Set or progress walking")
    REVIEW = "review", _("Review progress and barriers")


class SessionMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video call")
    PHONE = "phone", _("Phone call")


class SessionStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("status", "Planned")
    DONE = "done", pgettext_lazy("status", "Done")
    MISSED = "missed", pgettext_lazy("status", "Missed")
    CANCELLED = "cancelled", pgettext_lazy("status", "Cancelled")


class CoachingSession(models.Model):
    """Session 1 to Session 6 of a patient's programme
    (docs/clinical-rules.md#the-six-coaching-sessions)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="sessions"
    )
    number = models.PositiveSmallIntegerField()
    purpose = models.CharField(max_length=10, choices=SessionPurpose.choices)
    mode = models.CharField(max_length=10, choices=SessionMode.choices)
    scheduled_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=45)
    video_link = models.URLField(blank=True)
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    notes = models.TextField(blank=True)
    goals = models.TextField(blank=True)
    barriers = models.TextField(blank=True)
    action_plan = models.TextField(blank=True)
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    topics = models.ManyToManyField(EducationTopic, blank=True, related_name="sessions")
    completed_at = models.DateTimeField(null=True, blank=True)
    # Where a rebooked session was before (the audit trail keeps the full history).
    rebooked_from = models.DateTimeField(null=True, blank=True)
    rebook_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["patient", "number"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "number"], name="session_number_unique"),
            models.CheckConstraint(
                condition=models.Q(number__gte=1, number__lte=6), name="session_number_1_to_6"
            ),
            models.CheckConstraint(
                condition=models.Q(confidence__isnull=True)
                | models.Q(confidence__lte=CONFIDENCE.high),
                name="session_confidence_0_to_10",
            ),
            models.CheckConstraint(
                condition=SESSION_MINUTES.q("duration_minutes"),
                name="session_length_5_to_180",
            ),
            # A video session without a link cannot happen: the patient would have nowhere to go.
            models.CheckConstraint(
                condition=~models.Q(mode="video") | ~models.Q(video_link=""),
                name="session_video_has_link",
            ),
            models.CheckConstraint(
                condition=models.Q(status="done", completed_at__isnull=False)
                | ~models.Q(status="done"),
                name="session_done_has_completed_at",
            ),
        ]
        indexes = [
            models.Index(
                fields=["patient", "scheduled_at"],
                name="session_planned_by_time",
                condition=models.Q(status="planned"),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return gettext("Session %(number)s") % {"number": self.number}

    @property
    def ends_at(self):
        import datetime as dt

        return self.scheduled_at + dt.timedelta(minutes=self.duration_minutes)

    @property
    def is_finished(self) -> bool:
        """Done sessions are history: their date is a fact, not a plan."""
        return self.status == SessionStatus.DONE

    @property
    def can_rebook(self) -> bool:
        return self.status in (SessionStatus.MISSED, SessionStatus.CANCELLED)


class PrescriptionPlan(models.Model):
    """A walking plan accepted by the physiotherapist: a start dose and the rules it progresses
    by. Each week the patient is close to target it rises a step towards the goal, without a
    visit (``coaching.plans``); each step is a ``Prescription`` version of the plan. A newer
    plan supersedes it: its steps after the new plan starts stop counting."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="plans")
    session = models.ForeignKey(
        CoachingSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField()
    rises = models.BooleanField(
        default=True,
        db_default=True,
        help_text=_("Steps up towards the goal each week close to target."),
    )
    rules = models.JSONField(help_text=_("The programme rules the plan was made under."))
    rules_version = models.PositiveIntegerField(null=True, blank=True)
    # The last Monday whose step was decided: later data never re-decides a past step.
    decided_through = models.DateField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["patient", "-starts_on"])]

    def __str__(self) -> str:
        return f"Plan from {self.starts_on}"


class InForceQuerySet(models.QuerySet):
    def in_force(self):
        return self.filter(superseded_at__isnull=True)


# Named at module level: the django-stubs plugin types a from_queryset() base only there.
_InForceManagerBase = models.Manager.from_queryset(InForceQuerySet)


class InForceManager(_InForceManagerBase):
    """Versions that count. A corrected version, or a step of a plan that a newer plan
    replaced, stays in the table for the record (``Prescription.history``) and counts nowhere:
    every target, flag, figure and export reads this manager."""

    def get_queryset(self) -> InForceQuerySet:
        # from_queryset(InForceQuerySet) makes the base manager build an InForceQuerySet; the
        # stubs type the inherited get_queryset() as a plain QuerySet.
        return cast(InForceQuerySet, super().get_queryset()).in_force()


class Prescription(models.Model):
    """A version of a patient's walking prescription, in force from ``effective_from``.

    A change is a new row: history is never overwritten. The current one is the newest row
    whose ``effective_from`` is on or before the day asked about. A mistake is corrected by a
    new row that ``supersedes`` it; a step of a plan names its ``plan``.
    """

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="prescriptions"
    )
    effective_from = models.DateField()
    walks_per_week = models.PositiveSmallIntegerField()
    minutes_per_walk = models.PositiveSmallIntegerField()
    session = models.ForeignKey(
        CoachingSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    plan = models.ForeignKey(
        PrescriptionPlan, on_delete=models.PROTECT, null=True, blank=True, related_name="steps"
    )
    rationale = models.TextField(blank=True)
    # A rationale WalkBack wrote (a plan's weekly step, a correction's prefix): what it says,
    # as a key and its values, so each reader sees it in their own language
    # (``coaching.progression.sentence``). ``rationale`` keeps the English for the record.
    rationale_says = models.JSONField(null=True, blank=True, default=None)
    # Why a dose above the goal, or a rise above the clinic's largest increase, was confirmed.
    confirmed_because = models.TextField(blank=True, default="", db_default="")
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    # Every version, superseded ones too: the record (and Django's related-object access).
    history = models.Manager()
    objects = InForceManager()

    class Meta:
        ordering = ["-effective_from", "-id"]
        default_manager_name = "objects"
        base_manager_name = "history"
        indexes = [models.Index(fields=["patient", "-effective_from"])]
        constraints = [
            models.CheckConstraint(
                condition=WALKS_PER_WEEK.q("walks_per_week"),
                name="prescription_walks_1_to_14",
            ),
            models.CheckConstraint(
                condition=MINUTES_PER_WALK.q("minutes_per_walk"),
                name="prescription_minutes_1_to_180",
            ),
            # A plan takes at most one step a day (a weekly step, decided once).
            models.UniqueConstraint(
                fields=["plan", "effective_from"],
                condition=models.Q(superseded_at__isnull=True),
                name="prescription_one_step_a_day_per_plan",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.walks_per_week} × {self.minutes_per_walk} min from {self.effective_from}"

    @property
    def weekly_minutes(self) -> int:
        return self.walks_per_week * self.minutes_per_walk

    @property
    def rationale_shown(self) -> str:
        """The rationale in the reader's language: what WalkBack wrote is translated, what a
        physiotherapist typed is shown as typed."""
        if self.rationale_says:
            from coaching.progression import sentence

            return sentence(self.rationale_says)
        return self.rationale


class ReminderKind(models.TextChoices):
    WALK = "walk", _("Walk reminder")
    SESSION_DAY_BEFORE = "session_day", _("Session tomorrow")
    SESSION_HOUR_BEFORE = "session_hour", _("Session in an hour")
    NUDGE = "nudge", _("No walk logged lately")
    CHECK_IN = "check_in", _("Monthly check-in")
    CHECK_IN_FOLLOW_UP = "check_in_again", _("Monthly check-in, second ask")
    QUESTIONNAIRE = "questionnaire", _("Outcome questionnaire")
    DIGEST = "digest", _("Monday digest")
    ADVERSE_EVENT = "adverse_event", _("Problem reported")
    # Secure messages (docs/messages.md): the notice says only that there is a message.
    MESSAGE_TO_PATIENT = "message_patient", _("New message from the clinic")
    MESSAGE_TO_STAFF = "message_staff", _("A patient sent a message")


class ReminderState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("status", "Planned")
    # Handed to Celery by the sweep; a send task still has to claim it.
    QUEUED = "queued", pgettext_lazy("status", "Queued")
    CLAIMED = "claimed", pgettext_lazy("status", "Being sent")
    SENT = "sent", pgettext_lazy("status", "Sent")
    FAILED = "failed", pgettext_lazy("status", "Failed")
    CANCELLED = "cancelled", pgettext_lazy("status", "Cancelled")
    SKIPPED = "skipped", pgettext_lazy("status", "Not needed")


class ReminderChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message")
    PUSH = "push", _("Phone notification")


class ReminderDelivery(models.TextChoices):
    """What the provider said after accepting a message (SMS delivery receipts)."""

    UNKNOWN = "", pgettext_lazy("status", "Not reported")
    DELIVERED = "delivered", pgettext_lazy("status", "Delivered")
    UNDELIVERED = "undelivered", pgettext_lazy("status", "Not delivered")


class Reminder(models.Model):
    """The outbox: one row per message, the database being the source of truth.

    ``idempotency_key`` is unique, so planning the same reminder twice is a no-op, and a row is
    claimed with a conditional update before it is sent, so it goes out once.

    Life of a row (``coaching/reminders``, docs/reminders.md): pending → queued (the sweep
    claimed it and handed its id to Celery) → claimed (a send task claimed it again) → sent;
    or skipped (no longer wanted when its time came), cancelled (replanned), failed (kept
    failing). A failed attempt goes back to pending with ``retry_at`` set.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
    )
    session = models.ForeignKey(
        CoachingSession, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    check_in = models.ForeignKey(
        "patients.CheckIn",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
    )
    channel = models.CharField(
        max_length=10, choices=ReminderChannel.choices, default=ReminderChannel.EMAIL
    )
    due_at = models.DateTimeField()
    state = models.CharField(
        max_length=10, choices=ReminderState.choices, default=ReminderState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # After a failed attempt: not before this time (backoff with jitter).
    retry_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    # The provider's id for the message (an SMS's Twilio SID), and its delivery receipt.
    provider_message_id = models.CharField(max_length=64, blank=True, default="", db_default="")
    delivery = models.CharField(
        max_length=12,
        choices=ReminderDelivery.choices,
        blank=True,
        default=ReminderDelivery.UNKNOWN,
        db_default=ReminderDelivery.UNKNOWN,
    )
    delivery_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="reminder_pending_due",
                condition=models.Q(state="pending"),
            ),
            # The sweep's recovery looks only at rows stuck in flight: partial indexes keep
            # that cost independent of the (ever growing) number of sent rows.
            models.Index(
                fields=["queued_at"],
                name="reminder_queued_since",
                condition=models.Q(state="queued"),
            ),
            models.Index(
                fields=["claimed_at"],
                name="reminder_claimed_since",
                condition=models.Q(state="claimed"),
            ),
            models.Index(fields=["patient", "-due_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=ReminderState.values), name="reminder_state_known"
            ),
            models.CheckConstraint(
                condition=models.Q(attempts__lte=50), name="reminder_attempts_bounded"
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=ReminderChannel.values),
                name="reminder_channel_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} due {self.due_at:%Y-%m-%d %H:%M} UTC"


class CaseloadRow(models.Model):
    """A patient's maintained status: what the caseload and the Monday digest show, one row per
    patient (docs/programme-rules.md, "The caseload's status").

    Every value here is computed by ``coaching.status.status_values`` from the patient's
    records and the clock, never typed in. It is written in the same transaction as every
    write that changes it, and again by a periodic task once ``valid_until`` has passed (a day
    ends in the patient's time zone, a session falls overdue). ``manage.py caseload_check``
    recomputes every row from scratch and reports any that differ.

    The clinic, physiotherapist, stage and name are copied from the patient so the caseload
    can filter, sort and page on this table alone, in SQL.
    """

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.CASCADE, primary_key=True, related_name="caseload_row"
    )
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    physiotherapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(max_length=20)
    # Not discharged or ineligible: the caseload's default view.
    current = models.BooleanField()
    # The name as "Name" sorts it (family name first) and as search matches it (accents and
    # case folded): walkback.accounts.names.
    sort_name = models.CharField(max_length=SORT_KEY_MAX)
    search_name = models.TextField(default="")
    programme_week = models.IntegerField(null=True)
    # This week (Monday to Sunday in the patient's zone) against its target, as shown.
    week_monday = models.DateField()
    week_minutes = models.IntegerField()
    week_walks = models.IntegerField()
    week_target_minutes = models.IntegerField(null=True)  # None: no target this week
    week_target_walks = models.IntegerField(null=True)
    week_on_target = models.BooleanField(null=True)
    last_walk_on = models.DateField(null=True)
    pain_before = models.FloatField(null=True)
    pain_after = models.FloatField(null=True)
    pain_trend = models.CharField(max_length=10, blank=True)
    next_session_at = models.DateTimeField(null=True)
    next_session_mode = models.CharField(max_length=10, blank=True)
    next_session_number = models.PositiveSmallIntegerField(null=True)
    # The flags, most urgent first: [[code, detail], ...]; and one bit per flag to filter on.
    flags = models.JSONField(default=list)
    flag_bits = models.IntegerField(default=0)
    # Lower needs attention sooner (``coaching.flags.PatientSummary.attention_rank``).
    attention = models.SmallIntegerField()
    # The first moment the clock alone may change this row; the periodic task refreshes it then.
    valid_until = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["clinic", "current", "attention", "sort_name", "patient"],
                name="caseload_clinic_attention",
            ),
            models.Index(
                fields=["physiotherapist", "current", "attention", "sort_name", "patient"],
                name="caseload_physio_attention",
            ),
            models.Index(
                fields=["clinic", "current", "sort_name", "patient"], name="caseload_clinic_name"
            ),
            models.Index(
                fields=["clinic", "current", "next_session_at", "sort_name"],
                name="caseload_clinic_next_session",
            ),
            models.Index(
                fields=["clinic", "current", "last_walk_on", "sort_name"],
                name="caseload_clinic_last_log",
            ),
            models.Index(
                fields=["clinic", "current", "-programme_week", "sort_name"],
                name="caseload_clinic_week",
            ),
            models.Index(fields=["valid_until"], name="caseload_valid_until"),
        ]

    def __str__(self) -> str:
        return f"Caseload row of patient {self.patient_id}"


# Calendar feed links live in a module of their own (docs/diary.md); imported so Django
# registers them with this app.
# The clinic's content in other languages lives in its own module (docs/content-languages.md).
from coaching.content_models import (  # noqa: E402, F401
    EducationTopicTranslation,
    ScreeningConditionsTranslation,
)
from coaching.diary.models import CalendarFeed  # noqa: E402, F401

# Secure messages live in a module of their own (docs/messages.md); imported here so Django
# finds the models of the coaching app.
from coaching.messaging.models import MessageThread, ThreadMessage, ThreadReadMarker  # noqa: E402, F401

# Outcome questionnaires live in a module of their own (docs/questionnaires.md).
from coaching.proms.models import QuestionnaireResponse, QuestionnaireSettings  # noqa: E402, F401

# Web push subscriptions live in their own module (docs/web-push.md); imported here so Django
# finds the model in this app.
from coaching.push_models import PushSubscription  # noqa: E402, F401

# Phone verification and SMS opt-outs live in their own module; imported here so Django
# registers them with the coaching app.
from coaching.reminders.sms.models import PhoneVerification as PhoneVerification  # noqa: E402
from coaching.reminders.sms.models import SmsOptOut as SmsOptOut  # noqa: E402
