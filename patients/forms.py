from __future__ import annotations

from typing import cast

from django import forms

from patients.limits import (
    BASELINE_MESSAGE,
    BASELINE_MINUTES_PER_WEEK,
    CLEARANCE_NOTE_MAX,
    WALK_CORRECTION_REASON_MAX,
    WALK_MINUTES,
)
from patients.models import WEEKDAY_CHOICES, PatientStatus
from walkback.accounts.forms import phone_field
from walkback.accounts.limits import GOAL_WEEK, MINUTES_PER_WALK, WALKS_PER_WEEK
from walkback.accounts.models import TIME_ZONE_CHOICES, User
from walkback.core.forms import SubmissionTokenMixin
from walkback.core.validators import validate_single_line

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
YES_NO = [("", "Not asked yet"), ("yes", "Yes"), ("no", "No")]


class PhysioChoiceField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": "Choose a physiotherapist of your clinic."}

    def label_from_instance(self, obj):
        return obj.full_name


class WeekdaysField(forms.TypedMultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=WEEKDAY_CHOICES,
            coerce=int,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"invalid_choice": "Choose days of the week from the list."},
            **kwargs,
        )


class PatientDetailsMixin(forms.Form):
    phone = phone_field()
    date_of_birth = forms.DateField(label="Date of birth", widget=DATE, required=False)
    time_zone = forms.ChoiceField(label="Time zone", choices=TIME_ZONE_CHOICES)
    preferred_days = WeekdaysField(label="Preferred walking days")
    preferred_time = forms.TimeField(label="Preferred walking time", widget=TIME, required=False)
    # Optional: left out, the patient is the requesting physiotherapist's own.
    physiotherapist = PhysioChoiceField(
        label="Physiotherapist", queryset=User.objects.none(), empty_label=None, required=False
    )

    def setup(self, *, clinic=None, physios=None, me=None):
        if clinic is not None:
            self.fields["time_zone"].initial = clinic.time_zone
        if physios is not None:
            # self.fields is typed dict[str, Field]; this one is the PhysioChoiceField above.
            cast(forms.ModelChoiceField, self.fields["physiotherapist"]).queryset = physios
        if me is not None:
            self.fields["physiotherapist"].initial = me.pk


class PatientInviteForm(SubmissionTokenMixin, PatientDetailsMixin):
    """Enrolment: the patient's record and their invitation, in one step."""

    full_name = forms.CharField(
        label="Full name", max_length=150, validators=[validate_single_line]
    )
    email = forms.EmailField(label="E-mail address")
    field_order = [
        "full_name",
        "email",
        "phone",
        "date_of_birth",
        "time_zone",
        "preferred_days",
        "preferred_time",
        "physiotherapist",
    ]

    def __init__(self, *args, clinic=None, physios=None, me=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup(clinic=clinic, physios=physios, me=me)


class PatientEditForm(PatientDetailsMixin):
    full_name = forms.CharField(
        label="Full name", max_length=150, validators=[validate_single_line]
    )
    status = forms.ChoiceField(label="Stage", choices=PatientStatus.choices)
    goal_walks_per_week = forms.IntegerField(
        label="Personal goal: walks per week",
        min_value=WALKS_PER_WEEK.low,
        max_value=WALKS_PER_WEEK.high,
        required=False,
    )
    goal_minutes_per_walk = forms.IntegerField(
        label="Personal goal: minutes per walk",
        min_value=MINUTES_PER_WALK.low,
        max_value=MINUTES_PER_WALK.high,
        required=False,
    )
    goal_week = forms.IntegerField(
        label="Reach the goal by programme week",
        min_value=GOAL_WEEK.low,
        max_value=GOAL_WEEK.high,
        required=False,
    )
    field_order = [
        "full_name",
        "phone",
        "date_of_birth",
        "time_zone",
        "preferred_days",
        "preferred_time",
    ]

    def __init__(self, *args, patient=None, physios=None, **kwargs):
        if patient is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "full_name": patient.user.full_name,
                "phone": patient.user.phone,
                "date_of_birth": patient.date_of_birth,
                "time_zone": patient.time_zone,
                "preferred_days": patient.preferred_days,
                "preferred_time": patient.preferred_time,
                "physiotherapist": patient.physiotherapist_id,
                "status": patient.status,
                "goal_walks_per_week": patient.goal_walks_per_week,
                "goal_minutes_per_walk": patient.goal_minutes_per_walk,
                "goal_week": patient.goal_week,
            }
        super().__init__(*args, **kwargs)
        self.setup(physios=physios)
        self.fields["physiotherapist"].required = True
        if patient is not None:
            clinic = patient.clinic
            self.fields[
                "goal_walks_per_week"
            ].help_text = f"Empty: the clinic's {clinic.goal_walks_per_week}."
            self.fields[
                "goal_minutes_per_walk"
            ].help_text = f"Empty: the clinic's {clinic.goal_minutes_per_walk}."
            self.fields["goal_week"].help_text = f"Empty: the clinic's week {clinic.goal_week}."


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _yes_no_field(label: str) -> forms.TypedChoiceField:
    """Yes / No, or not asked yet (which keeps the screening open)."""
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=_yes_no,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )


