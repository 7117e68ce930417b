"""Fitbit's data export: ``Physical Activity/exercise-<n>.json``, a JSON list of logged
exercises (``logId``, ``activityName`` "Walk"/"Hike"/"Run"..., ``startTime``
``"03/05/24 07:31:00"``, ``duration`` in ms, ``steps``, ``distance`` with ``distanceUnit``).

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

from ._common import first_byte, head_text, too_many_rows
from .base import Activity, ActivityKind, ImportFileError, ImportLimits, Source

KINDS = {"walk": ActivityKind.WALK, "hike": ActivityKind.HIKE}
# Fitbit writes distance in the account's unit; metres per unit.
METRES_PER_UNIT = {"kilometer": 1000.0, "mile": 1609.344, "meter": 1.0}
START_FORMAT = "%m/%d/%y %H:%M:%S"

NOT_FITBIT = (
    "This is not a Fitbit exercise file. From your Fitbit data export, choose a file named "
    "\u201cexercise-\u2026.json\u201d in the \u201cPhysical Activity\u201d folder."
)
EMPTY = "This file is empty. " + NOT_FITBIT.split(". ", 1)[1]
EMPTY_LIST = "This Fitbit file lists no exercise, so there is nothing to import."
CUT_SHORT = (
    "This Fitbit file ends too early or is damaged, so nothing was imported. "
    "Download your Fitbit data export again."
)


def sniff(head: bytes, filename: str) -> bool:
    text = head_text(head).lstrip()
    return text.startswith("[") and '"logId"' in text and '"activityName"' in text


def parse(
    stream: BinaryIO, *, limits: ImportLimits, zone: dt.tzinfo | None = None
) -> Iterator[Activity]:
    zone = zone or dt.UTC
    first, rest = first_byte(stream)
    if not first:
        raise ImportFileError(EMPTY)
    if first != b"[":
        raise ImportFileError(NOT_FITBIT)
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
            f"Exercise {position} in this Fitbit file has a start time that cannot be read "
            f"(\u201c{str(raw_start)[:20]}\u201d). Download your Fitbit data export again."
        ) from None
    start = naive.replace(tzinfo=zone)
    milliseconds = _number(item.get("duration"))
    if milliseconds is None:
        raise ImportFileError(
            f"Exercise {position} in this Fitbit file has no length that can be read. "
            "Download your Fitbit data export again."
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
