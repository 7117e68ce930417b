from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from walkback.accounts.emails import normalize_email
from walkback.accounts.limits import (
    ADDRESS_MAX,
    CHECK_IN_CATCH_UP,
    CHECK_IN_MONTHS,
    MESSAGE_REPLY_DAYS,
    MINUTES_PER_WALK,
    WALKS_PER_WEEK,
)
from walkback.core.validators import CONTROL_CHARACTERS_SQL, validate_single_line

# Real places only: the IANA zones of the geographic areas, plus UTC. The system database also
# offers names that are not places ("localtime", "Factory", "posixrules"), legacy abbreviations
# ("EST", "GB") and country-style aliases ("US/Eastern", "Etc/GMT+5"); none of them is offered
# or accepted.
GEOGRAPHIC_AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
TIME_ZONES = frozenset(
    tz
    for tz in zoneinfo.available_timezones()
    if tz == "UTC" or tz.split("/", 1)[0] in GEOGRAPHIC_AREAS and "/" in tz
)
TIME_ZONE_CHOICES = sorted((tz, tz.replace("_", " ")) for tz in TIME_ZONES)


def validate_time_zone(value: str) -> None:
    if value not in TIME_ZONES:
        raise ValidationError(
            _("That is not a time zone we know. Pick the nearest city from the list.")
        )


# A phone number as stored: "+", a country code and at most 15 digits in all (ITU E.164).
PHONE_E164_SQL = r"^\+[1-9][0-9]{5,14}$"


