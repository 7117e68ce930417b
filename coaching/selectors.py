"""Reads of the programme, scoped through ``patients.selectors.patients_for`` (the only door to
patient rows): another clinic's session, topic or event is simply not found."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone

from coaching.flags import FLAG_LABELS, PatientSummary, annotate_facts, summarise
from coaching.models import CoachingSession, EducationTopic, Prescription, SessionStatus
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
from patients.models import AdverseEvent, CheckIn, Patient, PatientStatus, WalkLog
from patients.selectors import patients_for
from walkback.accounts.models import User
from walkback.core import pagecache

# --- Caseload ---------------------------------------------------------------------------------

SORTS = {
    "attention": "Needs attention first",
    "name": "Name",
    "next_session": "Next session",
    "last_log": "Last log (oldest first)",
    "week": "Programme week",
}


@dataclass
class Caseload:
    rows: list[PatientSummary]
    total_in_scope: int


def caseload(
    user: User,
    *,
    mine: bool = True,
    status: str = "",
    flag: str = "",
    query: str = "",
    sort: str = "attention",
    now: dt.datetime | None = None,
) -> Caseload:
    """The physiotherapist's patients (or the clinic's) with their summaries and flags, sorted
    and filtered. Four queries whatever the size: patients with facts, weekly totals,
    prescriptions, and nothing per row. Sorting by attention needs every patient's flags, so
    filtering and paging happen on the summaries."""
    now = now or timezone.now()
    patients = patients_for(user)
    if mine:
        patients = patients.filter(physiotherapist=user)
    if status:
        patients = patients.filter(status=status)
    else:
        # Discharged and ineligible patients are history: shown only when asked for.
        patients = patients.exclude(status__in=[PatientStatus.DISCHARGED, PatientStatus.INELIGIBLE])
    if query:
        patients = patients.filter(user__full_name__icontains=query.strip())
    summaries = list(summarise(annotate_facts(patients, now=now), now=now).values())
    total = len(summaries)
    if flag in FLAG_LABELS:
        summaries = [s for s in summaries if any(f.code == flag for f in s.flags)]
    keys = {
        "attention": lambda s: (s.attention, s.patient.full_name.lower()),
        "name": lambda s: s.patient.full_name.lower(),
        "next_session": lambda s: (
            s.next_session_at is None,
            s.next_session_at or now,
            s.patient.full_name.lower(),
        ),
        "last_log": lambda s: (s.last_walk_on or dt.date.min, s.patient.full_name.lower()),
        "week": lambda s: (
            -(s.programme_week if s.programme_week is not None else -1),
            s.patient.full_name.lower(),
        ),
    }
    summaries.sort(key=keys.get(sort, keys["attention"]))
    return Caseload(rows=summaries, total_in_scope=total)


CASELOAD_PAGE_SIZE = 25


@dataclass
class CaseloadPage:
    """One page of the caseload as the page shows it: its rows already rendered (the costly
    part), the ids of the patients on it (for the audit row), the counts and page numbers.
    ``rows`` holds the summaries when they were computed in this request, None when the page
    came from the cache."""

    rows_html: str
    patient_ids: list[int]
    total_in_scope: int
    shown: int
    number: int
    num_pages: int
    start_index: int
    end_index: int
    computed_at: dt.datetime
    rows: Page | None = field(default=None, compare=False)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def page_range(self) -> range:
        return range(1, self.num_pages + 1)

    def for_cache(self) -> CaseloadPage:
        return CaseloadPage(**{**self.__dict__, "rows": None})


def caseload_page(
    user: User,
    *,
    page: str | None = None,
    mine: bool = True,
    status: str = "",
    flag: str = "",
    query: str = "",
    sort: str = "attention",
) -> CaseloadPage:
    """A page of ``caseload(...)``, rendered, and kept for the requesting user alone until
    any audited write in the clinic (or ``WALKBACK_PAGE_CACHE_SECONDS``), in
    ``walkback.core.pagecache``: a physiotherapist's caseload is read far more often than it
    changes, and computing every patient's summary to sort by attention costs many times a
    bare page. Call it with the user's time zone active (``in_user_zone``)."""
    version = None
    if pagecache.enabled() and user.clinic_id:
        # The person, their clock and day, and what they asked for; the data's version is
        # checked by ``fetch`` (read with the page, in one round trip).
        asked = repr((mine, status, flag, query, sort, page)).encode()
        zone, day = timezone.get_current_timezone_name(), timezone.localdate()
        digest = hashlib.sha256(asked).hexdigest()[:32]
        key = f"caseload:{user.pk}:{zone}:{day}:{digest}"
        cached, version = pagecache.fetch(key, pagecache.clinic_tokens(user.clinic_id))
        if cached is not None:
            return cached
    now = timezone.now()
    result = caseload(user, mine=mine, status=status, flag=flag, query=query, sort=sort, now=now)
    rows = Paginator(result.rows, CASELOAD_PAGE_SIZE).get_page(page)
    built = CaseloadPage(
        rows_html=render_to_string(
            "coaching/partials/caseload_rows.html",
            {"page": rows, "total": result.total_in_scope},
        ),
        patient_ids=[row.patient.pk for row in rows],
        total_in_scope=result.total_in_scope,
        shown=len(result.rows),
        number=rows.number,
        num_pages=rows.paginator.num_pages,
        start_index=rows.start_index(),
        end_index=rows.end_index(),
        computed_at=now,
        rows=rows,
    )
    if version is not None:
        pagecache.keep(key, version, built.for_cache())
    return built


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
    # totals cover the flags' three weeks too, so there is no second grouped query.
    weeks = patient_weeks(facts, today=today, timeline=timeline)
    totals = weeks.totals
    started = patient.programme_start is not None and today >= patient.programme_start
    summary = summarise(
        [facts], now=now, totals={patient.pk: totals}, timelines={patient.pk: timeline}
    )[patient.pk]
    week = programme_week(patient, today)
    suggestion, plan = _suggestion_and_plan(patient, timeline, totals, today, week)
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
        open_check_ins=list(
            CheckIn.objects.filter(patient=patient, completed_at__isnull=True, due_on__lte=today)
        ),
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
