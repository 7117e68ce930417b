"""The patient's own pages (phone first, no JavaScript needed).

Thin views: the role decorator, the patient's own record (``portal_patient``), one form, one
service call, a redirect. Rules live in the services (``patients.services.walks`` and
``check_ins``, ``coaching.services.adverse_events``, ``coaching.reminders.services``); reads of the
record go through selectors and are audited with ``audit_read``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from coaching.charts import progress_chart_svg
from coaching.portal import data_export
from coaching.portal.encouragement import walk_confirmation
from coaching.portal.forms import (
    AdverseEventForm,
    CheckInForm,
    MissedMonthForm,
    ReminderPreferencesForm,
    WalkForm,
)
from coaching.portal.selectors import (
    home_summary,
    learn_topic_get,
    learn_topics,
    portal_patient,
)
from coaching.progress import patient_weeks
from coaching.proms.selectors import questionnaires_due
from coaching.reminders.choices import reminder_channel_options
from coaching.reminders.services import (
    REMINDER_PREFERENCE_FIELDS,
    reminder_links_revoke,
    reminder_preferences_set,
)
from coaching.services import adverse_events as adverse
from patients import checkins
from patients.models import PROGRAMME_ENDED, WEEKDAY_CHOICES
from patients.selectors import (
    check_in_missed_months,
    check_ins_due,
    own_walk_get,
    walks_between,
)
from patients.services import check_ins, walks
from walkback.accounts.decorators import patient_required
from walkback.audit.services import audit_read
from walkback.core.forms import add_service_errors

CHART_WEEKS = 12


@patient_required
def home(request):
    patient = portal_patient(request.user)
    summary = home_summary(patient)
    audit_read(actor=request.user, patient=patient, what="portal-home")
    # Outcome questionnaires open now (docs/questionnaires.md): two queries.
    questionnaires = questionnaires_due(patient, today=patient.today()) if patient.can_log else None
    return render(
        request,
        "portal/home.html",
        {"patient": patient, "summary": summary, "questionnaires": questionnaires},
    )


def _programme_ended(request, patient):
    """The clear page a discharged patient gets instead of a form to add walks or answers."""
    return render(
        request,
        "portal/programme_ended.html",
        {"message": PROGRAMME_ENDED, "clinic": patient.clinic},
    )


@patient_required
@require_http_methods(["GET", "POST"])
def walk_new(request):
    patient = portal_patient(request.user)
    if not patient.can_log:
        return _programme_ended(request, patient)
    today = patient.today()
    form = WalkForm(
        request.POST or None,
        initial={"walked_on": today, "submission_token": uuid.uuid4()},
        today=today,
        earliest=patient.programme_start,
    )
    question = None
    if request.method == "POST" and form.is_valid():
        question = _unconfirmed_long_walk(form, patient, today)
    if request.method == "POST" and form.is_valid() and question is None:
        try:
            walk, _created = walks.walk_log(
                patient=patient,
                by=request.user,
                submission_token=form.cleaned_data["submission_token"],
                today=today,
                **form.walk_values(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            confirmation = walk_confirmation(patient, walk, today=today)
            messages.success(
                request,
                _("Saved your %(minutes)s-minute walk. %(confirmation)s")
                % {"minutes": walk.minutes, "confirmation": confirmation},
            )
            return redirect("portal:home")
    return render(
        request, "portal/walk_form.html", {"form": form, "creating": True, "question": question}
    )


def _unconfirmed_long_walk(form, patient, today, walk=None) -> str | None:
    """The "are you sure?" to ask before saving a long walk (``walks.long_walk_question``),
    unless the patient has just confirmed these very minutes with the question's button (which
    sends them as ``confirm_minutes``). The form comes back with everything typed and its
    submission token, so nothing is saved until confirmed and the confirmed save is still
    saved once. Not asked again when a change keeps the walk's minutes."""
    minutes = form.cleaned_data["minutes"]
    if form.cleaned_data.get("confirm_minutes") == minutes:
        return None
    if walk is not None and walk.minutes == minutes:
        return None
    return walks.long_walk_question(patient, minutes=minutes, today=today, walk=walk)


