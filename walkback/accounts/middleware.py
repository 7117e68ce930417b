"""Request-wide account rules: deny by default, staff second factor, idle timeout, and the
viewer's time zone."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect
from django.urls import resolve
from django.urls.exceptions import Resolver404
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from walkback.accounts.languages import language_for, speaking_to
from walkback.accounts.selectors import device_session_current, has_confirmed_device
from walkback.accounts.sessions import (
    DEVICE_SESSION_KEY,
    DRAFT_SESSION_KEY,
    device_session_touch,
    draft_keep,
    draft_take,
)

# The short public list: everything else needs a login (docs/security.md#access, row 1).
PUBLIC_URL_NAMES = {
    "accounts:login",
    "accounts:logout",
    "accounts:invite-accept",
    "accounts:password-reset",
    "accounts:password-reset-done",
    "accounts:password-reset-confirm",
    "accounts:password-reset-complete",
    "set_language",
    "healthz",
    "healthz-ready",
    # Fetched by the browser without cookies (the manifest) or on update checks after logout
    # (the worker); neither holds anything about a person (docs/offline.md).
    "pwa-manifest",
    "pwa-service-worker",
    # The words of the pages' scripts, on the login page too; nothing about a person.
    "javascript-catalog",
}
# Namespaces whose views carry their own signed-token check (e.g. unsubscribe links).
PUBLIC_NAMESPACES: set[str] = {"reminders", "feeds"}

# Pages a logged-in person may reach before passing the second factor.
SECOND_FACTOR_URL_NAMES = {
    "accounts:logout",
    "accounts:otp-setup",
    "accounts:otp-verify",
    "healthz",
    "healthz-ready",
    "pwa-manifest",
    "pwa-service-worker",
    "javascript-catalog",
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
    in any case once the session is ``SESSION_ABSOLUTE_SECONDS`` old, however busy. A
    patient's phone kept signed in (``DeviceSession``) has its own limit instead.

    A form sent just after the timeout is kept on the server for its author, who is sent to
    log in and then back to the same page with what they typed (``KeptDraftMiddleware``).
    Pages set ``request.idle_seconds_left`` for the warning before the timeout
    (static/walkback/session.js). See docs/security.md#sessions-and-drafts.

    The last-seen time is written at most once a minute to spare the session table.
    """

    SESSION_KEY = "last_seen"
    STARTED_KEY = "signed_in_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.idle_seconds_left = request.idle_limit_seconds = None
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        now = int(time.time())
        last_seen = request.session.get(self.SESSION_KEY, now)
        fresh = now - last_seen >= 60 or self.SESSION_KEY not in request.session
        if DEVICE_SESSION_KEY in request.session:
            device = device_session_current(user, request.session[DEVICE_SESSION_KEY])
            if device is None:
                return self._log_out(
                    request, user, gettext_noop("This phone was signed out. Please log in again.")
                )
            if fresh:
                request.session[self.SESSION_KEY] = now
                device_session_touch(device=device)
            return self.get_response(request)
        limit = (
            settings.STAFF_IDLE_TIMEOUT_SECONDS
            if user.is_clinic_staff
            else settings.PATIENT_IDLE_TIMEOUT_SECONDS
        )
        started = request.session.setdefault(self.STARTED_KEY, now)
        if now - last_seen > limit or now - started > settings.SESSION_ABSOLUTE_SECONDS:
            idle = now - last_seen > limit
            return self._log_out(
                request,
                user,
                gettext_noop("You were logged out after a period without activity.")
                if idle
                else gettext_noop("For safety you are logged out once a day. Please log in again."),
            )
        if fresh:
            request.session[self.SESSION_KEY] = now
            last_seen = now
        request.idle_limit_seconds = limit
        request.idle_warning_seconds = settings.IDLE_WARNING_SECONDS
        request.idle_seconds_left = limit - (now - last_seen)
        return self.get_response(request)

    def _log_out(self, request, user, message: str):
        """End the session; keep a form it was sending; send the person to log in and then
        back to this page. ``message`` is marked with ``gettext_noop`` and said here in the
        person's own language (this runs before ``UserLanguageMiddleware``)."""
        name = _url_name(request)
        with speaking_to(user):
            message = gettext(message)
            kept_too = gettext(
                "What you typed is kept: log in and you will see it again to finish."
            )
        draft = None
        if request.method == "POST" and name in DRAFT_URL_NAMES and _csrf_passes(request):
            draft = draft_keep(user=user, path=request.path, page=name, post=request.POST)
        logout(request)
        if draft is not None:
            request.session[DRAFT_SESSION_KEY] = {"id": draft.pk, "path": draft.path}
            message += " " + kept_too
        messages.info(request, message)
        # A GET page is worth returning to; a POST-only action is not (its page may not exist).
        target = request.get_full_path() if request.method == "GET" or draft else None
        if target and is_safe_to_return(name):
            return redirect_to_login(target, settings.LOGIN_URL)
        return redirect(settings.LOGIN_URL)


# Pages whose view binds its form to ``request.POST`` but saves only on a POST: a kept draft
# can be given back to them on a GET without being sent (tests/accounts/test_kept_drafts.py
# proves each saves nothing when given one back).
DRAFT_URL_NAMES = frozenset(
    {
        "coaching:session-detail",
        "coaching:session-edit",
        "portal:walk-new",
        "portal:walk-edit",
        "portal:check-in",
        "portal:problem",
        "portal:reminders",
    }
)


def is_safe_to_return(name: str | None) -> bool:
    """The login page's ``next``: only pages, never logout or the JSON extend endpoint."""
    return name is not None and name not in {"accounts:logout", "accounts:session-extend"}


def _csrf_passes(request) -> bool:
    """A form from another site is not kept: Django's own CSRF check, run early."""

    def view(request) -> HttpResponse:  # never called: process_view only inspects it
        return HttpResponse()

    return CsrfViewMiddleware(view).process_view(request, view, (), {}) is None


class KeptDraftMiddleware:
    """After logging in again, the page a kept form was sent to shows what was typed: the
    draft becomes the form's data on a GET, so the view shows it (with any messages next to
    the fields) and saves nothing until the person presses the button again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        kept = request.session.get(DRAFT_SESSION_KEY) if request.user.is_authenticated else None
        if kept and request.method == "GET" and request.path == kept.get("path"):
            del request.session[DRAFT_SESSION_KEY]
            data = draft_take(user=request.user, draft_id=kept["id"], path=request.path)
            if data is not None:
                request.POST = data
                messages.info(
                    request,
                    gettext(
                        "Here is what you typed before you were logged out. Check it, then save."
                    ),
                )
            else:
                messages.info(
                    request,
                    gettext(
                        "What you typed before you were logged out is no longer kept. "
                        "Please type it again."
                    ),
                )
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


class UserLanguageMiddleware:
    """Pages in the account's own language (``languages.language_for``): the person's choice,
    else their clinic's. Runs after ``LocaleMiddleware``, which has already picked the
    browser's language for visitors who are not logged in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        language = language_for(user)
        request.LANGUAGE_CODE = language
        # Left active, as LocaleMiddleware leaves its own: a streamed export is written after
        # the middleware has returned, and its headers must still be in this language. Every
        # request sets the language again before anything is rendered.
        translation.activate(language)
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
