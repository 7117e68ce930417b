"""What every file parser yields, and how it reports a bad file.

A parser is a function ``parse(stream: BinaryIO, *, limits: ImportLimits) -> Iterator[Activity]``.
It reads the file as a stream (never the whole file in memory), yields activities in file
order and raises ``ImportFileError`` with a message a patient can read when the file is not
what it claims to be. It knows nothing of patients, time zones or the database: the preview
decides the local day and what counts as a walk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class ImportFileError(ValueError):
    """The file cannot be imported; ``str(error)`` is shown to the patient next to the field."""


class ActivityKind(StrEnum):
    WALK = "walk"
    HIKE = "hike"
    STEPS = "steps"  # a day's (or an interval's) step count with no workout around it
    OTHER = "other"  # running, cycling, swimming...: shown in the preview as "not a walk"


class Source(StrEnum):
    APPLE_HEALTH = "apple_health"
    GPX = "gpx"
    FIT = "fit"
    GOOGLE_FIT = "google_fit"
    FITBIT = "fitbit"


@dataclass(frozen=True)
class Activity:
    source: Source
    # Stable across two exports of the same data, so importing a file twice adds nothing:
    # the device's own id where the format has one, else a digest of (kind, start, end).
    source_id: str
    kind: ActivityKind
    start: dt.datetime  # timezone-aware; a format with local times only uses its stated offset
    end: dt.datetime
    steps: int | None = None
    distance_m: float | None = None
    label: str = ""  # the file's own name for it ("Walking", "HKWorkoutActivityTypeHiking")

    @property
    def minutes(self) -> int:
        return max(0, round((self.end - self.start).total_seconds() / 60))


@dataclass(frozen=True)
class ImportLimits:
    """From settings (``WALKBACK_IMPORT_MAX_BYTES``, ``WALKBACK_IMPORT_MAX_ROWS``)."""

    max_bytes: int
    max_rows: int