class ScreeningForm(forms.Form):
    recovered_in_last_6_months = _yes_no_field(
        "Recovered, in the last 6 months, from an episode of non-specific low back pain"
    )
    episode_lasted_24h = _yes_no_field("The episode lasted at least 24 hours")
    able_to_walk = _yes_no_field("Able to walk for exercise")
    already_active_3_per_week = _yes_no_field(
        "Already walking or exercising moderately 3 or more times a week"
    )
    heart_or_circulation = forms.BooleanField(label="Heart or circulation problems", required=False)
    balance_or_falls = forms.BooleanField(label="Balance problems or falls", required=False)
    older_age = forms.BooleanField(
        label="Older age (as your clinic decides)",
        required=False,
    )
    other_conditions = forms.MultipleChoiceField(
        label="Other conditions your clinic lists",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose conditions from your clinic's list."},
    )
    clearance_date = forms.DateField(
        label="Doctor's clearance given on",
        required=False,
        widget=DATE,
        help_text="Needed before the programme starts when any safety item above is ticked.",
    )
    clearance_note = forms.CharField(
        label="Clearance note",
        max_length=CLEARANCE_NOTE_MAX,
        required=False,
        validators=[validate_single_line],
    )
    baseline_minutes_per_week = forms.IntegerField(
        label="Walking now (minutes in a usual week)",
        min_value=BASELINE_MINUTES_PER_WEEK.low,
        max_value=BASELINE_MINUTES_PER_WEEK.high,
        required=False,
        error_messages={
            "min_value": BASELINE_MESSAGE,
            "max_value": BASELINE_MESSAGE,
            "invalid": "Enter a whole number of minutes.",
        },
    )
    ineligible_reason = forms.CharField(
        label="Reason, if not eligible",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Left empty, the reason is written from the answers above.",
    )

    def __init__(
        self, *args, conditions=(), conditions_note="", screening=None, patient=None, **kwargs
    ):
        if "initial" not in kwargs:
            initial = {}
            if screening is not None:
                for name in (
                    "recovered_in_last_6_months",
                    "episode_lasted_24h",
                    "able_to_walk",
                    "already_active_3_per_week",
                ):
                    value = getattr(screening, name)
                    initial[name] = "" if value is None else ("yes" if value else "no")
                for name in (
                    "heart_or_circulation",
                    "balance_or_falls",
                    "older_age",
                    "other_conditions",
                    "clearance_date",
                    "clearance_note",
                ):
                    initial[name] = getattr(screening, name)
            if patient is not None:
                initial["baseline_minutes_per_week"] = patient.baseline_minutes_per_week
                initial["ineligible_reason"] = patient.ineligible_reason
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        # self.fields is typed dict[str, Field]; this one is the MultipleChoiceField above.
        # A condition is the clinic's own line, or (that line, the line in the reader's
        # language): the value stored stays the clinic's line (docs/content-languages.md).
        cast(forms.ChoiceField, self.fields["other_conditions"]).choices = [
            (c, c) if isinstance(c, str) else tuple(c) for c in conditions
        ]
        if conditions_note:
            self.fields["other_conditions"].help_text = conditions_note
        if not conditions:
            del self.fields["other_conditions"]


class WalkCorrectionForm(forms.Form):
    """A physiotherapist's correction of a walk: the new minutes and date, and why. The rules
    (dates, bounds) are ``patients.services.walks.walk_correct``'s."""

    minutes = forms.IntegerField(
        label="Minutes",
        min_value=WALK_MINUTES.low,
        max_value=WALK_MINUTES.high,
        error_messages=dict.fromkeys(
            ("required", "invalid", "min_value", "max_value"),
            f"Minutes must be a whole number {WALK_MINUTES.words}.",
        ),
    )
    walked_on = forms.DateField(
        label="Date of the walk",
        widget=DATE,
        error_messages={
            "required": "Give the date of the walk.",
            "invalid": "Give a real date, for example 2025-03-31.",
        },
    )
    reason = forms.CharField(
        label="Reason (the patient reads it)",
        max_length=WALK_CORRECTION_REASON_MAX,
        help_text='For example: "200 was a typing slip for 20, as we agreed by phone."',
        error_messages={
            "required": "Say why you are correcting the walk: the patient reads it.",
            "max_length": f"Please keep the reason to {WALK_CORRECTION_REASON_MAX} characters.",
        },
    )

    def __init__(self, *args, earliest=None, latest=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Let the date picker offer only days the walk can have (the service checks too).
        attrs = self.fields["walked_on"].widget.attrs
        if earliest is not None:
            attrs["min"] = earliest.isoformat()
        if latest is not None:
            attrs["max"] = latest.isoformat()
