"""The Apple Health and GPX parsers and the format registry, on files made as the apps make
them, and on the bad files the issue lists: each a clear message, never a crash or a hang."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from patients.imports import formats
from patients.imports.parsers import apple_health, gpx
from patients.imports.parsers.base import ActivityKind, ImportFileError, ImportLimits, Source
from tests.imports.files import (
    BILLION_LAUGHS,
    SYDNEY,
    at,
    export_with,
    other_zip,
    realistic_export,
    zipped,
)
from walkback.demo.activity_files import Workout, gpx_text

LIMITS = ImportLimits(max_bytes=500 * 10**6, max_rows=100_000)
DAY = dt.date(2024, 3, 5)


def read(data: bytes, name: str = "export.zip", limits: ImportLimits = LIMITS):
    return list(
        formats.read_activities(io.BytesIO(data), filename=name, size=len(data), limits=limits)
    )


def refused(data: bytes, name: str = "export.zip", limits: ImportLimits = LIMITS) -> str:
    with pytest.raises(ImportFileError) as caught:
        read(data, name, limits)
    return str(caught.value)


def test_a_realistic_export_yields_its_workouts_and_step_records():
    activities = read(realistic_export(DAY), "export.xml")
    walks = [a for a in activities if a.kind == ActivityKind.WALK]
    steps = [a for a in activities if a.kind == ActivityKind.STEPS]
    other = [a for a in activities if a.kind == ActivityKind.OTHER]
    assert len(walks) == 1 and len(other) == 1 and len(steps) == 4
    walk = walks[0]
    assert walk.source == Source.APPLE_HEALTH
    assert walk.start == at(DAY, 7, 31) and walk.minutes == 32  # 32.5 rounds to even
    # From the WorkoutStatistics children (iOS 16 and later): distance and steps.
    assert walk.distance_m == pytest.approx(2410.0) and walk.steps == 3410
    assert other[0].label == "Running"
    assert {a.label for a in steps} == {"Margaret\u2019s iPhone", "Margaret\u2019s Apple Watch"}
    assert sum(a.steps or 0 for a in steps) == 3000


def test_the_zip_reads_as_the_xml_inside_it_and_ids_are_stable():
    xml = realistic_export(DAY)
    from_xml, from_zip = read(xml, "export.xml"), read(zipped(xml), "export.zip")
    assert from_xml == from_zip
    assert [a.source_id for a in read(xml)] == [a.source_id for a in from_xml]


def test_older_exports_with_totals_on_the_workout_give_the_distance():
    data = export_with([Workout(start=at(DAY, 8), minutes=40, km=3.2)], legacy_totals=True)
    assert read(data, "export.xml")[0].distance_m == pytest.approx(3200.0)


def test_apple_dates_keep_their_offsets():
    moment = apple_health.parse_date("2024-03-05 07:31:00 +1100")
    assert moment == dt.datetime(2024, 3, 4, 20, 31, tzinfo=dt.UTC)
    assert apple_health.parse_date("2024-07-05 07:31:00 -0430").utcoffset() == dt.timedelta(
        hours=-4, minutes=-30
    )
    with pytest.raises(ImportFileError):
        apple_health.parse_date("05/03/2024 7:31")


def test_a_gpx_track_gives_start_duration_and_distance():
    start = at(DAY, 16, 10)
    (walk,) = read(gpx_text(start, 28).encode(), "walk.gpx")
    assert walk.source == Source.GPX and walk.kind == ActivityKind.WALK
    assert walk.start == start and walk.minutes == 28
    assert 1500 < (walk.distance_m or 0) < 3000  # about 4.5 km/h
    (run,) = read(gpx_text(start, 28, kind="running").encode(), "run.gpx")
    assert run.kind == ActivityKind.OTHER
    (hike,) = read(gpx_text(start, 28, kind="hiking").encode(), "hike.gpx")
    assert hike.kind == ActivityKind.HIKE


def test_a_gpx_with_no_times_is_refused_with_why():
    message = refused(gpx_text(at(DAY, 9), 10, with_times=False).encode(), "walk.gpx")
    assert "no times" in message


def test_a_truncated_zip_is_refused():
    data = zipped(realistic_export(DAY))
    assert "damaged or incomplete" in refused(data[: len(data) // 2])


def test_a_zip_with_damaged_data_is_refused():
    data = bytearray(zipped(realistic_export(DAY) * 1))
    # Keep the headers and directory, spoil the compressed bytes in the middle.
    for i in range(200, 400):
        data[i] ^= 0x5A
    assert "damaged or incomplete" in refused(bytes(data))


def test_a_truncated_xml_is_refused():
    data = realistic_export(DAY)
    assert "damaged or incomplete" in refused(data[: int(len(data) * 0.7)], "export.xml")


def test_an_xml_bomb_is_refused_at_once():
    message = refused(BILLION_LAUGHS, "export.xml")
    assert "entity" in message


def test_a_file_of_another_format_renamed_is_refused():
    assert "cannot read this file" in refused(other_zip(), "export.zip")
    assert "cannot read this file" in refused(b"%PDF-1.7\n" + b"x" * 500, "export.xml")
    # A GPX named export.xml is read as the GPX it is: the content decides.
    (track,) = read(gpx_text(at(DAY, 9), 10).encode(), "export.xml")
    assert track.source == Source.GPX


def test_an_empty_file_is_refused():
    assert "empty" in refused(b"", "export.zip")


def test_a_file_over_the_size_limit_is_refused_with_both_sizes():
    assert (
        formats.too_large(2_100_000_000, LIMITS)
        == "This file is 2.1 GB; the largest file WalkBack takes is 500 MB."
    )
    small = ImportLimits(max_bytes=1000, max_rows=10)
    assert "the largest file WalkBack takes is 1 KB" in refused(realistic_export(DAY), limits=small)


def test_more_rows_than_the_limit_is_refused():
    limits = ImportLimits(max_bytes=10**9, max_rows=3)
    assert "more than 3 activities" in refused(realistic_export(DAY), "export.xml", limits)


def test_sniffing_decides_by_content_not_by_name():
    xml = realistic_export(DAY)
    assert apple_health.sniff(xml[:4096], "anything.bin")
    assert apple_health.sniff(zipped(xml)[:4096], "walks.gpx")
    assert not apple_health.sniff(other_zip()[:4096], "export.zip")
    assert not gpx.sniff(xml[:4096], "walk.gpx")


def test_the_registry_skips_only_the_parsers_built_elsewhere():
    names = {module.__name__ for module in formats.parser_modules()}
    assert {"patients.imports.parsers.apple_health", "patients.imports.parsers.gpx"} <= names


def test_dst_offsets_in_one_file_give_real_minutes():
    # Sydney's clocks go forward at 02:00 on 6 October 2024: 01:40 +1000 to 03:10 +1100.
    start = dt.datetime(2024, 10, 6, 1, 40, tzinfo=SYDNEY)
    data = export_with([Workout(start=start, minutes=30)])
    (walk,) = read(data, "export.xml")
    assert walk.start.utcoffset() == dt.timedelta(hours=10)
    assert walk.end.utcoffset() == dt.timedelta(hours=11)
    assert walk.minutes == 30


def test_a_zip_that_unpacks_far_beyond_the_limit_is_refused():
    # 2 MB of XML padding compresses to a few KB: over 30 times a 20 KB limit.
    padding = b"<!-- " + b" " * 2_000_000 + b" -->"
    data = zipped(realistic_export(DAY).replace(b"<HealthData", padding + b"<HealthData", 1))
    limits = ImportLimits(max_bytes=20_000, max_rows=100)
    assert len(data) < 20_000
    assert "unpacks to far more" in refused(data, limits=limits)
