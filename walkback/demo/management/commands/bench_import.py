"""``manage.py bench_import``: the speed and memory of reading an Apple Health export
(docs/activity-import.md#speed).

For each size (default 100,000 and 1,000,000 records) it writes an export.xml to a temporary
file, as a watch-wearer's phone would (per day: step records from the phone and the watch,
heart rates, active energy and a walking workout), then reads it through the import's parse
and preview path (``formats.read_activities`` into ``preview.build_preview``) in a child
process of its own, twice: once timed, once under tracemalloc for the peak of Python's
allocations. The child's ``ru_maxrss`` is its whole peak resident memory. Flat memory means
these stay the same however large the file.

The preview needs a patient: the child makes a clinic and a patient in a transaction it rolls
back, so any migrated database does (the demo's SQLite included).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zoneinfo
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from walkback.demo.activity_files import APPLE_DTD, WATCH, Workout, workout_xml

RECORDS_PER_DAY = 500  # a watch wearer: about 2,000 days make a million records
ZONE = zoneinfo.ZoneInfo("Australia/Sydney")
_STEP = (
    ' <Record type="HKQuantityTypeIdentifierStepCount" sourceName="{src}" sourceVersion="17.3.1"'
    ' device="&lt;&lt;HKDevice: 0x283f0a170&gt;, name:iPhone, manufacturer:Apple Inc., model:'
    'iPhone, hardware:iPhone14,5, software:17.3.1&gt;" unit="count" creationDate="{end}"'
    ' startDate="{start}" endDate="{end}" value="{value}"/>\n'
)
_HEART = (
    ' <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="{src}" sourceVersion="10.3"'
    ' device="&lt;&lt;HKDevice: 0x283f0b2d0&gt;, name:Apple Watch, manufacturer:Apple Inc.,'
    ' model:Watch, hardware:Watch6,1, software:10.3&gt;" unit="count/min" creationDate="{end}"'
    ' startDate="{start}" endDate="{end}" value="{value}">\n'
    '  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n </Record>\n'
)
_ENERGY = (
    ' <Record type="HKQuantityTypeIdentifierActiveEnergyBurned" sourceName="{src}"'
    ' sourceVersion="10.3" unit="kcal" creationDate="{end}" startDate="{start}" endDate="{end}"'
    ' value="{value}"/>\n'
)


def write_export(path: Path, records: int, *, seed: int = 1) -> int:
    """An export of ``records`` Record elements (and a walk a day). Returns its byte size."""
    rng = random.Random(seed)
    days = max(1, records // RECORDS_PER_DAY)
    first = dt.date(2026, 11, 1) - dt.timedelta(days=days)
    written = 0
    workouts: list[str] = []
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n' + APPLE_DTD)
        out.write('<HealthData locale="en_AU">\n <ExportDate value="2026-11-01 20:00:00 +1100"/>\n')
        for n in range(days):
            day = first + dt.timedelta(days=n)
            midnight = dt.datetime.combine(day, dt.time(), tzinfo=ZONE)
            offset = midnight.strftime("%z")
            lines: list[str] = []
            for i in range(RECORDS_PER_DAY):
                if written + len(lines) >= records:
                    break
                minute = (i * 1440) // RECORDS_PER_DAY
                start = f"{day} {minute // 60:02d}:{minute % 60:02d}:00 {offset}"
                end = f"{day} {minute // 60:02d}:{minute % 60:02d}:59 {offset}"
                kind = i % 10
                if kind < 3:
                    lines.append(
                        _STEP.format(
                            src="Margaret\u2019s iPhone" if kind else WATCH,
                            start=start,
                            end=end,
                            value=rng.randint(5, 120),
                        )
                    )
                elif kind < 8:
                    lines.append(_HEART.format(src=WATCH, start=start, end=end, value=60 + i % 40))
                else:
                    lines.append(_ENERGY.format(src=WATCH, start=start, end=end, value="0.412"))
            out.writelines(lines)
            written += len(lines)
            walk_start = dt.datetime.combine(day, dt.time(7, rng.randint(0, 59)), tzinfo=ZONE)
            workouts.append(workout_xml(Workout(start=walk_start, minutes=rng.uniform(15, 45))))
            if written >= records:
                break
        out.writelines(workouts)
        out.write("</HealthData>\n")
    return path.stat().st_size


def measure(path: Path, *, trace: bool) -> dict:
    """Parse and preview ``path`` for a throwaway patient; in the child process."""
    from patients.imports import formats
    from patients.imports.preview import build_preview
    from patients.models import Patient
    from walkback.demo.factories import ClinicFactory, PatientFactory

    size = path.stat().st_size
    limits = formats.limits_from_settings()
    result: dict = {}

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            clinic = ClinicFactory(time_zone="Australia/Sydney")
            patient: Patient = PatientFactory(clinic=clinic)  # type: ignore[assignment]
            if trace:
                tracemalloc.start()
            began, cpu = time.perf_counter(), time.process_time()
            with open(path, "rb") as stream:
                activities = formats.read_activities(
                    stream, filename=path.name, size=size, limits=limits
                )
                preview = build_preview(
                    activities, patient=patient, count_hiking=False, today=patient.today()
                )
            result["seconds"] = time.perf_counter() - began
            result["cpu_seconds"] = time.process_time() - cpu
            if trace:
                result["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
            result["activities"] = preview["activities_read"]
            result["walks"] = preview["counts"].get("new", 0)
            raise Rollback
    except Rollback:
        pass
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


class Command(BaseCommand):
    help = "Benchmark reading Apple Health exports (rows per second, peak memory)."

    def add_arguments(self, parser):
        parser.add_argument("--records", type=int, nargs="*", default=[100_000, 1_000_000])
        parser.add_argument("--measure", help="(internal) measure this file in this process")
        parser.add_argument("--trace", action="store_true", help="(internal) with tracemalloc")
        parser.add_argument("--keep", action="store_true", help="keep the generated files")

    def handle(self, *args, **options):
        if options["measure"]:
            result = measure(Path(options["measure"]), trace=options["trace"])
            self.stdout.write("RESULT " + json.dumps(result))
            return
        folder = Path(tempfile.mkdtemp(prefix="walkback-bench-import-"))
        rows = []
        for records in options["records"]:
            path = folder / f"export-{records}.xml"
            began = time.perf_counter()
            size = write_export(path, records)
            made = time.perf_counter() - began
            timed = self._child(path, trace=False)
            traced = self._child(path, trace=True)
            rows.append((records, size, made, timed, traced))
            load = os.getloadavg()[0]
            self.stdout.write(
                f"{records:>10,} records  load {load:.1f}  {size / 1e6:8.1f} MB  "
                f"{records / timed['seconds']:>9,.0f} records/s "
                f"({records / timed['cpu_seconds']:,.0f} per CPU second)  "
                f"({timed['seconds']:.1f} s, {timed['cpu_seconds']:.1f} s CPU; "
                f"{timed['activities']:,} activities, "
                f"{timed['walks']:,} walks)  "
                f"peak Python {traced['traced_peak_mb']:.1f} MB  "
                f"max RSS {timed['max_rss_mb']:.0f} MB  (file written in {made:.1f} s)"
            )
            if not options["keep"]:
                path.unlink()
        if not options["keep"]:
            folder.rmdir()

    def _child(self, path: Path, *, trace: bool) -> dict:
        command = [sys.executable, "manage.py", "bench_import", "--measure", str(path)]
        if trace:
            command.append("--trace")
        done = subprocess.run(  # noqa: S603
            command, capture_output=True, text=True, check=True, env=os.environ.copy()
        )
        line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
        return json.loads(line.removeprefix("RESULT "))
