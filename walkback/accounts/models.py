from __future__ import annotations

import hashlib
import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from walkback.accounts.emails import normalize_email
from walkback.accounts.limits import CHECK_IN_MONTHS, MINUTES_PER_WALK, WALKS_PER_WEEK

TIME_ZONE_CHOICES = sorted((tz, tz.replace("_", " ")) for tz in zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value} is not a time zone we know. Pick one from the list.")


class Clinic(models.Model):
    """A physiotherapy clinic: the tenant. Staff and patients belong to exactly one."""

    name = models.CharField(max_length=120)
    time_zone = models.CharField(
        max_length=64, default="Australia/Sydney", validators=[validate_time_zone]
    )
    # Programme settings the sources leave open (PROTOCOL.md): each clinic chooses.
    goal_walks_per_week = models.PositiveSmallIntegerField(default=5)
    goal_minutes_per_walk = models.PositiveSmallIntegerField(default=30)
    goal_week = models.PositiveSmallIntegerField(
        default=26, help_text="Programme week by which the walking goal should be reached."
    )
    check_in_months = models.PositiveSmallIntegerField(
        default=12, help_text="How many monthly check-ins each patient is offered (12 to 36)."
    )
    nudge_after_days = models.PositiveSmallIntegerField(
        default=4, help_text="Days without a logged walk before a gentle nudge."
    )
    screening_extra_conditions = models.TextField(
        blank=True,
        help_text="Other conditions that need a doctor's clearance, one per line.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=CHECK_IN_MONTHS.q("check_in_months"),
                name="clinic_check_in_months_12_to_36",
            ),
            models.CheckConstraint(
                condition=WALKS_PER_WEEK.q("goal_walks_per_week"),
                name="clinic_goal_walks_1_to_14",
            ),
            models.CheckConstraint(
                condition=MINUTES_PER_WALK.q("goal_minutes_per_walk"),
                name="clinic_goal_minutes_1_to_180",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CLINIC_ADMIN = "clinic_admin", "Clinic admin"
    PHYSIO = "physio", "Physiotherapist"
    PATIENT = "patient", "Patient"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
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
    full_name = models.CharField(max_length=150)
    role = models.CharField(max_length=20, choices=Role.choices)
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    time_zone = models.CharField(max_length=64, blank=True, validators=[validate_time_zone])
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May open the Django admin site.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
            # Stored normalised (walkback/accounts/emails.py), so an exact match is the match.
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="user_email_stored_lower_case"
            ),
            models.CheckConstraint(
                condition=models.Q(clinic__isnull=False) | models.Q(is_superuser=True),
                name="user_belongs_to_a_clinic",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

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
        name = self.time_zone or (self.clinic.time_zone if self.clinic_id else "UTC")
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
