"""Questionnaire pages (docs/questionnaires.md). Thin views: the role decorator, the record
through its selector (another clinic's or patient's is a 404), one form, one service call,
audited reads.

Patients answer on their phone (``portal_list``, ``portal_answer``); a physiotherapist sees a
patient's scores with their change since enrolment (``patient_outcomes``) and may enter the
patient's own answers at the first visit (``staff_enter``, e.g. STarT Back on paper); a clinic
admin chooses the instruments and weeks (``clinic_settings``).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from coaching.portal.selectors import portal_patient
from coaching.proms.charts import outcome_chart_svg
from coaching.proms.forms import QuestionnaireForm, QuestionnaireSettingsForm
from coaching.proms.instruments import instruments
from coaching.proms.selectors import (
    clinic_choice,
    last_text_answers,
    patient_questionnaires,
    questionnaires_due,
)
from coaching.proms.services import questionnaire_settings_set, questionnaire_submit
from patients.selectors import patient_get
from walkback.accounts.decorators import (
    clinic_admin_required,
    patient_required,
    physio_required,
    staff_required,
)
from walkback.audit.services import audit_read
from walkback.core.forms import add_service_errors


def _same_language(language: str) -> bool:
    current = (translation.get_language() or "en").split("-")[0].lower()
    return current == language.split("-")[0].lower()


@patient_required
def portal_list(request):
    patient = portal_patient(request.user)
    due = questionnaires_due(patient, today=patient.today()) if patient.can_log else None
    audit_read(actor=request.user, patient=patient, what="portal-questionnaires")
    return render(request, "proms/portal_list.html", {"due": due})


def _answer_page(request, patient, key: str, *, template: str, done_url: str, extra: dict):
    due = questionnaires_due(patient, today=patient.today())
    instrument = next((i for i in due.instruments if i.key == key), None) if due else None
    if due is None or instrument is None:
        raise Http404("No such questionnaire to answer now.")
    form = QuestionnaireForm(
        request.POST or None,
        instrument=instrument,
        initial=last_text_answers(patient, instrument),
    )
    if request.method == "POST" and form.is_valid():
        try:
            questionnaire_submit(
                patient=patient,
                by=request.user,
                instrument_key=key,
                answers=form.answers(),
                today=patient.today(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Thank you. Your answers to “%(name)s” are saved.") % {"name": instrument.name},
            )
            return redirect(done_url)
    return render(
        request,
        template,
        {
            "form": form,
            "instrument": instrument,
            "timepoint": due.timepoint,
            # The questions are shown as licensed, in their own language: say so.
            "in_another_language": not _same_language(instrument.language),
            **extra,
        },
    )


@patient_required
@require_http_methods(["GET", "POST"])
def portal_answer(request, key: str):
    patient = portal_patient(request.user)
    if not patient.can_log:
        raise Http404("The programme has ended.")
    audit_read(actor=request.user, patient=patient, what="portal-questionnaire")
    return _answer_page(
        request,
        patient,
        key,
        template="proms/portal_answer.html",
        done_url="proms_portal:list",
        extra={},
    )


@staff_required
def patient_outcomes(request, pk: int):
    patient = patient_get(request.user, pk)
    summary = patient_questionnaires(patient)
    audit_read(actor=request.user, patient=patient, what="questionnaire-scores")
    due = questionnaires_due(patient, today=patient.today()) if patient.can_log else None
    return render(
        request,
        "proms/patient_outcomes.html",
        {
            "patient": patient,
            "outcomes": [(outcome, outcome_chart_svg(outcome)) for outcome in summary.outcomes],
            "risk": summary.risk,
            "due": due,
        },
    )


@physio_required
@require_http_methods(["GET", "POST"])
def staff_enter(request, pk: int, key: str):
    patient = patient_get(request.user, pk)
    audit_read(actor=request.user, patient=patient, what="questionnaire-enter")
    return _answer_page(
        request,
        patient,
        key,
        template="proms/staff_enter.html",
        done_url=reverse("proms:patient", args=[patient.pk]),
        extra={"patient": patient},
    )


@clinic_admin_required
@require_http_methods(["GET", "POST"])
def clinic_settings(request):
    clinic = request.user.clinic
    choice = clinic_choice(clinic)
    available = list(instruments().values())
    form = QuestionnaireSettingsForm(
        request.POST or None,
        available=available,
        initial={
            "instruments": choice.instruments,
            "weeks": ", ".join(str(week) for week in choice.weeks),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            questionnaire_settings_set(
                clinic=clinic,
                by=request.user,
                instrument_keys=form.cleaned_data["instruments"],
                weeks=form.cleaned_data["weeks"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Questionnaire settings saved."))
            return redirect("proms:settings")
    return render(request, "proms/settings.html", {"form": form, "available": available})
