"""Activity files as the phone apps write them, made up from scratch (no real person's data):
the demo's samples (``walkback/demo/samples/``, written by ``make_samples``), the tests' files
and ``bench_import``'s large exports.

The Apple Health export follows what the Health app writes (iOS 17): the DTD Apple ships,
``ExportDate``, ``Me``, ``Record`` elements with ``sourceName``, ``sourceVersion``, ``device``
and ``MetadataEntry`` children, ``Workout`` elements with ``MetadataEntry``, ``WorkoutEvent``,
``WorkoutStatistics`` and ``WorkoutRoute`` children, and ``ActivitySummary`` rows. Step records
come in short intervals, from the phone and the watch both, some spanning midnight.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO
from xml.sax.saxutils import quoteattr

APPLE_DTD = """<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 14 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|\
ClinicalRecord|Audiogram|VisionPrescription)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Me EMPTY>
<!ATTLIST Me
  HKCharacteristicTypeIdentifierDateOfBirth         CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBiologicalSex       CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBloodType           CDATA #REQUIRED
  HKCharacteristicTypeIdentifierFitzpatrickSkinType CDATA #REQUIRED
  HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT Workout ((MetadataEntry|WorkoutEvent|WorkoutRoute|WorkoutStatistics)*)>
<!ATTLIST Workout
  workoutActivityType   CDATA #REQUIRED
  duration              CDATA #IMPLIED
  durationUnit          CDATA #IMPLIED
  totalDistance         CDATA #IMPLIED
  totalDistanceUnit     CDATA #IMPLIED
  totalEnergyBurned     CDATA #IMPLIED
  totalEnergyBurnedUnit CDATA #IMPLIED
  sourceName            CDATA #REQUIRED
  sourceVersion         CDATA #IMPLIED
  device                CDATA #IMPLIED
  creationDate          CDATA #IMPLIED
  startDate             CDATA #REQUIRED
  endDate               CDATA #REQUIRED
>
<!ELEMENT WorkoutStatistics EMPTY>
<!ATTLIST WorkoutStatistics
  type      CDATA #REQUIRED
  startDate CDATA #REQUIRED
  endDate   CDATA #REQUIRED
  average   CDATA #IMPLIED
  minimum   CDATA #IMPLIED
  maximum   CDATA #IMPLIED
  sum       CDATA #IMPLIED
  unit      CDATA #IMPLIED
>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry
  key   CDATA #REQUIRED
  value CDATA #REQUIRED
