"""Fitbit's exports, two kinds of file:

- the data export's ``Physical Activity/exercise-<n>.json``, a JSON list of logged exercises
  (``logId``, ``activityName`` "Walk"/"Hike"/"Run"..., ``startTime`` ``"03/05/24 07:31:00"``,
  ``duration`` in ms, ``steps``, ``distance`` with ``distanceUnit``): one activity each;
- fitbit.com's CSV export (``fitbit_export_<date>.csv``): sections ("Body", "Activities",
  "Sleep"...) each a title line, a header and rows; the "Activities" rows are days
  (``Date,Calories Burned,Steps,Distance,...``), each a ``STEPS`` activity (no walk times).

``startTime`` has no zone: it is read as wall-clock time in ``zone`` (the patient's zone,
passed by the pipeline; UTC when not given). The id is Fitbit's ``logId``, so a second
export of the same exercise matches whatever zone was used. The list is read item by item
(ijson), never whole. See docs/activity-import-formats.md ("Fitbit").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, BinaryIO

import ijson
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ._common import csv_rows, first_byte, head_text, local_midnight, too_many_rows
from .base import Activity, ActivityKind, ImportFileError, ImportLimits, Source

KINDS = {"walk": ActivityKind.WALK, "hike": ActivityKind.HIKE}
# Fitbit writes distance in the account's unit; metres per unit.
METRES_PER_UNIT = {"kilometer": 1000.0, "mile": 1609.344, "meter": 1.0}
START_FORMAT = "%m/%d/%y %H:%M:%S"

NOT_FITBIT = _(
    "This is not a Fitbit exercise file. From your Fitbit data export, choose a file named "
    "“exercise-….json” in the “Physical Activity” folder."
)
EMPTY = _(
    "This file is empty. From your Fitbit data export, choose a file named "
    "“exercise-….json” in the “Physical Activity” folder."
)
EMPTY_LIST = _("This Fitbit file lists no exercise, so there is nothing to import.")
CUT_SHORT = _(
    "This Fitbit file ends too early or is damaged, so nothing was imported. "
    "Download your Fitbit data export again."
)


CSV_SECTIONS = {"Body", "Foods", "Activities", "Sleep"}
ACTIVITIES_HEADER = ["Date", "Calories Burned", "Steps", "Distance", "Floors"]
# The CSV's dates follow the account's settings: "2021-08-01", "01-08-2021" (day first, as
# European accounts write it) or "08/01/2021" (month first, as US accounts write it).
CSV_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%m/%d/%Y")


def sniff(head: bytes, filename: str) -> bool:
    text = head_text(head).lstrip()
    if text.startswith("["):
        return '"logId"' in text and '"activityName"' in text
    lines = text.splitlines()
    return (
        len(lines) >= 2
        and lines[0].strip() in CSV_SECTIONS
        and lines[1].startswith(("Date,", "Start Time,"))
    )


def parse(
    stream: BinaryIO, *, limits: ImportLimits, zone: dt.tzinfo | None = None
) -> Iterator[Activity]:
    zone = zone or dt.UTC
    first, rest = first_byte(stream)
    if not first:
        raise ImportFileError(EMPTY)
    if first != b"[":
        yield from _parse_csv(rest, limits=limits, zone=zone)
        return
    count = 0
    items = ijson.items(rest, "item")
    try:
        for item in items:
            count += 1
            if count > limits.max_rows:
                raise too_many_rows(limits)
            if not isinstance(item, dict):
                raise ImportFileError(NOT_FITBIT)
            yield _activity(item, zone=zone, position=count)
    except ijson.common.IncompleteJSONError as error:
        raise ImportFileError(CUT_SHORT) from error
    except (ijson.common.JSONError, UnicodeDecodeError) as error:
        raise ImportFileError(NOT_FITBIT) from error
    if count == 0:
        raise ImportFileError(EMPTY_LIST)


def _activity(item: dict[str, Any], *, zone: dt.tzinfo, position: int) -> Activity:
    log_id = item.get("logId")
    name = item.get("activityName")
    if not isinstance(log_id, int | str) or not isinstance(name, str):
        raise ImportFileError(NOT_FITBIT)
    raw_start = item.get("startTime")
    try:
        naive = dt.datetime.strptime(str(raw_start), START_FORMAT)
    except ValueError:
        raise ImportFileError(
            gettext(
                "Exercise %(number)s in this Fitbit file has a start time that cannot be read "
                "(“%(value)s”). Download your Fitbit data export again."
            )
            % {"number": position, "value": str(raw_start)[:20]}
        ) from None
    start = naive.replace(tzinfo=zone)
    milliseconds = _number(item.get("duration"))
    if milliseconds is None:
        raise ImportFileError(
            gettext(
                "Exercise %(number)s in this Fitbit file has no length that can be read. "
                "Download your Fitbit data export again."
            )
            % {"number": position}
        )
    steps = _number(item.get("steps"))
    distance = _number(item.get("distance"))
    unit = str(item.get("distanceUnit") or "kilometer").strip().lower()
    metres = METRES_PER_UNIT.get(unit)
    return Activity(
        source=Source.FITBIT,
        source_id=str(log_id),
        kind=KINDS.get(name.strip().lower(), ActivityKind.OTHER),
        start=start,
        end=start + dt.timedelta(milliseconds=milliseconds),
        steps=round(steps) if steps is not None else None,
        distance_m=distance * metres if distance is not None and metres is not None else None,
        label=name,
    )


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    number = float(value)
    return number if 0 <= number < float("inf") else None


def _parse_csv(stream: BinaryIO, *, limits: ImportLimits, zone: dt.tzinfo) -> Iterator[Activity]:
    """The "Activities" section of fitbit.com's CSV export: one day of steps per row.

    Its distance is left out: the file does not say whether it is in kilometres or miles.
    """
    in_activities = False
    seen_activities = seen_section = False
    for line, row in enumerate(csv_rows(stream, what=_("a Fitbit export")), start=1):
        if line > limits.max_rows:
            raise too_many_rows(limits)
        cells = [cell.strip() for cell in row]
        if not any(cells):
            in_activities = False  # a blank line ends a section
            continue
        if len(cells) == 1 and cells[0] in CSV_SECTIONS:
            seen_section = True
            continue
        if cells[:5] == ACTIVITIES_HEADER:
            in_activities = seen_activities = True
            continue
        if not in_activities:
            continue
        day = _csv_date(cells[0], line=line)
        steps = _csv_number(cells[2] if len(cells) > 2 else "", line=line)
        if not steps:
            continue
        midnight = local_midnight(day, zone)
        yield Activity(
            source=Source.FITBIT,
            source_id=f"day:{day.isoformat()}:steps",
            kind=ActivityKind.STEPS,
            start=midnight,
            end=local_midnight(day + dt.timedelta(days=1), zone),
            steps=round(steps),
            label="Steps",
        )
    if not seen_section:
        raise ImportFileError(NOT_FITBIT)
    if not seen_activities:
        raise ImportFileError(
            gettext(
                "This Fitbit file has no “Activities” part. Export it again from "
                "fitbit.com with “Activities” ticked, or choose an "
                "“exercise-….json” file from your Fitbit data export."
            )
        )


def _csv_date(raw: str, *, line: int) -> dt.date:
    for pattern in CSV_DATE_FORMATS:
        try:
            return dt.datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise ImportFileError(
        gettext(
            "Line %(line)s of this Fitbit file has a date that cannot be read "
            "(“%(value)s”). Export the file from fitbit.com again."
        )
        % {"line": line, "value": raw[:20]}
    )


def _csv_number(raw: str, *, line: int) -> float | None:
    """Fitbit writes numbers quoted with thousands separators: ``"13,666"``."""
    text = raw.replace(",", "")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise ImportFileError(
            gettext(
                "Line %(line)s of this Fitbit file has a step count that is not a number "
                "(“%(value)s”). Export the file from fitbit.com again."
            )
            % {"line": line, "value": raw[:20]}
        )
    return value
