"""Template helpers of the patient's pages (templates/portal, templates/pwa)."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.conf import settings
from django.template.defaultfilters import date
from django.utils import timezone

register = template.Library()


@register.simple_tag
def now_formatted(format_string: str) -> str:
    """``{% now %}`` with a format that may be a variable or a translated ``_("...")`` (the
    built-in tag takes only a literal, so the order of day and month could not follow the
    language: docs/languages.md)."""
    zone = timezone.get_current_timezone() if settings.USE_TZ else None
    return date(datetime.now(tz=zone), format_string)
