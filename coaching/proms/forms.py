"""A questionnaire as a form, built from its instrument file: a 0-10 scale is a row of large
numbered buttons (radio chips), a choice is a list of large rows, a text answer one line.
``coaching.proms.scoring.validate_answers`` says what is missing or out of range, here and in
the service, so patients and staff get the same words."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coaching.proms.instruments import Instrument, Item
from coaching.proms.scoring import validate_answers


def _scale_choices(item: Item) -> list[tuple[int, str]]:
    assert item.min is not None and item.max is not None
    return [(n, str(n)) for n in range(item.min, item.max + 1)]


def _field(item: Item) -> forms.Field:
    if item.type == "scale":
        return forms.TypedChoiceField(
            label=item.text,
            choices=_scale_choices(item),
            coerce=int,
            empty_value=None,
            required=False,
            widget=forms.RadioSelect,
            help_text=f"{item.min} = {item.min_label}, {item.max} = {item.max_label}",
            error_messages={
                "invalid_choice": _("Pick a number from %(min)s to %(max)s.")
                % {"min": item.min, "max": item.max}
            },
        )
    if item.type == "choice":
        return forms.ChoiceField(
            label=item.text,
            choices=[(option.value, option.label) for option in item.options],
            required=False,
            widget=forms.RadioSelect,
            error_messages={"invalid_choice": _("Please pick one of the answers.")},
        )
    return forms.CharField(
        label=item.text,
        required=False,
        # Longer than allowed is left to the service's plain message, not cut silently.
        widget=forms.TextInput(attrs={"maxlength": item.max_length, "autocomplete": "off"}),
    )


class QuestionnaireForm(forms.Form):
    def __init__(self, *args, instrument: Instrument, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        for item in instrument.items:
            self.fields[item.key] = _field(item)
        self.scales = {item.key for item in instrument.items if item.type == "scale"}
        self.texts = {item.key for item in instrument.items if item.type == "text"}
        self.optional_fields = {item.key for item in instrument.items if not item.required}

    def clean(self):
        """Every problem at once: what the fields could not read (a number out of range) and,
        for the rest, what the scoring rules say is missing (the same words the service uses,
        which checks again before saving)."""
        cleaned = super().clean() or {}
        answers = {k: v for k, v in cleaned.items() if v not in (None, "") and k not in self.errors}
        for key, problem in validate_answers(self.instrument, answers).items():
            if key != "__all__" and key not in self.errors:
                self.add_error(key, problem)
        return cleaned

    def answers(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}


class QuestionnaireSettingsForm(forms.Form):
    instruments = forms.MultipleChoiceField(
        label=gettext_lazy("Questionnaires your patients answer"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    weeks = forms.CharField(
        label=gettext_lazy("Programme weeks they are asked"),
        help_text=gettext_lazy(
            "Week numbers separated by commas. 0 is at enrolment; 52 is 12 months."
        ),
        required=False,
    )

    def __init__(self, *args, available: list[Instrument], **kwargs):
        super().__init__(*args, **kwargs)
        choices = self.fields["instruments"]
        assert isinstance(choices, forms.MultipleChoiceField)
        choices.choices = [(i.key, f"{i.name} ({i.short_name})") for i in available]

    def clean_weeks(self) -> list[int]:
        text = self.cleaned_data["weeks"]
        parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
        if not all(part.isdigit() for part in parts):
            raise forms.ValidationError(
                _("Use whole week numbers separated by commas, e.g. 0, 12, 26.")
            )
        return [int(part) for part in parts]
