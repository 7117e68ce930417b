"""The clinic's own content in more than one language (docs/content-languages.md).

A clinic writes its education topics and its extra screening conditions in its own language
(``Clinic.language``); these rows hold the same content written in another language. A reader
whose language has no row here reads the clinic's own text, with a note saying so. Imported
from ``coaching.models`` so Django registers them with the coaching app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from walkback.core.validators import validate_single_line

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


class EducationTopicTranslation(models.Model):
    """An education topic's title, summary and text in one more language."""

    topic = models.ForeignKey(
        "coaching.EducationTopic", on_delete=models.CASCADE, related_name="translations"
    )
    language = models.CharField(max_length=10, choices=settings.LANGUAGES)
    title = models.CharField(max_length=120, validators=[validate_single_line])
    summary = models.CharField(max_length=300, blank=True, validators=[validate_single_line])
    body = models.TextField(help_text=gettext_lazy("Patient-facing text, in plain words."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["topic", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "language"], name="topic_translation_one_per_language"
            ),
            models.CheckConstraint(
                condition=models.Q(language__in=LANGUAGE_CODES),
                name="topic_translation_language_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class ScreeningConditionsTranslation(models.Model):
    """A clinic's extra screening conditions in one more language: the same lines in the same
    order as ``Clinic.screening_extra_conditions``. ``written_for`` keeps the clinic's list as
    it was when this was written, so a later change of that list shows the translation is out
    of date (and the clinic's own list is shown until it is written again)."""

    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.CASCADE, related_name="screening_translations"
    )
    language = models.CharField(max_length=10, choices=settings.LANGUAGES)
    conditions = models.TextField()
    written_for = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["clinic", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "language"], name="screening_translation_one_per_language"
            ),
            models.CheckConstraint(
                condition=models.Q(language__in=LANGUAGE_CODES),
                name="screening_translation_language_known",
            ),
        ]

    def __str__(self) -> str:
        return f"Screening conditions of clinic {self.clinic_id} ({self.language})"

    @property
    def lines(self) -> list[str]:
        return self.conditions.split("\n")
