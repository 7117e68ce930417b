"""Reads of the programme, scoped through ``patients.selectors.patients_for`` (the only door to
patient rows): another clinic's session, topic or event is simply not found."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, F, Prefetch, QuerySet
from django.db.models.expressions import OrderBy
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy

from coaching.flags import FLAG_LABELS, Flag, PatientSummary, annotate_facts, summarise
from coaching.models import (
    CaseloadRow,
    CoachingSession,
    EducationTopic,
    Prescription,
    SessionMode,
    SessionStatus,
)
from coaching.progress import (
    Timeline,
    WeekRow,
    patient_weeks,
    programme_week,
    week_rows,
    week_start,
    weekly_totals,
)
from coaching.progression import (
    PlanStep,
    ProgrammeRules,
    Suggestion,
    plan_step_for_week,
    projected_plan,
    suggest,
)
from coaching.status import HISTORY, SHOWN_FIELDS, flag_bit
from patients.models import AdverseEvent, CheckIn, Patient, WalkLog
from patients.selectors import patients_for
from walkback.accounts.models import Role, User
from walkback.accounts.names import name_folded

# --- Caseload ---------------------------------------------------------------------------------

SORTS = {
    "attention": gettext_lazy("Needs attention first"),
    "name": gettext_lazy("Name"),
    "next_session": gettext_lazy("Next session"),
    "last_log": gettext_lazy("Last log (oldest first)"),
    "week": gettext_lazy("Programme week"),
}
# Each sort, then the name, then the id (a stable order for paging).
SORT_ORDER: dict[str, list[str | OrderBy]] = {
    "attention": [F("attention").asc(), "sort_name", "patient_id"],
    "name": ["sort_name", "patient_id"],
    "next_session": [F("next_session_at").asc(nulls_last=True), "sort_name", "patient_id"],
    "last_log": [F("last_walk_on").asc(nulls_first=True), "sort_name", "patient_id"],
    "week": [F("programme_week").desc(nulls_last=True), "sort_name", "patient_id"],
}
CASELOAD_PAGE_SIZE = 25
# The caseload counts its patients exactly up to this many (100 pages); past it the page says
# "more than 2,500" and offers the first 100 pages: search, filter or sort to reach the rest.
CASELOAD_COUNT_CAP = 2_500
# What a page of the caseload shows and audits, and no more: the patient's and the login's
# other columns cost more to fetch and load than the rest of the query.
ROW_SHOWN = (
    *SHOWN_FIELDS,
    "patient__status",
    "patient__clinic_id",
    "patient__user__full_name",
)


@dataclass(frozen=True)
class ShownWeek:
    """This week against its target, as the caseload shows it (stored in the row)."""

    monday: dt.date
    minutes: int
    walks: int
    target_minutes: int | None
    target_walks: int | None
    on_target: bool | None


@dataclass(frozen=True)
class ShownPain:
    before: float
    after: float
    trend: str


@dataclass(frozen=True)
class CaseloadEntry:
    """One line of the caseload: the patient and their maintained row, in the shapes the
    template shows."""

    row: CaseloadRow

    @property
    def patient(self) -> Patient:
        return self.row.patient

    @property
    def programme_week(self) -> int | None:
        return self.row.programme_week

    @property
    def week(self) -> ShownWeek:
        row = self.row
        return ShownWeek(
            monday=row.week_monday,
            minutes=row.week_minutes,
            walks=row.week_walks,
            target_minutes=row.week_target_minutes,
            target_walks=row.week_target_walks,
            on_target=row.week_on_target,
        )

    @property
    def last_walk_on(self) -> dt.date | None:
        return self.row.last_walk_on

    @property
    def pain(self) -> ShownPain | None:
        row = self.row
        if row.pain_before is None or row.pain_after is None:
            return None
        return ShownPain(before=row.pain_before, after=row.pain_after, trend=row.pain_trend)

    @property
    def next_session_at(self) -> dt.datetime | None:
        return self.row.next_session_at

    @property
    def next_session_number(self) -> int | None:
        return self.row.next_session_number

    @property
    def next_session_mode_label(self) -> str:
        mode = self.row.next_session_mode
        return str(SessionMode(mode).label) if mode else ""

    @property
    def flags(self) -> list[Flag]:
        return [Flag(code, says) for code, says in self.row.flags]


def caseload_rows_for(
    user: User,
    *,
    mine: bool = True,
    status: str = "",
    query: str = "",
) -> QuerySet[CaseloadRow]:
    """The caseload rows a user may see, filtered: the same scope as ``patients_for`` (a
    physiotherapist or admin sees their clinic's patients), on the row's copy of the clinic."""
    if (
        not user.is_authenticated
        or not user.is_active
        or not user.clinic_id
        or user.role not in (Role.PHYSIO, Role.CLINIC_ADMIN)
    ):
        return CaseloadRow.objects.none()
    rows = CaseloadRow.objects.filter(clinic_id=user.clinic_id)
    if mine:
        rows = rows.filter(physiotherapist=user)
    if status:
        rows = rows.filter(current=status not in HISTORY, status=status)
    else:
        # Discharged and ineligible patients are history: shown only when asked for.
        rows = rows.filter(current=True)
    if query:
        # Accents and case ignored: the query folded as the stored key is.
        rows = rows.filter(search_name__contains=name_folded(query))
    return rows


@dataclass
class CaseloadPage:
    """One page of the caseload: its entries (a Django ``Page``), the counts, and the pager's
    bounded window of page numbers."""

    page: Page
    total_in_scope: int
    shown: int

    @property
    def cap(self) -> int:
        return CASELOAD_COUNT_CAP

    @property
    def shown_past_cap(self) -> bool:
        return self.shown > CASELOAD_COUNT_CAP

    @property
    def total_past_cap(self) -> bool:
        return self.total_in_scope > CASELOAD_COUNT_CAP

    @property
    def patient_ids(self) -> list[int]:
        return [entry.row.patient_id for entry in self.page]

    @property
    def patients(self) -> list[Patient]:
        return [entry.row.patient for entry in self.page]

    @property
    def page_links(self) -> list:
        """At most about ten numbers, with ``Paginator.ELLIPSIS`` between distant ones."""
        return list(
            self.page.paginator.get_elided_page_range(self.page.number, on_each_side=2, on_ends=1)
        )


def caseload_page(
    user: User,
    *,
    page: str | int | None = None,
    mine: bool = True,
    status: str = "",
    flag: str = "",
    query: str = "",
    sort: str = "attention",
) -> CaseloadPage:
    """A page of the physiotherapist's patients (or the clinic's), filtered, sorted and paged
    in SQL over the maintained rows (``coaching.models.CaseloadRow``): two queries whatever
    the size of the caseload, the counts and the page."""
    rows = caseload_rows_for(user, mine=mine, status=status, query=query)
    if flag in FLAG_LABELS:
        flagged = rows.alias(flagged=F("flag_bits").bitand(flag_bit(flag))).filter(flagged__gt=0)
        total, shown_count = _counts_up_to_cap(rows, flagged)
        rows = flagged
    else:
        (total,) = _counts_up_to_cap(rows)
        shown_count = total
    ordered = (
        rows.select_related("patient__user")
        .only(*ROW_SHOWN)
        .order_by(*SORT_ORDER.get(sort, SORT_ORDER["attention"]))
    )
    paginator = Paginator(ordered, CASELOAD_PAGE_SIZE)
    paginator.count = min(shown_count, CASELOAD_COUNT_CAP)  # counted above
    shown = paginator.get_page(page)
    # The page's rows, wrapped in the shapes the template shows (the stubs type a Page by the
    # paginator's items, which are the rows).
    shown.object_list = [CaseloadEntry(row) for row in shown.object_list]  # type: ignore[misc]
    return CaseloadPage(page=shown, total_in_scope=total, shown=shown_count)


def _counts_up_to_cap(*querysets: QuerySet[CaseloadRow]) -> list[int]:
    """How many rows each queryset has, counted no further than one past
    ``CASELOAD_COUNT_CAP``, all in one query: counting every row of a 50,000-patient clinic
    cost more than the rest of the page together, and grew with the clinic
    (docs/performance.md, "Counting the caseload")."""
    # The parts are the ORM's own SQL with its parameters kept apart: no user text in them.
    parts: list[str] = []
    params: list[Any] = []
    for rows in querysets:
        capped = rows.order_by().values("pk")[: CASELOAD_COUNT_CAP + 1]
        sql, values = capped.query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped)")  # noqa: S608
        params.extend(values)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        return list(cursor.fetchone())


# --- One patient's programme ------------------------------------------------------------------


def session_get(user: User, pk: int) -> CoachingSession:
    return get_object_or_404(
        CoachingSession.objects.select_related(
            "patient__user", "patient__clinic", "patient__physiotherapist"
        ).filter(patient__in=patients_for(user).values("pk")),
        pk=pk,
    )


def prescription_get(user: User, pk: int, *, superseded: bool = False) -> Prescription:
    """A version that still counts (a superseded one cannot be corrected again). With
    ``superseded``, any version: a correction sent again must reach the service, which
    answers as it did the first time (or says the version was already replaced)."""
    versions = Prescription.history if superseded else Prescription.objects
    return get_object_or_404(
        versions.select_related("patient__user", "patient__clinic").filter(
            patient__in=patients_for(user).values("pk")
        ),
        pk=pk,
    )


def adverse_event_get(user: User, pk: int) -> AdverseEvent:
    return get_object_or_404(
        AdverseEvent.objects.select_related("patient__clinic").filter(
            patient__in=patients_for(user).values("pk")
        ),
        pk=pk,
    )


def topics_for(user: User) -> QuerySet[EducationTopic]:
    if not user.is_authenticated or not user.clinic_id:
        return EducationTopic.objects.none()
    return EducationTopic.objects.filter(clinic_id=user.clinic_id)


def topic_get(user: User, pk: int) -> EducationTopic:
    return get_object_or_404(topics_for(user), pk=pk)


@dataclass
class Overview:
    """Everything the patient page shows, loaded in a fixed number of queries."""

    patient: Patient
    today: dt.date
    programme_week: int | None
    sessions: list[CoachingSession]
    prescriptions: list[Prescription]
    current: Prescription | None
    weeks: list[WeekRow]
    recent_walks: list[WalkLog]
    adverse_events: list[AdverseEvent]
    open_check_ins: list[CheckIn]
    answered_check_ins: list[CheckIn]  # newest first, with what the patient told
    unknown_check_ins: list[CheckIn]  # missed months the patient did not remember
    plan: list[PlanStep]
    suggestion: Suggestion | None
    summary: PatientSummary

    @property
    def plan_current(self) -> PlanStep | None:
        if self.programme_week is None or not self.plan:
            return None
        return plan_step_for_week(self.plan, self.programme_week)

    @property
    def next_session(self) -> CoachingSession | None:
        upcoming = [s for s in self.sessions if s.status == SessionStatus.PLANNED]
        return min(upcoming, key=lambda s: s.scheduled_at) if upcoming else None


RECENT_WALKS = 14


def prescriptions_of(patient: Patient) -> list[Prescription]:
    """Every version, newest first (the history the page shows)."""
    return list(
        Prescription.objects.filter(patient=patient)
        .select_related("author", "session")
        .order_by("-effective_from", "-id")
    )


def _suggestion_and_plan(
    patient: Patient, timeline: Timeline, totals, today: dt.date, week: int | None
) -> tuple[Suggestion | None, list[PlanStep]]:
    """The proposal for this session and the plan it would start: the clinic's rules, the
    patient's own goal, from the suggested dose on (the path if every week is close to
    target)."""
    rules = ProgrammeRules.of(patient.clinic, patient.goal)
    if not patient.in_programme:
        return None, []
    suggestion = suggest(
        rules=rules,
        timeline=timeline,
        weeks=totals,
        today=today,
        baseline_minutes_per_week=patient.baseline_minutes_per_week,
    )
    return suggestion, projected_plan(rules, suggestion.dose, week or 0)


def patient_overview(patient: Patient, *, now: dt.datetime | None = None) -> Overview:
    now = now or timezone.now()
    today = patient.today(now)
    facts = (
        annotate_facts(Patient.objects.filter(pk=patient.pk), now=now)
        .select_related("physiotherapist")
        .get()
    )
    # Reuse the already-scoped instance's user and clinic rather than loading them again.
    facts.user, facts.clinic = patient.user, patient.clinic
    sessions = list(
        CoachingSession.objects.filter(patient=patient)
        .prefetch_related(Prefetch("topics", queryset=EducationTopic.objects.order_by("position")))
        .order_by("number")
    )
    prescriptions = prescriptions_of(patient)
    timeline = Timeline(list(reversed(prescriptions)))
    # The same rows as the patient's own history (coaching.progress.patient_weeks); their
    # totals cover the flags' weeks too, so there is no second grouped query.
    weeks = patient_weeks(facts, today=today, timeline=timeline)
    totals = weeks.totals
    started = patient.programme_start is not None and today >= patient.programme_start
    summary = summarise(
        [facts], now=now, totals={patient.pk: totals}, timelines={patient.pk: timeline}
    )[patient.pk]
    week = programme_week(patient, today)
    suggestion, plan = _suggestion_and_plan(patient, timeline, totals, today, week)
    # Every check-in due by today, answered or not, in one query.
    check_ins = list(CheckIn.objects.filter(patient=patient, due_on__lte=today))
    return Overview(
        patient=facts,
        today=today,
        programme_week=week,
        sessions=sessions,
        prescriptions=prescriptions,
        current=timeline.on(today),
        weeks=weeks.rows if started else [],
        recent_walks=list(WalkLog.objects.filter(patient=patient)[:RECENT_WALKS]),
        adverse_events=list(
            AdverseEvent.objects.filter(patient=patient).select_related("reviewed_by")[:10]
        ),
        open_check_ins=[c for c in check_ins if c.completed_at is None and c.unknown_at is None],
        unknown_check_ins=[c for c in check_ins if c.unknown_at is not None],
        answered_check_ins=[c for c in reversed(check_ins) if c.completed_at is not None],
        plan=plan,
        suggestion=suggestion,
        summary=summary,
    )


@dataclass
class SessionRoom:
    """What the physiotherapist needs in the room for one session."""

    session: CoachingSession
    sessions: list[CoachingSession]
    previous: CoachingSession | None
    since: dt.date | None
    weeks: list[WeekRow]
    current: Prescription | None
    suggestion: Suggestion | None
    plan: list[PlanStep]
    today: dt.date
    programme_week: int | None

    @property
    def minutes_walked(self) -> int:
        return sum(row.minutes for row in self.weeks)

    @property
    def days_walked(self) -> int:
        return sum(row.days_walked for row in self.weeks)

    @property
    def pain_values(self) -> list[float]:
        return [row.average_pain for row in self.weeks if row.average_pain is not None]


def session_room(session: CoachingSession, *, now: dt.datetime | None = None) -> SessionRoom:
    """Walking since the previous session, the prescription in force, the previous session's
    goals and action plan, and the progression suggestion."""
    now = now or timezone.now()
    patient = session.patient
    today = patient.today(now)
    sessions = list(
        CoachingSession.objects.filter(patient=patient)
        .prefetch_related("topics")
        .order_by("number")
    )
    previous = next(
        (
            s
            for s in reversed(sessions)
            if s.number < session.number and s.status == SessionStatus.DONE
        ),
        None,
    )
    prescriptions = prescriptions_of(patient)
    timeline = Timeline(list(reversed(prescriptions)))
    since = previous.scheduled_at.astimezone(patient.zone).date() if previous else None
    weeks: list[WeekRow] = []
    totals: dict = {}
    if patient.programme_start and today >= patient.programme_start:
        totals = weekly_totals(
            [patient.pk],
            week_start(since or patient.programme_start) - dt.timedelta(days=14),
            today,
        ).get(patient.pk, {})
        weeks = week_rows(
            first=max(since or patient.programme_start, patient.programme_start),
            last=today,
            timeline=timeline,
            totals=totals,
            today=today,
            programme_start=patient.programme_start,
        )
    suggestion, plan = _suggestion_and_plan(
        patient, timeline, totals, today, programme_week(patient, today)
    )
    return SessionRoom(
        session=session,
        sessions=sessions,
        previous=previous,
        since=since,
        weeks=weeks,
        current=timeline.on(today),
        suggestion=suggestion,
        plan=plan,
        today=today,
        programme_week=programme_week(patient, today),
    )


def sessions_for_calendar(patient: Patient) -> list[CoachingSession]:
    return list(
        CoachingSession.objects.filter(patient=patient)
        .select_related("patient__user", "patient__clinic", "patient__physiotherapist")
        .order_by("number")
    )


def adverse_events_open(patients: QuerySet[Patient]) -> dict[int, int]:
    """Unreviewed problem reports per patient id, in one query, for a physiotherapist's list.
    Pass an already-scoped queryset (``patients_for(user)``)."""
    rows = (
        AdverseEvent.objects.filter(patient__in=patients.values("pk"), reviewed_at__isnull=True)
        .values("patient_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["patient_id"]: row["n"] for row in rows}
