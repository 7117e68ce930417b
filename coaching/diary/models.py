"""Private calendar feed links (docs/diary.md#calendar-feeds).

A feed link carries a long random token; only its SHA-256 is stored, so a copy of the
database cannot be used to read anyone's calendar. Making a new link revokes the old one
(``revoked_at``): a revoked token answers 404, like one that never existed.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models


class CalendarFeed(models.Model):
    """One subscription link: a physiotherapist's diary or a patient's own sessions (which of
    the two follows from the owner's role)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "coaching"
        constraints = [
            # At most one working link per person: "make a new link" replaces, never adds.
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(revoked_at__isnull=True),
                name="calendar_feed_one_live_per_owner",
            ),
            models.CheckConstraint(
                condition=models.Q(token_hash__regex=r"^[0-9a-f]{64}$"),
                name="calendar_feed_token_is_sha256",
            ),
        ]

    def __str__(self) -> str:
        return f"Calendar feed of user {self.owner_id}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
