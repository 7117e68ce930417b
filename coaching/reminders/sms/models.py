"""What SMS needs to remember beyond the outbox: which number a patient proved is theirs, and
which numbers said STOP. Imported by ``coaching.models`` so they belong to the coaching app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from phonenumber_field.modelfields import PhoneNumberField

# Wrong codes allowed for one code; then a new code must be asked for (docs/reminders.md).
CODE_MAX_FAILURES = 5


class PhoneVerification(models.Model):
    """The patient's proof that ``User.phone`` is theirs: a six-digit code sent to it and typed
    back. Only a hash of the code is kept. The number counts as verified while
    ``verified_phone`` equals ``User.phone``: changing the number, by any page, unverifies it
    without anyone having to remember to."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phone_verification"
    )
    # The number the current code went to (a code is only good for that number).
    phone = PhoneNumberField(blank=True, default="")
    code_hash = models.CharField(max_length=128, blank=True, default="")
    code_sent_at = models.DateTimeField(null=True, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    verified_phone = PhoneNumberField(blank=True, default="")
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(failed_attempts__lte=CODE_MAX_FAILURES),
                name="phone_verification_attempts_bounded",
            ),
            # A code is never kept without its expiry.
            models.CheckConstraint(
                condition=models.Q(code_hash="") | models.Q(code_expires_at__isnull=False),
                name="phone_verification_code_expires",
            ),
        ]

    def __str__(self) -> str:
        return f"phone check of user {self.user_id}"


class SmsOptOut(models.Model):
    """A number that replied STOP (or that the provider reported opted out). Nothing is sent
    to it by SMS until it replies START. Kept by number, not by patient: the provider blocks
    the number, and a patient who changes number can use SMS on the new one."""

    phone = PhoneNumberField(unique=True)
    opted_out_at = models.DateTimeField(auto_now_add=True)
    # What told us: "stop-reply" or the provider's opt-out type.
    via = models.CharField(max_length=20)

    def __str__(self) -> str:
        return f"SMS opt-out since {self.opted_out_at:%Y-%m-%d}"
