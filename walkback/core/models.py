"""The one table of the core layer: form submissions already carried out (``submissions``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Submission(models.Model):
    """A form that created something, by its one-time token: sending it again (a double
    click, a resent page, eight tabs at once) finds this row instead of creating again.

    What it made is named by model label and primary key (``object_type`` empty when the
    service deliberately made nothing, such as an invitation to another clinic's address)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.UUIDField()
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="submission_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.token}"
