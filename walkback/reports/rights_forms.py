"""Forms of the clinic admin's data-rights pages (docs/security.md#data-rights): deciding how
an account is closed, the retention period, and the audit trail's filters."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import cast

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients.limits import RETENTION_YEARS
from patients.models import ClosingOutcome, Patient
from walkback.accounts.models import User
from walkback.audit.models import AuditAction
from walkback.audit.selectors import TrailFilter
from walkback.reports.forms import ScopeForm

OUTCOME = forms.ChoiceField(
    label=_("How to close it"),
    choices=ClosingOutcome.choices,
    widget=forms.RadioSelect,
    error_messages={
        "required": _("Choose how to close the account."),
        "invalid_choice": _("Choose one of the two ways to close the account."),
    },
)


class ClosingDecideForm(forms.Form):
    outcome = OUTCOME
    understood = forms.BooleanField(
        label=_("I understand this cannot be undone."),
        error_messages={"required": _("Tick the box to confirm: closing cannot be undone.")},
    )


def _with_years(message) -> str:
    return message % {"low": RETENTION_YEARS.low, "high": RETENTION_YEARS.high}


# The bounds go in when the message is shown, in the language of the moment.
_years = lazy(_with_years, str)


class RetentionForm(forms.Form):
    years = forms.IntegerField(
        label=_("Years to keep a discharged patient's details"),
        min_value=RETENTION_YEARS.low,
        max_value=RETENTION_YEARS.high,
        error_messages={
            "required": _years(_("Enter a number of years, from %(low)s to %(high)s.")),
            "invalid": _years(_("Enter a whole number of years, from %(low)s to %(high)s.")),
            "min_value": _years(_("Enter a number of years from %(low)s to %(high)s.")),
            "max_value": _years(_("Enter a number of years from %(low)s to %(high)s.")),
        },
        help_text=_(
            "Counted from the day of discharge. Australian health-records laws ask "
            "for at least 7 years for adults."
        ),
    )
    outcome = forms.ChoiceField(
        # Translators: what happens once the retention period is over ("Then: delete everything").
        label=_("Then"),
        choices=ClosingOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what happens when the time is over.")},
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name or gettext("Closed account #%(number)s") % {"number": obj.pk}


class TrailForm(forms.Form):
    # Labelled by ``Patient.__str__``: the name, or "Closed account (patient #id)".
    patient: forms.ModelChoiceField[Patient] = forms.ModelChoiceField(
        label=_("Patient"),
        queryset=Patient.objects.none(),
        required=False,
        empty_label=_("All patients"),
        error_messages={"invalid_choice": _("Pick a patient of your clinic from the list.")},
    )
    person = PersonChoiceField(
        label=_("Done by"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Anyone"),
        error_messages={"invalid_choice": _("Pick a person of your clinic from the list.")},
    )
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[("", _("Any action")), *AuditAction.choices],
        required=False,
        error_messages={"invalid_choice": _("Pick an action from the list.")},
    )
    # The dashboard's date fields, words and all (each form gets its own copy).
    date_from = ScopeForm.base_fields["date_from"]
    date_to = ScopeForm.base_fields["date_to"]

    def __init__(self, *args, patients, people, time_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["patient"]).queryset = patients
        cast(forms.ModelChoiceField, self.fields["person"]).queryset = people
        self.zone = zoneinfo.ZoneInfo(time_zone)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean() returns
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last and last < first:
            self.add_error("date_to", gettext("The end date is before the start date."))
        return cleaned

    def trail_filter(self) -> TrailFilter:
        """The filter asked for; whole days in the clinic's time zone."""
        data: dict = self.cleaned_data if self.is_valid() else {}
        first, last = data.get("date_from"), data.get("date_to")
        patient, person = data.get("patient"), data.get("person")
        return TrailFilter(
            patient_id=patient.pk if patient else None,
            actor_id=person.pk if person else None,
            action=data.get("action") or "",
            starts=self._midnight(first) if first else None,
            ends=self._midnight(last + dt.timedelta(days=1)) if last else None,
        )

    def _midnight(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tzinfo=self.zone)
