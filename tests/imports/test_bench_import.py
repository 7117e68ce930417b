"""``bench_import``'s pieces at a small size: the generated export reads back as written, and
the parser's memory does not grow with the file (ten times the records, the same peak)."""

from __future__ import annotations

import io
import tracemalloc

import pytest

from patients.imports.parsers import apple_health
from patients.imports.parsers.base import ActivityKind, ImportLimits
from walkback.demo.management.commands.bench_import import RECORDS_PER_DAY, measure, write_export

LIMITS = ImportLimits(max_bytes=10**10, max_rows=10**8)


def _peak_while_parsing(path) -> tuple[int, int]:
    tracemalloc.start()
    with open(path, "rb") as stream:
        count = sum(1 for _ in apple_health.parse(stream, limits=LIMITS))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return count, peak


def test_the_parsers_memory_does_not_grow_with_the_file(tmp_path):
    small, large = tmp_path / "small.xml", tmp_path / "large.xml"
    write_export(small, 4_000)
    write_export(large, 40_000)
    small_count, small_peak = _peak_while_parsing(small)
    large_count, large_peak = _peak_while_parsing(large)
    assert large_count == 10 * small_count
    # One megabyte chunk and the activities it holds, whatever the file's size.
    assert large_peak < small_peak * 1.25 + 256 * 1024, (small_peak, large_peak)


@pytest.mark.django_db
def test_the_benchmark_measures_a_generated_export(tmp_path):
    path = tmp_path / "export.xml"
    write_export(path, 5 * RECORDS_PER_DAY)
    result = measure(path, trace=True)
    # Per day: 30% step records (150) and a walking workout.
    assert result["activities"] == 5 * (150 + 1) and result["walks"] == 5
    assert result["traced_peak_mb"] > 0 and result["seconds"] > 0
    kinds = {a.kind for a in apple_health.parse(io.BytesIO(path.read_bytes()), limits=LIMITS)}
    assert kinds == {ActivityKind.STEPS, ActivityKind.WALK}
