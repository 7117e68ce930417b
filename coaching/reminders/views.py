"""Pages behind the signed link in every reminder (no login), and the staff view of one
patient's reminders. The signed pages change reminder choices and nothing else."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from coaching.reminders.forms import ReminderPreferencesForm
from coaching.reminders.links import patient_for_token
from coaching.reminders.selectors import reminders_for_patient
from coaching.reminders.services import reminder_preferences_set, reminders_stop
from patients.selectors import patient_get
from walkback.accounts.decorators import staff_required
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_read, audit_record
from walkback.core.forms import add_service_errors


def _invalid(request):
    return render(request, "coaching/reminders/link_invalid.html", status=404)


def _initial(patient, today) -> dict:
    paused = patient.reminders_paused_until
    return {
        "reminders_by_email": patient.reminders_by_email,
        "reminder_days": patient.reminder_days,
        "reminder_time": patient.reminder_time,
        "reminders_paused_until": paused if paused and paused > today else None,
    }


def _audit_link_read(patient, what: str) -> None:
    """A signed-link page shows the patient's reminder choices: recorded, with no actor."""
    audit_record(
        actor=None, action=AuditAction.READ, obj=patient, patient=patient, detail={"view": what}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request, token):
    patient = patient_for_token(token)
    if patient is None:
        return _invalid(request)
    if request.method == "GET":
        _audit_link_read(patient, "reminder-link-preferences")
    today = patient.today()
    form = ReminderPreferencesForm(
        request.POST or None, today=today, initial=_initial(patient, today)
    )
    if request.method == "POST" and form.is_valid():
        try:
            reminder_preferences_set(
                patient=patient, by=None, via="reminder-link", today=today, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved. Your reminders follow your new choices."))
            return redirect("reminders:preferences", token=token)
    return render(
        request,
        "coaching/reminders/preferences.html",
        {"form": form, "patient": patient, "token": token},
    )


# One-click unsubscribe (RFC 8058): mail apps POST here without a CSRF token. The signed
# token is what authorises the request, and all it can do is stop reminders.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def stop(request, token):
    patient = patient_for_token(token)
    if patient is None:
        return _invalid(request)
    if request.method == "POST":
        reminders_stop(patient=patient, by=None, via="reminder-link")
        messages.success(request, _("Done: we will not send you reminders any more."))
        return redirect("reminders:preferences", token=token)
    # A GET only asks: mail scanners open links, and must not stop anyone's reminders.
    _audit_link_read(patient, "reminder-link-stop")
    return render(request, "coaching/reminders/stop.html", {"patient": patient, "token": token})


@staff_required
def patient_reminders(request, pk):
    patient = patient_get(request.user, pk)
    audit_read(actor=request.user, patient=patient, what="patient-reminders")
    return render(
        request,
        "coaching/patient_reminders.html",
        {"patient": patient, "patient_reminders": reminders_for_patient(request.user, patient)},
    )
