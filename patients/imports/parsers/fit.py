"""Garmin (and other watches') FIT activity files: one activity per ``session`` message.

Decoded with ``fitdecode``, which reads the file frame by frame from the stream (memory does
not grow with the thousands of per-second ``record`` messages a long walk has) and checks the
file's CRC. See docs/activity-import-formats.md ("FIT").
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Iterator
from typing import Any, BinaryIO

import fitdecode
from django.utils.translation import gettext_lazy as _

from ._common import digest_id, too_many_rows
from .base import Activity, ActivityKind, ImportFileError, ImportLimits, Source

# The 14-byte (or legacy 12-byte) header: its size byte, then ".FIT" at offset 8.
FIT_SIGNATURE = b".FIT"

WALKING_SPORTS = {"walking": ActivityKind.WALK, "hiking": ActivityKind.HIKE}
# A sub-sport that is walking whatever the sport says (a treadmill walk is often
# sport "fitness_equipment" with sub-sport "indoor_walking").
WALKING_SUB_SPORTS = {"indoor_walking", "casual_walking", "speed_walking"}
# FIT counts strides (one per two steps) in total_cycles for foot sports; watches and their
# apps show steps as twice that (docs/activity-import-formats.md).
FOOT_SPORTS = {"walking", "hiking", "running"}

DAMAGED = _(
    "This FIT file is damaged (its check digits do not match its contents), so it was not "
    "imported. Copy it from the watch or its app again and try once more."
)
NOT_FIT = _(
    "This is not a FIT activity file. Choose the .fit file your watch or its app saved for the "
    "activity."
)
CUT_SHORT = _(
    "This FIT file ends too early: it was cut short while being copied or downloaded. "
    "Copy it from the watch or its app again."
)
EMPTY = _("This file is empty. Choose the .fit file your watch or its app saved for the activity.")
NO_ACTIVITY = _(
    "This FIT file holds no activity (it may be a course, a workout plan or settings). "
    "Choose the file of a walk you recorded."
)


def sniff(head: bytes, filename: str) -> bool:
    """A FIT file starts with a header of 12 or 14 bytes whose bytes 8-11 are ".FIT"."""
    return len(head) >= 12 and head[0] in (12, 14) and head[8:12] == FIT_SIGNATURE


def parse(stream: BinaryIO, *, limits: ImportLimits) -> Iterator[Activity]:
    """Yield one activity per session, after the file's CRC has been checked.

    Sessions are few (one per activity; a multisport file has a handful), so they are held
    until the end of the file, where the CRC is: a damaged file yields nothing at all.
    """
    sessions: list[Activity] = []
    device_id = ""
    headers = session_count = 0
    try:
        with fitdecode.FitReader(
            stream, check_crc=fitdecode.CrcCheck.RAISE, keep_raw_chunks=False
        ) as reader:
            for frame in reader:
                if isinstance(frame, fitdecode.FitHeader):
                    headers += 1
                elif isinstance(frame, fitdecode.FitDataMessage):
                    if frame.name == "file_id":
                        device_id = _device_id(_values(frame))
                    elif frame.name == "session":
                        session_count += 1
                        if session_count > limits.max_rows:
                            raise too_many_rows(limits)
                        activity = _activity(_values(frame), device_id, index=session_count)
                        if activity is not None:
                            sessions.append(activity)
    except ImportFileError:
        raise
    except fitdecode.FitCRCError as error:
        raise ImportFileError(DAMAGED) from error
    except fitdecode.FitHeaderError as error:
        if headers:  # a good file followed by bytes that are not one: damaged at the end
            raise ImportFileError(DAMAGED) from error
        raise ImportFileError(CUT_SHORT if "truncated" in str(error) else NOT_FIT) from error
    except fitdecode.FitEOFError as error:
        raise ImportFileError(CUT_SHORT) from error
    except (
        fitdecode.FitError,
        ValueError,
        KeyError,
        IndexError,
        TypeError,
        AssertionError,
        struct.error,
    ) as error:
        # A flipped byte inside a message makes nonsense (an undefined local message type, a
        # definition with impossible sizes, a size in the header that disagrees with the
        # messages: fitdecode asserts on that one) before the CRC at the end is reached.
        raise ImportFileError(DAMAGED) from error
    if headers == 0:
        raise ImportFileError(EMPTY)
    if not sessions:
        raise ImportFileError(NO_ACTIVITY)
    yield from sessions


def _values(frame: fitdecode.FitDataMessage) -> dict[str, Any]:
    return {field.name: field.value for field in frame.fields}


def _device_id(file_id: dict[str, Any]) -> str:
    """The watch's serial number and the moment it created the file: unique per recording.

    Empty when either is missing (some apps leave the serial number out): the session's own
    sport and times make its id then.
    """
    created = file_id.get("time_created")
    serial = file_id.get("serial_number")
    if not isinstance(created, dt.datetime) or not serial:
        return ""
    return f"{serial}@{created.isoformat()}"


def _activity(session: dict[str, Any], device_id: str, *, index: int) -> Activity | None:
    start = session.get("start_time")
    if not isinstance(start, dt.datetime):
        return None  # a session with no start cannot be placed on a day: not an activity
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.UTC)  # FIT times are UTC by definition
    # Elapsed time includes pauses (a rest on a bench is part of the walk); timer time is the
    # fallback for devices that leave elapsed time out.
    seconds = session.get("total_elapsed_time") or session.get("total_timer_time") or 0
    if not isinstance(seconds, int | float) or seconds < 0:
        raise ImportFileError(DAMAGED)
    sport = str(session.get("sport") or "")
    sub_sport = str(session.get("sub_sport") or "")
    kind = WALKING_SPORTS.get(sport)
    if kind is None:
        kind = ActivityKind.WALK if sub_sport in WALKING_SUB_SPORTS else ActivityKind.OTHER
    end = start + dt.timedelta(seconds=float(seconds))
    return Activity(
        source=Source.FIT,
        source_id=f"{device_id}#{index}"
        if device_id
        else "session:" + digest_id(sport, sub_sport, start.isoformat(), end.isoformat()),
        kind=kind,
        start=start,
        end=end,
        steps=_steps(session, sport),
        distance_m=_distance(session),
        label=" / ".join(part for part in (sport, sub_sport) if part and part != "generic")
        or "generic",
    )


def _steps(session: dict[str, Any], sport: str) -> int | None:
    if sport not in FOOT_SPORTS:
        return None  # cycles are pedal turns or strokes in other sports, not steps
    strides = session.get("total_strides", session.get("total_cycles"))
    if not isinstance(strides, int) or strides < 0:
        return None
    return strides * 2


def _distance(session: dict[str, Any]) -> float | None:
    distance = session.get("total_distance")
    if isinstance(distance, int | float) and distance >= 0:
        return float(distance)
    return None
