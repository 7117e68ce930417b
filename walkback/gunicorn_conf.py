"""gunicorn's settings for the web container (``gunicorn -c python:walkback.gunicorn_conf``).

The access log stays on, but a line never carries a secret: invitation, password-reset and
reminder links hold their token in the path, so whatever a URL pattern captures as ``token``
or ``uidb64`` is written as ``[redacted]``, in the request line and in the referrer. Query
strings keep their names and lose their values (a search can be a patient's name). See
``walkback.core.redact``, which also cleans Django's own request log.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from gunicorn.glogging import Logger

from walkback.core.redact import redact_path, redact_url

bind = "0.0.0.0:8000"
workers = 3
accesslog = "-"
logger_class = "walkback.gunicorn_conf.RedactingLogger"


class RedactingLogger(Logger):
    """gunicorn's logger with the path, query and referrer of every access line redacted."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        raw = redact_url(environ.get("RAW_URI") or environ.get("PATH_INFO", ""))
        atoms["r"] = f"{environ['REQUEST_METHOD']} {raw} {environ['SERVER_PROTOCOL']}"
        atoms["U"] = redact_path(environ.get("PATH_INFO", ""))
        atoms["q"] = urlsplit(raw).query
        atoms["f"] = redact_url(environ.get("HTTP_REFERER", "-"))
        # The same values under their header and environ names, for custom formats.
        for key in (
            "{referer}i",
            "{raw_uri}e",
            "{path_info}e",
            "{query_string}e",
            "{http_referer}e",
        ):
            atoms.pop(key, None)
        return atoms
