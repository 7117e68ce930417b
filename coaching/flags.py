"""Attention flags: which patients a physiotherapist should look at, and why.

``summarise`` is the one pure function of the rules: from patients loaded through
``annotate_facts`` (and their weekly totals and prescriptions) to their summaries and flags.
The caseload and the Monday digest show its result as stored in each patient's maintained row
(``coaching.status``, ``coaching.models.CaseloadRow``); the patient page calls it directly.
``summaries_for`` and ``flags_for`` load and summarise any patients. Loading runs a fixed
number of queries whatever the number of patients:

1. the patients with everything per-patient annotated as subqueries (last walk, next
   session, overdue session, oldest open check-in, unreviewed adverse events), screening
   joined;
2. ``coaching.progress.weekly_totals`` over the last five weeks, one grouped query;
3. every prescription version of those patients.

Rules (edges are unit-tested in tests/coaching/test_flags.py):
- behind target (in the programme): the last two complete weeks both had a target and
  neither reached 80% of it (``coaching.progression.CLOSE_TO_TARGET``); a week with no logs is
  0%. Targets, and "this week" against its target, follow the one rule of
  ``coaching.progress`` (docs/programme-rules.md).
- below keeping-going target (after the six months): the last four complete weeks together
  under 80% of their maintenance target (``coaching.progression.behind_keeping_going``), not
  the programme's week-by-week "behind target".
- pain rising: average pain up by the clinic's pain-rise rule (``Clinic.plan_pain_rise``,
  default 2 points) or more from one week to the next (the most recent week with pain
  recorded, this week or last, against the week before it); the caseload's arrow says "up"
  at the same threshold (``coaching.progression.PainChange``). Patients are loaded with their
  clinic, so the rule costs no query.
- no log for 7 days: in the programme, started at least 7 days ago, last walk 7 or more days
  before today (or none at all).
- screening incomplete / doctor clearance missing: from the screening record, before the
  programme starts (and after, should a clearance ever be missing).
- session overdue: a planned session whose time passed more than a day ago and that nobody
  marked done, missed or cancelled.
- check-in overdue: the latest monthly check-in that has fallen due, due before today and not
  done (a missed month is replaced by the next one, so only the latest counts).
- adverse event: a problem the patient reported that no one has reviewed yet.
- back pain came back: a check-in answered in the last 30 days told an activity-limiting
  recurrence (derived from what the patient told:
  patients.services.check_ins.is_activity_limiting) or one that needed care.
- unread message: the patient sent a secure message that no physiotherapist of the clinic has
  read yet (docs/messages.md), whatever the patient's status.

"Today" is each patient's own date in their own time zone, unless a date is passed in.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from coaching.messaging.models import MessageThread
from coaching.models import CoachingSession, Prescription, SessionMode, SessionStatus
from coaching.progress import (
    Timeline,
    WeekRow,
    WeekTotals,
    percent,
    week_row,
    week_start,
    weekly_totals,
)
from coaching.progression import (
    KEEPING_GOING_WEEKS,
    PainChange,
    behind_keeping_going,
    behind_two_weeks,
    pain_change,
)
from patients.models import AdverseEvent, CheckIn, Patient, PatientStatus, WalkLog

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class Facts(TypedDict):
    """What ``annotate_facts`` adds to each patient, in SQL."""

    last_walk_on: dt.date | None
    next_session_at: dt.datetime | None
    next_session_mode: str | None
    next_session_number: int | None
    overdue_session_number: int | None
    overdue_session_at: dt.datetime | None
    first_pending_session_at: dt.datetime | None
    latest_check_in_due: dt.date | None
    latest_check_in_done: dt.datetime | None
    has_unreviewed_event: bool
    has_unread_message: bool
    recurrence_month: int | None


NO_LOG_DAYS = 7
# How long a recurrence told at a check-in stays on the caseload.
RECURRENCE_FLAG_DAYS = 30
SESSION_OVERDUE_AFTER = dt.timedelta(days=1)


def short_date(day: dt.date) -> str:
    # Translators: a short date as in "3 Mar" (Django date format letters).
    return formats.date_format(day, gettext("j M"))


def _pain(value: float) -> str:
    """A pain average to one decimal, in the reader's number format."""
    return f"{value:.1f}".replace(".", str(formats.get_format("DECIMAL_SEPARATOR")))


