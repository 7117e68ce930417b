"""Staff-facing pages about one patient: enrolment, the patient page, details, screening."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from coaching.charts import progress_chart_svg
from coaching.content import condition_choices
from coaching.proms.selectors import patient_questionnaires
from coaching.reminders.selectors import reminders_for_patient
from coaching.selectors import patient_overview
from coaching.services import programme_start_blocker
from coaching.web import in_user_zone
from patients.forms import PatientEditForm, PatientInviteForm, ScreeningForm, WalkCorrectionForm
from patients.selectors import patient_get, staff_walk_get, walks_for
from patients.services import enrolment, walks
from walkback.accounts.decorators import physio_required, staff_required
from walkback.accounts.languages import language_for
from walkback.accounts.selectors import physios_for
from walkback.audit.services import audit_read
from walkback.core.forms import add_service_errors


@physio_required
def patient_invite(request):
    """Enrol a patient: their record, their preferences, and the invitation e-mail."""
    form = PatientInviteForm(
        request.POST or None,
        clinic=request.user.clinic,
        physios=physios_for(request.user).filter(is_active=True),
        me=request.user,
    )
    if request.method == "POST" and form.is_valid():
        try:
            patient = enrolment.patient_invite(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if patient is None:  # another clinic's address: nothing made, nothing revealed
                messages.success(
                    request,
                    _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
                )
                return redirect("coaching:caseload")
            messages.success(
                request,
                _("Invitation sent to %(email)s. Next: record the screening.")
                % {"email": patient.user.email},
            )
            return redirect("patients:screening", pk=patient.pk)
    return render(request, "patients/invite.html", {"form": form})


RECENT_WEEKS = 12


@staff_required
@in_user_zone
def patient_detail(request, pk):
    patient = patient_get(request.user, pk)
    overview = patient_overview(patient)
    audit_read(actor=request.user, patient=patient, what="patient-detail")
    # The recent weeks by default; the whole history when asked (a year of weeks drawn and
    # tabled on every visit cost more than the rest of the page: docs/performance.md).
    all_weeks = request.GET.get("weeks") == "all"
    weeks = overview.weeks if all_weeks else overview.weeks[-RECENT_WEEKS:]
    return render(
        request,
        "patients/detail.html",
        {
            "patient": overview.patient,
            "overview": overview,
            "weeks": weeks,
            "all_weeks": all_weeks,
            "hidden_weeks": len(overview.weeks) - len(weeks),
            "patient_reminders": reminders_for_patient(request.user, patient),
            "questionnaires": patient_questionnaires(patient),  # one query (docs/questionnaires.md)
            # Before the programme, why "Start the programme" is unavailable (or "").
            "start_blocker": programme_start_blocker(
                overview.patient, has_sessions=bool(overview.sessions)
            ),
            "chart": progress_chart_svg(
                weeks, title=_("Weekly walking of %(name)s") % {"name": patient.full_name}
            )
            if weeks
            else None,
        },
    )


@physio_required
def patient_edit(request, pk):
    patient = patient_get(request.user, pk)
    form = PatientEditForm(request.POST or None, patient=patient, physios=physios_for(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            enrolment.patient_update(patient=patient, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Details saved."))
            return redirect("patients:detail", pk=patient.pk)
    audit_read(actor=request.user, patient=patient, what="patient-edit")
    return render(request, "patients/edit.html", {"patient": patient, "form": form})


@physio_required
def patient_screening(request, pk):
    patient = patient_get(request.user, pk)
    screening = getattr(patient, "screening", None)
    # The clinic's extra conditions in the staff member's language (docs/content-languages.md).
    conditions = condition_choices(patient.clinic, language_for(request.user))
    form = ScreeningForm(
        request.POST or None,
        conditions=conditions.choices,
        conditions_note=conditions.note,
        screening=screening,
        patient=patient,
    )
    if request.method == "POST" and form.is_valid():
        try:
            enrolment.screening_record(patient=patient, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Screening saved."))
            return redirect("patients:detail", pk=patient.pk)
    audit_read(actor=request.user, patient=patient, what="screening")
    return render(
        request,
        "patients/screening.html",
        {"patient": patient, "form": form, "locked": patient.in_programme},
    )


@staff_required
def patient_walks(request, pk):
    """Every walk of the patient, newest first, each with a way to correct it (a walk of any
    age can be corrected)."""
    patient = patient_get(request.user, pk)
    shown = list(walks_for(request.user).filter(patient=patient).select_related("corrected_by"))
    audit_read(actor=request.user, patient=patient, what="patient-walks")
    return render(request, "patients/walks.html", {"patient": patient, "walks": shown})


@physio_required
def walk_correct(request, pk):
    walk = staff_walk_get(request.user, pk)
    patient = walk.patient
    form = WalkCorrectionForm(
        request.POST or None,
        initial={"minutes": walk.minutes, "walked_on": walk.walked_on},
        earliest=patient.programme_start,
        latest=walks.walk_logged_on(walk),
    )
    if request.method == "POST" and form.is_valid():
        try:
            walks.walk_correct(walk=walk, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Walk corrected. The patient sees the change and your reason.")
            )
            return redirect("patients:walks", pk=patient.pk)
    audit_read(actor=request.user, patient=patient, what="walk-correct", obj=walk)
    return render(
        request, "patients/walk_correct.html", {"patient": patient, "walk": walk, "form": form}
    )
