"""The physiotherapist's workspace. Thin views: role decorator, one selector, one form, one
service call, redirect. Every page that shows a patient's record writes an audit read."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from coaching import selectors, services
from coaching.calendar import STAFF, sessions_ics
from coaching.charts import progress_chart_svg
from coaching.education import education_library_seed
from coaching.forms import (
    CaseloadFilterForm,
    EducationTopicForm,
    PrescriptionCorrectionForm,
    PrescriptionForm,
    ProgrammeSettingsForm,
    ProgrammeStartForm,
    SessionPlanForm,
    SessionRebookForm,
    SessionRecordForm,
    SessionStatusForm,
)
from coaching.models import CoachingSession
from coaching.web import in_user_zone
from patients.selectors import patient_get
from walkback.accounts.decorators import physio_required, staff_required
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_read, audit_reads, audit_record
from walkback.core.forms import add_service_errors


@physio_required
@in_user_zone
def caseload(request):
    """The physiotherapist's home: their patients (or the clinic's) at a glance."""
    form = CaseloadFilterForm(request.GET or None)
    values = form.values()
    page = selectors.caseload_page(request.user, page=request.GET.get("page"), **values)
    # Who saw which patients: one audit row per patient shown, in one insert.
    audit_reads(actor=request.user, patients=page.patients, what="caseload")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "coaching/caseload.html",
        {
            "form": form,
            "values": values,
            "page": page.page,
            "page_links": page.page_links,
            "ellipsis": page.page.paginator.ELLIPSIS,
            "total": page.total_in_scope,
            "shown": page.shown,
            "counts": page,
            "query": query.urlencode(),
        },
    )


@physio_required
@in_user_zone
def programme_start(request, pk):
    patient = patient_get(request.user, pk)
    form = ProgrammeStartForm(
        request.POST or None, initial={"start_on": patient.today(), "session_time": "10:00"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_start(
                patient=patient,
                start_on=form.cleaned_data["start_on"],
                session_time=form.cleaned_data["session_time"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Programme started: Session 1 to Session 6 are booked."))
            return redirect("patients:detail", pk=patient.pk)
    audit_read(actor=request.user, patient=patient, what="programme-start")
    return render(
        request,
        "coaching/programme_start.html",
        {
            "patient": patient,
            "form": form,
            "schedule": services.DEFAULT_SCHEDULE,
            # Said before the form is filled in, not only after it is sent.
            "blocker": ""
            if form.errors
            else services.programme_start_blocker(patient, has_sessions=patient.sessions.exists()),
        },
    )


@physio_required
@in_user_zone
def session_detail(request, pk):
    """The session page: what is needed in the room, and the record of the session."""
    session = selectors.session_get(request.user, pk)
    topics = selectors.topics_for(request.user).filter(is_active=True)
    form = SessionRecordForm(request.POST or None, topics=topics, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(session=session, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(session)s saved.") % {"session": session.label})
            return redirect("coaching:session-detail", pk=session.pk)
    room = selectors.session_room(session)
    audit_read(actor=request.user, patient=session.patient, what="session", obj=session)
    return render(
        request,
        "coaching/session_detail.html",
        {
            "session": session,
            "patient": session.patient,
            "room": room,
            "form": form,
            "status_form": SessionStatusForm(),
            "chart": progress_chart_svg(
                room.weeks, title=_("Walking since the last session"), chart_id="session-chart"
            )
            if room.minutes_walked
            else None,
        },
    )


@physio_required
@in_user_zone
def session_edit(request, pk):
    session = selectors.session_get(request.user, pk)
    form = SessionPlanForm(request.POST or None, zone=request.user.zone, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(session=session, by=request.user, **form.changes())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(session)s updated.") % {"session": session.label})
            return redirect("coaching:session-detail", pk=session.pk)
    audit_read(actor=request.user, patient=session.patient, what="session-edit", obj=session)
    return render(
        request,
        "coaching/session_form.html",
        {"session": session, "patient": session.patient, "form": form, "rebook": False},
    )


@physio_required
@in_user_zone
def session_rebook(request, pk):
    session = selectors.session_get(request.user, pk)
    form = SessionRebookForm(
        request.POST or None,
        zone=request.user.zone,
        initial={"mode": session.mode, "video_link": session.video_link},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.session_rebook(session=session, by=request.user, **form.changes())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(session)s rebooked.") % {"session": session.label})
            return redirect("coaching:session-detail", pk=session.pk)
    audit_read(actor=request.user, patient=session.patient, what="session-rebook", obj=session)
    return render(
        request,
        "coaching/session_form.html",
        {"session": session, "patient": session.patient, "form": form, "rebook": True},
    )


@require_POST
@physio_required
@in_user_zone
def session_status(request, pk):
    session = selectors.session_get(request.user, pk)
    form = SessionStatusForm(request.POST)
    if form.is_valid():
        try:
            session = services.session_set_status(
                session=session, status=form.cleaned_data["status"], by=request.user
            )
        except ValidationError as error:
            for problem in error.messages:
                messages.error(request, problem)
        else:
            messages.success(
                request,
                # Translators: "Session 2 marked done." The status is lower case in English.
                _("%(session)s marked %(status)s.")
                % {"session": session.label, "status": session.get_status_display().lower()},
            )
    else:
        messages.error(request, _("Choose done, missed or cancelled."))
    if request.POST.get("next") == "patient":
        return redirect("patients:detail", pk=session.patient_id)
    return redirect("coaching:session-detail", pk=session.pk)


def _calendar_response(body: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@physio_required
def session_ics(request, pk):
    session = selectors.session_get(request.user, pk)
    audit_read(actor=request.user, patient=session.patient, what="session-ics", obj=session)
    return _calendar_response(
        sessions_ics([session], audience=STAFF), f"walkback-session-{session.number}.ics"
    )


@physio_required
def sessions_calendar(request, pk):
    patient = patient_get(request.user, pk)
    sessions = selectors.sessions_for_calendar(patient)
    audit_read(actor=request.user, patient=patient, what="sessions-ics")
    return _calendar_response(sessions_ics(sessions, audience=STAFF), "walkback-sessions.ics")


@physio_required
@in_user_zone
def prescription_new(request, pk):
    """Set the prescription. The form starts from the suggestion; nothing is saved until the
    physiotherapist submits it."""
    patient = patient_get(request.user, pk)
    overview = selectors.patient_overview(patient)
    sessions = CoachingSession.objects.filter(patient=patient).order_by("number")
    initial = {"effective_from": overview.today, "session": request.GET.get("session")}
    if overview.suggestion is not None:
        initial["walks_per_week"] = overview.suggestion.walks_per_week
        initial["minutes_per_walk"] = overview.suggestion.minutes_per_walk
    form = PrescriptionForm(request.POST or None, sessions=sessions, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.prescription_set(patient=patient, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Prescription saved."))
            session = form.cleaned_data.get("session")
            if session is not None:
                return redirect("coaching:session-detail", pk=session.pk)
            return redirect("patients:detail", pk=patient.pk)
    audit_read(actor=request.user, patient=patient, what="prescription-new")
    return render(
        request,
        "coaching/prescription_form.html",
        {"patient": patient, "overview": overview, "form": form},
    )


@physio_required
@in_user_zone
def prescription_correct(request, pk):
    """Correct a mistaken version of the prescription (never an edit: a new version from the
    same day supersedes it, and both stay in the history)."""
    prescription = selectors.prescription_get(request.user, pk, superseded=request.method == "POST")
    patient = prescription.patient
    form = PrescriptionCorrectionForm(
        request.POST or None,
        initial={
            "walks_per_week": prescription.walks_per_week,
            "minutes_per_walk": prescription.minutes_per_walk,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.prescription_correct(
                prescription=prescription, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Prescription corrected; the mistaken version is kept."))
            return redirect("patients:detail", pk=patient.pk)
    audit_read(actor=request.user, patient=patient, what="prescription-correct")
    return render(
        request,
        "coaching/prescription_correct.html",
        {"patient": patient, "prescription": prescription, "form": form},
    )


@require_POST
@physio_required
def adverse_event_review(request, pk):
    event = selectors.adverse_event_get(request.user, pk)
    try:
        services.adverse_event_mark_reviewed(event=event, by=request.user)
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
    else:
        messages.success(request, _("Marked as reviewed."))
    return redirect("patients:detail", pk=event.patient_id)


# --- The clinic's education library and programme settings -----------------------------------


@staff_required
def library(request):
    topics = selectors.topics_for(request.user)
    return render(request, "coaching/library.html", {"topics": topics})


@require_POST
@staff_required
def library_seed(request):
    added = education_library_seed(clinic=request.user.clinic)
    if added:
        audit_record(
            actor=request.user,
            action=AuditAction.CREATE,
            object_type="coaching.EducationTopic",
            clinic=request.user.clinic,
            detail={"event": "library_seeded", "added": added},
        )
    messages.success(
        request,
        ngettext("%(count)s standard topic added.", "%(count)s standard topics added.", added)
        % {"count": added}
        if added
        else _("Nothing to add."),
    )
    return redirect("coaching:library")


@staff_required
def topic_edit(request, pk=None):
    topic = selectors.topic_get(request.user, pk) if pk is not None else None
    initial = (
        {
            "title": topic.title,
            "summary": topic.summary,
            "body": topic.body,
            "position": topic.position,
            "is_active": topic.is_active,
        }
        if topic
        else None
    )
    form = EducationTopicForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.education_topic_save(
                clinic=request.user.clinic, by=request.user, topic=topic, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Topic saved."))
            return redirect("coaching:library")
    return render(request, "coaching/topic_form.html", {"form": form, "topic": topic})


@staff_required
def programme_settings(request):
    clinic = request.user.clinic
    form = ProgrammeSettingsForm(
        request.POST or None,
        initial={name: getattr(clinic, name) for name in ProgrammeSettingsForm.base_fields},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.clinic_programme_update(clinic=clinic, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Programme settings saved."))
            return redirect("coaching:programme-settings")
    return render(request, "coaching/programme_settings.html", {"form": form})