def flag_detail(says: Any) -> str:
    """A flag's detail in the current language. The maintained row keeps what it says, not
    its words (``{"say": key, **values}``, dates as ISO strings), so each reader sees it in
    their own language; "" when there is none. A row written before the details were kept
    this way holds English words: shown as they are until the row is next refreshed."""
    if not says:
        return ""
    if isinstance(says, str):
        return says
    key = says["say"]
    if key == "from_patient":
        return gettext("From the patient.")
    if key == "not_reviewed":
        return gettext("Not reviewed yet.")
    if key == "recurrence":
        return gettext("Told at the month %(month)s check-in.") % {"month": says["month"]}
    if key == "pain":
        return gettext("Average pain %(before)s → %(after)s.") % {
            "before": _pain(says["before"]),
            "after": _pain(says["after"]),
        }
    if key == "keeping_going":
        return ngettext(
            "%(percent)s%% of it over the last %(weeks)s week.",
            "%(percent)s%% of it over the last %(weeks)s weeks.",
            says["weeks"],
        ) % {"percent": says["percent"], "weeks": says["weeks"]}
    if key == "behind":
        earlier, later = says["percents"]
        # Translators: the share of their target a patient walked in each of the last two weeks.
        return gettext("%(earlier)s%% and %(later)s%% of target.") % {
            "earlier": earlier,
            "later": later,
        }
    if key == "last_walk":
        day = dt.date.fromisoformat(says["day"])
        return gettext("Last walk %(day)s.") % {"day": short_date(day)}
    if key == "no_walks":
        return gettext("No walks logged yet.")
    if key == "session_overdue":
        day = dt.date.fromisoformat(says["day"])
        return gettext("Session %(number)s, %(day)s: not marked.") % {
            "number": says["number"],
            "day": short_date(day),
        }
    if key == "check_in_due":
        day = dt.date.fromisoformat(says["day"])
        return gettext("Due %(day)s.") % {"day": short_date(day)}
    if key == "clearance":
        return gettext("Doctor's clearance.")
    raise ValueError(f"unknown flag detail {key!r}")


@dataclass(frozen=True)
class Flag:
    code: str
    # What the detail says (``flag_detail``): kept as is in the maintained row.
    says: Any = ""

    @property
    def priority(self) -> int:
        return FLAG_ORDER.index(self.code)

    @property
    def label(self) -> str:
        return FLAG_LABELS[self.code]

    @property
    def detail(self) -> str:
        return flag_detail(self.says)


class _Labels(dict):
    """Lazy labels (defined at import, translated where they are read): looking one up gives
    its text in the language active then, so callers join and compare plain strings; the
    values of ``items()`` stay lazy, for form choices built at import."""

    def __getitem__(self, code: str) -> str:
        return str(super().__getitem__(code))


# Most urgent first: the caseload sorts by the first flag in this order.
FLAG_LABELS: dict[str, str] = cast(
    dict[str, str],
    _Labels(
        {
            "adverse_event": gettext_lazy("Problem reported"),
            "recurrence": gettext_lazy("Back pain came back"),
            "pain_rising": gettext_lazy("Pain up"),
            "behind_target": gettext_lazy("Behind target 2 weeks"),
            "no_recent_log": gettext_lazy("No log for 7 days"),
            "session_overdue": gettext_lazy("Session overdue"),
            "check_in_overdue": gettext_lazy("Check-in overdue"),
            "clearance_missing": gettext_lazy("Clearance missing"),
            "screening_incomplete": gettext_lazy("Screening incomplete"),
            # Last: the six months are over. (Appended, so the bits of stored rows keep their
            # meaning.)
            "behind_keeping_going": gettext_lazy("Below keeping-going target"),
            # Appended for the same reason: a patient's message no physiotherapist has read yet.
            "unread_message": gettext_lazy("Unread message"),
        }
    ),
)
FLAG_ORDER = list(FLAG_LABELS)
FLAG_CHOICES = list(FLAG_LABELS.items())


@dataclass
class PatientSummary:
    """What the caseload shows for one patient (all computed, nothing stored)."""

    patient: Patient
    today: dt.date
    programme_week: int | None = None
    week: WeekRow | None = None  # this week, with its target (coaching.progress)
    last_walk_on: dt.date | None = None
    pain: PainChange | None = None
    next_session_at: dt.datetime | None = None
    next_session_mode: str = ""
    next_session_number: int | None = None
    flags: list[Flag] = field(default_factory=list)

    @property
    def attention(self) -> tuple[int, int]:
        """Sort key: the most urgent flag first, then more flags first; none last."""
        if not self.flags:
            return (len(FLAG_ORDER), 0)
        return (min(flag.priority for flag in self.flags), -len(self.flags))

    @property
    def attention_rank(self) -> int:
        """``attention`` as one number that sorts the same way (lower first), for SQL: the
        most urgent flag's place times ten, less the number of flags (at most eight)."""
        first, fewer = self.attention
        return first * 10 + fewer + 9

    @property
    def next_session_mode_label(self) -> str:
        return str(SessionMode(self.next_session_mode).label) if self.next_session_mode else ""


