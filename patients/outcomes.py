"""Days to the first recurrence of back pain, from the monthly check-ins
(docs/clinical-rules.md#recurrences): the trial's primary outcome is days to the first
activity-limiting recurrence; the secondary ones are days to any recurrence and to one that
needed care.

Time is counted from the programme start (the trial counted from randomisation; a clinic's
nearest equivalent is the day the programme began).

- An event is the first completed check-in, in month order, that reports the episode: any
  back pain; back pain that limited activity; back pain for which care was sought.
- Its day is the onset date the patient gave, kept within the programme start and the day
  they answered; without an onset date, the day they answered (the latest it can have been).
- Without such a check-in the time is censored at the last completed check-in: up to that
  day the patient told us they had no recurrence; after it we do not know.
- A month nobody answered before the next check-in came due, and not answered late when a
  later check-in asked about it again (``CheckIn.late``; docs/clinical-rules.md#monthly-check-
  ins), is unknown (``MissedMonth``), as is one the patient said they do not remember
  (``CheckIn.unknown_at``, never ``completed_at``): follow-up is censored at the start of the
  first one, and nothing answered after the gap counts, since a recurrence could have been in
  it. A gap is never recurrence-free time; a month answered late is an answer like any other.
- A patient with no programme start or no completed check-in has no follow-up yet and is
  left out (``None``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients.models import CheckIn, Patient

KINDS = ("any", "activity_limiting", "care_seeking")
KIND_LABELS = {
    "any": _("Any back pain"),
    "activity_limiting": _("Activity-limiting back pain"),
    "care_seeking": _("Back pain needing care"),
}


@dataclass(frozen=True)
class CheckInAnswer:
    month_number: int
    completed_on: dt.date
    any_pain: bool | None
    onset_date: dt.date | None = None
    activity_limiting: bool | None = None
    care_sought: bool | None = None

    def reports(self, kind: str) -> bool:
        if not self.any_pain:
            return False
        if kind == "activity_limiting":
            return bool(self.activity_limiting)
        if kind == "care_seeking":
            return bool(self.care_sought)
        return True


@dataclass(frozen=True)
class MissedMonth:
    """A month nobody answered before the next check-in came due: unknown, never counted as
    free of recurrence. Its window starts the day the month before it was due (or the
    programme start, for month 1: None here)."""

    month_number: int
    window_start: dt.date | None


@dataclass(frozen=True)
class TimeToEvent:
    days: int
    event: bool


@dataclass(frozen=True)
class RecurrenceTimes:
    follow_up_days: int
    any: TimeToEvent
    activity_limiting: TimeToEvent
    care_seeking: TimeToEvent

    def of(self, kind: str) -> TimeToEvent:
        return getattr(self, kind)


def recurrence_times(
    programme_start: dt.date | None, answers: Iterable[CheckInAnswer | MissedMonth]
) -> RecurrenceTimes | None:
    """Days to the first recurrence of each kind for one patient (see the module docstring).
    Follow-up stops at the first missed month: a patient is censored at the start of it,
    and nothing answered after the gap counts (a recurrence could have been in it)."""
    answered: list[CheckInAnswer] = []
    censored_on: dt.date | None = None
    for item in sorted(answers, key=lambda a: a.month_number):
        if isinstance(item, MissedMonth):
            censored_on = item.window_start or programme_start
            break
        answered.append(item)
    if programme_start is None or not answered:
        return None
    last = max(a.completed_on for a in answered)
    end = min(last, censored_on) if censored_on is not None else last
    follow_up = max(0, (end - programme_start).days)
    times = {}
    for kind in KINDS:
        first = next((a for a in answered if a.reports(kind)), None)
        if first is None:
            times[kind] = TimeToEvent(days=follow_up, event=False)
            continue
        day = first.onset_date or first.completed_on
        day = min(max(day, programme_start), first.completed_on)
        times[kind] = TimeToEvent(days=(day - programme_start).days, event=True)
    return RecurrenceTimes(follow_up_days=follow_up, **times)


def answers_for(
    patient_ids: Iterable[int], zones: dict[int, str], *, today: dt.date | None = None
) -> dict[int, list[CheckInAnswer | MissedMonth]]:
    """Completed check-ins per patient, and the months missed (unanswered when the next one
    came due), in one query. ``zones`` maps patient id to its time zone, so the day a check-in
    was answered is the patient's own date."""
    import zoneinfo

    today = today or timezone.now().date()
    rows = (
        CheckIn.objects.filter(patient_id__in=list(patient_ids), due_on__lte=today)
        .values_list(
            "patient_id",
            "month_number",
            "due_on",
            "completed_at",
            "any_pain",
            "onset_date",
            "activity_limiting",
            "care_sought",
        )
        .order_by("patient_id", "month_number")
    )
    cache: dict[str, zoneinfo.ZoneInfo] = {}
    result: dict[int, list[CheckInAnswer | MissedMonth]] = defaultdict(list)
    pending: dict[
        int, tuple[int, dt.date | None]
    ] = {}  # an unanswered month: missed if one follows
    previous_due: dict[int, dt.date] = {}
    for pid, month, due, completed_at, any_pain, onset, limiting, care in rows.iterator(2000):
        if pid in pending:  # a later month came due: the unanswered one before it was missed
            result[pid].append(MissedMonth(*pending.pop(pid)))
        window_start = previous_due.get(pid)
        previous_due[pid] = due
        if completed_at is None:
            pending[pid] = (month, window_start)
            continue
        name = zones.get(pid, "UTC")
        zone = cache.setdefault(name, zoneinfo.ZoneInfo(name))
        result[pid].append(
            CheckInAnswer(
                month_number=month,
                completed_on=completed_at.astimezone(zone).date(),
                any_pain=any_pain,
                onset_date=onset,
                activity_limiting=limiting,
                care_sought=care,
            )
        )
    return result


def recurrence_times_for(patients: Iterable[Patient]) -> dict[int, RecurrenceTimes]:
    """Recurrence times of many patients (those with follow-up), in one query."""
    patients = list(patients)
    answers = answers_for([p.pk for p in patients], {p.pk: p.time_zone for p in patients})
    result = {}
    for patient in patients:
        times = recurrence_times(patient.programme_start, answers.get(patient.pk, []))
        if times is not None:
            result[patient.pk] = times
    return result
