from __future__ import annotations

from django import forms

from walkback.accounts.models import TIME_ZONE_CHOICES


class PatientInviteForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=150)
    email = forms.EmailField(label="E-mail address")
    time_zone = forms.ChoiceField(label="Time zone", choices=TIME_ZONE_CHOICES)

    def __init__(self, *args, clinic=None, **kwargs):
        super().__init__(*args, **kwargs)
        if clinic is not None:
            self.fields["time_zone"].initial = clinic.time_zone
