from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models.functions import Cast, Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients.limits import (
    BASELINE_MINUTES_PER_WEEK,
    CHECK_IN_DAYS,
    CHECK_IN_MONTH,
    PAIN,
    RETENTION_YEARS,
    RETENTION_YEARS_DEFAULT,
    STEPS,
    WALK_CORRECTION_REASON_MAX,
    WALK_MINUTES,
    WALK_NOTE_MAX,
)
from walkback.accounts.languages import clinic_language, language_choices
from walkback.accounts.limits import GOAL_WEEK, MINUTES_PER_WALK, WALKS_PER_WEEK
from walkback.accounts.models import validate_time_zone
from walkback.core.validators import validate_single_line

WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


PROGRAMME_ENDED = _(
    "Your programme with the clinic has ended, so new walks and check-ins cannot be added. "
    "Your history is still here, and you can download it."
)


class PatientStatus(models.TextChoices):
    SCREENING = "screening", _("Screening")
    INELIGIBLE = "ineligible", _("Not eligible")
    ACTIVE = "active", _("In programme")
    MAINTENANCE = "maintenance", _("Keeping going")
    DISCHARGED = "discharged", _("Discharged")


def default_reminder_channels() -> list[str]:
    return ["email"]


class Patient(models.Model):
    """A person in (or being screened for) the programme. One-to-one with their login.

    Targets are not stored here: a week's target is computed from the prescriptions in force
    day by day, and progress from walk logs (``coaching.progress``, docs/programme-rules.md).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patient"
    )
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="patients")
    physiotherapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="caseload",
        null=True,
        blank=True,
    )
    date_of_birth = models.DateField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    status = models.CharField(
        max_length=20, choices=PatientStatus.choices, default=PatientStatus.SCREENING
    )
    ineligible_reason = models.TextField(blank=True)
    programme_start = models.DateField(null=True, blank=True)
    baseline_minutes_per_week = models.PositiveSmallIntegerField(null=True, blank=True)
    preferred_days = models.JSONField(default=list, blank=True, help_text=_("Weekdays, 0 = Monday"))
    preferred_time = models.TimeField(null=True, blank=True)
    # Per-patient goal; empty means the clinic's default.
    goal_walks_per_week = models.PositiveSmallIntegerField(null=True, blank=True)
    goal_minutes_per_walk = models.PositiveSmallIntegerField(null=True, blank=True)
    goal_week = models.PositiveSmallIntegerField(null=True, blank=True)
    # Reminder preferences, chosen by the patient.
    reminders_by_email = models.BooleanField(default=True)
    reminder_days = models.JSONField(default=list, blank=True, help_text=_("Weekdays, 0 = Monday"))
    reminder_time = models.TimeField(null=True, blank=True)
    reminders_paused_until = models.DateField(null=True, blank=True)
    # How reminders reach the patient: any of "email", "sms", "push" (docs/reminders.md,
    # "Channels"); ``reminders_by_email`` stays the on/off switch for all of them.
    reminder_channels = models.JSONField(default=default_reminder_channels, blank=True)
    # Part of every reminder link: raising it stops all links already sent from working.
    reminder_links_generation = models.PositiveIntegerField(default=0, db_default=0)
    # When the stage became "Discharged": the clinic's retention period counts from here.
    discharged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user__full_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(baseline_minutes_per_week__lte=BASELINE_MINUTES_PER_WEEK.high),
                name="patient_baseline_minutes_bounded",
            ),
            models.CheckConstraint(
                condition=WALKS_PER_WEEK.q("goal_walks_per_week", nullable=True),
                name="patient_goal_walks_1_to_14",
            ),
            models.CheckConstraint(
                condition=MINUTES_PER_WALK.q("goal_minutes_per_walk", nullable=True),
                name="patient_goal_minutes_1_to_180",
            ),
            models.CheckConstraint(
                condition=GOAL_WEEK.q("goal_week", nullable=True),
                name="patient_goal_week_4_to_104",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        """The person's name. A closed account has none (docs/security.md#data-rights), and
        every page that names the patient then says so by id."""
        # Translators: shown in place of the name of a patient whose account was closed.
        return self.user.full_name or gettext("Closed account (patient #%(id)s)") % {"id": self.pk}

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def enrolled_on(self) -> dt.date:
        """The day the record was created, in the clinic's time zone: nothing in the programme
        (start, sessions) can be dated before it."""
        return self.created_at.astimezone(zoneinfo.ZoneInfo(self.clinic.time_zone)).date()

    @property
    def preferred_days_display(self) -> str:
        names = dict(WEEKDAY_CHOICES)
        return ", ".join(str(names[day]) for day in sorted(self.preferred_days) if day in names)

    @property
    def language_display(self) -> str:
        """The language the patient reads WalkBack in, named in that language; their clinic's
        when they (or their physiotherapist) chose none."""
        names = dict(language_choices())
        if self.user.language in names:
            return names[self.user.language]
        clinic = names.get(clinic_language(self.clinic), "")
        return gettext("Clinic's language (%(language)s)") % {"language": clinic}

    @property
    def in_programme(self) -> bool:
        return self.status in (PatientStatus.ACTIVE, PatientStatus.MAINTENANCE)

    @property
    def can_log(self) -> bool:
        """May add walks and check-in answers: not once discharged (the clinic keeps reading
        the record, and the patient their history)."""
        return self.status != PatientStatus.DISCHARGED

    def today(self, now: dt.datetime | None = None) -> dt.date:
        """Today's date where the patient is: their week and 'today' follow their clock."""
        from django.utils import timezone

        return (now or timezone.now()).astimezone(self.zone).date()

    @property
    def goal(self) -> tuple[int, int, int]:
        """(walks per week, minutes per walk, by programme week): patient's own or clinic's."""
        clinic = self.clinic
        return (
            self.goal_walks_per_week or clinic.goal_walks_per_week,
            self.goal_minutes_per_walk or clinic.goal_minutes_per_walk,
            self.goal_week or clinic.goal_week,
        )


