"""Files for the import tests, made by the same code as the demo's samples
(walkback/demo/activity_files.py), plus the bad ones."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
import zoneinfo

from walkback.demo.activity_files import (
    PHONE,
    WATCH,
    Workout,
    apple_health_text,
    heart_rate_xml,
    step_record_xml,
    zip_export,
)

SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")


def at(day: dt.date, hour: int, minute: int = 0, zone=SYDNEY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


def export_with(workouts=(), records=(), **kwargs) -> bytes:
    return apple_health_text(records=list(records), workouts=list(workouts), **kwargs).encode()


def realistic_export(day: dt.date) -> bytes:
    """A morning walk with its statistics, a run, step records from the phone and the watch
    (the watch's the larger), one spanning midnight into the next day, and heart rates."""
    records = [
        step_record_xml(PHONE, at(day, 7, 30), at(day, 7, 40), 900),
        step_record_xml(WATCH, at(day, 7, 30), at(day, 7, 40), 1000),
        step_record_xml(WATCH, at(day, 12, 0), at(day, 12, 10), 500),
        # 23:50 to 00:10: half the steps on each day.
        step_record_xml(WATCH, at(day, 23, 50), at(day, 23, 50) + dt.timedelta(minutes=20), 600),
        heart_rate_xml(at(day, 9, 0), 66),
    ]
    workouts = [
        Workout(start=at(day, 7, 31), minutes=32.5, km=2.41, steps=3410),
        Workout(start=at(day, 17, 0), minutes=25, kind="HKWorkoutActivityTypeRunning", km=4.2),
    ]
    return export_with(workouts, records)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE HealthData [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<HealthData locale="en_AU"><ExportDate value="&lol9;"/></HealthData>
"""


def other_zip() -> bytes:
    """A word-processor document (a zip) renamed export.zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def zipped(xml: bytes) -> bytes:
    return zip_export(xml)
