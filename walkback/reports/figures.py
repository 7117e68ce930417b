"""The clinic dashboard's figures: gather rows in a fixed number of grouped queries, then
compute with ``walkback.reports.stats``. The result is plain JSON, stored in a
``FigureSnapshot`` with its rendered charts and tables."""

from __future__ import annotations

import datetime as dt
import statistics
import zoneinfo
from collections import Counter, defaultdict
from typing import cast

from django.db.models import Count, F, QuerySet, Sum
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
from walkback.reports.selectors import Scope, cohort, scoped_patients

# The trial's participants averaged about 130 minutes a week by week 12
# (docs/clinical-rules.md#the-trial).
REFERENCE_MINUTES = 130
AT_RISK_DAYS = (0, 90, 180, 270, 365, 545, 730)


def local_today(clinic) -> dt.date:
    from django.utils import timezone

    return timezone.now().astimezone(zoneinfo.ZoneInfo(clinic.time_zone)).date()


def compute_figures(patients: QuerySet[Patient], scope: Scope, today: dt.date) -> dict:
    """All dashboard figures for ``scope``; ``patients`` is already scoped to the clinic.

    Seven queries whatever the number of patients: stages, the cohort, weekly totals,
    prescriptions, sessions, check-ins, adverse events.
    """
    stages = dict(
        scoped_patients(patients, scope).values_list("status").annotate(n=Count("id")).order_by()
    )
    people = list(
        cohort(patients, scope).values_list("id", "programme_start", "time_zone").order_by()
    )
    ids = [pid for pid, _, _ in people]
    # cohort() keeps only patients whose programme started: no start is None.
    starts = cast(dict[int, dt.date], {pid: start for pid, start, _ in people})
    return {
        "today": today.isoformat(),
        "scope": scope.as_json(),
        "patients": len(people),
        "stages": [
            {"label": label, "count": stages.get(value, 0)}
            for value, label in PatientStatus.choices
        ],
        "fidelity": _fidelity(ids, today),
        "adherence": _adherence(ids, starts, today),
        "outcomes": _outcomes(ids, starts, {pid: tz for pid, _, tz in people}),
        "adverse_events": _adverse_events(ids),
    }


def _fidelity(ids: list[int], today: dt.date) -> dict:
    """Sessions delivered out of those that have fallen due (booked for today or earlier, or
    already done): a patient in week 3 is not counted short of six (issue 10)."""
    rows = CoachingSession.objects.filter(patient_id__in=ids).values_list(
        "patient_id", "number", "mode", "status", "scheduled_at"
    )
    by_number: dict[int, Counter] = {n: Counter() for n in range(1, 7)}
    by_mode: Counter = Counter()
    done_per_patient: Counter = Counter()
    due_per_patient: Counter = Counter()
    statuses: Counter = Counter()
    for patient_id, number, mode, status, scheduled_at in rows.order_by().iterator(5000):
        by_number[number][status] += 1
        statuses[status] += 1
        if status == SessionStatus.DONE or scheduled_at.date() <= today:
            due_per_patient[patient_id] += 1
        if status == SessionStatus.DONE:
            by_mode[mode] += 1
            done_per_patient[patient_id] += 1
    delivered = [done_per_patient.get(pid, 0) for pid in ids]
    due = sum(due_per_patient.values())
    distribution = Counter(delivered)
    return {
        "patients": len(ids),
        "delivered_mean": round(statistics.fmean(delivered), 1) if delivered else None,
        "due_mean": round(due / len(ids), 1) if ids else None,
        "due": due,
        "delivered": sum(delivered),
        "delivered_percent": round(100 * sum(delivered) / due) if due else None,
        "distribution": [{"sessions": k, "patients": distribution.get(k, 0)} for k in range(7)],
        "by_number": [
            {
                "number": n,
                **{status: by_number[n].get(status, 0) for status in SessionStatus.values},
            }
            for n in range(1, 7)
        ],
        "by_mode": [
            {"label": label, "count": by_mode.get(value, 0)} for value, label in SessionMode.choices
        ],
        "done": statuses.get(SessionStatus.DONE, 0),
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


def _adherence(ids: list[int], starts: dict[int, dt.date], today: dt.date) -> dict:
    weeks = list(patient_weeks_for(ids, starts, today).values())
    on_target = stats.share_of_weeks_on_target(w for patient in weeks for w in patient)
    return {
        "weeks_on_target": _share(on_target),
        "median_by_week": [
            {"week": week, "median": median, "patients": n}
            for week, median, n in stats.median_minutes_by_week(weeks)
        ],
        "still_logging": [
            {"week": week, **_share(stats.still_logging(weeks, week))}
            for week in stats.LOGGING_WEEKS
        ],
        "reference_minutes": REFERENCE_MINUTES,
    }


def _share(share: stats.Share) -> dict:
    return {"part": share.part, "whole": share.whole, "percent": share.percent}


def _outcomes(ids: list[int], starts: dict[int, dt.date], zones: dict[int, str]) -> dict:
    answers = answers_for(ids, zones)
    times = {}
    for pid in ids:
        result = recurrence_times(starts[pid], answers.get(pid, []))
        if result is not None:
            times[pid] = result
    longest = max((t.follow_up_days for t in times.values()), default=0)
    at_risk_days = [d for d in AT_RISK_DAYS if d <= max(longest, 365)]
    curves = []
    for kind in KINDS:
        observations = [(t.of(kind).days, t.of(kind).event) for t in times.values()]
        steps = stats.kaplan_meier(observations)
        curves.append(
            {
                "kind": kind,
                "label": KIND_LABELS[kind],
                "events": sum(1 for _, event in observations if event),
                "median_days": stats.km_median(steps),
                "steps": [
                    [s.time, round(s.survival, 4), round(s.lower, 4), round(s.upper, 4)]
                    for s in steps
                    if s.events
                ],
                "at_risk": [_at_risk_cell(steps, observations, day) for day in at_risk_days],
            }
        )
    return {
        "followed": len(times),
        "not_followed_yet": len(ids) - len(times),
        "longest_days": longest,
        "at_risk_days": at_risk_days,
        "curves": curves,
    }


# Fewer people than this still followed: the curve says little there, and the page fades it.
FEW_AT_RISK = 10


def _at_risk_cell(steps, observations, day: int) -> dict:
    step = stats.step_at(steps, day)
    at_risk = stats.number_at_risk(observations, day)
    return {
        "day": day,
        "at_risk": at_risk,
        "few": at_risk < FEW_AT_RISK,
        "survival": round(step.survival if step else 1.0, 3),
        "lower": round(step.lower if step else 1.0, 3),
        "upper": round(step.upper if step else 1.0, 3),
    }


def _adverse_events(ids: list[int]) -> dict:
    rows = (
        AdverseEvent.objects.filter(patient_id__in=ids)
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
                "label": labels.get(region, region),
                "total": counts["total"],
                "related": counts["related"],
                **{s: counts[s] for s in Severity.values},
            }
            for region, counts in table.items()
        ],
    }
