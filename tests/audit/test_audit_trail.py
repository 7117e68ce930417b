from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse

from walkback.audit.models import AuditAction, AuditEvent


@pytest.mark.django_db
def test_viewing_a_patient_record_writes_one_read_row(world, client_for):
    client = client_for(world.physio_a)
    response = client.get(
        reverse("patients:detail", args=[world.patient_a.pk]), REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.READ)
    assert event.actor == world.physio_a
    assert event.patient == world.patient_a
    assert event.clinic == world.clinic_a
    assert event.ip_address == "203.0.113.9"
    assert event.at.utcoffset().total_seconds() == 0


@pytest.mark.django_db
def test_a_refused_read_writes_nothing(world, client_for):
    client_for(world.physio_b).get(reverse("patients:detail", args=[world.patient_a.pk]))
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_inviting_a_patient_writes_the_create_and_invite_rows_in_one_transaction(world, client_for):
    client_for(world.physio_a).post(
        reverse("patients:invite"),
        {"full_name": "Audit Annie", "email": "annie@example.test", "time_zone": "UTC"},
    )
    rows = list(AuditEvent.objects.order_by("id").values_list("action", "object_type"))
    assert rows == [
        (AuditAction.CREATE, "patients.Patient"),
        (AuditAction.INVITE, "accounts.Invitation"),
    ]
    create = AuditEvent.objects.get(action=AuditAction.CREATE)
    assert "annie" not in str(create.detail)  # names of fields, not their values


@pytest.mark.django_db
def test_a_failed_write_leaves_no_audit_row(world):
    from django.core.exceptions import ValidationError

    from patients.services.enrolment import patient_invite

    with pytest.raises(ValidationError):
        patient_invite(
            by=world.physio_a, email="x@example.test", full_name="X", time_zone="Mars/Olympus"
        )
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_the_trail_cannot_be_changed_or_deleted_through_the_application(world, client_for):
    client_for(world.physio_a).get(reverse("patients:detail", args=[world.patient_a.pk]))
    event = AuditEvent.objects.get()
    event.action = AuditAction.DELETE
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(action="update")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    model_admin = admin.site._registry[AuditEvent]
    request = RequestFactory().get("/")
    request.user = world.admin_a
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert not model_admin.has_add_permission(request)
    assert model_admin.get_actions(request) == {}


@pytest.mark.django_db
def test_postgres_itself_rejects_update_and_delete_of_audit_rows(world, client_for, postgres):
    client_for(world.physio_a).get(reverse("patients:detail", args=[world.patient_a.pk]))
    for sql in ("UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AuditEvent.objects.count() == 1


def test_no_view_or_url_edits_the_audit_trail():
    """Only the read-only admin knows the model; no URL pattern is named for it."""
    from django.urls import get_resolver

    names = [str(p.pattern) for p in get_resolver().url_patterns]
    assert not any("audit" in n for n in names)
