"""Forms turn text into typed values and say what is wrong in plain words; the rules
themselves live in ``coaching.services``."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from coaching.flags import FLAG_CHOICES
from coaching.limits import CONFIDENCE, RATIONALE_MAX, SESSION_MINUTES, TEXT_MAX
from coaching.models import CoachingSession, EducationTopic, SessionMode, SessionPurpose
from coaching.selectors import SORTS
from patients.models import PatientStatus
from walkback.accounts.limits import (
    CHECK_IN_CATCH_UP,
    CHECK_IN_MONTHS,
    GOAL_WEEK,
    MINUTES_PER_WALK,
    WALKS_PER_WEEK,
)
from walkback.core.forms import SubmissionTokenMixin
from walkback.core.validators import validate_single_line

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
CONFIDENCE_CHOICES = [("", _("Not asked"))] + [
    (str(n), str(n)) for n in range(CONFIDENCE.low, CONFIDENCE.high + 1)
]


def _filled(message, **values):
    """``message % values``, translated when it is shown (the forms are built at import)."""
    return lazy(lambda: str(message) % values, str)()


WALKS_MESSAGE = _filled(
    _("Walks per week must be a whole number from %(low)s to %(high)s."),
    low=WALKS_PER_WEEK.low,
    high=WALKS_PER_WEEK.high,
)
MINUTES_MESSAGE = _filled(
    _("Minutes per walk must be a whole number from %(low)s to %(high)s."),
    low=MINUTES_PER_WALK.low,
    high=MINUTES_PER_WALK.high,
)


class CaseloadFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by name"), required=False, max_length=100)
    scope = forms.ChoiceField(
        label=_("Whose patients"),
        choices=[("mine", _("My patients")), ("all", _("Everyone in the clinic"))],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Stage"),
        choices=[("", pgettext_lazy("patient stage", "Current")), *PatientStatus.choices],
        required=False,
    )
    flag = forms.ChoiceField(
        label=_("Flag"), choices=[("", pgettext_lazy("flag", "Any")), *FLAG_CHOICES], required=False
    )
    sort = forms.ChoiceField(label=_("Sort"), choices=list(SORTS.items()), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("scope", "status", "flag", "sort"):
            self.fields[name].widget.attrs["class"] = "form-select"

    def values(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "query": data.get("q", ""),
            "mine": data.get("scope", "mine") != "all",
            "status": data.get("status", ""),
            "flag": data.get("flag", ""),
            "sort": data.get("sort") or "attention",
        }


def _combine(day: dt.date, time: dt.time, zone) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=zone)


class ProgrammeStartForm(forms.Form):
    start_on = forms.DateField(label=_("Programme start (date of Session 1)"), widget=DATE)
    session_time = forms.TimeField(
        label=_("Session time"),
        widget=TIME,
        initial=dt.time(10, 0),
        help_text=_(
            "Sessions 2 to 6 are booked at the same time on the default schedule; "
            "you can change each one afterwards."
        ),
    )


class VideoLinkNeededMixin(forms.Form):
    """A video session is only useful with the link to join it."""

    def clean(self):
        super().clean()
        data = self.cleaned_data  # what Form.clean() returns
        if data.get("mode") == SessionMode.VIDEO and not data.get("video_link"):
            self.add_error("video_link", _("A video session needs the link to join it."))
        return data


class SessionPlanForm(VideoLinkNeededMixin, forms.Form):
    """When and how: the booking part of a session."""

    date = forms.DateField(label=_("Date"), widget=DATE)
    time = forms.TimeField(label=_("Time"), widget=TIME)
    duration_minutes = forms.IntegerField(
        label=_("Length (minutes)"),
        min_value=SESSION_MINUTES.low,
        max_value=SESSION_MINUTES.high,
        error_messages={
            "min_value": _("A session lasts at least %(limit_value)s minutes."),
            "max_value": _("A session lasts at most %(limit_value)s minutes."),
            "invalid": _("Enter the length in whole minutes."),
        },
    )
    mode = forms.ChoiceField(label=_("How"), choices=SessionMode.choices)
    video_link = forms.URLField(
        label=_("Video link"), required=False, assume_scheme="https", max_length=200
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=SessionPurpose.choices)

    def __init__(self, *args, zone=None, session: CoachingSession | None = None, **kwargs):
        self.zone = zone
        if session is not None and "initial" not in kwargs:
            local = session.scheduled_at.astimezone(zone)
            kwargs["initial"] = {
                "date": local.date(),
                "time": local.time().replace(second=0, microsecond=0),
                "duration_minutes": session.duration_minutes,
                "mode": session.mode,
                "video_link": session.video_link,
                "purpose": session.purpose,
            }
        super().__init__(*args, **kwargs)

    def changes(self) -> dict:
        data = self.cleaned_data
        return {
            "scheduled_at": _combine(data["date"], data["time"], self.zone),
            "duration_minutes": data["duration_minutes"],
            "mode": data["mode"],
            "video_link": data["video_link"],
            "purpose": data["purpose"],
        }


class SessionRebookForm(VideoLinkNeededMixin, forms.Form):
    date = forms.DateField(label=_("New date"), widget=DATE)
    time = forms.TimeField(label=_("New time"), widget=TIME)
    mode = forms.ChoiceField(label=_("How"), choices=SessionMode.choices)
    video_link = forms.URLField(
        label=_("Video link"), required=False, assume_scheme="https", max_length=200
    )

    def __init__(self, *args, zone=None, **kwargs):
        self.zone = zone
        super().__init__(*args, **kwargs)

    def changes(self) -> dict:
        data = self.cleaned_data
        return {
            "scheduled_at": _combine(data["date"], data["time"], self.zone),
            "mode": data["mode"],
            "video_link": data["video_link"],
        }


class TopicChoiceField(forms.ModelMultipleChoiceField):
    default_error_messages = {
        "invalid_choice": _("Choose topics from your clinic's library."),
        "invalid_pk_value": _("Choose topics from your clinic's library."),
    }

    def label_from_instance(self, obj):
        return obj.title


class SessionRecordForm(forms.Form):
    """What happened: the coaching record of a session."""

    topics = TopicChoiceField(
        label=_("Topics covered"),
        queryset=EducationTopic.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    goals = forms.CharField(
        label=_("Goals"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    barriers = forms.CharField(
        label=_("Barriers"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    action_plan = forms.CharField(
        label=_("Action plan"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confidence = forms.TypedChoiceField(
        label=_("Confidence to follow the plan (0 = not at all, 10 = completely)"),
        choices=CONFIDENCE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={
            "invalid_choice": _filled(
                _("Confidence is a number from %(low)s to %(high)s."),
                low=CONFIDENCE.low,
                high=CONFIDENCE.high,
            )
        },
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, topics=None, session: CoachingSession | None = None, **kwargs):
        if session is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "topics": [t.pk for t in session.topics.all()],
                "goals": session.goals,
                "barriers": session.barriers,
                "action_plan": session.action_plan,
                "confidence": session.confidence,
                "notes": session.notes,
            }
        super().__init__(*args, **kwargs)
        if topics is not None:
            # self.fields is typed dict[str, Field]; this one is a ModelMultipleChoiceField.
            cast(forms.ModelChoiceField, self.fields["topics"]).queryset = topics


STATUS_ACTIONS = [
    ("done", pgettext_lazy("session status", "Done")),
    ("missed", pgettext_lazy("session status", "Missed")),
    ("cancelled", pgettext_lazy("session status", "Cancelled")),
]


class SessionStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=STATUS_ACTIONS,
        error_messages={"invalid_choice": _("Choose done, missed or cancelled.")},
    )


class SessionChoiceField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": _("Choose one of this patient's sessions.")}

    def label_from_instance(self, obj):
        # Translators: a session and its status, e.g. "Session 2 (planned)".
        return gettext("%(session)s (%(status)s)") % {
            "session": obj.label,
            "status": obj.get_status_display().lower(),
        }


class PrescriptionForm(SubmissionTokenMixin, forms.Form):
    walks_per_week = forms.IntegerField(
        label=_("Walks per week"),
        min_value=WALKS_PER_WEEK.low,
        max_value=WALKS_PER_WEEK.high,
        error_messages={
            "min_value": WALKS_MESSAGE,
            "max_value": WALKS_MESSAGE,
            "invalid": WALKS_MESSAGE,
            "required": _("Enter how many walks a week."),
        },
    )
    minutes_per_walk = forms.IntegerField(
        label=_("Minutes per walk"),
        min_value=MINUTES_PER_WALK.low,
        max_value=MINUTES_PER_WALK.high,
        error_messages={
            "min_value": MINUTES_MESSAGE,
            "max_value": MINUTES_MESSAGE,
            "invalid": MINUTES_MESSAGE,
            "required": _("Enter how many minutes each walk lasts."),
        },
    )
    effective_from = forms.DateField(label=_("In force from"), widget=DATE)
    session = SessionChoiceField(
        label=_("Set at"),
        queryset=CoachingSession.objects.none(),
        required=False,
        empty_label=_("Between sessions"),
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        max_length=RATIONALE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say in a sentence why: it is kept with the prescription.")},
    )
    rises = forms.BooleanField(
        label=_("Step up each week the patient is close to target"),
        required=False,
        initial=True,
        help_text=_(
            "Follows the clinic's programme rules until the goal; steps down when pain "
            "rises. Untick to hold this dose until you change it."
        ),
    )
    confirmed_because = forms.CharField(
        label=_("Reason, if asked to confirm"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Only needed for a dose above the goal, or a rise larger than the clinic's "
            "largest step."
        ),
    )

    def __init__(self, *args, sessions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if sessions is not None:
            # self.fields is typed dict[str, Field]; this one is a ModelChoiceField.
            cast(forms.ModelChoiceField, self.fields["session"]).queryset = sessions


class EducationTopicForm(SubmissionTokenMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120, validators=[validate_single_line])
    summary = forms.CharField(
        label=_("One-line summary"),
        max_length=300,
        required=False,
        validators=[validate_single_line],
    )
    body = forms.CharField(
        label=_("Text the patient reads"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Plain words. Leave an empty line between paragraphs."),
    )
    position = forms.IntegerField(
        label=_("Order in the list"), min_value=0, max_value=1000, initial=0
    )
    is_active = forms.BooleanField(label=_("Show this topic"), required=False, initial=True)


class ProgrammeSettingsForm(forms.Form):
    goal_walks_per_week = forms.IntegerField(
        label=_("Goal: walks per week"),
        min_value=WALKS_PER_WEEK.low,
        max_value=WALKS_PER_WEEK.high,
    )
    goal_minutes_per_walk = forms.IntegerField(
        label=_("Goal: minutes per walk"),
        min_value=MINUTES_PER_WALK.low,
        max_value=MINUTES_PER_WALK.high,
    )
    goal_week = forms.IntegerField(
        label=_("Reach the goal by programme week"),
        min_value=GOAL_WEEK.low,
        max_value=GOAL_WEEK.high,
    )
    check_in_months = forms.IntegerField(
        label=_("Monthly check-ins: follow each patient for this many months"),
        min_value=CHECK_IN_MONTHS.low,
        max_value=CHECK_IN_MONTHS.high,
        help_text=_("12 to 36: the trial followed people for one to three years."),
    )
    check_in_catch_up_months = forms.IntegerField(
        label=_("Missed check-ins: ask again about this many earlier months"),
        min_value=CHECK_IN_CATCH_UP.low,
        max_value=CHECK_IN_CATCH_UP.high,
        help_text=_(
            "0 to 6. A check-in asks about the missed months just before it; older ones, "
            "and months the patient does not remember, count as unknown in the outcomes."
        ),
    )
    plan_start_walks = forms.IntegerField(
        label=_("A new plan starts with this many walks a week"), min_value=1, max_value=14
    )
    plan_step_weeks = forms.IntegerField(
        label=_("Weeks between two steps of a plan"), min_value=1, max_value=4
    )
    plan_largest_increase = forms.IntegerField(
        label=_("Largest rise of one step (minutes a week)"), min_value=5, max_value=60
    )
    plan_close_to_target_percent = forms.IntegerField(
        label=_("A step up needs last week at this share of its target (%)"),
        min_value=50,
        max_value=100,
    )
    plan_pain_rise = forms.IntegerField(
        label=_("A rise in average pain (points out of 10) that steps a plan down"),
        min_value=1,
        max_value=10,
    )
    screening_extra_conditions = forms.CharField(
        label=_("Other conditions that need a doctor's clearance"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line. They appear as tick boxes on the screening form."),
    )


class PrescriptionCorrectionForm(SubmissionTokenMixin, forms.Form):
    """Correct a mistaken version: a new version from the same day replaces it."""

    walks_per_week = PrescriptionForm.base_fields["walks_per_week"]
    minutes_per_walk = PrescriptionForm.base_fields["minutes_per_walk"]
    reason = forms.CharField(
        label=_("What was wrong"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say what was wrong: it is kept with the correction.")},
    )
