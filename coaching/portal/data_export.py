"""A patient's copy of everything WalkBack holds about them (GDPR access and portability;
docs/security.md#records), as JSON and as CSV.

The records are serialised field by field from the models, so a field added later is exported
without anyone remembering to add it here. Left out, on purpose: the password hash, the
two-step login secret and invitation token hashes (credentials, not information about the
person), and internal ids of other people, which are replaced by those people's names.
The CSV is the JSON flattened to one line per value (section, record, field, value), so the
two downloads always hold exactly the same information. A coded value is given as the words the
screens show ("In programme", not ``active``), and the CSV starts with a UTF-8 byte order mark
so that Excel keeps accents intact (the clinic's exports do the same: walkback/reports/exports.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from decimal import Decimal

from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber

from coaching.messaging.models import ThreadMessage
from coaching.models import CoachingSession, Prescription, Reminder
from coaching.proms.models import QuestionnaireResponse
from patients.models import AdverseEvent, CheckIn, Patient, Screening, WalkLog
from walkback.accounts.models import User
from walkback.audit.models import AuditAction, AuditEvent
from walkback.audit.services import audit_record
from walkback.core.spreadsheets import CSV_BOM, formula_safe

FORMAT_VERSION = 1
USER_FIELDS = ["email", "full_name", "phone", "time_zone", "date_joined", "last_login"]
SKIP_FIELDS = {"password", "submission_token", "idempotency_key", "last_error"}


def _value(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID | PhoneNumber | Promise):
        return str(value)
    return value


def _record(
    obj: models.Model, names: dict[int, str], *, skip: AbstractSet[str] = frozenset()
) -> dict:
    """Every concrete field of ``obj``; links to people become their names, other links ids."""
    record = {}
    for field in obj._meta.concrete_fields:
        if field.name in SKIP_FIELDS or field.name in skip:
            continue
        if field.is_relation:
            raw = getattr(obj, field.attname)
            if field.related_model is User:
                record[field.name] = names.get(raw, "") if raw is not None else None
            else:
                record[f"{field.name}_id"] = raw
            continue
        value = getattr(obj, field.attname)
        if field.choices and isinstance(value, str | int) and value != "":
            # The label the screens show; a value no longer among the choices stays as it is.
            label = dict(field.flatchoices).get(value)
            value = value if label is None else str(label)  # labels are lazy (translated)
        record[field.name] = _value(value)
    return record


def patient_data(patient: Patient) -> dict:
    """Everything held about ``patient``, as plain JSON-ready data."""
    sessions = list(
        CoachingSession.objects.filter(patient=patient)
        .prefetch_related("topics")
        .order_by("number")
    )
    prescriptions = list(Prescription.objects.filter(patient=patient).order_by("effective_from"))
    screening = Screening.objects.filter(patient=patient).first()
    adverse = list(AdverseEvent.objects.filter(patient=patient).order_by("occurred_on", "id"))
    audit = list(AuditEvent.objects.filter(patient=patient).order_by("at", "id"))
    # Both sides of the secure messages (docs/messages.md): the staff's names, not their ids.
    thread_messages = list(ThreadMessage.objects.filter(thread_id=patient.pk).order_by("id"))
    # Outcome questionnaires (docs/questionnaires.md), answers included: they are the patient's.
    questionnaires = list(
        QuestionnaireResponse.objects.filter(patient=patient).order_by("instrument", "week")
    )
    people = {patient.physiotherapist_id, patient.user_id}
    people |= {q.answered_by_id for q in questionnaires}
    people |= {p.author_id for p in prescriptions} | {a.reviewed_by_id for a in adverse}
    people |= {e.actor_id for e in audit}
    people |= {m.author_id for m in thread_messages}
    if screening:
        people.add(screening.screened_by_id)
    known = {pk for pk in people if pk is not None}
    names = dict(User.objects.filter(pk__in=known).values_list("pk", "full_name"))
    user = patient.user
    data = {
        "format_version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "account": {name: _value(getattr(user, name)) for name in USER_FIELDS},
        "clinic": {"name": patient.clinic.name, "time_zone": patient.clinic.time_zone},
        "patient": _record(patient, names, skip={"user"}),
        "screening": [_record(screening, names)] if screening else [],
        "prescriptions": [_record(p, names) for p in prescriptions],
        "coaching_sessions": [
            _record(s, names) | {"topics": ", ".join(t.title for t in s.topics.all())}
            for s in sessions
        ],
        "walks": [
            _record(w, names)
            for w in WalkLog.objects.filter(patient=patient).order_by("walked_on", "id")
        ],
        "check_ins": [
            _record(c, names)
            for c in CheckIn.objects.filter(patient=patient).order_by("month_number")
        ],
        "adverse_events": [_record(a, names) for a in adverse],
        "messages": [_record(m, names, skip={"thread"}) for m in thread_messages],
        "questionnaires": [_record(q, names) for q in questionnaires],
        "reminders": [
            _record(r, names, skip={"recipient"})
            for r in Reminder.objects.filter(patient=patient).order_by("due_at", "id")
        ],
        # Who looked at or changed the record: part of what is held about the person.
        "access_log": [
            {
                "at": _value(e.at),
                "by": names.get(e.actor_id, "") if e.actor_id is not None else "",
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "page": e.detail.get("view", ""),
            }
            for e in audit
        ],
    }
    return data


def data_as_csv_rows(data: dict) -> Iterator[list]:
    """Flatten ``patient_data`` to rows of (section, record, field, value)."""
    # Translators: the column headings of the patient's own data download (CSV).
    yield [_("section"), _("record"), _("field"), _("value")]
    for section, content in data.items():
        if isinstance(content, list):
            for number, record in enumerate(content, start=1):
                for field, value in record.items():
                    yield [section, number, field, _csv_value(value)]
        elif isinstance(content, dict):
            for field, value in content.items():
                yield [section, 1, field, _csv_value(value)]
        else:
            yield [section, "", "", _csv_value(content)]


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, bool):
        text = _("yes") if value else _("no")
    else:
        text = str(value)
    # A spreadsheet must not run a formula a patient typed, whatever the field (CSV injection).
    return formula_safe(text)


def data_as_csv(data: dict) -> str:
    """The CSV download, byte order mark first (see the module's docstring)."""
    buffer = io.StringIO()
    buffer.write(CSV_BOM)
    csv.writer(buffer).writerows(data_as_csv_rows(data))
    return buffer.getvalue()


def patient_data_export(*, patient: Patient, by: User, fmt: str) -> dict:
    """Gather the patient's data for download and write the audit row for the export."""
    if fmt not in ("json", "csv"):
        raise ValueError(f"unknown export format {fmt!r}")
    with transaction.atomic():
        data = patient_data(patient)
        audit_record(
            actor=by,
            action=AuditAction.EXPORT,
            obj=patient,
            patient=patient,
            detail={"view": "own-data", "format": fmt},
        )
    return data
