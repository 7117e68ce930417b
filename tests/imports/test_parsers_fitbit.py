"""Fitbit's exercise-<n>.json as the data export writes it (fields as in real exports)."""

from __future__ import annotations

import datetime as dt
import io
import json
import tracemalloc
from zoneinfo import ZoneInfo

import pytest

from patients.imports.parsers import fitbit
from patients.imports.parsers.base import ActivityKind, ImportFileError, ImportLimits, Source
from tests.imports import fit_files

LIMITS = ImportLimits(max_bytes=50_000_000, max_rows=10_000)
NEW_YORK = ZoneInfo("America/New_York")


def exercise(log_id=221972911, name="Walk", start="03/05/24 07:31:00", **extra) -> dict:
    item = {
        "logId": log_id,
        "activityName": name,
        "activityTypeId": 90013,
        "activityLevel": [
            {"minutes": 9, "name": "sedentary"},
            {"minutes": 13, "name": "lightly"},
            {"minutes": 26, "name": "very"},
        ],
        "averageHeartRate": 95,
        "calories": 335,
        "distance": 2.88054,
        "distanceUnit": "Kilometer",
        "duration": 2998000,
        "activeDuration": 2998000,
        "steps": 3919,
        "source": {"type": "tracker", "name": "Charge HR", "id": "31739289"},
        "logType": "auto_detected",
        "lastModified": "03/05/24 08:02:33",
        "startTime": start,
        "originalStartTime": start,
        "originalDuration": 2998000,
        "hasGps": False,
        "shouldFetchDetails": False,
    }
    item.update(extra)
    return item


def export(*items) -> bytes:
    # Fitbit writes its JSON indented with " : " separators.
    return json.dumps(list(items), indent=2, separators=(",", " : ")).encode()


def parse(data: bytes, limits=LIMITS, **kwargs):
    return list(fitbit.parse(io.BytesIO(data), limits=limits, **kwargs))


def test_a_walk_is_read_in_the_patients_zone():
    [walk] = parse(export(exercise()), zone=NEW_YORK)
    assert walk.source == Source.FITBIT
    assert walk.kind == ActivityKind.WALK
    assert walk.start == dt.datetime(2024, 3, 5, 7, 31, tzinfo=NEW_YORK)
    assert walk.start.utcoffset() == dt.timedelta(hours=-5)
    assert walk.minutes == 50
    assert walk.steps == 3919
    assert walk.distance_m == pytest.approx(2880.54)
    assert walk.label == "Walk"


def test_without_a_zone_the_time_is_read_as_utc():
    [walk] = parse(export(exercise()))
    assert walk.start == dt.datetime(2024, 3, 5, 7, 31, tzinfo=dt.UTC)


def test_hikes_are_hikes_other_sports_are_other_and_miles_are_converted():
    hike, run, bike = parse(
        export(
            exercise(1, "Hike", distance=3.0, distanceUnit="Mile"),
            exercise(2, "Run"),
            exercise(3, "Bike", steps=None),
        )
    )
    assert hike.kind == ActivityKind.HIKE
    assert hike.distance_m == pytest.approx(3 * 1609.344)
    assert run.kind == ActivityKind.OTHER and run.label == "Run"
    assert bike.kind == ActivityKind.OTHER and bike.steps is None


def test_the_log_id_is_the_stable_source_id_whatever_the_zone():
    data = export(exercise(11), exercise(12, start="03/06/24 18:00:00"))
    assert [a.source_id for a in parse(data)] == ["11", "12"]
    assert [a.source_id for a in parse(data, zone=NEW_YORK)] == ["11", "12"]


def test_sniff_reads_content_not_names():
    assert fitbit.sniff(export(exercise())[:4096], "anything.txt")
    assert not fitbit.sniff(b'{"fitnessActivity": "walking"}', "exercise-0.json")
    assert not fitbit.sniff(b"[1, 2, 3]", "exercise-0.json")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "This file is empty"),
        (b"[]", "lists no exercise"),
        (b'{"fitnessActivity": "walking"}', "This is not a Fitbit exercise file"),
        (b"Date,Steps\n2024-03-05,100\n", "This is not a Fitbit exercise file"),
        (b"[1, 2]", "This is not a Fitbit exercise file"),
        (b'[{"dateTime": "03/05/24 00:00:00", "value": "12"}]', "not a Fitbit exercise"),
        (export(exercise(), exercise(2))[:300], "ends too early"),
        (b"[\xff\xfe\x00", "Fitbit"),
        (fit_files.walking(), "not a text"),
    ],
    ids=[
        "empty",
        "empty-list",
        "google-json",
        "csv",
        "numbers",
        "steps-file",
        "truncated",
        "binary",
        "fit-renamed",
    ],
)
def test_bad_files_get_plain_messages(data, message):
    with pytest.raises(ImportFileError, match=message):
        parse(data)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"startTime": "2024-03-05T07:31:00"}, "Exercise 1 .* start time that cannot be read"),
        ({"startTime": "13/45/24 07:31:00"}, "start time that cannot be read"),
        ({"duration": "long"}, "no length"),
        ({"duration": -1000}, "no length"),
    ],
)
def test_bad_values_are_named(fields, message):
    with pytest.raises(ImportFileError, match=message):
        parse(export(exercise(**fields)))


