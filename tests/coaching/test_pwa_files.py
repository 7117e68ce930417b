"""The manifest, the service worker's file and headers, the icons, and logging out's
Clear-Site-Data (docs/offline.md). What the worker does in a browser is
tests/browser/test_offline.py."""

from __future__ import annotations

import json
import struct

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from coaching.portal.pwa import SHELL_FILES
from walkback.accounts.views import CLEAR_SITE_DATA


def png_size(path: str) -> tuple[int, int]:
    with open(path, "rb") as png:
        header = png.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


@pytest.mark.django_db
def test_the_manifest_installs_the_patient_home(client):
    response = client.get(reverse("pwa-manifest"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/me/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0b5cad"
    purposes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert purposes == {
        ("192x192", "any"),
        ("512x512", "any"),
        ("192x192", "maskable"),
        ("512x512", "maskable"),
    }
    for icon in manifest["icons"]:
        found = finders.find(icon["src"].removeprefix(settings.STATIC_URL))
        assert found, icon["src"]
        size = int(icon["sizes"].split("x")[0])
        assert png_size(found) == (size, size)


@pytest.mark.django_db
def test_the_service_worker_covers_the_site_and_is_never_cached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    source = response.content.decode()
    # The template was rendered: the pages it keeps and the files it needs, by their URLs.
    assert '"pages": [\n    "/me/",\n    "/me/walks/new/"\n  ]' in source
    assert "__VERSION__" not in source
    assert "{%" not in source
    for path in SHELL_FILES:
        assert finders.find(path), path


@pytest.mark.django_db
def test_the_site_policy_stays_strict_for_the_worker(client):
    """The worker and pwa.js are files from the site itself: the CSP needs no inline script,
    no eval and no worker from elsewhere to allow them."""
    response = client.get("/sw.js")
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "script-src 'self'" in policy


def test_patient_pages_link_the_manifest_staff_pages_do_not(world, client_for):
    patient_page = client_for(world.patient_a.user).get(reverse("portal:home")).content.decode()
    assert f'<link rel="manifest" href="{reverse("pwa-manifest")}">' in patient_page
    assert 'data-service-worker="/sw.js"' in patient_page
    staff_page = client_for(world.physio_a).get(reverse("coaching:caseload")).content.decode()
    assert "manifest" not in staff_page and "sw.js" not in staff_page


def test_the_home_carries_the_time_its_copy_was_made(world, client_for):
    page = client_for(world.patient_a.user).get(reverse("portal:home")).content.decode()
    # Hidden online; the worker un-hides it in the copy it keeps.
    assert "data-saved-copy hidden>No signal: this is your page as it was at" in page


@pytest.mark.parametrize("who", ["patient_a", "physio_a"])
def test_logging_out_asks_the_browser_to_clear_what_it_keeps(world, client_for, who):
    user = getattr(world, who)
    client = client_for(getattr(user, "user", user))
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == CLEAR_SITE_DATA == '"cache", "storage"'
