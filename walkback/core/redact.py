"""Secrets out of logged URLs: invitation, password-reset and reminder links carry their token
in the path. Used by gunicorn's access log (``walkback.gunicorn_conf``) and by the filter on
Django's request log (``settings.LOGGING``), which names the path of every 4xx and 5xx."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

# URL pattern arguments that are credentials (walkback/accounts/urls.py,
# coaching/reminders/urls.py). A new link with a secret in its path names it ``token``.
SECRET_ARGUMENTS = frozenset({"token", "uidb64"})
REDACTED = "[redacted]"


def redact_path(path: str) -> str:
    """``path`` (as sent, percent-encoded or not) with the secret segments replaced."""
    from django.urls import Resolver404, resolve

    try:
        match = resolve(unquote(path))
    except Resolver404:
        return path  # not a link we made: nothing in it came from us
    except Exception:  # noqa: BLE001 - a log line must never fail; hide what we cannot judge
        return "[path hidden]"
    secrets = {str(value) for name, value in match.kwargs.items() if name in SECRET_ARGUMENTS}
    if not secrets:
        return path
    return "/".join(
        REDACTED if unquote(segment) in secrets else segment for segment in path.split("/")
    )


def redact_url(url: str | None) -> str | None:
    """A path with its query (``/a/b?x=1``) or a full URL (a referrer), redacted."""
    if not url or url == "-":
        return url
    parts = urlsplit(url)
    query = "&".join(f"{quote(name)}=-" for name, _ in parse_qsl(parts.query, True))
    return urlunsplit((parts.scheme, parts.netloc, redact_path(parts.path), query, ""))


class RedactPathsFilter(logging.Filter):
    """For ``django.request`` and ``django.server``: "Gone: /accounts/invite/<token>/" is
    written as "Gone: /accounts/invite/[redacted]/"."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_url(arg) if isinstance(arg, str) and arg.startswith("/") else arg
                for arg in record.args
            )
        return True
