"""Dates as patients read them. Week arithmetic (Monday weeks, programme weeks, targets) is
``coaching.progress``; this module only writes a date out."""

from __future__ import annotations

import datetime as dt


def long_date(day: dt.date) -> str:
    """'Monday 3 June 2024': the date written out, as patients read it."""
    return f"{day:%A} {day.day} {day:%B %Y}"
