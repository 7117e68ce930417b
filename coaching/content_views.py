"""The staff pages for the clinic's own content in other languages
(docs/content-languages.md): a topic's text per language, and the extra screening conditions
per language. Any of the clinic's staff may write them, as they may edit the library."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext

from coaching import selectors
from coaching.content import (
    language_name,
    other_languages,
    screening_translation_is_current,
    screening_translations,
    topic_translation_get,
)
from coaching.content_forms import EducationTopicTranslationForm, ScreeningConditionsTranslationForm
from coaching.services.content import education_topic_translate, screening_conditions_translate
from patients.services.enrolment import clinic_conditions
from walkback.accounts.decorators import staff_required
from walkback.accounts.languages import clinic_language, is_right_to_left
from walkback.core.forms import add_service_errors


@dataclass(frozen=True)
class LanguageTab:
    url: str
    name: str
    active: bool
    written: bool


def _language(clinic, language: str) -> str:
    if language not in dict(other_languages(clinic)):
        raise Http404("Not one of the clinic's other languages")
    return language


def _writing_in(form, language: str) -> None:
    """Inputs marked with the language they are written in, so the browser and screen readers
    treat the text right (and Arabic runs right to left)."""
    for field in form.fields.values():
        field.widget.attrs.update(
            {"lang": language, "dir": "rtl" if is_right_to_left(language) else "ltr"}
        )


def topic_language_tabs(topic, active: str) -> list[LanguageTab]:
    """The topic page's tabs: the clinic's own language, then each other language."""
    clinic = topic.clinic
    written = set(topic.translations.values_list("language", flat=True))
    own = clinic_language(clinic)
    tabs = [
        LanguageTab(
            reverse("coaching:topic-edit", args=[topic.pk]), language_name(own), active == own, True
        )
    ]
    tabs += [
        LanguageTab(
            reverse("coaching:topic-translation", args=[topic.pk, code]),
            name,
            active == code,
            code in written,
        )
        for code, name in other_languages(clinic)
    ]
    return tabs


@staff_required
def topic_translation(request, pk, language):
    topic = selectors.topic_get(request.user, pk)
    clinic = request.user.clinic
    language = _language(clinic, language)
    row = topic_translation_get(topic, language)
    initial = {"title": row.title, "summary": row.summary, "body": row.body} if row else None
    form = EducationTopicTranslationForm(request.POST or None, initial=initial)
    _writing_in(form, language)
    if request.method == "POST" and form.is_valid():
        try:
            saved = education_topic_translate(
                clinic=clinic, by=request.user, topic=topic, language=language, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if saved is None:
                messages.success(
                    request,
                    gettext("The text in %(language)s is removed.")
                    % {"language": language_name(language)},
                )
            else:
                messages.success(request, gettext("Topic saved."))
            return redirect("coaching:topic-translation", pk=topic.pk, language=language)
    return render(
        request,
        "coaching/topic_translation.html",
        {
            "form": form,
            "topic": topic,
            "language_name": language_name(language),
            "own_language_name": language_name(clinic_language(clinic)),
            "tabs": topic_language_tabs(topic, language),
        },
    )


@staff_required
def screening_languages(request):
    """The clinic's extra screening conditions in its other languages, one language a page
    (``?language=``; the first other language when not given)."""
    clinic = request.user.clinic
    languages = other_languages(clinic)
    language = _language(clinic, request.GET.get("language") or languages[0][0])
    rows = screening_translations(clinic)
    row = rows.get(language)
    own_lines = clinic_conditions(clinic)
    form = ScreeningConditionsTranslationForm(
        request.POST or None, initial={"conditions": row.conditions} if row else None
    )
    _writing_in(form, language)
    here = f"{reverse('coaching:screening-languages')}?language={language}"
    if request.method == "POST" and form.is_valid():
        try:
            screening_conditions_translate(
                clinic=clinic, by=request.user, language=language, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, gettext("Screening conditions saved."))
            return redirect(here)
    tabs = [
        LanguageTab(
            f"{reverse('coaching:screening-languages')}?language={code}",
            name,
            code == language,
            code in rows and screening_translation_is_current(rows[code], clinic),
        )
        for code, name in languages
    ]
    return render(
        request,
        "coaching/screening_languages.html",
        {
            "form": form,
            "tabs": tabs,
            "own_lines": own_lines,
            "language_name": language_name(language),
            "own_language_name": language_name(clinic_language(clinic)),
            "out_of_date": row is not None and not screening_translation_is_current(row, clinic),
        },
    )
