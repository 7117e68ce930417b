"""The clinic admin's reports: export jobs, and precomputed clinic figures."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Dataset(models.TextChoices):
    PATIENTS = "patients", _("Patients")
    SESSIONS = "sessions", _("Coaching sessions")
    PRESCRIPTIONS = "prescriptions", _("Walking prescriptions")
    WALKS = "walks", _("Walk logs")
    WEEKLY = "weekly", _("Weekly adherence")
    CHECK_INS = "check_ins", _("Monthly check-ins")
    RECURRENCE = "recurrence", _("Recurrence times")
    ADVERSE_EVENTS = "adverse_events", _("Adverse events")
    QUESTIONNAIRES = "questionnaires", _("Outcome questionnaires")


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV (any spreadsheet or statistics program)")
    XLSX = "xlsx", _("Excel workbook (.xlsx)")


class ExportState(models.TextChoices):
    PENDING = "pending", _("Waiting to start")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExportJob(models.Model):
    """A large export prepared in the background for one person.

    The id is a random UUID and every lookup is also scoped to the person who asked, so a
    guessed or tampered id, or a colleague's link, is simply not found. ``filters`` holds ids
    and dates only, never health data.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    dataset = models.CharField(max_length=20, choices=Dataset.choices)
    format = models.CharField(max_length=5, choices=ExportFormat.choices)
    filters = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        max_length=10, choices=ExportState.choices, default=ExportState.PENDING
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/", blank=True)
    error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requested_by", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rows_done__lte=models.F("rows_total")) | models.Q(rows_total=0),
                name="exportjob_progress_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_dataset_display()} export ({self.get_state_display()})"

    @property
    def percent(self) -> int:
        """Progress for the bar: rows written out of rows counted when the job was asked."""
        if self.state == ExportState.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(100 * self.rows_done / self.rows_total))

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_downloadable(self) -> bool:
        return self.state == ExportState.DONE and bool(self.file) and not self.is_expired

    @property
    def filename(self) -> str:
        # In the viewer's zone (walkback.accounts.middleware.TimeZoneMiddleware), as on the page.
        stamp = timezone.localtime(self.created_at).strftime("%Y%m%d-%H%M")
        suffix = "-deidentified" if self.filters.get("deidentified") else ""
        return f"walkback-{self.dataset}{suffix}-{stamp}.{self.format}"


class FigureSnapshot(models.Model):
    """The clinic dashboard's figures for one filter, computed ahead of time (data only).

    The periodic task refreshes the default views of every clinic (all physiotherapists, and
    each physiotherapist, over all time); any other filter is computed in the background when
    first asked (``FigureRefresh``) and kept here. The page reads one row and renders its
    charts and tables (docs/reports.md).
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80)
    computed_at = models.DateTimeField()
    data = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "key"], name="figures_one_per_filter"),
        ]

    def __str__(self) -> str:
        return f"Figures {self.key} of clinic {self.clinic_id} at {self.computed_at:%Y-%m-%d %H:%M}"


class FigureRefresh(models.Model):
    """A refresh of one clinic view's figures, asked for and not finished yet.

    At most one per clinic and view (the unique constraint), so a busy dashboard, the periodic
    fan-out and a second admin asking for the same filter all share one job (docs/reports.md,
    "Freshness"). The row is deleted when its snapshot is written; ``scope`` holds ids and
    dates only, and the task gets the row's id only.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to start")
        RUNNING = "running", _("Being computed")

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80)
    scope = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    steps_total = models.PositiveSmallIntegerField(default=0)
    steps_done = models.PositiveSmallIntegerField(default=0)
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "key"], name="figures_one_refresh_per_view"),
            models.CheckConstraint(
                condition=models.Q(steps_done__lte=models.F("steps_total")),
                name="figurerefresh_progress_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"Refresh of figures {self.key} of clinic {self.clinic_id} ({self.state})"

    @property
    def percent(self) -> int:
        """Progress for the bar: steps done (one per group of patients) out of all steps."""
        if not self.steps_total:
            return 0
        return min(99, int(100 * self.steps_done / self.steps_total))
