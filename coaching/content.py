"""Reading the clinic's own content in the reader's language (docs/content-languages.md).

The clinic writes a topic or its screening conditions in its own language; other languages
are ``coaching.content_models`` rows. A reader gets their language when it is written, else
the clinic's own text with a short note naming both languages in their own names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.db.models import F, FilteredRelation, Q, QuerySet
from django.utils.translation import gettext

from coaching.content_models import EducationTopicTranslation, ScreeningConditionsTranslation
from coaching.models import EducationTopic
from patients.services.enrolment import clinic_conditions, condition_lines
from walkback.accounts.languages import clinic_language, is_right_to_left

LANGUAGE_NAMES = dict(settings.LANGUAGES)


def language_name(code: str) -> str:
    """A language in its own name (English, 简体中文, العربية)."""
    return LANGUAGE_NAMES.get(code, code)


def other_languages(clinic) -> list[tuple[str, str]]:
    """The languages a clinic can add to its own content: all but the clinic's."""
    own = clinic_language(clinic)
    return [(code, name) for code, name in settings.LANGUAGES if code != own]


# --- Education topics ---------------------------------------------------------------------


@dataclass(frozen=True)
class TopicText:
    """A topic as one reader reads it: in their language, or the clinic's with a note."""

    topic: EducationTopic
    title: str
    summary: str
    body: str
    language: str  # the language the text is written in
    wanted: str  # the reader's language

    @property
    def slug(self) -> str:
        return self.topic.slug

    @property
    def position(self) -> int:
        return self.topic.position

    @property
    def pk(self) -> int:
        return self.topic.pk

    @property
    def falls_back(self) -> bool:
        return self.language != self.wanted

    @property
    def direction(self) -> str:
        return "rtl" if is_right_to_left(self.language) else "ltr"

    @property
    def note(self) -> str:
        if not self.falls_back:
            return ""
        return gettext(
            "This topic is not yet written in %(language)s, so it is shown in %(shown_in)s."
        ) % {"language": language_name(self.wanted), "shown_in": language_name(self.language)}


def with_text_in(topics: QuerySet[EducationTopic], language: str) -> QuerySet[EducationTopic]:
    """The topics with their text in ``language`` joined in, in the same query (so a page's
    query count does not change with translations)."""
    return topics.annotate(
        _in_language=FilteredRelation("translations", condition=Q(translations__language=language))
    ).annotate(
        text_title=F("_in_language__title"),
        text_summary=F("_in_language__summary"),
        text_body=F("_in_language__body"),
    )


def topic_text(topic: EducationTopic, *, language: str, clinic) -> TopicText:
    """The topic in ``language`` for a reader at ``clinic`` (the topic's clinic, already
    loaded): from ``with_text_in``'s columns when the queryset had them, else one query."""
    found: tuple[str | None, str | None, str | None]
    if hasattr(topic, "text_title"):
        joined = cast(Any, topic)  # the columns ``with_text_in`` annotated
        found = (joined.text_title, joined.text_summary, joined.text_body)
    else:
        row = topic.translations.filter(language=language).first()
        found = (row.title, row.summary, row.body) if row else (None, None, None)
    title, summary, body = found
    if title is not None:
        return TopicText(topic, title, summary or "", body or "", language, language)
    # The clinic's own text: in the reader's language too when the clinic writes in it.
    return TopicText(
        topic, topic.title, topic.summary, topic.body, clinic_language(clinic), language
    )


# --- Screening conditions -----------------------------------------------------------------


@dataclass(frozen=True)
class ConditionChoices:
    """The clinic's extra screening conditions as one staff member reads them. The value of
    each choice is the clinic's own line, so what a screening stores stays comparable."""

    choices: list[tuple[str, str]]
    note: str


def topic_translation_get(topic: EducationTopic, language: str):
    """The topic's text in ``language``, if the clinic has written it (None otherwise)."""
    return EducationTopicTranslation.objects.filter(topic=topic, language=language).first()


def screening_translations(clinic) -> dict[str, ScreeningConditionsTranslation]:
    """The clinic's extra screening conditions in each language it has written them in."""
    return {
        row.language: row for row in ScreeningConditionsTranslation.objects.filter(clinic=clinic)
    }


def screening_translation_is_current(row: ScreeningConditionsTranslation, clinic) -> bool:
    own = clinic_conditions(clinic)
    written_for = condition_lines(row.written_for)
    return written_for == own and len(condition_lines(row.conditions)) == len(own)


def condition_choices(clinic, language: str) -> ConditionChoices:
    own = clinic_conditions(clinic)
    default = clinic_language(clinic)
    if not own or language == default:
        return ConditionChoices([(line, line) for line in own], "")
    row = ScreeningConditionsTranslation.objects.filter(clinic=clinic, language=language).first()
    if row is not None and screening_translation_is_current(row, clinic):
        return ConditionChoices(list(zip(own, condition_lines(row.conditions), strict=True)), "")
    note = gettext(
        "Your clinic's extra conditions are not yet written in %(language)s, so they are "
        "shown in %(shown_in)s."
    ) % {"language": language_name(language), "shown_in": language_name(default)}
    return ConditionChoices([(line, line) for line in own], note)