class Screening(models.Model):
    """Eligibility and safety answers (docs/clinical-rules.md#safety-screening-and-clearance),
    recorded by the physiotherapist."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="screening")
    recovered_in_last_6_months = models.BooleanField(null=True)
    episode_lasted_24h = models.BooleanField(null=True)
    able_to_walk = models.BooleanField(null=True)
    already_active_3_per_week = models.BooleanField(null=True)
    heart_or_circulation = models.BooleanField(default=False)
    balance_or_falls = models.BooleanField(default=False)
    older_age = models.BooleanField(default=False)
    other_conditions = models.JSONField(default=list, blank=True)
    clearance_date = models.DateField(null=True, blank=True)
    clearance_note = models.CharField(max_length=200, blank=True, validators=[validate_single_line])
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    screened_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Screening of patient {self.patient_id}"

    @property
    def is_complete(self) -> bool:
        return None not in (
            self.recovered_in_last_6_months,
            self.episode_lasted_24h,
            self.able_to_walk,
            self.already_active_3_per_week,
        )

    @property
    def is_eligible(self) -> bool:
        # Once complete no answer is None, so this is already a bool; bool() tells mypy.
        return bool(
            self.is_complete
            and self.recovered_in_last_6_months
            and self.episode_lasted_24h
            and self.able_to_walk
            and not self.already_active_3_per_week
        )

    @property
    def needs_clearance(self) -> bool:
        return bool(
            self.heart_or_circulation
            or self.balance_or_falls
            or self.older_age
            or self.other_conditions
        )

    @property
    def clearance_missing(self) -> bool:
        return self.needs_clearance and self.clearance_date is None


class WalkSource(models.TextChoices):
    TYPED = "typed", _("Typed in")
    IMPORTED = "imported", _("Imported")


class WalkLog(models.Model):
    """One walk. ``walked_on`` is the patient's local date, so weeks need no conversion."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="walks")
    walked_on = models.DateField()
    minutes = models.PositiveSmallIntegerField()
    steps = models.PositiveIntegerField(null=True, blank=True)
    pain = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=10, choices=WalkSource.choices, default=WalkSource.TYPED)
    # An imported walk's file format and the id the file gives it (docs/activity-import.md):
    # unique per patient, so importing the same file twice adds nothing.
    import_source = models.CharField(max_length=20, blank=True, db_default="", default="")
    import_source_id = models.CharField(max_length=64, blank=True, db_default="", default="")
    # A token the form carries so a double tap saves one walk, not two.
    submission_token = models.UUIDField(null=True, blank=True)
    # A physiotherapist's correction (``patients.services.walks.walk_correct``): ``minutes``
    # and ``walked_on`` hold the corrected values, so every total and target uses them; what
    # the patient first logged stays here, and the patient sees who corrected it and why.
    original_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    original_walked_on = models.DateField(null=True, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    corrected_at = models.DateTimeField(null=True, blank=True)
    correction_reason = models.CharField(
        max_length=WALK_CORRECTION_REASON_MAX, blank=True, db_default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-walked_on", "-id"]
        indexes = [models.Index(fields=["patient", "walked_on"])]
        constraints = [
            models.CheckConstraint(
                condition=WALK_MINUTES.q("minutes"), name="walk_minutes_1_to_600"
            ),
            models.CheckConstraint(
                condition=models.Q(pain__isnull=True) | models.Q(pain__lte=PAIN.high),
                name="walk_pain_0_to_10",
            ),
            models.CheckConstraint(
                condition=models.Q(steps__isnull=True) | models.Q(steps__lte=STEPS.high),
                name="walk_steps_bounded",
            ),
            # No walk in the future: a local date is at most one day ahead of the UTC date on
            # which the row was written.
            models.CheckConstraint(
                condition=models.Q(
                    walked_on__lte=Cast("created_at", models.DateField()) + dt.timedelta(days=1)
                ),
                name="walk_not_in_future",
            ),
            # varchar(500) holds this on PostgreSQL; SQLite ignores lengths, so say it here too.
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("note"), WALK_NOTE_MAX),
                name="walk_note_at_most_500",
            ),
            models.UniqueConstraint(
                fields=["patient", "submission_token"], name="walk_one_per_submission"
            ),
            models.UniqueConstraint(
                fields=["patient", "import_source", "import_source_id"],
                condition=~models.Q(import_source=""),
                name="walk_imported_once",
            ),
            # An imported walk names its file's format and id; a typed one names neither.
            models.CheckConstraint(
                condition=models.Q(source="imported")
                & ~models.Q(import_source="")
                & ~models.Q(import_source_id="")
                | ~models.Q(source="imported") & models.Q(import_source="", import_source_id=""),
                name="walk_import_source_complete",
            ),
            # A correction is whole or absent: never a changed walk without who, when, why
            # and what it was before.
            models.CheckConstraint(
                condition=models.Q(
                    original_minutes__isnull=True,
                    original_walked_on__isnull=True,
                    corrected_by__isnull=True,
                    corrected_at__isnull=True,
                    correction_reason="",
                )
                | (
                    models.Q(
                        original_minutes__isnull=False,
                        original_walked_on__isnull=False,
                        corrected_by__isnull=False,
                        corrected_at__isnull=False,
                    )
                    & ~models.Q(correction_reason="")
                ),
                name="walk_correction_complete",
            ),
            models.CheckConstraint(
                condition=WALK_MINUTES.q("original_minutes", nullable=True),
                name="walk_original_minutes_1_to_600",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("correction_reason"), WALK_CORRECTION_REASON_MAX),
                name="walk_correction_reason_at_most_200",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.walked_on}: {self.minutes} min"

    @property
    def is_corrected(self) -> bool:
        return self.corrected_at is not None

    @property
    def source_words(self) -> str:
        """'Typed in', or 'Imported (Apple Health)': staff see where a walk came from."""
        if self.source != WalkSource.IMPORTED:
            return gettext("Typed in")
        # Translators: where a walk came from, e.g. "Imported (Apple Health)".
        return gettext("Imported (%(source)s)") % {
            "source": SOURCE_WORDS.get(self.import_source, self.import_source)
        }