class Clinic(models.Model):
    """A physiotherapy clinic: the tenant. Staff and patients belong to exactly one."""

    name = models.CharField(max_length=120, validators=[validate_single_line])
    time_zone = models.CharField(
        max_length=64, default="Australia/Sydney", validators=[validate_time_zone]
    )
    # The clinic's own language: what its people read when they have not chosen one, and the
    # language its own content (education topics, screening questions) falls back to.
    language = models.CharField(
        max_length=16,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        db_default=settings.LANGUAGE_CODE,
    )
    # How patients reach the clinic: shown on the flare-up and "report a problem" pages and at
    # the foot of the clinic's e-mails. Stored in E.164 (django-phonenumber-field). Empty by
    # default in the database too, so a row written outside the ORM needs neither.
    contact_phone = PhoneNumberField(blank=True, default="", db_default="")
    address = models.CharField(max_length=ADDRESS_MAX, blank=True, default="", db_default="")
    # Programme settings the sources leave open (docs/clinical-rules.md#clinic-settings): each
    # clinic chooses.
    goal_walks_per_week = models.PositiveSmallIntegerField(default=5)
    goal_minutes_per_walk = models.PositiveSmallIntegerField(default=30)
    goal_week = models.PositiveSmallIntegerField(
        default=26, help_text=_("Programme week by which the walking goal should be reached.")
    )
    check_in_months = models.PositiveSmallIntegerField(
        default=12,
        help_text=_("How many monthly check-ins each patient is offered (12 to 36)."),
    )
    # A check-in asks again about the months just before it that were missed, up to this many
    # (docs/clinical-rules.md#monthly-check-ins); older missed months stay unknown.
    check_in_catch_up_months = models.PositiveSmallIntegerField(
        default=2,
        db_default=2,
        help_text=_("How many missed months a check-in asks about again (0 to 6)."),
    )
    nudge_after_days = models.PositiveSmallIntegerField(
        default=4, help_text=_("Days without a logged walk before a gentle nudge.")
    )
    # How a walking plan progresses (coaching.progression.ProgrammeRules): the sources give no
    # dose or step size, so these are the clinic's, with trial-informed defaults
    # (docs/clinical-rules.md#what-the-sources-leave-open). Each change is a new numbered
    # version (``ProgrammeRulesVersion``), and a plan keeps the rules it was made under.
    plan_start_walks = models.PositiveSmallIntegerField(
        default=3, db_default=3, help_text=_("Walks a week a new plan starts with.")
    )
    plan_step_weeks = models.PositiveSmallIntegerField(
        default=1, db_default=1, help_text=_("Weeks between two steps of a plan.")
    )
    plan_largest_increase = models.PositiveSmallIntegerField(
        default=10, db_default=10, help_text=_("Most weekly minutes one step may add.")
    )
    plan_close_to_target_percent = models.PositiveSmallIntegerField(
        default=80,
        db_default=80,
        help_text=_("Share of last week's target that allows the next step up."),
    )
    plan_pain_rise = models.PositiveSmallIntegerField(
        default=2,
        db_default=2,
        help_text=_("A rise in average pain (0-10) over a week that steps a plan down."),
    )
    rules_version = models.PositiveIntegerField(default=1, db_default=1)
    # Imported hikes count as walks (docs/activity-import.md): off unless the clinic says so.
    import_hiking = models.BooleanField(
        default=False,
        db_default=False,
        help_text=_("Hikes imported from a phone or watch count as walks."),
    )
    # "We usually reply within N working days" on the patient's messages page (docs/messages.md).
    message_reply_days = models.PositiveSmallIntegerField(
        default=2,
        db_default=2,
        help_text=_("Working days the clinic usually takes to answer a patient's message."),
    )
    screening_extra_conditions = models.TextField(
        blank=True,
        help_text=_("Other conditions that need a doctor's clearance, one per line."),
    )
    # The hours the diary offers free slots in when a session is rebooked (docs/diary.md);
    # a physiotherapist may still type any other time.
    diary_day_starts = models.TimeField(
        default=dt.time(9, 0), db_default=dt.time(9, 0), help_text=_("Sessions start from.")
    )
    diary_day_ends = models.TimeField(
        default=dt.time(17, 0), db_default=dt.time(17, 0), help_text=_("Sessions end by.")
    )
    diary_weekends = models.BooleanField(
        default=False, db_default=False, help_text=_("Offer Saturday and Sunday slots.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(language__in=[code for code, _name in settings.LANGUAGES]),
                name="clinic_language_known",
            ),
            models.CheckConstraint(
                condition=CHECK_IN_MONTHS.q("check_in_months"),
                name="clinic_check_in_months_12_to_36",
            ),
            models.CheckConstraint(
                condition=CHECK_IN_CATCH_UP.q("check_in_catch_up_months"),
                name="clinic_check_in_catch_up_0_to_6",
            ),
            models.CheckConstraint(
                condition=WALKS_PER_WEEK.q("goal_walks_per_week"),
                name="clinic_goal_walks_1_to_14",
            ),
            models.CheckConstraint(
                condition=MINUTES_PER_WALK.q("goal_minutes_per_walk"),
                name="clinic_goal_minutes_1_to_180",
            ),
            # The clinic's name is the sender name of every e-mail it sends.
            models.CheckConstraint(
                condition=~models.Q(name__regex=CONTROL_CHARACTERS_SQL),
                name="clinic_name_single_line",
            ),
            models.CheckConstraint(
                condition=models.Q(goal_week__gte=4, goal_week__lte=104),
                name="clinic_goal_week_4_to_104",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    plan_start_walks__gte=1,
                    plan_start_walks__lte=14,
                    plan_step_weeks__gte=1,
                    plan_step_weeks__lte=4,
                    plan_largest_increase__gte=5,
                    plan_largest_increase__lte=60,
                    plan_close_to_target_percent__gte=50,
                    plan_close_to_target_percent__lte=100,
                    plan_pain_rise__gte=1,
                    plan_pain_rise__lte=10,
                ),
                name="clinic_plan_rules_bounded",
            ),
            models.CheckConstraint(
                condition=models.Q(diary_day_starts__lt=models.F("diary_day_ends")),
                name="clinic_diary_day_starts_before_it_ends",
            ),
            models.CheckConstraint(
                condition=MESSAGE_REPLY_DAYS.q("message_reply_days"),
                name="clinic_message_reply_days_1_to_10",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ClosedDay(models.Model):
    """A day the clinic is closed (a public holiday, a closure): the default session schedule
    books nothing on it (coaching.services.programme, docs/clinical-rules.md)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="closed_days")
    day = models.DateField()

    class Meta:
        ordering = ["clinic", "day"]
        constraints = [models.UniqueConstraint(fields=["clinic", "day"], name="closed_day_unique")]

    def __str__(self) -> str:
        return f"Closed {self.day:%Y-%m-%d}"


class ProgrammeRulesVersion(models.Model):
    """One numbered version of a clinic's programme rules, kept for good: which rules a plan
    was made under, and who changed them when."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="rules_versions")
    number = models.PositiveIntegerField()
    rules = models.JSONField()
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["clinic", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "number"], name="rules_version_unique")
        ]

    def __str__(self) -> str:
        return f"Programme rules v{self.number}"


