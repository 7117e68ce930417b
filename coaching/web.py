"""Small view helpers shared by the staff pages of ``coaching`` and ``patients``."""

from __future__ import annotations

from functools import wraps

from django.utils import timezone


def in_user_zone(view):
    """Render dates and times in the signed-in person's own time zone (sessions are stored in
    UTC; a physiotherapist books and reads them on their own clock)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with timezone.override(request.user.zone):
            return view(request, *args, **kwargs)

    return wrapper
