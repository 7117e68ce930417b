"""Apple Health's export (``export.zip`` from the Health app, or the ``export.xml`` inside it).

Read as a stream in constant memory: the zip member is decompressed as it is read and the XML
goes through expat's callbacks a megabyte at a time, with no element tree, so a file of several
hundred megabytes needs no more memory than a small one (docs/activity-import.md has the
measured figures). An entity declaration is refused where it stands (as ``defusedxml`` does),
so an XML bomb ("billion laughs") or an external entity is a clear error, not a hang; Apple's
own DTD (element and attribute declarations only) is allowed. ``defusedxml``'s iterparse was
the first version: its pure-Python tree builder read about 9,000 records a second.

What is read:
- ``Workout`` elements of type walking or hiking (others are yielded as ``OTHER`` so the
  preview can say "not a walk"), with their distance and steps from the attributes of older
  exports or the ``WorkoutStatistics`` children of newer ones;
- ``Record`` elements of type ``HKQuantityTypeIdentifierStepCount``, yielded one by one as
  ``STEPS`` activities with their ``sourceName`` as the label (the preview sums them per local
  day and per source).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, BinaryIO
from xml.parsers import expat

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients.imports.parsers.base import (
    Activity,
    ActivityKind,
    ImportFileError,
    ImportLimits,
    Source,
)

EXPORT_MEMBER = "apple_health_export/export.xml"
WALKING = "HKWorkoutActivityTypeWalking"
HIKING = "HKWorkoutActivityTypeHiking"
STEP_COUNT = "HKQuantityTypeIdentifierStepCount"
DISTANCE = "HKQuantityTypeIdentifierDistanceWalkingRunning"
_TO_METRES = {"m": 1.0, "km": 1000.0, "mi": 1609.344, "ft": 0.3048, "yd": 0.9144, "cm": 0.01}

NOT_AN_EXPORT = _(
    "This does not look like an Apple Health export. In the Health app, tap your picture, "
    "then “Export All Health Data”, and upload the export.zip it makes."
)
DAMAGED_ZIP = _(
    "This zip file is damaged or incomplete (perhaps the upload or download stopped part way). "
    "Export it again from the Health app and upload the new file."
)
DAMAGED_XML = _(
    "This Apple Health export is damaged or incomplete, so nothing was imported. "
    "Export it again from the Health app and upload the new file."
)
UNSAFE_XML = _(
    "This file contains XML features WalkBack does not accept (entity declarations), "
    "so nothing was imported. Upload the export.zip made by the Health app."
)


def sniff(head: bytes, filename: str) -> bool:
    """An Apple Health export by its content: a zip whose first entry is in
    ``apple_health_export/``, or XML whose root is ``HealthData``. The name is not used."""
    if head.startswith(b"PK\x03\x04"):
        # The local file header: the name starts at byte 30, its length is at bytes 26-27.
        length = int.from_bytes(head[26:28], "little")
        return head[30 : 30 + length].startswith(b"apple_health_export/")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"<?xml") and (b"<HealthData" in head or b"DOCTYPE HealthData" in head)


# "2024-03-05 07:31:00 +1100": parsed by slicing, as strptime costs several times more and an
# export has a million of them. The offsets are few, so their tzinfo objects are shared.
_ZONES: dict[str, dt.timezone] = {}


def parse_date(text: str) -> dt.datetime:
    try:
        offset = text[20:25]
        zone = _ZONES.get(offset)
        if zone is None:
            sign = -1 if offset[0] == "-" else 1
            if offset[0] not in "+-" or len(offset) != 5:
                raise ValueError(offset)
            minutes = int(offset[1:3]) * 60 + int(offset[3:5])
            zone = _ZONES[offset] = dt.timezone(dt.timedelta(minutes=sign * minutes))
        return dt.datetime(
            int(text[0:4]),
            int(text[5:7]),
            int(text[8:10]),
            int(text[11:13]),
            int(text[14:16]),
            int(text[17:19]),
            tzinfo=zone,
        )
    except (ValueError, IndexError):
        raise ImportFileError(
            gettext("This Apple Health export has a date WalkBack cannot read (%(date)s).")
            % {"date": repr(text[:40])}
        ) from None


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:40]


def _metres(value: str | None, unit: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value) * _TO_METRES.get(unit or "km", 1000.0)
    except ValueError:
        return None


def _workout(attrs: dict, statistics: list[dict]) -> Activity:
    kind_name = attrs.get("workoutActivityType", "")
    kinds = {WALKING: ActivityKind.WALK, HIKING: ActivityKind.HIKE}
    kind = kinds.get(kind_name, ActivityKind.OTHER)
    start_text, end_text = attrs.get("startDate", ""), attrs.get("endDate", "")
    start, end = parse_date(start_text), parse_date(end_text)
    distance = _metres(attrs.get("totalDistance"), attrs.get("totalDistanceUnit"))
    steps = None
    for child in statistics:
        kind_of = child.get("type")
        if kind_of == DISTANCE and distance is None:
            distance = _metres(child.get("sum"), child.get("unit"))
        elif kind_of == STEP_COUNT:
            try:
                steps = round(float(child.get("sum") or ""))
            except ValueError:
                steps = None
    return Activity(
        source=Source.APPLE_HEALTH,
        # The dates as the file writes them: the same in every export of the same data.
        source_id=_digest(kind_name, start_text, end_text),
        kind=kind,
        start=start,
        end=end,
        steps=steps,
        distance_m=distance,
        label=kind_name.removeprefix("HKWorkoutActivityType") or gettext("Workout"),
    )


def _steps(elem: dict) -> Activity | None:
    try:
        count = round(float(elem.get("value") or ""))
    except ValueError:
        return None
    start_text, end_text = elem.get("startDate", ""), elem.get("endDate", "")
    start, end = parse_date(start_text), parse_date(end_text)
    source_name = elem.get("sourceName", "")
    return Activity(
        source=Source.APPLE_HEALTH,
        source_id=_digest(STEP_COUNT, source_name, start_text, end_text),
        kind=ActivityKind.STEPS,
        start=start,
        end=end,
        steps=count,
        label=source_name,
    )


# Apple's export.xml compresses about 10 to 15 times; a zip unpacking to more than this many
# times the largest upload is refused as it reads (a "zip bomb"), whatever its header says.
UNZIPPED_TIMES_MAX = 30


class _Capped:
    def __init__(self, raw: IO[bytes], cap: int) -> None:
        self.raw, self.cap, self.done = raw, cap, 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.done += len(data)
        if self.done > self.cap:
            raise ImportFileError(
                gettext(
                    "This zip file unpacks to far more than an Apple Health export would, "
                    "so nothing was imported."
                )
            )
        return data

    def close(self) -> None:
        self.raw.close()


def _open_xml(
    stream: BinaryIO, limits: ImportLimits
) -> tuple[IO[bytes] | _Capped, zipfile.ZipFile | None]:
    head = stream.read(4)
    stream.seek(0)
    if head != b"PK\x03\x04":
        return stream, None
    try:
        archive = zipfile.ZipFile(stream)
        names = archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise ImportFileError(DAMAGED_ZIP) from None
    member = EXPORT_MEMBER if EXPORT_MEMBER in names else None
    if member is None:
        member = next((n for n in names if n.endswith("/export.xml")), None)
    if member is None:
        raise ImportFileError(NOT_AN_EXPORT)
    return _Capped(archive.open(member), limits.max_bytes * UNZIPPED_TIMES_MAX), archive


class _Reader:
    """expat's callbacks: an activity per step record, one per workout at its end tag.

    No element tree is built (expat hands over each tag's attributes and forgets them), which
    is what keeps memory flat and the speed at expat's (docs/activity-import.md#speed).
    """

    def __init__(self) -> None:
        self.depth = 0
        self.seen_root = False
        self.workout: dict | None = None
        self.statistics: list[dict] = []
        self.ready: list[Activity] = []

    def start(self, name: str, attrs: dict) -> None:
        self.depth += 1
        if self.depth == 1:
            if name != "HealthData":
                raise ImportFileError(NOT_AN_EXPORT)
            self.seen_root = True
        elif self.depth == 2:
            if name == "Record":
                if attrs.get("type") == STEP_COUNT and (activity := _steps(attrs)) is not None:
                    self.ready.append(activity)
            elif name == "Workout":
                self.workout, self.statistics = attrs, []
        elif self.workout is not None and name == "WorkoutStatistics" and self.depth == 3:
            self.statistics.append(attrs)

    def end(self, name: str) -> None:
        if self.depth == 2 and self.workout is not None:
            self.ready.append(_workout(self.workout, self.statistics))
            self.workout = None
        self.depth -= 1


def _refuse_entities(*args) -> None:
    raise ImportFileError(UNSAFE_XML)


CHUNK_BYTES = 1 << 20


def parse(stream: BinaryIO, *, limits: ImportLimits) -> Iterator[Activity]:
    source, archive = _open_xml(stream, limits)
    reader = _Reader()
    parser = expat.ParserCreate()
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    # Apple's DTD declares elements and attributes only: any entity (a "billion laughs" bomb,
    # an external file) is refused at its declaration, before anything expands.
    parser.EntityDeclHandler = _refuse_entities
    parser.UnparsedEntityDeclHandler = _refuse_entities
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        while True:
            chunk = source.read(CHUNK_BYTES)
            parser.Parse(chunk, not chunk)
            if reader.ready:
                yield from reader.ready
                reader.ready.clear()
            if not chunk:
                break
    except expat.ExpatError:
        raise ImportFileError(DAMAGED_XML if reader.seen_root else NOT_AN_EXPORT) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        # A zip whose directory survived but whose data did not (zlib or CRC error).
        raise ImportFileError(DAMAGED_ZIP) from None
    finally:
        if archive is not None:
            source.close()
            archive.close()