def test_max_rows_stops_with_a_clear_message():
    data = export(*(exercise(n) for n in range(5)))
    assert len(parse(data, ImportLimits(max_bytes=10**6, max_rows=5))) == 5
    with pytest.raises(ImportFileError, match="more than 4 entries"):
        parse(data, ImportLimits(max_bytes=10**6, max_rows=4))


def _peak_memory_parsing(path, count):
    with path.open("w") as out:
        out.write("[")
        for n in range(count):
            out.write(("," if n else "") + json.dumps(exercise(n), indent=2))
        out.write("]")
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            parsed = sum(1 for _ in fitbit.parse(stream, limits=ImportLimits(10**9, 10**6)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert parsed == count
    return peak


def test_a_large_file_is_streamed_in_memory_that_does_not_grow_with_it(tmp_path):
    """500 exercises, then 2,500 (about 1.9 MB): five times the file, about the same peak."""
    small = _peak_memory_parsing(tmp_path / "exercise-0.json", 500)
    large_path = tmp_path / "exercise-1.json"
    large = _peak_memory_parsing(large_path, 2_500)
    assert large < small * 1.5
    assert large < large_path.stat().st_size / 3


# fitbit.com's CSV export: sections with a title line, numbers quoted with separators.
ACTIVITIES_HEADER = (
    "Date,Calories Burned,Steps,Distance,Floors,Minutes Sedentary,Minutes Lightly Active,"
    "Minutes Fairly Active,Minutes Very Active,Activity Calories"
)
CSV_EXPORT = f"""Body
Date,Weight,BMI,Fat
"01-03-2024","70.1","24.2","0"

Activities
{ACTIVITIES_HEADER}
"01-03-2024","2,345","13,666","10.4","3","700","200","30","20","900"
"02-03-2024","1,980","0","0","0","1440","0","0","0","0"
"03-03-2024","2,101","6,901","5.78","1","650","180","10","5","600"

Sleep
Start Time,End Time,Minutes Asleep,Minutes Awake,Number of Awakenings,Time in Bed
"01-03-2024 11:05PM","02-03-2024 6:40AM","410","45","3","455"
""".encode()


def test_the_csv_exports_activities_are_days_of_steps_in_the_patients_zone():
    first, third = parse(CSV_EXPORT, zone=NEW_YORK)
    assert first.kind == ActivityKind.STEPS
    assert first.steps == 13_666
    assert first.start == dt.datetime(2024, 3, 1, tzinfo=NEW_YORK)  # day first: 1 March
    assert first.minutes == 24 * 60
    assert first.source_id == "day:2024-03-01:steps"
    assert third.steps == 6_901
    assert [a.source_id for a in parse(CSV_EXPORT)] == [first.source_id, third.source_id]
    assert fitbit.sniff(CSV_EXPORT[:4096], "fitbit_export_20240304.csv")


def test_the_csv_export_reads_iso_and_us_dates():
    header = f"Activities\n{ACTIVITIES_HEADER}\n".encode()
    iso, us = parse(header + b'"2024-03-05","1","500","0","0","0","0","0","0","0"\n'
                    b'"03/06/2024","1","600","0","0","0","0","0","0","0"\n')  # fmt: skip
    assert iso.start.date() == dt.date(2024, 3, 5)
    assert us.start.date() == dt.date(2024, 3, 6)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'Body\nDate,Weight,BMI,Fat\n"01-03-2024","70.1","0","0"\n', "no “Activities” part"),
        (CSV_EXPORT.replace(b'"01-03-2024","2,345"', b'"1st March","2,345"'), "Line 7 .* date"),
        (CSV_EXPORT.replace(b'"13,666"', b'"lots"'), "Line 7 .* not a number"),
    ],
)
def test_bad_csv_exports_get_plain_messages(data, message):
    with pytest.raises(ImportFileError, match=message):
        parse(data)
