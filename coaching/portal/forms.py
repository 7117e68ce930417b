"""Forms of the patient's pages. They turn text into typed values and say what is wrong in
plain words; the rules themselves (dates, bounds, the edit window) live in the services, whose
``ValidationError``s the views put next to the same fields
(``walkback.core.forms.add_service_errors``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coaching.reminders import forms as reminder_forms
from coaching.services.adverse_events import DESCRIPTION_MAX
from patients.limits import PAIN, STEPS, WALK_MINUTES, WALK_NOTE_MAX
from patients.models import BodyRegion, CareType, Severity, WalkingRelated
from patients.services.check_ins import MISSED_MONTH_UNANSWERED
from walkback.core.forms import SubmissionTokenMixin

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

QUICK_MINUTES = [10, 15, 20, 30, 45, 60]
PAIN_CHOICES = [(n, str(n)) for n in range(PAIN.low, PAIN.high + 1)]
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _lazy_format(message, **values):
    """``message % values``, worked out when shown, in the language of that moment."""
    return lazy(lambda: str(message) % values, str)()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=DateInput,
        error_messages={
            "required": _("Please give the date."),
            "invalid": _("Please give a real date, for example 2024-06-03."),
        },
        **kwargs,
    )


def _whole_number(label, message, **kwargs) -> forms.IntegerField:
    """A number field whose every complaint (not a number, too small, too big) is ``message``:
    one clear sentence beats three technical ones."""
    return forms.IntegerField(
        label=label,
        error_messages={
            "invalid": message,
            "min_value": message,
            "max_value": message,
            "required": message,
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        **kwargs,
    )


def _yes_no(label, **kwargs) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please answer Yes or No."),
            "invalid_choice": _("Yes or No."),
        },
        **kwargs,
    )


def _pain(label, *, required: bool, empty=None, help_text=None):
    return forms.TypedChoiceField(
        label=label,
        choices=[("", empty or (_("Choose a number") if required else _("Skip"))), *PAIN_CHOICES],
        coerce=int,
        empty_value=None,
        required=required,
        help_text=help_text or _("0 means no pain, 10 means the worst pain you can imagine."),
        error_messages={
            "required": _("Pick a number from 0 (no pain) to 10 (worst pain)."),
            "invalid_choice": _("Back pain is a number from 0 (no pain) to 10 (worst pain)."),
        },
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class PortalForm(forms.Form):
    """Bootstrap classes on every input, and the names of optional fields for the labels."""

    optional_fields: frozenset[str] = frozenset()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                continue
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class WalkForm(PortalForm):
    walked_on = _date_field(_("Date of the walk"))
    quick_minutes = forms.TypedChoiceField(
        label=_("Quick choice"),
        # Translators: a button with a number of minutes, e.g. "30 min".
        choices=[(n, _lazy_format(_("%(minutes)s min"), minutes=n)) for n in QUICK_MINUTES],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    minutes = _whole_number(
        _("Minutes"),
        _lazy_format(
            _("Minutes must be a whole number from %(low)s to %(high)s."),
            low=f"{WALK_MINUTES.low:,}",
            high=f"{WALK_MINUTES.high:,}",
        ),
        required=False,
        min_value=WALK_MINUTES.low,
        max_value=WALK_MINUTES.high,
        help_text=_("Tap a quick choice above, or type the minutes here."),
    )
    steps = _whole_number(
        _("Steps"),
        _lazy_format(
            _("Steps must be a whole number from %(low)s to %(high)s."),
            low=f"{STEPS.low:,}",
            high=f"{STEPS.high:,}",
        ),
        required=False,
        min_value=STEPS.low,
        max_value=STEPS.high,
        help_text=_("Only if you counted them."),
    )
    pain = _pain(_("Back pain right now"), required=False)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=WALK_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": _lazy_format(
                _("Please keep the note to %(count)s characters."), count=WALK_NOTE_MAX
            ),
        },
    )
    submission_token = forms.UUIDField(required=False, widget=forms.HiddenInput)
    # Sent by the "Yes, I walked N minutes" button of the "are you sure?" question (never an
    # input of its own): the minutes the patient confirmed.
    confirm_minutes = forms.IntegerField(required=False, widget=forms.HiddenInput)

    optional_fields = frozenset({"steps", "pain", "note"})
    WALK_FIELDS = ("walked_on", "minutes", "steps", "pain", "note")

    def __init__(self, *args, today=None, earliest=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Let the phone's date picker offer only days a walk can have (the service checks too).
        if today is not None:
            self.fields["walked_on"].widget.attrs["max"] = today.isoformat()
        if earliest is not None:
            self.fields["walked_on"].widget.attrs["min"] = earliest.isoformat()

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean() returns
        if "minutes" in self.errors:
            return cleaned
        minutes = cleaned.get("minutes") or cleaned.get("quick_minutes")
        if minutes is None:
            self.add_error(
                "minutes",
                gettext("How many minutes did you walk? Tap a quick choice or type the minutes."),
            )
        cleaned["minutes"] = minutes
        return cleaned

    def walk_values(self) -> dict:
        data = self.cleaned_data
        return {name: data.get(name) for name in self.WALK_FIELDS}


class CheckInQuestions(PortalForm):
    """The questions about an episode of back pain, asked when there was one (the service
    says so next to each field left empty)."""

    onset_date = _date_field(
        _("When did it start?"),
        required=False,
        help_text=_("Your best guess is fine. If you had more than one bout, the first one."),
    )
    lasted_24_hours = _yes_no(_("Did it last a whole day (24 hours) or longer?"), required=False)
    limited_activity = _yes_no(
        _("Did it stop you doing your usual activities?"),
        required=False,
        help_text=_("Work, housework, walking or other things you normally do."),
    )
    care_sought = _yes_no(_("Did you see anyone about it?"), required=False)
    care_type = forms.ChoiceField(
        label=_("Who did you see?"),
        choices=[("", _("Choose one"))] + [(v, label) for v, label in CareType.choices if v],
        required=False,
        help_text=_("Only if you saw someone."),
        error_messages={"invalid_choice": _("Choose who you saw from the list.")},
    )
    days_to_recovery = _whole_number(
        _("How many days until you felt recovered?"),
        _("Please give a number of days from 0 to 400."),
        required=False,
        min_value=0,
        max_value=400,
        help_text=_("Leave empty if you have not recovered yet."),
    )
    # Required when there was pain; the service says so next to the field.
    average_pain = _pain(
        _("Average pain during that time"), required=False, empty=_("Choose a number")
    )
    worst_pain = _pain(_("Worst pain during that time"), required=False, empty=_("Choose a number"))
    days_off_work = _whole_number(
        _("Days off work or usual activities because of it"),
        _("Please give a number of days from 0 to 400."),
        required=False,
        min_value=0,
        max_value=400,
        help_text=_("0 if none, or if you do not work."),
    )

    optional_fields = frozenset({"days_to_recovery", "days_off_work"})


class CheckInForm(CheckInQuestions):
    any_pain = _yes_no(_("Have you had any back pain in the last month?"))

    def answers(self) -> dict:
        return dict(self.cleaned_data)


DONT_REMEMBER = "unknown"


class MissedMonthForm(CheckInQuestions):
    """The same questions about one missed month, asked again at a later check-in
    (docs/clinical-rules.md#monthly-check-ins), with a plain way out: "I don't remember"
    records the month as unknown. Prefixed ``month<N>``, so several fit in one page."""

    any_pain = forms.ChoiceField(
        label=_("Did you have any back pain in that time?"),
        choices=[*YES_NO, (DONT_REMEMBER, _("I don't remember"))],
        widget=forms.RadioSelect,
        error_messages={
            "required": MISSED_MONTH_UNANSWERED,
            "invalid_choice": _("Yes, No or I don't remember."),
        },
    )

    def __init__(self, *args, month, **kwargs):
        super().__init__(*args, prefix=f"month{month.month_number}", **kwargs)
        self.month = month
        self.fields["onset_date"].widget.attrs.update(
            min=month.starts_on.isoformat(), max=month.ends_on.isoformat()
        )

    def answers(self) -> dict | None:
        """The answers, or None for "I don't remember"."""
        data = dict(self.cleaned_data)
        if data["any_pain"] == DONT_REMEMBER:
            return None
        data["any_pain"] = data["any_pain"] == "yes"
        return data


class AdverseEventForm(SubmissionTokenMixin, PortalForm):
    occurred_on = _date_field(_("When did it happen?"))
    body_region = forms.ChoiceField(
        label=_("Where in your body?"),
        choices=BodyRegion.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose where in your body the problem is."),
            "invalid_choice": _("Choose where in your body the problem is."),
        },
    )
    severity = forms.ChoiceField(
        label=_("How bad is it?"),
        choices=Severity.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how bad it is."),
            "invalid_choice": _("Choose how bad it is."),
        },
    )
    related_to_walking = forms.ChoiceField(
        label=_("Do you think walking caused it?"),
        choices=WalkingRelated.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose Yes, No or Not sure."),
            "invalid_choice": _("Choose Yes, No or Not sure."),
        },
    )
    description = forms.CharField(
        label=_("Tell us more"),
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "max_length": _lazy_format(
                _("Please keep this to %(count)s characters."), count=f"{DESCRIPTION_MAX:,}"
            )
        },
    )

    optional_fields = frozenset({"description"})

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        if today is not None:
            self.fields["occurred_on"].widget.attrs["max"] = today.isoformat()


class ReminderPreferencesForm(PortalForm, reminder_forms.ReminderPreferencesForm):
    """The signed-link page's form, in the portal's look: both pages say the same. The
    portal's also asks how reminders should reach the patient (``reminder_channels``)."""

    optional_fields = frozenset({"reminder_days", "reminders_paused_until"})

    reminder_channels = forms.MultipleChoiceField(
        label=_("How should we remind you?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Pick one or more."),
        error_messages={"invalid_choice": _("Pick from the ways listed here.")},
    )
    field_order = ["reminders_by_email", "reminder_channels"]

    def __init__(self, *args, channels_offered: Sequence[tuple[str, StrOrPromise]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reminder_channels"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = list(channels_offered)
