"""What makes the patient pages installable and usable without signal (docs/offline.md).

Two public files at the top of the site: the web app manifest and the service worker. The
service worker is served here rather than from /static/ so that its scope can be the whole
site (a worker controls only URLs under its own path) and so that it names the static files by
their hashed production names. Both are in the language of the request (the person's own when
logged in: docs/languages.md): the worker's few words of its own (no signal, logged out) are
written into it here, so a change of language makes a new worker. Neither holds anything about
a person: the patient's pages are cached by the worker itself, in the browser, after they were
fetched with the patient's cookie.
"""

from __future__ import annotations

import hashlib
import json

from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

# The site's colours (static/walkback/site.css): the header blue and the patient background.
THEME_COLOUR = "#0b5cad"
BACKGROUND_COLOUR = "#f6f8fb"

# Generated from the mark in static/walkback/favicon.svg by tools/make_icons.py.
ICONS = [
    ("walkback/icons/icon-192.png", 192, "any"),
    ("walkback/icons/icon-512.png", 512, "any"),
    ("walkback/icons/icon-maskable-192.png", 192, "maskable"),
    ("walkback/icons/icon-maskable-512.png", 512, "maskable"),
]

# The files every patient page needs, fetched once when the worker installs.
SHELL_FILES = [
    "bootstrap/css/bootstrap.min.css",
    "bootstrap/js/bootstrap.bundle.min.js",
    "walkback/site.css",
    "walkback/portal.js",
    "walkback/session.js",
    "walkback/pwa.js",
    "walkback/favicon.svg",
    "walkback/icons/icon-192.png",
]


def offline_pages() -> list[str]:
    """The only pages kept on the phone: the patient's home and "Log a walk"."""
    return [reverse("portal:home"), reverse("portal:walk-new")]


@require_GET
def manifest(request):
    data = {
        "name": "WalkBack",
        "short_name": "WalkBack",
        "description": _("Your walking programme for a healthy back."),
        "id": reverse("portal:home"),
        "start_url": reverse("portal:home"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "lang": get_language() or "en",
        "dir": "rtl" if get_language_bidi() else "ltr",
        "icons": [
            {
                "src": static(path),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": purpose,
            }
            for path, size, purpose in ICONS
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json")


def service_worker_source() -> str:
    config = {
        "shell": [static(path) for path in SHELL_FILES],
        "pages": offline_pages(),
        "home": reverse("portal:home"),
        "walkForm": reverse("portal:walk-new"),
        "logout": reverse("accounts:logout"),
        "login": reverse("accounts:login"),
        "icon": static("walkback/icons/icon-192.png"),
        # The JavaScript catalogue of the pages (static/walkback/*.js): kept for use without
        # signal, like the pages themselves.
        "catalog": reverse("javascript-catalog"),
        "lang": get_language() or "en",
        "dir": "rtl" if get_language_bidi() else "ltr",
        "text": {
            # Translators: the page a phone shows without signal for a page it has not kept.
            "noSignal": _("No signal"),
            "noSignalBody": _(
                "This page is not kept on your phone. Try again when you have signal."
            ),
            "loggedOutTitle": _("Logged out"),
            "loggedOut": _("Logged out on this phone"),
            "loggedOutBody": _(
                "Nothing about you is kept on this phone now. The clinic's server will hear "
                "that you logged out when your phone has signal again."
            ),
            # Translators: why a walk logged without signal was not saved, when the server's
            # page gave no reason.
            "notAccepted": _("The clinic's server did not accept it."),
        },
    }
    # ensure_ascii keeps the script plain ASCII (\u escapes); "<" is escaped too, like in any
    # JSON put inside HTML or a script.
    encoded = json.dumps(config, indent=2).replace("<", "\\u003c")
    source = render_to_string("pwa/sw.js", {"config": encoded})
    # The version changes whenever the worker's code or a static file's hashed name changes,
    # which is what makes browsers install the new worker and drop the old shell cache.
    version = hashlib.sha256(source.encode()).hexdigest()[:12]
    return source.replace("__VERSION__", version)


@never_cache
@require_GET
def service_worker(request):
    response = HttpResponse(service_worker_source(), content_type="text/javascript")
    # Served from /sw.js its scope is "/" already; the header says so explicitly, and
    # never_cache (no-cache, no-store) makes every update check see the current code.
    response["Service-Worker-Allowed"] = "/"
    return response
