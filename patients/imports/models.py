"""An upload being imported: its preview, then the walks saved from it (docs/activity-import.md).

Imported from ``patients.models`` so Django finds it; kept here so the import code is in one
package. Every lookup goes through ``patients.imports.selectors`` (the patient's own uploads
only); the id is a random UUID, so a guessed id is not found either.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# How each file format is named to patients and staff (``WalkLog.import_source`` values).
SOURCE_WORDS = {
    "apple_health": "Apple Health",
    "gpx": _("GPX track"),
    "fit": _("FIT file"),
    "google_fit": "Google Fit",
    "fitbit": "Fitbit",
}


class ImportState(models.TextChoices):
    PENDING = "pending", _("Waiting to start")
    READING = "reading", _("Reading the file")
    READY = "ready", _("Ready to check")
    FAILED = "failed", _("Could not be read")
    SAVED = "saved", _("Saved")


class ImportBatch(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="import_batches"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(max_length=10, choices=ImportState.choices)
    filename = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    bytes_done = models.PositiveBigIntegerField(default=0)
    # A large upload waits here (a path in private storage, never in a task's arguments) for
    # the worker, which deletes it once read.
    stored_as = models.CharField(max_length=200, blank=True)
    preview = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=400, blank=True)
    walks_saved = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(bytes_done__lte=models.F("size")),
                name="importbatch_progress_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.get_state_display()})"

    @property
    def percent(self) -> int:
        if self.state in (ImportState.READY, ImportState.SAVED):
            return 100
        if not self.size:
            return 0
        return min(99, int(100 * self.bytes_done / self.size))

    @property
    def is_working(self) -> bool:
        return self.state in (ImportState.PENDING, ImportState.READING)
