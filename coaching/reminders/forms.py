"""The patient's reminder choices: one form for both pages that show them, the portal's
(``coaching.portal.forms`` adds its look) and the signed link in every reminder. It only
parses; the rules (a time with the days, a pause after today and within a year) are
``coaching.reminders.services.reminder_preferences_errors``, whose messages the views put
next to these fields."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from coaching.limits import REMINDER_PAUSE_MAX_DAYS
from patients.models import WEEKDAY_CHOICES


class ReminderPreferencesForm(forms.Form):
    reminders_by_email = forms.BooleanField(
        label=_("Send me reminders"),
        required=False,
        help_text=_(
            "Walk reminders on the days you pick, and reminders of sessions and check-ins."
        ),
    )
    reminder_days = forms.TypedMultipleChoiceField(
        label=_("Walk reminders on these days"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Pick days from Monday to Sunday.")},
    )
    reminder_time = forms.TimeField(
        label=_("Walk reminder time"),
        help_text=_("Your own local time. Needed if you picked days."),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": _("Please give a time, for example 07:30.")},
    )
    reminders_paused_until = forms.DateField(
        label=_("Pause all reminders until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "For a holiday or a break: reminders start again on this day, at most a year "
            "from now. Leave empty to keep them going."
        ),
        error_messages={"invalid": _("Please give a real date, for example 2024-06-03.")},
    )

    def __init__(self, *args, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if today is not None:  # the date picker offers the days the service accepts
            attrs = self.fields["reminders_paused_until"].widget.attrs
            attrs["min"] = (today + dt.timedelta(days=1)).isoformat()
            attrs["max"] = (today + dt.timedelta(days=REMINDER_PAUSE_MAX_DAYS)).isoformat()
