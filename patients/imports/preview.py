"""What an upload would add: one pass over the file's activities, then one look at the
patient's walks (docs/activity-import.md#the-preview).

Memory stays flat however long the file: workouts are kept (a few thousand at most), step
records are summed into per-day, per-source totals as they stream past and then dropped.

Each workout row gets a status:
- ``new``: a walk that will be saved;
- ``imported``: a walk with the same source and source id is already saved (the same file
  uploaded again adds nothing);
- ``match``: the patient typed a walk that day, so the imported one is offered as the same
  walk and not added (one typed walk matches one imported walk, earliest first);
- ``not_walk``: running, cycling... (and hiking unless the clinic counts it);
- ``not_imported``: a walk outside what a walk log holds, with why (shorter than a minute,
  longer than ``WALK_MINUTES.high``, before the programme began, in the future).

Days with steps but no walk are listed as ``steps_only``: shown, never saved as walks, since
a step count says nothing of when or whether a walk happened.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TypedDict

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients.dates import long_date
from patients.imports.parsers.base import Activity, ActivityKind
from patients.limits import STEPS, WALK_MINUTES
from patients.models import Patient, WalkLog, WalkSource

NEW, IMPORTED, MATCH, NOT_WALK, NOT_IMPORTED, STEPS_ONLY = (
    "new",
    "imported",
    "match",
    "not_walk",
    "not_imported",
    "steps_only",
)
STATUS_WORDS = {
    NEW: _("New: will be saved"),
    IMPORTED: _("Already imported"),
    MATCH: _("Matches a walk you logged"),
    NOT_WALK: _("Not a walk"),
    NOT_IMPORTED: _("Not imported"),
    STEPS_ONLY: _("Steps only"),
}


class Row(TypedDict):
    day: str  # the patient's local date, ISO
    time: str  # local start time, "07:31"
    minutes: int
    steps: int | None
    km: float | None
    source: str
    source_id: str
    label: str
    status: str
    why: str


def _split_by_day(activity: Activity, zone) -> Iterable[tuple[dt.date, float]]:
    """A step record's count shared out over the local days it spans, by time: a record from
    23:50 to 00:10 gives half its steps to each day."""
    start, end = activity.start.astimezone(zone), activity.end.astimezone(zone)
    steps = float(activity.steps or 0)
    if start.date() == end.date() or end <= start:
        yield start.date(), steps
        return
    total = (end - start).total_seconds()
    cursor = start
    while cursor < end:
        midnight = dt.datetime.combine(cursor.date() + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        piece_end = min(end, midnight)
        yield cursor.date(), steps * (piece_end - cursor).total_seconds() / total
        cursor = piece_end


def _row(activity: Activity, zone) -> Row:
    local = activity.start.astimezone(zone)
    km = round(activity.distance_m / 1000, 2) if activity.distance_m else None
    steps = activity.steps if activity.steps is not None and activity.steps in STEPS else None
    return Row(
        day=local.date().isoformat(),
        time=local.strftime("%H:%M"),
        minutes=activity.minutes,
        steps=steps,
        km=km,
        source=str(activity.source),
        source_id=activity.source_id,
        label=activity.label,
        status=NEW,
        why="",
    )


def build_preview(
    activities: Iterable[Activity],
    *,
    patient: Patient,
    count_hiking: bool,
    today: dt.date,
    progress: Callable[[], None] | None = None,
    progress_every: int = 20_000,
) -> dict:
    zone = patient.zone
    rows: list[Row] = []
    steps_by_day_source: dict[tuple[dt.date, str], float] = defaultdict(float)
    seen_ids: set[tuple[str, str]] = set()
    read = 0
    for activity in activities:
        read += 1
        if progress is not None and read % progress_every == 0:
            progress()
        if activity.kind == ActivityKind.STEPS:
            for day, steps in _split_by_day(activity, zone):
                steps_by_day_source[(day, activity.label)] += steps
            continue
        key = (str(activity.source), activity.source_id)
        if key in seen_ids:  # the same workout twice in one file
            continue
        seen_ids.add(key)
        row = _row(activity, zone)
        if activity.kind == ActivityKind.OTHER or (
            activity.kind == ActivityKind.HIKE and not count_hiking
        ):
            row["status"] = NOT_WALK
            if activity.kind == ActivityKind.HIKE:
                row["why"] = gettext("Your clinic counts walks only, not hikes.")
            elif activity.label:
                # Translators: %(activity)s is the file's own name for it, e.g. "Running".
                row["why"] = gettext("%(activity)s is not a walk.") % {"activity": activity.label}
            else:
                row["why"] = gettext("This activity is not a walk.")
        rows.append(row)
    # Days' steps: the busiest source of each day, since a phone and a watch both count the
    # same steps (Apple's own app picks one source per moment; the larger total is close).
    day_steps: dict[dt.date, float] = {}
    for (day, _source), steps in steps_by_day_source.items():
        day_steps[day] = max(day_steps.get(day, 0.0), steps)
    _judge(rows, patient=patient, today=today)
    walk_days = {row["day"] for row in rows if row["status"] != NOT_WALK}
    steps_only = [
        {"day": day.isoformat(), "steps": round(steps)}
        for day, steps in sorted(day_steps.items(), reverse=True)
        if day.isoformat() not in walk_days and round(steps) > 0
    ]
    rows.sort(key=lambda row: (row["day"], row["time"]), reverse=True)
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row["status"]] += 1
    return {
        "rows": rows,
        "steps_only": steps_only,
        "counts": dict(counts),
        "activities_read": read,
    }


def _judge(rows: list[Row], *, patient: Patient, today: dt.date) -> None:
    """Statuses against the rules of a walk log and the walks already saved (two queries)."""
    candidates = [row for row in rows if row["status"] == NEW]
    for row in candidates:
        day = dt.date.fromisoformat(row["day"])
        if row["minutes"] < WALK_MINUTES.low:
            row["status"], row["why"] = NOT_IMPORTED, gettext("Shorter than a minute.")
        elif row["minutes"] > WALK_MINUTES.high:
            row["status"], row["why"] = (
                NOT_IMPORTED,
                gettext("Longer than %(hours)s hours: probably a workout left running.")
                % {"hours": WALK_MINUTES.high // 60},
            )
        elif day > today:
            row["status"], row["why"] = NOT_IMPORTED, gettext("The date is in the future.")
        elif patient.programme_start and day < patient.programme_start:
            row["status"], row["why"] = (
                NOT_IMPORTED,
                gettext("Before your programme began (%(date)s).")
                % {"date": long_date(patient.programme_start)},
            )
    mark_saved_and_matches(rows, patient=patient)


def mark_saved_and_matches(rows: list[Row], *, patient: Patient) -> None:
    """``imported`` for walks already saved from a file, ``match`` for walks the patient typed
    on the same day; run again at saving, as walks may have been logged since the preview."""
    open_rows = [row for row in rows if row["status"] in (NEW, IMPORTED, MATCH)]
    if not open_rows:
        return
    days = sorted({row["day"] for row in open_rows})
    saved = set(
        WalkLog.objects.filter(
            patient=patient,
            import_source__in={row["source"] for row in open_rows},
            import_source_id__in=[row["source_id"] for row in open_rows],
        ).values_list("import_source", "import_source_id")
    )
    typed: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for pk, walked_on, minutes in (
        WalkLog.objects.filter(
            patient=patient,
            walked_on__gte=days[0],
            walked_on__lte=days[-1],
        )
        .exclude(source=WalkSource.IMPORTED)
        .order_by("walked_on", "id")
        .values_list("pk", "walked_on", "minutes")
    ):
        typed[walked_on.isoformat()].append((pk, minutes))
    for row in sorted(open_rows, key=lambda row: (row["day"], row["time"])):
        if (row["source"], row["source_id"]) in saved:
            row["status"], row["why"] = IMPORTED, gettext("Saved from an earlier import.")
        elif typed.get(row["day"]):
            _pk, minutes = typed[row["day"]].pop(0)
            row["status"] = MATCH
            row["why"] = gettext(
                "You logged a %(minutes)s-minute walk that day: kept once, as you typed it."
            ) % {"minutes": minutes}
        else:
            row["status"], row["why"] = NEW, ""
