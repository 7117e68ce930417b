"""Writing the audit trail. Services call ``audit_record`` inside their own transaction so the
audit row and the change commit or roll back together; views call ``audit_read`` when they
show a patient's record."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from django.db import connection
from django.utils import timezone

from walkback.audit.context import current_ip
from walkback.audit.models import PATIENT_MODEL, AuditAction, AuditEvent

if TYPE_CHECKING:
    from django.db.models import Model

    from walkback.accounts.models import Clinic, User


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: Model | None = None,
    object_type: str = "",
    patient=None,
    clinic: Clinic | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    if patient is not None and clinic is None:
        clinic = patient.clinic
    if clinic is None and actor is not None and actor.clinic_id:
        clinic = actor.clinic
    event = AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        clinic=clinic,
        patient=patient,
        action=action,
        object_type=object_type or (obj._meta.label if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        ip_address=_staff_ip(actor),
        detail=detail or {},
    )
    return event


def _staff_ip(actor: User | None) -> str | None:
    """Where the request came from, for staff only. A patient's own address (theirs, or a
    reminder link's visitor, which has no actor) is personal data that this append-only trail
    could never erase when their account is closed (docs/security.md#data-rights)."""
    if actor is None or not actor.pk or not actor.is_clinic_staff:
        return None
    return current_ip.get()


def audit_read(*, actor: User, patient, what: str, obj: Model | None = None) -> AuditEvent:
    """Record that ``actor`` looked at part of ``patient``'s record (``what`` names the page)."""
    return audit_record(
        actor=actor,
        action=AuditAction.READ,
        obj=obj if obj is not None else patient,
        patient=patient,
        detail={"view": what},
    )


def audit_reads(*, actor: User, patients: Iterable, what: str) -> int:
    """Record that ``actor`` saw each of ``patients`` on a list page (``what`` names it): one
    row per patient, so each patient's own access history shows the list too. Returns how many
    rows were written.

    Written as one INSERT statement with the fields prepared once, not per row: a list page
    pays for its audit on every view, and building and saving 25 model instances cost more
    than the page's own queries (docs/performance.md, "The audit of a list page"). The
    statement commits (or rolls back) with the request's transaction like any other write,
    and nothing is buffered, so no read is ever dropped."""
    targets = [(patient.clinic_id or actor.clinic_id, patient.pk) for patient in patients]
    if not targets:
        return 0
    fields = {field.name: field for field in AuditEvent._meta.concrete_fields}
    shared = {
        name: fields[name].get_db_prep_save(value, connection)
        for name, value in {
            "at": timezone.now(),
            "actor": actor.pk,
            "action": AuditAction.READ.value,
            "object_type": PATIENT_MODEL,
            "ip_address": _staff_ip(actor),
            "detail": {"view": what},
        }.items()
    }
    columns = [*shared, "clinic", "patient", "object_id"]
    params: list = []
    for clinic_id, patient_id in targets:
        params.extend([*shared.values(), clinic_id, patient_id, str(patient_id)])
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    # Names come from the model and every value is a parameter: nothing here is user text.
    sql = "INSERT INTO {} ({}) VALUES {}".format(  # noqa: S608
        quote(AuditEvent._meta.db_table),
        ", ".join(quote(cast(str, fields[name].column)) for name in columns),
        ", ".join([row] * len(targets)),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    return len(targets)
