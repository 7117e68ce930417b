"""Small view helpers shared by the staff pages of ``coaching`` and ``patients``."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import ValidationError
from django.utils import timezone


def in_user_zone(view):
    """Render dates and times in the signed-in person's own time zone (sessions are stored in
    UTC; a physiotherapist books and reads them on their own clock)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with timezone.override(request.user.zone):
            return view(request, *args, **kwargs)

    return wrapper


def add_service_errors(form, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` next to the fields it names (or at the top)."""
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)
