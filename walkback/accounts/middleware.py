"""Request-wide account rules: deny by default, staff second factor, idle timeout, and the
viewer's time zone."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import resolve
from django.urls.exceptions import Resolver404
from django.utils import timezone

from walkback.accounts.selectors import has_confirmed_device

# The short public list: everything else needs a login (docs/security.md#access, row 1).
PUBLIC_URL_NAMES = {
    "accounts:login",
    "accounts:logout",
    "accounts:invite-accept",
    "accounts:password-reset",
    "accounts:password-reset-done",
    "accounts:password-reset-confirm",
    "accounts:password-reset-complete",
    "healthz",
    "healthz-ready",
}
# Namespaces whose views carry their own signed-token check (e.g. unsubscribe links).
PUBLIC_NAMESPACES: set[str] = {"reminders"}

# Pages a logged-in person may reach before passing the second factor.
SECOND_FACTOR_URL_NAMES = {
    "accounts:logout",
    "accounts:otp-setup",
    "accounts:otp-verify",
    "healthz",
    "healthz-ready",
}


def _url_name(request) -> str | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return match.view_name


def is_public(request) -> bool:
    name = _url_name(request)
    if name is None:
        return False
    if name in PUBLIC_URL_NAMES:
        return True
    if request.path_info.startswith(settings.STATIC_URL):
        return True
    return name.split(":", 1)[0] in PUBLIC_NAMESPACES if ":" in name else False


class LoginRequiredMiddleware:
    """Anonymous visitors get the login page for every URL not on the public list, including
    URLs that do not exist (so probing reveals nothing)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not is_public(request):
            if request.path_info.startswith(settings.STATIC_URL):
                return self.get_response(request)
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)


class SecondFactorMiddleware:
    """Staff must pass TOTP before any other page (admin site included). A patient who turned
    TOTP on must pass it too. In the demo (debug on) staff may skip enrolment."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified():
            name = _url_name(request)
            if name not in SECOND_FACTOR_URL_NAMES and not is_public(request):
                if has_confirmed_device(user):
                    return redirect_to_login(request.get_full_path(), "accounts:otp-verify")
                if user.is_clinic_staff and settings.WALKBACK_REQUIRE_STAFF_2FA:
                    return redirect_to_login(request.get_full_path(), "accounts:otp-setup")
        return self.get_response(request)


class IdleTimeoutMiddleware:
    """Log out after a stretch without requests (15 minutes for staff, 60 for patients), and
    in any case once the session is ``SESSION_ABSOLUTE_SECONDS`` old, however busy.

    The last-seen time is written at most once a minute to spare the session table.
    """

    SESSION_KEY = "last_seen"
    STARTED_KEY = "signed_in_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = int(time.time())
            limit = (
                settings.STAFF_IDLE_TIMEOUT_SECONDS
                if user.is_clinic_staff
                else settings.PATIENT_IDLE_TIMEOUT_SECONDS
            )
            last_seen = request.session.get(self.SESSION_KEY, now)
            started = request.session.setdefault(self.STARTED_KEY, now)
            if now - last_seen > limit or now - started > settings.SESSION_ABSOLUTE_SECONDS:
                idle = now - last_seen > limit
                logout(request)
                from django.contrib import messages

                messages.info(
                    request,
                    "You were logged out after a period without activity."
                    if idle
                    else "For safety you are logged out once a day. Please log in again.",
                )
                return redirect(settings.LOGIN_URL)
            if now - last_seen >= 60 or self.SESSION_KEY not in request.session:
                request.session[self.SESSION_KEY] = now
        return self.get_response(request)


class TimeZoneMiddleware:
    """Show every time in the viewer's own zone: their account's, else their clinic's
    (``User.zone``). Times are stored in UTC; without this, pages that format a time with
    ``|date`` (the admin dashboard's "figures as of", export times, link expiry) showed UTC.
    A visitor who is not logged in sees the site's default zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        with timezone.override(user.zone):
            return self.get_response(request)
