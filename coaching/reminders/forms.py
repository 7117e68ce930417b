from __future__ import annotations

import datetime as dt

from django import forms

from patients.models import WEEKDAY_CHOICES


class ReminderPreferencesForm(forms.Form):
    """The patient's reminder choices, as the signed link in every reminder shows them."""

    reminders_by_email = forms.BooleanField(label="Send me reminders by e-mail", required=False)
    reminder_days = forms.TypedMultipleChoiceField(
        label="Walk reminder on these days",
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reminder_time = forms.TimeField(
        label="At this time",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Your own local time. Leave empty for 8:00 in the morning.",
    )
    reminders_paused_until = forms.DateField(
        label="Pause all reminders until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Reminders start again on this day. Leave empty for no pause.",
    )

    def __init__(self, *args, patient, today: dt.date, **kwargs):
        self.patient, self.today = patient, today
        super().__init__(*args, **kwargs)

    def clean_reminders_paused_until(self):
        value = self.cleaned_data["reminders_paused_until"]
        if value is not None:
            if value <= self.today:
                raise forms.ValidationError("Pick a day after today, or leave it empty.")
            if value > self.today + dt.timedelta(days=366):
                raise forms.ValidationError("Pick a day within the next year.")
        return value
