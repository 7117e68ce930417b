"""The patient's "Confirm my mobile number" page (Me → Reminders → Text messages): a code is
texted to ``User.phone`` and typed back before any reminder goes to it by SMS. Thin views:
the rules are ``coaching.reminders.sms.verification``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from coaching.portal.forms import PortalForm
from coaching.portal.selectors import portal_patient
from coaching.reminders.sms.selectors import phone_opted_out, phone_verification, phone_verified
from coaching.reminders.sms.verification import phone_code_check, phone_code_send
from walkback.accounts.decorators import patient_required
from walkback.audit.services import audit_read
from walkback.core.forms import add_service_errors


class PhoneCodeForm(PortalForm):
    code = forms.CharField(
        label=gettext_lazy("The 6-digit code we texted you"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*"}
        ),
        error_messages={"required": gettext_lazy("Type the code from the text message.")},
    )


def _page(request, patient, form, status=200):
    user = request.user
    verification = phone_verification(user)
    return render(
        request,
        "portal/phone_verify.html",
        {
            "patient": patient,
            "form": form,
            "phone": user.phone,
            "verified": phone_verified(user, verification),
            "opted_out": phone_opted_out(user.phone),
            "code_sent": bool(
                verification
                and verification.code_hash
                and str(verification.phone) == str(user.phone)
            ),
        },
        status=status,
    )


@patient_required
@require_http_methods(["GET", "POST"])
def phone_verify(request):
    patient = portal_patient(request.user)
    form = PhoneCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            phone_code_check(user=request.user, patient=patient, code=form.cleaned_data["code"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Thank you: your number is confirmed. You can now pick text messages.")
            )
            return redirect("portal:reminders")
    if request.method == "GET":
        audit_read(actor=request.user, patient=patient, what="portal-phone-verify")
    return _page(request, patient, form)


@patient_required
@require_POST
def phone_code_send_view(request):
    patient = portal_patient(request.user)
    try:
        phone_code_send(user=request.user, patient=patient)
    except ValidationError as error:
        form = PhoneCodeForm()
        for message in error.message_dict.get("phone", error.messages):
            messages.error(request, message)
        return _page(request, patient, form)
    messages.success(request, _("We have sent a code to your mobile. It works for 10 minutes."))
    return redirect("portal:phone-verify")
