"""Filters for the dashboard and the exports: text in, a ``Scope`` out, and plain words for
anything wrong."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from walkback.accounts.forms import ClinicSettingsForm, StaffInviteForm
from walkback.accounts.languages import language_choices
from walkback.accounts.models import User
from walkback.reports.models import Dataset, ExportFormat
from walkback.reports.selectors import Scope, physio_choices


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ScopeForm(forms.Form):
    date_from = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": gettext_lazy("Enter a date like 2025-03-31.")},
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": gettext_lazy("Enter a date like 2025-03-31.")},
    )
    physiotherapist: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label=gettext_lazy("Physiotherapist"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("All physiotherapists"),
        error_messages={
            "invalid_choice": gettext_lazy(
                "That physiotherapist is not one of your clinic's. Pick one from the list."
            ),
        },
    )

    def __init__(self, *args, user, today: dt.date, first_start: dt.date | None = None, **kw):
        super().__init__(*args, **kw)
        self.user = user
        self.today = today
        self.first_start = first_start
        self.notes: list[str] = []
        # self.fields is typed dict[str, Field]; this one is the ModelChoiceField above.
        field = cast("forms.ModelChoiceField[User]", self.fields["physiotherapist"])
        physios = physio_choices(user)
        field.queryset = physios
        # Listed once as plain pairs: the select then costs one query, not a count and a
        # select. Validation still goes through the queryset, so only this clinic's count.
        field.choices = [("", field.empty_label)] + [
            # Translators: a physiotherapist's name in a list, once their account is switched off.
            (pk, name if active else _("%(name)s (deactivated)") % {"name": name})
            for pk, name, active in physios.values_list("pk", "full_name", "is_active")
        ]

    def clean(self):
        super().clean()
        data = self.cleaned_data  # what Form.clean() returns
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error(
                "date_to",
                _("The period ends before it starts. Choose an end on or after %(day)s.")
                % {"day": date_format(start, _("j M Y"))},
            )
            return data
        if start and start > self.today:
            self.add_error("date_from", _("The period starts in the future: there is nothing yet."))
            return data
        # A period wider than the data is narrowed to the data, and the page says so.
        if end and end > self.today:
            data["date_to"] = self.today
            self.notes.append(
                _("There are no data after today, so the period ends on %(day)s.")
                % {"day": date_format(self.today, _("j M Y"))}
            )
        if start and self.first_start and start < self.first_start:
            data["date_from"] = self.first_start
            self.notes.append(
                _("Your clinic's first programme started on %(day)s, so the period starts then.")
                % {"day": date_format(self.first_start, _("j M Y"))}
            )
        return data

    def scope(self) -> Scope:
        physio = self.cleaned_data.get("physiotherapist")
        return Scope(
            clinic_id=self.user.clinic_id,
            physiotherapist_id=physio.pk if physio else None,
            date_from=self.cleaned_data.get("date_from"),
            date_to=self.cleaned_data.get("date_to"),
        )


class ExportForm(ScopeForm):
    dataset = forms.ChoiceField(label=gettext_lazy("What to export"), choices=Dataset.choices)
    format = forms.ChoiceField(
        label=gettext_lazy("File type"),
        choices=ExportFormat.choices,
        initial=ExportFormat.CSV,
        widget=forms.RadioSelect,
    )
    deidentified = forms.BooleanField(
        label=gettext_lazy("De-identified for research"),
        required=False,
        help_text=gettext_lazy(
            "Names and e-mails become stable pseudonyms, dates become days since the "
            "programme start, and free text is left out."
        ),
    )

    field_order = ["dataset", "format", "date_from", "date_to", "physiotherapist", "deidentified"]


class ClinicSettingsPageForm(ClinicSettingsForm):
    """The clinic settings page's form: the clinic's own settings and its language, what its
    people read when they have not chosen one (docs/languages.md)."""

    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        # Each language in its own name, so whoever reads the page finds theirs.
        choices=language_choices,
        # Left out (older forms and scripts send none), the clinic's language stays.
        required=False,
        help_text=gettext_lazy(
            "What patients and staff read, in pages, e-mails and texts, unless they chose "
            "their own language."
        ),
    )

    field_order = ["name", "language"]

    def clean_language(self) -> str | None:
        return self.cleaned_data.get("language") or None


class StaffInvitePageForm(StaffInviteForm):
    """The staff page's invitation, with the language the new colleague reads WalkBack in."""

    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=lambda: [("", gettext_lazy("The clinic's language")), *language_choices()],
        required=False,
        help_text=gettext_lazy("Their invitation and their pages are in this language."),
    )