@patient_required
@require_http_methods(["GET", "POST"])
def walk_edit(request, pk):
    walk = own_walk_get(request.user, pk)
    patient = walk.patient
    if request.method == "POST" and not patient.can_log:
        return _programme_ended(request, patient)
    today = patient.today()
    editable = walks.walk_is_editable(walk, today=today)
    form = WalkForm(
        request.POST or None,
        initial={name: getattr(walk, name) for name in WalkForm.WALK_FIELDS},
        today=today,
        earliest=patient.programme_start,
    )
    question = None
    if request.method == "POST" and form.is_valid() and editable:
        question = _unconfirmed_long_walk(form, patient, today, walk)
    if request.method == "POST" and form.is_valid() and question is None:
        try:
            walks.walk_update(walk=walk, by=request.user, today=today, **form.walk_values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            confirmation = walk_confirmation(patient, walk, today=today)
            messages.success(
                request, _("Walk changed. %(confirmation)s") % {"confirmation": confirmation}
            )
            return redirect("portal:history")
    audit_read(actor=request.user, patient=patient, what="portal-walk", obj=walk)
    return render(
        request,
        "portal/walk_form.html",
        {
            "form": form,
            "walk": walk,
            "editable": editable,
            "creating": False,
            "question": question,
        },
    )


@patient_required
@require_http_methods(["GET", "POST"])
def walk_remove(request, pk):
    walk = own_walk_get(request.user, pk)
    patient = walk.patient
    error = None
    if request.method == "POST":
        try:
            walks.walk_delete(walk=walk, by=request.user)
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            messages.success(request, _("Walk deleted."))
            return redirect("portal:history")
    audit_read(actor=request.user, patient=patient, what="portal-walk", obj=walk)
    editable = walks.walk_is_editable(walk, today=patient.today())
    return render(
        request, "portal/walk_delete.html", {"walk": walk, "editable": editable, "error": error}
    )


@patient_required
def history(request):
    patient = portal_patient(request.user)
    today = patient.today()
    rows = patient_weeks(patient, today=today).rows
    recent_from = today - dt.timedelta(days=walks.EDIT_WINDOW_DAYS - 1)
    recent = walks_between(request.user, recent_from, today)
    audit_read(actor=request.user, patient=patient, what="portal-history")
    return render(
        request,
        "portal/history.html",
        {
            "patient": patient,
            "weeks": list(reversed(rows)),
            "chart_weeks": rows[-CHART_WEEKS:],
            "chart": progress_chart_svg(
                rows[-CHART_WEEKS:],
                title=_("Minutes each week"),
                chart_id="history-chart",
                phone=True,
            ),
            "recent": recent,
            "recent_from": recent_from,
            "today": today,
        },
    )


@patient_required
def history_week(request, week):
    patient = portal_patient(request.user)
    try:
        first = dt.date.fromisoformat(week)
    except ValueError as error:
        raise Http404("Not a date") from error
    today = patient.today()
    row = next((r for r in patient_weeks(patient, today=today).rows if r.monday == first), None)
    if row is None:
        raise Http404("Not one of your weeks")
    audit_read(actor=request.user, patient=patient, what="portal-history-week")
    edit_from = today - dt.timedelta(days=walks.EDIT_WINDOW_DAYS - 1)
    return render(
        request,
        "portal/history_week.html",
        {
            "row": row,
            "walks": walks_between(request.user, row.monday, row.week_end),
            "edit_from": edit_from,
        },
    )


@patient_required
def learn(request):
    patient = portal_patient(request.user)
    topics = learn_topics(patient)
    audit_read(actor=request.user, patient=patient, what="portal-learn")
    return render(request, "portal/learn.html", {"patient": patient, "topics": topics})


@patient_required
def learn_topic(request, slug):
    patient = portal_patient(request.user)
    topic = learn_topic_get(patient, slug)
    return render(request, "portal/learn_topic.html", {"topic": topic})


@patient_required
def flare_up(request):
    patient = portal_patient(request.user)
    return render(request, "portal/flare_up.html", {"patient": patient})


@patient_required
@require_http_methods(["GET", "POST"])
def check_in(request):
    patient = portal_patient(request.user)
    if not patient.can_log:
        return _programme_ended(request, patient)
    today = patient.today()
    due = check_ins_due(patient, today=today)
    current = due[0] if due else None
    data = request.POST or None
    form = CheckInForm(data) if current else None
    # The missed months this check-in asks about again (docs/clinical-rules.md#monthly-check-ins).
    missed = (
        [
            MissedMonthForm(data, month=month)
            for month in check_in_missed_months(patient, current=current)
        ]
        if current
        else []
    )
    forms_valid = form is not None and all([form.is_valid(), *(f.is_valid() for f in missed)])
    if request.method == "POST" and current and form is not None and forms_valid:
        try:
            check_ins.check_in_submit(
                patient=patient,
                by=request.user,
                month_number=current.month_number,
                today=today,
                missed={f.month.month_number: f.answers() for f in missed},
                **form.answers(),
            )
        except ValidationError as error:
            _check_in_errors(error, form, missed)
        else:
            messages.success(request, _("Thank you for your check-in. Your answers are saved."))
            return redirect("portal:home")
    audit_read(actor=request.user, patient=patient, what="portal-check-in")
    return render(
        request,
        "portal/check_in.html",
        {
            "form": form,
            "missed": missed,
            "has_errors": bool(form and form.errors) or any(f.errors for f in missed),
            "current": current,
            "next_check_in": checkins.next_check_in_date(patient, today=today),
        },
    )


def _check_in_errors(error: ValidationError, form, missed: list[MissedMonthForm]) -> None:
    """The service names a missed month's fields ``month<N>-<field>``: each message goes next
    to its own month's field, the rest to the open check-in's form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    by_prefix = {f.prefix: f for f in missed}
    for name, problems in error.message_dict.items():
        prefix, _, field = name.partition("-")
        target = by_prefix.get(prefix)
        if target is not None:
            target.add_error(field if field in target.fields else None, problems)
        else:
            add_service_errors(form, ValidationError({name: problems}))


@patient_required
@require_http_methods(["GET", "POST"])
def problem(request):
    patient = portal_patient(request.user)
    today = patient.today()
    form = AdverseEventForm(request.POST or None, initial={"occurred_on": today}, today=today)
    if request.method == "POST" and form.is_valid():
        try:
            adverse.adverse_event_report(
                patient=patient, by=request.user, today=today, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Thank you for telling us. Your physiotherapist will see this and get in touch."),
            )
            return redirect("portal:home")
    return render(request, "portal/problem.html", {"form": form, "patient": patient})


@patient_required
def my_data(request):
    patient = portal_patient(request.user)
    audit_read(actor=request.user, patient=patient, what="portal-my-data")
    names = dict(WEEKDAY_CHOICES)
    # Translators: between the names of days in a list ("Monday, Wednesday"); Chinese "、".
    separator = pgettext("list separator", ", ")
    days = separator.join(str(names[day]) for day in patient.reminder_days or () if day in names)
    return render(
        request,
        "portal/my_data.html",
        {"patient": patient, "reminder_days": days, "today": patient.today()},
    )


@patient_required
@require_http_methods(["GET", "POST"])
def reminders(request):
    patient = portal_patient(request.user)
    today = patient.today()
    channels = reminder_channel_options(request.user, patient)
    form = ReminderPreferencesForm(
        request.POST or None,
        initial={name: getattr(patient, name) for name in REMINDER_PREFERENCE_FIELDS},
        today=today,
        channels_offered=channels.offered,
    )
    if request.method == "POST" and form.is_valid():
        try:
            reminder_preferences_set(
                patient=patient, by=request.user, today=today, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your reminder choices are saved."))
            return redirect("portal:my-data")
    audit_read(actor=request.user, patient=patient, what="portal-reminders")
    return render(
        request,
        "portal/reminders.html",
        {
            "form": form,
            "patient": patient,
            "link_days": settings.REMINDER_LINK_DAYS,
            "channels": channels,
        },
    )


@patient_required
@require_POST
def reminder_links_stop(request):
    """Stop the change-or-stop links in reminders already sent (a lost or forwarded e-mail)."""
    patient = portal_patient(request.user)
    reminder_links_revoke(patient=patient, by=request.user)
    messages.success(
        request, _("Done: links in reminders you already have no longer work. New ones will.")
    )
    return redirect("portal:reminders")


def _download(request, fmt: str) -> HttpResponse:
    patient = portal_patient(request.user)
    data = data_export.patient_data_export(patient=patient, by=request.user, fmt=fmt)
    if fmt == "json":
        body, content_type = json.dumps(data, indent=2, ensure_ascii=False), "application/json"
    else:
        body, content_type = data_export.data_as_csv(data), "text/csv"
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    filename = f"walkback-my-data-{patient.today():%Y-%m-%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@patient_required
def data_json(request):
    return _download(request, "json")


@patient_required
def data_csv(request):
    return _download(request, "csv")
