"""Questionnaire rows (docs/questionnaires.md). The instruments themselves are files
(``coaching.proms.instruments``); the database keeps each clinic's choice and each answered
questionnaire with the instrument version it was answered under."""

from __future__ import annotations

from django.conf import settings
from django.db import models

# Every shipped instrument and the licensed ones documented (Oswestry 0-100, Roland-Morris
# 0-24) score within 0..100; the loader refuses a file whose range leaves it.
SCORE_LOW, SCORE_HIGH = 0, 100
# The programme's questionnaires fall within its follow-up: five years of weeks at most.
LAST_WEEK = 260
DEFAULT_WEEKS = [0, 12, 26, 52]


class QuestionnaireSettings(models.Model):
    """A clinic's choice of instruments and of the weeks they are asked. A clinic without a
    row uses every shipped instrument at ``DEFAULT_WEEKS`` (``coaching.proms.selectors``)."""

    clinic = models.OneToOneField(
        "accounts.Clinic", on_delete=models.CASCADE, related_name="questionnaire_settings"
    )
    instruments = models.JSONField(default=list, help_text="Instrument keys, in order.")
    weeks = models.JSONField(default=list, help_text="Programme weeks; 0 is at enrolment.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Questionnaires of clinic {self.clinic_id}"


class QuestionnaireResponse(models.Model):
    """One answered questionnaire: all its answers and scores are saved together or not at
    all (``coaching.proms.services.questionnaire_submit``)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="questionnaire_responses"
    )
    instrument = models.CharField(max_length=32)
    version = models.PositiveSmallIntegerField()
    week = models.PositiveSmallIntegerField(help_text="The programme week it was asked for.")
    answers = models.JSONField()
    score = models.DecimalField(max_digits=5, decimal_places=2)
    subscales = models.JSONField(default=dict, blank=True)
    band = models.CharField(max_length=20, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    completed_at = models.DateTimeField()

    class Meta:
        ordering = ["instrument", "week"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "instrument", "week"], name="questionnaire_once_a_timepoint"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=SCORE_LOW) & models.Q(score__lte=SCORE_HIGH),
                name="questionnaire_score_0_to_100",
            ),
            models.CheckConstraint(
                condition=models.Q(week__lte=LAST_WEEK), name="questionnaire_week_bounded"
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="questionnaire_version_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} v{self.version}, week {self.week}"
