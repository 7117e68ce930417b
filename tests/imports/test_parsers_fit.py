"""The FIT parser reads files written by a FIT encoder (fit-tool, tests/imports/fit_files.py)."""

from __future__ import annotations

import datetime as dt
import io
import tracemalloc
from typing import BinaryIO, cast

import pytest
from fit_tool.profile.profile_type import FileType, Sport, SubSport

from patients.imports.parsers import fit
from patients.imports.parsers.base import ActivityKind, ImportFileError, ImportLimits, Source
from tests.imports import fit_files
from tests.imports.fit_files import MORNING, Session, activity_file

LIMITS = ImportLimits(max_bytes=50_000_000, max_rows=10_000)


def parse(data: bytes, limits: ImportLimits = LIMITS):
    return list(fit.parse(io.BytesIO(data), limits=limits))


def test_a_walk_is_read_with_its_time_distance_and_steps():
    [walk] = parse(fit_files.walking())
    assert walk.source == Source.FIT
    assert walk.kind == ActivityKind.WALK
    assert walk.start == MORNING
    assert walk.end == MORNING + dt.timedelta(minutes=30)
    assert walk.minutes == 30
    assert walk.distance_m == pytest.approx(2100.5)
    # FIT counts strides; a stride is two steps.
    assert walk.steps == 3000
    assert walk.label == "walking / casual_walking"


def test_a_hike_is_a_hike_and_a_run_is_not_a_walk():
    [hike] = parse(fit_files.hiking())
    assert hike.kind == ActivityKind.HIKE
    assert hike.minutes == 120
    [run] = parse(fit_files.running())
    assert run.kind == ActivityKind.OTHER
    assert run.label == "running"


def test_a_treadmill_walk_counts_by_its_sub_sport_and_cycling_has_no_steps():
    data = activity_file(
        Session(Sport.FITNESS_EQUIPMENT, MORNING, 600, sub_sport=SubSport.INDOOR_WALKING),
        Session(Sport.CYCLING, MORNING + dt.timedelta(hours=1), 900, strides=5000),
    )
    treadmill, ride = parse(data)
    assert treadmill.kind == ActivityKind.WALK
    assert ride.kind == ActivityKind.OTHER
    assert ride.steps is None  # pedal turns are not steps


def test_source_ids_are_stable_across_two_parses_and_differ_per_session_and_device():
    data = activity_file(
        Session(Sport.WALKING, MORNING, 600),
        Session(Sport.WALKING, MORNING + dt.timedelta(hours=2), 600),
    )
    first = [a.source_id for a in parse(data)]
    assert first == [a.source_id for a in parse(data)]
    assert len(set(first)) == 2
    other_watch = activity_file(
        Session(Sport.WALKING, MORNING, 600), Session(Sport.WALKING, MORNING, 600), serial=42
    )
    assert not set(first) & {a.source_id for a in parse(other_watch)}


def test_a_file_without_a_serial_number_gets_ids_from_its_sessions():
    sessions = (Session(Sport.WALKING, MORNING, 600), Session(Sport.WALKING, MORNING, 900))
    ids = [a.source_id for a in parse(activity_file(*sessions, serial=0))]
    assert ids == [a.source_id for a in parse(activity_file(*sessions, serial=0))]
    assert len(set(ids)) == 2 and all(i.startswith("session:") for i in ids)


def test_sniff_knows_fit_by_its_content_not_its_name():
    data = fit_files.walking()
    assert fit.sniff(data[:4096], "walk.fit")
    assert fit.sniff(data[:4096], "renamed.gpx")
    assert not fit.sniff(b"<?xml version='1.0'?><gpx></gpx>", "walk.fit")
    assert not fit.sniff(b"", "walk.fit")


