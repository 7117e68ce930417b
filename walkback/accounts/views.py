from __future__ import annotations

import base64
import time
from typing import cast
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from walkback.accounts import services, sessions, two_step
from walkback.accounts.forms import (
    EmailPasswordResetForm,
    LanguageForm,
    LoginForm,
    OTPTokenForm,
    OTPVerifyForm,
    PasswordConfirmForm,
    PhoneForm,
    SetPasswordForm,
)
from walkback.accounts.languages import language_choices, language_for, speaking_to
from walkback.accounts.middleware import IdleTimeoutMiddleware
from walkback.accounts.models import User
from walkback.accounts.passwords import PlainPasswordChangeForm, PlainSetPasswordForm
from walkback.accounts.selectors import (
    clinic_member_get,
    device_sessions_for,
    has_confirmed_device,
)
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record
from walkback.core.forms import add_service_errors


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.cleaned_data.get("keep_signed_in"):
            user = form.get_user()
            if user.is_patient and not user.is_clinic_staff:
                sessions.device_session_start(
                    user=user,
                    session=self.request.session,
                    user_agent=self.request.headers.get("User-Agent", ""),
                )
            else:
                minutes = settings.STAFF_IDLE_TIMEOUT_SECONDS // 60
                messages.info(
                    self.request,
                    ngettext(
                        "Clinic staff cannot stay signed in: you are signed out after "
                        "%(minutes)s minute without activity.",
                        "Clinic staff cannot stay signed in: you are signed out after "
                        "%(minutes)s minutes without activity.",
                        minutes,
                    )
                    % {"minutes": minutes},
                )
        return response


# Logging out also empties what the browser keeps for this site: the saved copies of the
# patient's pages and walks waiting to be sent (docs/offline.md). Cookies are left alone: the
# session cookie is already dead, and the CSRF cookie is needed to log in again.
CLEAR_SITE_DATA = '"cache", "storage"'


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): the session row is deleted on the server."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response


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
            messages.success(request, gettext("Your password is set. Welcome to WalkBack."))
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
                request, gettext("Two-step login is on. You will be asked for a code at login.")
            )
            return _show_recovery_codes(request, two_step.recovery_codes_make(user=user))
        form.add_error(
            "token",
            gettext(
                "That code did not match. Check the time on your phone and type the newest code."
            ),
        )
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr": qr,
            # In groups of four, as authenticator apps show keys, for reading out and typing.
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "otpauth_url": device.config_url,
            "next": _safe_next(request, ""),
        },
    )


RECOVERY_CODES_KEY = "recovery_codes_to_show"


def _show_recovery_codes(request, codes: list[str]):
    """Codes are shown once: they wait in the (server-side) session for one page view."""
    request.session[RECOVERY_CODES_KEY] = codes
    target = reverse("accounts:recovery-codes")
    next_page = _safe_next(request, "")
    return redirect(f"{target}?{urlencode({'next': next_page})}" if next_page else target)


def recovery_codes(request):
    """GET: the new recovery codes, once. POST: make a new set (the old ones stop working)."""
    if not has_confirmed_device(request.user):
        return redirect("accounts:security")
    if request.method == "POST":
        return _show_recovery_codes(request, two_step.recovery_codes_make(user=request.user))
    codes = request.session.pop(RECOVERY_CODES_KEY, None)
    return render(
        request,
        "accounts/recovery_codes.html",
        {
            "codes": [f"{code[:4]} {code[4:]}" for code in codes or []],
            "left": two_step.recovery_codes_left(request.user),
            "next": _safe_next(request, "") or reverse("home"),
        },
    )


def otp_verify(request):
    if request.user.is_verified():
        return redirect(_safe_next(request))
    if not has_confirmed_device(request.user):
        return redirect("accounts:otp-setup")
    form = OTPVerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = two_step.recovery_codes_left(request.user)
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code. %(left)s left: each works once. If you lost "
                        "your phone, ask your clinic to reset your two-step login.",
                        "You used a recovery code. %(left)s left: each works once. If you lost "
                        "your phone, ask your clinic to reset your two-step login.",
                        left,
                    )
                    % {"left": left},
                )
            return redirect(_safe_next(request))
        form.add_error(
            "token",
            gettext("That code is wrong or was already used. Wait for a new code and try again."),
        )
    return render(
        request, "accounts/otp_verify.html", {"form": form, "next": _safe_next(request, "")}
    )


def security(request):
    user = request.user
    has_2fa = has_confirmed_device(user)
    return render(
        request,
        "accounts/security.html",
        {
            "has_2fa": has_2fa,
            "codes_left": two_step.recovery_codes_left(user) if has_2fa else 0,
            "may_turn_off": has_2fa and not user.is_clinic_staff,
            "devices": device_sessions_for(user) if user.is_patient else [],
            "this_device": request.session.get(sessions.DEVICE_SESSION_KEY),
            "staff_idle_minutes": settings.STAFF_IDLE_TIMEOUT_SECONDS // 60,
            # The language the person reads in, in its own name (theirs, else the clinic's).
            "own_language": dict(language_choices()).get(language_for(user), ""),
        },
    )