>
]>
"""

PHONE = "Margaret\u2019s iPhone"
WATCH = "Margaret\u2019s Apple Watch"
PHONE_DEVICE = (
    "<<HKDevice: 0x283f0a170>, name:iPhone, manufacturer:Apple Inc., model:iPhone, "
    "hardware:iPhone14,5, software:17.3.1>"
)
WATCH_DEVICE = (
    "<<HKDevice: 0x283f0b2d0>, name:Apple Watch, manufacturer:Apple Inc., model:Watch, "
    "hardware:Watch6,1, software:10.3>"
)


def apple_date(moment: dt.datetime) -> str:
    """'2024-03-05 07:31:00 +1100', as Apple writes dates (the device's offset then)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S %z")


@dataclass(frozen=True)
class Workout:
    start: dt.datetime  # aware
    minutes: float
    kind: str = "HKWorkoutActivityTypeWalking"
    km: float | None = None
    steps: int | None = None


def _attrs(**values) -> str:
    return " ".join(f"{name}={quoteattr(str(value))}" for name, value in values.items())


def later(moment: dt.datetime, minutes: float) -> dt.datetime:
    """``minutes`` of real time after ``moment``, on the same zone's clock (across a change
    of daylight saving, plain ``+`` adds wall-clock time)."""
    return (moment.astimezone(dt.UTC) + dt.timedelta(minutes=minutes)).astimezone(moment.tzinfo)


def workout_xml(workout: Workout, *, legacy_totals: bool = False) -> str:
    end = later(workout.start, workout.minutes)
    start_s, end_s = apple_date(workout.start), apple_date(end)
    km = workout.km if workout.km is not None else round(workout.minutes * 0.075, 2)
    steps = workout.steps if workout.steps is not None else round(workout.minutes * 105)
    attrs = {
        "workoutActivityType": workout.kind,
        "duration": f"{workout.minutes:.4f}",
        "durationUnit": "min",
    }
    if legacy_totals:  # iOS 15 and before put the totals on the workout itself
        attrs |= {"totalDistance": f"{km}", "totalDistanceUnit": "km"}
    attrs |= {
        "sourceName": WATCH,
        "sourceVersion": "10.3",
        "device": WATCH_DEVICE,
        "creationDate": apple_date(end + dt.timedelta(seconds=41)),
        "startDate": start_s,
        "endDate": end_s,
    }
    span = _attrs(startDate=start_s, endDate=end_s)
    lines = [
        f" <Workout {_attrs(**attrs)}>",
        f"  <MetadataEntry {_attrs(key='HKIndoorWorkout', value='0')}/>",
        f"  <MetadataEntry {_attrs(key='HKTimeZone', value='Australia/Sydney')}/>",
        f"  <MetadataEntry {_attrs(key='HKWeatherTemperature', value='66.2 degF')}/>",
        f"  <MetadataEntry {_attrs(key='HKElevationAscended', value='1840 cm')}/>",
        f"  <WorkoutEvent {_attrs(type='HKWorkoutEventTypeSegment', date=start_s)}"
        f' duration="{min(workout.minutes, 15.0):.4f}" durationUnit="min"/>',
        f'  <WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" {span}'
        f' sum="{workout.minutes * 3.6:.3f}" unit="kcal"/>',
        f'  <WorkoutStatistics type="HKQuantityTypeIdentifierBasalEnergyBurned" {span}'
        f' sum="{workout.minutes * 1.1:.3f}" unit="kcal"/>',
        f'  <WorkoutStatistics type="HKQuantityTypeIdentifierDistanceWalkingRunning" {span}'
        f' sum="{km}" unit="km"/>',
        f'  <WorkoutStatistics type="HKQuantityTypeIdentifierStepCount" {span}'
        f' sum="{steps}" unit="count"/>',
        f"  <WorkoutRoute {_attrs(sourceName=WATCH, sourceVersion='10.3')} {span}>",
        '   <MetadataEntry key="HKMetadataKeySyncVersion" value="2"/>',
        f'   <FileReference path="/workout-routes/route_{workout.start:%Y-%m-%d_%-I.%M%p}.gpx"/>',
        "  </WorkoutRoute>",
        " </Workout>",
    ]
    return "\n".join(lines) + "\n"


def step_record_xml(source: str, start: dt.datetime, end: dt.datetime, count: int) -> str:
    device = WATCH_DEVICE if source == WATCH else PHONE_DEVICE
    return (
        " <Record "
        + _attrs(
            type="HKQuantityTypeIdentifierStepCount",
            sourceName=source,
            sourceVersion="17.3.1" if source == PHONE else "10.3",
            device=device,
            unit="count",
            creationDate=apple_date(end + dt.timedelta(minutes=3)),
            startDate=apple_date(start),
            endDate=apple_date(end),
            value=count,
        )
        + "/>\n"
    )


def heart_rate_xml(moment: dt.datetime, bpm: int) -> str:
    return (
        " <Record "
        + _attrs(
            type="HKQuantityTypeIdentifierHeartRate",
            sourceName=WATCH,
            sourceVersion="10.3",
            device=WATCH_DEVICE,
            unit="count/min",
            creationDate=apple_date(moment + dt.timedelta(seconds=30)),
            startDate=apple_date(moment),
            endDate=apple_date(moment),
            value=bpm,
        )
        + '>\n  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n'
        + " </Record>\n"
    )


def write_apple_health(
    out: IO[str],
    *,
    records: Iterable[str],
    workouts: Iterable[Workout] = (),
    exported: dt.datetime | None = None,
    legacy_totals: bool = False,
) -> None:
    """An export.xml: the header, then ``records`` (XML lines), then workouts, as Apple
    orders them (records by type, workouts after all records)."""
    sydney_summer = dt.timezone(dt.timedelta(hours=11))
    exported = exported or dt.datetime(2024, 3, 20, 9, 12, 44, tzinfo=sydney_summer)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(APPLE_DTD)
    out.write('<HealthData locale="en_AU">\n')
    out.write(f' <ExportDate value="{apple_date(exported)}"/>\n')
    out.write(
        " <Me "
        + _attrs(
            HKCharacteristicTypeIdentifierDateOfBirth="1958-04-12",
            HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale",
            HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet",
            HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet",
            HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None",
        )
        + "/>\n"
    )
    for record in records:
        out.write(record)
    for workout in workouts:
        out.write(workout_xml(workout, legacy_totals=legacy_totals))
    out.write(
        ' <ActivitySummary dateComponents="2024-03-05" activeEnergyBurned="312.4" '
        'activeEnergyBurnedGoal="400" activeEnergyBurnedUnit="kcal" '
        'appleExerciseTime="34" appleExerciseTimeGoal="30" appleStandHours="11" '
        'appleStandHoursGoal="12"/>\n'
    )
    out.write("</HealthData>\n")


def apple_health_text(**kwargs) -> str:
    buffer = io.StringIO()
    write_apple_health(buffer, **kwargs)
    return buffer.getvalue()


def zip_export(xml_text: str | bytes) -> bytes:
    """export.zip as the Health app makes it: the XML (and its clinical twin) in
    ``apple_health_export/``."""
    buffer = io.BytesIO()
    data = xml_text.encode() if isinstance(xml_text, str) else xml_text
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("apple_health_export/export.xml", data)
        archive.writestr(
            "apple_health_export/export_cda.xml",
            '<?xml version="1.0"?>\n<ClinicalDocument xmlns="urn:hl7-org:v3"/>\n',
        )
    return buffer.getvalue()


def daily_steps(
    days: Iterable[dt.date], zone: zoneinfo.ZoneInfo, *, rng: random.Random
) -> Iterable[str]:
    """A day's step records from the phone and the watch (the same walking counted twice,
    as Apple writes it), in 10-minute intervals; the evening's last spans midnight."""
    for day in days:
        for hour in (8, 12, 17):
            for source in (PHONE, WATCH):
                start = dt.datetime.combine(day, dt.time(hour, 5), tzinfo=zone)
                for n in range(3):
                    piece = start + dt.timedelta(minutes=10 * n)
                    count = rng.randint(300, 900) if source == PHONE else rng.randint(280, 860)
                    yield step_record_xml(source, piece, piece + dt.timedelta(minutes=10), count)
        late = dt.datetime.combine(day, dt.time(23, 50), tzinfo=zone)
        yield step_record_xml(PHONE, late, late + dt.timedelta(minutes=20), 400)


def gpx_text(
    start: dt.datetime, minutes: int, *, with_times: bool = True, kind: str = "walking"
) -> str:
    """A GPX 1.1 track as a phone's walking app writes it: one point every 10 seconds
    along a loop in a park (about 4.5 km/h)."""
    points = []
    lat, lon = -33.8915, 151.2767
    for n in range(minutes * 6 + 1):
        moment = (start + dt.timedelta(seconds=10 * n)).astimezone(dt.UTC)
        lat_n = lat + 0.000112 * (n % 200) * (1 if (n // 200) % 2 == 0 else -1)
        lon_n = lon + 0.00004 * n / 10
        time_tag = f"<time>{moment:%Y-%m-%dT%H:%M:%SZ}</time>" if with_times else ""
        points.append(
            f'      <trkpt lat="{lat_n:.6f}" lon="{lon_n:.6f}">'
            f"<ele>{21 + n % 7}</ele>{time_tag}</trkpt>"
        )
    type_tag = f"<type>{kind}</type>" if kind else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="WalkBack sample (OsmAnd style)" '
        'xmlns="http://www.topografix.com/GPX/1/1">\n'
        f"  <metadata><time>{start.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%SZ}</time></metadata>\n"
        f"  <trk>\n    <name>Morning walk</name>\n    {type_tag}\n    <trkseg>\n"
        + "\n".join(points)
        + "\n    </trkseg>\n  </trk>\n</gpx>\n"
    )


SAMPLE_DAYS = 21


def sample_workouts(end_day: dt.date, zone: zoneinfo.ZoneInfo) -> list[Workout]:
    """Three weeks of a patient's watch: walks on most days, a hike, a run, and a walk
    started by mistake (under a minute)."""
    rng = random.Random(13)
    workouts = []
    for back in range(SAMPLE_DAYS - 1, -1, -1):
        day = end_day - dt.timedelta(days=back)
        if back % 7 in (2, 5):
            continue  # rest days
        start = dt.datetime.combine(day, dt.time(7, rng.randint(0, 50)), tzinfo=zone)
        workouts.append(Workout(start=start, minutes=round(rng.uniform(18, 42), 2)))
    hike_day = end_day - dt.timedelta(days=9)
    workouts.append(
        Workout(
            start=dt.datetime.combine(hike_day, dt.time(14, 0), tzinfo=zone),
            minutes=95.5,
            kind="HKWorkoutActivityTypeHiking",
            km=6.8,
        )
    )
    run_day = end_day - dt.timedelta(days=4)
    workouts.append(
        Workout(
            start=dt.datetime.combine(run_day, dt.time(17, 30), tzinfo=zone),
            minutes=24.0,
            kind="HKWorkoutActivityTypeRunning",
            km=4.1,
        )
    )
    workouts.append(
        Workout(start=dt.datetime.combine(end_day, dt.time(12, 3), tzinfo=zone), minutes=0.4)
    )
    return sorted(workouts, key=lambda workout: workout.start)


def sample_export(end_day: dt.date, zone: zoneinfo.ZoneInfo) -> str:
    days = [end_day - dt.timedelta(days=back) for back in range(SAMPLE_DAYS - 1, -1, -1)]
    rng = random.Random(7)
    records = list(daily_steps(days, zone, rng=rng))
    records += [
        heart_rate_xml(dt.datetime.combine(day, dt.time(9, 0), tzinfo=zone), 64 + n % 9)
        for n, day in enumerate(days)
    ]
    exported = dt.datetime.combine(end_day, dt.time(20, 15), tzinfo=zone)
    return apple_health_text(
        records=records, workouts=sample_workouts(end_day, zone), exported=exported
    )


def sample_gpx(end_day: dt.date, zone: zoneinfo.ZoneInfo) -> str:
    return gpx_text(dt.datetime.combine(end_day, dt.time(16, 10), tzinfo=zone), 28)
