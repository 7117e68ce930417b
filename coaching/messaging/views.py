"""The messages pages (docs/messages.md): the patient's at /me/messages/, the staff's under
the patient at /patients/<id>/messages/. Thin: the scoped patient, one form, one service call,
a redirect; the page itself is read through ``thread_page`` and audited. Both work without
JavaScript (a plain form post)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods

from coaching.messaging.forms import MessageForm
from coaching.messaging.selectors import thread_page
from coaching.messaging.services import message_send, thread_mark_read
from coaching.portal.selectors import portal_patient
from coaching.web import in_user_zone
from patients.selectors import patient_get
from walkback.accounts.decorators import patient_required, staff_required
from walkback.audit.services import audit_read
from walkback.core.forms import add_service_errors

SENT = gettext_noop("Message sent.")


def _send(request, form: MessageForm, patient) -> bool:
    """Send the posted message; False (with the reason next to the box) when refused."""
    if not form.is_valid():
        return False
    try:
        message_send(
            patient=patient,
            by=request.user,
            body=form.cleaned_data["body"],
            submission_token=form.cleaned_data["submission_token"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    return True


def _before(request) -> int | None:
    """``?before=<message id>``: earlier messages. Anything else shows the newest."""
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def _show(request, patient, template: str, form: MessageForm | None, what: str):
    page = thread_page(patient, request.user, before=_before(request))
    audit_read(actor=request.user, patient=patient, what=what)
    # What this page showed is now read (a message arriving meanwhile stays unread).
    if page.moves_markers:
        thread_mark_read(patient=patient, reader=request.user, through=page.newest_id)
    return render(
        request,
        template,
        {
            "patient": patient,
            "clinic": patient.clinic,
            "page": page,
            "form": form,
            "emergency_number": settings.EMERGENCY_NUMBER,
        },
    )


@patient_required
@require_http_methods(["GET", "POST"])
def my_messages(request):
    patient = portal_patient(request.user)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and _send(request, form, patient):
        messages.success(request, _(SENT))
        return redirect(reverse("portal:messages") + "#latest")
    return _show(request, patient, "messaging/patient_thread.html", form, "messages")


@staff_required
@in_user_zone
@require_http_methods(["GET", "POST"])
def patient_messages(request, pk):
    patient = patient_get(request.user, pk)
    # Clinic admins may read a thread; the conversation is the physiotherapists'.
    can_write = request.user.is_physio
    if request.method == "POST" and not can_write:
        raise PermissionDenied
    form = MessageForm(request.POST or None) if can_write else None
    if request.method == "POST" and form is not None and _send(request, form, patient):
        messages.success(request, _(SENT))
        return redirect(reverse("patients:messages", args=[patient.pk]) + "#latest")
    return _show(request, patient, "messaging/staff_thread.html", form, "patient-messages")
