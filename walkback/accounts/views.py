from __future__ import annotations

import base64

import segno
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from walkback.accounts import services
from walkback.accounts.decorators import clinic_admin_required
from walkback.accounts.forms import (
    EmailPasswordResetForm,
    LoginForm,
    OTPTokenForm,
    PatientReassignForm,
    SetPasswordForm,
    StaffInviteForm,
)
from walkback.accounts.selectors import (
    has_confirmed_device,
    physios_for,
    staff_for,
    staff_with_caseloads,
)
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record
from walkback.core.forms import add_service_errors


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): the session row is deleted on the server."""


def _safe_next(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, True):
        return target
    return default


def invite_accept(request, token):
    try:
        invitation = services.invitation_lookup(token)
    except services.InvitationInvalid:
        return render(request, "accounts/invite_invalid.html", status=410)
    form = SetPasswordForm(request.POST or None, user=invitation.user)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(token=token, password=form.cleaned_data["password1"])
        except services.InvitationInvalid:
            return render(request, "accounts/invite_invalid.html", status=410)
        except ValidationError as error:
            form.add_error("password1", error)
        else:
            login(request, user, backend="walkback.accounts.backends.UserBackend")
            messages.success(request, "Your password is set. Welcome to WalkBack.")
            return redirect("home")
    return render(
        request, "accounts/invite_accept.html", {"form": form, "invited": invitation.user}
    )


def otp_setup(request):
    """First-login enrolment: scan the QR code, type a code to prove it works."""
    user = request.user
    if has_confirmed_device(user) and not user.is_verified():
        return redirect("accounts:otp-verify")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit_record(
                actor=user, action=AuditAction.ACCOUNT, obj=user, detail={"event": "2fa_on"}
            )
            messages.success(
                request, "Two-step login is on. You will be asked for a code at login."
            )
            return redirect(_safe_next(request))
        form.add_error(
            "token",
            "That code did not match. Check the time on your phone and type the newest code.",
        )
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/otp_setup.html",
        {"form": form, "qr": qr, "secret": secret, "next": _safe_next(request, "")},
    )


def otp_verify(request):
    if request.user.is_verified():
        return redirect(_safe_next(request))
    if not has_confirmed_device(request.user):
        return redirect("accounts:otp-setup")
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error(
            "token", "That code is wrong or was already used. Wait for a new code and try again."
        )
    return render(
        request, "accounts/otp_verify.html", {"form": form, "next": _safe_next(request, "")}
    )


def security(request):
    return render(
        request, "accounts/security.html", {"has_2fa": has_confirmed_device(request.user)}
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/form_page.html"
    success_url = reverse_lazy("accounts:security")
    extra_context = {"title": "Change your password", "button": "Change password"}

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(
            actor=self.request.user,
            action=AuditAction.ACCOUNT,
            obj=self.request.user,
            detail={"event": "password_changed"},
        )
        messages.success(self.request, "Your password has been changed.")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/form_page.html"
    form_class = EmailPasswordResetForm
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")
    extra_context = {"title": "Reset your password", "button": "Send me a link"}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")


@clinic_admin_required
def staff_list(request):
    form = StaffInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_invite(**form.cleaned_data, clinic=request.user.clinic, by=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("accounts:staff-list")
    from coaching.reminders.selectors import FAILED_NOTICES_DAYS, failed_staff_notices

    staff = staff_with_caseloads(request.user).order_by("role", "full_name")
    failed = failed_staff_notices(request.user, limit=5)
    return render(
        request,
        "accounts/staff_list.html",
        {
            "staff": staff,
            "form": form,
            "failed_notices": failed[:5],
            "more_failed": len(failed) > 5,
            "failed_days": FAILED_NOTICES_DAYS,
        },
    )


@require_POST
@clinic_admin_required
def staff_set_active(request, pk):
    member = get_object_or_404(staff_for(request.user), pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(user=member, active=active, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"{member.full_name} can {'now' if active else 'no longer'} log in."
        )
    return redirect("accounts:staff-list")


@require_POST
@clinic_admin_required
def staff_reinvite(request, pk):
    member = get_object_or_404(staff_for(request.user).filter(is_active=True), pk=pk)
    services.invitation_create(user=member, by=request.user)
    messages.success(request, f"A new invitation was sent to {member.email}.")
    return redirect("accounts:staff-list")


@clinic_admin_required
def staff_caseload(request, pk):
    """One physiotherapist's patients, each with a way to move them to a colleague."""
    from patients.selectors import patients_for

    member = get_object_or_404(physios_for(request.user), pk=pk)
    patients = patients_for(request.user).filter(physiotherapist=member).order_by("user__full_name")
    colleagues = list(physios_for(request.user).filter(is_active=True).exclude(pk=member.pk))
    return render(
        request,
        "accounts/staff_caseload.html",
        {"member": member, "patients": patients, "colleagues": colleagues},
    )


@require_POST
@clinic_admin_required
def patient_reassign(request, pk):
    from patients.assignment import patient_reassign as reassign
    from patients.selectors import patient_get

    patient = patient_get(request.user, pk)
    previous = patient.physiotherapist_id
    form = PatientReassignForm(request.POST, user=request.user)
    if form.is_valid():
        new = form.cleaned_data["physiotherapist"]
        try:
            reassign(patient=patient, physiotherapist=new, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{patient.full_name} is now with {new.full_name}.")
    else:
        messages.error(request, " ".join(form.errors["physiotherapist"]))
    if previous:
        return redirect("accounts:staff-caseload", pk=previous)
    return redirect("accounts:staff-list")