class CareType(models.TextChoices):
    NONE = "", _("None")
    GP = "gp", _("GP / family doctor")
    PHYSIO = "physio", _("Physiotherapist")
    CHIRO = "chiro", _("Chiropractor or osteopath")
    SPECIALIST = "specialist", _("Specialist")
    EMERGENCY = "emergency", _("Emergency department")
    OTHER = "other", _("Other")


class CheckIn(models.Model):
    """The monthly recurrence questionnaire (docs/clinical-rules.md#monthly-check-ins)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="check_ins")
    month_number = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    completed_at = models.DateTimeField(null=True, blank=True)
    any_pain = models.BooleanField(null=True)
    onset_date = models.DateField(null=True, blank=True)
    # What the patient tells: the facts. ``activity_limiting`` is not asked but derived from
    # them by the trial's definition (``patients.services.check_ins.is_activity_limiting``).
    lasted_24_hours = models.BooleanField(null=True)
    limited_activity = models.BooleanField(null=True)
    activity_limiting = models.BooleanField(null=True)
    care_sought = models.BooleanField(null=True)
    care_type = models.CharField(max_length=20, choices=CareType.choices, blank=True)
    days_to_recovery = models.PositiveSmallIntegerField(null=True, blank=True)
    average_pain = models.PositiveSmallIntegerField(null=True, blank=True)
    worst_pain = models.PositiveSmallIntegerField(null=True, blank=True)
    days_off_work = models.PositiveSmallIntegerField(null=True, blank=True)
    # A month missed and asked about again at a later check-in (docs/clinical-rules.md#monthly-
    # check-ins): ``late`` when it was answered after its own check-in had closed (then
    # ``completed_at`` is when); ``unknown_at`` when the patient said they do not remember, so
    # it stays unknown for the outcomes and is not asked again.
    late = models.BooleanField(default=False, db_default=False)
    unknown_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["month_number"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "month_number"], name="checkin_one_a_month"),
            models.CheckConstraint(
                condition=CHECK_IN_MONTH.q("month_number"),
                name="checkin_month_1_to_36",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(average_pain__isnull=True) | models.Q(average_pain__lte=PAIN.high)
                )
                & (models.Q(worst_pain__isnull=True) | models.Q(worst_pain__lte=PAIN.high)),
                name="checkin_pain_0_to_10",
            ),
            models.CheckConstraint(
                condition=models.Q(days_to_recovery__isnull=True)
                | models.Q(days_to_recovery__lte=CHECK_IN_DAYS.high),
                name="checkin_recovery_days_bounded",
            ),
            models.CheckConstraint(
                condition=models.Q(days_off_work__isnull=True)
                | models.Q(days_off_work__lte=CHECK_IN_DAYS.high),
                name="checkin_days_off_bounded",
            ),
            # An answered check-in says whether there was pain, and its onset is not after the
            # day it was answered (one day of slack for time zones ahead of UTC).
            models.CheckConstraint(
                condition=models.Q(completed_at__isnull=True) | models.Q(any_pain__isnull=False),
                name="checkin_completed_has_answer",
            ),
            models.CheckConstraint(
                condition=models.Q(onset_date__isnull=True)
                | models.Q(completed_at__isnull=True)
                | models.Q(
                    onset_date__lte=Cast("completed_at", models.DateField()) + dt.timedelta(days=1)
                ),
                name="checkin_onset_not_after_answer",
            ),
            # A month is answered, or said to be unknown, never both; only an answer is late.
            models.CheckConstraint(
                condition=models.Q(completed_at__isnull=True) | models.Q(unknown_at__isnull=True),
                name="checkin_answered_or_unknown",
            ),
            models.CheckConstraint(
                condition=models.Q(late=False) | models.Q(completed_at__isnull=False),
                name="checkin_late_is_answered",
            ),
        ]

    def __str__(self) -> str:
        return f"Check-in month {self.month_number}"


class BodyRegion(models.TextChoices):
    LOW_BACK = "low_back", _("Lower back")
    HIP = "hip", _("Hip")
    KNEE = "knee", _("Knee")
    ANKLE_FOOT = "ankle_foot", _("Ankle or foot")
    LOWER_LEG = "lower_leg", _("Calf or shin")
    OTHER = "other", _("Somewhere else")


class Severity(models.TextChoices):
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")


class WalkingRelated(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNSURE = "unsure", _("Not sure")


class AdverseEvent(models.Model):
    """A problem the patient reports; it flags them for their physiotherapist."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="adverse_events")
    occurred_on = models.DateField()
    body_region = models.CharField(max_length=20, choices=BodyRegion.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    related_to_walking = models.CharField(max_length=10, choices=WalkingRelated.choices)
    description = models.CharField(max_length=1000, blank=True)
    reported_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    occurred_on__lte=Cast("reported_at", models.DateField()) + dt.timedelta(days=1)
                ),
                name="adverse_event_not_in_future",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_body_region_display()} on {self.occurred_on}"