class Role(models.TextChoices):
    CLINIC_ADMIN = "clinic_admin", _("Clinic admin")
    PHYSIO = "physio", _("Physiotherapist")
    PATIENT = "patient", _("Patient")


if TYPE_CHECKING:
    # The stubs make the manager generic in its model; Django's class is not subscriptable at
    # run time.
    _UserManagerBase = BaseUserManager["User"]
else:
    _UserManagerBase = BaseUserManager


class UserManager(_UserManagerBase):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=normalize_email(email), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("role", Role.CLINIC_ADMIN)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(email=normalize_email(username))


class User(AbstractBaseUser, PermissionsMixin):
    """Everyone who logs in. E-mail is the login; the role decides which pages they see."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, validators=[validate_single_line])
    role = models.CharField(max_length=20, choices=Role.choices)
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    time_zone = models.CharField(max_length=64, blank=True, validators=[validate_time_zone])
    # The person's own language (walkback/accounts/languages.py); empty means the clinic's.
    language = models.CharField(
        max_length=16, choices=settings.LANGUAGES, blank=True, default="", db_default=""
    )
    # Optional; stored in E.164 (+61412345678). Three of the six sessions are phone calls.
    phone = PhoneNumberField(blank=True, default="", db_default="")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text=_("May open the Django admin site."))
    date_joined = models.DateTimeField(default=timezone.now)
    # Raised to end every open session of the account at once (``user_sessions_end``): it is
    # part of the session hash Django checks on each request.
    session_generation = models.PositiveIntegerField(default=0, db_default=0)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    language__in=["", *(code for code, _name in settings.LANGUAGES)]
                ),
                name="user_language_known",
            ),
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
            # Stored normalised (walkback/accounts/emails.py), so an exact match is the match.
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="user_email_stored_lower_case"
            ),
            models.CheckConstraint(
                condition=models.Q(clinic__isnull=False) | models.Q(is_superuser=True),
                name="user_belongs_to_a_clinic",
            ),
            models.CheckConstraint(
                condition=~models.Q(full_name__regex=CONTROL_CHARACTERS_SQL),
                name="user_full_name_single_line",
            ),
            # E.164 or nothing: the form and the model field turn what was typed into this.
            models.CheckConstraint(
                condition=models.Q(phone="") | models.Q(phone__regex=PHONE_E164_SQL),
                name="user_phone_e164",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    def _get_session_auth_hash(self, secret=None):
        """Django's hash of the password, with ``session_generation`` mixed in: a new password
        or a raised generation ends every session (Django compares it on each request)."""
        return salted_hmac(
            "walkback.accounts.User.session",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def is_clinic_admin(self) -> bool:
        return self.role == Role.CLINIC_ADMIN

    @property
    def is_physio(self) -> bool:
        return self.role == Role.PHYSIO

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def is_clinic_staff(self) -> bool:
        """Staff of a clinic (or the Django admin site): these accounts must use TOTP."""
        return self.role in (Role.CLINIC_ADMIN, Role.PHYSIO) or self.is_staff

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        name = self.time_zone or (self.clinic.time_zone if self.clinic is not None else "UTC")
        return zoneinfo.ZoneInfo(name)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class InvitationQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """A one-time link that lets an invited person choose their password.

    Only a hash of the token is stored, so a database read does not hand out working links.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="invitations_sent"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for user {self.user_id}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class EmailChangeQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(confirmed_at__isnull=True, expires_at__gt=timezone.now())


class EmailChange(models.Model):
    """A new e-mail address waiting to be proved: the address changes only when the link
    sent to it is followed by the same person, logged in (docs/security.md#data-rights).

    Only a hash of the token is stored. The row is deleted once used or replaced, so old
    addresses do not linger here."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_changes")
    new_email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = EmailChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(new_email=Lower("new_email")),
                name="email_change_stored_lower_case",
            ),
        ]

    def __str__(self) -> str:
        return f"E-mail change of user {self.user_id}"


# Registered with this app; defined apart to keep this module to who people are.
from walkback.accounts.session_models import DeviceSession, KeptDraft  # noqa: E402,F401
