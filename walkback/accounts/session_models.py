"""What keeps a person's work and their phone signed in (docs/security.md#sessions-and-drafts).

Kept in their own module so the account models stay small; ``walkback/accounts/models.py``
imports them so Django registers them with the accounts app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class KeptDraft(models.Model):
    """A form sent after its author's session ran out, kept on the server (never in the
    browser) until they log in again and see it on the same page, or until it expires.

    ``data`` holds what was typed, which may be health data: it is never logged, given back
    only to ``user`` on ``path``, and deleted as soon as it is given back.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kept_drafts"
    )
    path = models.CharField(max_length=500)
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="kept_draft_expires_after_it_is_kept",
            ),
        ]

    def __str__(self) -> str:
        return f"Kept draft {self.pk}"


class DeviceSession(models.Model):
    """A patient's "keep me signed in on this phone": the session of that browser is exempt
    from the idle timeout and the 12-hour limit, and has its own limit (``expires_at``). The
    session carries this row's id; deleting the row signs that phone out at its next request.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="device_sessions"
    )
    label = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-last_used_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="device_session_expires_after_it_starts",
            ),
            models.CheckConstraint(
                condition=~models.Q(label=""), name="device_session_has_a_label"
            ),
        ]

    def __str__(self) -> str:
        return f"Device session {self.pk}"