class ClosingState(models.TextChoices):
    REQUESTED = "requested", _("Waiting for the clinic")
    WITHDRAWN = "withdrawn", _("Withdrawn by the patient")
    CLOSED = "closed", _("Closed")


class ClosingOutcome(models.TextChoices):
    # The person is erased; the programme data stays for the clinic's figures, under an id.
    PSEUDONYMISED = "pseudonymised", _("Closed, programme data kept without the name")
    # Nothing needs keeping: every record of the programme goes too.
    DELETED = "deleted", _("Closed, everything deleted")


class ClosingReason(models.TextChoices):
    PATIENT = "patient", _("Asked for by the patient")
    RETENTION = "retention", _("Retention period over")


class AccountClosing(models.Model):
    """A patient's account being closed under their right to erasure (GDPR art. 17, APP 11),
    asked for by them or started by the clinic's retention period; the clinic admin decides
    how (docs/security.md#data-rights). One per patient: closing twice is refused."""

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="closing")
    state = models.CharField(
        max_length=12, choices=ClosingState.choices, default=ClosingState.REQUESTED
    )
    reason = models.CharField(
        max_length=12, choices=ClosingReason.choices, default=ClosingReason.PATIENT
    )
    outcome = models.CharField(max_length=16, choices=ClosingOutcome.choices, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="closed", decided_at__isnull=False) & ~models.Q(outcome="")
                | ~models.Q(state="closed") & models.Q(outcome=""),
                name="closing_closed_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"Closing of patient {self.patient_id} ({self.state})"


class RetentionPolicy(models.Model):
    """How long a clinic keeps a discharged patient's identity: after ``years`` the account is
    closed by the periodic task, as the clinic's ``outcome`` says."""

    clinic = models.OneToOneField(
        "accounts.Clinic", on_delete=models.CASCADE, related_name="retention"
    )
    years = models.PositiveSmallIntegerField(default=RETENTION_YEARS_DEFAULT)
    outcome = models.CharField(
        max_length=16, choices=ClosingOutcome.choices, default=ClosingOutcome.PSEUDONYMISED
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("retention policies")
        constraints = [
            models.CheckConstraint(
                condition=RETENTION_YEARS.q("years"), name="retention_years_bounded"
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=ClosingOutcome.values),
                name="retention_outcome_known",
            ),
        ]

    def __str__(self) -> str:
        return f"Keep {self.years} years after discharge"


from patients.imports.models import SOURCE_WORDS, ImportBatch  # noqa: E402, F401  (found here)
