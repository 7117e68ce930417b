"""Local times, quiet hours and backoff: the arithmetic reminders rely on.

Every due time is stored in UTC but decided in the recipient's own time zone: a 07:30 walk
reminder is "07:30 on this local date" turned into UTC for that date, so it stays 07:30 across
daylight-saving changes. A wall time that does not exist (the spring gap) moves forward by the
gap; one that happens twice (the autumn overlap) is the first of the two. Each reminder's key
holds the local date, so it is planned once either way.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

UTC = dt.UTC


def parse_time(value: str) -> dt.time:
    try:
        return dt.time.fromisoformat(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{value!r} is not a time like 08:00") from None


def quiet_hours() -> tuple[dt.time, dt.time] | None:
    """``REMINDER_QUIET_HOURS`` as (start, end) local times, or None when set to "off"."""
    raw = settings.REMINDER_QUIET_HOURS.strip().lower()
    if raw in ("", "off", "none"):
        return None
    try:
        start, end = raw.split("-")
    except ValueError:
        raise ImproperlyConfigured(
            f"REMINDER_QUIET_HOURS must look like 21:00-08:00 or off, not {raw!r}"
        ) from None
    return parse_time(start), parse_time(end)


def default_time() -> dt.time:
    return parse_time(settings.REMINDER_DEFAULT_TIME)


def local_at(day: dt.date, at: dt.time, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The UTC instant of wall time ``at`` on ``day`` in ``zone``.

    ``fold=0`` (PEP 495): in the autumn overlap the first of the two instants; in the spring
    gap the offset from before the change, which moves the time forward by the gap (02:30 that
    does not exist is sent at 03:30, never skipped).
    """
    return dt.datetime.combine(day, at).replace(tzinfo=zone, fold=0).astimezone(UTC)


def in_quiet_hours(instant: dt.datetime, zone: zoneinfo.ZoneInfo) -> bool:
    window = quiet_hours()
    if window is None:
        return False
    start, end = window
    t = instant.astimezone(zone).time()
    if start <= end:
        return start <= t < end
    return t >= start or t < end


def end_of_quiet_hours(instant: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """``instant`` itself when it is outside quiet hours, else the moment they end locally."""
    window = quiet_hours()
    if window is None or not in_quiet_hours(instant, zone):
        return instant
    start, end = window
    local = instant.astimezone(zone)
    day = local.date()
    if start > end and local.time() >= start:
        day += dt.timedelta(days=1)  # evening part of a window that runs past midnight
    return local_at(day, end, zone)


def retry_delay(attempts: int, *, rng: random.Random | None = None) -> dt.timedelta:
    """Exponential backoff with jitter after ``attempts`` failed tries: about 1, 2, 4, 8...
    minutes, capped at an hour; each delay is drawn from the upper half of its step so that
    many reminders failing together (a mail outage) do not all come back in the same minute."""
    rng = rng or random.SystemRandom()
    step = min(3600.0, 60.0 * 2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=step / 2 + rng.uniform(0, step / 2))