def annotate_facts(
    queryset: QuerySet[Patient], *, now: dt.datetime
) -> QuerySet[WithAnnotations[Patient, Facts]]:
    """Add the per-patient facts the flags need to a patient queryset, as subqueries (so one
    query however many patients)."""
    planned = CoachingSession.objects.filter(patient=OuterRef("pk"), status=SessionStatus.PLANNED)
    upcoming = planned.filter(scheduled_at__gte=now).order_by("scheduled_at")
    overdue = planned.filter(scheduled_at__lt=now - SESSION_OVERDUE_AFTER).order_by("scheduled_at")
    # A patient's own date can be a day ahead of UTC's; the flag compares with their today.
    latest_due = CheckIn.objects.filter(
        patient=OuterRef("pk"), due_on__lte=now.date() + dt.timedelta(days=1)
    ).order_by("-due_on")
    # An activity-limiting or care-seeking recurrence told at a check-in answered since the
    # start of the UTC day RECURRENCE_FLAG_DAYS ago (so the flag ends at a midnight, when the
    # maintained status is refreshed anyway).
    since = dt.datetime.combine(
        now.astimezone(dt.UTC).date() - dt.timedelta(days=RECURRENCE_FLAG_DAYS),
        dt.time(0),
        tzinfo=dt.UTC,
    )
    recurrences = CheckIn.objects.filter(
        Q(activity_limiting=True) | Q(care_sought=True),
        patient=OuterRef("pk"),
        completed_at__gte=since,
    ).order_by("-completed_at")
    return queryset.select_related("screening").annotate(
        recurrence_month=Subquery(recurrences.values("month_number")[:1]),
        last_walk_on=Subquery(
            WalkLog.objects.filter(patient=OuterRef("pk"))
            .order_by("-walked_on")
            .values("walked_on")[:1]
        ),
        next_session_at=Subquery(upcoming.values("scheduled_at")[:1]),
        next_session_mode=Subquery(upcoming.values("mode")[:1]),
        next_session_number=Subquery(upcoming.values("number")[:1]),
        # The earliest session nobody marked: the flag names it.
        overdue_session_number=Subquery(overdue.values("number")[:1]),
        overdue_session_at=Subquery(overdue.values("scheduled_at")[:1]),
        # The first planned session that is not overdue yet: it falls overdue a day after its
        # time (when the maintained status must change, coaching.status).
        first_pending_session_at=Subquery(
            planned.filter(scheduled_at__gte=now - SESSION_OVERDUE_AFTER)
            .order_by("scheduled_at")
            .values("scheduled_at")[:1]
        ),
        # Only the latest check-in that has fallen due counts: a month that was missed is not
        # asked again (the next one replaces it), so it must not flag the patient for ever.
        latest_check_in_due=Subquery(latest_due.values("due_on")[:1]),
        latest_check_in_done=Subquery(latest_due.values("completed_at")[:1]),
        has_unreviewed_event=Exists(
            AdverseEvent.objects.filter(patient=OuterRef("pk"), reviewed_at__isnull=True)
        ),
        # The thread keeps both numbers (coaching.messaging.services): one indexed row.
        has_unread_message=Exists(
            MessageThread.objects.filter(
                patient=OuterRef("pk"), last_patient_message_id__gt=F("staff_read_through")
            )
        ),
    )


def _timelines(patient_ids: list[int]) -> dict[int, Timeline]:
    versions: dict[int, list[Prescription]] = defaultdict(list)
    for row in Prescription.objects.filter(patient_id__in=patient_ids).order_by("id"):
        versions[row.patient_id].append(row)
    return {pk: Timeline(rows) for pk, rows in versions.items()}