@require_POST
def session_extend(request):
    """ "Stay signed in": the request itself is the activity the idle timeout counts. Answers
    JSON to static/walkback/session.js, and goes back to the page without JavaScript."""
    request.session[IdleTimeoutMiddleware.SESSION_KEY] = int(time.time())
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"seconds_left": request.idle_limit_seconds})
    return redirect(_safe_next(request))


@require_POST
def device_session_end(request, pk):
    if not sessions.device_session_end(user=request.user, device_id=pk):
        raise Http404
    if request.session.get(sessions.DEVICE_SESSION_KEY) == pk:
        logout(request)
        messages.info(request, gettext("This phone is signed out."))
        return redirect(settings.LOGIN_URL)
    messages.success(request, gettext("That phone is signed out."))
    return redirect("accounts:security")


@require_POST
def sign_out_everywhere(request):
    sessions.sessions_end_everywhere(user=request.user)
    logout(request)
    messages.info(
        request, gettext("You are signed out everywhere, on this device too. Log in again.")
    )
    return redirect(settings.LOGIN_URL)


def two_step_off(request):
    """A patient turns two-step login off, after typing their password."""
    if request.user.is_clinic_staff:
        raise PermissionDenied
    if not has_confirmed_device(request.user):
        return redirect("accounts:security")
    form = PasswordConfirmForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        two_step.two_step_turn_off(user=request.user)
        messages.success(
            request, gettext("Two-step login is off. You log in with your password only.")
        )
        return redirect("accounts:security")
    return render(request, "accounts/two_step_off.html", {"form": form})


def two_step_reset(request, pk):
    """The clinic admin's "lost my phone" path: remove a person's two-step login so they can
    set it up again on a new phone."""
    if not request.user.is_clinic_admin:
        raise PermissionDenied
    member = clinic_member_get(request.user, pk)
    if member.pk == request.user.pk:
        raise Http404
    if request.method == "POST":
        two_step.two_step_reset(user=member, by=request.user)
        if member.is_clinic_staff:
            done = gettext(
                "Two-step login of %(name)s is reset and they are signed out. "
                "They set it up again when they next log in."
            )
        else:
            done = gettext(
                "Two-step login of %(name)s is reset and they are signed out. "
                "They log in with their password and may set it up again."
            )
        messages.success(request, done % {"name": member.full_name})
        return redirect(_safe_next(request))
    return render(
        request,
        "accounts/two_step_reset.html",
        {
            "member": member,
            "has_2fa": has_confirmed_device(member),
            "next": _safe_next(request, ""),
        },
    )


def phone(request):
    """Anyone's own phone number (patients also correct it with their name on "Me")."""
    form = PhoneForm(request.POST or None, initial={"phone": request.user.phone})
    if request.method == "POST" and form.is_valid():
        services.user_phone_set(user=request.user, phone=form.cleaned_data["phone"])
        messages.success(request, gettext("Your phone number is saved."))
        return redirect("accounts:security")
    return render(
        request,
        "accounts/form_page.html",
        {"form": form, "title": gettext("Your phone number"), "button": gettext("Save")},
    )


def language(request):
    """Anyone's own language: the pages, e-mails, texts and reminders they read. Blank is
    their clinic's."""
    form = LanguageForm(
        request.POST or None,
        initial={"language": request.user.language},
        clinic=request.user.clinic,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_language_set(user=request.user, language=form.cleaned_data["language"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # Said in the language just chosen, as the next page will be.
            with speaking_to(request.user):
                messages.success(request, gettext("Your language is saved."))
            return redirect("accounts:security")
    return render(
        request,
        "accounts/form_page.html",
        {"form": form, "title": gettext("Your language"), "button": gettext("Save")},
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/form_page.html"
    form_class = PlainPasswordChangeForm
    success_url = reverse_lazy("accounts:security")
    extra_context = {
        "title": gettext_lazy("Change your password"),
        "button": gettext_lazy("Change password"),
    }

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
        messages.success(self.request, gettext("Your password has been changed."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/form_page.html"
    form_class = EmailPasswordResetForm
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")
    extra_context = {
        "title": gettext_lazy("Reset your password"),
        "button": gettext_lazy("Send me a link"),
    }


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
        messages.success(
            request,
            gettext("Done: you now log in with %(email)s.") % {"email": request.user.email},
        )
        return redirect("home")
    valid = (
        request.user.email_changes.usable()
        .filter(token_hash=services.Invitation.hash_token(token))
        .first()
    )
    if valid is None:
        return render(request, "accounts/email_confirm.html", {"invalid": True}, status=410)
    return render(request, "accounts/email_confirm.html", {"change": valid})
