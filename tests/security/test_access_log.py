"""Issue 12, medium: gunicorn's access log wrote invitation, password-reset and reminder links
with their tokens. The web container logs through ``walkback.gunicorn_conf.RedactingLogger``:
the path without tokens, in the request line and the referrer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from gunicorn.config import Config

from coaching.reminders.links import preferences_token
from walkback.gunicorn_conf import RedactingLogger

ROOT = Path(__file__).resolve().parents[2]


def access_line(tmp_path, raw_uri, referer="-"):
    """What gunicorn writes for one request, through the configured logger."""
    log = tmp_path / "access.log"
    cfg = Config()
    cfg.set("accesslog", str(log))
    logger = RedactingLogger(cfg)
    path, _, query = raw_uri.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": raw_uri,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.9",
        "HTTP_REFERER": referer,
        "HTTP_USER_AGENT": "test",
    }
    resp = SimpleNamespace(status="200 OK", sent=10, headers=[])
    req = SimpleNamespace(headers=[("REFERER", referer)])
    logger.access(resp, req, environ, dt.timedelta(milliseconds=5))
    for handler in logger.access_log.handlers:
        handler.flush()
    return log.read_text()


@pytest.fixture
def secret_links(world):
    user = world.patient_a.user
    invite = "i" * 20 + "SecretInviteToken"
    reset_token = default_token_generator.make_token(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    reminder = preferences_token(world.patient_a)
    return {
        "secrets": [invite, reset_token, reminder, reminder.split(":")[-1]],
        "urls": [
            reverse("accounts:invite-accept", args=[invite]),
            reverse(
                "accounts:password-reset-confirm", kwargs={"uidb64": uid, "token": reset_token}
            ),
            reverse("reminders:preferences", args=[reminder]),
            reverse("reminders:stop", args=[reminder]),
        ],
    }


@pytest.mark.django_db
def test_the_access_log_shows_the_path_without_the_tokens(tmp_path, secret_links):
    for url in secret_links["urls"]:
        line = access_line(
            tmp_path, url + "?next=/me/", referer="https://walkback.example.org" + url
        )
        for secret in secret_links["secrets"]:
            assert secret not in line, (url, line)
        assert "[redacted]" in line
        assert url.split("/")[1] in line  # the page is still recognisable
        assert '" 200 ' in line


@pytest.mark.django_db
def test_ordinary_paths_are_logged_as_they_are_and_query_values_are_dropped(tmp_path):
    line = access_line(tmp_path, "/caseload/?q=Paula+Alpha&page=2")
    assert "GET /caseload/?q=-&page=- HTTP/1.1" in line
    assert "Paula" not in line


def test_the_dockerfile_runs_gunicorn_with_this_configuration():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "python:walkback.gunicorn_conf" in dockerfile
    assert "--access-logfile" not in dockerfile  # the config file decides, with its logger


@pytest.mark.django_db
def test_djangos_request_log_names_the_page_without_the_token(secret_links, settings):
    """A 4xx or 5xx is logged by Django as "Gone: <path>"; that path loses its token too."""
    import logging

    from walkback.core.redact import RedactPathsFilter

    assert "redact_paths" in settings.LOGGING["handlers"]["console"]["filters"]
    for url in secret_links["urls"]:
        record = logging.getLogger("django.request").makeRecord(
            "django.request", logging.WARNING, __file__, 1, "%s: %s", ("Gone", url), None
        )
        RedactPathsFilter().filter(record)
        message = record.getMessage()
        assert message.startswith("Gone: /") and "[redacted]" in message
        for secret in secret_links["secrets"]:
            assert secret not in message