def _flags(
    summary: PatientSummary, facts: WithAnnotations[Patient, Facts], weeks, timeline: Timeline
) -> list[Flag]:
    patient, today = summary.patient, summary.today
    flags: list[Flag] = []
    if facts.has_unread_message:
        # Before the status check: a discharged patient may still write to the clinic.
        flags.append(Flag("unread_message", {"say": "from_patient"}))
    if patient.status in (PatientStatus.INELIGIBLE, PatientStatus.DISCHARGED):
        return flags
    if facts.has_unreviewed_event:
        flags.append(Flag("adverse_event", {"say": "not_reviewed"}))
    if facts.recurrence_month is not None:
        flags.append(Flag("recurrence", {"say": "recurrence", "month": facts.recurrence_month}))
    if summary.pain is not None and summary.pain.rising:
        flags.append(
            Flag(
                "pain_rising",
                {"say": "pain", "before": summary.pain.before, "after": summary.pain.after},
            )
        )
    if patient.status == PatientStatus.MAINTENANCE:
        # Judged against the maintenance target over four weeks, not week by week
        # (docs/programme-rules.md, "Keeping going").
        share = behind_keeping_going(weeks, timeline, today)
        if share is not None:
            flags.append(
                Flag(
                    "behind_keeping_going",
                    {
                        "say": "keeping_going",
                        "percent": percent(share),
                        "weeks": KEEPING_GOING_WEEKS,
                    },
                )
            )
    if patient.status == PatientStatus.ACTIVE:
        behind: list[WeekRow] | None = behind_two_weeks(weeks, timeline, today)
        if behind:
            shares = [review.percent for review in reversed(behind)]
            flags.append(Flag("behind_target", {"say": "behind", "percents": shares}))
    if patient.in_programme:
        started = patient.programme_start
        if started is not None and (today - started).days >= NO_LOG_DAYS:
            last = summary.last_walk_on
            if last is None or (today - last).days >= NO_LOG_DAYS:
                if last:
                    says: dict[str, Any] = {"say": "last_walk", "day": last.isoformat()}
                else:
                    says = {"say": "no_walks"}
                flags.append(Flag("no_recent_log", says))
        overdue_at = facts.overdue_session_at
        if facts.overdue_session_number is not None and overdue_at is not None:
            when = overdue_at.astimezone(patient.zone).date()
            says = {
                "say": "session_overdue",
                "number": facts.overdue_session_number,
                "day": when.isoformat(),
            }
            flags.append(Flag("session_overdue", says))
    due = facts.latest_check_in_due
    if due is not None and due < today and facts.latest_check_in_done is None:
        flags.append(Flag("check_in_overdue", {"say": "check_in_due", "day": due.isoformat()}))
    screening = getattr(patient, "screening", None)
    if patient.status == PatientStatus.SCREENING and (
        screening is None or not screening.is_complete
    ):
        flags.append(Flag("screening_incomplete"))
    if screening is not None and screening.clearance_missing:
        flags.append(Flag("clearance_missing", {"say": "clearance"}))
    flags.sort(key=lambda flag: flag.priority)
    return flags


def summarise(
    patients: Iterable[WithAnnotations[Patient, Facts]],
    *,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    totals: dict[int, dict[dt.date, WeekTotals]] | None = None,
    timelines: dict[int, Timeline] | None = None,
) -> dict[int, PatientSummary]:
    """Summaries for patients already loaded through ``annotate_facts`` (2 more queries, or
    none when the caller already holds the weekly totals since five weeks ago and the
    prescription timelines)."""
    now = now or timezone.now()
    patients = list(patients)
    if not patients:
        return {}
    todays = {p.pk: today or p.today(now) for p in patients}
    if totals is None:
        # The weeks the rules read: this one and, for "keeping going", four before it.
        since = week_start(min(todays.values())) - dt.timedelta(weeks=KEEPING_GOING_WEEKS)
        totals = weekly_totals(todays.keys(), since, max(todays.values()))
    if timelines is None:
        timelines = _timelines(list(todays))
    result = {}
    for patient in patients:
        day = todays[patient.pk]
        weeks = totals.get(patient.pk, {})
        timeline = timelines.get(patient.pk, Timeline([]))
        this_week = week_row(
            week_start(day),
            timeline=timeline,
            totals=weeks,
            today=day,
            programme_start=patient.programme_start,
        )
        summary = PatientSummary(
            patient=patient,
            today=day,
            week=this_week,
            last_walk_on=patient.last_walk_on,
            # The clinic's own threshold: the arrow and the flag say "up" together.
            pain=pain_change(weeks, day, threshold=patient.clinic.plan_pain_rise),
            next_session_at=patient.next_session_at,
            next_session_mode=patient.next_session_mode or "",
            next_session_number=patient.next_session_number,
        )
        if patient.programme_start and day >= patient.programme_start:
            summary.programme_week = this_week.programme_week
        summary.flags = _flags(summary, patient, weeks, timeline)
        result[patient.pk] = summary
    return result


def summaries_for(
    patients: Iterable[Patient], *, today: dt.date | None = None, now: dt.datetime | None = None
) -> dict[int, PatientSummary]:
    """Summaries for any patients (instances or ids): 3 queries in all."""
    now = now or timezone.now()
    ids = [p if isinstance(p, int) else p.pk for p in patients]
    loaded = annotate_facts(
        Patient.objects.filter(pk__in=ids).select_related("user", "clinic"), now=now
    )
    return summarise(loaded, today=today, now=now)


def flags_for(
    patients: Iterable[Patient], *, today: dt.date | None = None
) -> dict[int, list[Flag]]:
    """The attention flags of each patient, keyed by patient id, most urgent first. A fixed
    number of queries (3) whatever the number of patients. Callers scope ``patients``."""
    return {pk: summary.flags for pk, summary in summaries_for(patients, today=today).items()}
