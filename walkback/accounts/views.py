from __future__ import annotations

import base64
from typing import cast

import segno
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from walkback.accounts import services
from walkback.accounts.forms import (
    EmailPasswordResetForm,
    LoginForm,
    OTPTokenForm,
    PhoneForm,
    SetPasswordForm,
)
from walkback.accounts.models import User
from walkback.accounts.passwords import PlainPasswordChangeForm, PlainSetPasswordForm
from walkback.accounts.selectors import has_confirmed_device
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record


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


def phone(request):
    """Anyone's own phone number (patients also correct it with their name on "Me")."""
    form = PhoneForm(request.POST or None, initial={"phone": request.user.phone})
    if request.method == "POST" and form.is_valid():
        services.user_phone_set(user=request.user, phone=form.cleaned_data["phone"])
        messages.success(request, "Your phone number is saved.")
        return redirect("accounts:security")
    return render(
        request,
        "accounts/form_page.html",
        {"form": form, "title": "Your phone number", "button": "Save"},
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/form_page.html"
    form_class = PlainPasswordChangeForm
    success_url = reverse_lazy("accounts:security")
    extra_context = {"title": "Change your password", "button": "Change password"}

    def form_valid(self, form):
        response = super().form_valid(form)
        # Django's PasswordChangeView is login_required: the user is never anonymous here.
        user = cast(User, self.request.user)
        audit_record(
            actor=user,
            action=AuditAction.ACCOUNT,
            obj=user,
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
    form_class = PlainSetPasswordForm
    success_url = reverse_lazy("accounts:password-reset-complete")


def email_confirm(request, token):
    """The link sent to a new e-mail address: followed by the logged-in owner, and confirmed
    with a button (a mail scanner that opens links must not change the address)."""
    if request.method == "POST":
        try:
            services.email_change_confirm(
                user=request.user, token=token, patient=getattr(request.user, "patient", None)
            )
        except services.EmailChangeInvalid:
            return render(request, "accounts/email_confirm.html", {"invalid": True}, status=410)
        messages.success(request, f"Done: you now log in with {request.user.email}.")
        return redirect("home")
    valid = (
        request.user.email_changes.usable()
        .filter(token_hash=services.Invitation.hash_token(token))
        .first()
    )
    if valid is None:
        return render(request, "accounts/email_confirm.html", {"invalid": True}, status=410)
    return render(request, "accounts/email_confirm.html", {"change": valid})
