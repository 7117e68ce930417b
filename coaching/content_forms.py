"""Forms for the clinic's own content in other languages (docs/content-languages.md)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from coaching.limits import TEXT_MAX
from walkback.core.forms import SubmissionTokenMixin
from walkback.core.validators import validate_single_line


class EducationTopicTranslationForm(SubmissionTokenMixin, forms.Form):
    """A topic's text in one more language. Every field empty removes that language's text."""

    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=120,
        required=False,
        validators=[validate_single_line],
    )
    summary = forms.CharField(
        label=gettext_lazy("One-line summary"),
        max_length=300,
        required=False,
        validators=[validate_single_line],
    )
    body = forms.CharField(
        label=gettext_lazy("Text the patient reads"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=gettext_lazy(
            "Plain words. Leave an empty line between paragraphs. Empty every box and save to "
            "remove this language: patients then read the clinic's own text."
        ),
    )


class ScreeningConditionsTranslationForm(forms.Form):
    """The clinic's extra screening conditions in one more language."""

    conditions = forms.CharField(
        label=gettext_lazy("The same conditions in this language"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "One per line, in the same order as your clinic's list. Leave empty to show your "
            "clinic's list instead."
        ),
    )
