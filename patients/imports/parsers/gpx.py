"""GPX tracks (from a phone's walking app, a Garmin, Strava, Komoot...), read with ``gpxpy``.

Each track is one activity: its first and last timed points give the start and end, gpxpy's
2-D length the distance. A GPX has no standard activity type: a track's ``<type>`` is used
when it names one ("walking", "hiking", "running"...); without one, a track averaging over
``WALK_MAX_KMH`` is not taken for a walk (docs/activity-import.md#gpx).

gpxpy reads the whole document, so GPX files are capped at ``GPX_MAX_BYTES`` (a day's walk
recorded every second is about 1 MB); a document declaring a DTD is refused before parsing,
so no entity can expand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from typing import BinaryIO

import gpxpy
import gpxpy.gpx
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients.imports.parsers.base import (
    Activity,
    ActivityKind,
    ImportFileError,
    ImportLimits,
    Source,
)

GPX_MAX_BYTES = 50 * 1024 * 1024
WALK_MAX_KMH = 7.5
_WALK_TYPES = {"walking", "walk", "9", "foot", "on_foot", "nordic_walking"}
_HIKE_TYPES = {"hiking", "hike", "trekking", "mountaineering"}

NO_TIMES = _(
    "This GPX file has no times in it, so WalkBack cannot tell when you walked or for how "
    "long. Export the walk again from your app with times included (“recorded track”, "
    "not a planned route)."
)
DAMAGED = _("This GPX file is damaged or incomplete, so nothing was imported.")
NO_TRACKS = _("This GPX file has no recorded tracks in it (only planned routes or points).")


def sniff(head: bytes, filename: str) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"<") and re.search(rb"<(\w+:)?gpx[\s>]", head) is not None


def _kind(track: gpxpy.gpx.GPXTrack, start, end, distance: float) -> ActivityKind:
    declared = (track.type or "").strip().lower()
    if declared in _WALK_TYPES:
        return ActivityKind.WALK
    if declared in _HIKE_TYPES:
        return ActivityKind.HIKE
    if declared:
        return ActivityKind.OTHER
    hours = (end - start).total_seconds() / 3600
    if hours > 0 and distance / 1000 / hours > WALK_MAX_KMH:
        return ActivityKind.OTHER
    return ActivityKind.WALK


def parse(stream: BinaryIO, *, limits: ImportLimits) -> Iterator[Activity]:
    data = stream.read(GPX_MAX_BYTES + 1)
    if len(data) > GPX_MAX_BYTES:
        raise ImportFileError(
            gettext(
                "This GPX file is larger than %(size)s MB, more than a "
                "walk's track needs. Export one walk at a time."
            )
            % {"size": GPX_MAX_BYTES // (1024 * 1024)}
        )
    if re.search(rb"<!(DOCTYPE|ENTITY)", data[:65536]):
        raise ImportFileError(
            gettext("This GPX file declares a DTD or entities, which WalkBack refuses.")
        )
    try:
        document = gpxpy.parse(data.decode("utf-8-sig", errors="replace"))
    except Exception as error:  # gpxpy raises its own and the XML parser's errors
        raise ImportFileError(DAMAGED) from error
    if not document.tracks:
        raise ImportFileError(NO_TRACKS)
    timed = False
    for track in document.tracks:
        start, end = track.get_time_bounds()
        if start is None or end is None:
            continue
        timed = True
        start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
        distance = track.length_2d() or 0.0
        kind = _kind(track, start, end, distance)
        digest = hashlib.sha256(f"{kind}|{start.isoformat()}|{end.isoformat()}".encode())
        yield Activity(
            source=Source.GPX,
            source_id=digest.hexdigest()[:40],
            kind=kind,
            start=start,
            end=end,
            distance_m=round(distance, 1),
            label=track.name or track.type or gettext("GPX track"),
        )
    if not timed:
        raise ImportFileError(NO_TIMES)
