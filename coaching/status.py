"""The maintained patient status (``coaching.models.CaseloadRow``): what it holds and when the
clock alone changes it (docs/programme-rules.md, "The caseload's status").

``status_values`` is the one pure function from a patient's loaded facts to their row. It adds
nothing to the rules: the summary and its flags come from ``coaching.flags.summarise``, the
same function the patient page uses. ``statuses_compute`` loads the facts of many patients in
a fixed number of queries (three) and returns their rows' values; the write is
``coaching.services.caseload_rows_refresh``, the reads are in ``coaching.selectors``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from coaching.flags import (
    FLAG_ORDER,
    SESSION_OVERDUE_AFTER,
    PatientSummary,
    annotate_facts,
    summarise,
)
from coaching.models import CaseloadRow
from patients.models import Patient, PatientStatus
from walkback.accounts.names import name_folded, name_sort_key

# Not on the caseload unless asked for: their programme is history.
HISTORY = (PatientStatus.DISCHARGED, PatientStatus.INELIGIBLE)
# A moment just after another: "the session at 10:00 is no longer the next one" from 10:00:00
# and one microsecond (the rules compare with >= and <).
_JUST_AFTER = dt.timedelta(microseconds=1)

# What the caseload shows of a row (its page reads only these: coaching.selectors).
SHOWN_FIELDS = [
    "programme_week",
    "week_monday",
    "week_minutes",
    "week_walks",
    "week_target_minutes",
    "week_target_walks",
    "week_on_target",
    "last_walk_on",
    "pain_before",
    "pain_after",
    "pain_trend",
    "next_session_at",
    "next_session_mode",
    "next_session_number",
    "flags",
]
# The row's fields that ``status_values`` computes (everything but the patient).
STATUS_FIELDS = [
    "clinic_id",
    "physiotherapist_id",
    "status",
    "current",
    "sort_name",
    "search_name",
    *SHOWN_FIELDS,
    "flag_bits",
    "attention",
    "valid_until",
]


def flag_bit(code: str) -> int:
    """The bit of ``CaseloadRow.flag_bits`` that says a flag is raised."""
    return 1 << FLAG_ORDER.index(code)


def _next_midnight(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone)


def valid_until(summary: PatientSummary, *, now: dt.datetime) -> dt.datetime:
    """The first moment after ``now`` when the clock alone may change the row:

    - the patient's day ends (their week, programme week, "no log for 7 days", a check-in
      falling overdue all follow their own date);
    - the UTC day ends (the check-in facts are read up to UTC's tomorrow, ``annotate_facts``);
    - the next session's time passes (the next one becomes the one after it);
    - the first planned session not yet overdue falls overdue (a day after its time).
    """
    facts = summary.patient
    moments = [
        _next_midnight(summary.today, facts.zone),
        _next_midnight(now.astimezone(dt.UTC).date(), dt.UTC),
    ]
    if summary.next_session_at is not None:
        moments.append(summary.next_session_at + _JUST_AFTER)
    pending = getattr(facts, "first_pending_session_at", None)
    if pending is not None:
        moments.append(pending + SESSION_OVERDUE_AFTER + _JUST_AFTER)
    later = [moment for moment in moments if moment > now]
    # A local midnight that does not exist (a clock change at midnight) may fall before now:
    # try again in an hour rather than at once.
    return min(later) if later else now + dt.timedelta(hours=1)


def status_values(summary: PatientSummary, *, now: dt.datetime) -> dict:
    """The row of one patient, from their summary (``coaching.flags.summarise``)."""
    patient, week, pain = summary.patient, summary.week, summary.pain
    assert week is not None  # summarise always sets this week's row
    return {
        "clinic_id": patient.clinic_id,
        "physiotherapist_id": patient.physiotherapist_id,
        "status": patient.status,
        "current": patient.status not in HISTORY,
        "sort_name": name_sort_key(patient.full_name),
        "search_name": name_folded(patient.full_name),
        "programme_week": summary.programme_week,
        "week_monday": week.monday,
        "week_minutes": week.minutes,
        "week_walks": week.walks,
        "week_target_minutes": week.target_minutes,
        "week_target_walks": week.target_walks,
        "week_on_target": week.on_target,
        "last_walk_on": summary.last_walk_on,
        "pain_before": None if pain is None else pain.before,
        "pain_after": None if pain is None else pain.after,
        "pain_trend": "" if pain is None else pain.trend,
        "next_session_at": summary.next_session_at,
        "next_session_mode": summary.next_session_mode,
        "next_session_number": summary.next_session_number,
        # What each detail says, not its words: shown in the reader's language
        # (``coaching.flags.flag_detail``).
        "flags": [[flag.code, flag.says] for flag in summary.flags],
        "flag_bits": sum(flag_bit(flag.code) for flag in summary.flags),
        "attention": summary.attention_rank,
        "valid_until": valid_until(summary, now=now),
    }


def statuses_compute(patient_ids: Iterable[int], *, now: dt.datetime | None = None) -> dict:
    """``{patient id: row values}`` computed from scratch: three queries however many."""
    now = now or timezone.now()
    loaded = annotate_facts(
        # The clinic joined: its pain-rise rule decides the pain arrow and flag.
        Patient.objects.filter(pk__in=list(patient_ids))
        .select_related("user", "clinic")
        .order_by(),
        now=now,
    )
    return {pk: status_values(s, now=now) for pk, s in summarise(loaded, now=now).items()}


def status_differences(stored: dict | None, fresh: dict) -> list[str]:
    """The fields of a stored row (``values()`` of ``STATUS_FIELDS``) that differ from what
    ``status_values`` computes now; every field when there is no row."""
    if stored is None:
        return list(STATUS_FIELDS)
    return [name for name in STATUS_FIELDS if stored.get(name) != fresh[name]]


def status_differs(stored: dict | None, fresh: dict) -> bool:
    return bool(status_differences(stored, fresh))


def statuses_check(*, now: dt.datetime | None = None, batch: int = 1000) -> dict[int, list[str]]:
    """Recompute every patient's row from scratch and compare it with the stored one:
    ``{patient id: [fields that differ]}`` (every field for a missing row), empty when all
    agree; a row without a patient cannot exist (it is deleted with the patient). In batches
    of patients, so memory stays bounded. Reads only."""
    now = now or timezone.now()
    differing: dict[int, list[str]] = {}
    after = 0
    while True:
        ids = list(
            Patient.objects.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return differing
        fresh = statuses_compute(ids, now=now)
        stored = {
            row["patient_id"]: row
            for row in CaseloadRow.objects.filter(patient_id__in=ids).values(
                "patient_id", *STATUS_FIELDS
            )
        }
        for pk in ids:
            fields = status_differences(stored.get(pk), fresh[pk])
            if fields:
                differing[pk] = fields
        after = ids[-1]


def name_keys_fill(row_model: type[CaseloadRow] = CaseloadRow, batch_size: int = 2000) -> None:
    """Write the name keys (``sort_name``, ``search_name``) of every row from the patient's
    name, without the rest of the status: for rows written before the keys changed (the
    migration that added ``search_name`` calls it with its historical model)."""
    rows = row_model.objects.select_related("patient__user").only("pk", "patient__user__full_name")
    batch = []
    for row in rows.iterator(chunk_size=batch_size):
        full_name = row.patient.user.full_name
        row.sort_name, row.search_name = name_sort_key(full_name), name_folded(full_name)
        batch.append(row)
        if len(batch) == batch_size:
            row_model.objects.bulk_update(batch, ["sort_name", "search_name"])
            batch = []
    row_model.objects.bulk_update(batch, ["sort_name", "search_name"])
