from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients.limits import (
    BASELINE_MESSAGE,
    BASELINE_MINUTES_PER_WEEK,
    CLEARANCE_NOTE_MAX,
    CORRECTION_REASON_REQUIRED,
    WALK_CORRECTION_REASON_MAX,
    WALK_MINUTES,
    WALK_MINUTES_MESSAGE,
    lazy_message,
)
from patients.models import WEEKDAY_CHOICES, PatientStatus
from walkback.accounts.forms import phone_field
from walkback.accounts.languages import language_choices
from walkback.accounts.limits import GOAL_WEEK, MINUTES_PER_WALK, WALKS_PER_WEEK
from walkback.accounts.models import TIME_ZONE_CHOICES, User
from walkback.core.forms import SubmissionTokenMixin
from walkback.core.validators import validate_single_line

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
YES_NO = [("", _("Not asked yet")), ("yes", _("Yes")), ("no", _("No"))]


class PhysioChoiceField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": _("Choose a physiotherapist of your clinic.")}

    def label_from_instance(self, obj):
        return obj.full_name


class WeekdaysField(forms.TypedMultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=WEEKDAY_CHOICES,
            coerce=int,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"invalid_choice": _("Choose days of the week from the list.")},
            **kwargs,
        )


def patient_language_choices() -> list[tuple[str, str]]:
    """Blank (the clinic's language), then each language in its own name."""
    return [("", gettext("Clinic's language")), *language_choices()]


class PatientDetailsMixin(forms.Form):
    phone = phone_field()
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DATE, required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=TIME_ZONE_CHOICES)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=patient_language_choices,
        required=False,
        help_text=_("The language of the patient's pages, e-mails, texts and reminders."),
    )
    preferred_days = WeekdaysField(label=_("Preferred walking days"))
    preferred_time = forms.TimeField(label=_("Preferred walking time"), widget=TIME, required=False)
    # Optional: left out, the patient is the requesting physiotherapist's own.
    physiotherapist = PhysioChoiceField(
        label=_("Physiotherapist"), queryset=User.objects.none(), empty_label=None, required=False
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
        label=_("Full name"), max_length=150, validators=[validate_single_line]
    )
    email = forms.EmailField(label=_("E-mail address"))
    field_order = [
        "full_name",
        "email",
        "phone",
        "date_of_birth",
        "time_zone",
        "language",
        "preferred_days",
        "preferred_time",
        "physiotherapist",
    ]

    def __init__(self, *args, clinic=None, physios=None, me=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup(clinic=clinic, physios=physios, me=me)


class PatientEditForm(PatientDetailsMixin):
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, validators=[validate_single_line]
    )
    status = forms.ChoiceField(label=_("Stage"), choices=PatientStatus.choices)
    goal_walks_per_week = forms.IntegerField(
        label=_("Personal goal: walks per week"),
        min_value=WALKS_PER_WEEK.low,
        max_value=WALKS_PER_WEEK.high,
        required=False,
    )
    goal_minutes_per_walk = forms.IntegerField(
        label=_("Personal goal: minutes per walk"),
        min_value=MINUTES_PER_WALK.low,
        max_value=MINUTES_PER_WALK.high,
        required=False,
    )
    goal_week = forms.IntegerField(
        label=_("Reach the goal by programme week"),
        min_value=GOAL_WEEK.low,
        max_value=GOAL_WEEK.high,
        required=False,
    )
    field_order = [
        "full_name",
        "phone",
        "date_of_birth",
        "time_zone",
        "language",
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
                "language": patient.user.language,
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
            self.fields["goal_walks_per_week"].help_text = gettext(
                "Empty: the clinic's %(number)s."
            ) % {"number": clinic.goal_walks_per_week}
            self.fields["goal_minutes_per_walk"].help_text = gettext(
                "Empty: the clinic's %(number)s."
            ) % {"number": clinic.goal_minutes_per_walk}
            self.fields["goal_week"].help_text = gettext("Empty: the clinic's week %(week)s.") % {
                "week": clinic.goal_week
            }


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _yes_no_field(label: StrOrPromise) -> forms.TypedChoiceField:
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
        _("Recovered, in the last 6 months, from an episode of non-specific low back pain")
    )
    episode_lasted_24h = _yes_no_field(_("The episode lasted at least 24 hours"))
    able_to_walk = _yes_no_field(_("Able to walk for exercise"))
    already_active_3_per_week = _yes_no_field(
        _("Already walking or exercising moderately 3 or more times a week")
    )
    heart_or_circulation = forms.BooleanField(
        label=_("Heart or circulation problems"), required=False
    )
    balance_or_falls = forms.BooleanField(label=_("Balance problems or falls"), required=False)
    older_age = forms.BooleanField(
        label=_("Older age (as your clinic decides)"),
        required=False,
    )
    other_conditions = forms.MultipleChoiceField(
        label=_("Other conditions your clinic lists"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose conditions from your clinic's list.")},
    )
    clearance_date = forms.DateField(
        label=_("Doctor's clearance given on"),
        required=False,
        widget=DATE,
        help_text=_("Needed before the programme starts when any safety item above is ticked."),
    )
    clearance_note = forms.CharField(
        label=_("Clearance note"),
        max_length=CLEARANCE_NOTE_MAX,
        required=False,
        validators=[validate_single_line],
    )
    baseline_minutes_per_week = forms.IntegerField(
        label=_("Walking now (minutes in a usual week)"),
        min_value=BASELINE_MINUTES_PER_WEEK.low,
        max_value=BASELINE_MINUTES_PER_WEEK.high,
        required=False,
        error_messages={
            "min_value": BASELINE_MESSAGE,
            "max_value": BASELINE_MESSAGE,
            "invalid": _("Enter a whole number of minutes."),
        },
    )
    ineligible_reason = forms.CharField(
        label=_("Reason, if not eligible"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Left empty, the reason is written from the answers above."),
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
        label=_("Minutes"),
        min_value=WALK_MINUTES.low,
        max_value=WALK_MINUTES.high,
        error_messages=dict.fromkeys(
            ("required", "invalid", "min_value", "max_value"),
            WALK_MINUTES_MESSAGE,
        ),
    )
    walked_on = forms.DateField(
        label=_("Date of the walk"),
        widget=DATE,
        error_messages={
            "required": _("Give the date of the walk."),
            "invalid": _("Give a real date, for example 2025-03-31."),
        },
    )
    reason = forms.CharField(
        label=_("Reason (the patient reads it)"),
        max_length=WALK_CORRECTION_REASON_MAX,
        help_text=_('For example: "200 was a typing slip for 20, as we agreed by phone."'),
        error_messages={
            "required": CORRECTION_REASON_REQUIRED,
            "max_length": lazy_message(
                _("Please keep the reason to %(max)s characters."), max=WALK_CORRECTION_REASON_MAX
            ),
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
