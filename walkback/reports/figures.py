"""The clinic dashboard's figures: grouped queries, and the rest streamed a chunk of patients
at a time, computed with ``walkback.reports.stats``. The result is plain JSON, stored in a
``FigureSnapshot`` (data only: the page draws the charts and tables)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from typing import cast

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek

from coaching.models import CoachingSession, Prescription, SessionMode, SessionStatus
from coaching.progress import Timeline, Version, WeekRow, WeekTotals
from patients.models import (
    AdverseEvent,
    BodyRegion,
    Patient,
    PatientStatus,
    Severity,
    WalkingRelated,
    WalkLog,
)
from patients.outcomes import KIND_LABELS, KINDS, answers_for, recurrence_times
from walkback.reports import stats
from walkback.reports.questionnaire_figures import questionnaire_changes, startback_groups
from walkback.reports.selectors import Scope, cohort, scoped_patients

# The trial's participants averaged about 130 minutes a week by week 12
# (docs/clinical-rules.md#the-trial).
REFERENCE_MINUTES = 130
AT_RISK_DAYS = (0, 90, 180, 270, 365, 545, 730)


def local_today(clinic) -> dt.date:
    from django.utils import timezone

    return timezone.now().astimezone(zoneinfo.ZoneInfo(clinic.time_zone)).date()


# Patients gathered at a time for the figures that follow each person (weeks, recurrences):
# the refresh holds this many patients' rows, whatever the size of the clinic.
CHUNK = 1000

Progress = Callable[[int, int], None]


def compute_figures(
    patients: QuerySet[Patient],
    scope: Scope,
    today: dt.date,
    progress: Progress | None = None,
) -> dict:
    """All dashboard figures for ``scope``; ``patients`` is already scoped to the clinic.

    Run by a background task only (``services.figures_refresh_run``), never by a page. Memory
    does not grow with the clinic: counts by stage, sessions and adverse events are grouped
    in SQL; weeks and recurrences are followed ``CHUNK`` patients at a time (keyset over the
    cohort's ids) into counts (docs/reports.md, "Freshness"). ``progress(done, total)`` is
    called after each step.
    """
    group = cohort(patients, scope)
    people = group.count()
    chunks = -(-people // CHUNK)  # rounded up
    total = 3 + chunks
    report = progress or (lambda done, total: None)
    stages = dict(
        scoped_patients(patients, scope).values_list("status").annotate(n=Count("id")).order_by()
    )
    report(1, total)
    fidelity = _fidelity(group, people, today)
    report(2, total)
    adverse_events = _adverse_events(group)
    report(3, total)
    adherence, outcomes = _Adherence(today), _Outcomes()
    for done, chunk in enumerate(_chunks(group), start=4):
        # cohort() keeps only patients whose programme started: no start is None.
        starts = cast(dict[int, dt.date], {pid: start for pid, start, _ in chunk})
        ids = list(starts)
        adherence.add(ids, starts)
        outcomes.add(ids, starts, {pid: tz for pid, _, tz in chunk})
        report(min(done, total), total)
    return {
        "today": today.isoformat(),
        "scope": scope.as_json(),
        "patients": people,
        "stages": [
            {"label": str(label), "count": stages.get(value, 0)}
            for value, label in PatientStatus.choices
        ],
        "fidelity": fidelity,
        "adherence": adherence.result(),
        "outcomes": outcomes.result(people),
        "adverse_events": adverse_events,
        # Outcome questionnaires (docs/questionnaires.md#clinic-dashboard).
        "questionnaires": questionnaire_changes(group) | {"startback": startback_groups(group)},
    }


def _chunks(group: QuerySet[Patient]) -> Iterator[list[tuple[int, dt.date | None, str]]]:
    """The cohort ``CHUNK`` patients at a time, by id: each chunk is one short query."""
    rows = group.values_list("id", "programme_start", "time_zone").order_by("id")
    last = 0
    while chunk := list(rows.filter(id__gt=last)[:CHUNK]):
        yield chunk
        last = chunk[-1][0]


def _fidelity(group: QuerySet[Patient], people: int, today: dt.date) -> dict:
    """Sessions delivered out of those that have fallen due (booked for today or earlier, or
    already done): a patient in week 3 is not counted short of six (issue 10). Two grouped
    queries: sessions by number, status and mode, and done sessions per patient (streamed)."""
    sessions = CoachingSession.objects.filter(patient_id__in=group.values("id"))
    # "Booked for today or earlier": before the start of tomorrow, as the stored UTC time's
    # date was compared before (docs/reports.md).
    tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    rows = (
        sessions.values_list("number", "mode", "status")
        .annotate(
            n=Count("id"),
            due=Count("id", filter=Q(status=SessionStatus.DONE) | Q(scheduled_at__lt=tomorrow)),
        )
        .order_by()
    )
    by_number: dict[int, Counter] = {n: Counter() for n in range(1, 7)}
    by_mode: Counter = Counter()
    statuses: Counter = Counter()
    due = 0
    for number, mode, status, n, n_due in rows:
        by_number.setdefault(number, Counter())[status] += n
        statuses[status] += n
        due += n_due
        if status == SessionStatus.DONE:
            by_mode[mode] += n
    done_per_patient = (
        sessions.filter(status=SessionStatus.DONE)
        .values_list("patient_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    distribution: Counter = Counter(n for _, n in done_per_patient.iterator(5000))
    distribution[0] += people - sum(distribution.values())
    delivered = statuses.get(SessionStatus.DONE, 0)
    return {
        "patients": people,
        "delivered_mean": round(delivered / people, 1) if people else None,
        "due_mean": round(due / people, 1) if people else None,
        "due": due,
        "delivered": delivered,
        "delivered_percent": round(100 * delivered / due) if due else None,
        "distribution": [{"sessions": k, "patients": distribution.get(k, 0)} for k in range(7)],
        "by_number": [
            {
                "number": n,
                **{status: by_number[n].get(status, 0) for status in SessionStatus.values},
            }
            for n in range(1, 7)
        ],
        "by_mode": [
            {"label": str(label), "count": by_mode.get(value, 0)}
            for value, label in SessionMode.choices
        ],
        "done": delivered,
        "missed": statuses.get(SessionStatus.MISSED, 0),
        "cancelled": statuses.get(SessionStatus.CANCELLED, 0),
    }


def week_sums(
    ids: list[int], last: int = stats.PROGRAMME_WEEKS
) -> dict[int, dict[dt.date, WeekTotals]]:
    """Minutes, walks and walking days per patient per week, for programme weeks 0..``last``
    only, in one grouped query.

    Not ``coaching.progress.weekly_totals``: that one also averages pain and takes one date
    window for everyone, which for a clinic of 5,000 patients with a year of logs each means
    grouping every row (6 s in the benchmark); here each patient's own programme window is
    joined in SQL and only the sums the figures need are fetched (docs/reports.md).
    """
    if not ids:
        return {}
    window = dt.timedelta(weeks=last + 2)
    rows = (
        WalkLog.objects.filter(
            patient_id__in=ids,
            walked_on__gte=F("patient__programme_start") - dt.timedelta(days=6),
            walked_on__lt=F("patient__programme_start") + window,
        )
        .annotate(week=TruncWeek("walked_on"))
        .values_list("patient_id", "week")
        .annotate(minutes=Sum("minutes"), walks=Count("id"), days=Count("walked_on", distinct=True))
        .order_by()
    )
    result: dict[int, dict[dt.date, WeekTotals]] = defaultdict(dict)
    for pid, week, minutes, walks, days in rows.iterator(10_000):
        if isinstance(week, dt.datetime):
            week = week.date()
        result[pid][week] = WeekTotals(week=week, minutes=minutes, walks=walks, days_walked=days)
    return result


def patient_weeks_for(
    ids: list[int], starts: dict[int, dt.date], today: dt.date, last: int = stats.PROGRAMME_WEEKS
) -> dict[int, list[WeekRow]]:
    """Every cohort patient's ended programme weeks with minutes and targets, in two queries
    (weekly sums, prescriptions). Shared by the dashboard and the weekly adherence export; the
    targets are the ones every page shows (``coaching.progress``)."""
    if not ids:
        return {}
    totals = week_sums(ids, last)
    versions: dict[int, list[Version]] = defaultdict(list)
    rows = (
        Prescription.objects.filter(patient_id__in=ids)
        .values_list("patient_id", "effective_from", "walks_per_week", "minutes_per_walk")
        .order_by("patient_id", "effective_from", "id")
    )
    for pid, effective_from, walks, minutes in rows.iterator(5000):
        versions[pid].append(Version(effective_from, walks, minutes))
    return {
        pid: stats.patient_weeks(
            starts[pid], today, totals.get(pid, {}), Timeline(versions.get(pid, [])), last
        )
        for pid in ids
    }


class _Adherence:
    """Walking adherence gathered a chunk of patients at a time (``compute_figures``)."""

    def __init__(self, today: dt.date):
        self.today = today
        self.on_target = stats.Share(0, 0)
        self.minutes = stats.MinutesByWeek()
        self.logging = {week: stats.Share(0, 0) for week in stats.LOGGING_WEEKS}

    def add(self, ids: list[int], starts: dict[int, dt.date]) -> None:
        weeks = list(patient_weeks_for(ids, starts, self.today).values())
        self.on_target += stats.share_of_weeks_on_target(w for patient in weeks for w in patient)
        for patient in weeks:
            self.minutes.add(patient)
        for week in self.logging:
            self.logging[week] += stats.still_logging(weeks, week)

    def result(self) -> dict:
        return {
            "weeks_on_target": _share(self.on_target),
            "median_by_week": [
                {"week": week, "median": median, "patients": n}
                for week, median, n in self.minutes.result()
            ],
            "still_logging": [
                {"week": week, **_share(share)} for week, share in self.logging.items()
            ],
            "reference_minutes": REFERENCE_MINUTES,
        }


def _share(share: stats.Share) -> dict:
    return {"part": share.part, "whole": share.whole, "percent": share.percent}


class _Outcomes:
    """Recurrence times gathered a chunk of patients at a time: per kind, how many events and
    censorings on each day (``stats.km_counts``), which is all the estimate needs."""

    def __init__(self):
        self.counts: dict[str, dict[int, list[int]]] = {kind: {} for kind in KINDS}
        self.followed = 0
        self.longest = 0

    def add(self, ids: list[int], starts: dict[int, dt.date], zones: dict[int, str]) -> None:
        answers = answers_for(ids, zones)
        for pid in ids:
            result = recurrence_times(starts[pid], answers.get(pid, []))
            if result is None:
                continue
            self.followed += 1
            self.longest = max(self.longest, result.follow_up_days)
            for kind in KINDS:
                time = result.of(kind)
                stats.km_counts([(time.days, time.event)], into=self.counts[kind])

    def result(self, people: int) -> dict:
        at_risk_days = [d for d in AT_RISK_DAYS if d <= max(self.longest, 365)]
        curves = []
        for kind in KINDS:
            steps = stats.kaplan_meier_of_counts(self.counts[kind])
            curves.append(
                {
                    "kind": kind,
                    "label": str(KIND_LABELS[kind]),
                    "events": sum(s.events for s in steps),
                    "median_days": stats.km_median(steps),
                    "steps": [
                        [s.time, round(s.survival, 4), round(s.lower, 4), round(s.upper, 4)]
                        for s in steps
                        if s.events
                    ],
                    "at_risk": [_at_risk_cell(steps, day) for day in at_risk_days],
                }
            )
        return {
            "followed": self.followed,
            "not_followed_yet": people - self.followed,
            "longest_days": self.longest,
            "at_risk_days": at_risk_days,
            "curves": curves,
        }


# Fewer people than this still followed: the curve says little there, and the page fades it.
FEW_AT_RISK = 10


def _at_risk_cell(steps, day: int) -> dict:
    step = stats.step_at(steps, day)
    at_risk = stats.at_risk_at(steps, day)
    return {
        "day": day,
        "at_risk": at_risk,
        "few": at_risk < FEW_AT_RISK,
        "survival": round(step.survival if step else 1.0, 3),
        "lower": round(step.lower if step else 1.0, 3),
        "upper": round(step.upper if step else 1.0, 3),
    }


def _adverse_events(group: QuerySet[Patient]) -> dict:
    rows = (
        AdverseEvent.objects.filter(patient_id__in=group.values("id"))
        .values_list("body_region", "severity", "related_to_walking")
        .annotate(n=Count("id"))
        .order_by()
    )
    table: dict[str, Counter] = {region: Counter() for region in BodyRegion.values}
    for region, severity, related, n in rows:
        table.setdefault(region, Counter())
        table[region][severity] += n
        table[region]["total"] += n
        if related == WalkingRelated.YES:
            table[region]["related"] += n
    labels = dict(BodyRegion.choices)
    return {
        "total": sum(c["total"] for c in table.values()),
        "rows": [
            {
                "region": region,
                "label": str(labels.get(region, region)),
                "total": counts["total"],
                "related": counts["related"],
                **{s: counts[s] for s in Severity.values},
            }
            for region, counts in table.items()
        ],
    }
