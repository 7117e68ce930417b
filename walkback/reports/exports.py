"""Exports: eight tables, each as CSV or Excel, identified or de-identified for research.

One definition per table serves every path. Tables that are plain rows of the database are
a ``values_list`` queryset whose columns are all computed in SQL (pseudonyms, days since the
programme start, yes/no, the spreadsheet-formula guard), so on PostgreSQL the CSV comes
straight from ``COPY (SELECT ...) TO STDOUT`` through psycopg 3's ``cursor.copy()`` and the
same queryset's rows feed Excel and the SQLite demo. Tables that need the programme's week
arithmetic (weekly adherence, recurrence times) are computed in Python a batch of patients
at a time. Either way memory does not grow with the rows.

Free text (walk notes, session notes, descriptions) is never exported: it can hold anything,
names included, and it is not a figure.

A CSV file starts with a UTF-8 byte order mark (``walkback.core.spreadsheets.CSV_BOM``,
written once, before the header) so that Excel keeps accents ("Sørensen") intact. Coded
values are written as the words the screens show ("In programme", not ``active``):
``choice_label`` maps them in SQL, so the COPY path writes them too.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import zoneinfo
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import cast

from django.conf import settings
from django.db import connection, models
from django.db.models import (
    Case,
    CharField,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Concat, NullIf, TruncDate
from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy

from coaching.models import (
    CoachingSession,
    Prescription,
    SessionMode,
    SessionPurpose,
    SessionStatus,
)
from coaching.progress import WeekRow
from patients.models import (
    AdverseEvent,
    BodyRegion,
    CareType,
    CheckIn,
    Patient,
    PatientStatus,
    Severity,
    WalkingRelated,
    WalkLog,
    WalkSource,
)
from patients.outcomes import KINDS, recurrence_times_for
from walkback.core.spreadsheets import CSV_BOM, FORMULA_START_REGEX, GUARD, formula_safe
from walkback.reports import stats
from walkback.reports.figures import patient_weeks_for
from walkback.reports.models import Dataset
from walkback.reports.questionnaire_export import questionnaires_table
from walkback.reports.selectors import Scope, scoped_patients

XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header row
CHUNK_BYTES = 256 * 1024
PATIENT_BATCH = 500


# --- Words of the files: column headers and yes/no, in the reader's language ---------------

# Translators: column headers of the data exports, read by researchers in a spreadsheet or a
# statistics program: short, one or two words each.
COLUMN_WORDS = {
    "patient": pgettext_lazy("export column", "patient"),
    "patient_id": pgettext_lazy("export column", "patient_id"),
    "patient_name": pgettext_lazy("export column", "patient_name"),
    "email": pgettext_lazy("export column", "email"),
    "status": pgettext_lazy("export column", "status"),
    "physiotherapist": pgettext_lazy("export column", "physiotherapist"),
    "programme_start": pgettext_lazy("export column", "programme_start"),
    "enrolled_on": pgettext_lazy("export column", "enrolled_on"),
    "enrolled_day": pgettext_lazy("export column", "enrolled_day"),
    "date_of_birth": pgettext_lazy("export column", "date_of_birth"),
    "session": pgettext_lazy("export column", "session"),
    "purpose": pgettext_lazy("export column", "purpose"),
    "mode": pgettext_lazy("export column", "mode"),
    "scheduled_on": pgettext_lazy("export column", "scheduled_on"),
    "scheduled_day": pgettext_lazy("export column", "scheduled_day"),
    "duration_minutes": pgettext_lazy("export column", "duration_minutes"),
    "completed_on": pgettext_lazy("export column", "completed_on"),
    "completed_day": pgettext_lazy("export column", "completed_day"),
    "confidence": pgettext_lazy("export column", "confidence"),
    "effective_on": pgettext_lazy("export column", "effective_on"),
    "effective_day": pgettext_lazy("export column", "effective_day"),
    "walks_per_week": pgettext_lazy("export column", "walks_per_week"),
    "minutes_per_walk": pgettext_lazy("export column", "minutes_per_walk"),
    "weekly_minutes": pgettext_lazy("export column", "weekly_minutes"),
    "set_at_session": pgettext_lazy("export column", "set_at_session"),
    "author": pgettext_lazy("export column", "author"),
    "walked_on": pgettext_lazy("export column", "walked_on"),
    "walked_day": pgettext_lazy("export column", "walked_day"),
    "minutes": pgettext_lazy("export column", "minutes"),
    "steps": pgettext_lazy("export column", "steps"),
    "pain": pgettext_lazy("export column", "pain"),
    "source": pgettext_lazy("export column", "source"),
    "month": pgettext_lazy("export column", "month"),
    "due_on": pgettext_lazy("export column", "due_on"),
    "due_day": pgettext_lazy("export column", "due_day"),
    "any_pain": pgettext_lazy("export column", "any_pain"),
    "onset_on": pgettext_lazy("export column", "onset_on"),
    "onset_day": pgettext_lazy("export column", "onset_day"),
    "activity_limiting": pgettext_lazy("export column", "activity_limiting"),
    "care_sought": pgettext_lazy("export column", "care_sought"),
    "care_type": pgettext_lazy("export column", "care_type"),
    "days_to_recovery": pgettext_lazy("export column", "days_to_recovery"),
    "average_pain": pgettext_lazy("export column", "average_pain"),
    "worst_pain": pgettext_lazy("export column", "worst_pain"),
    "days_off_work": pgettext_lazy("export column", "days_off_work"),
    "answered_late": pgettext_lazy("export column", "answered_late"),
    "not_remembered": pgettext_lazy("export column", "not_remembered"),
    "occurred_on": pgettext_lazy("export column", "occurred_on"),
    "occurred_day": pgettext_lazy("export column", "occurred_day"),
    "body_region": pgettext_lazy("export column", "body_region"),
    "severity": pgettext_lazy("export column", "severity"),
    "related_to_walking": pgettext_lazy("export column", "related_to_walking"),
    "reported_on": pgettext_lazy("export column", "reported_on"),
    "reported_day": pgettext_lazy("export column", "reported_day"),
    "reviewed_on": pgettext_lazy("export column", "reviewed_on"),
    "reviewed_day": pgettext_lazy("export column", "reviewed_day"),
    "programme_week": pgettext_lazy("export column", "programme_week"),
    "week_start": pgettext_lazy("export column", "week_start"),
    "week_start_day": pgettext_lazy("export column", "week_start_day"),
    "walks": pgettext_lazy("export column", "walks"),
    "days_walked": pgettext_lazy("export column", "days_walked"),
    "target_minutes": pgettext_lazy("export column", "target_minutes"),
    "on_target": pgettext_lazy("export column", "on_target"),
    "follow_up_days": pgettext_lazy("export column", "follow_up_days"),
    "any_days": pgettext_lazy("export column", "any_days"),
    "any_recurred": pgettext_lazy("export column", "any_recurred"),
    "activity_limiting_days": pgettext_lazy("export column", "activity_limiting_days"),
    "activity_limiting_recurred": pgettext_lazy("export column", "activity_limiting_recurred"),
    "care_seeking_days": pgettext_lazy("export column", "care_seeking_days"),
    "care_seeking_recurred": pgettext_lazy("export column", "care_seeking_recurred"),
    "instrument": pgettext_lazy("export column", "instrument"),
    "version": pgettext_lazy("export column", "version"),
    "week": pgettext_lazy("export column", "week"),
    "score": pgettext_lazy("export column", "score"),
    "psychosocial": pgettext_lazy("export column", "psychosocial"),
    "band": pgettext_lazy("export column", "band"),
    "entered_by_staff": pgettext_lazy("export column", "entered_by_staff"),
}


def header_words(names: list[str]) -> list[str]:
    """The column names as the requesting person reads them (English: the names as they are).
    Called while the table is built, so inside the request's or the job's language."""
    return [str(COLUMN_WORDS.get(name, name)) for name in names]


def yes_word() -> str:
    return pgettext("export value", "yes")


def no_word() -> str:
    return pgettext("export value", "no")


# --- SQL building blocks, portable between PostgreSQL and SQLite ------------------------------


def pseudonym_salt(clinic_id: int) -> str:
    """A secret per clinic, derived from the site's key: pseudonyms stay the same from one
    export to the next, differ between clinics, and cannot be reversed without the key."""
    key = (getattr(settings, "WALKBACK_PSEUDONYM_KEY", "") or settings.SECRET_KEY).encode()
    return hmac.new(key, f"walkback-pseudonym:{clinic_id}".encode(), hashlib.sha256).hexdigest()


def pseudonym(salt: str, prefix: str, pk: int | None) -> str:
    """The Python twin of ``Pseudonym`` (for the tables computed in Python)."""
    if pk is None:
        return ""
    return prefix + hashlib.sha256(f"{salt}:{pk}".encode()).hexdigest()[:10]


class Pseudonym(Func):
    """``prefix`` + the first 10 hex digits of SHA-256(salt:id), computed by the database."""

    output_field = CharField()

    def __init__(self, expression, *, salt: str, prefix: str):
        super().__init__(Value(salt), expression)
        self.prefix = prefix

    def _parts(self, compiler, connection):
        salt_sql, salt_params = compiler.compile(self.source_expressions[0])
        expr_sql, expr_params = compiler.compile(self.source_expressions[1])
        return salt_sql, expr_sql, [self.prefix, *salt_params, *expr_params]

    def as_postgresql(self, compiler, connection, **extra):
        salt, expr, params = self._parts(compiler, connection)
        sql = (
            f"(%s || LEFT(ENCODE(SHA256(CONVERT_TO({salt} || ':' || ({expr})::text, 'UTF8')),"
            " 'hex'), 10))"
        )
        return sql, params

    def as_sqlite(self, compiler, connection, **extra):
        salt, expr, params = self._parts(compiler, connection)
        sql = f"(%s || SUBSTR(LOWER(SHA256({salt} || ':' || CAST({expr} AS TEXT))), 1, 10))"
        return sql, params


class DaysSince(Func):
    """Whole days from ``start`` to ``day`` (both dates)."""

    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        day, start = (compiler.compile(e) for e in self.source_expressions)
        return f"(({day[0]})::date - ({start[0]})::date)", [*day[1], *start[1]]

    def as_sqlite(self, compiler, connection, **extra):
        day, start = (compiler.compile(e) for e in self.source_expressions)
        return (
            f"CAST(julianday({day[0]}) - julianday({start[0]}) AS INTEGER)",
            [*day[1], *start[1]],
        )


def yes_no(path: str):
    return Case(
        When(**{path: True}, then=Value(yes_word())),
        When(**{path: False}, then=Value(no_word())),
        default=Value(None),
        output_field=CharField(),
    )


def choice_label(path: str, choices: type[models.TextChoices]):
    """A coded value as the label the screens show, computed in SQL (so COPY writes it too);
    an empty code is missing, as ``blank_as_null`` has it."""
    return Case(
        *[When(**{path: value}, then=Value(str(label))) for value, label in choices.choices],
        default=Value(None),
        output_field=CharField(),
    )


def safe_text(path: str):
    """Text as typed, guarded in SQL as ``formula_safe`` guards it in Python
    (``walkback.core.spreadsheets``)."""
    guarded = Case(
        When(Q(**{f"{path}__regex": FORMULA_START_REGEX}), then=Concat(Value(GUARD), F(path))),
        default=F(path),
        output_field=CharField(),
    )
    return blank_as_null(guarded)


def blank_as_null(expression):
    """COPY writes an empty text as "" and a missing value as nothing; Python's csv writes
    both as nothing. Empty text is sent as NULL so the two paths write the same bytes."""
    return NullIf(expression, Value(""))


# --- Tables ----------------------------------------------------------------------------------


@dataclass
class Table:
    headers: list[str]
    count: Callable[[], int]
    rows: Callable[[], Iterator[Sequence]]
    queryset: QuerySet | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ExportSpec:
    dataset: str
    scope: Scope
    deidentified: bool = False


def _columns(qs: QuerySet, columns: list[tuple[str, object]]) -> tuple[list[str], QuerySet]:
    """Annotate the columns in order as c0, c1... and select exactly those, so the SQL select
    list (what COPY writes) and the Python rows are the same columns in the same order."""
    names = [f"c{i}" for i in range(len(columns))]
    qs = qs.annotate(**{name: expr for name, (_, expr) in zip(names, columns, strict=True)})
    return header_words([header for header, _ in columns]), qs.values_list(*names)


def _in_range(qs: QuerySet, path: str, scope: Scope) -> QuerySet:
    if scope.date_from:
        qs = qs.filter(**{f"{path}__gte": scope.date_from})
    if scope.date_to:
        qs = qs.filter(**{f"{path}__lte": scope.date_to})
    return qs


def _query_table(qs: QuerySet, columns, order: list[str]) -> Table:
    headers, values = _columns(qs, columns)
    values = values.order_by(*order)
    return Table(
        headers=headers,
        count=lambda: qs.order_by().count(),
        rows=lambda: values.iterator(chunk_size=5000),
        queryset=values,
    )


def _who(prefix: str, spec: ExportSpec, salt: str) -> list[tuple[str, object]]:
    """The patient columns: id and name, or a pseudonym."""
    path = f"{prefix}id" if prefix else "id"
    if spec.deidentified:
        return [("patient", Pseudonym(F(path), salt=salt, prefix="P"))]
    return [("patient_id", F(path)), ("patient_name", safe_text(f"{prefix}user__full_name"))]


def _local_day(path: str, zone: zoneinfo.ZoneInfo):
    return TruncDate(path, tzinfo=zone)


def build_table(spec: ExportSpec, patients: QuerySet[Patient], clinic) -> Table:
    """The rows of one export. ``patients`` is already scoped to the requesting admin."""
    scope = spec.scope
    salt = pseudonym_salt(scope.clinic_id)
    zone = zoneinfo.ZoneInfo(clinic.time_zone)
    people = scoped_patients(patients, scope)
    deid = spec.deidentified
    builders: dict[str, Callable[..., Table]] = {
        Dataset.PATIENTS: _patients_table,
        Dataset.SESSIONS: _sessions_table,
        Dataset.PRESCRIPTIONS: _prescriptions_table,
        Dataset.WALKS: _walks_table,
        Dataset.CHECK_INS: _check_ins_table,
        Dataset.ADVERSE_EVENTS: _adverse_events_table,
        Dataset.WEEKLY: _weekly_table,
        Dataset.RECURRENCE: _recurrence_table,
        Dataset.QUESTIONNAIRES: questionnaires_table,
    }
    return builders[spec.dataset](spec, people, salt=salt, zone=zone, deid=deid)


def _patients_table(spec, people, *, salt, zone, deid):
    qs = _in_range(people, "programme_start", spec.scope)
    if deid:
        columns = [
            ("patient", Pseudonym(F("id"), salt=salt, prefix="P")),
            ("status", choice_label("status", PatientStatus)),
            ("physiotherapist", Pseudonym(F("physiotherapist_id"), salt=salt, prefix="T")),
            ("enrolled_day", DaysSince(_local_day("created_at", zone), F("programme_start"))),
        ]
    else:
        columns = [
            ("patient_id", F("id")),
            ("patient_name", safe_text("user__full_name")),
            ("email", safe_text("user__email")),
            ("status", choice_label("status", PatientStatus)),
            ("physiotherapist", safe_text("physiotherapist__full_name")),
            ("programme_start", F("programme_start")),
            ("enrolled_on", _local_day("created_at", zone)),
            ("date_of_birth", F("date_of_birth")),
        ]
    return _query_table(qs, columns, ["id"])


def _dated(deid: bool, name: str, expr, start="patient__programme_start"):
    if deid:
        return (f"{name}_day", DaysSince(expr, F(start)))
    return (f"{name}_on", expr)


def _sessions_table(spec, people, *, salt, zone, deid):
    qs = CoachingSession.objects.filter(patient__in=people.values("pk")).annotate(
        scheduled_local=_local_day("scheduled_at", zone)
    )
    qs = _in_range(qs, "scheduled_local", spec.scope)
    columns = [
        *_who("patient__", spec, salt),
        ("session", F("number")),
        ("purpose", choice_label("purpose", SessionPurpose)),
        ("mode", choice_label("mode", SessionMode)),
        ("status", choice_label("status", SessionStatus)),
        _dated(deid, "scheduled", F("scheduled_local")),
        ("duration_minutes", F("duration_minutes")),
        _dated(deid, "completed", _local_day("completed_at", zone)),
        ("confidence", F("confidence")),
    ]
    return _query_table(qs, columns, ["patient_id", "number"])


def _prescriptions_table(spec, people, *, salt, zone, deid):
    qs = _in_range(
        Prescription.objects.filter(patient__in=people.values("pk")), "effective_from", spec.scope
    )
    columns = [
        *_who("patient__", spec, salt),
        _dated(deid, "effective", F("effective_from")),
        ("walks_per_week", F("walks_per_week")),
        ("minutes_per_walk", F("minutes_per_walk")),
        ("weekly_minutes", F("walks_per_week") * F("minutes_per_walk")),
        ("set_at_session", F("session__number")),
        (
            "author",
            Pseudonym(F("author_id"), salt=salt, prefix="T")
            if deid
            else safe_text("author__full_name"),
        ),
    ]
    return _query_table(qs, columns, ["patient_id", "effective_from", "id"])


def _walks_table(spec, people, *, salt, zone, deid):
    qs = _in_range(WalkLog.objects.filter(patient__in=people.values("pk")), "walked_on", spec.scope)
    columns = [
        *_who("patient__", spec, salt),
        _dated(deid, "walked", F("walked_on")),
        ("minutes", F("minutes")),
        ("steps", F("steps")),
        ("pain", F("pain")),
        ("source", choice_label("source", WalkSource)),
    ]
    return _query_table(qs, columns, ["patient_id", "walked_on", "id"])


def _check_ins_table(spec, people, *, salt, zone, deid):
    qs = _in_range(CheckIn.objects.filter(patient__in=people.values("pk")), "due_on", spec.scope)
    columns = [
        *_who("patient__", spec, salt),
        ("month", F("month_number")),
        _dated(deid, "due", F("due_on")),
        _dated(deid, "completed", _local_day("completed_at", zone)),
        ("any_pain", yes_no("any_pain")),
        _dated(deid, "onset", F("onset_date")),
        ("activity_limiting", yes_no("activity_limiting")),
        ("care_sought", yes_no("care_sought")),
        ("care_type", choice_label("care_type", CareType)),
        ("days_to_recovery", F("days_to_recovery")),
        ("average_pain", F("average_pain")),
        ("worst_pain", F("worst_pain")),
        ("days_off_work", F("days_off_work")),
        # A missed month asked about again later (docs/clinical-rules.md#monthly-check-ins).
        ("answered_late", yes_no("late")),
        (
            "not_remembered",
            Case(
                When(unknown_at__isnull=False, then=Value(yes_word())),
                When(completed_at__isnull=False, then=Value(no_word())),
                default=Value(None),
                output_field=CharField(),
            ),
        ),
    ]
    return _query_table(qs, columns, ["patient_id", "month_number"])


def _adverse_events_table(spec, people, *, salt, zone, deid):
    qs = _in_range(
        AdverseEvent.objects.filter(patient__in=people.values("pk")), "occurred_on", spec.scope
    )
    columns = [
        *_who("patient__", spec, salt),
        _dated(deid, "occurred", F("occurred_on")),
        ("body_region", choice_label("body_region", BodyRegion)),
        ("severity", choice_label("severity", Severity)),
        ("related_to_walking", choice_label("related_to_walking", WalkingRelated)),
        _dated(deid, "reported", _local_day("reported_at", zone)),
        _dated(deid, "reviewed", _local_day("reviewed_at", zone)),
    ]
    return _query_table(qs, columns, ["patient_id", "occurred_on", "id"])


def _batches(people: QuerySet[Patient]) -> Iterator[list[Patient]]:
    batch: list[Patient] = []
    for patient in people.filter(programme_start__isnull=False).order_by("id").iterator(2000):
        batch.append(patient)
        if len(batch) == PATIENT_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _name(patient: Patient, salt: str, deid: bool) -> list:
    if deid:
        return [pseudonym(salt, "P", patient.pk)]
    return [patient.pk, formula_safe(patient.user.full_name)]


LONGEST_WEEKS = 156  # three years of follow-up, the most check-ins a clinic can ask for


def _weekly_table(spec, people, *, salt, zone, deid):
    scope = spec.scope
    today = timezone.now().astimezone(zone).date()
    # The words are fixed now: the rows may be written after the request has ended.
    yes, no = yes_word(), no_word()

    def wanted(week: WeekRow) -> bool:
        return not (
            (scope.date_from and week.monday < scope.date_from)
            or (scope.date_to and week.monday > scope.date_to)
        )

    def rows():
        for batch in _batches(people):
            # _batches keeps only patients whose programme started: no start is None.
            starts = {p.pk: cast(dt.date, p.programme_start) for p in batch}
            weeks = patient_weeks_for(list(starts), starts, today, LONGEST_WEEKS)
            for patient in batch:
                for week in weeks[patient.pk]:
                    if not wanted(week):
                        continue
                    on_target = week.on_target
                    yield [
                        *_name(patient, salt, deid),
                        week.programme_week,
                        (week.monday - starts[patient.pk]).days if deid else week.monday,
                        week.minutes,
                        week.walks,
                        week.days_walked,
                        week.target_minutes,
                        None if on_target is None else (yes if on_target else no),
                    ]

    def count():
        total = 0
        starts = people.filter(programme_start__isnull=False).values_list(
            "programme_start", flat=True
        )
        for start in starts.iterator(5000):
            total += sum(
                1
                for _, monday in stats.ended_programme_weeks(start, today, LONGEST_WEEKS)
                if not (
                    (scope.date_from and monday < scope.date_from)
                    or (scope.date_to and monday > scope.date_to)
                )
            )
        return total

    who = ["patient"] if deid else ["patient_id", "patient_name"]
    week_start = "week_start_day" if deid else "week_start"
    headers = [
        *who,
        "programme_week",
        week_start,
        "minutes",
        "walks",
        "days_walked",
        "target_minutes",
        "on_target",
    ]
    return Table(headers=header_words(headers), count=count, rows=rows)


def _recurrence_table(spec, people, *, salt, zone, deid):
    cohort = _in_range(people, "programme_start", spec.scope).select_related("user")
    yes, no = yes_word(), no_word()

    def rows():
        for batch in _batches(cohort):
            times = recurrence_times_for(batch)
            for patient in batch:
                result = times.get(patient.pk)
                if result is None:
                    continue
                cells = [*_name(patient, salt, deid)]
                if not deid:
                    cells.append(patient.programme_start)
                cells.append(result.follow_up_days)
                for kind in KINDS:
                    time = result.of(kind)
                    cells += [time.days, yes if time.event else no]
                yield cells

    who = ["patient"] if deid else ["patient_id", "patient_name", "programme_start"]
    headers = [*who, "follow_up_days"]
    for kind in KINDS:
        headers += [f"{kind}_days", f"{kind}_recurred"]
    return Table(
        headers=header_words(headers),
        count=lambda: cohort.filter(programme_start__isnull=False).count(),
        rows=rows,
    )


# --- Writers ---------------------------------------------------------------------------------


class _Line:
    """A file-like target for csv.writer that hands back what was written."""

    def __init__(self):
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> bytes:
        data = "".join(self.parts).encode()
        self.parts.clear()
        return data


def _cell(value):
    if value is None:
        return ""
    return value


def use_copy() -> bool:
    return connection.vendor == "postgresql"


def csv_chunks(table: Table) -> Iterator[bytes]:
    """The CSV file in pieces of about ``CHUNK_BYTES``: the byte order mark and the header,
    then the rows. On PostgreSQL a query table is copied by the server (``COPY ... TO
    STDOUT``): Python only gathers the bytes into chunks."""
    line = _Line()
    writer = csv.writer(line, lineterminator="\n")
    writer.writerow(table.headers)
    yield CSV_BOM.encode() + line.take()
    if table.queryset is not None and use_copy():
        sql, params = table.queryset.query.sql_with_params()
        buffer = bytearray()
        statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
        # The driver's own cursor: Django's debug wrapper (DEBUG, CaptureQueriesContext) has a
        # copy() without parameters, so the export failed whenever queries were recorded.
        with connection.cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
            for data in copy:
                buffer += data
                if len(buffer) >= CHUNK_BYTES:
                    yield bytes(buffer)
                    buffer.clear()
        if buffer:
            yield bytes(buffer)
        return
    for row in table.rows():
        writer.writerow([_cell(v) for v in row])
        if sum(map(len, line.parts)) >= CHUNK_BYTES:
            yield line.take()
    rest = line.take()
    if rest:
        yield rest


def write_csv(table: Table, target, on_rows: Callable[[int], None] | None = None) -> int:
    """Write the CSV to a binary file; ``on_rows`` hears the running row count now and then."""
    rows = 0
    for index, chunk in enumerate(csv_chunks(table)):
        target.write(chunk)
        if index:
            rows += chunk.count(b"\n")
            if on_rows:
                on_rows(rows)
    return rows


def write_xlsx(table: Table, target, on_rows: Callable[[int], None] | None = None) -> int:
    """An Excel workbook in openpyxl's write-only mode, which streams rows to the file."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    # Translators: the name of the one sheet of an exported Excel workbook (31 characters at most).
    sheet = workbook.create_sheet(pgettext("sheet name", "export"))
    sheet.append(table.headers)
    rows = 0
    for row in table.rows():
        sheet.append([formula_safe(v) for v in row])
        rows += 1
        if on_rows and rows % 5000 == 0:
            on_rows(rows)
    workbook.save(target)
    return rows


def csv_text(table: Table) -> str:
    """The whole CSV as text, without the byte order mark (tests and small files only)."""
    return b"".join(csv_chunks(table)).decode("utf-8-sig")
