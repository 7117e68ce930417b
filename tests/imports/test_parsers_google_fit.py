"""Google Fit files as Takeout writes them (columns and session JSON as in real exports)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tracemalloc
from zoneinfo import ZoneInfo

import pytest

from patients.imports.parsers import google_fit
from patients.imports.parsers.base import ActivityKind, ImportFileError, ImportLimits, Source

LIMITS = ImportLimits(max_bytes=50_000_000, max_rows=10_000)
SYDNEY = ZoneInfo("Australia/Sydney")

# Takeout's column order (a subset: the file has one duration column per activity used).
HEADER = [
    "Date", "Move Minutes count", "Calories (kcal)", "Distance (m)", "Heart Points",
    "Heart Minutes", "Average heart rate (bpm)", "Step count", "Average speed (m/s)",
    "Inactive duration (ms)", "Walking duration (ms)", "Running duration (ms)",
    "Hiking duration (ms)",
]  # fmt: skip


def daily_csv(*rows: dict[str, str], header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode()


def session_json(activity="walking", start="2024-03-05T06:31:00.000Z", **extra) -> bytes:
    session = {
        "fitnessActivity": activity,
        "startTime": start,
        "endTime": "2024-03-05T07:01:00.000Z",
        "duration": "1800.000s",
        "segment": [
            {"fitnessActivity": activity, "startTime": start, "endTime": "2024-03-05T07:01:00Z"}
        ],
        "aggregate": [
            {"metricName": "com.google.calories.expended", "floatValue": 120.5},
            {"metricName": "com.google.step_count.delta", "intValue": 3100},
            {"metricName": "com.google.distance.delta", "floatValue": 2300.4},
        ],
    }
    session.update(extra)
    return json.dumps(session, indent=2).encode()


def parse(data: bytes, limits=LIMITS, **kwargs):
    return list(google_fit.parse(io.BytesIO(data), limits=limits, **kwargs))


def test_a_days_walking_becomes_one_walk_on_that_local_day():
    data = daily_csv(
        {"Date": "2024-03-05", "Step count": "6100", "Distance (m)": "4200.5",
         "Walking duration (ms)": "2700000", "Move Minutes count": "50"},
    )  # fmt: skip
    [walk] = parse(data, zone=SYDNEY)
    assert walk.source == Source.GOOGLE_FIT
    assert walk.kind == ActivityKind.WALK
    assert walk.start == dt.datetime(2024, 3, 5, tzinfo=SYDNEY)
    assert walk.start.astimezone(SYDNEY).date() == dt.date(2024, 3, 5)
    assert walk.minutes == 45
    assert walk.steps == 6100
    assert walk.distance_m == pytest.approx(4200.5)
    assert walk.label == "Walking"


def test_hiking_is_a_hike_running_is_other_and_steps_alone_are_steps():
    data = daily_csv(
        {"Date": "2024-03-05", "Hiking duration (ms)": "3600000", "Step count": "9000",
         "Inactive duration (ms)": "50000000"},
        {"Date": "2024-03-06", "Running duration (ms)": "1200000", "Step count": "3000"},
        {"Date": "2024-03-07", "Step count": "800"},
        {"Date": "2024-03-08"},
    )  # fmt: skip
    hike, run, steps_6, steps_7 = parse(data)
    assert hike.kind == ActivityKind.HIKE and hike.minutes == 60 and hike.steps == 9000
    # Running is shown as "not a walk"; the day's steps come as a day of steps, not on the run.
    assert run.kind == ActivityKind.OTHER and run.label == "Running" and run.minutes == 20
    assert run.steps is None and run.source_id == "day:2024-03-06:other:running"
    assert steps_6.kind == ActivityKind.STEPS and steps_6.steps == 3000
    assert steps_7.kind == ActivityKind.STEPS and steps_7.steps == 800
    assert steps_7.minutes == 24 * 60


def test_source_ids_come_from_the_date_and_are_stable():
    data = daily_csv(
        {"Date": "2024-03-05", "Walking duration (ms)": "600000"},
        {"Date": "2024-03-06", "Walking duration (ms)": "900000"},
    )
    first = [a.source_id for a in parse(data)]
    assert first == ["day:2024-03-05:walk", "day:2024-03-06:walk"]
    assert first == [a.source_id for a in parse(data, zone=SYDNEY)]


def test_a_session_file_becomes_one_activity():
    [walk] = parse(session_json())
    assert walk.kind == ActivityKind.WALK
    assert walk.start == dt.datetime(2024, 3, 5, 6, 31, tzinfo=dt.UTC)
    assert walk.minutes == 30
    assert walk.steps == 3100
    assert walk.distance_m == pytest.approx(2300.4)
    [run] = parse(session_json("running"))
    assert run.kind == ActivityKind.OTHER and run.label == "running"
    [hike] = parse(session_json("hiking"))
    assert hike.kind == ActivityKind.HIKE


def test_session_ids_are_stable_and_differ_per_session():
    assert parse(session_json())[0].source_id == parse(session_json())[0].source_id
    later = session_json(start="2024-03-05T06:45:00.000Z")
    assert parse(later)[0].source_id != parse(session_json())[0].source_id


def test_a_session_with_only_a_duration_uses_it():
    data = json.loads(session_json())
    del data["endTime"]
    [walk] = parse(json.dumps(data).encode())
    assert walk.minutes == 30


def test_a_per_day_file_adds_its_intervals_up_from_the_first_walking_one():
    header = ["Start time", "End time", "Move Minutes count", "Calories (kcal)",
              "Distance (m)", "Step count", "Walking duration (ms)"]  # fmt: skip
    rows = [
        {"Start time": "07:00:00.000+11:00", "End time": "07:15:00.000+11:00",
         "Step count": "40"},
        {"Start time": "07:15:00.000+11:00", "End time": "07:30:00.000+11:00",
         "Step count": "1500", "Distance (m)": "1000", "Walking duration (ms)": "780000"},
        {"Start time": "07:30:00.000+11:00", "End time": "07:45:00.000+11:00",
         "Step count": "1400", "Distance (m)": "900", "Walking duration (ms)": "720000"},
    ]  # fmt: skip
    data = daily_csv(*rows, header=header)
    assert google_fit.day_from_filename("Takeout/Fit/Daily activity metrics/2024-03-05.csv") == (
        dt.date(2024, 3, 5)
    )
    [walk] = parse(data, day=dt.date(2024, 3, 5))
    assert walk.start == dt.datetime(2024, 3, 4, 20, 15, tzinfo=dt.UTC)
    assert walk.minutes == 25
    assert walk.steps == 2940
    assert walk.source_id == "day:2024-03-05:walk"
    with pytest.raises(ImportFileError, match="Daily activity metrics.csv"):
        parse(data)


def test_sniff_reads_content_not_names():
    assert google_fit.sniff(daily_csv({"Date": "2024-03-05"})[:4096], "x.txt")
    assert google_fit.sniff(session_json()[:4096], "whatever.json")
    assert not google_fit.sniff(b'[{"logId": 1, "activityName": "Walk"}]', "a.json")
    assert not google_fit.sniff(b"Name,Age\nAnn,70\n", "Daily activity metrics.csv")
    assert not google_fit.sniff(b"\x0e\x10\x00\x00.FIT", "a.csv")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "This file is empty"),
        (b"   \n", "This file is empty"),
        (b"Name,Age\nAnn,70\n", "This is not a Google Fit file"),
        (b"\x0e\x10\xd9\x07\x00\x00\x00\x00.FIT\x00\x00\xff\xfe\x00", "not a text"),
        (b'{"title": "something else"}', "This is not a Google Fit file"),
        (session_json()[:80], "ends too early"),
        (b'{"fitnessActivity": walking}', "not valid JSON"),
    ],
    ids=["empty", "blank", "other-csv", "fit-renamed", "other-json", "truncated-json", "bad-json"],
)
def test_bad_files_get_plain_messages(data, message):
    with pytest.raises(ImportFileError, match=message):
        parse(data)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"Date": "05/03/2024", "Step count": "10"}, "Line 2 .* date that cannot be read"),
        ({"Date": "2024-03-05", "Step count": "lots"}, "not a number in “Step count”"),
        ({"Date": "2024-03-05", "Walking duration (ms)": "-5"}, "Walking duration"),
        ({"Date": "2024-03-05", "Walking duration (ms)": "nan"}, "Walking duration"),
    ],
)
def test_bad_values_name_the_line_and_column(row, message):
    with pytest.raises(ImportFileError, match=message):
        parse(daily_csv(row))


def test_bad_session_times_are_refused():
    with pytest.raises(ImportFileError, match="start or end time"):
        parse(session_json(start="yesterday"))


def test_max_rows_stops_with_a_clear_message():
    rows = [{"Date": f"2024-03-{d:02d}", "Walking duration (ms)": "600000"} for d in range(1, 6)]
    assert len(parse(daily_csv(*rows), ImportLimits(max_bytes=10**6, max_rows=5))) == 5
    with pytest.raises(ImportFileError, match="more than 4 entries"):
        parse(daily_csv(*rows), ImportLimits(max_bytes=10**6, max_rows=4))


def test_a_large_file_is_streamed_in_small_memory(tmp_path):
    """Forty years of days (about 1.3 MB) parsed with peak memory a fraction of the file."""
    path = tmp_path / "Daily activity metrics.csv"
    start = dt.date(1985, 1, 1)
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        for n in range(40 * 365):
            writer.writerow({
                "Date": (start + dt.timedelta(days=n)).isoformat(), "Move Minutes count": "41",
                "Calories (kcal)": "2011.5", "Distance (m)": "3500.25", "Step count": "5123",
                "Average heart rate (bpm)": "71.2", "Walking duration (ms)": "2400000",
                "Inactive duration (ms)": "43000000",
            })  # fmt: skip
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            count = sum(1 for _ in google_fit.parse(stream, limits=ImportLimits(10**9, 10**6)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 40 * 365
    assert peak < path.stat().st_size / 10
