"""The patient's data rights, from their "Me" page (docs/security.md#data-rights): correct
their name, phone and e-mail (GDPR art. 16, APP 13), see who in the clinic opened their record
(art. 15, APP 12), and ask for their account to be closed (art. 17). Thin views: the patient's
own record, one form, one service call."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coaching.portal.rights_forms import ClosingRequestForm, EmailChangeForm, OwnDetailsForm
from coaching.portal.selectors import portal_patient
from coaching.services.closing import closing_request, closing_withdraw
from patients.models import AccountClosing
from patients.services.own_details import patient_details_correct
from walkback.accounts.decorators import patient_required
from walkback.accounts.services import email_change_request
from walkback.audit.selectors import record_seen_by, what_was_seen
from walkback.audit.services import audit_read
from walkback.core.forms import add_service_errors

SEEN_PER_PAGE = 25


@patient_required
@require_http_methods(["GET", "POST"])
def details(request):
    patient = portal_patient(request.user)
    user = request.user
    initial = {"full_name": user.full_name, "phone": user.phone}
    posted = request.POST if request.method == "POST" else None
    which = request.POST.get("form") if posted else None
    form = OwnDetailsForm(posted if which == "details" else None, initial=initial)
    email_form = EmailChangeForm(posted if which == "email" else None)
    if which == "details" and form.is_valid():
        try:
            changed = patient_details_correct(patient=patient, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Your details are saved.") if changed else _("Nothing needed changing.")
            )
            return redirect("portal:my-data")
    if which == "email" and email_form.is_valid():
        try:
            email_change_request(
                user=user, new_email=email_form.cleaned_data["email"], patient=patient
            )
        except ValidationError as error:
            add_service_errors(email_form, error)
        else:
            messages.success(
                request,
                _(
                    "We sent a link to %(email)s. Open it to finish: "
                    "until then you log in with your old address."
                )
                % {"email": email_form.cleaned_data["email"]},
            )
            return redirect("portal:my-data")
    return render(
        request, "portal/details.html", {"form": form, "email_form": email_form, "patient": patient}
    )


@patient_required
def seen(request):
    """Who in the clinic has seen the record, from the audit trail (newest first, paged)."""
    patient = portal_patient(request.user)
    page = Paginator(record_seen_by(patient), SEEN_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(event, what_was_seen(event)) for event in page.object_list]
    audit_read(actor=request.user, patient=patient, what="portal-seen")
    return render(
        request,
        "portal/seen.html",
        {"patient": patient, "page": page, "rows": rows, "zone": patient.zone},
    )


@patient_required
@require_http_methods(["GET", "POST"])
def close(request):
    patient = portal_patient(request.user)
    closing = AccountClosing.objects.filter(patient=patient).first()
    # An empty POST (the box not ticked) is still a submitted form.
    form = ClosingRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            closing_request(patient=patient, by=request.user)
        except ValidationError as error:
            # Asked already, or closed: the page shows where things stand, with why.
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _(
                    "Your request is with the clinic. They will close your account and e-mail "
                    "you. Until then everything works as before."
                ),
            )
        return redirect("portal:close")
    return render(
        request, "portal/close.html", {"form": form, "closing": closing, "patient": patient}
    )


@patient_required
@require_POST
def close_withdraw(request):
    patient = portal_patient(request.user)
    try:
        closing_withdraw(patient=patient, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You have withdrawn your request. Your account stays open."))
    return redirect("portal:my-data")
