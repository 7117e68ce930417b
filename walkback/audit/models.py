from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import pgettext_lazy

# The patient model, named by its label: the audit trail sits below the patients app (README,
# "Layers"), so it never imports it. Also the ``object_type`` of a read of a patient's record.
PATIENT_MODEL = "patients.Patient"


class AuditAction(models.TextChoices):
    # The codes are stored and never translated; the labels are what the audit trail shows.
    READ = "read", pgettext_lazy("audit action", "Read")
    CREATE = "create", pgettext_lazy("audit action", "Create")
    UPDATE = "update", pgettext_lazy("audit action", "Update")
    DELETE = "delete", pgettext_lazy("audit action", "Delete")
    EXPORT = "export", pgettext_lazy("audit action", "Export")
    INVITE = "invite", pgettext_lazy("audit action", "Invite")
    ACCOUNT = "account", pgettext_lazy("audit action", "Account change")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit trail cannot be changed.")

    def delete(self):
        raise PermissionError("The audit trail cannot be deleted.")


class AuditEvent(models.Model):
    """One line of the audit trail: who did what to which patient's record, when, from where.

    Rows are only ever inserted. ``save`` refuses updates, the queryset refuses bulk updates and
    deletes, the admin is read-only, and on PostgreSQL a trigger rejects UPDATE and DELETE.
    ``detail`` holds names of fields and ids, never the health data itself.

    Who acted is the ``actor`` id only, never a copy of their name or address: an account
    closed under the patient's right to erasure keeps its rows here (action and time) while
    nothing in them says who the person was (docs/security.md#data-rights).
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # Found through the (clinic, -at) and (patient, -at) indexes below, which start with
    # them: a separate index of each would only make every audited request's insert dearer.
    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )
    patient = models.ForeignKey(
        PATIENT_MODEL, on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["patient", "-at"]), models.Index(fields=["clinic", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} user {self.actor_id} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit trail cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail cannot be deleted.")
