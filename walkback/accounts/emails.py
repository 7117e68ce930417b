"""One spelling of an e-mail address: the login, the lockout, invitations, password reset and
uniqueness all go through ``normalize_email`` (docs/security.md, "One address, one identity").

Django's own ``BaseUserManager.normalize_email`` lower-cases only the domain. Here the whole
address is lower-cased: no mail provider a clinic's patients use treats the local part's case
as meaningful, and two spellings of one address must never be two lockout counters.
"""

from __future__ import annotations


def normalize_email(value: str | None) -> str:
    """The address as it is stored and compared: stripped, lower-cased whole."""
    return (value or "").strip().lower()


def axes_username(request, credentials: dict | None = None) -> str:
    """``AXES_USERNAME_CALLABLE``: the lockout counts failures per normalised address, so
    ``SOMEONE@CLINIC.TEST`` shares the counter of ``someone@clinic.test``."""
    from django.conf import settings

    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials is not None and field in credentials:
        return normalize_email(credentials.get(field))
    data = getattr(request, "data", None) or getattr(request, "POST", {})
    return normalize_email(data.get(field))