def test_one_corrupted_byte_is_reported_as_damage_and_nothing_is_yielded():
    data = bytearray(fit_files.walking())
    data[len(data) // 2] ^= 0x01  # one bit of one byte, as a bad copy does
    stream = fit.parse(io.BytesIO(bytes(data)), limits=LIMITS)
    with pytest.raises(ImportFileError, match="This FIT file is damaged"):
        next(stream)


def test_a_corrupted_header_or_footer_is_damage_too():
    data = fit_files.walking()
    header = bytearray(data)
    header[4] ^= 0xFF  # the data size in the header, covered by the header's CRC
    with pytest.raises(ImportFileError, match="damaged"):
        parse(bytes(header))
    footer = bytearray(data)
    footer[-1] ^= 0xFF
    with pytest.raises(ImportFileError, match="damaged"):
        parse(bytes(footer))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "This file is empty"),
        (b'<?xml version="1.0"?><gpx version="1.1"></gpx>', "This is not a FIT activity file"),
        (b"Date,Step count\n2024-03-05,4000\n", "This is not a FIT activity file"),
    ],
    ids=["empty", "gpx-renamed", "csv-renamed"],
)
def test_empty_and_other_formats_renamed_get_plain_messages(data, message):
    with pytest.raises(ImportFileError, match=message):
        parse(data)


def test_a_truncated_file_says_it_was_cut_short():
    data = fit_files.walking()
    with pytest.raises(ImportFileError, match="ends too early"):
        parse(data[: len(data) - 40])
    with pytest.raises(ImportFileError, match="ends too early"):
        parse(data[:10])


def test_a_file_with_no_activity_says_so():
    course = activity_file(file_type=FileType.COURSE)
    with pytest.raises(ImportFileError, match="holds no activity"):
        parse(course)


def test_max_rows_stops_with_a_clear_message():
    data = activity_file(
        *(Session(Sport.WALKING, MORNING + dt.timedelta(hours=i), 60) for i in range(4))
    )
    assert len(parse(data, ImportLimits(max_bytes=10**6, max_rows=4))) == 4
    with pytest.raises(ImportFileError, match="more than 3 entries"):
        parse(data, ImportLimits(max_bytes=10**6, max_rows=3))


class ReadSpy(io.RawIOBase):
    """A file on disk that remembers the largest read the parser asked of it."""

    def __init__(self, path):
        self.file = open(path, "rb")  # noqa: SIM115 (closed by the test)
        self.largest = 0
        self.total = 0

    def readable(self):
        return True

    def read(self, size=-1):
        data = self.file.read(size)
        self.largest = max(self.largest, len(data))
        self.total += len(data)
        return data

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@pytest.fixture(scope="module")
def long_walk_file(tmp_path_factory):
    """About 300 KB and 30,000 records: one encoded walk, chained 100 times (FIT allows
    several files back to back in one; fit-tool is too slow to encode 30,000 records)."""
    one = activity_file(
        Session(Sport.WALKING, MORNING, 1800, strides=1500), records_per_session=300
    )
    path = tmp_path_factory.mktemp("fit") / "long.fit"
    path.write_bytes(one * 100)
    return path


def test_a_large_file_is_read_as_a_stream_not_whole(long_walk_file):
    spy = ReadSpy(long_walk_file)
    try:
        walks = list(fit.parse(cast(BinaryIO, spy), limits=LIMITS))
    finally:
        spy.file.close()
    assert len(walks) == 100
    assert len({w.source_id for w in walks}) == 100
    assert spy.total == long_walk_file.stat().st_size
    assert spy.largest <= 64 * 1024  # small reads all along, never the file at once


def test_memory_stays_small_next_to_the_file(long_walk_file, tmp_path):
    # A tenth of the long file (tracemalloc slows decoding tenfold): peak memory is a
    # fraction of the file, so it does not hold the file or its records.
    part = tmp_path / "part.fit"
    part.write_bytes(long_walk_file.read_bytes()[: long_walk_file.stat().st_size // 10])
    tracemalloc.start()
    try:
        with part.open("rb") as stream:
            assert len(list(fit.parse(stream, limits=LIMITS))) == 10
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < part.stat().st_size


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_every_single_bit_flip_anywhere_is_a_plain_error_never_a_crash_or_a_walk():
    data = fit_files.walking()
    for position in range(len(data)):
        for bit in (0x01, 0x80):
            damaged = bytearray(data)
            damaged[position] ^= bit
            with pytest.raises(ImportFileError):
                parse(bytes(damaged))
