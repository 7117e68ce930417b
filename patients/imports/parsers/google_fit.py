"""Google Fit, as Google Takeout exports it (folder ``Takeout/Fit``). Three kinds of file:

- ``Daily activity metrics.csv``: one row per day (``Date`` column, ``YYYY-MM-DD``) with
  ``Step count``, ``Distance (m)`` and one ``<Activity> duration (ms)`` column per activity;
  each day's ``Walking duration (ms)`` becomes one walk that day (``Hiking duration (ms)`` one
  hike, ``Running duration (ms)`` and other activities one ``OTHER`` each), and a day's steps
  with no walking become a ``STEPS`` activity;
- ``Daily activity metrics/YYYY-MM-DD.csv``: the same columns per 15-minute interval, with
  ``Start time``/``End time`` as times of day with their offset (``07:30:00.000+01:00``) and the
  date only in the file's name (give it as ``day=``); the day's intervals add up to one walk;
- ``All sessions/<start>_WALKING.json``: one recorded session (``fitnessActivity``,
  ``startTime``, ``endTime``, ``aggregate`` steps and distance); it becomes one activity.

Day-only rows are placed at midnight in ``zone`` (the patient's, default UTC), so the preview
puts them on the day the file names. See docs/activity-import-formats.md ("Google Fit").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

import ijson
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ._common import (
    csv_rows,
    digest_id,
    first_byte,
    head_text,
    local_midnight,
    too_many_rows,
)
from .base import Activity, ActivityKind, ImportFileError, ImportLimits, Source

WALKING = "Walking duration (ms)"
HIKING = "Hiking duration (ms)"
STEPS = "Step count"
DISTANCE = "Distance (m)"
DURATION_COLUMNS = {WALKING: ActivityKind.WALK, HIKING: ActivityKind.HIKE}
DURATION_SUFFIX = " duration (ms)"
# "<X> duration (ms)" columns that are not an activity: time asleep, still, in a car.
NOT_ACTIVITIES = ("inactive", "sleep", "awake", "unknown", "still", "vehicle")
# Session activity names that are walking (Google Fit's activity types, lower case).
SESSION_KINDS = {
    "walking": ActivityKind.WALK,
    "walking.fitness": ActivityKind.WALK,
    "walking.nordic": ActivityKind.WALK,
    "walking.treadmill": ActivityKind.WALK,
    "walking.stroller": ActivityKind.WALK,
    "hiking": ActivityKind.HIKE,
}
DAY_FILE_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})\.csv$")

NOT_GOOGLE_FIT = _(
    "This is not a Google Fit file. From Google Takeout's Fit folder, choose "
    "“Daily activity metrics.csv” or a session file from “All sessions”."
)
EMPTY = _(
    "This file is empty. From Google Takeout's Fit folder, choose “Daily activity metrics.csv”."
)
NEEDS_DAY = _(
    "This is one day's file from Google Fit. Choose “Daily activity metrics.csv” "
    "from the same folder instead: it has every day."
)


def sniff(head: bytes, filename: str) -> bool:
    text = head_text(head).lstrip()
    if text.startswith("{"):
        return '"fitnessActivity"' in text
    first_line = text.split("\n", 1)[0]
    return _is_metrics_header(first_line.split(","))


def day_from_filename(filename: str) -> dt.date | None:
    """The date of a per-day file (``2024-03-05.csv``), for ``parse(..., day=...)``."""
    match = DAY_FILE_NAME.search(filename)
    if match is None:
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        return None


def parse(
    stream: BinaryIO,
    *,
    limits: ImportLimits,
    zone: dt.tzinfo | None = None,
    day: dt.date | None = None,
) -> Iterator[Activity]:
    first, rest = first_byte(stream)
    if not first:
        raise ImportFileError(EMPTY)
    if first == b"{":
        yield from _parse_session(rest, limits=limits)
    else:
        yield from _parse_metrics(rest, limits=limits, zone=zone or dt.UTC, day=day)


# --- Daily activity metrics (CSV) -------------------------------------------------------------


def _is_metrics_header(columns: list[str]) -> bool:
    names = {column.strip().lstrip("\ufeff") for column in columns}
    has_time = "Date" in names or {"Start time", "End time"} <= names
    return has_time and (STEPS in names or WALKING in names or "Move Minutes count" in names)


def _parse_metrics(
    stream: Any, *, limits: ImportLimits, zone: dt.tzinfo, day: dt.date | None
) -> Iterator[Activity]:
    rows = csv_rows(stream, what=_("a Google Fit daily activity file"))
    header = next(rows, None)
    if header is None:
        raise ImportFileError(EMPTY)
    if not _is_metrics_header(header):
        raise ImportFileError(NOT_GOOGLE_FIT)
    columns = {name.strip(): index for index, name in enumerate(header)}
    measures = _measures(columns)
    if "Date" in columns:
        yield from _daily_rows(rows, columns, measures, limits=limits, zone=zone)
    else:
        if day is None:
            raise ImportFileError(NEEDS_DAY)
        yield from _interval_rows(rows, columns, measures, limits=limits, day=day)


def _measures(columns: dict[str, int]) -> tuple[str, ...]:
    """The columns read: steps, distance, walking and hiking, then every other activity's
    duration (running, cycling...: yielded as OTHER so the preview can say "not a walk")."""
    others = [
        name
        for name in columns
        if name.endswith(DURATION_SUFFIX)
        and name not in DURATION_COLUMNS
        and not any(word in name.lower() for word in NOT_ACTIVITIES)
    ]
    return (STEPS, DISTANCE, *DURATION_COLUMNS, *others)


def _daily_rows(
    rows: Iterator[list[str]],
    columns: dict[str, int],
    measures: tuple[str, ...],
    *,
    limits: ImportLimits,
    zone: dt.tzinfo,
) -> Iterator[Activity]:
    for line, row in enumerate(rows, start=2):
        if line - 1 > limits.max_rows:
            raise too_many_rows(limits)
        if not any(cell.strip() for cell in row):
            continue
        raw_date = _cell(row, columns, "Date")
        try:
            day = dt.date.fromisoformat(raw_date)
        except ValueError:
            raise ImportFileError(
                gettext(
                    "Line %(line)s of this Google Fit file has a date that cannot be read "
                    "(“%(value)s”). Export the file from Google Takeout again."
                )
                % {"line": line, "value": raw_date[:20]}
            ) from None
        values = {name: _number(row, columns, name, line=line) for name in measures}
        midnight = local_midnight(day, zone)
        yield from _day_activities(
            values,
            start=midnight,
            day_end=local_midnight(day + dt.timedelta(days=1), zone),
            day=day,
        )


def _day_activities(
    values: dict[str, float | None], *, start: dt.datetime, day_end: dt.datetime, day: dt.date
) -> Iterator[Activity]:
    """A day's walking, hiking and each other activity as one activity each, from ``start``.

    The day's steps and distance cover the whole day: they go with its walk (or hike), or,
    on a day with neither, make a ``STEPS`` activity over the whole day.
    """
    steps = values.get(STEPS)
    distance = values.get(DISTANCE)
    walked = False
    for column, milliseconds in values.items():
        if column in (STEPS, DISTANCE) or not milliseconds:
            continue
        label = column.removesuffix(DURATION_SUFFIX)
        kind = DURATION_COLUMNS.get(column, ActivityKind.OTHER)
        first_walk = kind != ActivityKind.OTHER and not walked
        walked = walked or first_walk
        yield Activity(
            source=Source.GOOGLE_FIT,
            source_id=f"day:{day.isoformat()}:"
            + (kind.value if kind != ActivityKind.OTHER else f"other:{label.lower()}"),
            kind=kind,
            start=start,
            end=start + dt.timedelta(milliseconds=milliseconds),
            steps=round(steps) if first_walk and steps is not None else None,
            distance_m=distance if first_walk else None,
            label=label,
        )
    if not walked and steps:
        yield Activity(
            source=Source.GOOGLE_FIT,
            source_id=f"day:{day.isoformat()}:steps",
            kind=ActivityKind.STEPS,
            start=start,
            end=day_end,
            steps=round(steps),
            distance_m=distance,
            label="Step count",
        )


def _interval_rows(
    rows: Iterator[list[str]],
    columns: dict[str, int],
    measures: tuple[str, ...],
    *,
    limits: ImportLimits,
    day: dt.date,
) -> Iterator[Activity]:
    """A per-day file: its 15-minute intervals added up into the day's walk and hike.

    The walk starts at the first interval with walking in it (a real time of day, with the
    file's own offset), so it lands near the hour the patient walked.
    """
    totals: dict[str, float | None] = dict.fromkeys(measures)
    midnight: dt.datetime | None = None
    first_moving: dt.datetime | None = None
    for line, row in enumerate(rows, start=2):
        if line - 1 > limits.max_rows:
            raise too_many_rows(limits)
        if not any(cell.strip() for cell in row):
            continue
        raw_start = _cell(row, columns, "Start time")
        try:
            clock = dt.time.fromisoformat(raw_start)
        except ValueError:
            raise ImportFileError(
                gettext(
                    "Line %(line)s of this Google Fit file has a time that cannot be read "
                    "(“%(value)s”). Export the file from Google Takeout again."
                )
                % {"line": line, "value": raw_start[:20]}
            ) from None
        zone = clock.tzinfo or dt.UTC
        if midnight is None:
            midnight = dt.datetime.combine(day, dt.time(), tzinfo=zone)
        for column in measures:
            value = _number(row, columns, column, line=line)
            if value:
                totals[column] = (totals.get(column) or 0.0) + value
                if column in DURATION_COLUMNS and first_moving is None:
                    first_moving = dt.datetime.combine(day, clock.replace(tzinfo=zone))
    if midnight is None:
        return
    yield from _day_activities(
        totals, start=first_moving or midnight, day_end=midnight + dt.timedelta(days=1), day=day
    )


def _cell(row: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def _number(row: list[str], columns: dict[str, int], name: str, *, line: int) -> float | None:
    raw = _cell(row, columns, name)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        values = {"line": line, "column": name, "value": raw[:20]}
        if line:
            message = gettext(
                "Line %(line)s of this Google Fit file has a value that is not a number in "
                "“%(column)s” (“%(value)s”). Export the file from Google "
                "Takeout again."
            )
        else:
            message = gettext(
                "This Google Fit file has a value that is not a number in “%(column)s” "
                "(“%(value)s”). Export the file from Google Takeout again."
            )
        raise ImportFileError(message % values)
    return value


# --- All sessions (JSON, one session per file) ------------------------------------------------


def _parse_session(stream: Any, *, limits: ImportLimits) -> Iterator[Activity]:
    """One session object, read key by key: its ``segment`` list can be long and is skipped."""
    fields: dict[str, Any] = {}
    steps: float | None = None
    distance: float | None = None
    metric: str | None = None
    try:
        for prefix, event, value in ijson.parse(stream, use_float=True):
            if prefix in {"fitnessActivity", "startTime", "endTime", "duration"}:
                fields[prefix] = value
            elif prefix == "aggregate.item.metricName":
                metric = value
            elif prefix in {"aggregate.item.intValue", "aggregate.item.floatValue"}:
                if metric == "com.google.step_count.delta":
                    steps = value
                elif metric == "com.google.distance.delta":
                    distance = value
            elif prefix == "aggregate.item" and event == "end_map":
                metric = None
    except ijson.common.JSONError as error:
        raise ImportFileError(
            gettext(
                "This Google Fit session file ends too early or is not valid JSON: it was cut "
                "short or damaged. Export it from Google Takeout again."
            )
        ) from error
    except UnicodeDecodeError as error:
        raise ImportFileError(NOT_GOOGLE_FIT) from error
    if limits.max_rows < 1:
        raise too_many_rows(limits)
    activity_name = fields.get("fitnessActivity")
    if not isinstance(activity_name, str) or "startTime" not in fields:
        raise ImportFileError(NOT_GOOGLE_FIT)
    start = _instant(fields.get("startTime"))
    end = _instant(fields.get("endTime")) if "endTime" in fields else None
    if end is None and start is not None:
        seconds = _seconds(fields.get("duration"))
        end = start + dt.timedelta(seconds=seconds) if seconds is not None else None
    if start is None or end is None or end < start:
        raise ImportFileError(
            gettext(
                "This Google Fit session has a start or end time that cannot be read. "
                "Export it from Google Takeout again."
            )
        )
    name = activity_name.strip().lower()
    yield Activity(
        source=Source.GOOGLE_FIT,
        # Sessions carry no id of their own in Takeout: the same session gives the same digest.
        source_id="session:" + digest_id(name, start.isoformat(), end.isoformat()),
        kind=SESSION_KINDS.get(name, ActivityKind.OTHER),
        start=start,
        end=end,
        steps=round(steps) if isinstance(steps, int | float) and steps >= 0 else None,
        distance_m=float(distance) if isinstance(distance, int | float) and distance >= 0 else None,
        label=activity_name,
    )


def _instant(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _seconds(value: object) -> float | None:
    """Takeout writes durations as protobuf strings: ``"1800s"``, ``"599.052s"``."""
    if not isinstance(value, str) or not value.endswith("s"):
        return None
    try:
        seconds = float(value[:-1])
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
