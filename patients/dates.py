"""Dates as patients read them. Week arithmetic (Monday weeks, programme weeks, targets) is
``coaching.progress``; this module only writes a date out."""

from __future__ import annotations

import datetime as dt

from django.utils.formats import date_format
from django.utils.translation import gettext


def long_date(day: dt.date) -> str:
    """'Monday 3 June 2024': the date written out, as patients read it (in their language)."""
    # Translators: Django date format of a date written out in full, "Monday 3 June 2024".
    return date_format(day, gettext("l j F Y"))
