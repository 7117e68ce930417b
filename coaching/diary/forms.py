"""The rebooking form: a free slot from the list, or a day and time of one's own."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

SLOT_FORMAT = "%Y-%m-%dT%H:%M"
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def slot_value(moment: dt.datetime, zone: dt.tzinfo) -> str:
    """A slot as the form sends it: the clinic's wall-clock time, readable in the request."""
    return moment.astimezone(zone).strftime(SLOT_FORMAT)


class DiaryRebookForm(forms.Form):
    # The list of free slots is drawn by the template (grouped by day); the field takes the
    # chosen value. Whether it is still free is the service's to say: the list may be minutes
    # old when it is sent.
    slot = forms.CharField(required=False, widget=forms.HiddenInput)
    custom_day = forms.DateField(label=gettext_lazy("Another day"), required=False, widget=DATE)
    custom_time = forms.TimeField(
        label=pgettext_lazy("time of day", "At"), required=False, widget=TIME
    )

    def __init__(self, *args, zone: dt.tzinfo, **kwargs):
        self.zone = zone
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data  # what Form.clean() returns
        slot = data.get("slot") or ""
        day, time = data.get("custom_day"), data.get("custom_time")
        if slot:
            try:
                naive = dt.datetime.strptime(slot, SLOT_FORMAT)
            except ValueError:
                raise forms.ValidationError(
                    _("That time could not be read. Choose one of the free times.")
                ) from None
            data["scheduled_at"] = naive.replace(tzinfo=self.zone)
        elif day or time:
            if day is None and "custom_day" not in self.errors:
                self.add_error("custom_day", _("Enter the day as well as the time."))
            if time is None and "custom_time" not in self.errors:
                self.add_error("custom_time", _("Enter the time as well as the day."))
            if day is not None and time is not None:
                data["scheduled_at"] = dt.datetime.combine(day, time, tzinfo=self.zone)
        elif not self.errors:
            raise forms.ValidationError(_("Choose one of the free times, or enter a day and time."))
        return data

    def service_field(self) -> str | None:
        """Where the service's complaint about the time belongs: next to the day and time
        typed, or at the top for a slot chosen from the list."""
        return "custom_time" if not self.cleaned_data.get("slot") else None
